package analysis

import (
	"math"
	"reflect"
	"testing"

	"github.com/scenrun/scenrun/scenario"
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

// TestSegmentsFollowTheTable: the results model has one field a segment of
// scenario.SegmentTable, in its order, each reachable by name.
func TestSegmentsFollowTheTable(t *testing.T) {
	typ := reflect.TypeFor[Segments]()
	if got, want := typ.NumField(), len(scenario.SegmentTable); got != want {
		t.Fatalf("got %d fields in Segments, want %d (scenario.SegmentTable)", got, want)
	}
	var s Segments
	for i, seg := range scenario.SegmentTable {
		f := typ.Field(i)
		if f.Tag.Get("json") != seg.Name || f.Tag.Get("expr") != seg.Name {
			t.Errorf("field %d (%s): json %q expr %q, want %q", i, f.Name, f.Tag.Get("json"), f.Tag.Get("expr"), seg.Name)
		}
		s.Field(seg.Name).P95 = float64(i + 1)
		if got, _ := s.Get(seg.Name); got.P95 != float64(i+1) {
			t.Errorf("%s: Get after Field gave p95 %g, want %d", seg.Name, got.P95, i+1)
		}
	}
	if s.Field("lock_wiat_ms") != nil {
		t.Error("a misspelt segment has a field")
	}
}
