package main

import (
	"context"
	"fmt"
	"io"

	"github.com/scenrun/scenrun/engine"
)

// workerArg is the hidden subcommand that makes scenrun a worker process of
// a run with processes > 1. It is not in the usage: only scenrun starts it,
// with the job on stdin.
const workerArg = "__worker"

// workerCommand is how a run starts its worker processes: this program
// again, as a worker. Without a known executable there is none, and a run
// with processes > 1 fails saying so.
func workerCommand(env environ) []string {
	if env.executable == "" {
		return nil
	}
	return []string{env.executable, workerArg}
}

// worker runs engine.Worker on stdin and stdout; its error goes to stderr,
// which the parent reports.
func worker(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) int {
	if stdin == nil {
		fmt.Fprintln(stderr, "scenrun worker: no stdin")
		return exitRunFailed
	}
	if err := engine.Worker(ctx, stdin, stdout); err != nil {
		fmt.Fprintf(stderr, "scenrun worker: %v\n", err)
		return exitRunFailed
	}
	return exitOK
}
