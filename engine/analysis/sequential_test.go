package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSeqPlan(t *testing.T) {
	tests := []struct {
		max   int
		alpha float64
		looks []int
		share float64
	}{
		{20, 0.05, []int{6, 8, 10, 12, 14, 16, 18, 20}, 0.05 / 8},
		{12, 0.05, []int{6, 8, 10, 12}, 0.05 / 4},
		{7, 0.05, []int{4, 6, 7}, 0.05 / 3}, // 4 vs 4 reaches 0.029 > 0.0167: starts at 6
		{5, 0.05, []int{4, 5}, 0.025},
		{4, 0.05, []int{4}, 0.05},
	}
	for _, tt := range tests {
		got := newSeqPlan(tt.max, tt.alpha)
		want := tt.looks
		if tt.max == 7 {
			want = []int{6, 7}
			tt.share = 0.025
		}
		if tt.max == 5 {
			want, tt.share = []int{5}, 0.05 // 4 vs 4 cannot reach 0.025
		}
		if !slices.Equal(got.Looks, want) || math.Abs(got.Alpha-tt.share) > 1e-12 {
			t.Errorf("newSeqPlan(%d, %g) = %v at %g, want %v at %g", tt.max, tt.alpha, got.Looks, got.Alpha, want, tt.share)
		}
		if sum := got.Alpha * float64(len(got.Looks)); sum > tt.alpha+1e-12 {
			t.Errorf("newSeqPlan(%d): spends %g, more than α=%g", tt.max, sum, tt.alpha)
		}
	}
}

// draws are n values of a lognormal around median m, from r.
func draws(r *rand.Rand, n int, m float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = m * math.Exp(0.3*r.NormFloat64())
	}
	return xs
}

func TestJudgeSequential(t *testing.T) {
	plan := newSeqPlan(20, 0.05)
	close := func() ([]float64, []float64) { // b 5% lower, spread 30%: no test of 20 finds it
		r := rand.New(rand.NewPCG(7, 7))
		return draws(r, 20, 100), draws(r, 20, 95)
	}
	t.Run("settles early on a clear difference", func(t *testing.T) {
		a := []float64{101, 99, 104, 98, 100, 103, 102, 97}
		b := []float64{51, 50, 53, 49, 52, 48, 50, 51}
		got := judgeSequential(a, b, plan, 1)
		if !got.Settled || !got.Lower || got.Look != 1 || got.NA != 6 || got.NB != 6 {
			t.Errorf("got %+v, want settled lower at look 1 (6 vs 6)", got)
		}
	})
	t.Run("continues on a close one", func(t *testing.T) {
		a, b := close()
		got := judgeSequential(a[:9], b[:9], plan, 1)
		if got.Settled || got.Look != 2 {
			t.Errorf("got %+v, want unsettled after look 2 (8 trials)", got)
		}
	})
	t.Run("stops at repeat_max", func(t *testing.T) {
		a := []float64{10, 12, 14, 16, 18, 20, 15, 17}
		b := []float64{5, 7, 9, 11, 13, 19, 12, 21}
		small := newSeqPlan(8, 0.05) // looks at 6 and 8
		got := judgeSequential(a, b, small, 1)
		if !got.Settled || got.Lower || got.Look != 2 || got.NA != 8 || got.Why != "not significant at repeat_max" {
			t.Errorf("got %+v, want settled, not lower, at the last look (8 trials)", got)
		}
		// With 20 at most, it goes on until no remaining trials could
		// reach the look's α: here at 18, never at a look where they could.
		a, b = close()
		got = judgeSequential(a, b, plan, 1)
		if !got.Settled || got.Lower || got.NA < 18 {
			t.Errorf("got %+v, want settled, not lower, at 18 trials or more", got)
		}
	})
	t.Run("significant the other way", func(t *testing.T) {
		a := []float64{51, 50, 53, 49, 52, 48}
		b := []float64{101, 99, 104, 98, 100, 103}
		got := judgeSequential(a, b, plan, 1)
		if !got.Settled || got.Lower || got.Look != 1 {
			t.Errorf("got %+v, want settled, not lower, at look 1", got)
		}
	})
	t.Run("within the noise floor", func(t *testing.T) {
		a := []float64{100, 100.1, 100.2, 100.3, 100.4, 100.5}
		b := []float64{99.5, 99.6, 99.7, 99.8, 99.9, 99.95}
		got := judgeSequential(a, b, plan, 1)
		if !got.Settled || got.Lower {
			t.Errorf("got %+v, want settled, not lower (a 0.5%% change under a 1%% floor)", got)
		}
	})
	t.Run("futile", func(t *testing.T) {
		// Of a plan with looks at 6 and 8 (α/2 each), b above a in most
		// pairs at 6: two more trials a side, all in b's favour, still
		// cannot reach 0.025.
		small := newSeqPlan(8, 0.05)
		a := []float64{10, 11, 12, 20, 21, 22}
		b := []float64{13, 14, 15, 23, 24, 25}
		if !futile(a, b, small.Looks[1:], small.Alpha) {
			t.Fatalf("futile(%v, %v) = false, want true", a, b)
		}
		got := judgeSequential(a, b, small, 1)
		if !got.Settled || got.Lower || got.Look != 1 {
			t.Errorf("got %+v, want settled as futile at look 1", got)
		}
		if futile(b, a, small.Looks[1:], small.Alpha) {
			t.Errorf("futile in lower()'s own direction, want not")
		}
	})
}

