package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/scenrun/scenrun/engine"
	"github.com/scenrun/scenrun/scenario"
)

// Exit codes (SPEC §3).
const (
	exitOK          = 0
	exitAssertion   = 1
	exitUsage       = 2
	exitRunFailed   = 3
	exitInterrupted = 130
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func scenrunVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if dirty {
				rev += "-dirty"
			}
			return "dev-" + rev
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

// environ is what main learns from the process: terminals and variables.
type environ struct {
	stdoutTTY, stderrTTY bool
	noColor              bool
	summary              string // GITHUB_STEP_SUMMARY
	stdin                io.Reader
	executable           string        // this program, re-executed as a worker for processes > 1
	progressEvery        time.Duration // the plain progress lines' period; 0: every 2 s
}

const usage = `usage:
  scenrun [flags] SPEC.yaml [SPEC.yaml ...]   run the scenarios, in order
  scenrun validate SPEC.yaml ...              check specs; run nothing
  scenrun plan SPEC.yaml                      print the expanded runs and an estimate of their duration
  scenrun version

flags:
`

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// config is a parsed command line for a run.
type config struct {
	out, jsonFile, format string
	quick                 bool
	timeScale             float64
	timeScaleSet          bool
	sets                  multiFlag
	runRE                 string
	junit, baseline, html string
	profile               string
	tmpDir                string
	noProgress            bool
	specs                 []string
}

func newFlagSet(c *config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("scenrun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.out, "out", "results", "directory for the JSON results")
	fs.StringVar(&c.jsonFile, "json", "", "write the JSON results to exactly this `file` (- = stdout)")
	fs.StringVar(&c.format, "format", "table", "what goes to stdout: table, markdown, csv, html or json")
	fs.BoolVar(&c.quick, "quick", false, "scale every API latency by 1/40 (2s → 50ms)")
	fs.Func("time-scale", "scale every API latency by `F` (> 0)", func(s string) error {
		var err error
		c.timeScale, err = parseScale(s)
		c.timeScaleSet = true
		return err
	})
	fs.Var(&c.sets, "set", "override a run field for every run, `key=value` (repeatable)")
	fs.StringVar(&c.runRE, "run", "", "only the runs whose name matches `regexp`")
	fs.StringVar(&c.junit, "junit", "", "also write the assertions as a JUnit XML `file`")
	fs.StringVar(&c.baseline, "baseline", "", "compare each run with the same-named run of an earlier results JSON `file`")
	fs.StringVar(&c.html, "html", "", "also write a self-contained HTML report `file`")
	fs.StringVar(&c.profile, "profile", "", "write pprof profiles (cpu, block, mutex) for each run into `dir`")
	fs.BoolVar(&c.noProgress, "no-progress", false, "no progress display")
	fs.StringVar(&c.tmpDir, "tmpdir", "", "directory for the runs' temporary databases (default $TMPDIR, else /tmp)")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

func parseScale(s string) (float64, error) {
	// 0 is refused rather than meaning "no latency": a profile of zero
	// latency says that, and the engine reads an unset scale as 1.
	var f float64
	if _, err := fmt.Sscanf(s, "%g", &f); err != nil || !(f > 0 && f <= 1e6) {
		return 0, fmt.Errorf("want a number above 0 and at most 1e6, got %q", s)
	}
	return f, nil
}

// flagError is an error the flag package has already reported.
type flagError struct{ err error }

func (e flagError) Error() string { return e.err.Error() }
func (e flagError) Unwrap() error { return e.err }

// parseArgs parses flags and spec paths, which may be interleaved
// (`scenrun spec.yaml -quick`).
func parseArgs(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := newFlagSet(c, stderr)
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		c.specs = append(c.specs, args[0])
		args = args[1:]
	}
	switch c.format {
	case "table", "markdown", "csv", "html", "json":
	default:
		return nil, fmt.Errorf("-format: unknown value %q (allowed: table, markdown, csv, html, json)", c.format)
	}
	if c.quick && c.timeScaleSet {
		return nil, errors.New("-quick and -time-scale both scale latencies: give one")
	}
	if c.quick {
		c.timeScale, c.timeScaleSet = 1.0/40, true
	}
	if !c.timeScaleSet {
		c.timeScale = 1
	}
	if c.runRE != "" {
		if _, err := regexp.Compile(c.runRE); err != nil {
			return nil, fmt.Errorf("-run: %v", err)
		}
	}
	if c.jsonFile != "" && c.jsonFile != "-" && len(c.specs) > 1 {
		return nil, errors.New("-json FILE takes one spec; use -out DIR for several")
	}
	if c.html != "" && len(c.specs) > 1 {
		return nil, errors.New("-html FILE takes one spec: run the specs one at a time")
	}
	return c, nil
}

// run is the whole command: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env environ) int {
	if len(args) > 0 {
		switch args[0] {
		case "version":
			fmt.Fprintf(stdout, "scenrun %s (%s, SQLite %s)\n", scenrunVersion(), engine.NewEnvironment("").Go, engine.NewEnvironment("").SQLite)
			return exitOK
		case "validate":
			return validate(args[1:], stdout, stderr)
		case "plan":
			return plan(ctx, args[1:], stdout, stderr, env)
		case workerArg:
			return worker(ctx, env.stdin, stdout, stderr)
		}
	}
	c, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var fe flagError
	if errors.As(err, &fe) {
		return exitUsage // the flag package has said what was wrong, with the usage
	}
	if err != nil {
		fmt.Fprintf(stderr, "scenrun: %v\n", err)
		return exitUsage
	}
	if len(c.specs) == 0 {
		fmt.Fprint(stderr, "scenrun: no spec given\n")
		newFlagSet(&config{}, stderr).Usage()
		return exitUsage
	}
	var prev *engine.Results
	if c.baseline != "" {
		if prev, err = engine.ReadJSON(c.baseline); err != nil {
			fmt.Fprintf(stderr, "scenrun: -baseline: %v\n", err)
			return exitUsage
		}
	}
	if err := checkReportPaths(c); err != nil {
		fmt.Fprintf(stderr, "scenrun: %v\n", err)
		return exitUsage
	}
	var filter *regexp.Regexp
	if c.runRE != "" {
		filter = regexp.MustCompile(c.runRE)
	}

	// Everything is checked before anything runs.
	var runners []*engine.Runner
	var hooks []*progressHook
	bad := false
	for _, path := range c.specs {
		spec, err := scenario.Load(path, c.sets)
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad = true
			continue
		}
		hook := &progressHook{}
		r, err := engine.NewRunner(spec, engine.Options{TimeScale: c.timeScale, Filter: filter, TempDir: c.tmpDir, Prev: prev, PrevFile: c.baseline, Version: scenrunVersion(),
			WorkerCommand: workerCommand(env), OnTrial: hook.onTrial, ProfileDir: c.profile})
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad = true
			continue
		}
		if len(r.Selected()) == 0 {
			fmt.Fprintf(stderr, "%s: -run %q matches no run\n", path, c.runRE)
			bad = true
			continue
		}
		runners = append(runners, r)
		hooks = append(hooks, hook)
	}
	if bad {
		return exitUsage
	}

	code := exitOK
	var all []*engine.Results
	for i, r := range runners {
		if ctx.Err() != nil {
			break
		}
		if !c.noProgress {
			hooks[i].disp = newProgressDisplay(stderr, env.stderrTTY, env.progressEvery, r.Selected())
		}
		rc, res := runOne(ctx, r, hooks[i].disp, c, stdout, stderr, env)
		code = max(code, rc)
		all = append(all, res)
	}
	code = max(code, writeReports(c, all, stderr))
	if ctx.Err() != nil {
		return exitInterrupted
	}
	return code
}

