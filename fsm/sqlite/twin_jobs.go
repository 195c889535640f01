package sqlite

// The read-then-write twins (see twin.go): SPEC §9's job queue, where a worker claims a
// job by reading its version and writing it back only if it is unchanged
// (BEGIN IMMEDIATE; SELECT version …; UPDATE … WHERE version = ?; COMMIT),
// then finishes it. The engine runs the same workload from JobsWorkloadYAML
// with txlock: immediate, so neither side meets a busy error: the write lock
// is taken at BEGIN, and waiting for it is the busy handler's.

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// twinJobsSchema is the jobs table, on both sides of a ratio.
const twinJobsSchema = `CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0, worker INTEGER, result TEXT);
CREATE INDEX jobs_state ON jobs (state);`

// twinJobsSteps are the workload's two steps, their statements numbered as
// twinSteps' (TestJobsTwinSQLIsTheSpecs holds them to JobsWorkloadYAML).
var twinJobsSteps = [2]struct {
	name, from, to string
	sql            []string
}{
	{"claim", "queued", "running", []string{
		"SELECT version AS v FROM jobs WHERE id = ?1",
		"UPDATE jobs SET state = ?1, version = ?2 + 1, worker = ?3 WHERE id = ?4 AND version = ?2",
	}},
	{"finish", "running", "done", []string{
		"UPDATE jobs SET state = ?1, version = version + 1, result = 'ok' WHERE id = ?2 AND state = ?3",
	}},
}

// JobsTwinSteps is how many writes the jobs workload makes a job.
const JobsTwinSteps = len(twinJobsSteps)

// twinJobsSeed is the workload's default seed.
const twinJobsSeed = "INSERT INTO jobs (id, state) VALUES (?1, ?2)"

// JobsWorkloadYAML is the engine's side: the same workload as a spec's
// `workloads:` entry, indented to sit under it.
var JobsWorkloadYAML = `  jobs:
    description: Workers read a job's version, then claim it; then finish it.
    schema: |
      ` + strings.ReplaceAll(twinJobsSchema, "\n", "\n      ") + `
    table: jobs
    key: id
    version: version
    states: [queued, running, done]
    initial: queued
    done: [done]
    steps:
      - name: claim
        from: queued
        to: running
        sql:
          - SELECT version AS v FROM jobs WHERE id = :item
          - UPDATE jobs SET state = :to, version = :v + 1, worker = :worker WHERE id = :item AND version = :v
      - name: finish
        from: running
        to: done
        sql:
          - UPDATE jobs SET state = :to, version = version + 1, result = 'ok' WHERE id = :item AND state = :from
`

// A jobsTwin runs items jobs through workers goroutines on db, as twin.
type jobsTwin func(ctx context.Context, db *sql.DB, items, workers int) (time.Duration, int, error)

// jobsTwinOf is the read-then-write twin of a connection mode, nil for one
// without.
func jobsTwinOf(mode string) jobsTwin {
	switch mode {
	case "per_file":
		return jobsPerFileTwin
	case "pool":
		return jobsPoolTwin
	case "single_writer":
		return jobsSingleWriterTwin
	}
	return nil
}

// JobsTwinModes are the connection modes with a read-then-write twin.
func JobsTwinModes() []string { return []string{"per_file", "pool", "single_writer"} }

// openJobsDB creates the jobs database at path, as openTwinDB the files one,
// with every connection's transactions BEGIN IMMEDIATE (the driver's
// _txlock applies to BeginTx only; the twins prepare their own BEGIN).
func openJobsDB(ctx context.Context, path string, items int) (*sql.DB, error) {
	u := url.URL{Scheme: "file", Path: path, RawQuery: "_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=5000"}
	db, err := sql.Open("sqlite3", u.String())
	if err != nil {
		return nil, fmt.Errorf("open jobs db: %w", err)
	}
	err = func() error {
		var mode string
		if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			return fmt.Errorf("read journal_mode: %w", err)
		}
		if mode != "wal" {
			return fmt.Errorf("journal_mode is %q after asking for wal", mode)
		}
		if _, err := db.ExecContext(ctx, twinJobsSchema); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		defer tx.Rollback()
		for i := range items {
			if _, err := tx.ExecContext(ctx, twinJobsSeed, i, "queued"); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
		}
		return tx.Commit()
	}()
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// A jobsConn is one connection with BEGIN IMMEDIATE, COMMIT, ROLLBACK, the
// savepoint statements the single writer brackets a claim with, and the
// steps' statements prepared on it (as twinConn, without sql.Tx).
type jobsConn struct {
	conn                                        *sql.Conn
	begin, commit, rollback, savepoint, release *sql.Stmt
	sel, claim, finish                          *sql.Stmt
}

