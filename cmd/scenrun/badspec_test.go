package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite scenario/testdata/bad/{expr,sqlite}_*.err from the current output")

// enginesSpec says whether a bad spec's message comes from the engine
// (assertions compile there, and workload SQL is prepared there) rather
// than from scenario, whose own golden test checks the rest.
func enginesSpec(name string) bool {
	return strings.HasPrefix(name, "expr_") || strings.HasPrefix(name, "sqlite_")
}

// emptyDir fails the test unless dir holds nothing.
func emptyDir(t *testing.T, what, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("%s: got %s, want nothing", what, e.Name())
	}
}

// TestBadSpecCorpus feeds every spec of scenario/testdata/bad to the command
// as a user would, both to a run and to validate: each must exit 2 with
// exactly the expected message on stderr, run nothing (no database directory
// appears in TMPDIR) and write no results file. The messages of expr_* and
// sqlite_* specs come from the engine (assertions compile there, workload
// SQL is prepared there); the rest are the same text scenario's own golden
// test checks.
func TestBadSpecCorpus(t *testing.T) {
	t.Chdir("../../scenario") // the .err files name the specs as testdata/bad/…
	// Some specs are bad because no server URL is given; with a test server
	// in the environment (.ci/run) they would run against it.
	t.Setenv("SCENRUN_POSTGRES_URL", "")
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 60 {
		t.Errorf("got %d bad specs, want at least 60", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			golden := strings.TrimSuffix(f, ".yaml") + ".err"
			want, err := os.ReadFile(golden)
			if err != nil && !(*update && enginesSpec(name)) {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"-out", "OUT", "-no-progress", f},
				{"validate", f},
			} {
				out, tmp := t.TempDir(), t.TempDir()
				t.Setenv("TMPDIR", tmp)
				for i := range args {
					if args[i] == "OUT" {
						args[i] = out
					}
				}
				var stdout, stderr bytes.Buffer
				code := run(context.Background(), args, &stdout, &stderr, environ{})
				if code != exitUsage {
					t.Errorf("%s: got exit %d, want %d (stderr %q)", args[0], code, exitUsage, stderr.String())
				}
				if *update && enginesSpec(name) && args[0] == "validate" {
					if err := os.WriteFile(golden, stderr.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if got := stderr.String(); got != string(want) {
					t.Errorf("%s: got stderr\n%s\nwant\n%s", args[0], got, want)
				}
				if stdout.Len() != 0 {
					t.Errorf("%s: got stdout %q, want nothing", args[0], stdout.String())
				}
				emptyDir(t, "results directory", out)
				emptyDir(t, "TMPDIR", tmp)
			}
		})
	}
}