// runOne carries out one spec and writes its reports; it returns the exit
// code and the results.
func runOne(ctx context.Context, r *engine.Runner, disp *progressDisplay, c *config, stdout, stderr io.Writer, env environ) (int, *engine.Results) {
	res, runErr := r.Run(ctx)
	if disp != nil {
		disp.close() // before any report, so the two never interleave
	}
	code := exitOK
	for _, a := range res.Assertions {
		if !a.Passed && !a.Skipped {
			code = exitAssertion
		}
	}
	if runErr != nil {
		code = exitRunFailed
		if res.Interrupted {
			code = exitInterrupted
		}
	}

	// The results are written first: whatever happens to the reports after,
	// what was measured is on disk.
	var jsonPath string
	var werr error
	switch c.jsonFile {
	case "":
		jsonPath, werr = engine.ResultsPath(c.out, res.Scenario, time.Now())
		if werr == nil {
			werr = engine.SaveJSON(jsonPath, res)
		}
	case "-":
		werr = engine.WriteJSON(stdout, res)
	default:
		jsonPath = c.jsonFile
		werr = engine.SaveJSON(jsonPath, res)
	}
	if werr != nil {
		fmt.Fprintf(stderr, "scenrun: %v\n", werr)
		code = max(code, exitRunFailed)
	}

	if c.jsonFile != "-" {
		var err error
		switch c.format {
		case "json":
			err = engine.WriteJSON(stdout, res)
		default:
			err = engine.Render(stdout, res, engine.RenderOptions{Format: c.format, Color: env.stdoutTTY && !env.noColor})
		}
		if err != nil {
			fmt.Fprintf(stderr, "scenrun: report: %v\n", err)
			code = max(code, exitRunFailed)
		}
	}
	if c.html != "" {
		if err := engine.SaveHTML(c.html, res); err != nil {
			fmt.Fprintf(stderr, "scenrun: %v\n", err)
			code = max(code, exitRunFailed)
		}
	}
	for _, run := range res.Runs {
		if run.DBPath != "" {
			fmt.Fprintf(stderr, "kept database of %s: %s\n", run.Name, run.DBPath)
		}
	}
	if runErr != nil && !res.Interrupted {
		fmt.Fprintf(stderr, "scenrun: %s: %v\n", res.SpecFile, runErr)
		for _, run := range res.Runs {
			if run.Error != "" {
				fmt.Fprintf(stderr, "scenrun: %s: run %s: %s\n", res.SpecFile, run.Name, run.Error)
			}
		}
	}
	if jsonPath != "" {
		w := stdout
		if c.format == "json" || c.format == "csv" || c.format == "html" {
			w = stderr
		}
		fmt.Fprintf(w, "\nResults: %s\n", jsonPath)
	}
	if env.summary != "" {
		if err := appendSummary(env.summary, res); err != nil {
			fmt.Fprintf(stderr, "scenrun: GITHUB_STEP_SUMMARY: %v\n", err)
			code = max(code, exitRunFailed)
		}
	}
	return code, res
}

