// Command scenbench holds scenrun's engine against what plain Go does with
// SQLite: in one process it runs, in alternating repetitions, a plain loop
// making the same state changes on one connection (the raw limit), and for
// every connection mode at concurrency 1, 10 and 50 scenrun's engine and
// the mode's twin, a hand-written program doing the same work with the same
// connection pattern (fsm/sqlite/twin.go), each engine run next to its
// twin's; the same for the read-then-write workload of SPEC §9
// (fsm/sqlite/twin_jobs.go) and, when $SCENRUN_POSTGRES_URL names a server,
// PostgreSQL's pool (fsm/postgres/twin.go). It
// prints each one's transitions per second, the engine's ratio to its twin
// and every variant's ratio to the raw loop, each the median of the ratios
// of the same repetition, so drift of a busy machine hits both sides of a
// ratio alike. It also measures the fixed cost of a scenario: parse,
// compile, open, seed, check and report, everything but the state changes.
//
// `make bench` runs it. The figures are what was measured; a target that is
// missed is printed as missed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/scenrun/scenrun/engine"
	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/engine/report"
	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/fsm/postgres"
	"github.com/scenrun/scenrun/fsm/sqlite"
	"github.com/scenrun/scenrun/scenario"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// A variant is one thing the bench measures.
type variant struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"` // raw, twin or engine
	Connection  string `json:"connection,omitempty"`
	Workload    string `json:"workload,omitempty"` // "" is files; jobs is the read-then-write workload
	Database    string `json:"database,omitempty"` // "" is sqlite
	Concurrency int    `json:"concurrency"`
	Files       int    `json:"files"`
	Twin        string `json:"twin,omitempty"` // an engine variant's twin
	RawMode     string `json:"raw_mode,omitempty"`
	NoCkpt      bool   `json:"wal_autocheckpoint_off"`
	Note        string `json:"note,omitempty"`
	raw         sqlite.RawMode
	scale       float64 // runs -files × scale files (0: ×1), so each run lasts about as long
}

// A measured variant: one figure per repetition, in repetition order.
type measured struct {
	variant
	TPS         []float64 `json:"transitions_per_second"`
	Ratio       []float64 `json:"ratio_to_raw"`            // to the raw limit of the same repetition
	TwinRatio   []float64 `json:"ratio_to_twin,omitempty"` // an engine variant's, to its twin of the same repetition
	FixedMS     []float64 `json:"fixed_cost_ms,omitempty"`
	ParseMS     []float64 `json:"parse_ms,omitempty"`
	CompileMS   []float64 `json:"compile_ms,omitempty"`
	RunSetupMS  []float64 `json:"run_setup_ms,omitempty"` // Run's wall time less its state changes: open, seed, connect, close, integrity check, statistics, assertions
	ReportMS    []float64 `json:"report_ms,omitempty"`
	MedianTPS   float64   `json:"median_transitions_per_second"`
	MedianRatio float64   `json:"median_ratio_to_raw"`
	MedianTwin  float64   `json:"median_ratio_to_twin,omitempty"`
	MedianFixed float64   `json:"median_fixed_cost_ms,omitempty"`
}

// A target is one of the goals, checked against the medians.
type target struct {
	Name string  `json:"name"`
	Want string  `json:"want"`
	Got  float64 `json:"got"`
	Met  bool    `json:"met"`
}

type benchReport struct {
	StartedAt   time.Time            `json:"started_at"`
	FinishedAt  time.Time            `json:"finished_at"`
	Environment analysis.Environment `json:"environment"`
	LoadBefore  string               `json:"loadavg_before"`
	LoadAfter   string               `json:"loadavg_after"`
	Files       int                  `json:"files"`
	Reps        int                  `json:"repetitions"`
	RawLimit    string               `json:"raw_limit"`
	Pragmas     string               `json:"pragmas"`
	Variants    []*measured          `json:"variants"`
	Skipped     []string             `json:"skipped,omitempty"` // variants not run, and why
	Targets     []target             `json:"targets"`
}

