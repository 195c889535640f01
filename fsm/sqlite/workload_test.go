package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/scenario"
)

const jobsSchema = `CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL,
                   version INTEGER NOT NULL DEFAULT 0, worker INTEGER);`

// Transitions of the jobs workload.
const (
	claim  = 0 // queued → running: SELECT version AS v, then UPDATE … version = :v + 1
	finish = 1 // running → done: the default-style UPDATE
)

func stmts(sqls ...string) []scenario.Statement {
	var out []scenario.Statement
	for _, s := range sqls {
		out = append(out, scenario.Statement{Text: s})
	}
	return out
}

// jobsWorkload is SPEC §9's example workload on a jobs table with integer
// keys and the default-style seed, edited by edit (when not nil) before it
// is compiled for SQLite.
func jobsWorkload(t testing.TB, edit func(*scenario.Workload)) *fsm.Workload {
	t.Helper()
	w := &scenario.Workload{
		Name:   "jobs",
		Schema: map[string]scenario.Statement{"": {Text: jobsSchema}},
		Table:  "jobs", Key: "id", State: "state", Version: "version",
		Seed:    scenario.Statement{Text: "INSERT INTO jobs (id, state) VALUES (:item, :state)"},
		States:  []string{"queued", "running", "done", "failed"},
		Initial: "queued",
		Done:    []string{"done"},
		Steps: []scenario.Step{
			{Name: "claim", From: "queued", To: "running", SQL: stmts(
				"SELECT version AS v FROM jobs WHERE id = :item",
				"UPDATE jobs SET state = :to, version = :v + 1, worker = :worker WHERE id = :item AND version = :v")},
			{Name: "finish", From: "running", To: "done", SQL: stmts(
				"UPDATE jobs SET state = :to, version = version + 1 WHERE id = :item AND state = :from")},
		},
		Readers: &scenario.Readers{Count: 1, SQL: scenario.Statement{Text: "SELECT state, count(*) FROM jobs GROUP BY state"}},
	}
	if edit != nil {
		edit(w)
	}
	c, err := w.Compile("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	return c.Workload
}

// openJobs opens a database of the jobs workload (edited by edit) with
// opts, seeded with n items.
func openJobs(t *testing.T, opts fsm.Options, n int, edit func(*scenario.Workload)) *DB {
	t.Helper()
	opts.Workload = jobsWorkload(t, edit)
	return openTest(t, opts, n)
}

// job is one row of the jobs table.
type job struct {
	state   string
	version int64
	worker  sql.NullInt64
}

func jobs(t *testing.T, db *DB) []job {
	t.Helper()
	rows, err := db.db.Query("SELECT state, version, worker FROM jobs ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []job
	for rows.Next() {
		var j job
		if err := rows.Scan(&j.state, &j.version, &j.worker); err != nil {
			t.Fatal(err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func conn(t *testing.T, db *DB) *Conn {
	t.Helper()
	c, err := db.conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

var queued = job{state: "queued"}

func running(v, worker int64) job {
	return job{state: "running", version: v, worker: sql.NullInt64{Int64: worker, Valid: true}}
}

// TestRowsMapsKeysToItems: Rows gives every row's key back as its item
// number, for text keys (the files workload's paths) and integer keys (a
// workload keyed by id), -1 for a key the seed never wrote; Version is -1
// without a version column.
func TestRowsMapsKeysToItems(t *testing.T) {
	cases := []struct {
		name  string
		w     func(testing.TB) *fsm.Workload
		stray string // inserts a row whose key no item has
		want  []fsm.Row
	}{
		{"text keys", filesWorkload,
			"INSERT INTO files (path, state, created_at, updated_at) VALUES ('inbox/file-12.pdf', 'untracked', 0, 0)",
			[]fsm.Row{{Key: "inbox/file-0000000.pdf", Item: 0, State: "untracked", Version: 0}, {Key: "inbox/file-0000001.pdf", Item: 1, State: "untracked", Version: 0}, {Key: "inbox/file-0000002.pdf", Item: 2, State: "untracked", Version: 0}, {Key: "inbox/file-12.pdf", Item: -1, State: "untracked", Version: 0}}},
		{"integer keys", func(t testing.TB) *fsm.Workload { return jobsWorkload(t, nil) },
			"INSERT INTO jobs (id, state) VALUES (-5, 'queued')",
			[]fsm.Row{{Key: "-5", Item: -1, State: "queued", Version: 0}, {Key: "0", Item: 0, State: "queued", Version: 0}, {Key: "1", Item: 1, State: "queued", Version: 0}, {Key: "2", Item: 2, State: "queued", Version: 0}}},
		{"no version column", func(t testing.TB) *fsm.Workload {
			return jobsWorkload(t, func(w *scenario.Workload) { w.Version = "" })
		}, "", []fsm.Row{{Key: "0", Item: 0, State: "queued", Version: -1}, {Key: "1", Item: 1, State: "queued", Version: -1}, {Key: "2", Item: 2, State: "queued", Version: -1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openTest(t, fsm.Options{Workload: c.w(t)}, 3)
			if c.stray != "" {
				if _, err := db.db.Exec(c.stray); err != nil {
					t.Fatal(err)
				}
			}
			var got []fsm.Row
			if err := db.Rows(context.Background(), func(r fsm.Row) error { got = append(got, r); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("row %d: got %+v, want %+v", i, got[i], c.want[i])
				}
			}
		})
	}
}

// TestApplyBindsFirstRowColumns: a step's later statements bind the
// columns of an earlier statement's first row by name (`AS v` → :v), and
// :worker; the item moves.
func TestApplyBindsFirstRowColumns(t *testing.T) {
	db := openJobs(t, fsm.Options{}, 3, nil)
	w := db.opts.Workload
	ctx := context.Background()
	c := conn(t, db)
	// Item 2's version is 5, not the 0 the engine last committed: the
	// claim reads it (:v) and ignores :version.
	if _, err := db.db.Exec("UPDATE jobs SET version = 5 WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 2} {
		wr := write(w, claim, i, 0)
		wr.Worker = 7
		if _, err := c.Apply(ctx, &wr); err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
	}
	wr := write(w, finish, 0, 1)
	if _, err := c.Apply(ctx, &wr); err != nil {
		t.Fatalf("finish 0: %v", err)
	}
	got := jobs(t, db)
	want := []job{{"done", 2, sql.NullInt64{Int64: 7, Valid: true}}, queued, running(6, 7)}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("job %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestApplyBindsColumnsWithTheirType: a column read by an earlier
// statement is bound with its SQLite type, so that comparing it with the
// column it came from finds the row: a BLOB stays a BLOB (as TEXT it would
// never equal the column), an INTEGER an INTEGER.
func TestApplyBindsColumnsWithTheirType(t *testing.T) {
	cases := []struct{ name, decl, value string }{
		{"blob", "BLOB", "x'00ff10'"},
		{"text", "TEXT", "'tok'"},
		{"integer", "INTEGER", "42"},
		{"real", "REAL", "2.5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openJobs(t, fsm.Options{}, 1, func(w *scenario.Workload) {
				w.Schema = map[string]scenario.Statement{"": {Text: strings.Replace(jobsSchema, "worker INTEGER", "worker INTEGER, token "+c.decl, 1)}}
				w.Steps[0].SQL = stmts(
					"SELECT token AS tok FROM jobs WHERE id = :item",
					"UPDATE jobs SET state = :to, version = version + 1 WHERE id = :item AND token = :tok AND typeof(:tok) = typeof(token)")
			})
			if _, err := db.db.Exec("UPDATE jobs SET token = " + c.value); err != nil {
				t.Fatal(err)
			}
			wr := write(db.opts.Workload, claim, 0, 0)
			if _, err := conn(t, db).Apply(context.Background(), &wr); err != nil {
				t.Fatalf("got %v, want the token read back to find its row", err)
			}
		})
	}
}

// TestApplyLastStatementChangesOneRow: the last statement of a step must
// change (or return) exactly one row: none is a conflict, more is
// ErrManyRows, and either way the transaction is rolled back.
func TestApplyLastStatementChangesOneRow(t *testing.T) {
	cases := []struct {
		name string
		sql  []string
		item int
		want error
	}{
		{"one row", []string{"SELECT version AS v FROM jobs WHERE id = :item", "UPDATE jobs SET state = :to, version = :v + 1 WHERE id = :item AND version = :v"}, 1, nil},
		{"no row, the first row missing", []string{"SELECT version AS v FROM jobs WHERE id = :item", "UPDATE jobs SET state = :to, version = :v + 1 WHERE id = :item AND version = :v"}, 9, fsm.ErrConflict},
		{"no row, another state", []string{"UPDATE jobs SET worker = :worker WHERE id = :item", "UPDATE jobs SET state = :to WHERE id = :item AND state = 'done'"}, 1, fsm.ErrConflict},
		{"two rows", []string{"UPDATE jobs SET state = :to, worker = :worker WHERE id IN (:item, :item + 1)"}, 1, fsm.ErrManyRows},
		{"RETURNING one row", []string{"UPDATE jobs SET state = :to WHERE id = :item RETURNING id"}, 1, nil},
		{"RETURNING no row", []string{"UPDATE jobs SET state = :to WHERE id = :item AND version = 3 RETURNING id"}, 1, fsm.ErrConflict},
		{"RETURNING two rows", []string{"UPDATE jobs SET state = :to WHERE id >= :item RETURNING id"}, 1, fsm.ErrManyRows},
		{"a SELECT of one row", []string{"SELECT state FROM jobs WHERE id = :item"}, 1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openJobs(t, fsm.Options{}, 3, func(w *scenario.Workload) { w.Steps[0].SQL = stmts(c.sql...) })
			wr := write(db.opts.Workload, claim, c.item, 0)
			wr.Worker = 4
			_, err := conn(t, db).Apply(context.Background(), &wr)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if c.want == nil {
				return
			}
			for i, j := range jobs(t, db) {
				if j != queued {
					t.Errorf("job %d: got %+v after a failed step, want it untouched", i, j)
				}
			}
		})
	}
}

// TestBusyIsErrBusy: a deferred transaction that has read cannot wait for
// the write lock (SQLite returns SQLITE_BUSY at once, whatever
// busy_timeout says): the read-then-write trap of SPEC §9, reported as
// fsm.ErrBusy. Under txlock immediate the same step waits for the lock at
// BEGIN instead, and commits.
func TestBusyIsErrBusy(t *testing.T) {
	const release = 300 * time.Millisecond
	cases := []struct {
		txlock   string
		wantBusy bool
	}{
		{"deferred", true},
		{"immediate", false},
	}
	for _, c := range cases {
		t.Run(c.txlock, func(t *testing.T) {
			ctx := context.Background()
			db := openJobs(t, fsm.Options{TxLock: c.txlock}, 3, nil) // busy_timeout 5000
			a := conn(t, db)
			b, err := db.db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			// B writes the same table and holds its write lock.
			if _, err := b.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
				t.Fatal(err)
			}
			if _, err := b.ExecContext(ctx, "UPDATE jobs SET worker = 99 WHERE id = 1"); err != nil {
				t.Fatal(err)
			}
			type result struct {
				err      error
				returned time.Time
			}
			done := make(chan result, 1)
			start := time.Now()
			go func() {
				wr := write(db.opts.Workload, claim, 0, 0)
				_, err := a.Apply(ctx, &wr)
				done <- result{err, time.Now()}
			}()
			// Deferred, A is refused while B holds the lock: B commits only
			// once A has returned, or after 10 s, twice the busy_timeout a
			// claim that waited for the lock would have waited. A short
			// fixed wait would let a claim that had not reached its UPDATE
			// by then (a loaded machine) find B committed and succeed.
			// Immediate, A waits at BEGIN: B holds the lock for release,
			// then commits, and A must return after that.
			wait := release
			if c.wantBusy {
				wait = 10 * time.Second
			}
			var r result
			var ok bool
			select {
			case r = <-done:
				ok = true
			case <-time.After(wait):
			}
			committed := time.Now()
			if _, err := b.ExecContext(ctx, "COMMIT"); err != nil {
				t.Fatal(err)
			}
			if !ok {
				r = <-done
			}
			if !c.wantBusy {
				if r.err != nil {
					t.Fatalf("got %v, want the claim to wait for B and commit", r.err)
				}
				if r.returned.Before(committed) {
					t.Errorf("the claim returned before B committed: it did not wait")
				}
				if got, want := jobs(t, db)[0], running(1, 0); got != want {
					t.Errorf("job 0: got %+v, want %+v", got, want)
				}
				return
			}
			if !errors.Is(r.err, fsm.ErrBusy) {
				t.Fatalf("got %v, want fsm.ErrBusy", r.err)
			}
			var se sqlite3.Error
			if !errors.As(r.err, &se) || se.Code != sqlite3.ErrBusy {
				t.Errorf("got %v, want SQLite's SQLITE_BUSY wrapped", r.err)
			}
			if d := r.returned.Sub(start); d > time.Second {
				t.Errorf("busy after %v with busy_timeout 5000: want it at once", d)
			}
			if got := jobs(t, db)[0]; got != queued {
				t.Errorf("job 0: got %+v, want it untouched", got)
			}
			// The connection is usable again: its transaction was rolled back.
			wr := write(db.opts.Workload, claim, 0, 0)
			if _, err := a.Apply(ctx, &wr); err != nil {
				t.Errorf("claim after B committed: %v", err)
			}
		})
	}
}

// TestBusySnapshotIsErrBusy is SPEC §9's trap in full: A begins (deferred)
// and reads, B writes the same table and commits, then A's UPDATE fails
// with SQLITE_BUSY_SNAPSHOT — at once, though busy_timeout is 5000 — and
// it is fsm.ErrBusy. The interleaving is driven by locks, not sleeps: A's
// step, after its SELECT, writes a row of an attached database sig (which
// B watches for) and then one of an attached database gate, which B holds
// until its own write has committed.
func TestBusySnapshotIsErrBusy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	attached := func(name string) (path string, db *sql.DB) {
		path = filepath.Join(dir, name+".db")
		db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		db.SetMaxOpenConns(1)
		if _, err := db.Exec("CREATE TABLE marks (id INTEGER)"); err != nil {
			t.Fatal(err)
		}
		return path, db
	}
	sigPath, sig := attached("sig")
	gatePath, gate := attached("gate")
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	db := openJobs(t, fsm.Options{
		Path:       filepath.Join(dir, "main.db"),
		TxLock:     "deferred",
		ConnectSQL: []string{"ATTACH " + quote(sigPath) + " AS sig", "ATTACH " + quote(gatePath) + " AS gate"},
	}, 3, func(w *scenario.Workload) {
		w.Steps[0].SQL = stmts(
			"SELECT version AS v FROM main.jobs WHERE id = :item",
			"INSERT INTO sig.marks VALUES (:item)",
			"INSERT INTO gate.marks VALUES (:item)",
			"UPDATE main.jobs SET state = :to, version = :v + 1 WHERE id = :item AND version = :v")
	})
	a := conn(t, db)

	gateTx, err := gate.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer gateTx.Rollback()
	if _, err := gateTx.Exec("INSERT INTO marks VALUES (-1)"); err != nil { // gate's write lock
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var returned time.Time
	go func() {
		wr := write(db.opts.Workload, claim, 0, 0)
		_, err := a.Apply(ctx, &wr)
		returned = time.Now()
		done <- err
	}()
	// A has read main once sig is locked.
	for {
		tx, err := sig.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.Exec("INSERT INTO marks VALUES (-1)")
		tx.Rollback()
		if err != nil {
			var se sqlite3.Error
			if !errors.As(err, &se) || se.Code != sqlite3.ErrBusy {
				t.Fatalf("probing sig: %v", err)
			}
			break
		}
		select {
		case err := <-done:
			t.Fatalf("A's step ended (%v) before locking sig", err)
		case <-time.After(time.Millisecond):
		}
	}
	if _, err := db.db.ExecContext(ctx, "UPDATE main.jobs SET worker = 99 WHERE id = 1"); err != nil {
		t.Fatalf("B's write: %v", err)
	}
	opened := time.Now()
	if err := gateTx.Rollback(); err != nil {
		t.Fatal(err)
	}
	err = <-done
	if !errors.Is(err, fsm.ErrBusy) {
		t.Fatalf("got %v, want fsm.ErrBusy", err)
	}
	var se sqlite3.Error
	if !errors.As(err, &se) || se.ExtendedCode != sqlite3.ErrBusySnapshot {
		t.Errorf("got %v, want SQLITE_BUSY_SNAPSHOT wrapped", err)
	}
	if d := returned.Sub(opened); d > time.Second {
		t.Errorf("busy %v after the gate opened, with busy_timeout 5000: want it at once", d)
	}
	got := jobs(t, db)
	if got[0] != queued || got[1].worker.Int64 != 99 {
		t.Errorf("got %+v, want job 0 untouched and B's write of job 1 committed", got)
	}
}

// TestImmediateReadThenWriteNeverBusy: under txlock immediate, writers
// that each read then write never meet a busy error; they wait at BEGIN.
func TestImmediateReadThenWriteNeverBusy(t *testing.T) {
	const writers, items = 4, 25
	db := openJobs(t, fsm.Options{TxLock: "immediate"}, writers*items, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, writers*items)
	for k := range writers {
		c := conn(t, db)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < writers*items; i += writers {
				wr := write(db.opts.Workload, claim, i, 0)
				wr.Worker = k
				if _, err := c.Apply(ctx, &wr); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestLockedIsBusy: SQLITE_LOCKED (a conflict within one connection or a
// shared cache) is busy too.
func TestLockedIsBusy(t *testing.T) {
	db := openJobs(t, fsm.Options{}, 3, nil)
	ctx := context.Background()
	c, err := db.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rows, err := c.QueryContext(ctx, "SELECT id FROM jobs")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	rows.Next()
	_, err = c.ExecContext(ctx, "DROP TABLE jobs") // while a statement reads it
	var se sqlite3.Error
	if !errors.As(err, &se) || se.Code != sqlite3.ErrLocked {
		t.Skipf("no SQLITE_LOCKED provoked: %v", err)
	}
	if !isBusy(err) {
		t.Errorf("isBusy(%v) = false, want true", err)
	}
	conn := &Conn{w: db.opts.Workload}
	wr := write(db.opts.Workload, claim, 0, 0)
	if err := conn.failed("claim", &wr, err); !errors.Is(err, fsm.ErrBusy) {
		t.Errorf("got %v, want fsm.ErrBusy", err)
	}
}

// TestHoldKeepsTheWriteLock: a step's hold keeps its transaction open, the
// write lock held, for at least Hold after its last statement.
func TestHoldKeepsTheWriteLock(t *testing.T) {
	const holdFor = 150 * time.Millisecond
	ctx := context.Background()
	db := openJobs(t, fsm.Options{}, 1, func(w *scenario.Workload) { w.Steps[1].Hold = holdFor }) // busy_timeout 5000
	a := conn(t, db)
	w := db.opts.Workload
	wr := write(w, claim, 0, 0)
	if _, err := a.Apply(ctx, &wr); err != nil {
		t.Fatal(err)
	}
	probe, err := db.db.Conn(ctx) // connected before A holds the lock
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	// The probe never waits; A waits for the probe's lock, if it meets it.
	if _, err := probe.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		t.Fatal(err)
	}
	type result struct {
		tm  fsm.Timing
		err error
	}
	done := make(chan result, 1)
	go func() {
		wr := write(w, finish, 0, 1)
		tm, err := a.Apply(ctx, &wr)
		done <- result{tm, err}
	}()
	type span struct{ start, end time.Time }
	var locked []span
	var r result
probe:
	for {
		select {
		case r = <-done:
			break probe
		default:
		}
		start := time.Now()
		_, err := probe.ExecContext(ctx, "BEGIN IMMEDIATE")
		end := time.Now()
		if err == nil {
			probe.ExecContext(ctx, "ROLLBACK")
		} else if isBusy(err) {
			locked = append(locked, span{start, end})
		} else {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	tm := r.tm
	if got := tm.Held.Sub(tm.Updated); got < holdFor {
		t.Errorf("Held − Updated = %v, want at least the hold %v", got, holdFor)
	}
	if tm.Committed.Before(tm.Held) {
		t.Errorf("committed %v before the hold ended", tm.Held.Sub(tm.Committed))
	}
	inHold := 0
	for _, s := range locked {
		if !s.start.Before(tm.Updated) && !s.end.After(tm.Held) {
			inHold++
		}
	}
	if inHold == 0 {
		t.Errorf("no BEGIN IMMEDIATE refused during the hold (%d refused in all)", len(locked))
	}
	if _, err := probe.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Errorf("after the step: %v, want the lock free", err)
	} else {
		probe.ExecContext(ctx, "ROLLBACK")
	}
}

// markWorkload is the jobs workload whose first step is two UPDATEs: one
// that always changes its row, then the optimistic-concurrency one.
func markWorkload(w *scenario.Workload) {
	w.Steps[0].SQL = stmts(
		"UPDATE jobs SET worker = :worker WHERE id = :item",
		"UPDATE jobs SET state = :to, version = version + 1 WHERE id = :item AND version = :version")
}

// TestApplyBatchUndoesAConflictingWrite: in a batch, a write of several
// statements whose last one conflicts is undone to its savepoint (its first
// UPDATE too); the others commit.
func TestApplyBatchUndoesAConflictingWrite(t *testing.T) {
	db := openJobs(t, fsm.Options{}, 3, markWorkload)
	w := db.opts.Workload
	ws := []fsm.Write{write(w, claim, 0, 0), write(w, claim, 1, 7) /* stale */, write(w, claim, 2, 0)}
	for i := range ws {
		ws[i].Worker = 5
	}
	timings := make([]fsm.Timing, 3)
	errs := make([]error, 3)
	committed, err := conn(t, db).ApplyBatch(context.Background(), ws, timings, errs)
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || !errors.Is(errs[1], fsm.ErrConflict) || errs[2] != nil {
		t.Fatalf("got errs %v, want only #1 in conflict", errs)
	}
	for i, tm := range timings {
		if !tm.Committed.Equal(committed) || tm.Updated.After(tm.Held) || tm.Held.After(committed) {
			t.Errorf("timing %d: %+v, want Updated ≤ Held ≤ Committed = %v", i, tm, committed)
		}
	}
	got := jobs(t, db)
	want := []job{running(1, 5), queued, running(1, 5)}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("job %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestApplyBatchFailedBeforeItsStatements: writes of a batch that failed
// before their statements ran (BEGIN busy, or a write before them busy)
// have all three times at the failure and no error of their own, not what
// the caller's reused slices held from an earlier batch.
func TestApplyBatchFailedBeforeItsStatements(t *testing.T) {
	ctx := context.Background()
	db := openJobs(t, fsm.Options{TxLock: "immediate", Pragmas: []fsm.Pragma{{Name: "journal_mode", Value: "wal"}, {Name: "busy_timeout", Value: "0"}}}, 3, nil)
	w := db.opts.Workload
	a := conn(t, db)
	stale := time.Now().Add(-time.Hour)
	st := fsm.Timing{Updated: stale, Held: stale, Committed: stale}
	timings := []fsm.Timing{st, st, st}
	errs := []error{fsm.ErrConflict, fsm.ErrConflict, fsm.ErrConflict}
	b, err := db.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer b.ExecContext(ctx, "ROLLBACK")
	ws := []fsm.Write{write(w, claim, 0, 0), write(w, claim, 1, 0), write(w, claim, 2, 0)}
	committed, err := a.ApplyBatch(ctx, ws, timings, errs)
	if !errors.Is(err, fsm.ErrBusy) {
		t.Fatalf("got %v, want fsm.ErrBusy", err)
	}
	for i := range ws {
		if tm := timings[i]; !tm.Updated.Equal(committed) || !tm.Held.Equal(committed) || !tm.Committed.Equal(committed) {
			t.Errorf("timing %d: got %+v, want all three at the failure %v", i, tm, committed)
		}
		if errs[i] != nil {
			t.Errorf("errs[%d]: got %v, want nil (the batch's error is err)", i, errs[i])
		}
	}
}

// TestApplyBatchBusyFailsTheBatch: a busy error fails the whole batch,
// nothing of it committed, and leaves the connection with no transaction
// or savepoint open.
func TestApplyBatchBusyFailsTheBatch(t *testing.T) {
	for _, txlock := range []string{"deferred", "immediate"} {
		t.Run(txlock, func(t *testing.T) {
			ctx := context.Background()
			db := openJobs(t, fsm.Options{TxLock: txlock, Pragmas: []fsm.Pragma{{Name: "journal_mode", Value: "wal"}, {Name: "busy_timeout", Value: "0"}}}, 3, markWorkload)
			w := db.opts.Workload
			a := conn(t, db)
			b, err := db.db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if _, err := b.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
				t.Fatal(err)
			}
			ws := []fsm.Write{write(w, claim, 0, 0), write(w, claim, 1, 0), write(w, claim, 2, 0)}
			timings := make([]fsm.Timing, 3)
			errs := make([]error, 3)
			if _, err := a.ApplyBatch(ctx, ws, timings, errs); !errors.Is(err, fsm.ErrBusy) {
				t.Fatalf("got %v, want fsm.ErrBusy", err)
			}
			if _, err := b.ExecContext(ctx, "ROLLBACK"); err != nil {
				t.Fatal(err)
			}
			for i, j := range jobs(t, db) {
				if j != queued {
					t.Errorf("job %d: got %+v, want it untouched", i, j)
				}
			}
			if _, err := a.ApplyBatch(ctx, ws, timings, errs); err != nil || errors.Join(errs...) != nil {
				t.Fatalf("the same batch again: %v %v", err, errs)
			}
			for i, j := range jobs(t, db) {
				if j.state != "running" {
					t.Errorf("job %d: got %+v, want running", i, j)
				}
			}
		})
	}
}

// TestRead: Read runs the workload's reader query to its end, its busy
// errors are fsm.ErrBusy, and a workload without readers has nothing to
// read.
func TestRead(t *testing.T) {
	cases := []struct {
		name    string
		reader  string // "" no readers
		lock    bool   // another connection holds an exclusive lock
		want    error
		wantMsg string
	}{
		{name: "reader", reader: "SELECT state, count(*) FROM jobs GROUP BY state"},
		{name: "no reader", wantMsg: "no reader"},
		{name: "an error while reading", reader: "SELECT id, abs(id - 9223372036854775807 - 2) FROM jobs", wantMsg: "integer overflow"},
		{name: "busy", reader: "SELECT state, count(*) FROM jobs GROUP BY state", lock: true, want: fsm.ErrBusy},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			db := openJobs(t, fsm.Options{Pragmas: []fsm.Pragma{{Name: "journal_mode", Value: "delete"}, {Name: "busy_timeout", Value: "0"}}}, 3,
				func(w *scenario.Workload) {
					w.Readers = nil
					if c.reader != "" {
						w.Readers = &scenario.Readers{Count: 1, SQL: scenario.Statement{Text: c.reader}}
					}
				})
			r := conn(t, db)
			if c.lock {
				b, err := db.db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer b.Close()
				if _, err := b.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
					t.Fatal(err)
				}
				defer b.ExecContext(ctx, "ROLLBACK")
			}
			err := r.Read(ctx)
			switch {
			case c.want != nil:
				if !errors.Is(err, c.want) {
					t.Fatalf("got %v, want %v", err, c.want)
				}
			case c.wantMsg != "":
				if err == nil || !strings.Contains(err.Error(), c.wantMsg) || errors.Is(err, fsm.ErrBusy) {
					t.Fatalf("got %v, want an error with %q", err, c.wantMsg)
				}
			case err != nil:
				t.Fatal(err)
			}
			if c.reader != "" && !c.lock {
				// Again, on the statement prepared the first time.
				if err2 := r.Read(ctx); (err2 == nil) != (err == nil) {
					t.Errorf("second read: %v, first %v", err2, err)
				}
			}
		})
	}
}

// TestCheck: Check builds a workload on an in-memory database, and every
// statement SQLite refuses is an *fsm.StmtError saying which.
func TestCheck(t *testing.T) {
	type want struct {
		part              string
		transition, index int
		msg               string
	}
	cases := []struct {
		name  string
		edit  func(*scenario.Workload)
		setup []string
		want  []want
	}{
		{name: "good"},
		{name: "schema", edit: func(w *scenario.Workload) {
			w.Schema = map[string]scenario.Statement{"": {Text: "CREATE TABLE jobs (id INTEGER PRIMARY KEY state TEXT)"}}
		}, want: []want{{part: "schema", msg: "syntax error"}}},
		{name: "setup_sql", setup: []string{"CREATE INDEX i ON nosuch (x)"}, want: []want{{part: "setup_sql", msg: "no such table"}}},
		{name: "seed leaves a NOT NULL column empty", edit: func(w *scenario.Workload) {
			w.Schema = map[string]scenario.Statement{"": {Text: strings.Replace(jobsSchema, "worker INTEGER", "worker INTEGER, owner TEXT NOT NULL", 1)}}
		}, want: []want{{part: "seed", msg: "NOT NULL constraint failed: jobs.owner"}}},
		{name: "seed leaves the version NULL", edit: func(w *scenario.Workload) {
			w.Schema = map[string]scenario.Statement{"": {Text: strings.Replace(jobsSchema, "version INTEGER NOT NULL DEFAULT 0", "version INTEGER", 1)}}
		}, want: []want{{part: "seed", msg: "version NULL"}}},
		{name: "seed leaves the wrong state", edit: func(w *scenario.Workload) {
			w.Seed = scenario.Statement{Text: "INSERT INTO jobs (id, state) VALUES (:item, 'running')"}
		}, want: []want{{part: "seed", msg: `state "running"`}}},
		{name: "unknown column", edit: func(w *scenario.Workload) {
			w.Steps[1].SQL = stmts("UPDATE jobs SET state = :to, finished = 1 WHERE id = :item")
		}, want: []want{{part: "transition", transition: finish, msg: "no such column: finished"}}},
		{name: "reader on an unknown table", edit: func(w *scenario.Workload) {
			w.Readers.SQL = scenario.Statement{Text: "SELECT count(*) FROM job"}
		}, want: []want{{part: "reader", msg: "no such table: job"}}},
		{name: "positional parameter", edit: func(w *scenario.Workload) {
			w.Steps[0].SQL[1] = scenario.Statement{Text: "UPDATE jobs SET state = :to, version = ? WHERE id = :item"}
		}, want: []want{{part: "transition", transition: claim, index: 1, msg: "use :name parameters only"}}},
		{name: "every problem", edit: func(w *scenario.Workload) {
			w.Steps[0].SQL[1] = scenario.Statement{Text: "UPDATE jobs SET state = ? WHERE id = :item"}
			w.Steps[1].SQL = stmts("SELECT 1", "UPDATE jobz SET state = :to WHERE id = :item")
			w.Readers.SQL = scenario.Statement{Text: "SELECT nope FROM jobs"}
		}, want: []want{
			{part: "transition", transition: claim, index: 1, msg: ":name"},
			{part: "transition", transition: finish, index: 1, msg: "no such table: jobz"},
			{part: "reader", msg: "no such column: nope"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Check must not create a database file where it runs.
			dir := t.TempDir()
			t.Chdir(dir)
			err := Check(context.Background(), jobsWorkload(t, c.edit), c.setup)
			var got []*fsm.StmtError
			var other []error
			var collect func(error)
			collect = func(err error) {
				if j, ok := err.(interface{ Unwrap() []error }); ok {
					for _, e := range j.Unwrap() {
						collect(e)
					}
					return
				}
				var se *fsm.StmtError
				if errors.As(err, &se) {
					got = append(got, se)
				} else if err != nil {
					other = append(other, err)
				}
			}
			collect(err)
			if len(other) > 0 {
				t.Fatalf("got %v, want only *fsm.StmtError", other)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d errors (%v), want %d", len(got), err, len(c.want))
			}
			for i, w := range c.want {
				g := got[i]
				if g.Part != w.part || g.Transition != w.transition || g.Index != w.index || !strings.Contains(g.Error(), w.msg) {
					t.Errorf("error %d: got %s (transition %d, index %d), want %s (transition %d, index %d) with %q", i, g, g.Transition, g.Index, w.part, w.transition, w.index, w.msg)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("Check created %v in the working directory", entries)
			}
		})
	}
	t.Run("files", func(t *testing.T) {
		if err := Check(context.Background(), filesWorkload(t), nil); err != nil {
			t.Fatal(err)
		}
	})
}

// TestWALSize: WALSize reports the log's size in WAL mode, nothing in
// another journal mode.
func TestWALSize(t *testing.T) {
	cases := []struct {
		mode   string
		wantOK bool
	}{
		{"wal", true},
		{"delete", false},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			db := openTest(t, fsm.Options{Pragmas: []fsm.Pragma{{Name: "journal_mode", Value: c.mode}}}, 5)
			n, ok := db.WALSize()
			if ok != c.wantOK {
				t.Fatalf("got (%d, %v), want ok %v", n, ok, c.wantOK)
			}
			if !ok {
				if n != 0 {
					t.Errorf("got %d bytes outside WAL mode, want 0", n)
				}
				return
			}
			// Init's seed went to the log (no checkpoint yet at this size).
			if n <= 0 {
				t.Errorf("got %d bytes after seeding, want the log's size", n)
			}
			fi, err := os.Stat(db.Path() + "-wal")
			if err != nil || fi.Size() != n {
				t.Errorf("got %d, the file has %v (%v)", n, fi, err)
			}
		})
	}
}
