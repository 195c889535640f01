package scenario

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/scenrun/scenrun/fsm"
	"gopkg.in/yaml.v3"
)

// runField is one field of a run's configuration: how to decode it into a
// Config, and whether a matrix may vary it.
type runField struct {
	name   string
	set    func(p *parser, r report, n *yaml.Node, c *Config)
	matrix bool
}

func intField(name string, lo, hi int64, dst func(*Config) *int) runField {
	return runField{name: name, matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := intVal(r, name, n, lo, hi); ok {
			*dst(c) = int(v)
		}
	}}
}

func enumField(name string, allowed []string, dst func(*Config) *string) runField {
	return runField{name: name, matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := enumVal(r, name, n, allowed); ok {
			*dst(c) = v
		}
	}}
}

// runFields are the fields of defaults, of a run and of a matrix, in the
// order they are listed in messages.
var runFields = []runField{
	intField("files", 1, 100_000_000, func(c *Config) *int { return &c.Files }),
	intField("concurrency", 1, 100_000, func(c *Config) *int { return &c.Concurrency }),
	{name: "profile", matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := p.profileName(r, n); ok {
			c.Profile = v
		}
	}},
	enumField("connection", Connections, func(c *Config) *string { return &c.Connection }),
	intField("pool_size", 1, 1024, func(c *Config) *int { return &c.PoolSize }),
	intField("batch_size", 1, 1_000_000, func(c *Config) *int { return &c.BatchSize }),
	enumField("txlock", TxLocks, func(c *Config) *string { return &c.TxLock }),
	{name: "pragmas", set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if ps, ok := p.pragmas(r, n); ok {
			c.Pragmas = mergePragmas(c.Pragmas, ps)
		}
	}},
	{name: "repeat", matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v := deref(n); v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
			if v.Value != "auto" {
				r(v, fmt.Sprintf("repeat: want an integer or auto, got %s", quote(v.Value)))
				return
			}
			c.RepeatAuto = true
			return
		}
		if v, ok := intVal(r, "repeat", n, 1, 10_000); ok {
			c.Repeat, c.RepeatAuto = int(v), false
		}
	}},
	intField("repeat_max", 4, 10_000, func(c *Config) *int { return &c.RepeatMax }),
	intField("warmup", 0, 10_000, func(c *Config) *int { return &c.Warmup }),
	{name: "seed", matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := intVal(r, "seed", n, math.MinInt64, math.MaxInt64); ok {
			c.Seed = v
		}
	}},
	intField("retries", 0, 100, func(c *Config) *int { return &c.Retries }),
	{name: "timeout", matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := durVal(r, "timeout", n); ok {
			c.Timeout = v
		}
	}},
	{name: "keep_db", matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := boolVal(r, "keep_db", n); ok {
			c.KeepDB = v
		}
	}},
	{name: "setup_sql", set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := strList(r, "setup_sql", n); ok {
			c.SetupSQL = v
		}
	}},
	{name: "connect_sql", set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := strList(r, "connect_sql", n); ok {
			c.ConnectSQL = v
		}
	}},
	intField("processes", 1, 64, func(c *Config) *int { return &c.Processes }),
	{name: "workload", matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := p.workloadName(r, n); ok {
			c.Workload = v
		}
	}},
	intField("busy_retries", 0, 1000, func(c *Config) *int { return &c.BusyRetries }),
	{name: "busy_backoff", matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := durVal(r, "busy_backoff", n); ok {
			c.BusyBackoff = v
		}
	}},
	enumField("database", Databases, func(c *Config) *string { return &c.Database }),
	{name: "postgres", set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := strVal(r, "postgres", n); ok {
			if strings.TrimSpace(v) == "" {
				r(deref(n), "postgres: want a server URL such as postgres://user@host:5432/db?sslmode=disable, got an empty string")
				return
			}
			c.Postgres = v
		}
	}},
	enumField("isolation", Isolations, func(c *Config) *string { return &c.Isolation }),
}

func findField(name string) *runField {
	for i := range runFields {
		if runFields[i].name == name {
			return &runFields[i]
		}
	}
	return nil
}

func fieldNames(matrixOnly bool) []string {
	var out []string
	for _, f := range runFields {
		if f.matrix || !matrixOnly {
			out = append(out, f.name)
		}
	}
	return out
}

