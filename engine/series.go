package engine

import (
	"sync/atomic"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
)

// throughputEvery is the first sampling interval; maxThroughputPoints the most
// intervals a series keeps.
const (
	throughputEvery     = 50 * time.Millisecond
	maxThroughputPoints = 240
)

// sampleThroughput reads counter every interval from start until stop is
// called; stop returns the series. Reading an atomic counter costs the
// workers nothing.
func sampleThroughput(counter *atomic.Int64, start time.Time, every time.Duration) (stop func() analysis.Throughput) {
	done := make(chan struct{})
	out := make(chan analysis.Throughput, 1)
	go func() {
		s := analysis.Throughput{IntervalMS: ms(every)}
		var last int64
		// The time is read with the counter: a tick's own timestamp can be
		// older than the previous reading when the sampler runs late.
		record := func() {
			now := time.Now()
			n := counter.Load()
			s.EndMS = append(s.EndMS, ms(now.Sub(start)))
			s.Transitions = append(s.Transitions, n-last)
			last = n
		}
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				record()
				if len(s.EndMS) >= maxThroughputPoints {
					s.Halve()
					every *= 2
					tick.Reset(every)
				}
			case <-done:
				record()
				out <- s
				return
			}
		}
	}()
	return func() analysis.Throughput {
		close(done)
		return <-out
	}
}

// samples copies the trial's lock-wait and db-total samples of the files
// that started.
func (t *trial) samples() analysis.LatencySamples {
	var s analysis.LatencySamples
	for i := range t.total {
		if t.started(i) {
			s.LockWait = append(s.LockWait, t.lockWait[i])
			s.DBTotal = append(s.DBTotal, t.dbTotal[i])
		}
	}
	return s
}
