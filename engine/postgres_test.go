package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/fsm/postgres/pgtest"
)

// rtw is the read-then-write workload of SPEC §9 on PostgreSQL: claim reads
// the job's version, then moves it at that version; each job's row is
// written by the one worker that took it.
const rtw = `
workloads:
  jobs:
    schema:
      postgres: |
        CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL,
                           version INTEGER NOT NULL DEFAULT 0, worker INTEGER);
    table: jobs
    version: version
    states: [queued, running, done, failed]
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
        hold: %s
`

// readers is rtw's read load.
const readers = `
    readers:
      count: 2
      sql: SELECT state, count(*) FROM jobs GROUP BY state
      every: 2ms
`

// pgRole is a role of the test server allowed to create databases, for
// this test alone: the databases it owns are the test's runs', whatever
// other packages' tests do on the server meanwhile.
func pgRole(t *testing.T, name string) (admin, user string) {
	t.Helper()
	admin = pgtest.URL(t)
	return admin, pgtest.Role(t, admin, name, "pw-"+name, true)
}

// TestPostgresEveryMode runs the files workload on PostgreSQL in every
// connection mode: everything indexed, integrity ok, WAL counted, the
// database and isolation recorded, and each trial's database dropped.
func TestPostgresEveryMode(t *testing.T) {
	admin, user := pgRole(t, "scenrun_t_modes")
	spec := parse(t, fmt.Sprintf(`
version: 1
name: pgmodes
defaults: {files: 60, concurrency: 8, pool_size: 3, batch_size: 16, database: postgres, postgres: %q}
matrix:
  concurrency: [8]
  profile: [zero]
  connection: [per_file, per_worker, shared, pool, single_writer]
`, user))
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(res.Runs) != 5 {
		t.Fatalf("got %d runs, want 5", len(res.Runs))
	}
	for _, r := range res.Runs {
		if r.Indexed != 60 || r.Failed != 0 || r.FileErrors != 0 || r.Transitions != 180 || r.Integrity != "ok" {
			t.Errorf("%s: got indexed %d failed %d errors %d transitions %d integrity %q, want 60 0 0 180 ok (%v)",
				r.Name, r.Indexed, r.Failed, r.FileErrors, r.Transitions, r.Integrity, r.Errors)
		}
		if r.WALBytes == nil || *r.WALBytes <= 0 {
			t.Errorf("%s: got wal_bytes %v, want > 0", r.Name, r.WALBytes)
		}
		if r.Database != "postgres" || r.Isolation != "read_committed" {
			t.Errorf("%s: got database %q isolation %q, want postgres read_committed", r.Name, r.Database, r.Isolation)
		}
		if r.DBPath != "" {
			t.Errorf("%s: got db_path %q without keep_db", r.Name, r.DBPath)
		}
	}
	if dbs := pgtest.Databases(t, admin, "scenrun_t_modes"); len(dbs) != 0 {
		t.Errorf("got databases %v left on the server, want none", dbs)
	}
}

// TestPostgresKeepDB keeps the trial's database and records its name.
func TestPostgresKeepDB(t *testing.T) {
	admin, user := pgRole(t, "scenrun_t_keep")
	spec := parse(t, fmt.Sprintf(`
version: 1
name: pgkeep
defaults: {files: 20, concurrency: 4, database: postgres, postgres: %q, keep_db: true}
runs: [{name: r}]
`, user))
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	name := res.Runs[0].DBPath
	dbs := pgtest.Databases(t, admin, "scenrun_t_keep")
	if !strings.HasPrefix(name, "scenrun_") || !slices.Equal(dbs, []string{name}) {
		t.Fatalf("got db_path %q and databases %v, want one kept database by that name", name, dbs)
	}
	if got := pgtest.Query(t, admin, fmt.Sprintf("SELECT count(*) FROM pg_database WHERE datname = '%s'", name)); !slices.Equal(got, []string{"1"}) {
		t.Errorf("got %v, want the kept database", got)
	}
}

// TestPostgresReadThenWrite measures the read-then-write claim under
// read_committed and serializable at concurrency 16. Each job's row has one
// writer, so read_committed has nothing to conflict over: no conflict, no
// busy error, no lost update. Serializable's predicate locks are page-grained,
// so claims of jobs on the same pages fail with 40001 (busy) although no two
// touch the same row: the run completes, those jobs stop, and busy_retries
// brings them through.
func TestPostgresReadThenWrite(t *testing.T) {
	pgtest.URL(t)
	spec := parse(t, `
version: 1
name: pgrtw
defaults: {files: 200, concurrency: 16, connection: pool, pool_size: 16, database: postgres, workload: jobs}
`+fmt.Sprintf(rtw, "0s")+`
runs:
  - name: rc
    isolation: read_committed
  - name: ser
    isolation: serializable
  - name: ser_retried
    isolation: serializable
    busy_retries: 20
`)
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	rc, ser, retried := res.Runs[0], res.Runs[1], res.Runs[2]
	if rc.Isolation != "read_committed" || ser.Isolation != "serializable" {
		t.Errorf("got isolations %q %q, want read_committed serializable", rc.Isolation, ser.Isolation)
	}
	if rc.Indexed != 200 || rc.BusyErrors != 0 || rc.OCCConflicts != 0 || rc.Integrity != "ok" {
		t.Errorf("read_committed: got indexed %d busy %d conflicts %d integrity %q, want 200 0 0 ok",
			rc.Indexed, rc.BusyErrors, rc.OCCConflicts, rc.Integrity)
	}
	if ser.BusyErrors == 0 || ser.Failed == 0 || ser.Indexed+ser.Failed != 200 || ser.FileErrors != 0 || ser.Integrity != "ok" {
		t.Errorf("serializable: got busy %d indexed %d failed %d errors %d integrity %q, want busy > 0, the stopped jobs failed, integrity ok",
			ser.BusyErrors, ser.Indexed, ser.Failed, ser.FileErrors, ser.Integrity)
	}
	if retried.Indexed != 200 || retried.BusyRetries == 0 || retried.Integrity != "ok" {
		t.Errorf("serializable with busy_retries: got indexed %d busy_retries %d integrity %q, want 200, > 0, ok",
			retried.Indexed, retried.BusyRetries, retried.Integrity)
	}
}