var pragmaNameRE = regexp.MustCompile(`^[a-z_]+$`)

// pragmas decodes a mapping of pragma names to scalar values, in order.
func (p *parser) pragmas(r report, n *yaml.Node) ([]fsm.Pragma, bool) {
	m := deref(n)
	if m.Kind != yaml.MappingNode {
		r(m, "pragmas: want a mapping of pragma names to values, got "+describe(m))
		return nil, false
	}
	ok := true
	var out []fsm.Pragma
	for _, kv := range p.pairs(r, m, true) {
		if !pragmaNameRE.MatchString(kv.name) {
			r(kv.key, fmt.Sprintf(`pragmas: bad pragma name %s (want letters and "_")`, quote(kv.key.Value)))
			ok = false
			continue
		}
		v := deref(kv.val)
		if isNull(v) || v.Kind != yaml.ScalarNode {
			r(v, fmt.Sprintf("pragmas: %s: want a value, got %s", kv.name, describe(v)))
			ok = false
			continue
		}
		pr := fsm.Pragma{Name: kv.name, Value: v.Value}
		if !pr.OneValue() {
			r(v, pragmaValueMsg(pr))
			ok = false
			continue
		}
		out = append(out, pr)
	}
	return out, ok
}

// pragmaValueMsg says why p's value is refused: it is pasted into `PRAGMA
// name = value`, so it must be one value, not a statement's worth.
func pragmaValueMsg(p fsm.Pragma) string {
	return fmt.Sprintf("pragmas: %s: want one value (a number, a name or a 'quoted string'), got %s", p.Name, quote(p.Value))
}

// mergePragmas lays over on top of base: a pragma in both keeps its place in
// base and takes the value from over; the rest of over is appended.
func mergePragmas(base, over []fsm.Pragma) []fsm.Pragma {
	out := slices.Clone(base)
	for _, o := range over {
		i := slices.IndexFunc(out, func(b fsm.Pragma) bool { return b.Name == o.Name })
		if i >= 0 {
			out[i].Value = o.Value
		} else {
			out = append(out, o)
		}
	}
	return out
}

// profileName decodes a reference to a profile.
func (p *parser) profileName(r report, n *yaml.Node) (string, bool) {
	s, ok := strVal(r, "profile", n)
	if !ok {
		return "", false
	}
	if _, ok := p.profiles[s]; !ok {
		r(deref(n), "profile: "+unknownValue("profile", s, p.profileNames()))
		return "", false
	}
	return s, true
}