// pgURLEnv names the server the PostgreSQL variants run on; without it they
// are skipped.
const pgURLEnv = "SCENRUN_POSTGRES_URL"

const pragmas = "journal_mode: wal, synchronous: normal, busy_timeout: 5000"

// benchModes and benchConcurrency are the grid of twins and engine
// variants: every connection mode (scenario.Connections, held to it by
// TestBenchModesAreEveryConnection) at every concurrency.
func benchModes() []string {
	return []string{"per_file", "per_worker", "shared", "pool", "single_writer"}
}
func benchConcurrency() []int { return []int{1, 10, 50} }

// filesScale is how many times -files a combination runs, so that each run
// lasts about as long as the raw loop's — a run of a few milliseconds would
// measure the scheduler — and `make bench` stays within its minutes.
// per_file opens a connection per file, and at c=1 each file's connection
// is the last one open when it closes, which checkpoints the WAL; the single
// writer's batches commit several times faster than the raw loop.
func filesScale(mode string, c int) float64 {
	switch {
	case mode == "per_file" && c == 1:
		return 0.25
	case mode == "per_file":
		return 0.5
	case mode == "single_writer" && c >= 50:
		return 4
	case mode == "single_writer" && c >= 10:
		return 2
	}
	return 1
}

// jobsModes are the connection modes with a read-then-write twin.
func jobsModes() []string { return sqlite.JobsTwinModes() }

// jobsScale is filesScale for the read-then-write workload: two writes an
// item instead of three, so half as many items again for as long a run.
func jobsScale(mode string, c int) float64 { return 1.5 * filesScale(mode, c) }

// pgScale is how many times -files the PostgreSQL pool runs: a write there
// is a few round trips to the server, slower than SQLite's in-process one.
func pgScale(c int) float64 {
	if c == 1 {
		return 0.5
	}
	return 2
}

// variants lists what the bench measures, in order: the raw loops, then
// each mode's twin and engine variant at each concurrency (the twin first),
// then the read-then-write workload's, then with pg the PostgreSQL pool's,
// then with extra the wal_autocheckpoint=0 lines.
func variants(extra, pg bool) []variant {
	vs := []variant{
		{Name: "raw", Kind: "raw", Concurrency: 1, RawMode: "driver", raw: sqlite.RawDriver, Note: "the raw limit: driver statements, BEGIN/UPDATE/COMMIT, one connection"},
		{Name: "raw_database_sql", Kind: "raw", Concurrency: 1, RawMode: "database/sql", raw: sqlite.RawSQL, Note: "the same loop written with database/sql BeginTx/Stmt/Commit"},
	}
	for _, mode := range benchModes() {
		for _, c := range benchConcurrency() {
			vs = append(vs, pair(mode, c, false, filesScale(mode, c))...)
		}
	}
	for _, mode := range jobsModes() {
		for _, c := range benchConcurrency() {
			vs = append(vs, withWorkload(pair(mode, c, false, jobsScale(mode, c)), "jobs", "")...)
		}
	}
	if pg {
		for _, c := range benchConcurrency() {
			vs = append(vs, withWorkload(pair("pool", c, false, pgScale(c)), "", "postgres")...)
		}
	}
	if extra {
		vs = append(vs, variant{Name: "raw_nockpt", Kind: "raw", Concurrency: 1, RawMode: "driver", raw: sqlite.RawDriver, NoCkpt: true, Note: "wal_autocheckpoint=0: how much checkpoints cost; not a fair configuration"})
		vs = append(vs, pair("shared", 10, true, 1)...)
	}
	return vs
}

