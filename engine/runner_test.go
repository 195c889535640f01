package engine

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/scenario"
)

// parse builds a spec from YAML text for a test.
func parse(t *testing.T, src string, sets ...string) *scenario.Spec {
	t.Helper()
	spec, err := scenario.Parse("test.yaml", []byte(src), sets)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return spec
}

// filesWorkload is the built-in workload, compiled for SQLite.
func filesWorkload(t testing.TB) *scenario.Compiled {
	t.Helper()
	c, err := scenario.FilesWorkload().Compile("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func runSpec(t *testing.T, spec *scenario.Spec, opts Options) (*analysis.Results, error) {
	t.Helper()
	opts.TempDir = t.TempDir()
	r, err := NewRunner(spec, opts)
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	return r.Run(context.Background())
}

// TestEveryModeLosesNothingAtConcurrency50 runs each connection mode with
// more workers than connections: every file must be indexed, every state
// change committed exactly once (the integrity check compares each file's
// version with the changes committed for it), and no conflict reported.
func TestEveryModeLosesNothingAtConcurrency50(t *testing.T) {
	for _, mode := range scenario.Connections {
		for _, txlock := range scenario.TxLocks {
			t.Run(mode+"/"+txlock, func(t *testing.T) {
				spec := parse(t, `
version: 1
name: modes
defaults: {files: 300, concurrency: 50, pool_size: 3, batch_size: 16, txlock: `+txlock+`}
runs:
  - name: r
    connection: `+mode+`
`)
				res, err := runSpec(t, spec, Options{})
				if err != nil {
					t.Fatalf("run: %v", err)
				}
				r := res.Runs[0]
				if r.Indexed != 300 || r.Failed != 0 || r.FileErrors != 0 {
					t.Errorf("got indexed %d failed %d errors %d, want 300 0 0 (%v)", r.Indexed, r.Failed, r.FileErrors, r.Errors)
				}
				if r.Transitions != 900 {
					t.Errorf("got %d transitions, want 900", r.Transitions)
				}
				if r.Integrity != "ok" || r.OCCConflicts != 0 {
					t.Errorf("got integrity %q, conflicts %d; want ok, 0", r.Integrity, r.OCCConflicts)
				}
				if r.States["indexed"] != 300 {
					t.Errorf("got states %v, want 300 indexed", r.States)
				}
				for _, seg := range scenario.Segments {
					if s, _ := r.Segments.Get(seg); s.Count != 300 {
						t.Errorf("%s: got count %d, want 300", seg, s.Count)
					}
				}
				if r.DBTotal.Min < r.LockWait.Min || r.DBTotal.Max < r.LockWait.Max {
					t.Errorf("db_total %+v is below lock_wait %+v: a write's COMMIT returns after its UPDATE", r.DBTotal, r.LockWait)
				}
				if mode == "single_writer" {
					if r.Batches == nil || r.Batches.Count == 0 || r.Batches.Max > 16 || r.Batches.Mean < 1 {
						t.Errorf("got batches %+v, want between 1 and 16 changes a transaction", r.Batches)
					}
				} else if r.Batches != nil {
					t.Errorf("got batches %+v for %s, want none", r.Batches, mode)
				}
			})
		}
	}
}

func TestErrorsAndRetriesAreSeeded(t *testing.T) {
	src := `
version: 1
name: flaky
profiles:
  flaky: {latency: 0s, error_rate: 0.2}
defaults: {files: 400, concurrency: 8, profile: flaky}
runs:
  - name: noretry
  - name: retry
    retries: 10
`
	run := func() *analysis.Results {
		res, err := runSpec(t, parse(t, src), Options{})
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		return res
	}
	a, b := run(), run()
	no, re := a.Runs[0], a.Runs[1]
	// Each attempt fails with probability 1-(0.8·0.8) = 0.36.
	if no.Failed < 100 || no.Failed > 190 || no.Indexed+no.Failed != 400 {
		t.Errorf("no retries: got %d failed, %d indexed; want about 144 failed of 400", no.Failed, no.Indexed)
	}
	if re.Indexed != 400 {
		t.Errorf("with retries: got %d indexed, want 400", re.Indexed)
	}
	if re.Transitions <= 1200 {
		t.Errorf("with retries: got %d transitions, want more than 3 a file", re.Transitions)
	}
	if b.Runs[0].Failed != no.Failed || b.Runs[1].Transitions != re.Transitions {
		t.Errorf("same seed: got failed %d/%d, transitions %d/%d; want equal", no.Failed, b.Runs[0].Failed, re.Transitions, b.Runs[1].Transitions)
	}
	other, err := runSpec(t, parse(t, src, "seed=7"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if other.Runs[0].Failed == no.Failed && other.Runs[1].Transitions == re.Transitions {
		t.Errorf("seed 7 drew the same failures as seed 42")
	}
}

func TestAssertionsReportComparedValues(t *testing.T) {
	spec := parse(t, `
version: 1
name: a
defaults: {files: 50, concurrency: 4}
runs:
  - name: one
  - name: two
    connection: shared
assertions:
  - name: impossible
    expr: two.lock_wait_ms.p95 < 0
  - name: files
    expr: all(runs, .indexed == files)
  - name: none indexed
    expr: all(runs, .indexed == 0)
`)
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Assertions
	if got[0].Passed || !regexp.MustCompile(`^two\.lock_wait_ms\.p95 < 0: [0-9.]+ < 0$`).MatchString(got[0].Detail) {
		t.Errorf("impossible: got %+v, want a failure showing both values", got[0])
	}
	if !got[1].Passed {
		t.Errorf("files: got %+v, want pass", got[1])
	}
	if got[2].Passed || !strings.Contains(got[2].Detail, `false for ["one", "two"]`) {
		t.Errorf("none indexed: got %+v, want the runs it was false for", got[2])
	}
}

func TestStatWithNoSamplesFails(t *testing.T) {
	spec := parse(t, `
version: 1
name: a
defaults: {files: 5, concurrency: 1}
runs: [{name: one}]
assertions:
  - name: negated comparison of an empty stat
    expr: not (prev.one.lock_wait_ms.p95 > 1)
`)
	// The baseline has run one, without samples (a baseline without it
	// is a spec error: TestUnknownRunsAreSpecErrors in analysis).
	res, err := runSpec(t, spec, Options{Prev: &analysis.Results{Runs: []analysis.RunResult{{Name: "one"}}}})
	if err != nil {
		t.Fatal(err)
	}
	a := res.Assertions[0]
	if a.Passed || !strings.Contains(a.Detail, "has no samples") {
		t.Errorf("got %+v, want a failure for no samples", a)
	}
}

func TestRunFilterSkipsAssertions(t *testing.T) {
	spec := parse(t, `
version: 1
name: a
defaults: {files: 5, concurrency: 1}
runs: [{name: one}, {name: two}]
assertions:
  - {name: about two, expr: two.indexed == 5}
  - {name: about one, expr: one.indexed == 5}
`)
	res, err := runSpec(t, spec, Options{Filter: regexp.MustCompile("^one$")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 1 || res.Runs[0].Name != "one" {
		t.Fatalf("got runs %v, want only one", res.Runs)
	}
	if a := res.Assertions[0]; a.Passed || !a.Skipped {
		t.Errorf("about two: got %+v, want skipped and not passed", a)
	}
	if a := res.Assertions[1]; !a.Passed {
		t.Errorf("about one: got %+v, want pass", a)
	}
}

func TestUnknownPragmaFailsTheRun(t *testing.T) {
	spec := parse(t, `
version: 1
name: a
defaults: {files: 5, concurrency: 1}
runs:
  - name: bad
    pragmas: {journal_mode: wal, synchronus: normal}
  - name: good
`)
	res, err := runSpec(t, spec, Options{})
	if !errors.Is(err, ErrRunFailed) {
		t.Fatalf("got %v, want ErrRunFailed", err)
	}
	if !strings.Contains(res.Runs[0].Error, `unknown pragma "synchronus"`) {
		t.Errorf("got error %q, want the unknown pragma named", res.Runs[0].Error)
	}
	if res.Runs[1].Indexed != 5 {
		t.Errorf("the later run: got %d indexed, want 5", res.Runs[1].Indexed)
	}
}

func TestCompileErrorsHavePositions(t *testing.T) {
	spec := parse(t, `version: 1
name: a
runs: [{name: one}]
assertions:
  - name: typo
    expr: one.lock_wiat_ms.p95 < 1
  - name: not bool
    expr: one.indexed + 1
  - name: missing run
    expr: run("zwei").indexed > 0
`)
	err := Validate(spec, nil)
	var errs scenario.Errors
	if !errors.As(err, &errs) || len(errs) != 3 {
		t.Fatalf("got %v, want three errors", err)
	}
	want := []string{
		`test.yaml:6:15: assertion "typo": a run has no field lock_wiat_ms, did you mean lock_wait_ms?`,
		`test.yaml:8:11: assertion "not bool": expected bool, but got int`,
		`test.yaml:10:15: assertion "missing run": run("zwei"): no run of that name (runs: one)`,
	}
	for i, w := range want {
		if got := errs[i].Error(); got != w {
			t.Errorf("error %d: got %q, want %q", i, got, w)
		}
	}
}

// TestNewRunnerRefusesADraft: a draft (a spec with errors, for validation)
// never runs.
func TestNewRunnerRefusesADraft(t *testing.T) {
	spec, err := scenario.ParseDraft("x.yaml", []byte("version: 1\nname: x\nruns: [{name: a, conection: shared}]\n"), nil)
	if err == nil || spec == nil {
		t.Fatalf("got %v, %v; want a draft", spec, err)
	}
	if r, err := NewRunner(spec, Options{}); r != nil || err == nil || !strings.Contains(err.Error(), "draft") {
		t.Errorf("got %v, %v; want the draft refused", r, err)
	}
}