// validate checks specs without running them.
func validate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sets multiFlag
	var baseline string
	fs.Var(&sets, "set", "override a run field, `key=value`")
	fs.StringVar(&baseline, "baseline", "", "check the assertions as a run with -baseline `file` would (prev.<run>)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: scenrun validate [-set key=value] [-baseline FILE] SPEC.yaml ...")
		return exitUsage
	}
	if baseline != "" {
		if _, err := engine.ReadJSON(baseline); err != nil {
			fmt.Fprintf(stderr, "scenrun: -baseline: %v\n", err)
			return exitUsage
		}
	}
	code := exitOK
	for _, path := range fs.Args() {
		spec, err := scenario.Load(path, sets)
		if err == nil {
			err = engine.Validate(spec, baseline != "")
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			code = exitUsage
			continue
		}
		fmt.Fprintf(stdout, "%s: ok (%d runs, %d assertions)\n", path, len(spec.Runs), len(spec.Assertions))
	}
	return code
}

// plan prints the expanded runs with an estimate of their duration. It
// takes the flags of a run that change what runs and how long: -set, -quick,
// -time-scale and -run. The estimate's database part comes from short
// calibration trials (engine/plan.go), so plan itself takes a few seconds.
func plan(ctx context.Context, args []string, stdout, stderr io.Writer, env environ) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sets multiFlag
	var quick, scaleSet bool
	var scale float64 = 1
	var runRE string
	fs.Var(&sets, "set", "override a run field for every run, `key=value` (repeatable)")
	fs.BoolVar(&quick, "quick", false, "scale every API latency by 1/40 (2s → 50ms)")
	fs.Func("time-scale", "scale every API latency by `F` (> 0)", func(s string) error {
		var err error
		scale, err = parseScale(s)
		scaleSet = true
		return err
	})
	fs.StringVar(&runRE, "run", "", "only the runs whose name matches `regexp`")
	tmpDir := fs.String("tmpdir", "", "directory for the calibration trials' databases (default $TMPDIR, else /tmp)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: scenrun plan [-set key=value] [-quick | -time-scale F] [-run REGEXP] [-tmpdir DIR] SPEC.yaml")
		fs.PrintDefaults()
	}
	var specs []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK
			}
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		specs = append(specs, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(specs) != 1 {
		fs.Usage()
		return exitUsage
	}
	if quick && scaleSet {
		fmt.Fprintln(stderr, "scenrun plan: -quick and -time-scale both scale latencies: give one")
		return exitUsage
	}
	if quick {
		scale = 1.0 / 40
	}
	var filter *regexp.Regexp
	if runRE != "" {
		var err error
		if filter, err = regexp.Compile(runRE); err != nil {
			fmt.Fprintf(stderr, "scenrun plan: -run: %v\n", err)
			return exitUsage
		}
	}
	spec, err := scenario.Load(specs[0], sets)
	if err == nil {
		err = engine.Validate(spec, false)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	var runs []scenario.Run
	for _, r := range spec.Runs {
		if filter == nil || filter.MatchString(r.Name) {
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 {
		fmt.Fprintf(stderr, "%s: -run %q matches no run\n", specs[0], runRE)
		return exitUsage
	}
	tmp := *tmpDir
	if tmp == "" {
		tmp = os.TempDir()
	}
	cal, err := engine.Calibrate(ctx, runs, spec.Profiles, tmp, workerCommand(env))
	if err != nil {
		if ctx.Err() != nil {
			return exitInterrupted
		}
		fmt.Fprintf(stderr, "scenrun plan: %v\n", err)
		return exitRunFailed
	}
	p, err := engine.Estimate(runs, spec.Profiles, scale, cal)
	if err == nil {
		err = engine.RenderPlan(stdout, specs[0], p)
	}
	if err != nil {
		fmt.Fprintf(stderr, "scenrun plan: %v\n", err)
		return exitRunFailed
	}
	return exitOK
}
