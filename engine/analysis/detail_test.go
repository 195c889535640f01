package analysis

import "testing"

// TestDetailOfFailingQuantifier checks that a failed all/any/none/one over
// the runs shows, for each run that made it fail, the values its predicate
// compared, and that a passing one keeps its detail.
func TestDetailOfFailingQuantifier(t *testing.T) {
	runs := func(indexed ...int) []RunResult {
		names := []string{"baseline", "pool3", "shared"}
		var rs []RunResult
		for i, n := range indexed {
			r := RunResult{Name: names[i]}
			r.Files, r.Indexed, r.Integrity = 818, n, "ok"
			rs = append(rs, r)
		}
		return rs
	}
	tests := []struct {
		name, expr string
		runs       []RunResult
		passed     bool
		want       string
	}{
		{"all fails", "all(runs, .indexed == .files)", runs(812, 815, 818), false,
			`.indexed == .files false for ["baseline", "pool3"]: baseline: 812 == 818; pool3: 815 == 818`},
		{"all fails, two comparisons", `all(runs, .indexed == .files && .integrity == "ok")`, runs(812, 818, 818), false,
			`.indexed == .files && .integrity == "ok" false for ["baseline"]: baseline: 812 == 818, "ok" == "ok"`},
		{"all fails, a constant", "all(runs, .indexed >= 815)", runs(812, 815, 818), false,
			`.indexed >= 815 false for ["baseline"]: baseline: 812 >= 815`},
		{"any fails", "any(runs, .indexed > 818)", runs(812, 818), false,
			`.indexed > 818 false for ["baseline", "pool3"]: baseline: 812 > 818; pool3: 818 > 818`},
		{"none fails", "none(runs, .indexed < .files)", runs(812, 818, 815), false,
			`.indexed < .files true for ["baseline", "shared"]: baseline: 812 < 818; shared: 815 < 818`},
		{"one fails, none true", "one(runs, .indexed == 0)", runs(812, 818), false,
			`.indexed == 0 false for ["baseline", "pool3"]: baseline: 812 == 0; pool3: 818 == 0`},
		{"one fails, two true", "one(runs, .indexed == .files)", runs(818, 812, 818), false,
			`.indexed == .files true for ["baseline", "shared"]: baseline: 818 == 818; shared: 818 == 818`},
		{"all passes", "all(runs, .indexed == .files)", runs(818, 818), true, ""},
		{"any passes: as before, the runs it is false for", "any(runs, .indexed == .files)", runs(812, 818), true,
			`.indexed == .files false for ["baseline"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := parse(t, `
version: 1
name: a
runs: [{name: baseline}, {name: pool3}, {name: shared}]
assertions:
  - {name: x, expr: '`+tt.expr+`'}
`)
			as, err := CompileAssertions(spec, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := as.evaluate(tt.runs, nil, nil)[0]
			if got.Passed != tt.passed || got.Detail != tt.want {
				t.Errorf("got passed %v, detail\n%q\nwant passed %v, detail\n%q", got.Passed, got.Detail, tt.passed, tt.want)
			}
		})
	}
}
