package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/scenrun/scenrun/fsm"
)

// updates holds the UPDATE of each transition. Every statement takes the same
// six parameters: new state, now (unix ms), the transition's argument, path,
// expected state, expected version.
var updates = [...]string{
	fsm.StartUpload:        "attempts = attempts + 1, upload_started_at = ?3, error = NULL",
	fsm.CompleteUpload:     "upload_id = ?3, uploaded_at = ?2",
	fsm.CompleteProcessing: "import_id = ?3, indexed_at = ?2",
	fsm.FailUpload:         "error = ?3, failed_at = ?2",
	fsm.FailProcessing:     "error = ?3, failed_at = ?2",
	fsm.Reset:              "upload_id = ?3, import_id = NULL, indexed_at = NULL",
	fsm.Retry:              "error = ?3",
	fsm.FailReset:          "error = ?3, failed_at = ?2",
}

func updateSQL(t fsm.Transition) string {
	return "UPDATE files SET state = ?1, version = version + 1, updated_at = ?2, " + updates[t] +
		" WHERE path = ?4 AND state = ?5 AND version = ?6"
}

// A Conn is one SQLite connection with its statements prepared on it once:
// BEGIN (as the DB's txlock says), COMMIT and ROLLBACK when it is taken, each
// transition's UPDATE when it is first used (a per_file connection uses three
// of the eight). A Conn is not safe for concurrent use: the engine decides
// who may use it when (a mutex for shared, a pool, a single writer
// goroutine). A Conn is the fsm.Conn of a DB.
//
// Apply and ApplyBatch call the driver's prepared statements inside
// sql.Conn.Raw instead of going through sql.Tx: database/sql's Tx.StmtContext
// prepared the UPDATE again on every call and BeginTx started a goroutine per
// transaction to watch ctx (BenchmarkApply: 31 allocations a state change
// before, 11 after; SQLite's share of its CPU profile went from 68% to 88%).
// The transaction is still one BEGIN … COMMIT, rolled back on any error, as
// a tx/defer Rollback would.
type Conn struct {
	c                       *sql.Conn
	begin, commit, rollback driver.StmtExecContext
	stmts                   [len(updates)]driver.StmtExecContext
	prepared                []driver.Stmt
	args                    [6]driver.NamedValue
}

// Conn takes a connection for the caller's exclusive use; Close gives it back
// (and closes it when the DB keeps no idle connections). The fsm.Conn is a
// *Conn.
func (d *DB) Conn(ctx context.Context) (fsm.Conn, error) {
	c, err := d.conn(ctx)
	if err != nil {
		return nil, err // not a nil *Conn in a non-nil interface
	}
	return c, nil
}

