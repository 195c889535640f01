package postgres

// The PostgreSQL twin scenbench holds the engine against: the files
// workload through a pool of dedicated pgx connections, each write BEGIN
// ISOLATION LEVEL READ COMMITTED, its UPDATE (prepared on every connection),
// COMMIT — what `database: postgres, connection: pool` does, written by hand
// with pgx. Like the engine, it works in a fresh database of its own on the
// server it is given, dropped afterwards. It lives here because only
// fsm/postgres imports the driver, but shares none of this package's store
// code: it talks to the server through pgx alone.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scenrun/scenrun/scenario"
)

// twinSteps are the three UPDATEs of the files workload
// (scenario.FilesWorkload), each with its :name parameters numbered $n in
// order of first use (TestTwinSQLIsTheWorkloads holds them to the
// workload's text). start_upload has no :attempt. fsm/sqlite's twins have
// the same steps with ?n.
var twinSteps = [3]struct {
	name, from, to, sql string
}{
	{"start_upload", "untracked", "uploading", "UPDATE files SET state = $1, version = version + 1, updated_at = $2, attempts = attempts + 1, upload_started_at = $2, error = NULL WHERE path = $3 AND state = $4 AND version = $5"},
	{"complete_upload", "uploading", "processing", "UPDATE files SET state = $1, version = version + 1, updated_at = $2, upload_id = 'up-' || $3, uploaded_at = $2 WHERE path = $4 AND state = $5 AND version = $6"},
	{"complete_processing", "processing", "indexed", "UPDATE files SET state = $1, version = version + 1, updated_at = $2, import_id = 'imp-' || $3, indexed_at = $2 WHERE path = $4 AND state = $5 AND version = $6"},
}

// twinPath is file i's key, the workload's KeyFormat.
func twinPath(i int) string { return fmt.Sprintf("inbox/file-%07d.pdf", i) }

// A pgTwinDB is the twin's own database on the server.
type pgTwinDB struct {
	server, name string
	cfg          *pgx.ConnConfig
}

// createPGTwinDB creates a fresh database on the server at serverURL with
// the files workload's PostgreSQL schema and files untracked files.
func createPGTwinDB(ctx context.Context, serverURL string, files int) (*pgTwinDB, error) {
	admin, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return nil, fmt.Errorf("postgres twin: connect: %w", err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	var b [8]byte
	rand.Read(b[:])
	d := &pgTwinDB{server: serverURL, name: "scenbench_twin_" + hex.EncodeToString(b[:])}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+d.name); err != nil {
		return nil, fmt.Errorf("postgres twin: create database: %w", err)
	}
	if d.cfg, err = pgx.ParseConfig(serverURL); err != nil {
		d.drop(ctx)
		return nil, err
	}
	d.cfg.Database = d.name
	if err := d.init(ctx, files); err != nil {
		d.drop(ctx)
		return nil, err
	}
	return d, nil
}

// url is the twin database's URL.
func (d *pgTwinDB) url() string {
	u, err := url.Parse(d.server)
	if err != nil {
		return d.server
	}
	u.Path = "/" + d.name
	return u.String()
}

func (d *pgTwinDB) connect(ctx context.Context) (*pgx.Conn, error) {
	c, err := pgx.ConnectConfig(ctx, d.cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres twin: connect: %w", err)
	}
	return c, nil
}

func (d *pgTwinDB) init(ctx context.Context, files int) error {
	c, err := d.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	// The schema is several statements: the simple protocol runs them as one.
	if _, err := c.Exec(ctx, scenario.FilesWorkload().Schema["postgres"].Text, pgx.QueryExecModeSimpleProtocol); err != nil {
		return fmt.Errorf("postgres twin: schema: %w", err)
	}
	now := time.Now().UnixMilli()
	_, err = c.Exec(ctx, `INSERT INTO files (path, state, version, created_at, updated_at)
		SELECT 'inbox/file-' || lpad(i::text, 7, '0') || '.pdf', 'untracked', 0, $1, $1 FROM generate_series(0, $2 - 1) AS i`, now, files)
	if err != nil {
		return fmt.Errorf("postgres twin: seed: %w", err)
	}
	return nil
}

