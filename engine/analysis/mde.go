package analysis

import "math"

// mde is the smallest change this gate could have detected: the smallest
// shift downwards, in percent of a's median, of b's trials that makes the
// two-sided Mann–Whitney U test of a's trials against them reach p < alpha,
// after b's trials are first centred on a's median (so that the answer
// speaks of the spread and the counts, not of the difference observed).
// It is found by bisection on the observed values, so it assumes nothing
// about their distribution; NaN when no shift could reach alpha (too few
// trials) or a's median is 0.
func mde(xa, xb []float64, alpha float64) float64 {
	if len(xa) < 2 || len(xb) < 2 || minUTestP(len(xa), len(xb)) >= alpha {
		return math.NaN()
	}
	ma := Median(xa)
	if ma == 0 || math.IsNaN(ma) {
		return math.NaN()
	}
	mb := Median(xb)
	shifted := make([]float64, len(xb))
	significant := func(pct float64) bool {
		d := pct / 100 * math.Abs(ma)
		for i, x := range xb {
			shifted[i] = x - mb + ma - d
		}
		return uTestP(xa, shifted) < alpha
	}
	// A shift past the whole span of both samples separates them
	// completely, which reaches alpha (minUTestP above).
	lo, hi := 0.0, 1.0
	for !significant(hi) {
		lo, hi = hi, hi*2
		if hi > 1e9 {
			return math.NaN()
		}
	}
	for hi-lo > 0.01*math.Max(hi, 1)/100 {
		mid := (lo + hi) / 2
		if significant(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// mdePtr is mde as an optional JSON figure.
func mdePtr(xa, xb []float64, alpha float64) *float64 {
	v := mde(xa, xb, alpha)
	if math.IsNaN(v) {
		return nil
	}
	v = math.Round(v*100) / 100
	return &v
}
