package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/scenrun/scenrun/engine"
	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/engine/report"
	"github.com/scenrun/scenrun/scenario"
)

// planFlags is plan's flag set.
func planFlags(o *options, stderr io.Writer) *flag.FlagSet {
	fs := newFlags("plan", planUsage, stderr)
	o.addSet(fs)
	o.addScale(fs)
	o.addRun(fs)
	o.addTmpDir(fs)
	return fs
}

// plan is `scenrun plan`: it prints the expanded runs with an estimate of
// their duration. It takes the flags of a run that change what runs and how
// long: -set, -quick, -time-scale and -run (and -tmpdir). The estimate's
// database part comes from short calibration trials (engine/plan.go), so
// plan itself takes a few seconds.
func plan(ctx context.Context, args []string, stdout, stderr io.Writer, env environ) int {
	var o options
	fs := planFlags(&o, stderr)
	specs, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return printHelp(stdout, "plan")
		}
		return exitUsage
	}
	if len(specs) != 1 {
		fs.Usage()
		return exitUsage
	}
	if err := o.check(); err != nil {
		fmt.Fprintf(stderr, "scenrun plan: %v\n", err)
		return exitUsage
	}
	spec, err := loadSpec(specs[0], o.sets, nil)
	if err == nil {
		err = spec.CheckScale(o.timeScale)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	printWarnings(stderr, specs[0], engine.Warnings(spec, nil, o.tmpDir))
	var runs []scenario.Run
	for _, r := range spec.Runs {
		if o.filter == nil || o.filter.MatchString(r.Name) {
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 {
		fmt.Fprintf(stderr, "%s: -run %q matches no run\n", specs[0], o.runRE)
		return exitUsage
	}
	tmp := o.tmpDir
	if tmp == "" {
		tmp = os.TempDir()
	}
	cal, err := engine.Calibrate(ctx, runs, spec.Profiles, spec.Workloads, tmp, workerCommand(env))
	if err != nil {
		if ctx.Err() != nil {
			return exitInterrupted
		}
		fmt.Fprintf(stderr, "scenrun plan: %v\n", err)
		return exitRunFailed
	}
	p, err := analysis.Estimate(runs, spec.Profiles, spec.Workloads, o.timeScale, cal)
	if err == nil {
		err = report.Plan(stdout, specs[0], p, reportWidth(env))
	}
	if err != nil {
		fmt.Fprintf(stderr, "scenrun plan: %v\n", err)
		return exitRunFailed
	}
	return exitOK
}
