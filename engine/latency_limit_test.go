package engine

import (
	"math"
	"testing"
	"time"

	"github.com/scenrun/scenrun/scenario"
)

// TestDrawSaturates: however large a latency, its scale or a draw from a
// long tail, a draw is never negative and never past scenario.MaxDuration
// (a float too large for a time.Duration wraps negative when converted).
func TestDrawSaturates(t *testing.T) {
	huge := 2_000_000 * time.Hour
	tests := []struct {
		name  string
		l     scenario.Latency
		scale float64
	}{
		{"constant 2000000h × 2", scenario.Latency{Dist: "constant", Mean: huge}, 2},
		{"constant 24h × 1e6", scenario.Latency{Dist: "constant", Mean: scenario.MaxDuration}, 1e6},
		{"uniform", scenario.Latency{Dist: "uniform", Min: huge, Max: huge}, 1e6},
		{"normal", scenario.Latency{Dist: "normal", Mean: huge, Stddev: huge}, 1e6},
		{"lognormal tail", scenario.Latency{Dist: "lognormal", Median: time.Nanosecond, P99: scenario.MaxDuration}, 1e6},
		{"exponential", scenario.Latency{Dist: "exponential", Mean: huge}, 1e6},
		{"NaN scale", scenario.Latency{Dist: "constant", Mean: time.Second}, math.NaN()},
		{"Inf scale", scenario.Latency{Dist: "constant", Mean: time.Second}, math.Inf(1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := range 1000 {
				d := draw(tc.l, fileRand(42, i, 0), tc.scale)
				if d < 0 || d > scenario.MaxDuration {
					t.Fatalf("draw %d: got %v, want 0 … %v", i, d, scenario.MaxDuration)
				}
			}
		})
	}
}
