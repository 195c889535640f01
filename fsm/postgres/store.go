// Package postgres is the PostgreSQL implementation of fsm.Store, on
// github.com/jackc/pgx/v5's wire-protocol layer pgconn. Every trial gets a
// fresh database on the server (CREATE DATABASE with a unique name, dropped
// by Close unless kept), every new connection runs the Options' connect SQL,
// and each state change runs its transition's statements inside BEGIN
// ISOLATION LEVEL … COMMIT. It is the only package that imports the
// PostgreSQL driver.
//
// A workload's statements keep their `:name` parameters; they are rewritten
// to `$n` once and prepared once per connection. Parameters and results
// travel in PostgreSQL's text format, so a write binds its item's key, states
// and numbers from buffers the connection reuses, the server casts them to
// the columns' types, and the first row of a statement binds the later ones
// byte for byte.
//
// PostgreSQL has no integrity_check: IntegrityCheck reports "ok", and the
// engine's row, state and version check (Rows) is the integrity check on
// PostgreSQL. It has no WAL file to size either: WALSize reports none, and
// WALBytes is the WAL the server wrote since Init.
package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scenrun/scenrun/fsm"
)

// Isolations maps the run field `isolation` (SPEC §10) to what BEGIN says.
var isolations = map[string]string{
	"read_committed":  "BEGIN ISOLATION LEVEL READ COMMITTED",
	"repeatable_read": "BEGIN ISOLATION LEVEL REPEATABLE READ",
	"serializable":    "BEGIN ISOLATION LEVEL SERIALIZABLE",
}

// A DB is one trial's database on a PostgreSQL server. It hands out
// connections (Conn) that have run the Options' connect SQL, keeps up to
// SetMaxIdle of them for reuse, and holds one control connection of its own
// for Init, Rows and WALBytes, which Connects does not count.
type DB struct {
	server       *pgconn.Config // the server URL's: CREATE and DROP DATABASE
	cfg          *pgconn.Config // the trial database's
	url          string         // the trial database's URL, password included: Path
	masked       string         // url with the password masked, for messages
	serverMasked string         // the server URL, masked
	name         string         // the trial database's name
	owned        bool           // created by Open: Close drops it unless kept
	keep         atomic.Bool
	opts         fsm.Options
	begin        string
	wl           *workload

	connects atomic.Int64

	mu      sync.Mutex
	idle    []*Conn
	maxIdle int
	closed  bool

	ctlMu    sync.Mutex
	ctl      *Conn
	walStart string // pg_current_wal_lsn() at the end of Init
}

var _ fsm.Store = (*DB)(nil)

