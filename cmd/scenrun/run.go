package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/scenrun/scenrun/engine"
	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/engine/report"
)

// config is a parsed command line for a run.
type config struct {
	options
	out, jsonFile, format string
	junit, html           string
	profile               string
	noProgress            bool
	specs                 []string
}

func newFlagSet(c *config, stderr io.Writer) *flag.FlagSet {
	fs := newFlags("scenrun", usage, stderr)
	fs.StringVar(&c.out, "out", "results", "directory for the JSON results")
	fs.StringVar(&c.jsonFile, "json", "", "write the JSON results to exactly this `file` (- = stdout)")
	fs.StringVar(&c.format, "format", "table", "stdout's format: table, markdown, csv, html or json")
	c.addScale(fs)
	c.addSet(fs)
	c.addRun(fs)
	fs.StringVar(&c.junit, "junit", "", "also write the assertions as a JUnit XML `file`")
	c.addBaseline(fs)
	fs.StringVar(&c.html, "html", "", "also write a self-contained HTML report `file`")
	fs.StringVar(&c.profile, "profile", "", "write pprof profiles (cpu, block, mutex) for each run into `dir`")
	fs.BoolVar(&c.noProgress, "no-progress", false, "no progress display")
	c.addTmpDir(fs)
	return fs
}

// parseArgs parses flags and spec paths, which may be interleaved
// (`scenrun spec.yaml -quick`).
func parseArgs(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	specs, err := parseInterleaved(newFlagSet(c, stderr), args)
	if err != nil {
		return nil, err
	}
	c.specs = specs
	switch c.format {
	case "table", "markdown", "csv", "html", "json":
	default:
		return nil, fmt.Errorf("-format: unknown value %q (allowed: table, markdown, csv, html, json)", c.format)
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	if c.jsonFile != "" && c.jsonFile != "-" && len(c.specs) > 1 {
		return nil, errors.New("-json FILE takes one spec; use -out DIR for several")
	}
	if c.html != "" && len(c.specs) > 1 {
		return nil, errors.New("-html FILE takes one spec: run the specs one at a time")
	}
	return c, nil
}

// runSpecs is the run command, scenrun without a subcommand: it runs the
// specs in order and returns the exit code.
func runSpecs(ctx context.Context, args []string, stdout, stderr io.Writer, env environ) int {
	c, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return printHelp(stdout, "")
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
	prev, err := c.readBaseline()
	if err != nil {
		fmt.Fprintf(stderr, "scenrun: %v\n", err)
		return exitUsage
	}
	if err := checkOutputs(c); err != nil {
		fmt.Fprintf(stderr, "scenrun: %v\n", err)
		return exitUsage
	}

	// Everything is checked before anything runs.
	var runners []*engine.Runner
	var hooks []*progressHook
	bad := false
	for _, path := range c.specs {
		spec, err := loadSpec(path, c.sets, prev)
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad = true
			continue
		}
		if err := spec.CheckScale(c.timeScale); err != nil {
			fmt.Fprintln(stderr, err)
			bad = true
			continue
		}
		if err := checkResultsName(c, spec.Name); err != nil {
			fmt.Fprintf(stderr, "scenrun: %v\n", err)
			bad = true
			continue
		}
		hook := &progressHook{}
		r, err := engine.NewRunner(spec, engine.Options{TimeScale: c.timeScale, Filter: c.filter, TempDir: c.tmpDir, Prev: prev, PrevFile: c.baseline, Version: scenrunVersion(),
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
		printWarnings(stderr, path, engine.Warnings(spec, prev, c.tmpDir))
	}
	if bad {
		return exitUsage
	}

	code := exitOK
	var all []*analysis.Results
	for i, r := range runners {
		if ctx.Err() != nil {
			break
		}
		if !c.noProgress {
			hooks[i].disp = newProgressDisplay(stderr, env.stderrTTY, env.stderrCols, env.progressEvery, r.Selected())
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
func runOne(ctx context.Context, r *engine.Runner, disp *progressDisplay, c *config, stdout, stderr io.Writer, env environ) (int, *analysis.Results) {
	res, runErr := r.Run(ctx)
	if disp != nil {
		disp.close(res.Interrupted) // before any report, so the two never interleave
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
		jsonPath, werr = report.ResultsPath(c.out, res.Scenario, time.Now())
		if werr == nil {
			werr = report.SaveJSON(jsonPath, res)
		}
	case "-":
		werr = analysis.WriteJSON(stdout, res)
	default:
		jsonPath = c.jsonFile
		werr = report.SaveJSON(jsonPath, res)
	}
	if werr != nil {
		fmt.Fprintf(stderr, "scenrun: %v\n", werr)
		code = max(code, exitRunFailed)
	}

	if c.jsonFile != "-" {
		var err error
		switch c.format {
		case "json":
			err = analysis.WriteJSON(stdout, res)
		default:
			err = report.Render(stdout, res, report.RenderOptions{Format: c.format, Color: env.stdoutTTY && !env.noColor, Width: reportWidth(env)})
		}
		if printFailed(err) {
			fmt.Fprintf(stderr, "scenrun: report: %v\n", err)
			code = max(code, exitRunFailed)
		}
	}
	if c.html != "" {
		if err := report.SaveHTML(c.html, res); err != nil {
			fmt.Fprintf(stderr, "scenrun: %v\n", err)
			code = max(code, exitRunFailed)
		}
	}
	for _, run := range res.Runs {
		switch {
		case len(run.DBPaths) > 1:
			for k, p := range run.DBPaths {
				fmt.Fprintf(stderr, "kept database of %s (trial %d): %s\n", run.Name, k+1, p)
			}
		case run.DBPath != "":
			fmt.Fprintf(stderr, "kept database of %s: %s\n", run.Name, run.DBPath)
		}
	}
	if runErr != nil && !res.Interrupted {
		fmt.Fprintf(stderr, "scenrun: %s: %s\n", res.SpecFile, analysis.EscapeControls(runErr.Error()))
		for _, run := range res.Runs {
			if run.Error != "" {
				fmt.Fprintf(stderr, "scenrun: %s: run %s: %s\n", res.SpecFile, run.Name, analysis.EscapeControls(run.Error))
			}
		}
	}
	// The path is named only once the file holds these results.
	if jsonPath != "" && werr == nil {
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

// printFailed reports whether err, from writing the report to stdout, is a
// failure. A closed pipe is not: the reader stopped reading (scenrun | head),
// the results are in their file, and the run's exit code stands.
func printFailed(err error) bool {
	return err != nil && !errors.Is(err, syscall.EPIPE)
}
