package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestIgnoredPragmaValueIsExit3: a value SQLite silently ignores would
// measure another configuration with exit 0; the run fails instead, naming
// the pragma, the value asked and the value SQLite reports.
func TestIgnoredPragmaValueIsExit3(t *testing.T) {
	for _, tc := range []struct{ pragmas, want string }{
		{"{journal_mode: wall}", `pragma journal_mode: asked for "wall", SQLite reports "delete"`},
		{"{synchronous: fulll}", `pragma synchronous: asked for "fulll", SQLite reports "1"`},
	} {
		t.Run(tc.pragmas, func(t *testing.T) {
			code, _, stderr, res := runSpecText(t, "version: 1\nname: ignored\ndefaults: {files: 10, concurrency: 2}\nruns:\n  - {name: r, pragmas: "+tc.pragmas+"}\n", environ{})
			if code != exitRunFailed {
				t.Errorf("got exit %d, want %d; stderr:\n%s", code, exitRunFailed, stderr)
			}
			if res == nil || len(res.Runs) != 1 || !strings.Contains(res.Runs[0].Error, tc.want) || !strings.Contains(stderr, tc.want) {
				t.Errorf("want %q in the run's error and on stderr; got stderr:\n%s", tc.want, stderr)
			}
		})
	}
}

// slowSeedSpec's setup_sql makes seeding endless: a trigger on every insert
// runs a recursive CTE that never ends, inside SQLite, where a cancelled
// context does not reach.
const slowSeedSpec = `version: 1
name: stuck
defaults: {files: 10, concurrency: 2}
runs:
  - name: stuck
    setup_sql: ["CREATE TRIGGER slow AFTER INSERT ON files BEGIN SELECT (SELECT max(x) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c)); END"]
`

// TestSecondSignalExitsPromptly runs the real binary into a statement that
// does not heed the first signal, signals it twice and wants exit 130 soon
// after the second, whatever it was doing.
func TestSecondSignalExitsPromptly(t *testing.T) {
	bin := buildScenrun(t)
	spec := writeSpec(t, slowSeedSpec)
	for _, sigs := range [][]syscall.Signal{{syscall.SIGINT, syscall.SIGINT}, {syscall.SIGTERM, syscall.SIGTERM}, {syscall.SIGINT, syscall.SIGTERM}} {
		t.Run(sigs[0].String()+" then "+sigs[1].String(), func(t *testing.T) {
			tmp := t.TempDir()
			cmd := exec.Command(bin, "-json", filepath.Join(t.TempDir(), "r.json"), "-no-progress", spec)
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			if !waitForDatabase(tmp, "stuck") {
				cmd.Process.Kill()
				<-done
				t.Fatalf("the run never started; stderr %s", stderr.String())
			}
			time.Sleep(300 * time.Millisecond) // into the seeding
			cmd.Process.Signal(sigs[0])
			time.Sleep(200 * time.Millisecond)
			cmd.Process.Signal(sigs[1])
			// A behaviour bound: stuck, it would never exit.
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("still running 5 s after the second signal; stderr %s", stderr.String())
			}
			if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
				t.Errorf("got exit %d, want %d; stderr %s", code, exitInterrupted, stderr.String())
			}
		})
	}
}

// TestKeepDBWithRepeatReportsEveryKeptDatabase: with repeat 3 and warmup 2,
// each counted trial's database is kept and named (db_paths in the JSON,
// one line each on stderr); the warm-ups' are removed, so nothing kept
// goes unreported.
func TestKeepDBWithRepeatReportsEveryKeptDatabase(t *testing.T) {
	tmp, dir := t.TempDir(), t.TempDir()
	spec, out := filepath.Join(dir, "spec.yaml"), filepath.Join(dir, "results.json")
	src := "version: 1\nname: keep\ndefaults: {files: 10, concurrency: 2, keep_db: true, repeat: 3, warmup: 2}\nruns: [{name: r}]\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-json", out, "-no-progress", "-tmpdir", tmp, spec}, &stdout, &stderr, environ{}); code != exitOK {
		t.Fatalf("got exit %d; stderr:\n%s", code, stderr.String())
	}
	var res struct {
		Runs []struct {
			DBPath  string   `json:"db_path"`
			DBPaths []string `json:"db_paths"`
		} `json:"runs"`
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	kept, _ := filepath.Glob(filepath.Join(tmp, "scenrun-r-*", "scenrun.db"))
	sort.Strings(kept)
	got := slices.Sorted(slices.Values(res.Runs[0].DBPaths))
	if len(kept) != 3 || !slices.Equal(got, kept) {
		t.Errorf("got %d databases kept %v, db_paths %v; want the 3 counted trials' kept, each named", len(kept), kept, res.Runs[0].DBPaths)
	}
	if n := len(res.Runs[0].DBPaths); n > 0 && res.Runs[0].DBPath != res.Runs[0].DBPaths[n-1] {
		t.Errorf("got db_path %q, want the last trial's %q", res.Runs[0].DBPath, res.Runs[0].DBPaths[n-1])
	}
	for _, p := range kept {
		if !strings.Contains(stderr.String(), p) {
			t.Errorf("kept %s, not named on stderr:\n%s", p, stderr.String())
		}
	}
}
