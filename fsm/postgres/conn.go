package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scenrun/scenrun/fsm"
)

// The parameters scenrun binds itself (SPEC §9), as indexes into a Conn's
// values; a source of kind column is a column of an earlier statement.
const (
	pItem = iota
	pWorker
	pFrom
	pTo
	pAttempt
	pNow
	pVersion
	pState
	nBuiltin
	column = -1
)

var builtinNames = [nBuiltin]string{"item", "worker", "from", "to", "attempt", "now", "version", "state"}

// Which parameters each kind of statement may use, besides columns.
var (
	stepParams   = []int{pItem, pWorker, pFrom, pTo, pAttempt, pNow, pVersion}
	seedParams   = []int{pItem, pState, pNow}
	readerParams = []int{pNow}
)

// A compiled statement is a workload statement rewritten for PostgreSQL.
type compiled struct {
	text  string   // as the workload wrote it, for messages
	sql   string   // with $n parameters
	names []string // the name bound to $1, $2, …
	name  string   // its prepared statement's name on every connection
}

// A workload is the fsm.Workload's SQL compiled once per DB.
type workload struct {
	steps  [][]compiled // per transition
	seed   compiled
	reader *compiled
	states [][]byte // the state names, as bound
}

func compile(w *fsm.Workload) (*workload, error) {
	if w.Def == nil || len(w.Transitions) != len(w.Def.Transitions) {
		return nil, errors.New("postgres: workload without a definition of its transitions")
	}
	c := func(s fsm.Stmt, name string) compiled {
		sql, names := rewrite(s.SQL)
		return compiled{text: s.SQL, sql: sql, names: names, name: name}
	}
	wl := &workload{seed: c(w.Seed, "scenrun_seed")}
	for t, tr := range w.Transitions {
		if len(tr.SQL) == 0 {
			return nil, fmt.Errorf("postgres: transition %s has no statements", tr.Name)
		}
		var steps []compiled
		for i, s := range tr.SQL {
			steps = append(steps, c(s, fmt.Sprintf("scenrun_t%d_%d", t, i)))
		}
		wl.steps = append(wl.steps, steps)
	}
	if w.Reader != nil {
		r := c(*w.Reader, "scenrun_reader")
		wl.reader = &r
	}
	for _, s := range w.Def.States {
		wl.states = append(wl.states, append(make([]byte, 0, len(s)), s...))
	}
	return wl, nil
}

// A source is where one $n of a statement takes its value: a builtin
// parameter, or field of the first row of statement stmt.
type source struct {
	kind        int
	stmt, field int
}

// A stmt is a compiled statement prepared on one connection, with the
// first row it last returned (for the later statements of its transition).
type stmt struct {
	sd   *pgconn.StatementDescription
	text string
	src  []source
	rows bool
	cols []colVal
}

type colVal struct {
	b    []byte // never nil, so that an empty text is not NULL
	null bool
}

// A Conn is one PostgreSQL connection with the workload's statements
// prepared on it when first used (a per_file connection prepares only the
// steps its item walks). It is not safe for concurrent use: the engine
// decides who may use it when. A Conn is the fsm.Conn of a DB.
//
// Apply binds from the Conn's own buffers and reads results as bytes, so a
// write allocates little: the driver's watch of a cancellable context, and
// errors.
type Conn struct {
	db     *DB
	pg     *pgconn.PgConn
	steps  [][]stmt // per transition, nil until first used
	reader *stmt
	vals   [nBuiltin][]byte // this write's parameters
	params [][]byte         // scratch: one statement's parameters
	timer  *time.Timer
}

var _ fsm.Conn = (*Conn)(nil)

func newConn(d *DB, pg *pgconn.PgConn) *Conn {
	return &Conn{db: d, pg: pg, steps: make([][]stmt, len(d.wl.steps))}
}

// Close gives the connection back to its DB, which keeps it for reuse or
// closes it (SetMaxIdle).
func (c *Conn) Close() error { return c.db.release(c) }

