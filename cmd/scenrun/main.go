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
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	// SIGHUP (the terminal went away) stops a run as SIGINT and SIGTERM do:
	// the results so far are written, the temporary databases removed.
	ctx, stop := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go insist(sigs, stop, os.Stderr)
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
	stop(nil)
	os.Exit(code)
}

// insist cancels the run at the first signal and ends the process at a
// second SIGINT or SIGTERM, whatever it is doing: a statement inside SQLite
// (a slow trigger while seeding) or validating a huge spec does not heed a
// cancelled context, and a user who asks twice means now. Nothing more is
// written and the trial's temporary database is left behind: removing it
// could wait on the very work being abandoned. A repeated SIGHUP is the
// terminal, not the user, and does not count.
//
// The run is cancelled with the signal as its cause, so that a run cut
// short says "interrupted by SIGINT" rather than "context canceled".
func insist(sigs <-chan os.Signal, cancel context.CancelCauseFunc, stderr io.Writer) {
	cancel(interrupted{<-sigs})
	for sig := range sigs {
		if sig == syscall.SIGHUP {
			continue
		}
		fmt.Fprintf(stderr, "scenrun: %v again: exiting now; a temporary database may be left in the temporary directory (scenrun-*)\n", sig)
		os.Exit(exitInterrupted)
	}
}

// interrupted is the cause of a run a signal stopped. It is a
// context.Canceled, for whoever asks errors.Is.
type interrupted struct{ sig os.Signal }

func (e interrupted) Error() string {
	name := e.sig.String()
	if s, ok := e.sig.(syscall.Signal); ok {
		switch s {
		case syscall.SIGINT:
			name = "SIGINT"
		case syscall.SIGTERM:
			name = "SIGTERM"
		case syscall.SIGHUP:
			name = "SIGHUP"
		}
	}
	return "interrupted by " + name
}

func (e interrupted) Is(target error) bool { return target == context.Canceled }
