package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/scenrun/scenrun/fsm"
)

// RawMode is how RawLoop talks to SQLite.
type RawMode int

const (
	// RawDriver calls the SQLite driver's prepared statements directly, with
	// BEGIN, UPDATE and COMMIT each one call: the least Go can add.
	RawDriver RawMode = iota
	// RawSQL is the idiomatic database/sql loop: BeginTx, a prepared
	// statement bound to the transaction, Commit.
	RawSQL
)

func (m RawMode) String() string {
	switch m {
	case RawDriver:
		return "driver"
	case RawSQL:
		return "database_sql"
	}
	return "RawMode(" + strconv.Itoa(int(m)) + ")"
}

// A RawResult is what one RawLoop measured.
type RawResult struct {
	Elapsed     time.Duration // the state changes only: not opening or seeding
	Transitions int
}

// RawLoop is the limit scenrun's engine is held against: a plain loop on one
// connection that makes the state changes a zero-latency run makes — for
// each of files files, start_upload, complete_upload and
// complete_processing, each its own BEGIN (as opts.TxLock says), the same
// UPDATE with the same parameters, and COMMIT — with nothing else: no
// machine, no timing, no goroutines. The database is a fresh one in dir,
// opened with opts (pragmas, connect SQL) and seeded as Init seeds; it is
// removed afterwards.
func RawLoop(ctx context.Context, dir string, opts fsm.Options, files int, mode RawMode) (RawResult, error) {
	d, err := os.MkdirTemp(dir, "scenrun-raw-")
	if err != nil {
		return RawResult{}, fmt.Errorf("raw loop: %w", err)
	}
	defer os.RemoveAll(d)
	opts.Path = filepath.Join(d, "raw.db")
	db, err := Open(ctx, opts)
	if err != nil {
		return RawResult{}, err
	}
	defer db.Close()
	if err := db.Init(ctx, nil, files); err != nil {
		return RawResult{}, err
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return RawResult{}, fmt.Errorf("raw loop: %w", err)
	}
	defer conn.Close()
	steps := [...]struct {
		t        fsm.Transition
		from, to fsm.State
	}{{fsm.StartUpload, fsm.Untracked, fsm.Uploading}, {fsm.CompleteUpload, fsm.Uploading, fsm.Processing}, {fsm.CompleteProcessing, fsm.Processing, fsm.Indexed}}
	var res RawResult
	switch mode {
	case RawSQL:
		var stmts [len(steps)]*sql.Stmt
		for k, s := range steps {
			if stmts[k], err = conn.PrepareContext(ctx, updateSQL(s.t)); err != nil {
				return res, fmt.Errorf("raw loop: prepare %s: %w", s.t, err)
			}
			defer stmts[k].Close()
		}
		bg := context.Background()
		start := time.Now()
		for i := range files {
			path := fsm.Path(i)
			for k, s := range steps {
				now := time.Now().UnixMilli()
				tx, err := conn.BeginTx(bg, nil)
				if err != nil {
					return res, fmt.Errorf("raw loop: begin: %w", err)
				}
				r, err := tx.StmtContext(bg, stmts[k]).ExecContext(bg, s.to.String(), now, rawArg(k, i, now), path, s.from.String(), int64(k))
				if err == nil {
					err = affected(r)
				}
				if err != nil {
					tx.Rollback()
					return res, fmt.Errorf("raw loop: %s %s: %w", s.t, path, err)
				}
				if err := tx.Commit(); err != nil {
					return res, fmt.Errorf("raw loop: commit: %w", err)
				}
				res.Transitions++
			}
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
		}
		res.Elapsed = time.Since(start)
	default:
		err = conn.Raw(func(dc any) error {
			prep := func(q string) (driver.StmtExecContext, func(), error) {
				s, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, q)
				if err != nil {
					return nil, nil, fmt.Errorf("raw loop: prepare %q: %w", q, err)
				}
				return s.(driver.StmtExecContext), func() { s.Close() }, nil
			}
			begin, closeBegin, err := prep(beginSQL(opts.TxLock))
			if err != nil {
				return err
			}
			defer closeBegin()
			commit, closeCommit, err := prep("COMMIT")
			if err != nil {
				return err
			}
			defer closeCommit()
			var stmts [len(steps)]driver.StmtExecContext
			for k, s := range steps {
				st, closeSt, err := prep(updateSQL(s.t))
				if err != nil {
					return err
				}
				defer closeSt()
				stmts[k] = st
			}
			bg := context.Background()
			args := make([]driver.NamedValue, 6)
			for k := range args {
				args[k].Ordinal = k + 1
			}
			start := time.Now()
			for i := range files {
				path := fsm.Path(i)
				for k, s := range steps {
					now := time.Now().UnixMilli()
					if _, err := begin.ExecContext(bg, nil); err != nil {
						return fmt.Errorf("raw loop: begin: %w", err)
					}
					args[0].Value, args[1].Value, args[2].Value = s.to.String(), now, rawArg(k, i, now)
					args[3].Value, args[4].Value, args[5].Value = path, s.from.String(), int64(k)
					r, err := stmts[k].ExecContext(bg, args)
					if err == nil {
						err = affected(r)
					}
					if err == nil {
						_, err = commit.ExecContext(bg, nil)
					}
					if err != nil {
						dc.(driver.ExecerContext).ExecContext(bg, "ROLLBACK", nil)
						return fmt.Errorf("raw loop: %s %s: %w", s.t, path, err)
					}
					res.Transitions++
				}
				if ctx.Err() != nil {
					return ctx.Err()
				}
			}
			res.Elapsed = time.Since(start)
			return nil
		})
	}
	return res, err
}

// rawArg is the argument the engine records for step k of file i: the start
// time, the upload id, the import id.
func rawArg(k, i int, now int64) any {
	switch k {
	case 0:
		return now
	case 1:
		return "up-" + strconv.Itoa(i) + "-0"
	}
	return "imp-" + strconv.Itoa(i) + "-0"
}

func affected(r interface{ RowsAffected() (int64, error) }) error {
	n, err := r.RowsAffected()
	if err == nil && n == 0 {
		err = fsm.ErrConflict
	}
	return err
}

// beginSQL is the statement that begins a write transaction under txlock.
func beginSQL(txlock string) string {
	switch txlock {
	case "immediate":
		return "BEGIN IMMEDIATE"
	case "exclusive":
		return "BEGIN EXCLUSIVE"
	}
	return "BEGIN"
}