// prepare prepares cp on the connection and resolves its parameters: a
// name is a column of the latest earlier statement (of prior) whose first
// row has it, else one of the builtins allowed. Columns come first because
// they are the workload's own choice (`SELECT version AS v`).
func (c *Conn) prepare(ctx context.Context, cp *compiled, prior []stmt, allowed []int) (stmt, error) {
	sd, err := c.pg.Prepare(ctx, cp.name, cp.sql, nil)
	if err != nil {
		return stmt{}, c.sqlErr(cp.text, err)
	}
	st := stmt{sd: sd, text: cp.text, rows: len(sd.Fields) > 0}
	st.cols = make([]colVal, len(sd.Fields))
	for f := range st.cols {
		st.cols[f].b = make([]byte, 0, 16)
	}
	for _, name := range cp.names {
		src, ok := source{kind: column}, false
		for j := len(prior) - 1; j >= 0 && !ok; j-- {
			for f, fd := range prior[j].sd.Fields {
				if fd.Name == name {
					src.stmt, src.field, ok = j, f, true
					break
				}
			}
		}
		if !ok {
			k := slices.Index(builtinNames[:], name)
			if !slices.Contains(allowed, k) {
				var names []string
				for _, a := range allowed {
					names = append(names, ":"+builtinNames[a])
				}
				return stmt{}, &fsm.SQLError{Stmt: cp.text, Err: fmt.Errorf("unknown parameter :%s (allowed: %s, or a column of an earlier statement)", name, strings.Join(names, ", "))}
			}
			src.kind = k
		}
		st.src = append(st.src, src)
	}
	if n := len(st.src); n > len(c.params) {
		c.params = make([][]byte, n)
	}
	return st, nil
}

// step is transition t's statements, prepared on first use.
func (c *Conn) step(ctx context.Context, t int) ([]stmt, error) {
	if t < 0 || t >= len(c.steps) {
		return nil, fmt.Errorf("postgres: no transition %d", t)
	}
	if c.steps[t] != nil {
		return c.steps[t], nil
	}
	var sts []stmt
	for i := range c.db.wl.steps[t] {
		st, err := c.prepare(ctx, &c.db.wl.steps[t][i], sts, stepParams)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.db.opts.Workload.Transitions[t].Name, err)
		}
		sts = append(sts, st)
	}
	c.steps[t] = sts
	return sts, nil
}

// readStmt is the reader's statement, prepared on first use.
func (c *Conn) readStmt(ctx context.Context) (*stmt, error) {
	if c.reader == nil {
		if c.db.wl.reader == nil {
			return nil, errors.New("postgres: the workload has no reader")
		}
		st, err := c.prepare(ctx, c.db.wl.reader, nil, readerParams)
		if err != nil {
			return nil, fmt.Errorf("reader: %w", err)
		}
		c.reader = &st
	}
	return c.reader, nil
}

// setWrite sets the parameters of write w; its key is w.Key when the
// engine made it (Keys.Key(Item)), so that binding it allocates nothing.
func (c *Conn) setWrite(w *fsm.Write, now int64) {
	switch k := w.Key.(type) {
	case string:
		c.vals[pItem] = append(c.vals[pItem][:0], k...)
	case int64:
		c.vals[pItem] = strconv.AppendInt(c.vals[pItem][:0], k, 10)
	default: // no key made by the caller
		c.setItem(w.Item)
	}
	v, states := &c.vals, c.db.wl.states
	v[pWorker] = strconv.AppendInt(v[pWorker][:0], int64(w.Worker), 10)
	v[pAttempt] = strconv.AppendInt(v[pAttempt][:0], int64(w.Attempt), 10)
	v[pNow] = strconv.AppendInt(v[pNow][:0], now, 10)
	v[pVersion] = strconv.AppendInt(v[pVersion][:0], w.Version, 10)
	v[pFrom], v[pTo] = nil, nil // NULL for a state the definition lacks
	if int(w.From) < len(states) {
		v[pFrom] = states[w.From]
	}
	if int(w.To) < len(states) {
		v[pTo] = states[w.To]
	}
}

func (c *Conn) setItem(i int) {
	keys := &c.db.opts.Workload.Keys
	if keys.Text() {
		c.vals[pItem] = append(c.vals[pItem][:0], keys.String(i)...)
	} else {
		c.vals[pItem] = strconv.AppendInt(c.vals[pItem][:0], int64(i), 10)
	}
}

