package engine

import (
	"testing"
)

// TestRepeatAuto: a run with repeat: auto stops at the first look when
// lower() finds a large difference, and takes repeat_max trials between
// identical runs. Whether the rule finds identical runs different is a coin
// with α on its side (make aa counts how often it lands); this test checks
// only that the rule judged them, at repeat_max, not what it found.
//
// The large difference is one no machine can hide: slow's only step holds
// its transaction 40 ms (a timer, inside the transaction, so in
// db_total_ms), fast's step holds nothing. slow's every item takes at least
// 40 ms, however loaded the machine; fast's p95 would need stalls past that
// in most of its trials to spoil the first look. (A CPU-bound trigger made
// the difference before: load slowed both sides, and the margin between
// fast's p95 and slow's was 2×.)
func TestRepeatAuto(t *testing.T) {
	const step = `
    schema: CREATE TABLE q (id INTEGER PRIMARY KEY, state TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0)
    table: q
    version: version
    states: [new, done]
    initial: new
    done: [done]
    steps:
      - name: take
        from: new
        to: done`
	const src = `version: 1
name: auto
workloads:
  held:` + step + `
        hold: 40ms
  quick:` + step + `
defaults: {files: 8, concurrency: 2, workload: quick, repeat: auto, repeat_max: 10}
runs:
  - name: slow
    workload: held
  - name: fast
  - name: a
    repeat_max: 6
  - name: b
    repeat_max: 6
  - name: fixed
    repeat: 3
assertions:
  - name: fast is faster
    expr: lower(slow, fast, "db_total_ms", "p95")
  - name: a and b judged
    expr: not lower(a, b, "db_total_ms", "p95")
`
	res, err := runSpec(t, parse(t, src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"slow": 6, "fast": 6, "a": 6, "b": 6, "fixed": 3}
	for _, r := range res.Runs {
		if got := len(r.Trials); got != want[r.Name] {
			t.Errorf("run %s: got %d trials, want %d", r.Name, got, want[r.Name])
		}
		if auto := r.AutoRepeat; (auto != nil) != r.RepeatAuto || auto != nil && auto.Trials != len(r.Trials) {
			t.Errorf("run %s: got auto_repeat %+v, want one with its trial count when repeat: auto", r.Name, auto)
		}
		if r.Name == "slow" && r.Hold.Min < 40 {
			t.Errorf("slow: got hold_ms %+v, want every item held at least 40 ms", r.Hold)
		}
	}
	for _, a := range res.Assertions {
		if !a.Passed && a.Name != "a and b judged" {
			t.Errorf("%s: failed: %s", a.Name, a.Detail)
		}
		for _, g := range a.Gates {
			if g.Sequential == nil || !g.Sequential.Settled {
				t.Errorf("%s: got gate %+v, want settled by the sequential rule", a.Name, g)
			}
		}
	}
}
