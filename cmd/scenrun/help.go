package main

import (
	"bytes"
	"fmt"
	"io"
)

// usage heads the run command's help, which is also scenrun's: the
// subcommands, then the run's flags.
const usage = `usage:
  scenrun [flags] SPEC.yaml [SPEC.yaml ...]   run the scenarios, in order
  scenrun validate SPEC.yaml ...              check specs; run nothing
  scenrun plan SPEC.yaml                      list the runs, estimate their time
  scenrun version                             print the version (also --version)
  scenrun help [run|validate|plan|version]    print this help, or a subcommand's
`

const (
	validateUsage = "usage: scenrun validate [flags] SPEC.yaml ...\n\nChecks each spec (YAML, fields, expressions) and runs nothing.\n"
	planUsage     = "usage: scenrun plan [flags] SPEC.yaml\n\nPrints the expanded runs and an estimate of their duration, from a few\nseconds of calibration trials.\n"
	versionUsage  = "usage: scenrun version (or scenrun -version, scenrun --version)\n\nPrints scenrun's version (the module version of `go install …@vX.Y.Z`, or\nthe git revision of a `go build` in a checkout), Go's, the platform and\nSQLite's.\n"
)

// exitCodesHelp is SPEC §3, as the help shows it.
const exitCodesHelp = `
exit codes:
  0    every run completed and every assertion passed
  1    at least one assertion failed (all runs and the report still complete)
  2    usage or spec error: nothing was run
  3    a run could not be carried out (SQLite error, timeout, a file left
       unprocessed)
  130  interrupted (SIGINT, SIGTERM, SIGHUP): the results so far are written
`

const exampleHelp = `
example:
  scenrun validate scenarios/mitigation.yaml   # check a spec
  scenrun plan -quick scenarios/mitigation.yaml
  scenrun -quick -junit junit.xml scenarios/mitigation.yaml
`

const docsHelp = `
The flags, the scenario format, the assertions and the JSON results are
described in docs/reference.md
(https://github.com/scenrun/scenrun/blob/main/docs/reference.md).
`

// helpText is the help of a subcommand: "" (scenrun's own, which is the
// run's), "run", "validate", "plan" or "version". ok is false for another
// name. The flags come from the subcommand's flag set.
func helpText(cmd string) (text string, ok bool) {
	var b bytes.Buffer
	switch cmd {
	case "", "run":
		newFlagSet(&config{}, &b).Usage()
		b.WriteString(exitCodesHelp + exampleHelp)
	case "validate":
		validateFlags(&options{}, &b).Usage()
		b.WriteString(exitCodesHelp)
	case "plan":
		planFlags(&options{}, &b).Usage()
		b.WriteString(exitCodesHelp)
	case "version":
		b.WriteString(versionUsage)
	default:
		return "", false
	}
	b.WriteString(docsHelp)
	return b.String(), true
}

// printHelp writes cmd's help to stdout: asked for, help is the output.
func printHelp(stdout io.Writer, cmd string) int {
	text, _ := helpText(cmd)
	fmt.Fprint(stdout, text)
	return exitOK
}

// help is `scenrun help [COMMAND]`.
func help(args []string, stdout, stderr io.Writer) int {
	switch len(args) {
	case 0:
		return printHelp(stdout, "")
	case 1:
		if _, ok := helpText(args[0]); ok {
			return printHelp(stdout, args[0])
		}
		fmt.Fprintf(stderr, "scenrun help: unknown command %q (commands: run, validate, plan, version)\n", args[0])
	default:
		fmt.Fprint(stderr, "usage: scenrun help [run|validate|plan|version]\n")
	}
	return exitUsage
}
