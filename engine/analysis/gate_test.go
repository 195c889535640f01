package analysis

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/scenario"
)

// trialsRun is a run whose trials have the given db_total_ms p95 values
// (and nothing else): a synthetic sample for the statistics.
func trialsRun(name string, p95s ...float64) *RunResult {
	r := &RunResult{Name: name}
	for _, v := range p95s {
		var m Measurement
		m.DBTotal = Stat{P95: v, Count: 1}
		m.TotalWall = Stat{P95: v, Count: 1}
		r.Trials = append(r.Trials, m)
	}
	r.Measurement = Combine(r.Trials)
	r.CI95 = ci95(r.Trials)
	return r
}

// exactUTestP is the exact two-sided p-value of the Mann–Whitney U test by
// enumeration, written independently of benchmath and go-moremath: U is
// counted pair by pair (a tie counts ½) over all C(n1+n2, n1) ways of
// splitting the pooled values into groups of n1 and n2, and p doubles the
// one-sided tail on the side of the observed U (as R's wilcox.test does).
//
// With ties the permutation distribution of U is not symmetric, and the
// other common definition — the share of splits whose U is at least as far
// from n1·n2/2 as the observed one — gives a different p (0.457 instead of
// 0.416 for the "ties across and within" case below): benchmath uses the
// doubled tail, and so does this test.
func exactUTestP(x, y []float64) float64 {
	pooled := append(append([]float64{}, x...), y...)
	n1, n := len(x), len(x)+len(y)
	u := func(in []bool) float64 {
		s := 0.0
		for i := range n {
			for j := range n {
				if !in[i] || in[j] {
					continue
				}
				switch {
				case pooled[i] < pooled[j]:
					s++
				case pooled[i] == pooled[j]:
					s += 0.5
				}
			}
		}
		return s
	}
	mean := float64(n1*(n-n1)) / 2
	obs := make([]bool, n)
	for i := range n1 {
		obs[i] = true
	}
	uObs := u(obs)
	var total, below, above int
	in := make([]bool, n)
	var choose func(start, left int)
	choose = func(start, left int) {
		if left == 0 {
			total++
			v := u(in)
			if v <= uObs+1e-9 {
				below++
			}
			if v >= uObs-1e-9 {
				above++
			}
			return
		}
		for i := start; i <= n-left; i++ {
			in[i] = true
			choose(i+1, left-1)
			in[i] = false
		}
	}
	choose(0, n1)
	switch {
	case uObs < mean:
		return 2 * float64(below) / float64(total)
	case uObs > mean:
		return 2 * float64(above) / float64(total)
	}
	return 1
}

// TestUTestPValues checks the p-values lower() and the comparisons use
// (benchmath.AssumeNothing, i.e. go-moremath's exact U distribution) against
// exact enumeration, and the textbook figures: complete separation of n1
// and n2 trials has p = 2/C(n1+n2, n1) (Mann & Whitney 1947, table I; any
// table of the U distribution: P(U=0) = 1/C(n1+n2, n1)).
func TestUTestPValues(t *testing.T) {
	tests := []struct {
		name  string
		a, b  []float64
		table float64 // the published value, where there is one; 0: enumeration only
	}{
		{"3 vs 3 separated", []float64{10, 11, 12}, []float64{7, 8, 9}, 2.0 / 20},
		{"4 vs 4 separated", []float64{10, 11, 12, 13}, []float64{6, 7, 8, 9}, 2.0 / 70},
		{"5 vs 5 separated", []float64{10, 11, 12, 13, 14}, []float64{5, 6, 7, 8, 9}, 2.0 / 252},
		{"6 vs 4 separated", []float64{10, 11, 12, 13, 14, 15}, []float64{6, 7, 8, 9}, 2.0 / 210},
		{"5 vs 5 one overlap", []float64{9.5, 11, 12, 13, 14}, []float64{5, 6, 7, 8, 10}, 0},
		{"5 vs 5 interleaved", []float64{1, 3, 5, 7, 9}, []float64{2, 4, 6, 8, 10}, 0},
		{"5 vs 5 with ties", []float64{3, 4, 4, 5, 6}, []float64{1, 2, 3, 3, 4}, 0},
		{"ties across and within", []float64{2, 2, 3, 3, 3, 5}, []float64{1, 2, 2, 3, 4}, 0},
		{"identical samples", []float64{7, 7, 7, 7, 7}, []float64{7, 7, 7, 7, 7}, 1},
		{"same values, other order", []float64{1, 2, 3, 4, 5}, []float64{5, 4, 3, 2, 1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := exactUTestP(tt.a, tt.b)
			if tt.table != 0 && math.Abs(want-tt.table) > 1e-12 {
				t.Fatalf("enumeration gives %g, the table %g: the test is wrong", want, tt.table)
			}
			got, _, ok := significance(trialsRun("a", tt.a...), trialsRun("b", tt.b...), "db_total_ms", "p95", 0.05)
			if !ok {
				t.Fatal("got no test, want one")
			}
			if math.Abs(got-want) > 1e-9 {
				t.Errorf("got p = %.6g, want %.6g", got, want)
			}
			// A two-sided test does not depend on the order of its samples.
			swapped, _, _ := significance(trialsRun("b", tt.b...), trialsRun("a", tt.a...), "db_total_ms", "p95", 0.05)
			if math.Abs(swapped-want) > 1e-9 {
				t.Errorf("samples swapped: got p = %.6g, want %.6g", swapped, want)
			}
		})
	}
}

