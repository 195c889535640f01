package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/scenrun/scenrun/fsm"
)

// Check builds w's schema and seeds two items on a fresh in-memory
// database, then prepares every transition's statements and the reader's:
// what `validate` and every run do before anything runs, so that an SQL
// error is a spec error at the statement's position. setupSQL (the run's
// setup_sql) runs after the schema, as it does in a trial. Each problem is
// an *fsm.StmtError; they come back joined.
func Check(ctx context.Context, w *fsm.Workload, setupSQL []string) error {
	db, err := Open(ctx, fsm.Options{Path: ":memory:", Workload: w})
	if err != nil {
		return err
	}
	defer db.Close()
	// One connection: every connection to :memory: is a database of its own.
	db.db.SetMaxOpenConns(1)
	conn, err := db.conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var errs []error
	err = conn.c.Raw(func(dc any) error {
		if _, err := dc.(driver.ExecerContext).ExecContext(ctx, w.Schema, nil); err != nil {
			return &fsm.StmtError{Part: "schema", Err: err}
		}
		for _, s := range setupSQL {
			if _, err := dc.(driver.ExecerContext).ExecContext(ctx, s, nil); err != nil {
				return &fsm.StmtError{Part: "setup_sql", Err: err}
			}
		}
		if err := conn.seed(dc, 2); err != nil {
			var se *fsm.SQLError
			if errors.As(err, &se) {
				err = se.Err
			}
			errs = append(errs, &fsm.StmtError{Part: "seed", Err: err})
		} else if err := checkSeeded(ctx, dc, w); err != nil {
			errs = append(errs, &fsm.StmtError{Part: "seed", Err: err})
		}
		for t := range w.Transitions {
			for k := range w.Transitions[t].SQL {
				if _, err := conn.prepare(dc, &w.Transitions[t].SQL[k]); err != nil {
					var se *fsm.SQLError
					if errors.As(err, &se) {
						err = se.Err
					}
					errs = append(errs, &fsm.StmtError{Part: "transition", Transition: t, Index: k, Err: err})
				}
			}
		}
		if w.Reader != nil {
			if _, err := conn.prepare(dc, w.Reader); err != nil {
				var se *fsm.SQLError
				if errors.As(err, &se) {
					err = se.Err
				}
				errs = append(errs, &fsm.StmtError{Part: "reader", Err: err})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return nil
}

// checkSeeded reads back the first seeded item: its state must be the
// initial state and, where the workload names a version column, its
// version 0 — else every step's optimistic-concurrency check would fail
// (a nullable version column with no default leaves NULL).
func checkSeeded(ctx context.Context, dc any, w *fsm.Workload) error {
	version := "0"
	if w.Version != "" {
		version = quoteIdent(w.Version)
	}
	q := "SELECT " + quoteIdent(w.State) + ", " + version + " FROM " + quoteIdent(w.Table) + " WHERE " + quoteIdent(w.Key) + " = ?"
	rows, err := dc.(driver.QueryerContext).QueryContext(ctx, q, []driver.NamedValue{{Ordinal: 1, Value: w.Keys.Key(0)}})
	if err != nil {
		return fmt.Errorf("read the seeded row back: %w", err)
	}
	defer rows.Close()
	dest := make([]driver.Value, 2)
	if err := rows.Next(dest); err != nil {
		return fmt.Errorf("the seed wrote no row with %s = %v", w.Key, w.Keys.Key(0))
	}
	initial := w.Def.StateName(w.Initial)
	if st, _ := dest[0].(string); st != initial {
		if b, ok := dest[0].([]byte); !ok || string(b) != initial {
			return fmt.Errorf("the seed leaves state %q, want the initial state %q", fmt.Sprint(dest[0]), initial)
		}
	}
	switch v := dest[1].(type) {
	case nil:
		return fmt.Errorf("the seed leaves version NULL: give the %s column DEFAULT 0 or set it in the seed", w.Version)
	case int64:
		if v != 0 {
			return fmt.Errorf("the seed leaves version %d, want 0", v)
		}
	}
	return nil
}

// UnknownPragmas returns the names among names that this SQLite does not
// know (pragma_pragma_list), in order: what a run would fail on (exit 3),
// said before it runs.
func UnknownPragmas(ctx context.Context, names []string) ([]string, error) {
	db, err := Open(ctx, fsm.Options{Path: ":memory:"})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var out []string
	for _, n := range names {
		var k int
		if err := db.db.QueryRowContext(ctx, "SELECT count(*) FROM pragma_pragma_list WHERE name = ?", strings.ToLower(n)).Scan(&k); err != nil {
			return nil, err
		}
		if k == 0 {
			out = append(out, n)
		}
	}
	return out, nil
}

// CheckPragmas opens a scratch database file in dir with pragmas, as a run
// opens its database, and returns why that fails, if it does: most often a
// value SQLite ignores and reads back otherwise (journal_mode = wall reads
// back delete). The files are removed afterwards. It lets validate say
// before running what would fail the run once it starts.
func CheckPragmas(ctx context.Context, dir string, pragmas []fsm.Pragma) error {
	path := filepath.Join(dir, "pragmas.db")
	defer func() {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			os.Remove(path + suffix)
		}
	}()
	db, err := Open(ctx, fsm.Options{Path: path, Pragmas: pragmas})
	if err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			return inner // without Open's "open PATH: ", a scratch path
		}
		return err
	}
	return db.Close()
}
