package engine

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
)

// TestSampleThroughputKeepsEveryTransition drives the sampler against a
// counter that a goroutine increments, with a tiny interval so the series
// fills and is halved: every transition must be in exactly one interval.
func TestSampleThroughputKeepsEveryTransition(t *testing.T) {
	var n atomic.Int64
	stop := sampleThroughput(&n, time.Now(), 50*time.Microsecond)
	deadline := time.Now().Add(100 * time.Millisecond)
	for time.Now().Before(deadline) {
		n.Add(1)
		time.Sleep(10 * time.Microsecond)
	}
	s := stop()
	var sum int64
	for _, c := range s.Transitions {
		sum += c
	}
	if sum != n.Load() {
		t.Errorf("got %d transitions in the series, want %d", sum, n.Load())
	}
	if len(s.EndMS) > maxThroughputPoints {
		t.Errorf("got %d intervals, want at most %d", len(s.EndMS), maxThroughputPoints)
	}
	for i := 1; i < len(s.EndMS); i++ {
		if s.EndMS[i] < s.EndMS[i-1] {
			t.Fatalf("interval ends decrease at %d", i)
		}
	}
}

func TestThroughputHalve(t *testing.T) {
	s := analysis.Throughput{IntervalMS: 100, EndMS: []float64{100, 200, 300, 400, 450}, Transitions: []int64{1, 2, 3, 4, 5}}
	s.Halve()
	want := analysis.Throughput{IntervalMS: 200, EndMS: []float64{200, 400, 450}, Transitions: []int64{3, 7, 5}}
	if s.IntervalMS != want.IntervalMS || !equalF(s.EndMS, want.EndMS) || !equalI(s.Transitions, want.Transitions) {
		t.Errorf("got %+v, want %+v", s, want)
	}
}

func equalF(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalI(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
