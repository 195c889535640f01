package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Probe times n uncontended write transactions on a table of its own; see
// fsm.Store. They begin as the DB's txlock says, like every write. With
// fresh, each write is on a new connection and prepares its UPDATE there,
// as per_file's first write on a connection does; otherwise they share one
// connection with the statements prepared once, as the other modes' writes
// do.
func (d *DB) Probe(ctx context.Context, n int, fresh bool) ([]time.Duration, error) {
	const table = "scenrun_probe"
	const update = "UPDATE " + table + " SET n = n + 1 WHERE id = 1"
	setup, err := d.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	defer setup.Close()
	if _, err := setup.ExecContext(ctx, "CREATE TABLE "+table+" (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO "+table+" VALUES (1, 0)"); err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	defer func() {
		// Leave no trace: the table goes, and so do its frames in the WAL,
		// which would otherwise count in the trial's WAL figures and fill
		// a small disk before the seed.
		bg := context.WithoutCancel(ctx)
		setup.ExecContext(bg, "DROP TABLE "+table)
		setup.ExecContext(bg, "PRAGMA wal_checkpoint(TRUNCATE)")
	}()
	begin := beginSQL(d.opts.TxLock)
	out := make([]time.Duration, 0, n)
	write := func(c *sql.Conn, exec func() error) error {
		t0 := time.Now()
		if _, err := c.ExecContext(ctx, begin); err != nil {
			return err
		}
		err := exec()
		out = append(out, time.Since(t0))
		if err == nil {
			_, err = c.ExecContext(ctx, "COMMIT")
		}
		if err != nil {
			c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
		return err
	}
	if fresh {
		d.db.SetMaxIdleConns(0) // every Conn below is a new connection
		defer d.db.SetMaxIdleConns(2)
		for range n {
			c, err := d.db.Conn(ctx)
			if err != nil {
				return out, fmt.Errorf("probe: %w", err)
			}
			err = write(c, func() error { _, err := c.ExecContext(ctx, update); return err })
			c.Close()
			if err != nil {
				return out, fmt.Errorf("probe: %w", err)
			}
		}
		return out, nil
	}
	st, err := setup.PrepareContext(ctx, update)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	defer st.Close()
	for range n {
		if err := write(setup, func() error { _, err := st.ExecContext(ctx); return err }); err != nil {
			return out, fmt.Errorf("probe: %w", err)
		}
	}
	return out, nil
}
