package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/scenario"
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

// walEvery is how often the WAL's size is sampled during a trial (SPEC §9:
// at least every 10 ms).
const walEvery = 10 * time.Millisecond

// sampleWAL reads the store's WAL size every interval until stop is called;
// stop returns the largest size seen (0 outside WAL mode). A stat of one
// file costs the workers nothing.
func sampleWAL(db fsm.Store, every time.Duration) (stop func() int64) {
	done := make(chan struct{})
	out := make(chan int64, 1)
	go func() {
		var most int64
		read := func() {
			if n, ok := db.WALSize(); ok && n > most {
				most = n
			}
		}
		read()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				read()
			case <-done:
				read()
				out <- most
				return
			}
		}
	}()
	return func() int64 {
		close(done)
		return <-out
	}
}

// startReaders starts the workload's readers, each on a connection of its
// own, each running the reader query and pausing r.Every, until stop is
// called; stop returns what they did. A reader that cannot connect counts
// one error.
func startReaders(ctx context.Context, db fsm.Store, r *scenario.Readers) (stop func() *analysis.Reads) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var mu sync.Mutex
	reads := &analysis.Reads{}
	var samples []float64
	for range r.Count {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := db.Conn(ctx)
			if err != nil {
				mu.Lock()
				reads.Errors++
				mu.Unlock()
				return
			}
			defer c.Close()
			var mine []float64
			var errs int64
			for ctx.Err() == nil {
				t0 := time.Now()
				err := c.Read(ctx)
				d := time.Since(t0)
				if ctx.Err() != nil {
					break // cut short by the end of the trial: not a query
				}
				if err != nil {
					errs++
				} else {
					mine = append(mine, ms(d))
				}
				if pause(ctx, r.Every) != nil {
					break
				}
			}
			mu.Lock()
			samples = append(samples, mine...)
			reads.Errors += errs
			mu.Unlock()
		}()
	}
	return func() *analysis.Reads {
		cancel()
		wg.Wait()
		reads.Queries = int64(len(samples)) + reads.Errors
		reads.ReadMS = analysis.Summarize(samples)
		return reads
	}
}
