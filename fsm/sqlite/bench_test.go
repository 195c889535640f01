package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/scenrun/scenrun/fsm"
)

// benchDB is a database of n untracked files for a benchmark.
func benchDB(b *testing.B, n int, pragmas []fsm.Pragma) *DB {
	b.Helper()
	db, err := Open(context.Background(), fsm.Options{Path: filepath.Join(b.TempDir(), "bench.db"), Pragmas: pragmas})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Init(context.Background(), nil, n); err != nil {
		b.Fatal(err)
	}
	return db
}

// lifecycle is the three state changes of a file that gets indexed.
var lifecycle = [...]struct {
	t        fsm.Transition
	from, to fsm.State
}{{fsm.StartUpload, fsm.Untracked, fsm.Uploading}, {fsm.CompleteUpload, fsm.Uploading, fsm.Processing}, {fsm.CompleteProcessing, fsm.Processing, fsm.Indexed}}

// BenchmarkApply is one state change in its own transaction; b.N state
// changes move b.N/3 files through their lifecycle.
func BenchmarkApply(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b, b.N/3+1, walNormal)
	c, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		s := lifecycle[i%3]
		if _, _, err := c.Apply(ctx, fsm.Change{Path: fsm.Path(i / 3), Transition: s.t, From: s.from, To: s.to, Version: int64(i % 3), Arg: "x"}); err != nil {
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
	chs := make([]fsm.Change, 0, batch)
	updated := make([]time.Time, batch)
	errs := make([]error, batch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; {
		chs = chs[:0]
		for ; len(chs) < batch && i < b.N; i++ {
			chs = append(chs, fsm.Change{Path: fsm.Path(i), Transition: fsm.StartUpload, From: fsm.Untracked, To: fsm.Uploading, Arg: int64(i)})
		}
		if _, err := c.ApplyBatch(ctx, chs, updated[:len(chs)], errs[:len(chs)]); err != nil {
			b.Fatal(err)
		}
		for _, err := range errs[:len(chs)] {
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
			res, err := RawLoop(context.Background(), b.TempDir(), fsm.Options{Pragmas: walNormal}, (b.N+2)/3, mode)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(res.Elapsed.Nanoseconds())/float64(res.Transitions), "ns/transition")
		})
	}
}
