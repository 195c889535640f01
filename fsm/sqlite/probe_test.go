package sqlite

import (
	"context"
	"testing"

	"github.com/scenrun/scenrun/fsm"
)

// TestProbeLeavesNoTrace: Probe times its writes, then drops its table and
// empties the WAL, so the trial's tables and WAL figures are its own.
func TestProbeLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, fsm.Options{}, 10)
	for _, fresh := range []bool{false, true} {
		before := db.Connects()
		ds, err := db.Probe(ctx, 8, fresh)
		if err != nil {
			t.Fatal(err)
		}
		if opened := db.Connects() - before; fresh && opened < 8 || !fresh && opened > 1 {
			t.Errorf("fresh %v: %d connections opened", fresh, opened)
		}
		if len(ds) != 8 {
			t.Fatalf("got %d timings, want 8", len(ds))
		}
		for i, d := range ds {
			if d <= 0 {
				t.Errorf("probe %d took %v", i, d)
			}
		}
	}
	var n int
	if err := db.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'scenrun_probe'").Scan(&n); err != nil || n != 0 {
		t.Errorf("probe table left: %d (%v)", n, err)
	}
	if size, ok := db.WALSize(); !ok || size != 0 {
		t.Errorf("WAL after the probe: %d bytes (wal %v), want 0", size, ok)
	}
}