// pair is a mode's twin and engine variant at concurrency c.
func pair(mode string, c int, nockpt bool, scale float64) []variant {
	name := fmt.Sprintf("%s_c%d", mode, c)
	note := ""
	if nockpt {
		name += "_nockpt"
		note = "wal_autocheckpoint=0: not a fair configuration"
	}
	return []variant{
		{Name: "twin_" + name, Kind: "twin", Connection: mode, Concurrency: c, NoCkpt: nockpt, Note: note, scale: scale},
		{Name: name, Kind: "engine", Connection: mode, Concurrency: c, Twin: "twin_" + name, NoCkpt: nockpt, Note: note, scale: scale},
	}
}

// withWorkload sets a pair's workload and database, and prefixes its names
// with them ("jobs_", "pg_").
func withWorkload(vs []variant, workload, database string) []variant {
	prefix := workload + "_"
	if database == "postgres" {
		prefix = "pg_"
	}
	for i := range vs {
		v := &vs[i]
		v.Workload, v.Database = workload, database
		v.Name = strings.Replace(v.Name, v.Connection, prefix+v.Connection, 1)
		if v.Twin != "" {
			v.Twin = strings.Replace(v.Twin, v.Connection, prefix+v.Connection, 1)
		}
	}
	return vs
}

// label is v's mode column in the table: its connection mode, after its
// workload or database when not the files workload on SQLite.
func (v variant) label() string {
	switch {
	case v.Database == "postgres":
		return "postgres " + v.Connection
	case v.Workload != "":
		return v.Workload + " " + v.Connection
	}
	return v.Connection
}

// steps is how many writes an item of v's workload makes.
func (v variant) steps() int {
	if v.Workload == "jobs" {
		return sqlite.JobsTwinSteps
	}
	return sqlite.TwinSteps
}

// selectVariants keeps the variants whose name matches re, with what their
// ratios need: the raw limit always, an engine variant's twin, and
// raw_nockpt for a *_nockpt line. files is -files.
func selectVariants(all []variant, re *regexp.Regexp, files int) []*measured {
	keep := make([]bool, len(all))
	for i, v := range all {
		if v.Name == "raw" || re.MatchString(v.Name) {
			keep[i] = true
		}
	}
	for i, v := range all {
		if !keep[i] {
			continue
		}
		for j, w := range all {
			if w.Name == v.Twin || v.NoCkpt && v.Kind != "raw" && w.Name == "raw_nockpt" {
				keep[j] = true
			}
		}
	}
	var ms []*measured
	for i, v := range all {
		if keep[i] {
			v.Files = filesOf(files, v.scale)
			ms = append(ms, &measured{variant: v})
		}
	}
	return ms
}

// filesOf is -files × scale (×1 for 0), at least one.
func filesOf(files int, scale float64) int {
	if scale == 0 {
		scale = 1
	}
	return max(1, int(float64(files)*scale))
}

// schedule is the order of one repetition, as indices into ms: an engine
// variant always runs right next to its twin, the pair's order alternating
// with r, and each repetition starts at a different unit, so no variant is
// always the one that runs right after another.
func schedule(ms []*measured, r int) []int {
	var units [][]int
	for i, m := range ms {
		if m.Kind == "twin" && slices.ContainsFunc(ms, func(e *measured) bool { return e.Twin == m.Name }) {
			continue // runs in its engine variant's unit
		}
		u := []int{i}
		if j := indexOf(ms, m.Twin); m.Twin != "" && j >= 0 {
			u = []int{j, i}
			if r%2 == 1 {
				u = []int{i, j}
			}
		}
		units = append(units, u)
	}
	var order []int
	for k := range units {
		order = append(order, units[(r+k)%len(units)]...)
	}
	return order
}

// record appends one repetition's figures, tps[i] being ms[i]'s, and their
// ratios: to the raw limit (raw_nockpt for a *_nockpt twin or engine line)
// and an engine variant's to its twin. ms[0] is the raw limit.
func record(ms []*measured, tps []float64) {
	nockpt := indexOf(ms, "raw_nockpt")
	for i, m := range ms {
		m.TPS = append(m.TPS, tps[i])
		base := tps[0]
		if m.NoCkpt && m.Kind != "raw" && nockpt >= 0 {
			base = tps[nockpt]
		}
		m.Ratio = append(m.Ratio, tps[i]/base)
		if j := indexOf(ms, m.Twin); m.Twin != "" && j >= 0 {
			m.TwinRatio = append(m.TwinRatio, tps[i]/tps[j])
		}
	}
}

