package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/scenrun/scenrun/engine"
	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/scenario"
)

// validateFlags is validate's flag set.
func validateFlags(o *options, stderr io.Writer) *flag.FlagSet {
	fs := newFlags("validate", validateUsage, stderr)
	o.addSet(fs)
	o.addBaseline(fs)
	return fs
}

// validate is `scenrun validate`: it checks specs without running them.
// With -baseline, the assertions are checked as a run with -baseline would
// (prev.<run>).
func validate(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := validateFlags(&o, stderr)
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return printHelp(stdout, "validate")
		}
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	prev, err := o.readBaseline()
	if err != nil {
		fmt.Fprintf(stderr, "scenrun: %v\n", err)
		return exitUsage
	}
	code := exitOK
	for _, path := range fs.Args() {
		spec, err := loadSpec(path, o.sets, prev)
		if err != nil {
			fmt.Fprintln(stderr, err)
			code = exitUsage
			continue
		}
		fmt.Fprintf(stdout, "%s: ok (%d runs, %d assertions)\n", path, len(spec.Runs), len(spec.Assertions))
		printWarnings(stderr, path, engine.Warnings(spec, prev, ""))
	}
	return code
}

// loadSpec reads and checks the spec at path as every subcommand does: the
// spec's own errors and, in the parts those leave sound, the errors of its
// workloads' SQL and of its assertions, all reported together (SPEC §4:
// every error in a file, not only the first stage's). prev is the baseline
// file's results, for prev.<run> in assertions.
func loadSpec(path string, sets []string, prev *analysis.Results) (*scenario.Spec, error) {
	spec, err := scenario.LoadDraft(path, sets)
	if spec == nil {
		return nil, err
	}
	if verr := engine.Validate(spec, prev); err != nil || verr != nil {
		return nil, scenario.JoinErrors(err, verr)
	}
	return spec, nil
}
