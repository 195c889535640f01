package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/fsm/postgres/pgtest"
)

// serverURL is the test server's URL (pgtest.URL: skipped without one,
// failed under CI=true).
func serverURL(t *testing.T) string {
	t.Helper()
	return pgtest.URL(t)
}

// The jobs workload's transitions, by index.
const (
	claim      = iota // SELECT version AS v, then UPDATE … WHERE version = :v
	finish            // one UPDATE at :version, with a hold
	requeueAll        // an UPDATE of every running job: more than one row
	stamp             // sets worker, then moves at :version: two writing statements
	bump              // one UPDATE by key, held: for busy under serializable
)

const jobsSchema = `CREATE TABLE jobs (
    id %s PRIMARY KEY,
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    worker INTEGER,
    result TEXT,
    created BIGINT NOT NULL
);
CREATE INDEX jobs_state ON jobs (state);`

// jobs is a small workload built by hand, as the engine would from a spec.
// With format, keys are text ("job-%03d"); without, bigint.
func jobs(t testing.TB, format string, hold time.Duration) *fsm.Workload {
	t.Helper()
	keys, err := fsm.NewKeyFormat(format)
	if err != nil {
		t.Fatal(err)
	}
	keyType := "BIGINT"
	if format != "" {
		keyType = "TEXT"
	}
	def := &fsm.Definition{
		States: []string{"queued", "running", "done", "failed"},
		Transitions: []fsm.TransitionDef{
			{Name: "claim", From: 0, To: 1},
			{Name: "finish", From: 1, To: 2},
			{Name: "requeue_all", From: 1, To: 0},
			{Name: "stamp", From: 0, To: 1},
			{Name: "bump", From: 1, To: 1},
		},
	}
	st := func(sql string) fsm.Stmt { return fsm.Stmt{SQL: sql, Rows: fsm.ReturnsRows(sql)} }
	sqls := [][]string{
		claim: {"SELECT version AS v FROM jobs WHERE id = :item",
			"UPDATE jobs SET state = :to, version = :v + 1, worker = :worker WHERE id = :item AND version = :v AND state = :from"},
		finish:     {"UPDATE jobs SET state = :to, version = version + 1, result = 'ok:' || :attempt WHERE id = :item AND state = :from AND version = :version"},
		requeueAll: {"UPDATE jobs SET state = :to WHERE state = :from"},
		stamp: {"UPDATE jobs SET worker = :worker WHERE id = :item",
			"UPDATE jobs SET state = :to, version = version + 1 WHERE id = :item AND version = :version"},
		bump: {"UPDATE jobs SET version = version + 1 WHERE id = :item"},
	}
	w := &fsm.Workload{
		Schema: strings.Replace(jobsSchema, "%s", keyType, 1),
		Table:  "jobs", Key: "id", State: "state", Version: "version",
		Keys:    keys,
		Seed:    st("INSERT INTO jobs (id, state, created) VALUES (:item, :state, :now)"),
		Def:     def,
		Initial: 0,
		Reader:  &fsm.Stmt{SQL: "SELECT state, count(*) FROM jobs GROUP BY state", Rows: true},
	}
	for i, td := range def.Transitions {
		tr := fsm.Transition{TransitionDef: td}
		for _, s := range sqls[i] {
			tr.SQL = append(tr.SQL, st(s))
		}
		if i == finish || i == bump {
			tr.Hold = hold
		}
		w.Transitions = append(w.Transitions, tr)
	}
	return w
}

// open opens a fresh database for the workload, closed (and dropped) when
// the test ends.
func open(t *testing.T, w *fsm.Workload, isolation string, n int) *DB {
	t.Helper()
	ctx := context.Background()
	d, err := Open(ctx, serverURL(t), fsm.Options{Workload: w}, isolation)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := d.Init(ctx, nil, n); err != nil {
		t.Fatal(err)
	}
	return d
}

