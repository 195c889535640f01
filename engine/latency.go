package engine

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/scenrun/scenrun/scenario"
)

// draw returns one latency from l, scaled by scale. A normal draw below zero
// is taken as zero: a call cannot take negative time. A draw past
// scenario.MaxDuration (a long tail, a huge scale) is taken as that limit:
// converting a float past time.Duration's range would wrap it negative.
func draw(l scenario.Latency, r *rand.Rand, scale float64) time.Duration {
	var d float64 // nanoseconds
	switch l.Dist {
	case "uniform":
		d = float64(l.Min) + r.Float64()*float64(l.Max-l.Min)
	case "normal":
		d = math.Max(0, float64(l.Mean)+r.NormFloat64()*float64(l.Stddev))
	case "lognormal":
		sigma := math.Log(float64(l.P99)/float64(l.Median)) / scenario.Z99
		d = float64(l.Median) * math.Exp(sigma*r.NormFloat64())
	case "exponential":
		d = float64(l.Mean) * r.ExpFloat64()
	default: // constant
		d = float64(l.Mean)
	}
	d *= scale
	switch {
	case math.IsNaN(d) || d <= 0:
		return 0
	case d >= float64(scenario.MaxDuration):
		return scenario.MaxDuration
	}
	return time.Duration(d)
}

// fileRand is the random source of one attempt at one file: the same seed
// gives the same latencies and the same failures whatever order the workers
// take the files in.
func fileRand(seed int64, file, attempt int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), uint64(file)<<16|uint64(attempt)))
}
