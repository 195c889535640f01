package main

import (
	"context"
	"os"
	"testing"
)

// TestMain lets the test binary be scenrun's worker process: a run with
// processes > 1 started from a test re-executes the test binary with the
// hidden worker subcommand, which goes through run as in scenrun itself.
//
// With SCENRUN_TEST_AS_MAIN=1 the test binary is scenrun itself (main, its
// signals and exit codes): the tests that exec the real command (signals,
// closed pipes) run it so, instead of building a second binary.
func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		main()
		return
	}
	if len(os.Args) > 1 && os.Args[1] == workerArg {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, environ{stdin: os.Stdin}))
	}
	os.Exit(m.Run())
}

// asMainEnv makes the test binary scenrun's main (see TestMain).
const asMainEnv = "SCENRUN_TEST_AS_MAIN"