// TestPostgresHoldAndReaders: hold is time inside the transaction, and
// readers query while the workers run.
func TestPostgresHoldAndReaders(t *testing.T) {
	pgtest.URL(t)
	spec := parse(t, `
version: 1
name: pghold
defaults: {files: 40, concurrency: 4, connection: per_worker, database: postgres, workload: jobs}
`+fmt.Sprintf(rtw, "3ms")+readers+`
runs: [{name: r}]
`)
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	r := res.Runs[0]
	if r.Indexed != 40 || r.Integrity != "ok" {
		t.Errorf("got indexed %d integrity %q, want 40 ok", r.Indexed, r.Integrity)
	}
	if r.Hold.Count != 40 || r.Hold.Min < 3 {
		t.Errorf("got hold_ms %+v, want 40 items held ≥ 3 ms", r.Hold)
	}
	if r.Reads == nil || r.Reads.Queries == 0 || r.Reads.Errors != 0 {
		t.Errorf("got reads %+v, want queries and no errors", r.Reads)
	}
}

// TestPostgresProcessesAndRepeat: two worker processes attach to the
// trial's database; two trials each get a fresh one, both dropped.
func TestPostgresProcessesAndRepeat(t *testing.T) {
	admin, user := pgRole(t, "scenrun_t_procs")
	spec := parse(t, fmt.Sprintf(`
version: 1
name: pgprocs
defaults: {files: 60, concurrency: 8, database: postgres, postgres: %q, connection: pool, pool_size: 2}
runs:
  - name: procs
    processes: 2
  - name: repeated
    repeat: 2
`, user))
	res, err := runSpec(t, spec, Options{WorkerCommand: workerCmd("__worker")})
	if err != nil {
		t.Fatalf("run: %v (%v)", err, res.Runs[0].Errors)
	}
	procs, rep := res.Runs[0], res.Runs[1]
	if procs.Processes != 2 || procs.Indexed != 60 || procs.Transitions != 180 || procs.Integrity != "ok" {
		t.Errorf("processes: got processes %d indexed %d transitions %d integrity %q, want 2 60 180 ok (%v)",
			procs.Processes, procs.Indexed, procs.Transitions, procs.Integrity, procs.Errors)
	}
	if len(rep.Trials) != 2 || rep.Indexed != 60 || rep.Integrity != "ok" {
		t.Errorf("repeat: got %d trials, indexed %d integrity %q, want 2 60 ok", len(rep.Trials), rep.Indexed, rep.Integrity)
	}
	for i, tr := range rep.Trials {
		if tr.Indexed != 60 || tr.WALBytes == nil || *tr.WALBytes <= 0 {
			t.Errorf("trial %d: got indexed %d wal_bytes %v, want 60, > 0", i+1, tr.Indexed, tr.WALBytes)
		}
	}
	if dbs := pgtest.Databases(t, admin, "scenrun_t_procs"); len(dbs) != 0 {
		t.Errorf("got databases %v left on the server, want none", dbs)
	}
}

// TestSchemaPerDatabase runs one workload, with a schema for each
// database, on both in one spec: a matrix over database.
func TestSchemaPerDatabase(t *testing.T) {
	pgtest.URL(t)
	spec := parse(t, `
version: 1
name: both
defaults: {files: 30, concurrency: 4, workload: q}
workloads:
  q:
    schema:
      sqlite: CREATE TABLE q (id INTEGER PRIMARY KEY, state TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0)
      postgres: CREATE TABLE q (id BIGINT PRIMARY KEY, state TEXT NOT NULL, version BIGINT NOT NULL DEFAULT 0)
    table: q
    version: version
    states: [new, done]
    initial: new
    done: [done]
    steps: [{name: finish, from: new, to: done}]
matrix:
  concurrency: [4]
  profile: [zero]
  database: [sqlite, postgres]
`)
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	var got []string
	for _, r := range res.Runs {
		got = append(got, r.Name+"="+r.Database)
		if r.Indexed != 30 || r.Integrity != "ok" {
			t.Errorf("%s: got indexed %d integrity %q, want 30 ok", r.Name, r.Indexed, r.Integrity)
		}
	}
	if want := []string{"c4_zero_sqlite=sqlite", "c4_zero_postgres=postgres"}; !slices.Equal(got, want) {
		t.Errorf("got runs %v, want %v", got, want)
	}
	if sq, pg := res.Runs[0], res.Runs[1]; sq.WALBytes != nil || pg.WALBytes == nil || sq.WALSizeMaxBytes == nil || pg.WALSizeMaxBytes != nil {
		t.Errorf("got wal_bytes %v/%v, wal_size_max %v/%v: want SQLite's WAL sizes and PostgreSQL's wal_bytes",
			sq.WALBytes, pg.WALBytes, sq.WALSizeMaxBytes, pg.WALSizeMaxBytes)
	}
}
