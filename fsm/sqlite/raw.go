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
	// The steps of the workload's first three transitions: for the files
	// workload, start_upload, complete_upload, complete_processing, each
	// one UPDATE.
	w := opts.Workload
	if len(w.Transitions) < 3 {
		return RawResult{}, fmt.Errorf("raw loop: want a workload of three one-statement steps")
	}
	steps := w.Transitions[:3]
	for _, s := range steps {
		if len(s.SQL) != 1 {
			return RawResult{}, fmt.Errorf("raw loop: step %s has %d statements, want 1", s.Name, len(s.SQL))
		}
	}
	var res RawResult
	switch mode {
	case RawSQL:
		var stmts [3]*sql.Stmt
		for k, s := range steps {
			if stmts[k], err = conn.PrepareContext(ctx, s.SQL[0].SQL); err != nil {
				return res, fmt.Errorf("raw loop: prepare %s: %w", s.Name, err)
			}
			defer stmts[k].Close()
		}
		bg := context.Background()
		start := time.Now()
		for i := range files {
			key := w.Keys.Key(i)
			for k, s := range steps {
				now := time.Now().UnixMilli()
				tx, err := conn.BeginTx(bg, nil)
				if err != nil {
					return res, fmt.Errorf("raw loop: begin: %w", err)
				}
				args := make([]any, len(s.SQL[0].Params))
				for j, p := range s.SQL[0].Params {
					args[j] = rawArg(w, p, s.TransitionDef, key, k, now)
				}
				r, err := tx.StmtContext(bg, stmts[k]).ExecContext(bg, args...)
				if err == nil {
					err = affected(r)
				}
				if err != nil {
					tx.Rollback()
					return res, fmt.Errorf("raw loop: %s %v: %w", s.Name, key, err)
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
			var stmts [3]driver.StmtExecContext
			for k, s := range steps {
				st, closeSt, err := prep(s.SQL[0].SQL)
				if err != nil {
					return err
				}
				defer closeSt()
				stmts[k] = st
			}
			bg := context.Background()
			var args [3][]driver.NamedValue
			for k, s := range steps {
				args[k] = make([]driver.NamedValue, len(s.SQL[0].Params))
				for j := range args[k] {
					args[k][j].Ordinal = j + 1
				}
			}
			start := time.Now()
			for i := range files {
				key := w.Keys.Key(i)
				for k, s := range steps {
					now := time.Now().UnixMilli()
					if _, err := begin.ExecContext(bg, nil); err != nil {
						return fmt.Errorf("raw loop: begin: %w", err)
					}
					for j, p := range s.SQL[0].Params {
						args[k][j].Value = rawArg(w, p, s.TransitionDef, key, k, now)
					}
					r, err := stmts[k].ExecContext(bg, args[k])
					if err == nil {
						err = affected(r)
					}
					if err == nil {
						_, err = commit.ExecContext(bg, nil)
					}
					if err != nil {
						dc.(driver.ExecerContext).ExecContext(bg, "ROLLBACK", nil)
						return fmt.Errorf("raw loop: %s %v: %w", s.Name, key, err)
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

// rawArg is the value of parameter p of step k of the item with key: what
// the engine binds for the first attempt.
func rawArg(w *fsm.Workload, p string, t fsm.TransitionDef, key any, k int, now int64) any {
	switch p {
	case "item":
		return key
	case "from":
		return w.Def.StateName(t.From)
	case "to":
		return w.Def.StateName(t.To)
	case "now":
		return now
	case "version":
		return int64(k)
	}
	return int64(0) // attempt, worker
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
