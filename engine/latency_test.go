package engine

import (
	"math"
	"testing"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/scenario"
)

// draws returns n draws of l in milliseconds, one per file as a run draws
// them (the first draw of each file's first attempt), with seed.
func draws(l scenario.Latency, n int, seed int64, scale float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = ms(draw(l, fileRand(seed, i, 0), scale))
	}
	return xs
}

func stddev(xs []float64) float64 {
	var sum, sq float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	for _, x := range xs {
		sq += (x - mean) * (x - mean)
	}
	return math.Sqrt(sq / float64(len(xs)-1))
}

// near says whether got is within tol (a fraction) of want.
func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol*math.Abs(want) }

// TestDistributionShapes draws 5000 values of each distribution and checks
// its centre and spread against the parameters. The tolerances are about
// five standard errors of each estimate at n = 5000 (so a correct draw
// passes for any seed, and a wrong parameterisation — σ from the wrong
// quantile, a swapped min/max, a rate for a mean — fails).
func TestDistributionShapes(t *testing.T) {
	const n = 5000
	msd := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	type check struct {
		what      string
		got, want float64
		tol       float64
	}
	cases := []struct {
		name   string
		l      scenario.Latency
		checks func(xs []float64, s analysis.Stat) []check
	}{
		{"constant", scenario.Latency{Dist: "constant", Mean: msd(250)}, func(xs []float64, s analysis.Stat) []check {
			return []check{{"min", s.Min, 250, 0}, {"max", s.Max, 250, 0}}
		}},
		{"uniform", scenario.Latency{Dist: "uniform", Min: msd(100), Max: msd(300)}, func(xs []float64, s analysis.Stat) []check {
			return []check{
				{"mean", s.Mean, 200, 0.02},
				{"stddev", stddev(xs), 200 / math.Sqrt(12), 0.05},
				{"p50", s.P50, 200, 0.04},
				{"p99", s.P99, 298, 0.01},
			}
		}},
		{"normal", scenario.Latency{Dist: "normal", Mean: msd(500), Stddev: msd(50)}, func(xs []float64, s analysis.Stat) []check {
			return []check{
				{"mean", s.Mean, 500, 0.01},
				{"stddev", stddev(xs), 50, 0.05},
				{"p99", s.P99, 500 + 2.3263*50, 0.02},
			}
		}},
		{"lognormal", scenario.Latency{Dist: "lognormal", Median: msd(1000), P99: msd(5000)}, func(xs []float64, s analysis.Stat) []check {
			sigma := math.Log(5) / scenario.Z99
			return []check{
				{"p50", s.P50, 1000, 0.06},
				{"p99", s.P99, 5000, 0.20},
				{"mean", s.Mean, 1000 * math.Exp(sigma*sigma/2), 0.06},
			}
		}},
		{"exponential", scenario.Latency{Dist: "exponential", Mean: msd(200)}, func(xs []float64, s analysis.Stat) []check {
			return []check{
				{"mean", s.Mean, 200, 0.07},
				{"stddev", stddev(xs), 200, 0.10},
				{"p50", s.P50, 200 * math.Ln2, 0.07},
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, seed := range []int64{42, 7} {
				xs := draws(c.l, n, seed, 1)
				s := analysis.Summarize(append([]float64(nil), xs...))
				for _, ch := range c.checks(xs, s) {
					if !near(ch.got, ch.want, ch.tol) {
						t.Errorf("seed %d: %s: got %.4g ms, want %.4g ms ± %g%%", seed, ch.what, ch.got, ch.want, ch.tol*100)
					}
				}
				if s.Min < 0 {
					t.Errorf("seed %d: got a negative draw %g ms", seed, s.Min)
				}
				if c.l.Dist == "uniform" && (s.Min < 100 || s.Max > 300) {
					t.Errorf("seed %d: got draws in [%g, %g] ms, want within [100, 300]", seed, s.Min, s.Max)
				}
			}
		})
	}
}

func TestNormalDrawsBelowZeroAreZero(t *testing.T) {
	xs := draws(scenario.Latency{Dist: "normal", Mean: 10 * time.Millisecond, Stddev: 50 * time.Millisecond}, 2000, 42, 1)
	zeros := 0
	for _, x := range xs {
		if x < 0 {
			t.Fatalf("got a negative draw %g ms", x)
		}
		if x == 0 {
			zeros++
		}
	}
	// P(N(10, 50) < 0) = Φ(−0.2) ≈ 0.42.
	if zeros < 700 || zeros > 1000 {
		t.Errorf("got %d of 2000 draws at 0, want about 840", zeros)
	}
}

func TestDrawsScale(t *testing.T) {
	l := scenario.Latency{Dist: "lognormal", Median: time.Second, P99: 5 * time.Second}
	full, quick := draws(l, 100, 42, 1), draws(l, 100, 42, 1.0/40)
	for i := range full {
		if !near(quick[i], full[i]/40, 1e-6) {
			t.Fatalf("draw %d: got %g ms at 1/40, want %g", i, quick[i], full[i]/40)
		}
	}
}

// TestSeedsDecideDraws: the same seed gives the same latencies and the same
// failures, file by file; another seed gives others.
func TestSeedsDecideDraws(t *testing.T) {
	l := scenario.Latency{Dist: "exponential", Mean: 100 * time.Millisecond}
	const rate = 0.1
	// One file's attempt as trial.file draws it: upload, import, then the
	// failure draws.
	attempt := func(seed int64, i int) (time.Duration, time.Duration, bool) {
		r := fileRand(seed, i, 0)
		up, imp := draw(l, r, 1), draw(l, r, 1)
		return up, imp, r.Float64() < rate
	}
	same, fails := 0, 0
	for i := range 1000 {
		u1, i1, f1 := attempt(42, i)
		u2, i2, f2 := attempt(42, i)
		if u1 != u2 || i1 != i2 || f1 != f2 {
			t.Fatalf("file %d: seed 42 drew (%v %v %v) then (%v %v %v)", i, u1, i1, f1, u2, i2, f2)
		}
		u3, i3, _ := attempt(43, i)
		if u1 == u3 && i1 == i3 {
			same++
		}
		if f1 {
			fails++
		}
	}
	if same > 0 {
		t.Errorf("seeds 42 and 43 drew the same latencies for %d of 1000 files", same)
	}
	if fails < 60 || fails > 140 {
		t.Errorf("got %d failures of 1000 at rate %g, want about 100", fails, rate)
	}
	// Attempts of one file draw differently: a retry is a new call.
	if a, b := draw(l, fileRand(42, 5, 0), 1), draw(l, fileRand(42, 5, 1), 1); a == b {
		t.Errorf("attempts 0 and 1 of file 5 drew the same %v", a)
	}
}
