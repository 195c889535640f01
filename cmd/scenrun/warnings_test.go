package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestWarningsBeforeRunning: validate, plan and a run say, once each and
// before anything runs, what would only show after running: a lower()
// whose trials cannot reach α, an unknown pragma.
func TestWarningsBeforeRunning(t *testing.T) {
	spec := writeSpec(t, `version: 1
name: warned
defaults: {files: 5, concurrency: 1, repeat: 3}
runs:
  - {name: one}
  - {name: two, pragmas: {no_such_pragma: 1}}
assertions:
  - {name: gate, expr: 'lower(one, two, "db_total_ms", "p95")'}
  - {name: gate again, expr: 'lower(one, two, "db_total_ms", "p95")'}
`)
	const gate = `warning: lower(one, two, "db_total_ms", "p95"): 3 vs 3 trials cannot reach α=0.05`
	const pragma = `warning: pragma "no_such_pragma": SQLite`
	for _, args := range [][]string{{"validate", spec}, {"plan", spec}, {"-no-progress", "-out", t.TempDir(), spec}} {
		t.Run(args[0], func(t *testing.T) {
			_, _, stderr := scenrun(t, args...)
			for _, want := range []string{gate, pragma} {
				if n := strings.Count(stderr, want); n != 1 {
					t.Errorf("got %q %d times in stderr, want once:\n%s", want, n, stderr)
				}
			}
		})
	}
}

// TestWarningsPragmaValue: a pragma value SQLite ignores (it reads back
// otherwise) fails its run when it starts; validate, plan and the run say
// so before anything runs, once for the runs sharing the pragmas, and say
// nothing of values SQLite takes in another spelling (synchronous: NORMAL
// reads back 1).
func TestWarningsPragmaValue(t *testing.T) {
	spec := writeSpec(t, `version: 1
name: warned
defaults: {files: 5, concurrency: 1}
runs:
  - {name: fine, pragmas: {synchronous: NORMAL, busy_timeout: 100}}
  - {name: wall, pragmas: {journal_mode: wall}}
  - {name: also, pragmas: {journal_mode: wall}}
`)
	const want = `warning: pragma journal_mode: asked for "wall", SQLite reports "delete" (SQLite ignores a value it does not take), so runs "wall", "also" fail when they start (exit 3)`
	for _, args := range [][]string{{"validate", spec}, {"plan", spec}, {"-no-progress", "-out", t.TempDir(), spec}} {
		t.Run(args[0], func(t *testing.T) {
			_, _, stderr := scenrun(t, args...)
			if n := strings.Count(stderr, want); n != 1 || strings.Count(stderr, "warning:") != 1 {
				t.Errorf("got stderr\n%s\nwant once, and no other warning:\n%s", stderr, want)
			}
		})
	}
}

// TestWarningsPragmaValueUseTmpdir: the scratch database goes under the
// run's -tmpdir, so an unusable $TMPDIR does not stop the check.
func TestWarningsPragmaValueUseTmpdir(t *testing.T) {
	spec := writeSpec(t, "version: 1\nname: w\ndefaults: {files: 5, concurrency: 1}\nruns:\n  - {name: wall, pragmas: {journal_mode: wall}}\n")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", filepath.Join(tmp, "missing"))
	_, _, stderr := scenrun(t, "plan", "-tmpdir", tmp, spec)
	if !strings.Contains(stderr, `asked for "wall", SQLite reports "delete"`) || strings.Contains(stderr, "could not check") {
		t.Errorf("got stderr\n%s\nwant the pragma's warning", stderr)
	}
}