func TestMinUTestP(t *testing.T) {
	tests := []struct {
		n1, n2 int
		want   float64
	}{
		{2, 2, 2.0 / 6}, {3, 3, 0.1}, {4, 4, 2.0 / 70}, {5, 5, 2.0 / 252}, {3, 10, 2.0 / 286}, {1, 5, 2.0 / 6}, {1, 1, 1},
	}
	for _, tt := range tests {
		sep := func(n int, from float64) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = from + float64(i)
			}
			return xs
		}
		enumerated := exactUTestP(sep(tt.n1, 100), sep(tt.n2, 0))
		if got := minUTestP(tt.n1, tt.n2); math.Abs(got-tt.want) > 1e-12 || math.Abs(got-enumerated) > 1e-12 {
			t.Errorf("minUTestP(%d, %d) = %g, want %g (enumerated %g)", tt.n1, tt.n2, got, tt.want, enumerated)
		}
	}
}

func TestLower(t *testing.T) {
	gate := scenario.Gate{Alpha: 0.05, NoiseFloorPct: 1}
	tests := []struct {
		name    string
		gate    scenario.Gate
		a, b    []float64
		want    bool
		wantErr string // the failure reason, when lower cannot decide
		reason  string // part of the explanation
	}{
		{name: "5 vs 5 separated, b lower", a: []float64{20, 21, 22, 23, 24}, b: []float64{10, 11, 12, 13, 14},
			want: true, reason: "p=0.00794 < α=0.05, median change -45.5%"},
		{name: "5 vs 5 separated, b higher", a: []float64{10, 11, 12, 13, 14}, b: []float64{20, 21, 22, 23, 24},
			want: false, reason: "median change +83.3%: b is not lower"},
		{name: "3 vs 3 cannot reach α", a: []float64{20, 21, 22}, b: []float64{10, 11, 12},
			wantErr: "3 vs 3 trials cannot reach α=0.05 (smallest possible p=0.1): set repeat ≥ 4 on both runs"},
		{name: "3 vs 3 at a wider α", gate: scenario.Gate{Alpha: 0.11, NoiseFloorPct: 1}, a: []float64{20, 21, 22}, b: []float64{10, 11, 12},
			want: true, reason: "p=0.1 < α=0.11"},
		{name: "identical samples", a: []float64{7, 7, 7, 7, 7}, b: []float64{7, 7, 7, 7, 7},
			want: false, reason: "p=1 ≥ α=0.05: not significant"},
		{name: "interleaved", a: []float64{1, 3, 5, 7, 9}, b: []float64{2, 4, 6, 8, 0.5},
			want: false, reason: "not significant"},
		{name: "separated but within the noise floor", a: []float64{100.5, 100.6, 100.7, 100.8, 100.9}, b: []float64{100, 100.1, 100.2, 100.3, 100.4},
			want: false, reason: "median change -0.5% within the noise floor of 1%"},
		{name: "the same at a floor of 0.1%", gate: scenario.Gate{Alpha: 0.05, NoiseFloorPct: 0.1}, a: []float64{100.5, 100.6, 100.7, 100.8, 100.9}, b: []float64{100, 100.1, 100.2, 100.3, 100.4},
			want: true, reason: "p=0.00794 < α=0.05"},
		{name: "ties, significant", a: []float64{5, 5, 6, 6, 7, 7}, b: []float64{1, 1, 2, 2, 3, 3},
			want: true, reason: "p=0.00"},
		{name: "single trials: a plain comparison", a: []float64{20}, b: []float64{10},
			want: true, reason: "single trial: no significance test"},
		{name: "one side single", a: []float64{20, 21, 22, 23, 24}, b: []float64{30},
			want: false, reason: "single trial: no significance test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.gate
			if g.Alpha == 0 {
				g = gate
			}
			st := &evalState{gate: g}
			got, err := st.lower(trialsRun("a", tt.a...), trialsRun("b", tt.b...), "db_total_ms", "p95")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want the error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v", err)
			}
			why := strings.Join(st.reasons, "; ")
			if got != tt.want || !strings.Contains(why, tt.reason) {
				t.Errorf("got %v (%s), want %v with %q", got, why, tt.want, tt.reason)
			}
		})
	}
}

