package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/scenrun/scenrun/engine"
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
		spec, err := scenario.Load(path, o.sets)
		if err == nil {
			err = engine.Validate(spec, prev)
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			code = exitUsage
			continue
		}
		fmt.Fprintf(stdout, "%s: ok (%d runs, %d assertions)\n", path, len(spec.Runs), len(spec.Assertions))
		printWarnings(stderr, path, engine.Warnings(spec, prev))
	}
	return code
}
