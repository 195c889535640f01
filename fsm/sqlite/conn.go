package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/scenrun/scenrun/fsm"
)

// A Conn is one SQLite connection with its statements prepared on it once:
// BEGIN (as the DB's txlock says), COMMIT and ROLLBACK when it is taken,
// each transition's statements when it is first used (a per_file connection
// uses three). A Conn is not safe for concurrent use: the engine decides who
// may use it when (a mutex for shared, a pool, a single writer goroutine).
// A Conn is the fsm.Conn of a DB.
//
// Apply and ApplyBatch call the driver's prepared statements inside
// sql.Conn.Raw instead of going through sql.Tx: database/sql's Tx.StmtContext
// prepared the statement again on every call and BeginTx started a goroutine
// per transaction to watch ctx (BenchmarkApply: 31 allocations a state change
// before, 11 after; SQLite's share of its CPU profile went from 68% to 88%).
// The transaction is still one BEGIN … COMMIT, rolled back on any error, as
// a tx/defer Rollback would. Named parameters are bound by index: SQLite
// numbers `:name` parameters in order of first use, which is the order of
// fsm.Stmt.Params (checked when a statement is prepared), so the driver
// never looks a name up.
type Conn struct {
	c                       *sql.Conn
	w                       *fsm.Workload
	begin, commit, rollback driver.StmtExecContext // rollback prepared on its first use: most connections never need it
	stmts                   [][]driver.Stmt        // per transition, per statement, prepared on first use
	reader                  driver.Stmt
	savepoints              map[string]driver.StmtExecContext // ApplyBatch's SAVEPOINT, RELEASE, ROLLBACK TO, prepared on first use
	prepared                []driver.Stmt
	args                    []driver.NamedValue
	cols                    map[string]driver.Value // the first row of a statement that returns rows
	dest                    []driver.Value
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
	conn := &Conn{c: c, w: d.opts.Workload, cols: map[string]driver.Value{}}
	if conn.w != nil {
		conn.stmts = make([][]driver.Stmt, len(conn.w.Transitions))
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

// prepare prepares one statement on the driver connection dc and checks
// that SQLite numbers its parameters as st.Params lists them.
func (c *Conn) prepare(dc any, st *fsm.Stmt) (driver.Stmt, error) {
	s, err := dc.(driver.ConnPrepareContext).PrepareContext(context.Background(), st.SQL)
	if err != nil {
		return nil, &fsm.SQLError{Stmt: st.SQL, Err: err}
	}
	c.prepared = append(c.prepared, s)
	if n := s.NumInput(); n != len(st.Params) {
		return nil, &fsm.SQLError{Stmt: st.SQL, Err: fmt.Errorf("%d parameters, but %d :name parameters found: %w", n, len(st.Params), fsm.ErrPositional)}
	}
	if len(st.Params) > len(c.args) {
		c.args = make([]driver.NamedValue, len(st.Params))
		for k := range c.args {
			c.args[k].Ordinal = k + 1
		}
	}
	return s, nil
}

// transition returns transition t's prepared statements, preparing them on
// first use.
func (c *Conn) transition(dc any, t int) ([]driver.Stmt, error) {
	if sts := c.stmts[t]; sts != nil {
		return sts, nil
	}
	tr := &c.w.Transitions[t]
	sts := make([]driver.Stmt, len(tr.SQL))
	for k := range tr.SQL {
		s, err := c.prepare(dc, &tr.SQL[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tr.Name, err)
		}
		sts[k] = s
	}
	c.stmts[t] = sts
	return sts, nil
}

// bind fills c.args with the values of params for w.
func (c *Conn) bind(params []string, w *fsm.Write, now int64) []driver.NamedValue {
	a := c.args[:len(params)]
	for k, p := range params {
		switch p {
		case "item":
			a[k].Value = w.Key
		case "worker":
			a[k].Value = int64(w.Worker)
		case "from":
			a[k].Value = c.w.Def.StateName(w.From)
		case "to":
			a[k].Value = c.w.Def.StateName(w.To)
		case "attempt":
			a[k].Value = int64(w.Attempt)
		case "now":
			a[k].Value = now
		case "version":
			a[k].Value = w.Version
		default:
			a[k].Value = c.cols[p] // a column of an earlier row; NULL without one
		}
	}
	return a
}

// unbind drops the references c.args holds to the caller's values.
func (c *Conn) unbind() {
	for k := range c.args {
		c.args[k].Value = nil
	}
}

// run runs w's statements on the driver connection dc, inside a transaction
// the caller began. The last statement must change (or return) exactly one
// row.
func (c *Conn) run(dc any, w *fsm.Write, now int64) error {
	sts, err := c.transition(dc, w.Transition)
	if err != nil {
		return err
	}
	defer c.unbind()
	tr := &c.w.Transitions[w.Transition]
	if len(c.cols) > 0 {
		clear(c.cols)
	}
	bg := context.Background()
	for k := range tr.SQL {
		st := &tr.SQL[k]
		args := c.bind(st.Params, w, now)
		var n int64
		if st.Rows {
			rows, err := sts[k].(driver.StmtQueryContext).QueryContext(bg, args)
			if err != nil {
				return c.failed(tr.Name, w, err)
			}
			n, err = c.readRows(rows)
			if err != nil {
				return c.failed(tr.Name, w, err)
			}
		} else {
			res, err := sts[k].(driver.StmtExecContext).ExecContext(bg, args)
			if err != nil {
				return c.failed(tr.Name, w, err)
			}
			if k == len(tr.SQL)-1 {
				if n, err = res.RowsAffected(); err != nil {
					return c.failed(tr.Name, w, err)
				}
			}
		}
		if k == len(tr.SQL)-1 {
			switch {
			case n == 0:
				return fmt.Errorf("%s %v at %s v%d: %w", tr.Name, w.Key, c.w.Def.StateName(w.From), w.Version, fsm.ErrConflict)
			case n > 1:
				return fmt.Errorf("%s %v: the last statement %w (%d): %s", tr.Name, w.Key, fsm.ErrManyRows, n, st.SQL)
			}
		}
	}
	return nil
}

// readRows keeps the first row's columns in c.cols and counts the rows.
func (c *Conn) readRows(rows driver.Rows) (int64, error) {
	defer rows.Close()
	names := rows.Columns()
	if cap(c.dest) < len(names) {
		c.dest = make([]driver.Value, len(names))
	}
	dest := c.dest[:len(names)]
	var n int64
	for {
		err := rows.Next(dest)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if n == 0 {
			for i, name := range names {
				if b, ok := dest[i].([]byte); ok {
					// A copy, as the driver may reuse its buffer; still
					// []byte, so that it binds as the BLOB it was (a
					// string would bind as TEXT, never equal to it).
					dest[i] = bytes.Clone(b)
				}
				c.cols[name] = dest[i]
			}
		}
		n++
	}
}

// failed wraps a statement's error, marking a busy database.
func (c *Conn) failed(name string, w *fsm.Write, err error) error {
	if isBusy(err) {
		return fmt.Errorf("%s %v: %w: %w", name, w.Key, fsm.ErrBusy, err)
	}
	return fmt.Errorf("%s %v: %w", name, w.Key, err)
}

// isBusy says whether err is SQLite's SQLITE_BUSY or SQLITE_LOCKED, with any
// extended code (SQLITE_BUSY_SNAPSHOT: a deferred transaction that read an
// older snapshot cannot write).
func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// tx runs fn between BEGIN and COMMIT on the driver connection; any error
// (of BEGIN, fn or COMMIT) rolls the transaction back. fn's error is
// returned as is, BEGIN's and COMMIT's wrapped (a busy one as fsm.ErrBusy).
//
// A ctx that is already done fails before BEGIN. Once begun, the statements
// run to their end: the driver would watch a cancellable ctx with a
// goroutine per statement and call sqlite3_interrupt, but SQLite's busy
// handler never looks at the interrupt flag, so that goroutine cannot cut
// short the one wait that lasts (a busy wait, at most busy_timeout). The
// engine checks ctx between state changes; a hold watches it.
func (c *Conn) tx(ctx context.Context, fn func(dc any) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("begin: %w", context.Cause(ctx))
	}
	return c.c.Raw(func(dc any) error {
		if _, err := c.begin.ExecContext(context.Background(), nil); err != nil {
			c.rollBack(dc) // no-op when BEGIN began nothing
			if isBusy(err) {
				return fmt.Errorf("begin: %w: %w", fsm.ErrBusy, err)
			}
			return fmt.Errorf("begin: %w", err)
		}
		if err := fn(dc); err != nil {
			c.rollBack(dc)
			return err
		}
		if _, err := c.commit.ExecContext(context.Background(), nil); err != nil {
			// SQLite may leave the transaction open after a failed COMMIT
			// (SQLITE_BUSY); ROLLBACK ends it either way.
			c.rollBack(dc)
			if isBusy(err) {
				return fmt.Errorf("commit: %w: %w", fsm.ErrBusy, err)
			}
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	})
}

// hold keeps the transaction open for d, or until ctx is done.
func hold(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("hold: %w", context.Cause(ctx))
	}
}

// Apply runs w's transition in its own transaction; see fsm.Conn.
func (c *Conn) Apply(ctx context.Context, w *fsm.Write) (tm fsm.Timing, err error) {
	err = c.tx(ctx, func(dc any) error {
		err := c.run(dc, w, time.Now().UnixMilli())
		tm.Updated = time.Now()
		tm.Held = tm.Updated
		if err != nil {
			return err
		}
		if d := c.w.Transitions[w.Transition].Hold; d > 0 {
			err = hold(ctx, d)
			tm.Held = time.Now()
		}
		return err
	})
	tm.Committed = time.Now()
	if tm.Updated.IsZero() {
		tm.Updated, tm.Held = tm.Committed, tm.Committed
	}
	return tm, err
}

// ApplyBatch runs ws in one transaction (group commit); see fsm.Conn. A
// write of more than one statement runs inside a SAVEPOINT, so that its
// conflict undoes its own statements only; a one-statement write that
// conflicts changed nothing. A busy error fails the whole transaction.
func (c *Conn) ApplyBatch(ctx context.Context, ws []fsm.Write, timings []fsm.Timing, errs []error) (committed time.Time, err error) {
	// The caller reuses timings and errs from batch to batch: a write that
	// never runs (BEGIN failed, or a write before it) must not keep the
	// last batch's.
	clear(timings)
	clear(errs)
	err = c.tx(ctx, func(dc any) error {
		now := time.Now().UnixMilli()
		for i := range ws {
			multi := len(c.w.Transitions[ws[i].Transition].SQL) > 1
			if multi {
				if err := c.savepoint(dc, "SAVEPOINT w"); err != nil {
					return err
				}
			}
			errs[i] = c.run(dc, &ws[i], now)
			timings[i].Updated = time.Now()
			timings[i].Held = timings[i].Updated
			if errs[i] != nil {
				if !errors.Is(errs[i], fsm.ErrConflict) {
					return errs[i]
				}
				if multi {
					if err := c.savepoint(dc, "ROLLBACK TO w"); err != nil {
						return err
					}
					if err := c.savepoint(dc, "RELEASE w"); err != nil {
						return err
					}
				}
				continue
			}
			if d := c.w.Transitions[ws[i].Transition].Hold; d > 0 {
				if err := hold(ctx, d); err != nil {
					return err
				}
				timings[i].Held = time.Now()
			}
			if multi {
				if err := c.savepoint(dc, "RELEASE w"); err != nil {
					return err
				}
			}
		}
		return nil
	})
	committed = time.Now()
	for i := range timings {
		timings[i].Committed = committed
		if timings[i].Updated.IsZero() {
			timings[i].Updated, timings[i].Held = committed, committed
		}
	}
	return committed, err
}

// savepoint runs one of ApplyBatch's savepoint statements, prepared on
// this connection the first time: Conn.exec would prepare and finalize it
// on every write of more than one statement.
func (c *Conn) savepoint(dc any, q string) error {
	s, ok := c.savepoints[q]
	if !ok {
		ps, err := dc.(driver.ConnPrepareContext).PrepareContext(context.Background(), q)
		if err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		c.prepared = append(c.prepared, ps)
		if c.savepoints == nil {
			c.savepoints = map[string]driver.StmtExecContext{}
		}
		s = ps.(driver.StmtExecContext)
		c.savepoints[q] = s
	}
	if _, err := s.ExecContext(context.Background(), nil); err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	return nil
}

// exec runs a statement without parameters on the driver connection.
func (c *Conn) exec(dc any, q string) error {
	if _, err := dc.(driver.ExecerContext).ExecContext(context.Background(), q, nil); err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	return nil
}

// Read runs the workload's reader query once, reading every row.
func (c *Conn) Read(ctx context.Context) error {
	if c.w == nil || c.w.Reader == nil {
		return errors.New("read: the workload has no reader")
	}
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	return c.c.Raw(func(dc any) error {
		if c.reader == nil {
			s, err := c.prepare(dc, c.w.Reader)
			if err != nil {
				return fmt.Errorf("reader: %w", err)
			}
			c.reader = s
		}
		rows, err := c.reader.(driver.StmtQueryContext).QueryContext(context.Background(), nil)
		if err != nil {
			if isBusy(err) {
				return fmt.Errorf("reader: %w: %w", fsm.ErrBusy, err)
			}
			return fmt.Errorf("reader: %w", err)
		}
		defer rows.Close()
		dest := make([]driver.Value, len(rows.Columns()))
		for {
			if err := rows.Next(dest); err == io.EOF {
				return nil
			} else if err != nil {
				if isBusy(err) {
					return fmt.Errorf("reader: %w: %w", fsm.ErrBusy, err)
				}
				return fmt.Errorf("reader: %w", err)
			}
		}
	})
}

// Pragma reads a pragma's value on this connection, as Effective does on the
// first: to check that a setting reached every connection. It is not part of
// fsm.Conn because pragmas are SQLite's own; tests reach it through a *Conn.
func (c *Conn) Pragma(ctx context.Context, name string) (string, error) {
	return readPragma(ctx, c.c, name)
}

// rollBack runs ROLLBACK on the driver connection dc, preparing it on
// first use: a per_file connection writes three times and seldom fails, so
// preparing it with BEGIN and COMMIT cost every item a prepare for nothing.
func (c *Conn) rollBack(dc any) {
	if c.rollback == nil {
		s, err := dc.(driver.ConnPrepareContext).PrepareContext(context.Background(), "ROLLBACK")
		if err != nil {
			dc.(driver.ExecerContext).ExecContext(context.Background(), "ROLLBACK", nil)
			return
		}
		c.prepared = append(c.prepared, s)
		c.rollback = s.(driver.StmtExecContext)
	}
	c.rollback.ExecContext(context.Background(), nil)
}
