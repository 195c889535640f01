package sqlite

// The twins scenbench holds the engine against: for each connection mode, the smallest plain Go program a user
// would write by hand to make the same state changes with the same
// connection pattern, concurrency and pragmas as scenrun's engine in that
// mode — database/sql and the SQLite driver, no engine, no state machine,
// no timing per file. The engine is held against them: engine ÷ twin is what
// scenrun costs over doing the work yourself.
//
// They live here because only fsm/sqlite imports the SQLite driver, but
// they share none of this package's store code (DB, Conn, the connector):
// they talk to github.com/mattn/go-sqlite3 through database/sql alone, so
// that a twin never runs the code it is meant to be held against.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/scenrun/scenrun/scenario"
)

// The connection modes' sizes, which scenbench writes into the engine's
// spec as well so both sides of a ratio use the same ones.
const (
	TwinPoolSize  = 4
	TwinBatchSize = 64
)

// twinSteps are the three UPDATEs of the files workload
// (scenario.FilesWorkload), each with its :name parameters numbered in order
// of first use (TestTwinSQLIsTheWorkloads holds them to the workload's text).
// start_upload has no :attempt.
var twinSteps = [3]struct {
	name, from, to, sql string
}{
	{"start_upload", "untracked", "uploading", "UPDATE files SET state = ?1, version = version + 1, updated_at = ?2, attempts = attempts + 1, upload_started_at = ?2, error = NULL WHERE path = ?3 AND state = ?4 AND version = ?5"},
	{"complete_upload", "uploading", "processing", "UPDATE files SET state = ?1, version = version + 1, updated_at = ?2, upload_id = 'up-' || ?3, uploaded_at = ?2 WHERE path = ?4 AND state = ?5 AND version = ?6"},
	{"complete_processing", "processing", "indexed", "UPDATE files SET state = ?1, version = version + 1, updated_at = ?2, import_id = 'imp-' || ?3, indexed_at = ?2 WHERE path = ?4 AND state = ?5 AND version = ?6"},
}

// TwinSteps is how many UPDATEs the files workload makes a file.
const TwinSteps = len(twinSteps)

// twinSeed is the workload's seed statement, numbered as twinSteps.
const twinSeed = "INSERT INTO files (path, state, version, created_at, updated_at) VALUES (?1, ?2, 0, ?3, ?3)"

// twinPath is file i's key, the workload's KeyFormat.
func twinPath(i int) string { return fmt.Sprintf("inbox/file-%07d.pdf", i) }

// A twin runs files files through workers goroutines on db, seeded and
// opened by openTwinDB. It returns the time its state changes took (from
// when its connections were open, as the engine times a trial) and how many
// UPDATEs it committed.
// pragmas are PRAGMA statements run on each of the twin's connections
// besides the DSN's (the *_nockpt variant's).
type twin func(ctx context.Context, db *sql.DB, files, workers int, pragmas []string) (time.Duration, int, error)

// twinOf is the twin of a connection mode, nil for an unknown one.
func twinOf(mode string) twin {
	switch mode {
	case "per_file":
		return perFileTwin
	case "per_worker":
		return perWorkerTwin
	case "shared":
		return sharedTwin
	case "pool":
		return poolTwin
	case "single_writer":
		return singleWriterTwin
	}
	return nil
}

// TwinModes are the connection modes with a twin of the files workload.
func TwinModes() []string {
	return []string{"per_file", "per_worker", "shared", "pool", "single_writer"}
}