// TestSequentialAlpha simulates the rule on identical runs: however many
// looks it takes, it must claim a difference no more often than α (both
// directions; lower()'s one direction α/2). Deterministic: a seeded source.
func TestSequentialAlpha(t *testing.T) {
	const (
		seqs  = 2000
		alpha = 0.05
		max   = 12
	)
	r := rand.New(rand.NewPCG(1, 2))
	plan := newSeqPlan(max, alpha)
	lower, anySig, naive := 0, 0, 0
	trials := 0
	for range seqs {
		a, b := draws(r, max, 100), draws(r, max, 100)
		got := judgeSequential(a, b, plan, 0)
		trials += got.NA
		if got.Lower {
			lower++
		}
		if got.Settled && got.P < plan.Alpha {
			anySig++
		}
		// The rule it replaces, looking at the same counts at the whole α:
		// each look is another chance to be fooled.
		for _, n := range plan.Looks {
			if uTestP(a[:n], b[:n]) < alpha {
				naive++
				break
			}
		}
	}
	rate, lowerRate, naiveRate := float64(anySig)/seqs, float64(lower)/seqs, float64(naive)/seqs
	t.Logf("%d A/A sequences, looks %v at %.4g: significant %.4f, lower %.4f, mean trials %.1f; naive α at every look: %.4f",
		seqs, plan.Looks, plan.Alpha, rate, lowerRate, float64(trials)/seqs, naiveRate)
	if rate > alpha+0.01 {
		t.Errorf("false-positive rate %.4f, want ≤ α=%g (+0.01)", rate, alpha)
	}
	if lowerRate > alpha/2+0.01 {
		t.Errorf("lower() false-positive rate %.4f, want ≤ α/2=%g (+0.01)", lowerRate, alpha/2)
	}
	if naiveRate <= alpha {
		t.Errorf("naive rate %.4f, want above α: the simulation would not catch an uncorrected rule", naiveRate)
	}
}

func TestMDE(t *testing.T) {
	a := []float64{100, 102, 98, 101, 99, 103, 97, 100, 104, 96}
	b := []float64{90, 92, 88, 91, 89, 93, 87, 90, 94, 86}
	got := mde(a, b, 0.05)
	if math.IsNaN(got) || got <= 0 || got > 10 {
		t.Fatalf("mde = %g, want a few percent", got)
	}
	// At the shift found the test is significant; a little less is not.
	shift := func(pct float64) []float64 {
		out := make([]float64, len(b))
		for i, x := range b {
			out[i] = x - Median(b) + Median(a) - pct/100*Median(a)
		}
		return out
	}
	if p := uTestP(a, shift(got)); p >= 0.05 {
		t.Errorf("p at the mde %g%% = %g, want < 0.05", got, p)
	}
	if p := uTestP(a, shift(got*0.98)); p < 0.05 {
		t.Errorf("p at 98%% of the mde = %g, want ≥ 0.05", p)
	}
	// More trials with the same spread detect less; a stricter α needs more.
	if g := mde(a[:4], b[:4], 0.05); !(g > got) {
		t.Errorf("mde of 4 vs 4 = %g, want more than 10 vs 10's %g", g, got)
	}
	if g := mde(a, b, 0.001); !(g > got) {
		t.Errorf("mde at α=0.001 = %g, want more than at 0.05 (%g)", g, got)
	}
	if g := mde(a[:3], b[:3], 0.05); !math.IsNaN(g) {
		t.Errorf("mde of 3 vs 3 = %g, want NaN (cannot reach α)", g)
	}
}

func TestOutliers(t *testing.T) {
	p95 := []float64{21, 22, 19, 3600, 20, 23}
	trials := make([]Measurement, len(p95))
	for i, v := range p95 {
		trials[i].DBTotal = Stat{P50: 10, P95: v, Count: 100}
	}
	got := outliers(trials)
	want := []Outlier{{Trial: 4, Segment: "db_total_ms", Stat: "p95", Value: 3600, Fence: 22.75 + 3*2.5}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if trials[3].DBTotal.P95 != 3600 || Combine(trials).DBTotal.P95 != 21.5 {
		t.Errorf("figures changed: got trial 4 %g, combined %g; want 3600, 21.5", trials[3].DBTotal.P95, Combine(trials).DBTotal.P95)
	}
	if got := outliers(trials[:4]); got != nil {
		t.Errorf("4 trials: got %+v, want none (too few)", got)
	}
	low := slices.Clone(trials)
	low[3].DBTotal.P95 = 0.5
	if got := outliers(low); len(got) != 1 || got[0].Value != 0.5 || got[0].Fence != 19.25-3*2.5 {
		t.Errorf("low: got %+v, want trial 4 below the lower fence", got)
	}
	note := outlierNote(outliers(trials))
	if want := "trial 4: db_total_ms p95 3600.0 > fence 30.25"; !contains(note, want) {
		t.Errorf("note %q, want it to contain %q", note, want)
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub))
}
