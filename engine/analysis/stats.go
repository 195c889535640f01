package analysis

import (
	"math"
	"slices"
)

// Summarize computes a Stat over xs, sorting xs in place. Percentiles are
// Hyndman–Fan type 7 (numpy's and k6's default): the value at rank
// h = (n−1)·p, interpolated linearly between its neighbours.
func Summarize(xs []float64) Stat {
	n := len(xs)
	if n == 0 {
		return Stat{}
	}
	slices.Sort(xs)
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return Stat{
		P50:   quantile(xs, 0.50),
		P95:   quantile(xs, 0.95),
		P99:   quantile(xs, 0.99),
		P999:  quantile(xs, 0.999),
		Mean:  sum / float64(n),
		Min:   xs[0],
		Max:   xs[n-1],
		Count: n,
	}
}

// quantile is the type-7 quantile p of sorted, non-empty xs.
func quantile(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// Median is the type-7 median of xs (a copy is sorted); NaN when empty.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return quantile(s, 0.5)
}