// conn is Conn with the concrete type.
func (d *DB) conn(ctx context.Context) (*Conn, error) {
	c, err := d.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	conn := &Conn{c: c}
	for k := range conn.args {
		conn.args[k].Ordinal = k + 1
	}
	err = c.Raw(func(dc any) error {
		prep := func(q string) (driver.StmtExecContext, error) {
			s, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, q)
			if err != nil {
				return nil, fmt.Errorf("prepare %q: %w", q, err)
			}
			conn.prepared = append(conn.prepared, s)
			return s.(driver.StmtExecContext), nil
		}
		var err error
		if conn.begin, err = prep(beginSQL(d.opts.TxLock)); err != nil {
			return err
		}
		if conn.commit, err = prep("COMMIT"); err != nil {
			return err
		}
		if conn.rollback, err = prep("ROLLBACK"); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// Close closes the prepared statements and releases the connection.
func (c *Conn) Close() error {
	c.c.Raw(func(any) error {
		for _, s := range c.prepared {
			s.Close()
		}
		return nil
	})
	c.prepared = nil
	return c.c.Close()
}

// exec runs ch's UPDATE, preparing it on first use; dc is the driver
// connection, held by the caller (inside Raw).
func (c *Conn) exec(dc any, ch fsm.Change, now int64) error {
	st := c.stmts[ch.Transition]
	if st == nil {
		s, err := dc.(driver.Conn).Prepare(updateSQL(ch.Transition))
		if err != nil {
			return fmt.Errorf("prepare %s: %w", ch.Transition, err)
		}
		c.prepared = append(c.prepared, s)
		st = s.(driver.StmtExecContext)
		c.stmts[ch.Transition] = st
	}
	arg, err := driver.DefaultParameterConverter.ConvertValue(ch.Arg)
	if err != nil {
		return fmt.Errorf("%s %s: argument %v: %w", ch.Transition, ch.Path, ch.Arg, err)
	}
	a := &c.args
	a[0].Value, a[1].Value, a[2].Value = ch.To.String(), now, arg
	a[3].Value, a[4].Value, a[5].Value = ch.Path, ch.From.String(), ch.Version
	res, err := st.ExecContext(context.Background(), a[:])
	a[2].Value, a[3].Value = nil, nil // hold no reference to the caller's values
	if err != nil {
		return fmt.Errorf("%s %s: %w", ch.Transition, ch.Path, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s %s: %w", ch.Transition, ch.Path, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %s at %s v%d: %w", ch.Transition, ch.Path, ch.From, ch.Version, fsm.ErrConflict)
	}
	return nil
}

// tx runs fn between BEGIN and COMMIT on the driver connection; any error
// (of BEGIN, fn or COMMIT) rolls the transaction back. fn's error is
// returned as is, BEGIN's and COMMIT's wrapped.
//
// A ctx that is already done fails before BEGIN. Once begun, the statements
// run to their end: the driver would watch a cancellable ctx with a
// goroutine per statement and call sqlite3_interrupt, but SQLite's busy
// handler never looks at the interrupt flag, so that goroutine cannot cut
// short the one wait that lasts (a busy wait, at most busy_timeout), and a
// one-row UPDATE has nothing else to interrupt. The engine checks ctx
// between state changes.
func (c *Conn) tx(ctx context.Context, fn func(dc any) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("begin: %w", context.Cause(ctx))
	}
	return c.c.Raw(func(dc any) error {
		if _, err := c.begin.ExecContext(context.Background(), nil); err != nil {
			c.rollback.ExecContext(context.Background(), nil) // no-op when BEGIN began nothing
			return fmt.Errorf("begin: %w", err)
		}
		if err := fn(dc); err != nil {
			c.rollback.ExecContext(context.Background(), nil)
			return err
		}
		if _, err := c.commit.ExecContext(context.Background(), nil); err != nil {
			// SQLite may leave the transaction open after a failed COMMIT
			// (SQLITE_BUSY); ROLLBACK ends it either way.
			c.rollback.ExecContext(context.Background(), nil)
			return &commitError{err}
		}
		return nil
	})
}

// commitError marks a failed COMMIT so Apply can tell it from the UPDATE's.
type commitError struct{ err error }

func (e *commitError) Error() string { return "commit: " + e.err.Error() }
func (e *commitError) Unwrap() error { return e.err }

// Apply persists one change in its own transaction. It returns when the
// UPDATE returned and when the COMMIT returned; on a conflict (fsm.ErrConflict)
// the transaction is rolled back and committed is when the rollback returned.
// A failure to begin returns the same time for both.
func (c *Conn) Apply(ctx context.Context, ch fsm.Change) (updated, committed time.Time, err error) {
	err = c.tx(ctx, func(dc any) error {
		err := c.exec(dc, ch, time.Now().UnixMilli())
		updated = time.Now()
		return err
	})
	committed = time.Now()
	if updated.IsZero() {
		updated = committed
	}
	return updated, committed, err
}

// ApplyBatch persists changes in one transaction (group commit). updated[i]
// is when change i's UPDATE returned and errs[i] its conflict, if any: a
// conflicting change is left out and the rest commit. err is a failure of the
// whole transaction (nothing committed).
func (c *Conn) ApplyBatch(ctx context.Context, chs []fsm.Change, updated []time.Time, errs []error) (committed time.Time, err error) {
	err = c.tx(ctx, func(dc any) error {
		now := time.Now().UnixMilli()
		for i, ch := range chs {
			errs[i] = c.exec(dc, ch, now)
			updated[i] = time.Now()
			if errs[i] != nil && !isConflict(errs[i]) {
				return errs[i]
			}
		}
		return nil
	})
	return time.Now(), err
}

// Pragma reads a pragma's value on this connection, as Effective does on the
// first: to check that a setting reached every connection. It is not part of
// fsm.Conn because pragmas are SQLite's own; tests reach it through a *Conn.
func (c *Conn) Pragma(ctx context.Context, name string) (string, error) {
	return readPragma(ctx, c.c, name)
}