func (p *parser) profileNames() []string {
	var names []string
	for n := range p.profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// workloadName decodes a reference to a workload.
func (p *parser) workloadName(r report, n *yaml.Node) (string, bool) {
	s, ok := strVal(r, "workload", n)
	if !ok {
		return "", false
	}
	if _, ok := p.workloads[s]; !ok {
		var names []string
		for n := range p.workloads {
			names = append(names, n)
		}
		sort.Strings(names)
		r(deref(n), "workload: "+unknownValue("workload", s, names))
		return "", false
	}
	return s, true
}

// config decodes the run fields of mapping m over c; skip names the keys
// that the caller handles itself. context names the mapping in messages.
// It records in given where each field it decodes was set.
func (p *parser) config(r report, m *yaml.Node, c *Config, given origins, context string, skip ...string) {
	allowed := append(slices.Clone(skip), fieldNames(false)...)
	for _, kv := range p.pairs(r, m, false) {
		if slices.Contains(skip, kv.name) {
			continue
		}
		f := findField(kv.name)
		if f == nil {
			unknownField(r, kv.key, context, allowed)
			continue
		}
		f.set(p, r, kv.val, c)
		given[f.name] = origin{node: kv.key}
	}
}

// An origin is where a run field was set explicitly: a key of the file, or
// a -set override. Rules that depend on whether a field was set rather than
// defaulted (SPEC §10: txlock and pragmas are SQLite's, isolation
// PostgreSQL's) report there.
type origin struct {
	node *yaml.Node
	set  string // the -set override, when node is nil
}

// origins are where the fields of one configuration were set, by field name.
type origins map[string]origin

func (o origins) clone() origins {
	out := make(origins, len(o))
	for k, v := range o {
		out[k] = v
	}
	return out
}

// setOp is one valid -set override.
type setOp struct {
	src    string // the override as given
	field  *runField
	pragma string // for pragmas.NAME
	gate   string // for gate.FIELD; the value is in gateVal
	val    *yaml.Node

	gateVal float64
}

// apply applies a run field's override to c and records it in given; a gate
// override is applied by applyGate instead.
func (o setOp) apply(p *parser, c *Config, given origins) {
	switch {
	case o.gate != "":
		return
	case o.field == nil:
		c.Pragmas = mergePragmas(c.Pragmas, []fsm.Pragma{{Name: o.pragma, Value: o.val.Value}})
		given["pragmas"] = origin{set: o.src}
	default:
		o.field.set(p, silent, o.val, c)
		given[o.field.name] = origin{set: o.src}
	}
}

// applyGate applies a gate override to g.
func (o setOp) applyGate(g *Gate) {
	switch o.gate {
	case "alpha":
		g.Alpha = o.gateVal
	case "noise_floor_pct":
		g.NoiseFloorPct = o.gateVal
	}
}

// gateValue decodes the value of gate field name, as in the file.
func gateValue(r report, name string, n *yaml.Node) (float64, bool) {
	switch name {
	case "alpha":
		return floatVal(r, "alpha", n, func(f float64) bool { return f > 0 && f < 1 }, "(0, 1)")
	case "noise_floor_pct":
		return floatVal(r, "noise_floor_pct", n, func(f float64) bool { return f >= 0 && f < 100 }, "[0, 100)")
	}
	return 0, false
}

// parseSet checks one "key=value" override against c.
func (p *parser) parseSet(s string, c Config) (setOp, bool) {
	bad := false
	r := func(_ *yaml.Node, msg string) {
		p.errs = append(p.errs, &Error{Msg: "-set " + s + ": " + msg})
		bad = true
	}
	key, value, found := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !found || key == "" {
		r(nil, "want key=value")
		return setOp{}, false
	}
	if name, ok := strings.CutPrefix(key, "pragmas."); ok {
		name = strings.ToLower(name)
		if !pragmaNameRE.MatchString(name) {
			r(nil, fmt.Sprintf(`bad pragma name %s (want letters and "_")`, quote(name)))
			return setOp{}, false
		}
		v := setValue(value, false)
		if isNull(v) || v.Kind != yaml.ScalarNode {
			r(nil, fmt.Sprintf("pragmas: %s: want a value, got %s", name, describe(v)))
			return setOp{}, false
		}
		if pr := (fsm.Pragma{Name: name, Value: v.Value}); !pr.OneValue() {
			r(nil, pragmaValueMsg(pr))
			return setOp{}, false
		}
		return setOp{src: s, pragma: name, val: v}, true
	}
	if key == "pragmas" {
		r(nil, "set one pragma at a time, as pragmas.NAME=VALUE")
		return setOp{}, false
	}
	if name, ok := strings.CutPrefix(key, "gate."); ok {
		if !slices.Contains(gateFields, name) {
			unknownField(r, &yaml.Node{Value: name}, "in gate", gateFields)
			return setOp{}, false
		}
		v := setValue(value, false)
		g, ok := gateValue(r, name, v)
		return setOp{src: s, gate: name, val: v, gateVal: g}, ok
	}
	if key == "gate" {
		r(nil, "set one gate field at a time, as gate.alpha=VALUE or gate.noise_floor_pct=VALUE")
		return setOp{}, false
	}
	f := findField(key)
	if f == nil {
		unknownField(r, &yaml.Node{Value: key}, "", append(fieldNames(false), "pragmas.NAME", "gate.alpha", "gate.noise_floor_pct"))
		return setOp{}, false
	}
	v := setValue(value, f.name == "setup_sql" || f.name == "connect_sql")
	f.set(p, r, v, &c)
	return setOp{src: s, field: f, val: v}, !bad
}

// setValue reads a -set value as a YAML scalar (or, for a list field, a
// list); anything else is taken as the string written.
func setValue(s string, list bool) *yaml.Node {
	if strings.TrimSpace(s) == "" {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	if doc, err := decodeYAML([]byte(s)); err == nil && doc != nil && len(doc.Content) == 1 {
		n := doc.Content[0]
		if n.Kind == yaml.ScalarNode || (list && n.Kind == yaml.SequenceNode) {
			return n
		}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}
