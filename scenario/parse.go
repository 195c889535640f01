package scenario

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

var (
	specNameRE    = regexp.MustCompile(`^[a-z0-9_-]+$`)
	runNameRE     = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	profileNameRE = runNameRE // profile names end up in matrix run names
	// Workload names end up in matrix run names too; call names in
	// profiles only need to be written in a step's call.
	workloadNameRE = runNameRE
	callNameRE     = runNameRE
)

var (
	topFields       = []string{"version", "name", "description", "defaults", "profiles", "workloads", "matrix", "runs", "compare", "gate", "assertions"}
	profileFields   = []string{"upload", "import", "latency", "error_rate"}
	latencyFields   = []string{"dist", "mean", "min", "max", "stddev", "median", "p99"}
	compareFields   = []string{"baseline", "runs", "stat", "segments"}
	gateFields      = []string{"alpha", "noise_floor_pct"}
	assertionFields = []string{"name", "expr"}
)

// distParams are the latency fields each distribution takes, all required.
var distParams = map[string][]string{
	"constant":    {"mean"},
	"uniform":     {"min", "max"},
	"normal":      {"mean", "stddev"},
	"lognormal":   {"median", "p99"},
	"exponential": {"mean"},
}

// maxRuns bounds the runs of a spec, explicit runs and matrix together.
const maxRuns = 10_000

// runCapWhy ends the messages about maxRuns.
const runCapWhy = "(explicit runs and matrix together)"

// Names become file names, and a file name is at most 255 bytes (ext4,
// XFS, APFS, NTFS). The limits leave room for what is added around a name.
const (
	maxFileName = 255
	// MaxSpecName: the longest name made from a spec name is the results
	// file's temporary name, .<name>-<UTC timestamp>-<N>.json.tmp-<random>.
	MaxSpecName = maxFileName - len(".-20060102T150405Z-10000.json.tmp-4294967295")
	// MaxRunName: a run's temporary directory is scenrun-<run>-<random>.
	MaxRunName = maxFileName - len("scenrun--4294967295")
)

// nameTooLong is the message for a name longer than limit bytes, or "".
func nameTooLong(field, name string, limit int, why string) string {
	if len(name) <= limit {
		return ""
	}
	return fmt.Sprintf("%s: %s is %d bytes, at most %d: %s must fit in %d bytes", field, quote(name), len(name), limit, why, maxFileName)
}

const (
	specNameWhy = "the results file name (<name>-<UTC timestamp>.json, and its temporary file)"
	runNameWhy  = "the run's temporary directory name (scenrun-<run>-XXXX)"
)

// MaxSpecBytes bounds a spec file: far past any hand-written spec, and
// small enough that finding a syntax error's position (a few dozen parses
// of the file) stays quick.
const MaxSpecBytes = 1 << 20

// parser holds the state of one Parse.
type parser struct {
	file     string
	lines    [][]rune
	errs     Errors
	profiles map[string]Profile
	merged   map[mergeKey][]pair // the pairs of mappings merged from

	workloads map[string]*Workload
	wnodes    map[*Workload]*workloadNodes // where a spec's workload's parts are
	getenv    func(string) string

	latencyPos map[string]Pos // where each latency value is, by latencyKey
	profile    string         // the profile being decoded

	// matrixBad is set when the matrix could not be expanded: references to
	// run names are then not checked, since they may name matrix runs.
	matrixBad bool

	workloadErrs int // errors decodeWorkloads reported

	// namesBroken: an error that may leave the run names other than written
	// (a top-level field misspelt, a run's name or the matrix).
	namesBroken bool
}

// errf reports a problem in the file at n.
func (p *parser) errf(n *yaml.Node, format string, args ...any) {
	p.report(n, fmt.Sprintf(format, args...))
}

func (p *parser) report(n *yaml.Node, msg string) {
	e := &Error{File: p.file, Msg: msg}
	if n != nil {
		e.Pos = posOf(n)
	}
	p.errs = append(p.errs, e)
}

