package main

import (
	"context"
	"os"
	"testing"
)

// TestMain lets the test binary be scenrun's worker process: a run with
// processes > 1 started from a test re-executes the test binary with the
// hidden worker subcommand, which goes through run as in scenrun itself.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == workerArg {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, environ{stdin: os.Stdin}))
	}
	os.Exit(m.Run())
}
