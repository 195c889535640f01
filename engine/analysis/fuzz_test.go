package analysis

import (
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/scenrun/scenrun/scenario"
)

// fuzzSeeds are assertion expressions the compile fuzzer starts from: every
// kind of error of the bad-spec corpus and every kind of valid assertion.
var fuzzSeeds = []string{
	`all(runs, .indexed == .files)`,
	`all(runs, .integrity == "ok")`,
	`b.lock_wait_ms.p95 < a.lock_wait_ms.p95`,
	`lower(a, b, "lock_wait_ms", "p95")`,
	`delta_pct(a.db_total_ms.p95, b.db_total_ms.p95) < -10`,
	`run("per-file").indexed == files`,
	`prev.a.indexed <= a.indexed`,
	`a.config.connection == "per_file" && b.concurrency == 2`,
	`len(a.trials) == 1 and a.states["indexed"] == 5`,
	`a.batches == nil || a.batches.max <= 64`,
	`any(runs, .lock_wait_ms.p999 > .lock_wait_ms.p50)`,
	`(a.indexed == a.files`,
	`a.indexed === a.files`,
	`run("a).indexed > 0`,
	`a.indexed ≠ a.files`,
	`a.profile > 3`,
	`a.indexd == a.files`,
	`b.lock_wait_ms.p96 < 1`,
	`all(runs, .indexed)`,
	`run("nosuch").indexed > 0`,
	`lower(a, b, "lock_wait", "p90")`,
	`lower(a, b)`,
	`run(a.name).indexed > 0`,
	`a.indexed ? a.files : b`,
	"a.indexed == 5 &&\n  b.lock_wiat_ms.p95 < 1",
	`let x = a.indexed; x == 5`,
	`a.lock_wait_ms`,
	`1 / 0 > 0`,
	`runs[9].indexed > 0`,
}

// fuzzSpec is the spec every fuzzed assertion is compiled in.
func fuzzSpec(expr string) ([]byte, error) {
	return yaml.Marshal(map[string]any{
		"version":  1,
		"name":     "fuzz",
		"defaults": map[string]any{"files": 5, "concurrency": 2},
		"runs": []map[string]any{
			{"name": "a"}, {"name": "b", "connection": "shared", "repeat": 2}, {"name": "per-file"},
		},
		"assertions": []map[string]any{{"name": "fuzzed", "expr": expr}},
	})
}

// fuzzResults are measured-looking results for the runs of fuzzSpec, one
// with no samples, so that evaluation goes down its error paths too.
func fuzzResults() []RunResult {
	st := func(v float64) Stat {
		return Stat{P50: v, P95: v * 2, P99: v * 3, P999: v * 4, Mean: v, Min: v / 2, Max: v * 5, Count: 5}
	}
	m := func(v float64) Measurement {
		return Measurement{Indexed: 5, Segments: Segments{LockWait: st(v), DBTotal: st(v + 1), FSMDispatch: st(0.01), MockAPI: st(0), TotalWall: st(v + 2), FSMNet: st(v + 2)},
			Integrity: "ok", States: map[string]int{"indexed": 5}}
	}
	return []RunResult{
		{Name: "a", RunConfig: RunConfig{Files: 5, Concurrency: 2}, Measurement: m(3), Trials: []Measurement{m(3)}},
		{Name: "b", RunConfig: RunConfig{Files: 5, Concurrency: 2, Repeat: 2}, Measurement: m(1), Trials: []Measurement{m(1), m(1.5)}},
		{Name: "per-file", RunConfig: RunConfig{Files: 5}, Error: "run failed"},
	}
}

// FuzzCompile compiles and evaluates arbitrary assertion expressions: no
// input may panic, every compile error is a positioned scenario.Error
// inside the spec file, and whatever compiles evaluates to a verdict.
func FuzzCompile(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, false)
	}
	f.Add(`prev.a.indexed <= a.indexed`, true)
	f.Fuzz(func(t *testing.T, expr string, withPrev bool) {
		src, err := fuzzSpec(expr)
		if err != nil {
			t.Skip()
		}
		spec, err := scenario.Parse("fuzz.yaml", src, nil)
		if err != nil {
			return // not an assertion problem: the spec decoder's fuzzer covers it
		}
		lines := strings.Count(string(src), "\n") + 1
		var prevRes *Results
		if withPrev {
			prevRes = &Results{Runs: fuzzResults()[:1]}
		}
		as, err := CompileAssertions(spec, prevRes)
		if err != nil {
			var errs scenario.Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("got error %T %v, want scenario.Errors", err, err)
			}
			for _, e := range errs {
				if e.File != "fuzz.yaml" || e.Pos.Line < 1 || e.Pos.Line > lines || e.Pos.Col < 1 || e.Msg == "" {
					t.Fatalf("got %q at %+v, want a message at a position inside the %d-line spec", e.Msg, e.Pos, lines)
				}
			}
			return
		}
		if len(as.list) != 1 {
			t.Fatalf("got %d compiled assertions, want 1", len(as.list))
		}
		var prev map[string]RunResult
		if withPrev {
			prev = map[string]RunResult{"a": fuzzResults()[0]}
		}
		for _, results := range [][]RunResult{fuzzResults(), nil} {
			got := as.evaluate(results, map[string]bool{}, prev)
			if len(got) != 1 || got[0].Expr != expr {
				t.Fatalf("got verdicts %+v, want one for %q", got, expr)
			}
			if results == nil && got[0].Passed && len(as.list[0].names) > 0 {
				t.Fatalf("got a pass for %q with no results for %v, want a failure", expr, as.list[0].names)
			}
		}
	})
}