// TestLowerTooFewTrialsFailsEvenNegated checks that a lower() that cannot
// decide fails its assertion whatever the expression does with it: `not
// lower(…)` must not pass on too few trials.
func TestLowerTooFewTrialsFailsEvenNegated(t *testing.T) {
	spec := parse(t, `
version: 1
name: a
runs: [{name: one}, {name: two}]
assertions:
  - {name: lower, expr: 'lower(one, two, "db_total_ms", "p95")'}
  - {name: negated, expr: 'not lower(one, two, "db_total_ms", "p95")'}
  - {name: compared, expr: 'lower(one, two, "db_total_ms", "p95") == false'}
`)
	as, err := CompileAssertions(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	one, two := trialsRun("one", 20, 21, 22), trialsRun("two", 10, 11, 12)
	for _, a := range as.evaluate([]RunResult{*one, *two}, nil, nil) {
		if a.Passed || !strings.Contains(a.Detail, "cannot reach α=0.05") {
			t.Errorf("%s: got %+v, want a failure saying the trials cannot reach α", a.Name, a)
		}
	}
}

func TestCI95(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		want   Interval
	}{
		// With n = 5 no pair of order statistics covers the median with
		// 95% ([x(1), x(5)] only 1 − 2·2⁻⁵ = 93.75%): benchmath leaves the
		// lower end open, (−∞, x(5)], which covers it with 1 − 2⁻⁵ = 96.9%.
		{"5 trials: half open", []float64{5, 1, 4, 2, 3}, Interval{math.Inf(-1), 5}},
		{"2 trials", []float64{5, 1}, Interval{math.Inf(-1), math.Inf(1)}},
		// n = 6: [x(1), x(6)] covers the median with 1 − 2·2⁻⁶ = 96.9%.
		{"6 trials", []float64{6, 1, 5, 2, 4, 3}, Interval{1, 6}},
		// n = 10: [x(2), x(9)] with 97.9% ([x(3), x(8)] only 89.1%).
		{"10 trials", []float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5}, Interval{2, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := trialsRun("a", tt.values...)
			got, ok := r.CI95["db_total_ms"]["p95"]
			if !ok || got != tt.want {
				t.Errorf("got %v (%v), want %v", got, ok, tt.want)
			}
		})
	}
	if r := trialsRun("a", 3); r.CI95 != nil {
		t.Errorf("one trial: got %v, want no intervals", r.CI95)
	}
}

func TestIntervalJSON(t *testing.T) {
	for _, in := range []Interval{{1.5, 2.5}, {math.Inf(-1), math.Inf(1)}} {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var got Interval
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got != in {
			t.Errorf("%v: got %v back from %s", in, got, b)
		}
	}
	b, _ := json.Marshal(Interval{math.Inf(-1), math.Inf(1)})
	if got, want := string(b), `{"lo":null,"hi":null}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