// Parse decodes and validates a spec. sets are "-set key=value" overrides.
// The error, if any, is Errors.
func Parse(file string, data []byte, sets []string) (*Spec, error) {
	s, err := ParseDraft(file, data, sets)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ParseDraft is Parse that, when the spec has errors, returns with them
// what could be decoded of it (nil when the text is not a YAML mapping):
// a draft (Spec.IsDraft) whose runs, workloads and assertions say whether
// they are sound, so that the later stages of validation can report their
// own errors in the parts that are, and every error in a file is reported
// (SPEC §4).
func ParseDraft(file string, data []byte, sets []string) (*Spec, error) {
	p := &parser{file: file, profiles: builtinProfiles(), merged: map[mergeKey][]pair{},
		workloads: map[string]*Workload{"files": FilesWorkload()}, wnodes: map[*Workload]*workloadNodes{}, getenv: os.Getenv}
	s := p.parse(data, sets)
	if len(p.errs) > 0 {
		if s != nil {
			s.draft = true
		}
		return s, p.sorted()
	}
	return s, nil
}

// sorted returns the errors in file order, without repeats (an aliased node
// is checked wherever it is used).
func (p *parser) sorted() Errors {
	sort.SliceStable(p.errs, func(i, j int) bool {
		a, b := p.errs[i], p.errs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	var out Errors
	seen := map[Error]bool{}
	for _, e := range p.errs {
		if !seen[*e] {
			seen[*e] = true
			out = append(out, e)
		}
	}
	return out
}

func (p *parser) parse(data []byte, sets []string) *Spec {
	if len(data) > MaxSpecBytes {
		p.errs = append(p.errs, &Error{File: p.file, Msg: fmt.Sprintf("the spec is %d bytes, more than the limit of %d (1 MiB)", len(data), MaxSpecBytes)})
		return nil
	}
	doc, err := decodeYAML(data)
	if err != nil {
		p.errs = append(p.errs, syntaxError(p.file, data, err))
		return nil
	}
	if doc == nil || len(doc.Content) == 0 {
		p.errs = append(p.errs, &Error{File: p.file, Msg: "empty spec: want at least version, name and runs"})
		return nil
	}
	for _, l := range strings.Split(string(data), "\n") {
		p.lines = append(p.lines, []rune(strings.TrimSuffix(l, "\r")))
	}
	top := deref(doc.Content[0])
	if top.Kind != yaml.MappingNode {
		p.errf(top, "want a mapping of fields at the top level, got %s", describe(top))
		return nil
	}

	s := &Spec{File: p.file, Gate: Gate{Alpha: 0.05, NoiseFloorPct: 1}}
	fields := map[string]pair{}
	for _, kv := range p.pairs(p.report, top, false) {
		if !slices.Contains(topFields, kv.name) {
			unknownField(p.report, kv.key, "at the top level", topFields)
			p.namesBroken = true // it may be a misspelt runs or matrix
			continue
		}
		fields[kv.name] = kv
	}
	given := func(name string) (*yaml.Node, bool) {
		kv, ok := fields[name]
		if !ok || isNull(deref(kv.val)) {
			return nil, false
		}
		return deref(kv.val), true
	}

	if kv, ok := fields["version"]; !ok {
		p.errf(top, `missing required field "version"`)
	} else if v := deref(kv.val); !scalarTag(v, "!!int") {
		p.errf(v, "version: want the integer 1, got %s", describe(v))
	} else if v.Value != "1" {
		p.errf(v, "version: unsupported version %s, want 1", v.Value)
	} else {
		s.Version = 1
	}
	if kv, ok := fields["name"]; !ok {
		p.errf(top, `missing required field "name"`)
	} else if v, ok := strVal(p.report, "name", kv.val); ok {
		if !specNameRE.MatchString(v) {
			p.errf(deref(kv.val), `name: want lower-case letters, digits, "_" and "-", got %s`, quote(v))
		} else if msg := nameTooLong("name", v, MaxSpecName, specNameWhy); msg != "" {
			p.errf(deref(kv.val), "%s", msg)
		}
		s.Name = v
	}
	if n, ok := given("description"); ok {
		if v, ok := strVal(p.report, "description", n); ok && noControls(p.report, "description", n, v, "\n") {
			s.Description = v
		}
	}

	if n, ok := given("profiles"); ok {
		p.decodeProfiles(n)
	}
	s.Profiles = p.profiles
	s.latencyPos = p.latencyPos
	if n, ok := given("workloads"); ok {
		p.decodeWorkloads(n)
	}
	s.Workloads = p.workloads

	s.Defaults = DefaultConfig()
	defaultsGiven := origins{}
	if n, ok := given("defaults"); ok {
		if n.Kind != yaml.MappingNode {
			p.errf(n, "defaults: want a mapping of run fields, got %s", describe(n))
		} else {
			p.config(p.report, n, &s.Defaults, defaultsGiven, "in defaults")
		}
	}
	var ops []setOp
	for _, set := range sets {
		if op, ok := p.parseSet(set, s.Defaults.clone()); ok {
			ops = append(ops, op)
		}
	}
	for _, op := range ops {
		op.apply(p, &s.Defaults, defaultsGiven)
	}

	// Run names, for duplicates and for compare.
	names := map[string]Pos{}
	runsGiven := false
	var runOrigins []origins // parallel to s.Runs
	if n, ok := given("runs"); ok {
		runsGiven = len(n.Content) > 0 || n.Kind != yaml.SequenceNode
		s.Runs, runOrigins = p.decodeRuns(n, s.Defaults, defaultsGiven, ops, names)
	}
	matrixGiven := false
	if kv, ok := fields["matrix"]; ok && !isNull(deref(kv.val)) {
		m := deref(kv.val)
		matrixGiven = m.Kind != yaml.MappingNode || len(m.Content) > 0
		runs, given := p.expandMatrix(kv.key, m, s.Defaults, defaultsGiven, names, len(s.Runs))
		s.Runs, runOrigins = append(s.Runs, runs...), append(runOrigins, given...)
	}
	resolveAuto(&s.Defaults)
	for i := range s.Runs {
		resolveAuto(&s.Runs[i].Config)
	}
	p.checkRuns(s, runOrigins, defaultsGiven)
	// Any error so far but a workload's (an unknown top-level field may be
	// a misspelt runs or matrix) makes the runs of a draft unsound.
	s.runsBroken = len(p.errs) > p.workloadErrs
	s.namesBroken = p.namesBroken
	if !runsGiven && !matrixGiven {
		at := top
		if kv, ok := fields["runs"]; ok {
			at = kv.val
		}
		p.errf(at, "no runs: add `runs` or `matrix`")
	}

	if n, ok := given("compare"); ok {
		s.Compare = p.decodeCompare(n, s.Runs, names)
	}
	if n, ok := given("gate"); ok {
		p.decodeGate(n, &s.Gate)
	}
	for _, op := range ops {
		op.applyGate(&s.Gate)
	}
	if n, ok := given("assertions"); ok {
		s.Assertions = p.decodeAssertions(n)
	}
	return s
}

func (p *parser) decodeProfiles(m *yaml.Node) {
	if m.Kind != yaml.MappingNode {
		p.errf(m, "profiles: want a mapping of profile names to profiles, got %s", describe(m))
		return
	}
	for _, kv := range p.pairs(p.report, m, false) {
		name := kv.key.Value
		if b, ok := p.profiles[name]; ok && b.Builtin {
			p.errf(kv.key, "profile %q is built in", name)
			continue
		}
		if !profileNameRE.MatchString(name) {
			p.errf(kv.key, `profile name %s: want letters, digits, "_", "." and "-"`, quote(name))
		}
		// Registered even when bad, so that its uses do not also fail.
		p.profiles[name] = p.decodeProfile(name, deref(kv.val))
	}
}

func (p *parser) decodeProfile(name string, m *yaml.Node) Profile {
	p.profile = name
	defer func() { p.profile = "" }()
	pr := Profile{Name: name, Upload: Latency{Dist: "constant"}, Import: Latency{Dist: "constant"}}
	if m.Kind != yaml.MappingNode {
		p.errf(m, "profile %q: want a mapping of upload, import, latency, error_rate, got %s", name, describe(m))
		return pr
	}
	var latencyKey, splitKey *yaml.Node
	for _, kv := range p.pairs(p.report, m, false) {
		switch kv.name {
		case "upload":
			splitKey = firstNode(splitKey, kv.key)
			if l, ok := p.latency("upload", kv.val); ok {
				pr.Upload = l
			}
		case "import":
			splitKey = firstNode(splitKey, kv.key)
			if l, ok := p.latency("import", kv.val); ok {
				pr.Import = l
			}
		case "latency":
			latencyKey = kv.key
			if l, ok := p.latency("latency", kv.val); ok {
				pr.Upload, pr.Import = l, l
			}
		case "error_rate":
			if v, ok := floatVal(p.report, "error_rate", kv.val, func(f float64) bool { return f >= 0 && f <= 1 }, "0..1"); ok {
				pr.ErrorRate = v
			}
		default:
			// Any other name is a call's latency (SPEC §9), unless it is a
			// near miss of a field above or its value cannot be a latency.
			v := deref(kv.val)
			if nearMiss(kv.name, profileFields) != "" || !(v.Kind == yaml.MappingNode || scalarTag(v, "!!str")) {
				unknownField(p.report, kv.key, "in profile", profileFields)
				continue
			}
			if !callNameRE.MatchString(kv.name) {
				p.errf(kv.key, `call name %s: want letters, digits, "_", "." and "-"`, quote(kv.name))
			}
			l, _ := p.latency(kv.name, kv.val)
			if pr.Calls == nil {
				pr.Calls = map[string]Latency{}
			}
			// Defined even when bad, so that the steps calling it do not
			// also fail.
			pr.Calls[kv.name] = l
		}
	}
	if latencyKey != nil && splitKey != nil {
		p.errf(latencyKey, "latency: sets both upload and import; give either latency or upload and import")
	}
	return pr
}

func firstNode(a, b *yaml.Node) *yaml.Node {
	if a != nil {
		return a
	}
	return b
}

// latency decodes a duration (constant) or a distribution mapping.
func (p *parser) latency(name string, n *yaml.Node) (Latency, bool) {
	n = deref(n)
	switch n.Kind {
	case yaml.ScalarNode:
		p.latencyAt(name, "mean", n)
		d, ok := durVal(p.report, name, n)
		return Latency{Dist: "constant", Mean: d}, ok
	case yaml.MappingNode:
	default:
		p.errf(n, "%s: want a duration such as 50ms or a mapping such as {dist: uniform, min: 1s, max: 2s}, got %s", name, describe(n))
		return Latency{}, false
	}
	var l Latency
	ok, unknown := true, false
	var distNode *yaml.Node
	vals := map[string]*yaml.Node{}
	keys := map[string]*yaml.Node{}
	for _, kv := range p.pairs(p.report, n, false) {
		var dst *time.Duration
		switch kv.name {
		case "dist":
			distNode = deref(kv.val)
			d, dok := enumVal(p.report, "dist", kv.val, Dists)
			l.Dist, ok = d, ok && dok
			continue
		case "mean":
			dst = &l.Mean
		case "min":
			dst = &l.Min
		case "max":
			dst = &l.Max
		case "stddev":
			dst = &l.Stddev
		case "median":
			dst = &l.Median
		case "p99":
			dst = &l.P99
		default:
			unknownField(p.report, kv.key, "in latency", latencyFields)
			ok, unknown = false, true
			continue
		}
		keys[kv.name], vals[kv.name] = kv.key, deref(kv.val)
		p.latencyAt(name, kv.name, kv.val)
		d, dok := durVal(p.report, kv.name, kv.val)
		*dst, ok = d, ok && dok
	}
	if distNode == nil {
		p.errf(n, `missing required field "dist" in latency (one of %s)`, strings.Join(Dists, ", "))
		return l, false
	}
	params, known := distParams[l.Dist]
	if !known {
		return l, false
	}
	for _, f := range latencyFields[1:] {
		if k := keys[f]; k != nil && !slices.Contains(params, f) {
			p.errf(k, "%s: not used by dist %s (it takes %s)", f, l.Dist, strings.Join(params, ", "))
			ok = false
		}
	}
	var missing []string
	for _, f := range params {
		if keys[f] == nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		if unknown {
			return l, false // most likely a misspelt one of missing
		}
		p.errf(distNode, "dist: %s needs %s", l.Dist, strings.Join(missing, " and "))
		return l, false
	}
	if !ok {
		return l, false
	}
	switch l.Dist {
	case "uniform":
		if l.Min > l.Max {
			p.errf(vals["min"], "min: want at most max (%s), got %s", l.Max, l.Min)
			return l, false
		}
	case "lognormal":
		if l.Median <= 0 {
			p.errf(vals["median"], "median: want more than 0s, got %s", l.Median)
			return l, false
		}
		if l.P99 <= l.Median {
			p.errf(vals["p99"], "p99: want more than median (%s), got %s", l.Median, l.P99)
			return l, false
		}
	}
	return l, true
}

// latencyAt records where field of the latency of call is, in the profile
// being decoded.
func (p *parser) latencyAt(call, field string, n *yaml.Node) {
	if p.profile == "" {
		return
	}
	if p.latencyPos == nil {
		p.latencyPos = map[string]Pos{}
	}
	p.latencyPos[latencyKey(p.profile, call, field)] = posOf(deref(n))
}

func latencyKey(profile, call, field string) string {
	return profile + "\x00" + call + "\x00" + field
}

// CheckScale checks that every latency of the profiles the runs use,
// scaled by scale (-quick, -time-scale), stays within MaxDuration: a
// product past it would be an absurd run, and past 292 years it would wrap
// negative. Each problem is at the latency's position, or at the run for a
// built-in profile.
func (s *Spec) CheckScale(scale float64) error {
	var errs Errors
	seen := map[string]bool{}
	for _, r := range s.Runs {
		pr, ok := s.Profiles[r.Config.Profile]
		if !ok || seen[pr.Name] {
			continue
		}
		seen[pr.Name] = true
		calls := []string{"upload", "import"}
		for c := range pr.Calls {
			calls = append(calls, c)
		}
		sort.Strings(calls[2:])
		for _, c := range calls {
			l, _ := pr.Call(c)
			for _, f := range []struct {
				name string
				d    time.Duration
			}{{"mean", l.Mean}, {"min", l.Min}, {"max", l.Max}, {"stddev", l.Stddev}, {"median", l.Median}, {"p99", l.P99}} {
				prod := float64(f.d) * scale
				if !(prod > float64(MaxDuration)) {
					continue
				}
				pos, ok := s.latencyPos[latencyKey(pr.Name, c, f.name)]
				if !ok && (c == "upload" || c == "import") {
					pos, ok = s.latencyPos[latencyKey(pr.Name, "latency", f.name)]
				}
				if !ok {
					pos = r.Pos
				}
				what := c
				if l.Dist != "constant" {
					what += " " + f.name
				}
				shown := fmt.Sprintf("%.4gh", prod/float64(time.Hour))
				if prod < float64(math.MaxInt64/2) {
					shown = fmtDur(time.Duration(prod).Round(time.Millisecond))
				}
				errs = append(errs, &Error{File: s.File, Pos: pos, Msg: fmt.Sprintf(
					"profile %s: %s %s × time scale %g = %s, more than the limit of %s", pr.Name, what, fmtDur(f.d), scale, shown, fmtDur(MaxDuration))})
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].Line != errs[j].Line {
			return errs[i].Line < errs[j].Line
		}
		return errs[i].Col < errs[j].Col
	})
	return errs
}

func (p *parser) decodeRuns(n *yaml.Node, defaults Config, defaultsGiven origins, ops []setOp, names map[string]Pos) ([]Run, []origins) {
	// Errors before a run's fields (the list, an item, its name) leave the
	// run names of a draft unknown.
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "runs: want a list of runs, got %s", describe(n))
		p.namesBroken = true
		return nil, nil
	}
	if len(n.Content) > maxRuns {
		p.errf(n, "runs: %d runs, more than the limit of %d runs %s", len(n.Content), maxRuns, runCapWhy)
		p.matrixBad = true // run references cannot be checked
		p.namesBroken = true
		return nil, nil
	}
	var runs []Run
	var given []origins
	for _, item := range n.Content {
		m := deref(item)
		if m.Kind != yaml.MappingNode {
			p.errf(m, "runs: want a mapping for each run, got %s", describe(m))
			p.namesBroken = true
			continue
		}
		run := Run{Config: defaults.clone(), Pos: posOf(m)}
		var nameNode *yaml.Node
		for _, kv := range p.pairs(silent, m, false) {
			if kv.name == "name" {
				nameNode = deref(kv.val)
			}
		}
		nameErrs := len(p.errs)
		if nameNode == nil {
			p.errf(m, `missing required field "name" in run`)
		} else if name, ok := strVal(p.report, "name", nameNode); ok {
			run.Name, run.Pos = name, posOf(nameNode)
			if !runNameRE.MatchString(name) {
				p.errf(nameNode, `name: want letters, digits, "_", "." and "-", got %s`, quote(name))
			} else if msg := nameTooLong("name", name, MaxRunName, runNameWhy); msg != "" {
				p.errf(nameNode, "%s", msg)
			}
			if first, dup := names[name]; dup {
				p.errf(nameNode, "run name %s given twice (first at %s)", quote(name), first.lineCol())
			} else {
				names[name] = run.Pos
			}
		}
		p.namesBroken = p.namesBroken || len(p.errs) > nameErrs
		g := defaultsGiven.clone()
		p.config(p.report, m, &run.Config, g, "in run", "name")
		for _, op := range ops {
			op.apply(p, &run.Config, g)
		}
		runs = append(runs, run)
		given = append(given, g)
	}
	return runs, given
}

// expandMatrix expands the matrix at key into runs, after the explicit ones
// whose names are in names.
func (p *parser) expandMatrix(key, m *yaml.Node, defaults Config, defaultsGiven origins, names map[string]Pos, explicit int) ([]Run, []origins) {
	// Any error in the matrix leaves the run names of a draft unknown.
	errs := len(p.errs)
	defer func() { p.namesBroken = p.namesBroken || len(p.errs) > errs }()
	if m.Kind != yaml.MappingNode {
		p.errf(m, "matrix: want a mapping of run fields to lists of values, got %s", describe(m))
		p.matrixBad = true
		return nil, nil
	}
	type axis struct {
		field  *runField
		key    *yaml.Node
		values []*yaml.Node
	}
	var axes []axis
	ok := true
	total := 1
	for _, kv := range p.pairs(p.report, m, false) {
		f := findField(kv.name)
		if f == nil {
			unknownField(p.report, kv.key, "in matrix", fieldNames(true))
			ok = false
			continue
		}
		if !f.matrix {
			p.errf(kv.key, "matrix: %s cannot be varied in a matrix (allowed: %s)", f.name, strings.Join(fieldNames(true), ", "))
			ok = false
			continue
		}
		v := deref(kv.val)
		if v.Kind != yaml.SequenceNode {
			p.errf(v, "%s: want a list of values, got %s", f.name, describe(v))
			ok = false
			continue
		}
		if len(v.Content) == 0 {
			p.errf(v, "%s: want at least one value, got an empty list", f.name)
			ok = false
			continue
		}
		bad := false
		r := func(n *yaml.Node, msg string) { p.report(n, msg); bad = true }
		for _, it := range v.Content {
			scratch := defaults.clone()
			f.set(p, r, it, &scratch)
		}
		if bad {
			ok = false
			continue
		}
		axes = append(axes, axis{f, kv.key, v.Content})
		total *= len(v.Content)
		if total > maxRuns {
			p.errf(key, "matrix: more than %d runs, the limit for explicit runs and matrix together", maxRuns)
			p.matrixBad = true
			return nil, nil
		}
	}
	if !ok {
		p.matrixBad = true
		return nil, nil
	}
	if explicit+total > maxRuns {
		p.errf(key, "matrix: %d runs after the %d explicit runs, more than the limit of %d runs %s", total, explicit, maxRuns, runCapWhy)
		p.matrixBad = true
		return nil, nil
	}
	var runs []Run
	var given []origins
	own := map[string]bool{}
	idx := make([]int, len(axes))
	for {
		c := defaults.clone()
		g := defaultsGiven.clone()
		for i, a := range axes {
			a.field.set(p, silent, a.values[idx[i]], &c)
			g[a.field.name] = origin{node: a.key}
		}
		name := fmt.Sprintf("c%d_%s", c.Concurrency, c.Profile)
		for i, a := range axes {
			if a.field.name != "concurrency" && a.field.name != "profile" {
				name += "_" + deref(a.values[idx[i]]).Value
			}
		}
		switch first, dup := names[name]; {
		case len(name) > MaxRunName:
			p.errf(key, "%s", nameTooLong("matrix: run name", name, MaxRunName, runNameWhy))
		case own[name]:
			p.errf(key, "matrix: run name %s comes out twice", quote(name))
		case dup:
			p.errf(key, "matrix: run name %s given twice (first at %s)", quote(name), first.lineCol())
		default:
			own[name] = true
			names[name] = posOf(key)
		}
		runs = append(runs, Run{Name: name, Config: c, Pos: posOf(key), Matrix: true})
		given = append(given, g)
		// Advance the last axis fastest: the first key is outermost.
		i := len(axes) - 1
		for ; i >= 0; i-- {
			if idx[i]++; idx[i] < len(axes[i].values) {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return runs, given
		}
	}
}

// runRef decodes the name of an existing run.
func (p *parser) runRef(field string, n *yaml.Node, runs []Run, names map[string]Pos) (string, bool) {
	s, ok := strVal(p.report, field, n)
	if !ok {
		return "", false
	}
	if _, ok := names[s]; !ok {
		if p.matrixBad {
			return "", false
		}
		var all []string
		for _, r := range runs {
			if !slices.Contains(all, r.Name) {
				all = append(all, r.Name)
			}
		}
		msg := fmt.Sprintf("%s: unknown run %s", field, quote(s))
		if sug := suggest(s, all); sug != "" {
			msg += fmt.Sprintf(", did you mean %q?", sug)
		}
		const show = 20
		if len(all) > show {
			all = append(all[:show], "…")
		}
		p.errf(deref(n), "%s (runs: %s)", msg, strings.Join(all, ", "))
		return "", false
	}
	return s, true
}

func (p *parser) decodeCompare(n *yaml.Node, runs []Run, names map[string]Pos) []Compare {
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "compare: want a list of comparisons, got %s", describe(n))
		return nil
	}
	var out []Compare
	for _, item := range n.Content {
		m := deref(item)
		if m.Kind != yaml.MappingNode {
			p.errf(m, "compare: want a mapping for each comparison, got %s", describe(m))
			continue
		}
		c := Compare{Stat: "p95", Segments: slices.Clone(DefaultSegments), Pos: posOf(m)}
		var runsNode *yaml.Node
		baseGiven := false
		for _, kv := range p.pairs(p.report, m, false) {
			switch kv.name {
			case "baseline":
				baseGiven = true
				c.Baseline, _ = p.runRef("baseline", kv.val, runs, names)
			case "runs":
				runsNode = deref(kv.val)
			case "stat":
				if v, ok := enumVal(p.report, "stat", kv.val, Stats); ok {
					c.Stat = v
				}
			case "segments":
				v := deref(kv.val)
				if v.Kind != yaml.SequenceNode {
					p.errf(v, "segments: want a list of segments, got %s", describe(v))
					continue
				}
				if len(v.Content) == 0 {
					p.errf(v, "segments: want at least one segment, got an empty list")
					continue
				}
				c.Segments = nil
				for _, it := range v.Content {
					if s, ok := enumVal(p.report, "segments", it, Segments); ok {
						c.Segments = append(c.Segments, s)
					}
				}
			default:
				unknownField(p.report, kv.key, "in compare", compareFields)
			}
		}
		if !baseGiven {
			p.errf(m, `missing required field "baseline" in compare`)
		}
		switch {
		case runsNode == nil:
			for _, r := range runs {
				if r.Name != c.Baseline {
					c.Runs = append(c.Runs, r.Name)
				}
			}
		case runsNode.Kind == yaml.SequenceNode:
			c.Runs = []string{}
			for _, it := range runsNode.Content {
				if s, ok := p.runRef("runs", it, runs, names); ok {
					c.Runs = append(c.Runs, s)
				}
			}
		default:
			p.errf(runsNode, "runs: want a list of run names, got %s", describe(runsNode))
		}
		out = append(out, c)
	}
	return out
}

