package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/engine/analysis"
)

// runSpecText writes src to a spec file and runs scenrun on it with its JSON
// results to a file; it returns the exit code, stdout, stderr and the
// results (nil when none were written).
func runSpecText(t *testing.T, src string, env environ, args ...string) (int, string, string, *analysis.Results) {
	t.Helper()
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "results.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"-json", out, "-no-progress", spec}, args...), &stdout, &stderr, env)
	var res *analysis.Results
	if b, err := os.ReadFile(out); err == nil {
		res = &analysis.Results{}
		if err := json.Unmarshal(b, res); err != nil {
			t.Fatalf("results: %v", err)
		}
	}
	return code, stdout.String(), stderr.String(), res
}

// TestProcessesEndToEnd runs a spec with processes: 2 through the command,
// whose worker processes are the test binary re-executed with the hidden
// subcommand (see TestMain).
func TestProcessesEndToEnd(t *testing.T) {
	src := `
version: 1
name: procs
defaults: {files: 200, concurrency: 50, processes: 2}
runs:
  - name: two
  - name: three
    processes: 3
    connection: single_writer
assertions:
  - name: every file indexed, integrity ok
    expr: all(runs, .indexed == .files && .integrity == "ok" && .lock_wait_ms.count == .files)
`
	code, stdout, stderr, res := runSpecText(t, src, environ{executable: os.Args[0]})
	if code != exitOK {
		t.Fatalf("got exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if got := []int{res.Runs[0].Processes, res.Runs[1].Processes}; got[0] != 2 || got[1] != 3 {
		t.Errorf("got processes %v in the results, want [2 3]", got)
	}
}

func TestWorkerCrashIsExit3WithItsStderr(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "fake-scenrun")
	script := "#!/bin/sh\necho 'fake worker: database is on fire' >&2\nexit 7\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, stderr, res := runSpecText(t, `
version: 1
name: crash
defaults: {files: 20, concurrency: 4, processes: 2}
runs: [{name: r}]
`, environ{executable: fake})
	if code != exitRunFailed {
		t.Errorf("got exit %d, want %d", code, exitRunFailed)
	}
	want := "process 1 of 2: exit status 7: fake worker: database is on fire"
	if res == nil || !strings.Contains(res.Runs[0].Error, want) || !strings.Contains(stderr, want) {
		t.Errorf("want %q in the run's error and on stderr; got stderr:\n%s", want, stderr)
	}
}

// TestRunFailuresAreExit3 covers what SPEC §3 lists for exit 3, each with
// the message a user needs: the statement and SQLite's own text for SQL, the
// pragma's name, the timeout.
func TestRunFailuresAreExit3(t *testing.T) {
	cases := []struct {
		name, run string
		want      []string
	}{
		{"connect_sql", `connect_sql: ["CREATE TEMP TABLE t (x)", "INSERT INTO nosuch VALUES (1)"]`,
			[]string{"INSERT INTO nosuch VALUES (1)", "no such table: nosuch"}},
		{"setup_sql", `setup_sql: "CREATE INDEX files_by_stat ON files (stat)"`,
			[]string{"setup_sql: CREATE INDEX files_by_stat ON files (stat)", "no such column: stat"}},
		{"unknown pragma", `pragmas: {journal_mode: wal, synchronus: full}`,
			[]string{`unknown pragma "synchronus"`}},
		{"timeout", `{profile: realistic, timeout: 200ms}`,
			[]string{"timeout: the trial took longer than 200ms"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := c.run
			if !strings.HasPrefix(run, "{") {
				run = "{" + run + "}"
			}
			run = strings.Replace(run, "{", "{name: r, ", 1)
			code, _, stderr, res := runSpecText(t, "version: 1\nname: fail\ndefaults: {files: 30, concurrency: 5}\nruns:\n  - "+run+"\n", environ{})
			if code != exitRunFailed {
				t.Errorf("got exit %d, want %d; stderr:\n%s", code, exitRunFailed, stderr)
			}
			if res == nil {
				t.Fatal("no results written")
			}
			for _, w := range c.want {
				if !strings.Contains(res.Runs[0].Error, w) || !strings.Contains(stderr, w) {
					t.Errorf("want %q in the run's error %q and on stderr:\n%s", w, res.Runs[0].Error, stderr)
				}
			}
		})
	}
}

func TestKeepDBKeepsTheFileAndPrintsItsPath(t *testing.T) {
	code, _, stderr, res := runSpecText(t, `
version: 1
name: keep
defaults: {files: 25, concurrency: 5, keep_db: true}
runs: [{name: r}]
`, environ{})
	if code != exitOK {
		t.Fatalf("got exit %d; stderr:\n%s", code, stderr)
	}
	m := regexp.MustCompile(`kept database of r: (\S+)`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no kept database path on stderr:\n%s", stderr)
	}
	path := m[1]
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(path)) })
	if res.Runs[0].DBPath != path {
		t.Errorf("got db_path %q in the JSON, want %q", res.Runs[0].DBPath, path)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() == 0 {
		t.Errorf("kept database %s: %v", path, err)
	}
}
