package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/scenrun/scenrun/engine/analysis"
)

// options are the flags that more than one subcommand takes. Each is
// defined once, by one of the add methods, so that its name, help text and
// parsing are the same wherever it is taken: a run takes them all, plan all
// but -baseline, validate -set and -baseline.
type options struct {
	sets         multiFlag
	quick        bool
	timeScale    float64 // after check: the scale to run with, 1 unless -quick or -time-scale
	timeScaleSet bool
	runRE        string
	filter       *regexp.Regexp // after check: -run compiled, nil without -run
	tmpDir       string
	baseline     string
}

// addSet defines -set.
func (o *options) addSet(fs *flag.FlagSet) {
	fs.Var(&o.sets, "set", "override a run field for every run, `key=value` (repeatable)")
}

// addScale defines -quick and -time-scale, which check refuses together.
func (o *options) addScale(fs *flag.FlagSet) {
	fs.BoolVar(&o.quick, "quick", false, "scale every API latency by 1/40 (2s → 50ms)")
	fs.Func("time-scale", "scale every API latency by `F` (above 0, at most 1e6)", func(s string) error {
		var err error
		o.timeScale, err = parseScale(s)
		o.timeScaleSet = true
		return err
	})
}

// addRun defines -run.
func (o *options) addRun(fs *flag.FlagSet) {
	fs.StringVar(&o.runRE, "run", "", "only the runs whose name matches `regexp`")
}

// addTmpDir defines -tmpdir.
func (o *options) addTmpDir(fs *flag.FlagSet) {
	fs.StringVar(&o.tmpDir, "tmpdir", "", "`dir` for the temporary databases (default $TMPDIR, else /tmp)")
}

// addBaseline defines -baseline.
func (o *options) addBaseline(fs *flag.FlagSet) {
	fs.StringVar(&o.baseline, "baseline", "", "an earlier results JSON `file` to compare each run with (prev.<run>)")
}

// check validates the shared flags once parsed, and settles timeScale and
// filter. Its errors name the flag; the caller says which command.
func (o *options) check() error {
	if o.quick && o.timeScaleSet {
		return errors.New("-quick and -time-scale both scale latencies: give one")
	}
	if o.quick {
		o.timeScale, o.timeScaleSet = 1.0/40, true
	}
	if !o.timeScaleSet {
		o.timeScale = 1
	}
	if o.runRE != "" {
		re, err := regexp.Compile(o.runRE)
		if err != nil {
			return fmt.Errorf("-run: %v", err)
		}
		o.filter = re
	}
	return nil
}

// readBaseline reads the -baseline file; nil without -baseline. A file that
// is not scenrun results is a usage error.
func (o *options) readBaseline() (*analysis.Results, error) {
	if o.baseline == "" {
		return nil, nil
	}
	prev, err := analysis.ReadJSON(o.baseline)
	if err != nil {
		return nil, fmt.Errorf("-baseline: %v", err)
	}
	return prev, nil
}

// parseScale reads -time-scale. The whole value must be the number, as the
// flag package's own numeric flags read theirs: "2abc" is refused, not read
// as 2.
func parseScale(s string) (float64, error) {
	// 0 is refused rather than meaning "no latency": a profile of zero
	// latency says that, and the engine reads an unset scale as 1.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f > 0 && f <= 1e6) {
		return 0, fmt.Errorf("want a number above 0 and at most 1e6, got %q", s)
	}
	return f, nil
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// flagError is an error the flag package has already reported.
type flagError struct{ err error }

func (e flagError) Error() string { return e.err.Error() }
func (e flagError) Unwrap() error { return e.err }

// newFlags is a subcommand's flag set; its usage, printed to stderr after
// a usage error, is head, then the flags as the flag set describes them, so
// that no flag is described twice. -h is not a usage error: parseFlags
// leaves it to the caller, which prints the help to stdout (help.go).
func newFlags(name, head string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), head, "\nflags:\n")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags is fs.Parse, except that -h, -help and --help print nothing:
// the error is flag.ErrHelp and the caller prints the help to stdout. After
// any other error the flag package has reported it, with the usage, on
// stderr.
func parseFlags(fs *flag.FlagSet, args []string) error {
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		usage()
	}
	return err
}

// parseInterleaved parses flags and the paths among them, which may come in
// any order (`scenrun spec.yaml -quick`), and returns the paths. An error is
// a flagError: the flag package has reported it, with the usage, unless it
// is flag.ErrHelp.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var paths []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, flagError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return paths, nil
		}
		paths = append(paths, args[0])
		args = args[1:]
	}
}

// printWarnings says what validate, plan and a run found about a spec
// before running it that does not stop it, one line each.
func printWarnings(stderr io.Writer, path string, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", path, w)
	}
}
