package analysis

import "slices"

// Throughput is how many state changes one trial committed in each interval
// of its run, for the HTML report's throughput-over-time chart. The counter
// is read every IntervalMS while the workers run; a long trial keeps at most
// maxThroughputPoints intervals by merging neighbours (and doubling the
// interval) when the series fills up, so a one-hour run stays small in the
// JSON. The last interval ends when the workers finish and may be shorter.
type Throughput struct {
	Trial       int       `json:"trial"`       // 1-based, among the counted trials
	IntervalMS  float64   `json:"interval_ms"` // the sampling interval at the end of the trial
	EndMS       []float64 `json:"end_ms"`      // each interval's end, ms since the workers started
	Transitions []int64   `json:"transitions"` // state changes committed in each interval
}

// Halve merges neighbouring intervals pairwise; an odd last one stays alone.
func (s *Throughput) Halve() {
	var ends []float64
	var counts []int64
	for i := 0; i < len(s.EndMS); i += 2 {
		j := min(i+1, len(s.EndMS)-1)
		c := s.Transitions[i]
		if j != i {
			c += s.Transitions[j]
		}
		ends = append(ends, s.EndMS[j])
		counts = append(counts, c)
	}
	s.EndMS, s.Transitions = ends, counts
	s.IntervalMS *= 2
}

// LatencyCDF is a downsampled empirical distribution of the per-file
// lock_wait_ms and db_total_ms samples of a run, pooled over its counted
// trials: for each level in Quantiles, the type-7 quantile of the samples.
// It is what the HTML report draws its CDF charts from; the summary Stats
// cannot give a curve.
type LatencyCDF struct {
	Quantiles  []float64 `json:"quantiles"`
	LockWaitMS []float64 `json:"lock_wait_ms"`
	DBTotalMS  []float64 `json:"db_total_ms"`
	Samples    int       `json:"samples"` // files over all counted trials
}

// cdfLevels are the quantile levels a LatencyCDF keeps: every percent, and
// the far tail the busy handler's sleeps show up in.
func cdfLevels() []float64 {
	ls := make([]float64, 0, 104)
	for i := 0; i <= 100; i++ {
		ls = append(ls, float64(i)/100)
	}
	ls = append(ls, 0.995, 0.999)
	slices.Sort(ls)
	return ls
}

// LatencySamples are one trial's per-file samples of the two segments a
// LatencyCDF draws, files that never started left out.
type LatencySamples struct{ LockWait, DBTotal []float64 }

// NewLatencyCDF pools the trials' samples; nil when there are none.
func NewLatencyCDF(trials []LatencySamples) *LatencyCDF {
	var lock, db []float64
	for _, t := range trials {
		lock = append(lock, t.LockWait...)
		db = append(db, t.DBTotal...)
	}
	if len(lock) == 0 {
		return nil
	}
	slices.Sort(lock)
	slices.Sort(db)
	c := &LatencyCDF{Quantiles: cdfLevels(), Samples: len(lock)}
	for _, q := range c.Quantiles {
		c.LockWaitMS = append(c.LockWaitMS, quantile(lock, q))
		c.DBTotalMS = append(c.DBTotalMS, quantile(db, q))
	}
	return c
}
