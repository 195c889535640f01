package fsm

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// A Change is one state change to persist: file Path moves from From to To by
// Transition, expected at Version (the optimistic-concurrency check).
type Change struct {
	Path       string
	Transition Transition
	From, To   State
	Version    int64
	Arg        any // what the transition records: an upload or import id, an error text, or nil
}

// updates holds the UPDATE of each transition. Every statement takes the same
// six parameters: new state, now (unix ms), the transition's argument, path,
// expected state, expected version.
var updates = [numTransitions]string{
	StartUpload:        "attempts = attempts + 1, upload_started_at = ?3, error = NULL",
	CompleteUpload:     "upload_id = ?3, uploaded_at = ?2",
	CompleteProcessing: "import_id = ?3, indexed_at = ?2",
	FailUpload:         "error = ?3, failed_at = ?2",
	FailProcessing:     "error = ?3, failed_at = ?2",
	Reset:              "upload_id = ?3, import_id = NULL, indexed_at = NULL",
	Retry:              "error = ?3",
	FailReset:          "error = ?3, failed_at = ?2",
}

func updateSQL(t Transition) string {
	return "UPDATE files SET state = ?1, version = version + 1, updated_at = ?2, " + updates[t] +
		" WHERE path = ?4 AND state = ?5 AND version = ?6"
}

// A Conn is one SQLite connection with the transitions' statements prepared
// on it. A Conn is not safe for concurrent use: the engine decides who may use
// it when (a mutex for shared, a pool, a single writer goroutine).
type Conn struct {
	c     *sql.Conn
	stmts [numTransitions]*sql.Stmt
}

// Conn takes a connection for the caller's exclusive use; Close gives it back
// (and closes it when the DB keeps no idle connections).
func (d *DB) Conn(ctx context.Context) (*Conn, error) {
	c, err := d.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	conn := &Conn{c: c}
	for t := Transition(0); t < numTransitions; t++ {
		s, err := c.PrepareContext(ctx, updateSQL(t))
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("prepare %s: %w", t, err)
		}
		conn.stmts[t] = s
	}
	return conn, nil
}

// Close closes the prepared statements and releases the connection.
func (c *Conn) Close() error {
	for _, s := range c.stmts {
		if s != nil {
			s.Close()
		}
	}
	return c.c.Close()
}

func (c *Conn) exec(ctx context.Context, tx *sql.Tx, ch Change, now int64) error {
	res, err := tx.StmtContext(ctx, c.stmts[ch.Transition]).ExecContext(ctx,
		ch.To.String(), now, ch.Arg, ch.Path, ch.From.String(), ch.Version)
	if err != nil {
		return fmt.Errorf("%s %s: %w", ch.Transition, ch.Path, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s %s: %w", ch.Transition, ch.Path, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %s at %s v%d: %w", ch.Transition, ch.Path, ch.From, ch.Version, ErrConflict)
	}
	return nil
}

// Apply persists one change in its own transaction. It returns when the
// UPDATE returned and when the COMMIT returned; on a conflict (ErrConflict)
// the transaction is rolled back and committed is when the rollback returned.
func (c *Conn) Apply(ctx context.Context, ch Change) (updated, committed time.Time, err error) {
	tx, err := c.c.BeginTx(ctx, nil)
	if err != nil {
		t := time.Now()
		return t, t, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	err = c.exec(ctx, tx, ch, time.Now().UnixMilli())
	updated = time.Now()
	if err != nil {
		tx.Rollback()
		return updated, time.Now(), err
	}
	if err := tx.Commit(); err != nil {
		return updated, time.Now(), fmt.Errorf("commit: %w", err)
	}
	return updated, time.Now(), nil
}

// ApplyBatch persists changes in one transaction (group commit). updated[i]
// is when change i's UPDATE returned and errs[i] its conflict, if any: a
// conflicting change is left out and the rest commit. err is a failure of the
// whole transaction (nothing committed).
func (c *Conn) ApplyBatch(ctx context.Context, chs []Change, updated []time.Time, errs []error) (committed time.Time, err error) {
	tx, err := c.c.BeginTx(ctx, nil)
	if err != nil {
		return time.Now(), fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().UnixMilli()
	for i, ch := range chs {
		errs[i] = c.exec(ctx, tx, ch, now)
		updated[i] = time.Now()
		if errs[i] != nil && !isConflict(errs[i]) {
			return time.Now(), errs[i]
		}
	}
	if err := tx.Commit(); err != nil {
		return time.Now(), fmt.Errorf("commit: %w", err)
	}
	return time.Now(), nil
}

// Pragma reads a pragma's value on this connection, as Effective does on the
// first: to check that a setting reached every connection.
func (c *Conn) Pragma(ctx context.Context, name string) (string, error) {
	return readPragma(ctx, c.c, name)
}