// bind is st's parameters, from this write's values and earlier rows.
func (c *Conn) bind(st *stmt, prior []stmt) [][]byte {
	p := c.params[:len(st.src)]
	for k, s := range st.src {
		if s.kind != column {
			p[k] = c.vals[s.kind]
			continue
		}
		if v := &prior[s.stmt].cols[s.field]; v.null {
			p[k] = nil
		} else {
			p[k] = v.b
		}
	}
	return p
}

// exec runs st and returns how many rows it changed, or returned for a
// statement that returns rows (whose first row it keeps, all NULL without
// one).
func (c *Conn) exec(ctx context.Context, st *stmt, prior []stmt) (int64, error) {
	rr := c.pg.ExecStatement(ctx, st.sd, c.bind(st, prior), nil, nil)
	var n int64
	for rr.NextRow() {
		n++
		if n == 1 {
			for f, v := range rr.Values() {
				if f < len(st.cols) {
					st.cols[f].b, st.cols[f].null = append(st.cols[f].b[:0], v...), v == nil
				}
			}
		}
	}
	tag, err := rr.Close()
	if err != nil {
		return 0, err
	}
	if n == 0 {
		for f := range st.cols {
			st.cols[f].null = true
		}
	}
	if !st.rows {
		n = tag.RowsAffected()
	}
	return n, nil
}

// run runs write w's statements; the last must change exactly one row.
func (c *Conn) run(ctx context.Context, w *fsm.Write, sts []stmt) error {
	for i := range sts {
		n, err := c.exec(ctx, &sts[i], sts[:i])
		if err != nil {
			return c.writeErr(ctx, w, sts[i].text, err)
		}
		if i == len(sts)-1 {
			switch {
			case n == 0:
				return fmt.Errorf("%s %v at %s v%d: %w", c.name(w), c.key(w), c.db.opts.Workload.Def.StateName(w.From), w.Version, fsm.ErrConflict)
			case n > 1:
				return fmt.Errorf("%s %v: %d rows: %w", c.name(w), c.key(w), n, fsm.ErrManyRows)
			}
		}
	}
	return nil
}

func (c *Conn) name(w *fsm.Write) string { return c.db.opts.Workload.Transitions[w.Transition].Name }
func (c *Conn) key(w *fsm.Write) any {
	if w.Key != nil {
		return w.Key
	}
	return c.db.opts.Workload.Keys.Key(w.Item)
}

// writeErr is a failed statement of write w: busy (fsm.ErrBusy), a lost
// connection, or an *fsm.SQLError.
func (c *Conn) writeErr(ctx context.Context, w *fsm.Write, text string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s %v: %w", c.name(w), c.key(w), err)
	}
	return fmt.Errorf("%s %v: %w", c.name(w), c.key(w), c.sqlErr(text, err))
}

// sqlErr classifies a failed statement: busy (wrapping fsm.ErrBusy and the
// server's error), the connection lost (with the database's masked URL), or
// an *fsm.SQLError.
func (c *Conn) sqlErr(text string, err error) error {
	var pgErr *pgconn.PgError
	isPg := errors.As(err, &pgErr)
	switch {
	case isPg && isBusy(pgErr.Code):
		return fmt.Errorf("%w: %w", fsm.ErrBusy, err)
	case c.pg.IsClosed():
		return fmt.Errorf("postgres %s: connection lost: %w", c.db.masked, err)
	case isPg:
		return &fsm.SQLError{Stmt: text, Err: err}
	}
	return err
}

// isBusy says whether an SQLSTATE is a busy database (SPEC §10):
// serialization_failure, deadlock_detected, lock_not_available.
func isBusy(code string) bool { return code == "40001" || code == "40P01" || code == "55P03" }

// control runs a transaction control statement (BEGIN, COMMIT, …) in one
// round trip, by the simple query protocol: one Query message the server
// parses and runs, where ExecParams' extended protocol had it parse, bind,
// describe and execute an unnamed statement, twice a write (BEGIN and
// COMMIT) on a server that shares the machine's CPUs with the workers.
func (c *Conn) control(ctx context.Context, sql string) error {
	mrr := c.pg.Exec(ctx, sql)
	for mrr.NextResult() {
		mrr.ResultReader().Close()
	}
	if err := mrr.Close(); err != nil {
		return c.sqlErr(sql, err)
	}
	return nil
}