// summarize sets the medians over the repetitions.
func summarize(ms []*measured) {
	for _, m := range ms {
		m.MedianTPS = median(m.TPS)
		m.MedianRatio = median(m.Ratio)
		if len(m.TwinRatio) > 0 {
			m.MedianTwin = median(m.TwinRatio)
		}
		if len(m.FixedMS) > 0 {
			m.MedianFixed = median(m.FixedMS)
		}
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("scenbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	reps := fs.Int("reps", 7, "repetitions of every variant (≥ 1; medians over them)")
	files := fs.Int("files", 818, "files per repetition (three state changes each; per_file runs ¼ as many at c=1 and ½ above, single_writer 2× at c=10 and 4× at c=50)")
	out := fs.String("out", "results", "directory for the bench JSON (bench-<UTC timestamp>.json)")
	jsonFile := fs.String("json", "", "write the JSON to exactly this `file` instead")
	tmp := fs.String("tmp", "", "directory for the databases (default: the system's temporary directory)")
	extra := fs.Bool("nockpt", true, "also measure with wal_autocheckpoint=0 (labelled; shows what checkpoints cost)")
	only := fs.String("run", "", "only the variants whose name matches `regexp` (the raw limit always runs, and an engine variant's twin: they are the ratios' denominators)")
	aaReps := fs.Int("aa", 0, "instead of the bench: run the A/A scenario `N` times and print lower()'s false-positive rate")
	aaSpecPath := fs.String("aa-spec", "scenarios/aa-test.yaml", "the A/A scenario for -aa")
	aaSeq := fs.Int("aa-seq", 0, "with -aa: then run the A/A scenario `N` times with repeat: auto and print the sequential lower()'s false-positive rate")
	aaFiles := fs.Int("aa-files", 0, "with -aa: files per trial (`N`; 0: the scenario's)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *aaReps > 0 {
		return aa(ctx, aaOptions{path: *aaSpecPath, reps: *aaReps, seqReps: *aaSeq, files: *aaFiles, tmp: *tmp}, stdout, stderr)
	}
	if *reps < 1 || *files < 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "scenbench: -reps and -files must be ≥ 1, and no arguments are taken")
		return 2
	}
	re, err := regexp.Compile(*only)
	if err != nil {
		fmt.Fprintf(stderr, "scenbench: -run: %v\n", err)
		return 2
	}
	rep := &benchReport{StartedAt: time.Now().UTC(), Environment: engine.NewEnvironment("scenbench"), LoadBefore: loadavg(),
		Files: *files, Reps: *reps, RawLimit: "raw", Pragmas: pragmas}
	pgURL := os.Getenv(pgURLEnv)
	rep.Variants = selectVariants(variants(*extra, pgURL != ""), re, *files)
	if pgURL == "" {
		rep.Skipped = append(rep.Skipped, "pg_pool_c1, pg_pool_c10, pg_pool_c50 and their twins: "+pgURLEnv+" is not set (fsm/postgres/testdata/pgserver.sh starts a server)")
		fmt.Fprintf(stderr, "scenbench: skipping the PostgreSQL variants: %s is not set\n", pgURLEnv)
	}
	b := bench{tmp: *tmp, pgURL: pgURL}
	fmt.Fprintf(stderr, "scenbench: %d variants × %d repetitions, %d files each (× the files column's scale); load %s\n", len(rep.Variants), *reps, *files, rep.LoadBefore)
	for r := range *reps {
		tps := make([]float64, len(rep.Variants))
		for _, i := range schedule(rep.Variants, r) {
			m := rep.Variants[i]
			var err error
			tps[i], err = b.measure(ctx, m)
			if err != nil {
				fmt.Fprintf(stderr, "scenbench: %s: %v\n", m.Name, err)
				return 3
			}
		}
		record(rep.Variants, tps)
		fmt.Fprintf(stderr, "scenbench: repetition %d of %d done\n", r+1, *reps)
	}
	summarize(rep.Variants)
	rep.LoadAfter = loadavg()
	rep.FinishedAt = time.Now().UTC()
	rep.Targets = targets(rep)
	printReport(stdout, rep)

	path := *jsonFile
	if path == "" {
		var err error
		if path, err = report.ResultsPath(*out, "bench", rep.StartedAt); err != nil {
			fmt.Fprintf(stderr, "scenbench: %v\n", err)
			return 3
		}
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err == nil {
		err = os.WriteFile(path, append(data, '\n'), 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "scenbench: write %s: %v\n", path, err)
		return 3
	}
	fmt.Fprintf(stdout, "\nResults: %s\n", path)
	return 0
}

func indexOf(ms []*measured, name string) int {
	return slices.IndexFunc(ms, func(m *measured) bool { return m.Name == name })
}

type bench struct {
	tmp   string
	pgURL string // the PostgreSQL server, "" for none
}

// measure runs one repetition of m and returns its transitions per second.
func (b bench) measure(ctx context.Context, m *measured) (float64, error) {
	switch m.Kind {
	case "twin":
		var res sqlite.TwinResult
		var err error
		switch {
		case m.Database == "postgres":
			res.Elapsed, res.Transitions, err = postgres.Twin(ctx, b.pgURL, m.Files, m.Concurrency, sqlite.TwinPoolSize)
		case m.Workload == "jobs":
			res, err = sqlite.JobsTwin(ctx, b.tmp, m.Connection, m.Files, m.Concurrency)
		default:
			res, err = b.filesTwin(ctx, m)
		}
		if err != nil {
			return 0, err
		}
		return float64(res.Transitions) / res.Elapsed.Seconds(), nil
	case "raw":
		files, err := scenario.FilesWorkload().Compile("sqlite")
		if err != nil {
			return 0, err
		}
		opts := fsm.Options{TxLock: "deferred", Workload: files.Workload, Pragmas: []fsm.Pragma{{Name: "journal_mode", Value: "wal"}, {Name: "synchronous", Value: "normal"}, {Name: "busy_timeout", Value: "5000"}}}
		if m.NoCkpt {
			opts.Pragmas = append(opts.Pragmas, fsm.Pragma{Name: "wal_autocheckpoint", Value: "0"})
		}
		dir := b.tmp
		if dir == "" {
			dir = os.TempDir()
		}
		res, err := sqlite.RawLoop(ctx, dir, opts, m.Files, m.raw)
		if err != nil {
			return 0, err
		}
		return float64(res.Transitions) / res.Elapsed.Seconds(), nil
	}
	return b.scenario(ctx, m)
}

// filesTwin runs the files workload's twin of m's connection mode.
func (b bench) filesTwin(ctx context.Context, m *measured) (sqlite.TwinResult, error) {
	var pragmas []string
	if m.NoCkpt {
		pragmas = []string{"PRAGMA wal_autocheckpoint = 0"}
	}
	return sqlite.Twin(ctx, b.tmp, m.Connection, m.Files, m.Concurrency, pragmas)
}

// scenario runs m as a whole scenario, as scenrun would: parse the spec,
// compile its assertion, run, render the table and write the JSON. The
// fixed cost is all of that but the state changes (the run's elapsed
// time).
func (b bench) scenario(ctx context.Context, m *measured) (float64, error) {
	pr := "  pragmas: {" + pragmas
	if m.NoCkpt {
		pr += ", wal_autocheckpoint: 0"
	}
	pr += "}\n"
	workloads := ""
	switch {
	case m.Database == "postgres":
		pr = "  database: postgres\n" // the server of $SCENRUN_POSTGRES_URL; pragmas are SQLite's
	case m.Workload == "jobs":
		pr += "  workload: jobs\n  txlock: immediate\n"
		workloads = "workloads:\n" + sqlite.JobsWorkloadYAML
	}
	spec := fmt.Sprintf(`version: 1
name: bench-%s
%sdefaults:
  files: %d
  concurrency: %d
  profile: zero
  connection: %s
  pool_size: %d
  batch_size: %d
%sruns:
  - name: %s
assertions:
  - name: every item done, nothing lost
    expr: all(runs, .indexed == .files && .integrity == "ok" && .transitions == %d * .files)
`, strings.ReplaceAll(m.Name, "_", "-"), workloads, m.Files, m.Concurrency, m.Connection, sqlite.TwinPoolSize, sqlite.TwinBatchSize, pr, m.Name, m.steps())
	dir, err := os.MkdirTemp(b.tmp, "scenbench-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)

	t0 := time.Now()
	s, err := scenario.Parse("bench.yaml", []byte(spec), nil)
	if err != nil {
		return 0, err
	}
	t1 := time.Now()
	r, err := engine.NewRunner(s, engine.Options{TempDir: dir, Version: "scenbench"})
	if err != nil {
		return 0, err
	}
	t2 := time.Now()
	res, err := r.Run(ctx)
	if err != nil {
		return 0, err
	}
	t3 := time.Now()
	if err := report.Render(io.Discard, res, report.RenderOptions{Format: "table"}); err != nil {
		return 0, err
	}
	if err := report.SaveJSON(filepath.Join(dir, "results.json"), res); err != nil {
		return 0, err
	}
	t4 := time.Now()
	if len(res.Runs) != 1 || len(res.Assertions) != 1 {
		return 0, errors.New("want one run and one assertion")
	}
	if a := res.Assertions[0]; !a.Passed {
		return 0, fmt.Errorf("assertion failed: %s", a.Detail)
	}
	run := res.Runs[0]
	work := time.Duration(run.ElapsedSeconds * float64(time.Second))
	m.ParseMS = append(m.ParseMS, msOf(t1.Sub(t0)))
	m.CompileMS = append(m.CompileMS, msOf(t2.Sub(t1)))
	m.RunSetupMS = append(m.RunSetupMS, msOf(t3.Sub(t2)-work))
	m.ReportMS = append(m.ReportMS, msOf(t4.Sub(t3)))
	m.FixedMS = append(m.FixedMS, msOf(t4.Sub(t0)-work))
	return run.TransitionsPerSecond, nil
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown (" + runtime.GOOS + ")"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return strings.TrimSpace(string(b))
	}
	return strings.Join(f[:3], " ")
}

func targets(rep *benchReport) []target {
	var ts []target
	if i := indexOf(rep.Variants, "shared_c10"); i >= 0 {
		r := rep.Variants[i].MedianRatio
		ts = append(ts, target{Name: "shared c=10 zero / raw", Want: "≥ 0.8", Got: r, Met: r >= 0.8})
	}
	if i := indexOf(rep.Variants, "single_writer_c50"); i >= 0 {
		r := rep.Variants[i].MedianRatio
		ts = append(ts, target{Name: "single_writer c=50 zero / raw", Want: "≥ 2", Got: r, Met: r >= 2})
	}
	var fixed []float64
	for _, m := range rep.Variants {
		if !m.NoCkpt { // without checkpoints, closing checkpoints the whole WAL
			fixed = append(fixed, m.FixedMS...)
		}
	}
	if len(fixed) > 0 {
		ts = append(ts, target{Name: "fixed cost of a scenario (ms, median over every engine repetition but *_nockpt)", Want: "< 50", Got: median(fixed), Met: median(fixed) < 50})
	}
	return ts
}

// lowTwinRatio is the engine ÷ twin below which the table flags a line.
const lowTwinRatio = 0.90

func printReport(w io.Writer, rep *benchReport) {
	fmt.Fprintf(w, "scenbench: %d files × 3 state changes (some modes more or fewer: the files column), %d repetitions (medians), %s, %d CPUs, SQLite %s\n",
		rep.Files, rep.Reps, rep.Environment.Go, rep.Environment.CPUs, rep.Environment.SQLite)
	fmt.Fprintf(w, "pragmas: %s; load average before %s, after %s\n\n", rep.Pragmas, rep.LoadBefore, rep.LoadAfter)
	for _, m := range rep.Variants {
		if m.Kind == "raw" {
			fmt.Fprintf(w, "%-17s %8.0f transitions/s, ratio to raw %.3f (%.3f–%.3f)  %s\n", m.Name, m.MedianTPS, m.MedianRatio, slices.Min(m.Ratio), slices.Max(m.Ratio), m.Note)
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tc\tfiles\ttwin tps\tengine tps\tratio\tmin–max ratio\traw ratio\tfixed cost ms\t\t")
	var low []string
	for _, m := range rep.Variants {
		if m.Kind != "engine" {
			continue
		}
		mode := m.label()
		if m.NoCkpt {
			mode += " (nockpt)"
		}
		twinTPS, ratio, span, flag := "-", "-", "-", ""
		if j := indexOf(rep.Variants, m.Twin); j >= 0 && len(m.TwinRatio) > 0 {
			twinTPS = fmt.Sprintf("%.0f", rep.Variants[j].MedianTPS)
			ratio = fmt.Sprintf("%.3f", m.MedianTwin)
			span = fmt.Sprintf("%.3f–%.3f", slices.Min(m.TwinRatio), slices.Max(m.TwinRatio))
			if m.MedianTwin < lowTwinRatio {
				flag = fmt.Sprintf("< %.2f", lowTwinRatio)
				low = append(low, fmt.Sprintf("%s %.3f", m.Name, m.MedianTwin))
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%.0f\t%s\t%s\t%.3f\t%.1f\t%s\t\n",
			mode, m.Concurrency, m.Files, twinTPS, m.MedianTPS, ratio, span, m.MedianRatio, m.MedianFixed, flag)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nratio: median over repetitions of (engine ÷ its twin of the same repetition); raw ratio: the same ÷ raw (*_nockpt lines ÷ raw_nockpt).")
	fmt.Fprintln(w, "A twin is the mode's work hand-written with database/sql (fsm/sqlite/twin.go); tps are transitions per second, medians.")
	fmt.Fprintln(w, "jobs lines: the read-then-write workload (SPEC §9's claim: BEGIN IMMEDIATE, SELECT version, UPDATE … WHERE version = ?, COMMIT; then finish), txlock immediate.")
	fmt.Fprintln(w, "postgres lines: the files workload on PostgreSQL (read committed), the twin written with pgx; the server's round trips are in both.")
	for _, s := range rep.Skipped {
		fmt.Fprintf(w, "skipped: %s\n", s)
	}
	fmt.Fprintln(w, "nockpt lines run with wal_autocheckpoint=0: they show what checkpoints cost, they are not a fair configuration.")
	if len(low) > 0 {
		fmt.Fprintf(w, "engine below %.2f of its twin: %s\n", lowTwinRatio, strings.Join(low, ", "))
	}
	fmt.Fprintln(w)
	for _, t := range rep.Targets {
		verdict := "MET"
		if !t.Met {
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "target %-70s want %-5s got %8.3f  %s\n", t.Name, t.Want, t.Got, verdict)
	}
	if i := indexOf(rep.Variants, "shared_c10"); i >= 0 {
		s := rep.Variants[i]
		fmt.Fprintf(w, "fixed cost of shared_c10, medians: parse %.2f ms, compile %.2f ms, run setup %.2f ms, report %.2f ms\n",
			median(s.ParseMS), median(s.CompileMS), median(s.RunSetupMS), median(s.ReportMS))
	}
}
