package main

import (
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
