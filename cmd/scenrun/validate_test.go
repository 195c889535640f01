package main

import (
	"strings"
	"testing"
)

func TestValidateWithBaseline(t *testing.T) {
	out := t.TempDir()
	base := writeSpec(t, passing)
	if code, _, stderr := scenrun(t, "-out", out, "-set", "files=5", base); code != exitOK {
		t.Fatalf("baseline run: exit %d: %s", code, stderr)
	}
	prevFile := resultFiles(t, out)[0]
	spec := writeSpec(t, passing+"  - name: no slower than before\n    expr: shared.indexed >= prev.shared.indexed\n")
	if code, _, stderr := scenrun(t, "validate", spec); code != exitUsage || !strings.Contains(stderr, "-baseline") {
		t.Errorf("without -baseline: got exit %d, stderr %q; want 2 naming -baseline", code, stderr)
	}
	if code, stdout, stderr := scenrun(t, "validate", "-baseline", prevFile, spec); code != exitOK {
		t.Errorf("with -baseline: got exit %d\n%s%s", code, stdout, stderr)
	}
	if code, _, _ := scenrun(t, "validate", "-baseline", spec, spec); code != exitUsage {
		t.Errorf("a spec as -baseline: got exit %d, want 2", code)
	}
}

// multiStage has an error of each stage: a spec field (misspelt), a
// workload's SQL, and two assertions (an unknown field, not a bool).
const multiStage = `version: 1
name: multi
defaults: {files: 10, conection: shared}
workloads:
  jobs:
    schema: CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0)
    table: jobs
    version: version
    states: [queued, done]
    initial: queued
    done: [done]
    steps:
      - {name: finish, from: queued, to: done}
    readers: {sql: "SELEC count(*) FROM jobs", every: 10ms}
runs:
  - name: baseline
  - name: shared
    workload: jobs
assertions:
  - name: typo
    expr: shared.lock_wiat_ms.p95 < baseline.lock_wait_ms.p95
  - name: not bool
    expr: shared.indexed
`

// TestEveryStageReported: SPEC §4's "every error in a file is reported":
// a spec's own errors do not hide those of its SQL and its assertions, in
// validate, run and plan alike, in file order; nothing runs.
func TestEveryStageReported(t *testing.T) {
	spec := writeSpec(t, multiStage)
	want := []string{
		spec + `:3:23: unknown field "conection" in defaults, did you mean "connection"?`,
		spec + `:14:21: workload "jobs": readers: SQLite: near "SELEC": syntax error`,
		spec + `:21:18: assertion "typo": a run has no field lock_wiat_ms, did you mean lock_wait_ms?`,
		spec + `:23:11: assertion "not bool": expected bool, but got int`,
	}
	for _, args := range [][]string{{"validate"}, {"-no-progress"}, {"plan"}} {
		code, stdout, stderr := scenrun(t, append(args, spec)...)
		if code != exitUsage || strings.TrimSpace(stderr) != strings.Join(want, "\n") {
			t.Errorf("%v: got exit %d, stderr\n%s\nwant 2 and\n%s", args, code, stderr, strings.Join(want, "\n"))
		}
		if strings.Contains(stdout, "Results") {
			t.Errorf("%v: something ran:\n%s", args, stdout)
		}
	}
}

// TestDraftChecksOnlyWhatIsSound: where the spec's errors leave the run
// names unknown (a misspelt top-level field could be the matrix), the
// assertions are not checked against them: no error about a run that may
// well exist.
func TestDraftChecksOnlyWhatIsSound(t *testing.T) {
	spec := writeSpec(t, `version: 1
name: x
matirx: {concurrency: [1, 2]}
runs:
  - name: a
assertions:
  - name: refers to a matrix run
    expr: c1_zero.indexed == a.indexed
`)
	code, _, stderr := scenrun(t, "validate", spec)
	if code != exitUsage || !strings.Contains(stderr, `unknown field "matirx"`) || strings.Contains(stderr, "c1_zero") {
		t.Errorf("got exit %d, stderr\n%s\nwant 2, the misspelt matrix and nothing on the assertion", code, stderr)
	}
}
