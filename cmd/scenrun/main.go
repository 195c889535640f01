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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := environ{
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		noColor:   os.Getenv("NO_COLOR") != "",
		summary:   os.Getenv("GITHUB_STEP_SUMMARY"),
		stdin:     os.Stdin,
	}
	if exe, err := os.Executable(); err == nil {
		env.executable = exe
	}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, env)
	stop()
	os.Exit(code)
}
