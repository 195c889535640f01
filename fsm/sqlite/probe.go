package sqlite

import (
	"context"
	"fmt"
	"time"
)

// Probe times n uncontended write transactions on a table of its own; see
// fsm.Store. They begin as the DB's txlock says, like every write.
func (d *DB) Probe(ctx context.Context, n int) ([]time.Duration, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	defer conn.Close()
	const table = "scenrun_probe"
	if _, err := conn.ExecContext(ctx, "CREATE TABLE "+table+" (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO "+table+" VALUES (1, 0)"); err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	defer func() {
		// Leave no trace: the table goes, and so do its frames in the WAL,
		// which would otherwise count in the trial's WAL figures and fill
		// a small disk before the seed.
		bg := context.WithoutCancel(ctx)
		conn.ExecContext(bg, "DROP TABLE "+table)
		conn.ExecContext(bg, "PRAGMA wal_checkpoint(TRUNCATE)")
	}()
	begin := beginSQL(d.opts.TxLock)
	out := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if _, err := conn.ExecContext(ctx, begin); err != nil {
			return out, fmt.Errorf("probe: %w", err)
		}
		_, err := conn.ExecContext(ctx, "UPDATE "+table+" SET n = n + 1 WHERE id = 1")
		out = append(out, time.Since(t0))
		if err == nil {
			_, err = conn.ExecContext(ctx, "COMMIT")
		}
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return out, fmt.Errorf("probe: %w", err)
		}
	}
	return out, nil
}