// rollback ends the transaction after a failure, even when ctx is done (a
// connection left in a transaction is closed on release anyway).
func (c *Conn) rollback(ctx context.Context) {
	if c.pg.IsClosed() {
		return
	}
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
	}
	c.control(ctx, "ROLLBACK")
}

// hold sleeps d inside the transaction, or until ctx is done.
func (c *Conn) hold(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if c.timer == nil {
		c.timer = time.NewTimer(d)
	} else {
		c.timer.Reset(d)
	}
	select {
	case <-c.timer.C:
		return nil
	case <-ctx.Done():
		c.timer.Stop()
		return fmt.Errorf("hold: %w", context.Cause(ctx))
	}
}

// Apply runs w's transition in its own transaction: BEGIN ISOLATION LEVEL
// …, its statements, its hold, COMMIT; on any error ROLLBACK. The last
// statement must change (or return) exactly one row: none is
// fsm.ErrConflict, more fsm.ErrManyRows. Serialization failures, deadlocks
// and lock timeouts, of a statement or of COMMIT, are fsm.ErrBusy.
func (c *Conn) Apply(ctx context.Context, w *fsm.Write) (fsm.Timing, error) {
	fail := func(err error) (fsm.Timing, error) {
		t := time.Now()
		return fsm.Timing{Updated: t, Held: t, Committed: t}, err
	}
	if err := ctx.Err(); err != nil {
		return fail(fmt.Errorf("begin: %w", context.Cause(ctx)))
	}
	sts, err := c.step(ctx, w.Transition)
	if err != nil {
		return fail(err)
	}
	if err := c.control(ctx, c.db.begin); err != nil {
		c.rollback(ctx)
		return fail(fmt.Errorf("begin: %w", err))
	}
	c.setWrite(w, time.Now().UnixMilli())
	var t fsm.Timing
	err = c.run(ctx, w, sts)
	t.Updated = time.Now()
	t.Held = t.Updated
	if err == nil {
		if err = c.hold(ctx, c.db.opts.Workload.Transitions[w.Transition].Hold); err == nil {
			t.Held = time.Now()
		}
	}
	if err != nil {
		c.rollback(ctx)
		t.Committed = time.Now()
		return t, err
	}
	if err := c.control(ctx, "COMMIT"); err != nil {
		c.rollback(ctx)
		t.Committed = time.Now()
		return t, fmt.Errorf("%s %v: commit: %w", c.name(w), c.key(w), err)
	}
	t.Committed = time.Now()
	return t, nil
}