func takeConn(t *testing.T, d *DB) *Conn {
	t.Helper()
	c, err := d.conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// query reads one value on the DB's control connection.
func query(t *testing.T, d *DB, sql string) string {
	t.Helper()
	d.ctlMu.Lock()
	defer d.ctlMu.Unlock()
	s, err := d.ctl.queryText(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rows reads every row, keyed by item.
func rows(t *testing.T, d *DB) map[int]fsm.Row {
	t.Helper()
	got := map[int]fsm.Row{}
	err := d.Rows(context.Background(), func(r fsm.Row) error {
		got[r.Item] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// databaseExists asks the server (not the trial database) about name.
func databaseExists(t *testing.T, name string) bool {
	t.Helper()
	ctx := context.Background()
	pg, err := pgconn.Connect(ctx, serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer closeConn(pg)
	res, err := pg.Exec(ctx, "SELECT count(*) FROM pg_database WHERE datname = '"+name+"'").ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return string(res[0].Rows[0][0]) == "1"
}

func TestOpenCreatesAndDrops(t *testing.T) {
	ctx := context.Background()
	for _, keep := range []bool{false, true} {
		t.Run("keep="+strconv.FormatBool(keep), func(t *testing.T) {
			d, err := Open(ctx, serverURL(t), fsm.Options{Workload: jobs(t, "", 0)}, "")
			if err != nil {
				t.Fatal(err)
			}
			name := d.Name()
			if !strings.HasPrefix(name, "scenrun_") || !databaseExists(t, name) {
				t.Fatalf("Open made database %q, which the server does not list", name)
			}
			if !strings.Contains(d.Path(), "/"+name) {
				t.Errorf("Path() = %q, want the URL of %s", maskURL(d.Path()), name)
			}
			if keep {
				d.Keep()
			}
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			if got := databaseExists(t, name); got != keep {
				t.Errorf("after Close: database exists = %v, want %v", got, keep)
			}
			if keep { // the kept database opens again; then drop it by hand
				a, err := Attach(ctx, d.Path(), fsm.Options{Workload: jobs(t, "", 0)}, "")
				if err != nil {
					t.Fatal(err)
				}
				a.Close()
				d.keep.Store(false)
				d.closed = false
				if err := d.Close(); err != nil || databaseExists(t, name) {
					t.Errorf("dropping the kept database: %v", err)
				}
			}
		})
	}
}

func TestSeed(t *testing.T) {
	const n = 20000
	start := time.Now()
	d := open(t, jobs(t, "", 0), "", n)
	t.Logf("Open and Init with %d items: %v", n, time.Since(start))
	if got := query(t, d, "SELECT count(*) FROM jobs WHERE state = 'queued' AND version = 0"); got != strconv.Itoa(n) {
		t.Errorf("queued rows at version 0 = %s, want %d", got, n)
	}
	if got := query(t, d, "SELECT min(id)::text || '-' || max(id)::text FROM jobs"); got != "0-"+strconv.Itoa(n-1) {
		t.Errorf("keys = %s, want 0-%d", got, n-1)
	}
	if got := rows(t, d); len(got) != n || got[7] != (fsm.Row{Key: "7", Item: 7, State: "queued"}) {
		t.Errorf("Rows: %d rows, item 7 = %+v", len(got), got[7])
	}
}

func TestApplyWalksTheWorkload(t *testing.T) {
	ctx := context.Background()
	d := open(t, jobs(t, "", 0), "", 3)
	c := takeConn(t, d)
	w := fsm.Write{Transition: claim, Item: 1, Key: int64(1), From: 0, To: 1, Version: 0, Worker: 4}
	if _, err := c.Apply(ctx, &w); err != nil {
		t.Fatal(err)
	}
	w = fsm.Write{Transition: finish, Item: 1, From: 1, To: 2, Version: 1, Attempt: 2}
	if _, err := c.Apply(ctx, &w); err != nil {
		t.Fatal(err)
	}
	if got := query(t, d, "SELECT state || ' ' || version || ' ' || worker || ' ' || result FROM jobs WHERE id = 1"); got != "done 2 4 ok:2" {
		t.Errorf("job 1 = %q, want %q", got, "done 2 4 ok:2")
	}
	if got := rows(t, d); got[0].State != "queued" || got[1] != (fsm.Row{Key: "1", Item: 1, State: "done", Version: 2}) {
		t.Errorf("Rows = %+v", got)
	}
}

func TestApplyErrors(t *testing.T) {
	ctx := context.Background()
	d := open(t, jobs(t, "", 0), "", 3)
	c := takeConn(t, d)
	for _, w := range []fsm.Write{{Transition: claim, Item: 0, To: 1}, {Transition: claim, Item: 1, To: 1}} {
		if _, err := c.Apply(ctx, &w); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		w    fsm.Write
		want error
	}{
		{"wrong version", fsm.Write{Transition: finish, Item: 0, From: 1, To: 2, Version: 7}, fsm.ErrConflict},
		{"no such item", fsm.Write{Transition: claim, Item: 99, From: 0, To: 1}, fsm.ErrConflict},
		{"wrong state", fsm.Write{Transition: claim, Item: 0, From: 0, To: 1}, fsm.ErrConflict},
		{"first statement undone", fsm.Write{Transition: stamp, Item: 2, To: 1, Version: 3, Worker: 9}, fsm.ErrConflict},
		{"many rows", fsm.Write{Transition: requeueAll, Item: 0, From: 1, To: 0, Version: 1}, fsm.ErrManyRows},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm, err := c.Apply(ctx, &tt.w)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Apply = %v, want %v", err, tt.want)
			}
			if tm.Committed.Before(tm.Updated) {
				t.Errorf("timing %+v: rolled back before the statement returned", tm)
			}
		})
	}
	want := "0 running 1 0,1 running 1 0,2 queued 0 null"
	if got := query(t, d, "SELECT string_agg(id || ' ' || state || ' ' || version || ' ' || coalesce(worker::text, 'null'), ',' ORDER BY id) FROM jobs"); got != want {
		t.Errorf("after the failed writes: %q, want %q (nothing changed)", got, want)
	}
}

func TestBusyUnderSerializable(t *testing.T) {
	ctx := context.Background()
	const hold = 400 * time.Millisecond
	d := open(t, jobs(t, "", hold), "serializable", 1)
	a, b := takeConn(t, d), takeConn(t, d)
	var errA error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // holds its row lock; b's snapshot is older than a's COMMIT
		defer wg.Done()
		_, errA = a.Apply(ctx, &fsm.Write{Transition: bump, Item: 0, From: 1, To: 1})
	}()
	// b starts once a holds its row lock, not after a guessed sleep: on a
	// loaded machine a's goroutine may not have begun by then. Idle in its
	// transaction is not enough: a is that between its BEGIN and its UPDATE
	// too, and a b that started there could take the row first. A
	// transaction id is assigned at a's first write, the UPDATE: idle in
	// the transaction with one, a is in its hold, the row locked.
	idle := fmt.Sprintf("SELECT count(*) FROM pg_stat_activity WHERE pid = %d AND state = 'idle in transaction' AND backend_xid IS NOT NULL", a.pg.PID())
	for deadline := time.Now().Add(10 * time.Second); query(t, d, idle) != "1"; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first writer never reached its hold")
		}
	}
	_, errB := b.Apply(ctx, &fsm.Write{Transition: bump, Item: 0, From: 1, To: 1})
	wg.Wait()
	if errA != nil {
		t.Errorf("first writer: %v", errA)
	}
	if !errors.Is(errB, fsm.ErrBusy) {
		t.Fatalf("second writer: %v, want fsm.ErrBusy", errB)
	}
	var pgErr *pgconn.PgError
	if !errors.As(errB, &pgErr) || pgErr.Code != "40001" {
		t.Errorf("second writer's error %v does not carry SQLSTATE 40001", errB)
	}
	if got := query(t, d, "SELECT version FROM jobs WHERE id = 0"); got != "1" {
		t.Errorf("version = %s, want 1 (only the first writer committed)", got)
	}
	// The busy connection was rolled back and still works.
	if _, err := b.Apply(ctx, &fsm.Write{Transition: finish, Item: 0, From: 1, To: 2, Version: 1}); !errors.Is(err, fsm.ErrConflict) {
		t.Errorf("after busy: %v, want a conflict (job 0 is queued)", err)
	}
}

func TestHoldTiming(t *testing.T) {
	ctx := context.Background()
	const hold = 30 * time.Millisecond
	d := open(t, jobs(t, "", hold), "", 1)
	c := takeConn(t, d)
	start := time.Now()
	if _, err := c.Apply(ctx, &fsm.Write{Transition: claim, Item: 0, To: 1}); err != nil {
		t.Fatal(err)
	}
	tm, err := c.Apply(ctx, &fsm.Write{Transition: finish, Item: 0, From: 1, To: 2, Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !start.Before(tm.Updated) || tm.Held.Sub(tm.Updated) < hold || tm.Committed.Before(tm.Held) {
		t.Errorf("timing: updated %v, held %v later, committed %v after that; want held ≥ %v",
			tm.Updated.Sub(start), tm.Held.Sub(tm.Updated), tm.Committed.Sub(tm.Held), hold)
	}
	// A hold cut short by the context rolls back.
	ctx2, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	defer cancel()
	if _, err := c.Apply(ctx2, &fsm.Write{Transition: bump, Item: 0, From: 1, To: 1}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Apply with a deadline inside the hold: %v, want context.DeadlineExceeded", err)
	}
	if got := query(t, d, "SELECT version FROM jobs WHERE id = 0"); got != "2" {
		t.Errorf("version = %s, want 2 (the cut-short bump rolled back)", got)
	}
}

func TestApplyBatch(t *testing.T) {
	ctx := context.Background()
	d := open(t, jobs(t, "", 0), "", 4)
	c := takeConn(t, d)
	ws := []fsm.Write{
		{Transition: claim, Item: 0, To: 1, Worker: 1},
		{Transition: stamp, Item: 1, To: 1, Version: 5, Worker: 9}, // conflicts after its first UPDATE
		{Transition: stamp, Item: 2, To: 1, Worker: 3},
		{Transition: finish, Item: 3, From: 1, To: 2}, // conflicts: job 3 is queued
	}
	timings, errs := make([]fsm.Timing, len(ws)), make([]error, len(ws))
	committed, err := c.ApplyBatch(ctx, ws, timings, errs)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []error{nil, fsm.ErrConflict, nil, fsm.ErrConflict} {
		if !errors.Is(errs[i], want) || want == nil && errs[i] != nil {
			t.Errorf("errs[%d] = %v, want %v", i, errs[i], want)
		}
		if timings[i].Updated.IsZero() || timings[i].Committed != committed {
			t.Errorf("timings[%d] = %+v, committed %v", i, timings[i], committed)
		}
	}
	want := "0 running 1 1,1 queued 0 null,2 running 1 3,3 queued 0 null"
	if got := query(t, d, "SELECT string_agg(id || ' ' || state || ' ' || version || ' ' || coalesce(worker::text, 'null'), ',' ORDER BY id) FROM jobs"); got != want {
		t.Errorf("after the batch: %q, want %q", got, want)
	}
	// More than one row fails the whole batch.
	ws = []fsm.Write{{Transition: claim, Item: 3, To: 1}, {Transition: requeueAll, From: 1, To: 0}}
	if _, err := c.ApplyBatch(ctx, ws, timings[:2], errs[:2]); !errors.Is(err, fsm.ErrManyRows) || !errors.Is(errs[1], fsm.ErrManyRows) {
		t.Fatalf("ApplyBatch = %v, errs %v; want ErrManyRows", err, errs[:2])
	}
	if got := query(t, d, "SELECT state FROM jobs WHERE id = 3"); got != "queued" {
		t.Errorf("job 3 is %s after a failed batch, want queued (nothing committed)", got)
	}
}

func TestRead(t *testing.T) {
	d := open(t, jobs(t, "", 0), "", 10)
	c := takeConn(t, d)
	for range 3 {
		if err := c.Read(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRowsTextKeys(t *testing.T) {
	w := jobs(t, "job-%03d", 0)
	w.Version = ""
	d := open(t, w, "repeatable_read", 3)
	c := takeConn(t, d)
	if _, err := c.Apply(context.Background(), &fsm.Write{Transition: claim, Item: 2, Key: "job-002", To: 1}); err != nil {
		t.Fatal(err)
	}
	query(t, d, "INSERT INTO jobs (id, state, created) VALUES ('stray', 'queued', 0) RETURNING id")
	got := rows(t, d)
	want := map[int]fsm.Row{
		0:  {Key: "job-000", Item: 0, State: "queued", Version: -1},
		1:  {Key: "job-001", Item: 1, State: "queued", Version: -1},
		2:  {Key: "job-002", Item: 2, State: "running", Version: -1},
		-1: {Key: "stray", Item: -1, State: "queued", Version: -1},
	}
	if len(got) != len(want) {
		t.Errorf("Rows = %+v, want %+v", got, want)
	}
	for i, r := range want {
		if got[i] != r {
			t.Errorf("row of item %d = %+v, want %+v", i, got[i], r)
		}
	}
	if s, err := d.IntegrityCheck(context.Background()); s != "ok" || err != nil {
		t.Errorf("IntegrityCheck = %q, %v", s, err)
	}
}

func TestWALBytes(t *testing.T) {
	ctx := context.Background()
	d := open(t, jobs(t, "", 0), "", 100)
	if size, ok := d.WALSize(); size != 0 || ok {
		t.Errorf("WALSize = %d, %v; want 0, false", size, ok)
	}
	c := takeConn(t, d)
	for i := range 100 {
		if _, err := c.Apply(ctx, &fsm.Write{Transition: claim, Item: i, To: 1}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := d.WALBytes(ctx)
	if err != nil || n <= 0 {
		t.Errorf("WALBytes after 100 writes = %d, %v; want > 0", n, err)
	}
}

func TestConnReuseAndConnects(t *testing.T) {
	ctx := context.Background()
	w := jobs(t, "", 0)
	w.Transitions[claim].SQL[0].SQL = "SELECT version AS v FROM jobs WHERE id = :item AND current_setting('scenrun.tag') = 'set'"
	d, err := Open(ctx, serverURL(t), fsm.Options{Workload: w, ConnectSQL: []string{"SET scenrun.tag = 'set'"}}, "read_committed")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Init(ctx, []string{"SELECT set_config('scenrun.tag', 'set', false)"}, 5); err != nil {
		t.Fatal(err)
	}
	// Kept idle (the default), a released connection is taken again.
	for i := range 2 {
		c, err := d.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Apply(ctx, &fsm.Write{Transition: claim, Item: i, To: 1}); err != nil {
			t.Fatal(err) // connect SQL ran: the setting is there
		}
		c.Close()
	}
	if got := d.Connects(); got != 1 {
		t.Errorf("Connects = %d after two Conns in turn, want 1", got)
	}
	// With no idle connections, each Conn is a new one and Close closes it.
	d.SetMaxIdle(0)
	for i := 2; i < 5; i++ {
		c, err := d.conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Apply(ctx, &fsm.Write{Transition: claim, Item: i, To: 1}); err != nil {
			t.Fatal(err)
		}
		c.Close()
		if !c.pg.IsClosed() {
			t.Errorf("released connection still open with SetMaxIdle(0)")
		}
	}
	if got := d.Connects(); got != 4 {
		t.Errorf("Connects = %d, want 4", got)
	}
}

func TestSQLErrorAtInit(t *testing.T) {
	w := jobs(t, "", 0)
	w.Transitions[finish].SQL[0].SQL = "UPDATE jobs SET sate = :to WHERE id = :item"
	d, err := Open(context.Background(), serverURL(t), fsm.Options{Workload: w}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	err = d.Init(context.Background(), nil, 1)
	var sqlErr *fsm.SQLError
	if !errors.As(err, &sqlErr) || sqlErr.Stmt != w.Transitions[finish].SQL[0].SQL || !strings.Contains(err.Error(), `"sate"`) {
		t.Errorf("Init = %v, want the SQL error of finish's statement", err)
	}
	w.Transitions[finish].SQL[0].SQL = "UPDATE jobs SET state = :to WHERE id = :itme"
	d2, err := Open(context.Background(), serverURL(t), fsm.Options{Workload: w}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if err := d2.Init(context.Background(), nil, 1); err == nil || !strings.Contains(err.Error(), "unknown parameter :itme") {
		t.Errorf("Init = %v, want unknown parameter :itme", err)
	}
}

// TestUserErrors checks the messages of the failures a user meets: each
// names the server by its URL, password masked, and says what went wrong.
func TestUserErrors(t *testing.T) {
	ctx := context.Background()
	base := serverURL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	w := jobs(t, "", 0)
	check := func(t *testing.T, rawURL string, want ...string) {
		t.Helper()
		d, err := Open(ctx, rawURL, fsm.Options{Workload: w}, "")
		if err == nil {
			d.Close()
			t.Fatalf("Open(%s) succeeded", maskURL(rawURL))
		}
		msg := err.Error()
		for _, s := range append(want, maskURL(rawURL)) {
			if !strings.Contains(msg, s) {
				t.Errorf("error %q lacks %q", msg, s)
			}
		}
		if p, ok := u.User.Password(); ok && strings.Contains(msg, p) {
			t.Errorf("error %q shows the password", msg)
		}
	}
	t.Run("no server", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		v := *u
		v.Host = "127.0.0.1:" + strconv.Itoa(port)
		check(t, v.String(), "no server (connection refused)")
	})
	t.Run("wrong password", func(t *testing.T) {
		if _, ok := u.User.Password(); !ok {
			t.Skip("the server's URL has no password (trust login)")
		}
		v := *u
		v.User = url.UserPassword(u.User.Username(), "wrong-password")
		check(t, v.String(), "login refused", "password authentication failed")
	})
	t.Run("no CREATEDB", func(t *testing.T) {
		var b [4]byte
		rand.Read(b[:])
		role := "scenrun_test_" + hex.EncodeToString(b[:])
		admin, err := pgconn.Connect(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		defer closeConn(admin)
		if _, err := admin.Exec(ctx, "CREATE ROLE "+role+" LOGIN PASSWORD 'pw-"+role+"'").ReadAll(); err != nil {
			t.Skipf("cannot create a role to test with: %v", err)
		}
		defer func() { admin.Exec(ctx, "DROP ROLE "+role).ReadAll() }()
		v := *u
		v.User = url.UserPassword(role, "pw-"+role)
		check(t, v.String(), "no right to create a database", "permission denied")
	})
	t.Run("server gone", func(t *testing.T) {
		d := open(t, w, "", 1)
		c := takeConn(t, d)
		query(t, d, "SELECT pg_terminate_backend("+strconv.Itoa(int(c.pg.PID()))+")::text")
		_, err := c.Apply(ctx, &fsm.Write{Transition: claim, Item: 0, To: 1})
		if err == nil || !strings.Contains(err.Error(), "connection lost") || !strings.Contains(err.Error(), maskURL(d.Path())) {
			t.Errorf("Apply on a terminated connection: %v, want connection lost at %s", err, maskURL(d.Path()))
		}
		if errors.Is(err, fsm.ErrBusy) {
			t.Errorf("a lost connection is not busy: %v", err)
		}
	})
}

// BenchmarkApply is one claim and one finish a round, on one connection;
// allocs/op is the hot path's allocations for two writes.
func BenchmarkApply(b *testing.B) {
	u := os.Getenv("SCENRUN_POSTGRES_URL")
	if u == "" {
		b.Skip("SCENRUN_POSTGRES_URL not set")
	}
	ctx := context.Background()
	d, err := Open(ctx, u, fsm.Options{Workload: jobs(b, "", 0)}, "")
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if err := d.Init(ctx, nil, b.N); err != nil {
		b.Fatal(err)
	}
	c, err := d.conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ws := make([]fsm.Write, 0, 2*b.N)
	for i := range b.N {
		ws = append(ws, fsm.Write{Transition: claim, Item: i, Key: int64(i), To: 1},
			fsm.Write{Transition: finish, Item: i, Key: int64(i), From: 1, To: 2, Version: 1})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range ws {
		if _, err := c.Apply(ctx, &ws[i]); err != nil {
			b.Fatal(err)
		}
	}
}
