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

// A DB is one scenrun database file. Every connection it hands out has had
// the pragmas and connect SQL of its Options applied; the *sql.DB stays inside.
type DB struct {
	db        *sql.DB
	opts      fsm.Options
	effective []fsm.Pragma
	wal       bool          // journal_mode reads back as wal
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
// SQL on every new connection, and reads the pragmas back: it fails when a
// pragma reads back other than asked (SQLite ignores a value it does not
// take: `journal_mode = wall`), except those in readBackDiffers.
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
		// The value is pasted into the statement, so it must be one value:
		// `normal; ATTACH …` would run the ATTACH too (the spec refuses it
		// already; this holds for any caller).
		if !p.OneValue() {
			return fmt.Errorf("pragma %s: want one value (a number, a name or a 'quoted string'), got %q", p.Name, p.Value)
		}
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
	mode, err := readPragma(ctx, conn, "journal_mode")
	if err != nil {
		return err
	}
	d.wal = strings.EqualFold(mode, "wal")
	d.effective = d.effective[:0]
	for _, p := range d.opts.Pragmas {
		v, err := readPragma(ctx, conn, p.Name)
		if err != nil {
			return err
		}
		if strings.EqualFold(p.Name, "journal_mode") && strings.EqualFold(p.Value, "wal") && !strings.EqualFold(v, "wal") {
			return fmt.Errorf("journal_mode is %q after asking for wal", v)
		}
		if !readBackDiffers[strings.ToLower(p.Name)] && v != "" && !sameValue(p.Name, p.Value, v) {
			return fmt.Errorf("pragma %s: asked for %q, SQLite reports %q (SQLite ignores a value it does not take)", p.Name, p.Value, v)
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

// Init creates the workload's schema, runs setupSQL, and seeds n items at
// the initial state with the workload's seed statement, in one transaction.
func (d *DB) Init(ctx context.Context, setupSQL []string, n int) error {
	w := d.opts.Workload
	if w == nil {
		return errors.New("init: no workload")
	}
	if _, err := d.db.ExecContext(ctx, w.Schema); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	for _, s := range setupSQL {
		if _, err := d.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("setup_sql: %w", &fsm.SQLError{Stmt: s, Err: err})
		}
	}
	conn, err := d.conn(ctx)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer conn.Close()
	return conn.c.Raw(func(dc any) error {
		if err := conn.exec(dc, "BEGIN"); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if err := conn.seed(dc, n); err != nil {
			conn.exec(dc, "ROLLBACK")
			return err
		}
		if err := conn.exec(dc, "COMMIT"); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		return nil
	})
}

// seed runs the seed statement for items 0 … n-1 on the driver connection
// dc, inside a transaction the caller began. It is not timed: one prepared
// statement, bound by index, seeds a million rows in a few seconds.
func (c *Conn) seed(dc any, n int) error {
	st, err := c.prepare(dc, &c.w.Seed)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	initial := c.w.Def.StateName(c.w.Initial)
	now := time.Now().UnixMilli()
	a := c.args[:len(c.w.Seed.Params)]
	defer c.unbind()
	ex := st.(driver.StmtExecContext)
	for i := range n {
		for k, p := range c.w.Seed.Params {
			switch p {
			case "item":
				a[k].Value = c.w.Keys.Key(i)
			case "state":
				a[k].Value = initial
			case "now":
				a[k].Value = now
			}
		}
		if _, err := ex.ExecContext(context.Background(), a); err != nil {
			return fmt.Errorf("seed item %d: %w", i, &fsm.SQLError{Stmt: c.w.Seed.SQL, Err: err})
		}
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

// Rows calls fn for every row of the workload's table.
func (d *DB) Rows(ctx context.Context, fn func(fsm.Row) error) error {
	w := d.opts.Workload
	version := "-1"
	if w.Version != "" {
		version = quoteIdent(w.Version)
	}
	q := "SELECT CAST(" + quoteIdent(w.Key) + " AS TEXT), " + quoteIdent(w.State) + ", " + version + " FROM " + quoteIdent(w.Table)
	rows, err := d.db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("read %s: %w", w.Table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r fsm.Row
		var key, state sql.NullString
		if err := rows.Scan(&key, &state, &r.Version); err != nil {
			return err
		}
		r.Key, r.State = key.String, state.String
		var ok bool
		if r.Item, ok = w.Keys.Item(r.Key); !ok {
			r.Item = -1
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// WALSize is the size of the write-ahead log file (0 when there is none
// yet), and whether the database is in WAL mode.
func (d *DB) WALSize() (int64, bool) {
	if !d.wal {
		return 0, false
	}
	fi, err := os.Stat(d.opts.Path + "-wal")
	if err != nil {
		return 0, true
	}
	return fi.Size(), true
}
