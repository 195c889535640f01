package analysis

import (
	"strings"
	"testing"
)

// TestNoSamplesNeverPasses evaluates assertions over a run whose stats
// have no samples (zeros in every field), in every shape an expression can
// reach a stat through: each must fail, saying so, whatever the value the
// zeros would give.
func TestNoSamplesNeverPasses(t *testing.T) {
	exprs := []string{
		`drop.lock_wait_ms.p95 < 1`,
		`not (drop.lock_wait_ms.p95 > 1)`,
		`not ({"x": drop}.x.lock_wait_ms.p95 > 1)`,
		`{"x": drop.lock_wait_ms}.x.p95 < 1`,
		`[drop][0].lock_wait_ms.p95 < 1`,
		`let r = drop; r.lock_wait_ms.p95 < 1`,
		`let s = {"r": drop}; s.r.lock_wait_ms.p95 < 1`,
		`(true ? drop : full).db_total_ms.p95 < 1`,
		`(true ? {"r": drop} : {"r": full}).r.lock_wait_ms.p95 < 1`,
		`any([drop], .lock_wait_ms.p95 < 1)`,
		`all([{"r": drop}], .r.lock_wait_ms.p95 < 1)`,
		`none([{"r": drop}], .r.lock_wait_ms.p95 > 1)`,
		`len(filter([{"r": drop}], .r.lock_wait_ms.p95 < 1)) == 1`,
		`map([{"r": drop}], .r.lock_wait_ms.p95)[0] < 1`,

		`let k = "p95"; {"x": drop}.x.lock_wait_ms[k] < 1`,
		`drop.lock_wait_ms["p95"] < 1`,

		`get({"x": drop}.x.lock_wait_ms, "p95") < 1`,
		`get(get({"x": drop}, "x").lock_wait_ms, "p95") < 1`,
		`{"x": drop}?.x?.lock_wait_ms?.p95 < 1`,
		`run("drop").lock_wait_ms.p95 < 1`,
		`delta_pct(full.db_total_ms.p95, {"x": drop}.x.db_total_ms.p95) < 0`,
		`sum([{"x": drop}], .x.lock_wait_ms.max) == 0`,
		`drop.segments.lock_wait_ms.p95 < 1`,
		`all(runs, .name != "drop" || .lock_wait_ms.p95 < 1)`,
		`drop.lock_wait_ms == drop.db_total_ms`,
		`string(drop.lock_wait_ms) != ""`,
		`toJSON({"x": drop}.x.lock_wait_ms) contains "p95"`,
	}
	full := *trialsRun("full", 1, 2, 3)
	drop := RunResult{Name: "drop", Trials: []Measurement{{}}}
	for _, src := range exprs {
		t.Run(src, func(t *testing.T) {
			yml := "version: 1\nname: a\nruns: [{name: full}, {name: drop}]\nassertions:\n  - name: x\n    expr: '" + strings.ReplaceAll(src, "'", "''") + "'\n"
			as, err := CompileAssertions(parse(t, yml), nil)
			if err != nil {
				t.Fatal(err)
			}
			got := as.evaluate([]RunResult{full, drop}, nil, nil)
			if got[0].Passed {
				t.Errorf("got a pass (%s), want a failure: drop has no samples", got[0].Detail)
			}
			if !strings.Contains(got[0].Detail, "no samples") || strings.Contains(got[0].Detail, "_field") {
				t.Errorf("got detail %q, want it to say no samples", got[0].Detail)
			}
		})
	}
}
