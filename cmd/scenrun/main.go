// Command scenrun runs YAML scenarios of a file-lifecycle state machine on
// SQLite, measures lock contention, compares runs and gates CI on
// assertions. See docs/reference.md.
//
// main only learns the process's signals, terminals and variables; the whole
// command is run (cli.go), one file per subcommand, the flags that several
// subcommands take defined once in flags.go.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	// SIGHUP (the terminal went away) stops a run as SIGINT and SIGTERM do:
	// the results so far are written, the temporary databases removed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	// A closed stdout or stderr (scenrun spec.yaml | head) must not kill the
	// run: with SIGPIPE caught, a write to it fails with EPIPE instead, and
	// the run goes on to write its results (see printFailed). The channel is
	// never read; signal.Notify drops what does not fit.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	env := environ{
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		noColor:   os.Getenv("NO_COLOR") != "",
		summary:   os.Getenv("GITHUB_STEP_SUMMARY"),
		stdin:     os.Stdin,
	}
	if env.stdoutTTY {
		env.stdoutCols = terminalWidth(int(os.Stdout.Fd()), os.Getenv("COLUMNS"))
	}
	if env.stderrTTY {
		env.stderrCols = terminalWidth(int(os.Stderr.Fd()), os.Getenv("COLUMNS"))
	}
	if exe, err := os.Executable(); err == nil {
		env.executable = exe
	}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, env)
	stop()
	os.Exit(code)
}
