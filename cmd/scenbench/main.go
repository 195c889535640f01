// Command scenbench holds scenrun's engine against the raw limit of SQLite
// from Go: in one process it runs, in alternating repetitions, a plain loop
// making the same state changes on one connection and scenrun's engine in
// several connection modes, and prints each one's transitions per second and
// its ratio to the raw loop of the same repetition (the median of those
// per-repetition ratios, so drift of a busy machine hits both sides of a
// ratio alike). It also measures the fixed cost of a scenario: parse,
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
	Kind        string `json:"kind"` // raw or engine
	Connection  string `json:"connection,omitempty"`
	Concurrency int    `json:"concurrency,omitempty"`
	RawMode     string `json:"raw_mode,omitempty"`
	NoCkpt      bool   `json:"wal_autocheckpoint_off"`
	Note        string `json:"note,omitempty"`
	raw         sqlite.RawMode
}

// A measured variant: one figure per repetition, in repetition order.
type measured struct {
	variant
	TPS         []float64 `json:"transitions_per_second"`
	Ratio       []float64 `json:"ratio_to_raw"` // to the raw limit of the same repetition
	FixedMS     []float64 `json:"fixed_cost_ms,omitempty"`
	ParseMS     []float64 `json:"parse_ms,omitempty"`
	CompileMS   []float64 `json:"compile_ms,omitempty"`
	RunSetupMS  []float64 `json:"run_setup_ms,omitempty"` // Run's wall time less its state changes: open, seed, connect, close, integrity check, statistics, assertions
	ReportMS    []float64 `json:"report_ms,omitempty"`
	MedianTPS   float64   `json:"median_transitions_per_second"`
	MedianRatio float64   `json:"median_ratio_to_raw"`
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
	Targets     []target             `json:"targets"`
}

const pragmas = "journal_mode: wal, synchronous: normal, busy_timeout: 5000"