func (p *parser) decodeGate(m *yaml.Node, g *Gate) {
	if m.Kind != yaml.MappingNode {
		p.errf(m, "gate: want a mapping of alpha, noise_floor_pct, got %s", describe(m))
		return
	}
	for _, kv := range p.pairs(p.report, m, false) {
		switch kv.name {
		case "alpha":
			if v, ok := gateValue(p.report, "alpha", kv.val); ok {
				g.Alpha = v
			}
		case "noise_floor_pct":
			if v, ok := gateValue(p.report, "noise_floor_pct", kv.val); ok {
				g.NoiseFloorPct = v
			}
		default:
			unknownField(p.report, kv.key, "in gate", gateFields)
		}
	}
}

func (p *parser) decodeAssertions(n *yaml.Node) []Assertion {
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "assertions: want a list of assertions, got %s", describe(n))
		return nil
	}
	var out []Assertion
	for _, item := range n.Content {
		m := deref(item)
		if m.Kind != yaml.MappingNode {
			p.errf(m, "assertions: want a mapping of name and expr for each assertion, got %s", describe(m))
			continue
		}
		var a Assertion
		var nameOK, exprOK bool
		errs := len(p.errs)
		for _, kv := range p.pairs(p.report, m, false) {
			switch kv.name {
			case "name":
				nameOK = true
				if v, ok := strVal(p.report, "name", kv.val); ok && noControls(p.report, "name", kv.val, v, "") {
					a.Name = v
				}
			case "expr":
				exprOK = true
				v := deref(kv.val)
				if s, ok := strVal(p.report, "expr", v); ok {
					if strings.TrimSpace(s) == "" {
						p.errf(v, "expr: want an expression, got an empty string")
						continue
					}
					a.Expr = s
					a.Pos, a.at, a.end = p.exprPositions(v)
				}
			default:
				unknownField(p.report, kv.key, "in assertion", assertionFields)
			}
		}
		if !nameOK {
			p.errf(m, `missing required field "name" in assertion`)
		}
		if !exprOK {
			p.errf(m, `missing required field "expr" in assertion`)
		}
		a.broken = len(p.errs) > errs
		out = append(out, a)
	}
	return out
}

// resolveAuto gives a run with repeat: auto its most trials, repeat_max, as
// its repeat: what plans, progress and profiles count on. It runs once the
// run's fields are all known, as repeat and repeat_max may come from
// different places (defaults, the run, -set, the matrix).
func resolveAuto(c *Config) {
	if c.RepeatAuto {
		c.Repeat = c.RepeatMax
	}
}