func openJobsConn(ctx context.Context, db *sql.DB) (*jobsConn, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	c := &jobsConn{conn: conn}
	prep := func(dst **sql.Stmt, q string) {
		if err == nil {
			*dst, err = conn.PrepareContext(ctx, q)
		}
	}
	prep(&c.begin, "BEGIN IMMEDIATE")
	prep(&c.commit, "COMMIT")
	prep(&c.rollback, "ROLLBACK")
	prep(&c.savepoint, "SAVEPOINT w")
	prep(&c.release, "RELEASE w")
	prep(&c.sel, twinJobsSteps[0].sql[0])
	prep(&c.claim, twinJobsSteps[0].sql[1])
	prep(&c.finish, twinJobsSteps[1].sql[0])
	if err != nil {
		c.close()
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return c, nil
}

// step runs step k of job i for worker, inside the caller's transaction.
func (c *jobsConn) step(i, k, worker int) error {
	s := twinJobsSteps[k]
	var res sql.Result
	var err error
	if k == 0 {
		var v int64
		if err = c.sel.QueryRow(i).Scan(&v); err == nil {
			res, err = c.claim.Exec(s.to, v, worker, i)
		}
	} else {
		res, err = c.finish.Exec(s.to, i, s.from)
	}
	if err != nil {
		return fmt.Errorf("%s %d: %w", s.name, i, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%s %d: %d rows changed (%v), want 1", s.name, i, n, err)
	}
	return nil
}

// tx runs fn between BEGIN IMMEDIATE and COMMIT, rolling back on any error.
func (c *jobsConn) tx(fn func() error) error {
	if _, err := c.begin.Exec(); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	err := fn()
	if err == nil {
		if _, err = c.commit.Exec(); err != nil {
			err = fmt.Errorf("commit: %w", err)
		}
	}
	if err != nil {
		c.rollback.Exec()
	}
	return err
}

// write commits step k of job i in a transaction of its own.
func (c *jobsConn) write(i, k, worker int) error {
	return c.tx(func() error { return c.step(i, k, worker) })
}

func (c *jobsConn) close() error {
	for _, s := range []*sql.Stmt{c.begin, c.commit, c.rollback, c.savepoint, c.release, c.sel, c.claim, c.finish} {
		if s != nil {
			s.Close()
		}
	}
	return c.conn.Close()
}

// jobsPerFileTwin opens a connection for each job and closes it after the
// job's two transactions.
func jobsPerFileTwin(ctx context.Context, db *sql.DB, items, n int) (time.Duration, int, error) {
	db.SetMaxIdleConns(0)
	var committed atomic.Int64
	elapsed, err := workers(ctx, n, items, func(ctx context.Context, w int) (func(int) error, func() error, error) {
		return func(i int) error {
			c, err := openJobsConn(ctx, db)
			if err != nil {
				return err
			}
			for k := range twinJobsSteps {
				if err := c.write(i, k, w); err != nil {
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

// jobsPoolTwin keeps TwinPoolSize connections open and lends one to each write.
func jobsPoolTwin(ctx context.Context, db *sql.DB, items, n int) (time.Duration, int, error) {
	db.SetMaxIdleConns(TwinPoolSize)
	pool := make(chan *jobsConn, TwinPoolSize)
	for range TwinPoolSize {
		c, err := openJobsConn(ctx, db)
		if err != nil {
			return 0, 0, err
		}
		defer c.close()
		pool <- c
	}
	var committed atomic.Int64
	elapsed, err := workers(ctx, n, items, func(_ context.Context, w int) (func(int) error, func() error, error) {
		return func(i int) error {
			for k := range twinJobsSteps {
				c := <-pool
				err := c.write(i, k, w)
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

// jobsSingleWriterTwin has one goroutine commit the queued writes, up to
// TwinBatchSize a transaction, a claim (two statements) inside a savepoint of
// its own so that a conflict would undo it alone, as the engine's.
func jobsSingleWriterTwin(ctx context.Context, db *sql.DB, items, n int) (time.Duration, int, error) {
	c, err := openJobsConn(ctx, db)
	if err != nil {
		return 0, 0, err
	}
	defer c.close()
	type request struct {
		i, k, worker int
		done         chan error
	}
	reqs := make(chan request, TwinBatchSize)
	committed := 0
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
			err := c.tx(func() error {
				for _, r := range batch {
					multi := len(twinJobsSteps[r.k].sql) > 1
					if multi {
						if _, err := c.savepoint.Exec(); err != nil {
							return err
						}
					}
					if err := c.step(r.i, r.k, r.worker); err != nil {
						return err
					}
					if multi {
						if _, err := c.release.Exec(); err != nil {
							return err
						}
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
	elapsed, err := workers(ctx, n, items, func(_ context.Context, w int) (func(int) error, func() error, error) {
		done := make(chan error, 1)
		return func(i int) error {
			for k := range twinJobsSteps {
				reqs <- request{i, k, w, done}
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

// JobsTwin runs the read-then-write twin of mode on a fresh database in
// a directory of its own under dir and checks every job done at version 2.
func JobsTwin(ctx context.Context, dir, mode string, items, n int) (TwinResult, error) {
	t := jobsTwinOf(mode)
	if t == nil {
		return TwinResult{}, fmt.Errorf("no read-then-write twin for connection mode %q", mode)
	}
	d, err := os.MkdirTemp(dir, "scenbench-twin-")
	if err != nil {
		return TwinResult{}, err
	}
	defer os.RemoveAll(d)
	db, err := openJobsDB(ctx, filepath.Join(d, "jobs.db"), items)
	if err != nil {
		return TwinResult{}, err
	}
	defer db.Close()
	elapsed, committed, err := t(ctx, db, items, n)
	if err != nil {
		return TwinResult{}, fmt.Errorf("jobs twin %s: %w", mode, err)
	}
	if err := checkJobsDB(ctx, db, items); err != nil {
		return TwinResult{}, fmt.Errorf("jobs twin %s: %w", mode, err)
	}
	if want := len(twinJobsSteps) * items; committed != want {
		return TwinResult{}, fmt.Errorf("jobs twin %s: %d writes committed, want %d", mode, committed, want)
	}
	return TwinResult{Elapsed: elapsed, Transitions: committed}, nil
}

// checkJobsDB fails unless every one of items jobs is done at version 2.
func checkJobsDB(ctx context.Context, db *sql.DB, items int) error {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM jobs WHERE state = 'done' AND version = 2 AND result = 'ok' AND worker IS NOT NULL").Scan(&n); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if n != items {
		return fmt.Errorf("check: %d of %d jobs done at version 2", n, items)
	}
	return nil
}
