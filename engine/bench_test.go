package engine

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/scenario"
)

func BenchmarkSummarize(b *testing.B) {
	for _, n := range []int{818, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			src := make([]float64, n)
			for i := range src {
				src[i] = r.ExpFloat64()
			}
			xs := make([]float64, n)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				copy(xs, src)
				analysis.Summarize(xs)
			}
		})
	}
}

func BenchmarkDraw(b *testing.B) {
	for _, l := range []scenario.Latency{
		{Dist: "constant", Mean: time.Second},
		{Dist: "lognormal", Median: time.Second, P99: 5 * time.Second},
	} {
		b.Run(l.Dist, func(b *testing.B) {
			b.ReportAllocs()
			var sum time.Duration
			for i := range b.N {
				sum += draw(l, fileRand(42, i, 0), 1)
			}
			if sum < 0 {
				b.Fatal(sum)
			}
		})
	}
}

// BenchmarkTrial is one whole zero-latency trial of 818 files (open, seed,
// the state changes, close, integrity check, statistics) per connection
// mode; transitions/s is over the state changes alone, as a run reports it.
func BenchmarkTrial(b *testing.B) {
	for _, tc := range []struct {
		mode string
		c    int
	}{{"per_file", 10}, {"per_worker", 10}, {"shared", 10}, {"pool", 10}, {"single_writer", 50}} {
		b.Run(tc.mode, func(b *testing.B) {
			cfg := scenario.DefaultConfig()
			cfg.Connection, cfg.Concurrency = tc.mode, tc.c
			run := scenario.Run{Name: "bench", Config: cfg}
			zero := scenario.Profile{Name: "zero", Upload: scenario.Latency{Dist: "constant"}, Import: scenario.Latency{Dist: "constant"}}
			// A cancellable context, as scenrun's (SIGINT) is.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var tps float64
			b.ReportAllocs()
			for range b.N {
				out := runTrial(ctx, run, zero, scenario.FilesWorkload(), 1, b.TempDir(), nil, nil)
				if out.err != nil {
					b.Fatal(out.err)
				}
				tps += out.m.TransitionsPerSecond
			}
			b.ReportMetric(tps/float64(b.N), "transitions/s")
		})
	}
}