// Open creates a fresh database on the server at serverURL (a URL such as
// postgres://user:password@host:port/postgres?sslmode=disable, or a
// keyword/value string), named scenrun_ and 16 random hex digits, and
// connects to it. isolation is that of every write transaction:
// read_committed (also ""), repeatable_read or serializable. opts.Path is
// SQLite's and ignored; opts.Pragmas and opts.TxLock, SQLite's too, must be
// empty.
//
// The errors a user meets name the server by its URL with the password
// masked: no server, a refused login, no right to create a database.
func Open(ctx context.Context, serverURL string, opts fsm.Options, isolation string) (*DB, error) {
	d, err := newDB(serverURL, opts, isolation)
	if err != nil {
		return nil, err
	}
	admin, err := pgconn.ConnectConfig(ctx, d.server)
	if err != nil {
		return nil, connectError(maskURL(serverURL), err)
	}
	defer closeConn(admin)
	var b [8]byte
	rand.Read(b[:]) // unique, not measured: crypto/rand needs no seed from the spec
	name := "scenrun_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name).ReadAll(); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42501" { // insufficient_privilege
			return nil, fmt.Errorf("postgres %s: no right to create a database (the role needs CREATEDB): %w", maskURL(serverURL), err)
		}
		return nil, fmt.Errorf("postgres %s: create database %s: %w", maskURL(serverURL), name, err)
	}
	d.owned = true
	d.setName(serverURL, name)
	if err := d.connectCtl(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Attach opens the existing database at dbURL (another DB's Path, from a
// worker process for instance). Its Close never drops the database, and its
// WALBytes count from its own Init, or from Attach without one.
func Attach(ctx context.Context, dbURL string, opts fsm.Options, isolation string) (*DB, error) {
	d, err := newDB(dbURL, opts, isolation)
	if err != nil {
		return nil, err
	}
	d.name, d.url, d.masked = d.cfg.Database, dbURL, maskURL(dbURL)
	if err := d.connectCtl(ctx); err != nil {
		return nil, err
	}
	if d.walStart, err = d.ctl.queryText(ctx, "SELECT pg_current_wal_lsn()::text"); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func newDB(serverURL string, opts fsm.Options, isolation string) (*DB, error) {
	if isolation == "" {
		isolation = "read_committed"
	}
	begin, ok := isolations[isolation]
	if !ok {
		return nil, fmt.Errorf("postgres: unknown isolation %q (allowed: read_committed, repeatable_read, serializable)", isolation)
	}
	if opts.TxLock != "" {
		return nil, fmt.Errorf("postgres: txlock %q is SQLite's; PostgreSQL takes an isolation", opts.TxLock)
	}
	if len(opts.Pragmas) > 0 {
		return nil, fmt.Errorf("postgres: pragma %s is SQLite's; PostgreSQL settings go in connect_sql (SET …)", opts.Pragmas[0].Name)
	}
	if opts.Workload == nil {
		return nil, errors.New("postgres: no workload")
	}
	wl, err := compile(opts.Workload)
	if err != nil {
		return nil, err
	}
	cfg, err := pgconn.ParseConfig(serverURL)
	if err != nil {
		return nil, fmt.Errorf("postgres %s: %w", maskURL(serverURL), err)
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "scenrun"
	}
	return &DB{server: cfg, serverMasked: maskURL(serverURL), cfg: cfg.Copy(), opts: opts, begin: begin, wl: wl, maxIdle: 2}, nil
}

// setName points the DB at database name on the server of serverURL.
func (d *DB) setName(serverURL, name string) {
	d.name = name
	d.cfg.Database = name
	if u, err := url.Parse(serverURL); err == nil && strings.Contains(serverURL, "://") {
		u.Path, u.RawPath = "/"+name, ""
		d.url = u.String()
	} else {
		d.url = serverURL + " dbname=" + name
	}
	d.masked = maskURL(d.url)
}

// connectCtl opens the control connection.
func (d *DB) connectCtl(ctx context.Context) error {
	pg, err := pgconn.ConnectConfig(ctx, d.cfg)
	if err != nil {
		return connectError(d.masked, err)
	}
	d.ctl = newConn(d, pg)
	return nil
}

// connectError says why a connection to the server at masked failed, in
// the words of the cases a user meets.
func connectError(masked string, err error) error {
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("postgres %s: no server (connection refused): %w", masked, err)
	case errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000"):
		return fmt.Errorf("postgres %s: login refused: %w", masked, err)
	case errors.As(err, &pgErr) && pgErr.Code == "3D000":
		return fmt.Errorf("postgres %s: no such database: %w", masked, err)
	}
	return fmt.Errorf("postgres %s: %w", masked, err)
}

// closeConn closes a connection that may be dead, without waiting long.
func closeConn(pg *pgconn.PgConn) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return pg.Close(ctx)
}

// Keep makes Close leave the database on the server (SPEC §10 keep_db);
// Name is what to tell the user, Path how to open it again.
func (d *DB) Keep() { d.keep.Store(true) }

// Name is the trial database's name on the server.
func (d *DB) Name() string { return d.name }

// Path is the trial database's URL, password included, which Attach opens
// again; print Name, or the URL through a mask, never Path itself.
func (d *DB) Path() string { return d.url }

// Effective is nil: PostgreSQL runs take no pragmas.
func (d *DB) Effective() []fsm.Pragma { return nil }

// Connects is how many connections Conn has opened so far: a measure of
// connection churn.
func (d *DB) Connects() int64 { return d.connects.Load() }

// SetMaxIdle sets how many released connections are kept for reuse (2 until
// set, as database/sql); 0 closes each connection when it is released, so
// every Conn call opens a new one.
func (d *DB) SetMaxIdle(n int) {
	d.mu.Lock()
	d.maxIdle = max(n, 0)
	var drop []*Conn
	if len(d.idle) > d.maxIdle {
		drop = append(drop, d.idle[d.maxIdle:]...)
		d.idle = d.idle[:d.maxIdle]
	}
	d.mu.Unlock()
	for _, c := range drop {
		closeConn(c.pg)
	}
}

// Conn takes an idle connection, or opens one and runs the connect SQL on
// it. The fsm.Conn is a *Conn.
func (d *DB) Conn(ctx context.Context) (fsm.Conn, error) {
	c, err := d.conn(ctx)
	if err != nil {
		return nil, err // not a nil *Conn in a non-nil interface
	}
	return c, nil
}

func (d *DB) conn(ctx context.Context) (*Conn, error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, errors.New("postgres: database closed")
	}
	if n := len(d.idle); n > 0 {
		c := d.idle[n-1]
		d.idle = d.idle[:n-1]
		d.mu.Unlock()
		return c, nil
	}
	d.mu.Unlock()
	pg, err := pgconn.ConnectConfig(ctx, d.cfg)
	if err != nil {
		return nil, connectError(d.masked, err)
	}
	d.connects.Add(1)
	for _, s := range d.opts.ConnectSQL {
		if _, err := pg.Exec(ctx, s).ReadAll(); err != nil {
			closeConn(pg)
			return nil, fmt.Errorf("connect_sql: %w", &fsm.SQLError{Stmt: s, Err: err})
		}
	}
	return newConn(d, pg), nil
}

