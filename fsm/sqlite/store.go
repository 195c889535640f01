// Package sqlite is the SQLite implementation of fsm.Store, on
// github.com/mattn/go-sqlite3: one database file per trial, every connection
// set up by a connect hook (pragmas, then connect SQL), each state change a
// prepared UPDATE inside BEGIN … COMMIT. It is the only package that imports
// the SQLite driver.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/scenrun/scenrun/fsm"
)

//go:embed schema.sql
var schema string

// A DB is one scenrun database file. Every connection it hands out has had
// the pragmas and connect SQL of its Options applied; the *sql.DB stays inside.
type DB struct {
	db        *sql.DB
	opts      fsm.Options
	effective []fsm.Pragma
	connects  *atomic.Int64 // connections opened: the connect hook's calls
}

var _ fsm.Store = (*DB)(nil)

// connector hands database/sql new connections from a driver of our own, so
// the connect hook is per DB, not a globally registered driver name.
type connector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }

// Open opens (creating if needed) the database at opts.Path. It checks every
// pragma name against SQLite's pragma_list, applies the pragmas and connect
// SQL on every new connection, and reads the pragmas back: it fails unless
// journal_mode really is wal when wal was asked for.
func Open(ctx context.Context, opts fsm.Options) (*DB, error) {
	switch opts.TxLock {
	case "":
		opts.TxLock = "deferred"
	case "deferred", "immediate", "exclusive":
	default:
		return nil, fmt.Errorf("open %s: unknown txlock %q (allowed: deferred, immediate, exclusive)", opts.Path, opts.TxLock)
	}
	dsn := fileURI(opts.Path, opts.TxLock)
	connects := &atomic.Int64{}
	drv := &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		connects.Add(1)
		return setup(c, opts)
	}}
	d := &DB{db: sql.OpenDB(connector{dsn: dsn, drv: drv}), opts: opts, connects: connects}
	if err := d.check(ctx); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("open %s: %w", opts.Path, err)
	}
	return d, nil
}

// fileURI is the DSN of the database at path: a file: URI, because the
// driver reads its own parameters (_txlock) from after the first '?' and
// hands the whole DSN to sqlite3_open_v2 with SQLITE_OPEN_URI, which ignores
// parameters it does not know. Each path segment is escaped, so a '?', '#'
// or '%' in a directory name stays part of the path (SQLite decodes %HH);
// an absolute path gets the empty authority ("file:///tmp/x.db") so that
// one starting with "//" is not read as a host.
func fileURI(path, txlock string) string {
	segs := strings.Split(filepath.ToSlash(path), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	p := strings.Join(segs, "/")
	if strings.HasPrefix(p, "/") {
		p = "//" + p
	}
	return "file:" + p + "?" + url.Values{"_txlock": {txlock}}.Encode()
}

// setup applies the pragmas and connect SQL to a new connection.
func setup(c *sqlite3.SQLiteConn, opts fsm.Options) error {
	for _, p := range opts.Pragmas {
		stmt := fmt.Sprintf("PRAGMA %s = %s", p.Name, p.Value)
		if _, err := c.Exec(stmt, nil); err != nil {
			return &fsm.SQLError{Stmt: stmt, Err: err}
		}
	}
	for _, s := range opts.ConnectSQL {
		if _, err := c.Exec(s, nil); err != nil {
			return &fsm.SQLError{Stmt: s, Err: err}
		}
	}
	return nil
}

// check validates the pragma names, opens a first connection (which runs the
// hook) and reads every pragma back.
func (d *DB) check(ctx context.Context) error {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, p := range d.opts.Pragmas {
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM pragma_pragma_list WHERE name = ?", strings.ToLower(p.Name)).Scan(&n); err != nil {
			return fmt.Errorf("check pragma %s: %w", p.Name, err)
		}
		if n == 0 {
			return fmt.Errorf("unknown pragma %q: SQLite %s does not know it", p.Name, Version())
		}
	}
	d.effective = d.effective[:0]
	for _, p := range d.opts.Pragmas {
		v, err := readPragma(ctx, conn, p.Name)
		if err != nil {
			return err
		}
		if strings.EqualFold(p.Name, "journal_mode") && strings.EqualFold(p.Value, "wal") && !strings.EqualFold(v, "wal") {
			return fmt.Errorf("journal_mode is %q after asking for wal", v)
		}
		d.effective = append(d.effective, fsm.Pragma{Name: p.Name, Value: v})
	}
	return nil
}

