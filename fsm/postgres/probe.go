package postgres

import (
	"context"
	"fmt"
	"time"
)

// Probe times n uncontended write transactions on a table of its own, at
// the run's isolation; see fsm.Store. They share the control connection
// even with fresh: a new PostgreSQL connection per write would time the
// server's process start, which per_file's writes do not include (the
// connection is opened before the item's first write).
func (d *DB) Probe(ctx context.Context, n int, _ bool) ([]time.Duration, error) {
	d.ctlMu.Lock()
	defer d.ctlMu.Unlock()
	c := d.ctl
	const table = "scenrun_probe"
	run := func(sql string) error {
		if _, err := c.pg.Exec(ctx, sql).ReadAll(); err != nil {
			return c.sqlErr(sql, err)
		}
		return nil
	}
	if err := run("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, n BIGINT NOT NULL); INSERT INTO " + table + " VALUES (1, 0)"); err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	// In a closure: `defer c.pg.Exec(…).ReadAll()` would send the DROP at
	// once (a deferred call's receiver is evaluated at the defer) and leave
	// its result unread, the connection busy for every write after it.
	defer func() { c.pg.Exec(context.WithoutCancel(ctx), "DROP TABLE "+table).ReadAll() }()
	out := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if err := run(d.begin); err != nil {
			return out, fmt.Errorf("probe: %w", err)
		}
		err := run("UPDATE " + table + " SET n = n + 1 WHERE id = 1")
		out = append(out, time.Since(t0))
		if err == nil {
			err = run("COMMIT")
		}
		if err != nil {
			c.pg.Exec(context.WithoutCancel(ctx), "ROLLBACK").ReadAll()
			return out, fmt.Errorf("probe: %w", err)
		}
	}
	return out, nil
}