// release keeps c for reuse when there is room and c is sound (open, no
// transaction left), else closes it.
func (d *DB) release(c *Conn) error {
	d.mu.Lock()
	if !d.closed && !c.pg.IsClosed() && c.pg.TxStatus() == 'I' && len(d.idle) < d.maxIdle {
		d.idle = append(d.idle, c)
		d.mu.Unlock()
		return nil
	}
	d.mu.Unlock()
	if c.pg.IsClosed() {
		return nil
	}
	return closeConn(c.pg)
}

// Close closes the idle and control connections and drops the database,
// unless Keep was called or the DB was attached. Connections still taken are
// the caller's to close; DROP DATABASE … WITH (FORCE) ends them on the
// server.
func (d *DB) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	idle := d.idle
	d.idle = nil
	d.mu.Unlock()
	for _, c := range idle {
		closeConn(c.pg)
	}
	d.ctlMu.Lock()
	if d.ctl != nil {
		closeConn(d.ctl.pg)
	}
	d.ctlMu.Unlock()
	if !d.owned || d.keep.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgconn.ConnectConfig(ctx, d.server)
	if err != nil {
		return fmt.Errorf("drop database %s: %w", d.name, connectError(d.serverMasked, err))
	}
	defer closeConn(admin)
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+d.name+" WITH (FORCE)").ReadAll(); err != nil {
		return fmt.Errorf("drop database %s: %w", d.name, err)
	}
	return nil
}

// Init creates the workload's schema, runs setupSQL, prepares every
// statement of the workload (so an SQL error fails here, before any item,
// as an *fsm.SQLError with the statement), and seeds n items at the initial
// state in one transaction, the seed statements pipelined a few thousand
// to a round trip. WALBytes counts from its end.
func (d *DB) Init(ctx context.Context, setupSQL []string, n int) error {
	d.ctlMu.Lock()
	defer d.ctlMu.Unlock()
	c := d.ctl
	if _, err := c.pg.Exec(ctx, d.opts.Workload.Schema).ReadAll(); err != nil {
		return fmt.Errorf("create schema: %w", c.sqlErr(d.opts.Workload.Schema, err))
	}
	for _, s := range setupSQL {
		if _, err := c.pg.Exec(ctx, s).ReadAll(); err != nil {
			return fmt.Errorf("setup_sql: %w", c.sqlErr(s, err))
		}
	}
	for t := range d.wl.steps {
		if _, err := c.step(ctx, t); err != nil {
			return err
		}
	}
	if d.wl.reader != nil {
		if _, err := c.readStmt(ctx); err != nil {
			return err
		}
	}
	if err := c.seed(ctx, n); err != nil {
		return fmt.Errorf("seed %d items: %w", n, err)
	}
	var err error
	d.walStart, err = c.queryText(ctx, "SELECT pg_current_wal_lsn()::text")
	return err
}

// IntegrityCheck is "ok": PostgreSQL has no integrity_check of its own, so
// on PostgreSQL the integrity check is the engine's check of Rows (every
// item's row, state and version).
func (d *DB) IntegrityCheck(context.Context) (string, error) { return "ok", nil }

// Rows calls fn for every row of the workload's table, in key order. Keys
// are read as text (a bigint key too) and mapped back to items with the
// workload's KeyFormat.
func (d *DB) Rows(ctx context.Context, fn func(fsm.Row) error) error {
	wl := d.opts.Workload
	version := "-1"
	if wl.Version != "" {
		version = wl.Version
	}
	q := fmt.Sprintf("SELECT %s::text, %s::text, %s FROM %s ORDER BY %s", wl.Key, wl.State, version, wl.Table, wl.Key)
	d.ctlMu.Lock()
	defer d.ctlMu.Unlock()
	rr := d.ctl.pg.ExecParams(ctx, q, nil, nil, nil, nil)
	var err error
	for rr.NextRow() && err == nil {
		v := rr.Values()
		r := fsm.Row{Key: string(v[0]), State: string(v[1])}
		var ok bool
		if r.Item, ok = wl.Keys.Item(r.Key); !ok {
			r.Item = -1
		}
		if r.Version, err = strconv.ParseInt(string(v[2]), 10, 64); err != nil {
			err = fmt.Errorf("row %s: version %q: %w", r.Key, v[2], err)
			break
		}
		err = fn(r)
	}
	if _, cerr := rr.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("read %s: %w", wl.Table, d.ctl.sqlErr(q, cerr))
	}
	return err
}

// WALSize reports no WAL file: PostgreSQL's figure is WALBytes.
func (d *DB) WALSize() (int64, bool) { return 0, false }

// WALBytes is how many bytes of WAL the server wrote since Init (from
// pg_current_wal_lsn()). The WAL is the server's, so writes to other
// databases of the same server during the trial count too.
func (d *DB) WALBytes(ctx context.Context) (int64, error) {
	d.ctlMu.Lock()
	defer d.ctlMu.Unlock()
	if d.walStart == "" {
		return 0, errors.New("wal bytes: Init has not run")
	}
	s, err := d.ctl.queryText(ctx, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '"+d.walStart+"')::bigint::text")
	if err != nil {
		return 0, fmt.Errorf("wal bytes: %w", err)
	}
	return strconv.ParseInt(s, 10, 64)
}
