package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/scenario"
)

var walNormal = []fsm.Pragma{{Name: "journal_mode", Value: "wal"}, {Name: "synchronous", Value: "normal"}, {Name: "busy_timeout", Value: "5000"}}

// filesWorkload is the built-in files workload, compiled for SQLite:
// transitions 0, 1, 2 are start_upload, complete_upload and
// complete_processing.
func filesWorkload(t testing.TB) *fsm.Workload {
	t.Helper()
	c, err := scenario.FilesWorkload().Compile("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	return c.Workload
}

// write is transition k of item i at version v, from and to the states the
// machine would fire it between.
func write(w *fsm.Workload, k, i int, v int64) fsm.Write {
	tr := &w.Transitions[k]
	return fsm.Write{Transition: k, Item: i, Key: w.Keys.Key(i), From: tr.From, To: tr.To, Version: v}
}

// openTest opens a database of opts (the files workload and WAL mode by
// default) and seeds it with files items.
func openTest(t *testing.T, opts fsm.Options, files int) *DB {
	t.Helper()
	if opts.Workload == nil {
		opts.Workload = filesWorkload(t)
	}
	if opts.Path == "" {
		opts.Path = filepath.Join(t.TempDir(), "test.db")
	}
	if opts.Pragmas == nil {
		opts.Pragmas = walNormal
	}
	db, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Init(context.Background(), nil, files); err != nil {
		t.Fatalf("Init: %v", err)
	}
	return db
}

func TestOpenReadsPragmasBack(t *testing.T) {
	db := openTest(t, fsm.Options{Pragmas: []fsm.Pragma{{Name: "journal_mode", Value: "wal"}, {Name: "synchronous", Value: "full"}, {Name: "cache_size", Value: "-4000"}}}, 0)
	got := db.Effective()
	want := []fsm.Pragma{{Name: "journal_mode", Value: "wal"}, {Name: "synchronous", Value: "2"}, {Name: "cache_size", Value: "-4000"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("pragma %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

func TestOpenRejectsUnknownPragma(t *testing.T) {
	_, err := Open(context.Background(), fsm.Options{Path: filepath.Join(t.TempDir(), "x.db"), Pragmas: []fsm.Pragma{{Name: "journal_mode", Value: "wal"}, {Name: "synchronus", Value: "normal"}}})
	if err == nil || !strings.Contains(err.Error(), `unknown pragma "synchronus"`) {
		t.Fatalf("got %v, want unknown pragma error", err)
	}
}

func TestOpenFailsWhenWALIsNotGranted(t *testing.T) {
	// An in-memory database cannot be in WAL mode; SQLite answers "memory".
	_, err := Open(context.Background(), fsm.Options{Path: ":memory:", Workload: filesWorkload(t), Pragmas: []fsm.Pragma{{Name: "journal_mode", Value: "wal"}}})
	if err == nil || !strings.Contains(err.Error(), `journal_mode is "memory" after asking for wal`) {
		t.Fatalf("got %v, want wal refusal", err)
	}
}

func TestConnectSQLErrorNamesStatement(t *testing.T) {
	_, err := Open(context.Background(), fsm.Options{Path: filepath.Join(t.TempDir(), "x.db"), Pragmas: walNormal, ConnectSQL: []string{"SELEC 1"}})
	var se *fsm.SQLError
	if !errors.As(err, &se) || se.Stmt != "SELEC 1" || !strings.Contains(err.Error(), "syntax error") {
		t.Fatalf("got %v, want SQLError naming the statement", err)
	}
}

func TestSetupSQLErrorNamesStatement(t *testing.T) {
	db, err := Open(context.Background(), fsm.Options{Path: filepath.Join(t.TempDir(), "x.db"), Pragmas: walNormal, Workload: filesWorkload(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Init(context.Background(), []string{"CREATE INDEX i ON nosuch(x)"}, 3)
	if err == nil || !strings.Contains(err.Error(), "CREATE INDEX i ON nosuch(x)") || !strings.Contains(err.Error(), "no such table") {
		t.Fatalf("got %v, want the statement and SQLite's message", err)
	}
}

func TestInitSeedsUntrackedFiles(t *testing.T) {
	db := openTest(t, fsm.Options{}, 25)
	keys := db.opts.Workload.Keys
	n := 0
	err := db.Rows(context.Background(), func(r fsm.Row) error {
		want := fsm.Row{Key: keys.String(n), Item: n, State: "untracked", Version: 0}
		if r != want {
			t.Errorf("row %d: got %+v, want %+v", n, r, want)
		}
		n++
		return nil
	})
	if err != nil || n != 25 {
		t.Fatalf("got %d rows, err %v; want 25", n, err)
	}
}

func TestApplyDetectsConflict(t *testing.T) {
	db := openTest(t, fsm.Options{}, 1)
	ctx := context.Background()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := write(db.opts.Workload, 0, 0, 0)
	if _, err := c.Apply(ctx, &w); err != nil {
		t.Fatalf("first apply: %v", err)
	}
	// The same change again finds the file at version 1: a conflict, not a silent no-op.
	if _, err := c.Apply(ctx, &w); !errors.Is(err, fsm.ErrConflict) {
		t.Fatalf("second apply: got %v, want ErrConflict", err)
	}
	var got fsm.Row
	db.Rows(ctx, func(r fsm.Row) error { got = r; return nil })
	if got.State != "uploading" || got.Version != 1 {
		t.Fatalf("got %+v, want uploading v1", got)
	}
}

func TestCheckConstraintRejectsUnknownState(t *testing.T) {
	db := openTest(t, fsm.Options{}, 1)
	if _, err := db.db.Exec("UPDATE files SET state = 'done'"); err == nil || !strings.Contains(err.Error(), "CHECK constraint") {
		t.Fatalf("got %v, want CHECK constraint failure", err)
	}
}

func TestApplyBatchCommitsAllButConflicts(t *testing.T) {
	db := openTest(t, fsm.Options{}, 3)
	ctx := context.Background()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := db.opts.Workload
	ws := []fsm.Write{write(w, 0, 0, 0), write(w, 0, 1, 7) /* stale */, write(w, 0, 2, 0)}
	timings := make([]fsm.Timing, 3)
	errs := make([]error, 3)
	if _, err := c.ApplyBatch(ctx, ws, timings, errs); err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || !errors.Is(errs[1], fsm.ErrConflict) || errs[2] != nil {
		t.Fatalf("got errs %v, want only #1 in conflict", errs)
	}
	want := []int64{1, 0, 1}
	i := 0
	db.Rows(ctx, func(r fsm.Row) error {
		if r.Version != want[i] {
			t.Errorf("%s: got v%d, want v%d", r.Key, r.Version, want[i])
		}
		i++
		return nil
	})
}

// TestConcurrentWritersLoseNothing races 50 connections over the same files:
// every change commits exactly once or is reported as a conflict.
func TestConcurrentWritersLoseNothing(t *testing.T) {
	db := openTest(t, fsm.Options{TxLock: "immediate"}, 20)
	ctx := context.Background()
	var mu sync.Mutex
	ok, conflicts := 0, 0
	var wg sync.WaitGroup
	for w := 0; w < 50; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c, err := db.Conn(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			wr := write(db.opts.Workload, 0, w%20, 0)
			_, err = c.Apply(ctx, &wr)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, fsm.ErrConflict):
				conflicts++
			default:
				t.Error(err)
			}
		}(w)
	}
	wg.Wait()
	if ok != 20 || conflicts != 30 {
		t.Fatalf("got %d committed, %d conflicts; want 20, 30", ok, conflicts)
	}
	if s, err := db.IntegrityCheck(ctx); err != nil || s != "ok" {
		t.Fatalf("integrity: %q %v", s, err)
	}
}

// TestOpenEscapesPath opens a database in a directory whose name holds the
// characters a file: URI gives a meaning to ('#' starts a fragment, '?' a
// query, '%' an escape): the file must be created in that directory and
// nowhere else, and opening the same path again must find its rows.
func TestOpenEscapesPath(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "a#b?c=d%20e")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "test.db")
	openTest(t, fsm.Options{Path: path}, 3)
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file: %v", err)
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != filepath.Base(dir) {
		t.Errorf("got %q in the parent directory, want only %q", names, filepath.Base(dir))
	}

	db, err := Open(context.Background(), fsm.Options{Path: path, Pragmas: walNormal, Workload: filesWorkload(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	if err := db.Rows(context.Background(), func(fsm.Row) error { n++; return nil }); err != nil || n != 3 {
		t.Fatalf("reopened: got %d rows, err %v; want 3", n, err)
	}
}