func variants(extra bool) []variant {
	vs := []variant{
		{Name: "raw", Kind: "raw", RawMode: "driver", raw: sqlite.RawDriver, Note: "the raw limit: driver statements, BEGIN/UPDATE/COMMIT, one connection"},
		{Name: "raw_database_sql", Kind: "raw", RawMode: "database/sql", raw: sqlite.RawSQL, Note: "the same loop written with database/sql BeginTx/Stmt/Commit"},
		{Name: "shared_c10", Kind: "engine", Connection: "shared", Concurrency: 10},
		{Name: "single_writer_c50", Kind: "engine", Connection: "single_writer", Concurrency: 50},
		{Name: "per_file_c10", Kind: "engine", Connection: "per_file", Concurrency: 10},
	}
	if extra {
		vs = append(vs,
			variant{Name: "raw_nockpt", Kind: "raw", RawMode: "driver", raw: sqlite.RawDriver, NoCkpt: true, Note: "wal_autocheckpoint=0: how much checkpoints cost; not a fair configuration"},
			variant{Name: "shared_c10_nockpt", Kind: "engine", Connection: "shared", Concurrency: 10, NoCkpt: true, Note: "wal_autocheckpoint=0: not a fair configuration"},
		)
	}
	return vs
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("scenbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	reps := fs.Int("reps", 7, "repetitions of every variant (≥ 1; medians over them)")
	files := fs.Int("files", 818, "files per repetition (three state changes each)")
	out := fs.String("out", "results", "directory for the bench JSON (bench-<UTC timestamp>.json)")
	jsonFile := fs.String("json", "", "write the JSON to exactly this `file` instead")
	tmp := fs.String("tmp", "", "directory for the databases (default: the system's temporary directory)")
	extra := fs.Bool("nockpt", true, "also measure with wal_autocheckpoint=0 (labelled; shows what checkpoints cost)")
	only := fs.String("run", "", "only the variants whose name matches `regexp` (the raw limit always runs: it is every ratio's denominator)")
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
	for _, v := range variants(*extra) {
		if v.Name == "raw" || re.MatchString(v.Name) || v.Name == "raw_nockpt" && *extra && re.MatchString("shared_c10_nockpt") {
			rep.Variants = append(rep.Variants, &measured{variant: v})
		}
	}
	b := bench{files: *files, tmp: *tmp}
	fmt.Fprintf(stderr, "scenbench: %d variants × %d repetitions, %d files each; load %s\n", len(rep.Variants), *reps, *files, rep.LoadBefore)
	for r := range *reps {
		// Each repetition starts at a different variant, so no variant is
		// always the one that runs right after the raw loop.
		n := len(rep.Variants)
		tps := make([]float64, n)
		for k := range n {
			i := (r + k) % n
			m := rep.Variants[i]
			var err error
			tps[i], err = b.measure(ctx, m)
			if err != nil {
				fmt.Fprintf(stderr, "scenbench: %s: %v\n", m.Name, err)
				return 3
			}
		}
		raw := tps[0]
		for i, m := range rep.Variants {
			m.TPS = append(m.TPS, tps[i])
			base := raw
			if j := indexOf(rep.Variants, "raw_nockpt"); m.NoCkpt && m.Kind == "engine" && j >= 0 {
				base = tps[j]
			}
			m.Ratio = append(m.Ratio, tps[i]/base)
		}
		fmt.Fprintf(stderr, "scenbench: repetition %d of %d done\n", r+1, *reps)
	}
	for _, m := range rep.Variants {
		m.MedianTPS = median(m.TPS)
		m.MedianRatio = median(m.Ratio)
		if len(m.FixedMS) > 0 {
			m.MedianFixed = median(m.FixedMS)
		}
	}
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
	files int
	tmp   string
}

// measure runs one repetition of m and returns its transitions per second.
func (b bench) measure(ctx context.Context, m *measured) (float64, error) {
	if m.Kind == "raw" {
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
		res, err := sqlite.RawLoop(ctx, dir, opts, b.files, m.raw)
		if err != nil {
			return 0, err
		}
		return float64(res.Transitions) / res.Elapsed.Seconds(), nil
	}
	return b.scenario(ctx, m)
}

// scenario runs m as a whole scenario, as scenrun would: parse the spec,
// compile its assertion, run, render the table and write the JSON. The
// fixed cost is all of that but the state changes (the run's elapsed
// time).
func (b bench) scenario(ctx context.Context, m *measured) (float64, error) {
	pr := pragmas
	if m.NoCkpt {
		pr += ", wal_autocheckpoint: 0"
	}
	spec := fmt.Sprintf(`version: 1
name: bench-%s
defaults:
  files: %d
  concurrency: %d
  profile: zero
  connection: %s
  pragmas: {%s}
runs:
  - name: %s
assertions:
  - name: every file indexed, nothing lost
    expr: all(runs, .indexed == .files && .integrity == "ok" && .transitions == 3 * .files)
`, strings.ReplaceAll(m.Name, "_", "-"), b.files, m.Concurrency, m.Connection, pr, m.Name)
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

func printReport(w io.Writer, rep *benchReport) {
	fmt.Fprintf(w, "scenbench: %d files × 3 state changes, %d repetitions (medians), %s, %d CPUs, SQLite %s\n",
		rep.Files, rep.Reps, rep.Environment.Go, rep.Environment.CPUs, rep.Environment.SQLite)
	fmt.Fprintf(w, "pragmas: %s; load average before %s, after %s\n\n", rep.Pragmas, rep.LoadBefore, rep.LoadAfter)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "variant\ttransitions/s\tratio to raw\tmin–max ratio\tfixed cost ms\t")
	for _, m := range rep.Variants {
		fixed := "-"
		if len(m.FixedMS) > 0 {
			fixed = fmt.Sprintf("%.1f", m.MedianFixed)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.3f\t%.3f–%.3f\t%s\t\n", m.Name, m.MedianTPS, m.MedianRatio, slices.Min(m.Ratio), slices.Max(m.Ratio), fixed)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nratio: median over repetitions of (variant ÷ raw of the same repetition); *_nockpt engine lines are ÷ raw_nockpt.")
	fmt.Fprintln(w, "*_nockpt lines run with wal_autocheckpoint=0: they show what checkpoints cost, they are not a fair configuration.")
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
