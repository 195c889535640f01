package analysis

import (
	"math"
	"testing"
)

func TestSummarizeMatchesNumpyLinear(t *testing.T) {
	// Reference values from numpy.percentile(xs, q) (method="linear").
	xs := []float64{15, 20, 35, 40, 50}
	got := Summarize(append([]float64(nil), xs...))
	want := Stat{P50: 35, P95: 48, P99: 49.6, P999: 49.96, Mean: 32, Min: 15, Max: 50, Count: 5}
	for _, f := range []struct {
		name      string
		got, want float64
	}{
		{"p50", got.P50, want.P50}, {"p95", got.P95, want.P95}, {"p99", got.P99, want.P99},
		{"p999", got.P999, want.P999}, {"mean", got.Mean, want.Mean}, {"min", got.Min, want.Min}, {"max", got.Max, want.Max},
	} {
		if math.Abs(f.got-f.want) > 1e-9 {
			t.Errorf("%s: got %v, want %v", f.name, f.got, f.want)
		}
	}
	if got.Count != 5 {
		t.Errorf("count: got %d, want 5", got.Count)
	}
}

func TestSummarizeEdgeCases(t *testing.T) {
	if got := Summarize(nil); got != (Stat{}) {
		t.Errorf("empty: got %+v, want zero Stat", got)
	}
	one := Summarize([]float64{7})
	if one.P50 != 7 || one.P999 != 7 || one.Count != 1 {
		t.Errorf("one sample: got %+v", one)
	}
	if m := Median([]float64{3, 1, 2, 10}); m != 2.5 {
		t.Errorf("median: got %v, want 2.5", m)
	}
	if m := Median(nil); !math.IsNaN(m) {
		t.Errorf("median of nothing: got %v, want NaN", m)
	}
}