// ApplyBatch runs ws in one transaction (group commit). A write of more
// than one statement runs inside a SAVEPOINT, so that when its last
// statement conflicts its earlier statements are undone alone; a write of
// one statement that conflicts changed nothing. A conflict is errs[i] and
// the rest commit; any other error (busy, SQL, more than one row) rolls the
// whole transaction back and is err, and errs[i] of the write that met it.
func (c *Conn) ApplyBatch(ctx context.Context, ws []fsm.Write, timings []fsm.Timing, errs []error) (committed time.Time, err error) {
	clear(errs)
	abort := func(from int, err error) (time.Time, error) {
		c.rollback(ctx)
		t := time.Now()
		for i := from; i < len(ws); i++ {
			if timings[i].Updated.IsZero() {
				timings[i] = fsm.Timing{Updated: t, Held: t}
			}
			timings[i].Committed = t
		}
		return t, err
	}
	clear(timings)
	if err := ctx.Err(); err != nil {
		return abort(0, fmt.Errorf("begin: %w", context.Cause(ctx)))
	}
	for i := range ws {
		if _, err := c.step(ctx, ws[i].Transition); err != nil {
			errs[i] = err
			return abort(0, err)
		}
	}
	if err := c.control(ctx, c.db.begin); err != nil {
		return abort(0, fmt.Errorf("begin: %w", err))
	}
	now := time.Now().UnixMilli()
	for i := range ws {
		w := &ws[i]
		sts := c.steps[w.Transition]
		savepoint := len(sts) > 1
		if savepoint {
			if err := c.control(ctx, "SAVEPOINT scenrun_write"); err != nil {
				errs[i] = err
				return abort(0, err)
			}
		}
		c.setWrite(w, now)
		err := c.run(ctx, w, sts)
		timings[i].Updated = time.Now()
		timings[i].Held = timings[i].Updated
		if err == nil {
			if err = c.hold(ctx, c.db.opts.Workload.Transitions[w.Transition].Hold); err == nil {
				timings[i].Held = time.Now()
			}
		}
		switch {
		case errors.Is(err, fsm.ErrConflict):
			errs[i] = err
			if savepoint {
				// ROLLBACK TO keeps the savepoint; RELEASE ends it, in one round trip.
				if _, err := c.pg.Exec(ctx, "ROLLBACK TO SAVEPOINT scenrun_write; RELEASE SAVEPOINT scenrun_write").ReadAll(); err != nil {
					return abort(0, c.sqlErr("ROLLBACK TO SAVEPOINT", err))
				}
			}
		case err != nil:
			errs[i] = err
			return abort(0, err)
		case savepoint:
			if err := c.control(ctx, "RELEASE SAVEPOINT scenrun_write"); err != nil {
				errs[i] = err
				return abort(0, err)
			}
		}
	}
	if err := c.control(ctx, "COMMIT"); err != nil {
		return abort(0, fmt.Errorf("commit: %w", err))
	}
	committed = time.Now()
	for i := range timings {
		timings[i].Committed = committed
	}
	return committed, nil
}

// Read runs the workload's reader query once, outside any explicit
// transaction, reading every row. A busy database is fsm.ErrBusy.
func (c *Conn) Read(ctx context.Context) error {
	st, err := c.readStmt(ctx)
	if err != nil {
		return err
	}
	c.vals[pNow] = strconv.AppendInt(c.vals[pNow][:0], time.Now().UnixMilli(), 10)
	rr := c.pg.ExecStatement(ctx, st.sd, c.bind(st, nil), nil, nil)
	for rr.NextRow() {
	}
	if _, err := rr.Close(); err != nil {
		return fmt.Errorf("reader: %w", c.sqlErr(st.text, err))
	}
	return nil
}

// seed inserts n items at the initial state in one transaction, pipelining
// the seed statement a few thousand rows to a round trip.
func (c *Conn) seed(ctx context.Context, n int) error {
	st, err := c.prepare(ctx, &c.db.wl.seed, nil, seedParams)
	if err != nil {
		return err
	}
	wl := c.db.opts.Workload
	if int(wl.Initial) >= len(c.db.wl.states) {
		return fmt.Errorf("initial state %d not in the workload's states", wl.Initial)
	}
	c.vals[pState] = c.db.wl.states[wl.Initial]
	c.vals[pNow] = strconv.AppendInt(c.vals[pNow][:0], time.Now().UnixMilli(), 10)
	if err := c.control(ctx, "BEGIN"); err != nil {
		return err
	}
	const chunk = 5000
	for lo := 0; lo < n; lo += chunk {
		batch := &pgconn.Batch{}
		for i := lo; i < min(lo+chunk, n); i++ {
			c.setItem(i)
			batch.ExecStatement(st.sd, c.bind(&st, nil), nil, nil)
		}
		mrr := c.pg.ExecBatch(ctx, batch)
		for mrr.NextResult() {
			mrr.ResultReader().Close()
		}
		if err := mrr.Close(); err != nil {
			c.rollback(ctx)
			return c.sqlErr(st.text, err)
		}
	}
	return c.control(ctx, "COMMIT")
}

// queryText runs a query of one text value.
func (c *Conn) queryText(ctx context.Context, sql string) (string, error) {
	rr := c.pg.ExecParams(ctx, sql, nil, nil, nil, nil)
	var s string
	for rr.NextRow() {
		s = string(rr.Values()[0])
	}
	if _, err := rr.Close(); err != nil {
		return "", c.sqlErr(sql, err)
	}
	return s, nil
}