// readPragma reads a pragma's value; a pragma that reports nothing (an action
// such as optimize) reads as "".
func readPragma(ctx context.Context, conn *sql.Conn, name string) (string, error) {
	rows, err := conn.QueryContext(ctx, "PRAGMA "+name)
	if err != nil {
		return "", &fsm.SQLError{Stmt: "PRAGMA " + name, Err: err}
	}
	defer rows.Close()
	var vals []string
	cols, _ := rows.Columns()
	for rows.Next() {
		raw := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		for _, r := range raw {
			vals = append(vals, fmt.Sprint(r))
		}
	}
	return strings.Join(vals, ","), rows.Err()
}

// Effective is each pragma's value as read back after it was applied.
func (d *DB) Effective() []fsm.Pragma { return append([]fsm.Pragma(nil), d.effective...) }

// Connects is how many connections have been opened so far, each through
// the connect hook that applies the pragmas and connect SQL: a measure of
// connection churn.
func (d *DB) Connects() int64 { return d.connects.Load() }

// Path is the database file's path.
func (d *DB) Path() string { return d.opts.Path }

// Close closes every connection.
func (d *DB) Close() error { return d.db.Close() }

// SetMaxIdle sets how many idle connections are kept; 0 closes each
// connection as soon as it is released (a new connection per Conn call).
func (d *DB) SetMaxIdle(n int) { d.db.SetMaxIdleConns(n) }

// Init creates the schema, runs setupSQL, and seeds n untracked files in one
// transaction.
func (d *DB) Init(ctx context.Context, setupSQL []string, n int) error {
	if _, err := d.db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	for _, s := range setupSQL {
		if _, err := d.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("setup_sql: %w", &fsm.SQLError{Stmt: s, Err: err})
		}
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().UnixMilli()
	// A recursive CTE seeds a million rows in about a second, without a
	// round trip per row; the path format is fsm.Path's.
	const seed = `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?1)
INSERT INTO files (path, state, version, size_bytes, created_at, updated_at)
SELECT printf('inbox/file-%07d.pdf', i), 'untracked', 0, 1024 * (1 + i % 97), ?2, ?2 FROM s`
	if n > 0 {
		if _, err := tx.ExecContext(ctx, seed, n, now); err != nil {
			return fmt.Errorf("seed %d files: %w", n, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

// Version is the version of the SQLite library linked in.
func Version() string {
	v, _, _ := sqlite3.Version()
	return v
}

// IntegrityCheck runs PRAGMA integrity_check and returns its report ("ok"
// when the database is sound).
func (d *DB) IntegrityCheck(ctx context.Context) (string, error) {
	rows, err := d.db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return "", fmt.Errorf("integrity_check: %w", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "; "), rows.Err()
}

// Rows calls fn for every file, in path order.
func (d *DB) Rows(ctx context.Context, fn func(fsm.Row) error) error {
	rows, err := d.db.QueryContext(ctx, "SELECT path, state, version FROM files ORDER BY path")
	if err != nil {
		return fmt.Errorf("read files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r fsm.Row
		var state string
		if err := rows.Scan(&r.Path, &state, &r.Version); err != nil {
			return err
		}
		if r.State, err = fsm.ParseState(state); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// WALSize is the size of the write-ahead log file, 0 when there is none.
func (d *DB) WALSize() int64 {
	fi, err := os.Stat(d.opts.Path + "-wal")
	if err != nil {
		return 0
	}
	return fi.Size()
}

func isConflict(err error) bool { return errors.Is(err, fsm.ErrConflict) }
