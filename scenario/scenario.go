package scenario

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scenrun/scenrun/fsm"
)

// Pos is a position in a spec file; Line and Col are 1-based. The zero Pos
// means no position (a -set override, or the file as a whole).
type Pos struct{ Line, Col int }

// lineCol formats p as LINE:COL. It is not String: Error embeds Pos, and a
// promoted String would print only the position.
func (p Pos) lineCol() string { return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col) }

// Error is one problem in a spec, at a position.
type Error struct {
	File string
	Pos
	Msg string
}

// Error formats the problem as "FILE:LINE:COL: MSG", or "FILE: MSG" when it
// has no line; an empty File drops the file prefix.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		b.WriteString(e.lineCol())
		b.WriteString(":")
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	// One problem, one line: a control character that a spec's value
	// brought into the message (a run name with a newline, listed among
	// the runs) is written escaped.
	for _, r := range e.Msg {
		if IsControl(r) {
			b.WriteString(strings.Trim(strconv.QuoteRune(r), "'"))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Errors is every problem found in one spec, in file order.
type Errors []*Error

// MaxErrorsShown bounds the problems Errors.Error gives: a spec with
// thousands of them gets the first ones and a count of the rest.
const MaxErrorsShown = 100

// Error gives one problem per line, at most MaxErrorsShown of them, then
// how many more there are.
func (es Errors) Error() string {
	shown := es[:min(len(es), MaxErrorsShown)]
	lines := make([]string, len(shown), len(shown)+1)
	for i, e := range shown {
		lines[i] = e.Error()
	}
	if more := len(es) - len(shown); more > 0 {
		lines = append(lines, (&Error{File: es[0].File, Msg: fmt.Sprintf("… and %d more errors", more)}).Error())
	}
	return strings.Join(lines, "\n")
}

// JoinErrors is the errors of several stages of validation as one: nil when
// all are nil; when every one is Errors, one Errors in file order without
// repeats; else the first that is not.
func JoinErrors(errs ...error) error {
	var all Errors
	for _, err := range errs {
		if err == nil {
			continue
		}
		es, ok := err.(Errors)
		if !ok {
			return err
		}
		all = append(all, es...)
	}
	if len(all) == 0 {
		return nil
	}
	slices.SortStableFunc(all, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	var out Errors
	seen := map[Error]bool{}
	for _, e := range all {
		if !seen[*e] {
			seen[*e] = true
			out = append(out, e)
		}
	}
	return out
}

// Latency is the distribution of one simulated API call's duration. Only the
// fields its Dist uses are set.
type Latency struct {
	Dist                                string // one of Dists
	Mean, Min, Max, Stddev, Median, P99 time.Duration
}

// Profile is a simulated API: the latency of its upload and import calls and
// the probability that a call fails.
type Profile struct {
	Name           string
	Upload, Import Latency
	// Calls are the latencies of calls under other names (SPEC §9: a
	// workload step's `call`); upload and import are always defined.
	Calls     map[string]Latency
	ErrorRate float64 // 0..1, for every call
	Builtin   bool
}

// Call is the latency of the call named name, and whether the profile
// defines it (upload and import always are).
func (p Profile) Call(name string) (Latency, bool) {
	switch name {
	case "upload":
		return p.Upload, true
	case "import":
		return p.Import, true
	}
	l, ok := p.Calls[name]
	return l, ok
}

// Config is one run's configuration. A zero Timeout means none.
type Config struct {
	Files, Concurrency  int
	Profile             string
	Connection          string // one of Connections
	PoolSize, BatchSize int
	TxLock              string       // one of TxLocks
	Pragmas             []fsm.Pragma // in the order written
	Repeat, Warmup      int
	// RepeatAuto is `repeat: auto`: trials continue until every lower()
	// over the run is settled, at most RepeatMax (Repeat is then RepeatMax,
	// the most the run may take).
	RepeatAuto           bool
	RepeatMax            int
	Seed                 int64
	Retries              int
	Timeout              time.Duration
	KeepDB               bool
	SetupSQL, ConnectSQL []string
	Processes            int
	Workload             string        // a name of Spec.Workloads; default "files"
	BusyRetries          int           // how often a step that met a busy error is tried again
	BusyBackoff          time.Duration // the pause before each such try
	Database             string        // one of Databases; default "sqlite"
	Postgres             string        // the server URL of a postgres run; default $SCENRUN_POSTGRES_URL
	Isolation            string        // postgres only: one of Isolations; default read_committed
}

// DefaultConfig is the configuration a spec's `defaults` start from.
func DefaultConfig() Config {
	return Config{
		Files:       818,
		Concurrency: 10,
		Profile:     "zero",
		Connection:  "per_file",
		PoolSize:    4,
		BatchSize:   64,
		TxLock:      "deferred",
		Pragmas: []fsm.Pragma{
			{Name: "journal_mode", Value: "wal"},
			{Name: "synchronous", Value: "normal"},
			{Name: "busy_timeout", Value: "5000"},
		},
		Repeat:    1,
		RepeatMax: 20,
		Seed:      42,
		Processes: 1,
		Workload:  "files",
		Database:  "sqlite",
		Isolation: "read_committed",
	}
}

// clone copies c so that no slice is shared with it.
func (c Config) clone() Config {
	c.Pragmas = slices.Clone(c.Pragmas)
	c.SetupSQL = slices.Clone(c.SetupSQL)
	c.ConnectSQL = slices.Clone(c.ConnectSQL)
	return c
}

// Run is one run of a scenario: a name and its complete configuration.
type Run struct {
	Name   string
	Config Config
	Pos    Pos  // the run's `name` value, or for a matrix run the `matrix` key
	Matrix bool // produced by matrix expansion
}

// Compare is one comparison table: each of Runs against Baseline, on Stat of
// each of Segments.
type Compare struct {
	Baseline string
	Runs     []string // default: every other run, in run order
	Stat     string   // one of Stats; default p95
	Segments []string // each one of Segments
	Pos      Pos      // the compare item
}

// Gate is how lower() decides that a difference is real: significant at
// Alpha and larger than NoiseFloorPct percent.
type Gate struct{ Alpha, NoiseFloorPct float64 }

// Assertion is a named expr-lang expression that must hold after the runs.
type Assertion struct {
	Name, Expr string
	Pos        Pos // the first character of the expression text in the file

	// at holds the file position of each rune of Expr; end is the position
	// just after the last one.
	at  []Pos
	end Pos

	broken bool // in a draft: the assertion itself had an error
}

// Sound says whether the assertion was decoded without an error (always,
// outside a draft).
func (a Assertion) Sound() bool { return !a.broken }

// PosOf maps a position inside the expression text to the file position.
// line is 1-based within Expr and col a 0-based rune column within that
// line, as expr-lang's file.Error reports them. A position past the end maps
// to just after the expression.
func (a Assertion) PosOf(line, col int) Pos {
	if len(a.at) == 0 {
		return a.Pos
	}
	rs := []rune(a.Expr)
	i := 0
	for l := 1; l < line && i < len(rs); i++ {
		if rs[i] == '\n' {
			l++
		}
	}
	if col > 0 {
		i += col
	}
	if i >= len(a.at) {
		return a.end
	}
	return a.at[i]
}

// Spec is a decoded and validated scenario.
type Spec struct {
	File        string // as given to Parse
	Version     int
	Name        string
	Description string
	Defaults    Config               // after -set
	Profiles    map[string]Profile   // includes the built-ins
	Workloads   map[string]*Workload // includes the built-in files
	Runs        []Run                // explicit runs first, then the matrix, with -set applied
	Compare     []Compare
	Gate        Gate
	Assertions  []Assertion

	latencyPos map[string]Pos // where each profile's latencies are written

	// draft is set on the spec ParseDraft returns with errors; runsBroken
	// when defaults, profiles, -set, runs or matrix had an error (run names
	// and fields may not be as written).
	draft, runsBroken bool
	// namesBroken when a top-level field is unknown or a run's name or the
	// matrix had an error (the set of run names may not be as written).
	namesBroken bool
}

// IsDraft says whether s is a draft: what could be decoded of a spec that
// has errors (ParseDraft). A draft is for the later stages of validation
// (expressions, SQL) to report their own errors alongside the spec's; it is
// never run.
func (s *Spec) IsDraft() bool { return s.draft }

// RunsSound says whether the runs are as written: false in a draft whose
// defaults, profiles, -set, runs or matrix had an error.
func (s *Spec) RunsSound() bool { return !s.runsBroken }

// RunNamesSound says whether the runs' names are as written: false in a
// draft with an unknown top-level field, an error in a run's name or in
// the matrix. The types of run fields never depend on their values, so
// assertions can be checked against a draft whose run names are sound.
func (s *Spec) RunNamesSound() bool { return !s.namesBroken }

// Run returns the run called name.
func (s *Spec) Run(name string) (Run, bool) {
	for _, r := range s.Runs {
		if r.Name == name {
			return r, true
		}
	}
	return Run{}, false
}

// The allowed values of the enumerated fields, in the order they are listed
// in error messages.
var (
	Segments    = segmentNames() // SegmentTable's names
	Stats       = []string{"p50", "p95", "p99", "p999", "mean", "min", "max"}
	Connections = []string{"per_file", "per_worker", "shared", "pool", "single_writer"}
	TxLocks     = []string{"deferred", "immediate", "exclusive"}
	Dists       = []string{"constant", "uniform", "normal", "lognormal", "exponential"}
	Isolations  = []string{"read_committed", "repeatable_read", "serializable"}
)

// DefaultSegments are the segments a comparison shows unless it names its own
// (the ones the reference's before/after table shows).
var DefaultSegments = []string{"db_total_ms", "lock_wait_ms", "fsm_dispatch_ms", "fsm_net_ms"}

// builtinProfiles are always present and cannot be redefined.
func builtinProfiles() map[string]Profile {
	return map[string]Profile{
		"zero": {
			Name:    "zero",
			Upload:  Latency{Dist: "constant"},
			Import:  Latency{Dist: "constant"},
			Builtin: true,
		},
		"realistic": {
			Name:    "realistic",
			Upload:  Latency{Dist: "constant", Mean: 2 * time.Second},
			Import:  Latency{Dist: "constant", Mean: 2 * time.Second},
			Builtin: true,
		},
	}
}

// LoadDraft reads the spec at path and parses it with ParseDraft.
func LoadDraft(path string, sets []string) (*Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	defer f.Close()
	// One byte past the limit is enough for Parse to refuse the file, and
	// a huge file is never read whole.
	data, err := io.ReadAll(io.LimitReader(f, MaxSpecBytes+1))
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	if len(data) > MaxSpecBytes {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			return nil, Errors{{File: path, Msg: fmt.Sprintf("the spec is %d bytes, more than the limit of %d (1 MiB)", fi.Size(), MaxSpecBytes)}}
		}
	}
	return ParseDraft(path, data, sets)
}

// Load reads and parses the spec at path; see Parse.
func Load(path string, sets []string) (*Spec, error) {
	s, err := LoadDraft(path, sets)
	if err != nil {
		return nil, err
	}
	return s, nil
}
