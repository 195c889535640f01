package main

import (
	"context"
	"io"
	"time"
)

// Exit codes (SPEC §3).
const (
	exitOK          = 0
	exitAssertion   = 1
	exitUsage       = 2
	exitRunFailed   = 3
	exitInterrupted = 130
)

// environ is what main learns from the process: terminals and variables.
type environ struct {
	stdoutTTY, stderrTTY bool
	// stdoutCols and stderrCols are the terminals' widths in columns (see
	// terminalWidth); 0 when not a terminal or unknown.
	stdoutCols, stderrCols int
	noColor                bool
	summary                string // GITHUB_STEP_SUMMARY
	stdin                  io.Reader
	executable             string        // this program, re-executed as a worker for processes > 1
	progressEvery          time.Duration // the plain progress lines' period; 0: every 2 s
}

// run is the whole command: it picks the subcommand and returns the exit
// code. Without a subcommand's name, the arguments are a run's.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env environ) int {
	if len(args) > 0 {
		switch args[0] {
		case "version", "-version", "--version":
			return printVersion(stdout)
		case "help":
			return help(args[1:], stdout, stderr)
		case "validate":
			return validate(args[1:], stdout, stderr)
		case "plan":
			return plan(ctx, args[1:], stdout, stderr, env)
		case workerArg:
			return worker(ctx, env.stdin, stdout, stderr)
		}
	}
	return runSpecs(ctx, args, stdout, stderr, env)
}

// reportWidth is the width the tables fit: the terminal's when stdout is
// one, else 0 (the report's 120), so that what goes to a pipe or a file
// does not depend on the terminal the command was started from.
func reportWidth(env environ) int {
	if env.stdoutTTY {
		return env.stdoutCols
	}
	return 0
}