// openTwinDB creates a database at path with the pragmas of the bench on
// every connection (the driver's DSN parameters), checks that journal_mode
// really is wal, creates the workload's schema and seeds files untracked
// files.
func openTwinDB(ctx context.Context, path string, files int) (*sql.DB, error) {
	u := url.URL{Scheme: "file", Path: path, RawQuery: "_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=5000"}
	db, err := sql.Open("sqlite3", u.String())
	if err != nil {
		return nil, fmt.Errorf("open twin db: %w", err)
	}
	if err := initTwinDB(ctx, db, files); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func initTwinDB(ctx context.Context, db *sql.DB, files int) error {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal_mode: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("journal_mode is %q after asking for wal", mode)
	}
	if _, err := db.ExecContext(ctx, scenario.FilesWorkload().Schema["sqlite"].Text); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, twinSeed)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer st.Close()
	now := time.Now().UnixMilli()
	for i := range files {
		if _, err := st.ExecContext(ctx, twinPath(i), "untracked", now); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

// A twinConn is one connection with BEGIN, COMMIT, ROLLBACK and the three
// UPDATEs prepared on it, as the engine's connections have them.
//
// It does not use sql.Tx: Tx.StmtContext prepares a connection's statement
// again on every call and BeginTx starts a goroutine per transaction, and a
// twin is the fastest plain program, not the most idiomatic one. Statements
// run without a context (Stmt.Exec) for the same reason: the driver watches
// a cancellable context with a goroutine per statement. ctx is checked
// between files.
type twinConn struct {
	conn                    *sql.Conn
	begin, commit, rollback *sql.Stmt
	steps                   [len(twinSteps)]*sql.Stmt
}

func openTwinConn(ctx context.Context, db *sql.DB, pragmas []string) (*twinConn, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	c := &twinConn{conn: conn}
	for _, p := range pragmas {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			c.close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	prep := func(dst **sql.Stmt, q string) {
		if err == nil {
			*dst, err = conn.PrepareContext(ctx, q)
		}
	}
	prep(&c.begin, "BEGIN")
	prep(&c.commit, "COMMIT")
	prep(&c.rollback, "ROLLBACK")
	for k := range twinSteps {
		prep(&c.steps[k], twinSteps[k].sql)
	}
	if err != nil {
		c.close()
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return c, nil
}

// update runs step k of file i, inside the caller's transaction.
func (c *twinConn) update(i, k int, now int64) error {
	s := twinSteps[k]
	var res sql.Result
	var err error
	if k == 0 {
		res, err = c.steps[k].Exec(s.to, now, twinPath(i), s.from, k)
	} else {
		res, err = c.steps[k].Exec(s.to, now, strconv.Itoa(i)+"-0", twinPath(i), s.from, k)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", s.name, twinPath(i), err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%s %s: %d rows changed (%v), want 1", s.name, twinPath(i), n, err)
	}
	return nil
}

// write commits step k of file i in a transaction of its own.
func (c *twinConn) write(i, k int) error {
	return c.tx(func(now int64) error { return c.update(i, k, now) })
}

// tx runs fn between BEGIN and COMMIT, rolling back on any error.
func (c *twinConn) tx(fn func(now int64) error) error {
	if _, err := c.begin.Exec(); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	err := fn(time.Now().UnixMilli())
	if err == nil {
		if _, err = c.commit.Exec(); err != nil {
			err = fmt.Errorf("commit: %w", err)
		}
	}
	if err != nil {
		c.rollback.Exec() // SQLite may leave a transaction open after a failed COMMIT
	}
	return err
}

func (c *twinConn) close() error {
	for _, s := range append([]*sql.Stmt{c.begin, c.commit, c.rollback}, c.steps[:]...) {
		if s != nil {
			s.Close()
		}
	}
	return c.conn.Close()
}

// workers runs n workers (numbered 0 … n−1, as the engine's :worker), each calling file for the files it claims (the
// next one not yet claimed), and returns how long they took together. The
// first error stops every worker before its next file.
func workers(ctx context.Context, n, files int, setup func(ctx context.Context, worker int) (file func(i int) error, done func() error, err error)) (time.Duration, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := time.Now()
	for w := range n {
		wg.Go(func() {
			file, done, err := setup(ctx, w)
			if err == nil {
				for ctx.Err() == nil {
					i := int(next.Add(1) - 1)
					if i >= files {
						break
					}
					if err = file(i); err != nil {
						break
					}
				}
				err = errors.Join(err, done())
			}
			if err != nil {
				errs[w] = err
				cancel(err)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return elapsed, err
	}
	return elapsed, context.Cause(ctx)
}

func noop() error { return nil }

// perFileTwin opens a connection for each file and closes it after the
// file's three transactions.
func perFileTwin(ctx context.Context, db *sql.DB, files, n int, pragmas []string) (time.Duration, int, error) {
	db.SetMaxIdleConns(0) // a closed connection is closed, not kept for the next file
	var committed atomic.Int64
	elapsed, err := workers(ctx, n, files, func(ctx context.Context, _ int) (func(int) error, func() error, error) {
		return func(i int) error {
			c, err := openTwinConn(ctx, db, pragmas)
			if err != nil {
				return err
			}
			for k := range twinSteps {
				if err := c.write(i, k); err != nil {
					c.close()
					return err
				}
				committed.Add(1)
			}
			return c.close()
		}, noop, nil
	})
	return elapsed, int(committed.Load()), err
}

// perWorkerTwin gives each worker its own connection for its lifetime.
func perWorkerTwin(ctx context.Context, db *sql.DB, files, n int, pragmas []string) (time.Duration, int, error) {
	db.SetMaxIdleConns(0) // a finished worker's connection is not handed to a later one
	var committed atomic.Int64
	elapsed, err := workers(ctx, n, files, func(ctx context.Context, _ int) (func(int) error, func() error, error) {
		c, err := openTwinConn(ctx, db, pragmas)
		if err != nil {
			return nil, nil, err
		}
		return func(i int) error {
			for k := range twinSteps {
				if err := c.write(i, k); err != nil {
					return err
				}
				committed.Add(1)
			}
			return nil
		}, c.close, nil
	})
	return elapsed, int(committed.Load()), err
}

// sharedTwin has every worker take turns on one connection, a write at a
// time.
func sharedTwin(ctx context.Context, db *sql.DB, files, n int, pragmas []string) (time.Duration, int, error) {
	c, err := openTwinConn(ctx, db, pragmas)
	if err != nil {
		return 0, 0, err
	}
	defer c.close()
	var mu sync.Mutex
	committed := 0
	elapsed, err := workers(ctx, n, files, func(context.Context, int) (func(int) error, func() error, error) {
		return func(i int) error {
			for k := range twinSteps {
				mu.Lock()
				err := c.write(i, k)
				if err == nil {
					committed++
				}
				mu.Unlock()
				if err != nil {
					return err
				}
			}
			return nil
		}, noop, nil
	})
	return elapsed, committed, err
}

// poolTwin keeps TwinPoolSize connections open and lends one to each write.
func poolTwin(ctx context.Context, db *sql.DB, files, n int, pragmas []string) (time.Duration, int, error) {
	db.SetMaxIdleConns(TwinPoolSize)
	pool := make(chan *twinConn, TwinPoolSize)
	for range TwinPoolSize {
		c, err := openTwinConn(ctx, db, pragmas)
		if err != nil {
			return 0, 0, err // the deferred closes close those opened so far
		}
		defer c.close()
		pool <- c
	}
	var committed atomic.Int64
	elapsed, err := workers(ctx, n, files, func(context.Context, int) (func(int) error, func() error, error) {
		return func(i int) error {
			for k := range twinSteps {
				c := <-pool
				err := c.write(i, k)
				pool <- c
				if err != nil {
					return err
				}
				committed.Add(1)
			}
			return nil
		}, noop, nil
	})
	return elapsed, int(committed.Load()), err
}

// singleWriterTwin has one goroutine own the only writing connection and
// commit whatever writes are queued, up to TwinBatchSize a transaction; each
// worker waits for its write's commit before the next.
func singleWriterTwin(ctx context.Context, db *sql.DB, files, n int, pragmas []string) (time.Duration, int, error) {
	c, err := openTwinConn(ctx, db, pragmas)
	if err != nil {
		return 0, 0, err
	}
	defer c.close()
	type request struct {
		i, k int
		done chan error
	}
	reqs := make(chan request, TwinBatchSize)
	committed := 0 // the writer's; read after it has stopped
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		batch := make([]request, 0, TwinBatchSize)
		for first := range reqs {
			batch = append(batch[:0], first)
		fill:
			for len(batch) < TwinBatchSize {
				select {
				case r := <-reqs:
					batch = append(batch, r)
				default:
					break fill
				}
			}
			err := c.tx(func(now int64) error {
				for _, r := range batch {
					if err := c.update(r.i, r.k, now); err != nil {
						return err
					}
				}
				return nil
			})
			if err == nil {
				committed += len(batch)
			}
			for _, r := range batch {
				r.done <- err
			}
		}
	}()
	elapsed, err := workers(ctx, n, files, func(context.Context, int) (func(int) error, func() error, error) {
		done := make(chan error, 1)
		return func(i int) error {
			for k := range twinSteps {
				reqs <- request{i, k, done}
				if err := <-done; err != nil {
					return err
				}
			}
			return nil
		}, noop, nil
	})
	close(reqs)
	<-stopped
	return elapsed, committed, err
}

// A TwinResult is what one twin run measured.
type TwinResult struct {
	Elapsed     time.Duration
	Transitions int
}

// Twin runs the twin of mode on a fresh database in a directory of its
// own under dir (removed afterwards) and checks that every file ended
// indexed at version 3.
func Twin(ctx context.Context, dir, mode string, files, n int, pragmas []string) (TwinResult, error) {
	t := twinOf(mode)
	if t == nil {
		return TwinResult{}, fmt.Errorf("no twin for connection mode %q", mode)
	}
	d, err := os.MkdirTemp(dir, "scenbench-twin-")
	if err != nil {
		return TwinResult{}, err
	}
	defer os.RemoveAll(d)
	db, err := openTwinDB(ctx, filepath.Join(d, "twin.db"), files)
	if err != nil {
		return TwinResult{}, err
	}
	defer db.Close()
	elapsed, committed, err := t(ctx, db, files, n, pragmas)
	if err != nil {
		return TwinResult{}, fmt.Errorf("twin %s: %w", mode, err)
	}
	if err := checkTwinDB(ctx, db, files); err != nil {
		return TwinResult{}, fmt.Errorf("twin %s: %w", mode, err)
	}
	if committed != 3*files {
		return TwinResult{}, fmt.Errorf("twin %s: %d UPDATEs committed, want %d", mode, committed, 3*files)
	}
	return TwinResult{Elapsed: elapsed, Transitions: committed}, nil
}

// checkTwinDB fails unless every one of files files is indexed at version 3.
func checkTwinDB(ctx context.Context, db *sql.DB, files int) error {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM files WHERE state = 'indexed' AND version = 3").Scan(&n); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if n != files {
		return fmt.Errorf("check: %d of %d files indexed at version 3", n, files)
	}
	return nil
}
