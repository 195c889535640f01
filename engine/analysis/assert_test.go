package analysis

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
)

// TestEvaluateConcurrently evaluates one compiled *Assertions from several
// goroutines at once, each over its own results: every evaluation must get
// the verdicts and details it gets alone, so that run() and lower() read
// and write the state of their own evaluation. Run it with -race.
func TestEvaluateConcurrently(t *testing.T) {
	spec := parse(t, `
version: 1
name: a
runs: [{name: one}, {name: two}]
assertions:
  - {name: direct, expr: 'two.db_total_ms.p95 < one.db_total_ms.p95'}
  - {name: by name, expr: 'run("two").db_total_ms.p95 < 15'}
  - {name: lower, expr: 'lower(one, two, "db_total_ms", "p95")'}
  - {name: all, expr: 'all(runs, .db_total_ms.p95 < 15)'}
`)
	as, err := CompileAssertions(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Evaluation i has two's values at 10+i: below one's 20 and 15 for
	// small i, above them for large, with details that differ in every
	// evaluation.
	const n = 16
	results := func(i int) []RunResult {
		b := float64(10 + 2*i)
		return []RunResult{*trialsRun("one", 20, 21, 22, 23, 24), *trialsRun("two", b, b+1, b+2, b+3, b+4)}
	}
	want := make([][]AssertionResult, n)
	for i := range n {
		want[i] = as.evaluate(results(i), nil, nil)
	}
	if reflect.DeepEqual(want[0], want[n-1]) {
		t.Fatalf("evaluations 0 and %d agree (%+v): the test needs them to differ", n-1, want[0])
	}
	got := make([][]AssertionResult, n)
	var wg sync.WaitGroup
	for range 10 {
		for i := range n {
			wg.Go(func() { got[i] = as.evaluate(results(i), nil, nil) })
		}
		wg.Wait()
		for i := range n {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("evaluation %d: got %s, want %s", i, verdicts(got[i]), verdicts(want[i]))
			}
		}
	}
}

func verdicts(rs []AssertionResult) string {
	var s string
	for _, r := range rs {
		s += fmt.Sprintf("\n\t%s: passed %v, %s", r.Name, r.Passed, r.Detail)
	}
	return s
}

// TestDetailShowsOptionalFigures: a figure that may be absent is a pointer
// in the results (wal_size_max_bytes); a detail shows its value, or null,
// never an address.
func TestDetailShowsOptionalFigures(t *testing.T) {
	n := int64(8256544)
	for _, tt := range []struct {
		v    any
		want string
	}{{&n, "8256544"}, {(*int64)(nil), "null"}, {n, "8256544"}} {
		if got := formatValue(tt.v); got != tt.want {
			t.Errorf("formatValue(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
