package analysis

import (
	"strings"
	"testing"
)

func TestWarningsBeforeRunning(t *testing.T) {
	spec := parse(t, `
version: 1
name: w
defaults: {files: 10, repeat: 3}
profiles:
  flaky: {latency: 0s, error_rate: 0.1}
runs:
  - {name: one}
  - {name: two}
  - {name: three, profile: flaky}
  - {name: four, profile: flaky, retries: 2}
  - {name: solo, repeat: 1}
assertions:
  - {name: gate, expr: 'lower(one, two, "db_total_ms", "p95")'}
  - {name: again, expr: 'lower(one, two, "db_total_ms", "p95") && lower(one, two, "db_total_ms", "p95")'}
  - {name: single, expr: 'lower(one, solo, "db_total_ms", "p95")'}
  - {name: all indexed, expr: 'all(runs, .indexed == .files)'}
`)
	prev := &Results{Runs: []RunResult{{Name: "other"}}}
	as, err := CompileAssertions(spec, prev)
	if err != nil {
		t.Fatal(err)
	}
	got := as.Warnings(prev)
	want := []string{
		`lower(one, two, "db_total_ms", "p95"): 3 vs 3 trials cannot reach α=0.05 (smallest possible p=0.1): set repeat ≥ 4 on both runs, or repeat: auto`,
		`run "three": profile "flaky" fails 0.1 of its calls and the run has no retries, so some items will end failed; an assertion reads indexed`,
		`the -baseline file shares no run name with the spec (it has other): no baseline comparison will be made`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if w := as.Warnings(&Results{Runs: []RunResult{{Name: "one"}}}); len(w) != 2 {
		t.Errorf("a baseline sharing a run: got %q, want no baseline warning", w)
	}
}
