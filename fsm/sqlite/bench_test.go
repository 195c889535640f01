package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/scenrun/scenrun/fsm"
)

// benchDB is a database of n untracked files for a benchmark.
func benchDB(b *testing.B, n int, pragmas []fsm.Pragma) *DB {
	b.Helper()
	db, err := Open(context.Background(), fsm.Options{Path: filepath.Join(b.TempDir(), "bench.db"), Pragmas: pragmas, Workload: filesWorkload(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Init(context.Background(), nil, n); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkApply is one state change in its own transaction; b.N state
// changes move b.N/3 files through their lifecycle (transitions 0, 1, 2 of
// the files workload). Each file's key is made once, as the engine makes
// it, and shared by its three writes.
func BenchmarkApply(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b, b.N/3+1, walNormal)
	c, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	w := db.opts.Workload
	var wr fsm.Write
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i%3 == 0 {
			wr = write(w, 0, i/3, 0)
		} else {
			k := i % 3
			wr.Transition, wr.From, wr.To, wr.Version = k, w.Transitions[k].From, w.Transitions[k].To, int64(k)
		}
		if _, err := c.Apply(ctx, &wr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyBatch is one state change of a batch of 64 in one
// transaction (group commit).
func BenchmarkApplyBatch(b *testing.B) {
	ctx := context.Background()
	const batch = 64
	db := benchDB(b, b.N, walNormal)
	c, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	w := db.opts.Workload
	ws := make([]fsm.Write, 0, batch)
	timings := make([]fsm.Timing, batch)
	errs := make([]error, batch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; {
		ws = ws[:0]
		for ; len(ws) < batch && i < b.N; i++ {
			ws = append(ws, write(w, 0, i, 0))
		}
		if _, err := c.ApplyBatch(ctx, ws, timings[:len(ws)], errs[:len(ws)]); err != nil {
			b.Fatal(err)
		}
		for _, err := range errs[:len(ws)] {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkRawLoop is the raw limit: b.N state changes, three a file, in
// one RawLoop. ns/op also counts opening and seeding; ns/transition is the
// state changes alone, as RawLoop times them.
func BenchmarkRawLoop(b *testing.B) {
	for _, mode := range []RawMode{RawDriver, RawSQL} {
		b.Run(mode.String(), func(b *testing.B) {
			res, err := RawLoop(context.Background(), b.TempDir(), fsm.Options{Pragmas: walNormal, Workload: filesWorkload(b)}, (b.N+2)/3, mode)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(res.Elapsed.Nanoseconds())/float64(res.Transitions), "ns/transition")
		})
	}
}