// check fails unless every one of files files is indexed at version 3.
func (d *pgTwinDB) check(ctx context.Context, files int) error {
	c, err := d.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM files WHERE state = 'indexed' AND version = 3").Scan(&n); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if n != files {
		return fmt.Errorf("check: %d of %d files indexed at version 3", n, files)
	}
	return nil
}

func (d *pgTwinDB) drop(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, d.server)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+d.name+" WITH (FORCE)")
	return err
}

// pgStepNames are the prepared statements' names.
var pgStepNames = [len(twinSteps)]string{"start_upload", "complete_upload", "complete_processing"}

// pgPoolTwin keeps poolSize connections open, each with the three UPDATEs
// prepared, and lends one to each write.
func pgPoolTwin(ctx context.Context, d *pgTwinDB, files, n, poolSize int) (time.Duration, int, error) {
	pool := make(chan *pgx.Conn, poolSize)
	for range poolSize {
		c, err := d.connect(ctx)
		if err != nil {
			return 0, 0, err
		}
		defer c.Close(context.WithoutCancel(ctx))
		for k, s := range twinSteps {
			if _, err := c.Prepare(ctx, pgStepNames[k], s.sql); err != nil {
				return 0, 0, fmt.Errorf("prepare: %w", err)
			}
		}
		pool <- c
	}
	var committed atomic.Int64
	elapsed, err := workers(ctx, n, files, func(ctx context.Context, _ int) (func(int) error, func() error, error) {
		return func(i int) error {
			for k := range twinSteps {
				c := <-pool
				err := pgWrite(ctx, c, i, k)
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

// pgWrite commits step k of file i on c in a transaction of its own.
func pgWrite(ctx context.Context, c *pgx.Conn, i, k int) (err error) {
	s := twinSteps[k]
	if _, err := c.Exec(ctx, "BEGIN ISOLATION LEVEL READ COMMITTED"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			c.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	now := time.Now().UnixMilli()
	var tag interface{ RowsAffected() int64 }
	if k == 0 {
		tag, err = c.Exec(ctx, pgStepNames[k], s.to, now, twinPath(i), s.from, k)
	} else {
		tag, err = c.Exec(ctx, pgStepNames[k], s.to, now, strconv.Itoa(i)+"-0", twinPath(i), s.from, k)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", s.name, twinPath(i), err)
	}
	if n := tag.RowsAffected(); n != 1 {
		return fmt.Errorf("%s %s: %d rows changed, want 1", s.name, twinPath(i), n)
	}
	if _, err := c.Exec(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Twin runs the PostgreSQL pool twin, with poolSize connections and
// workers goroutines, on a fresh database on the server at serverURL and
// checks that every file ended indexed at version 3. It returns the time
// its state changes took and how many UPDATEs it committed.
func Twin(ctx context.Context, serverURL string, files, workers, poolSize int) (elapsed time.Duration, transitions int, err error) {
	if serverURL == "" {
		return 0, 0, errors.New("postgres twin: no server (SCENRUN_POSTGRES_URL is not set)")
	}
	d, err := createPGTwinDB(ctx, serverURL, files)
	if err != nil {
		return 0, 0, err
	}
	defer func() { err = errors.Join(err, d.drop(ctx)) }()
	elapsed, committed, err := pgPoolTwin(ctx, d, files, workers, poolSize)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres twin pool: %w", err)
	}
	if err := d.check(ctx, files); err != nil {
		return 0, 0, fmt.Errorf("postgres twin pool: %w", err)
	}
	if committed != 3*files {
		return 0, 0, fmt.Errorf("postgres twin pool: %d UPDATEs committed, want %d", committed, 3*files)
	}
	return elapsed, committed, nil
}

// workers runs n workers (numbered 0 … n−1), each calling file for the
// files it claims (the next one not yet claimed), and returns how long they
// took together. The first error stops every worker before its next file.
// (fsm/sqlite's twins have the same.)
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
