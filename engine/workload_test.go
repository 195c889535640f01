package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/fsm/sqlite"
	"github.com/scenrun/scenrun/scenario"
)

// jobsWorkload is SPEC §9's jobs workload with a third step: claim reads
// the version and writes it back incremented (two statements, :worker
// recorded), finish makes the upload call and holds its transaction 2 ms,
// archive is the default UPDATE (no sql). extra is appended to the
// workload (readers:, say), indented by four spaces.
func jobsWorkload(extra string) string {
	return `
workloads:
  jobs:
    schema: |
      CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL,
                         version INTEGER NOT NULL DEFAULT 0, worker INTEGER, result TEXT);
      CREATE INDEX jobs_state ON jobs (state);
    table: jobs
    key: id
    state: state
    version: version
    states: [queued, running, finished, archived, failed]
    initial: queued
    done: [archived]
    steps:
      - name: claim
        from: queued
        to: running
        sql:
          - SELECT version AS v FROM jobs WHERE id = :item
          - UPDATE jobs SET state = :to, version = :v + 1, worker = :worker WHERE id = :item AND version = :v
      - name: finish
        from: running
        to: finished
        call: upload
        fail: failed
        hold: 2ms
        sql:
          - UPDATE jobs SET state = :to, version = version + 1, result = 'ok' WHERE id = :item AND state = :from
      - name: archive
        from: finished
        to: archived
` + extra
}

// jobsSteps and jobsHeld are the jobs workload's steps, and how many of
// them hold their transaction 2 ms.
const jobsSteps, jobsHeld = 3, 1

// jobsSpec is a spec over the jobs workload: defaults and runs are YAML
// flow mappings and a runs list, as written in the spec.
func jobsSpec(t *testing.T, extra, defaults, runs string) *scenario.Spec {
	t.Helper()
	return parse(t, "version: 1\nname: jobs\n"+jobsWorkload(extra)+
		"defaults: "+defaults+"\nruns:\n"+runs)
}

// workersOf reads the worker column of every row of the jobs table in the
// kept database at path, through fsm/sqlite: a workload that names worker
// as its state column reads it as each row's state.
func workersOf(t *testing.T, path string) map[int]int {
	t.Helper()
	if path == "" {
		t.Fatal("no kept database")
	}
	keys, err := fsm.NewKeyFormat("")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, fsm.Options{Path: path, Workload: &fsm.Workload{Table: "jobs", Key: "id", State: "worker", Keys: keys}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[int]int{}
	err = db.Rows(ctx, func(r fsm.Row) error {
		w, err := strconv.Atoi(r.State)
		if err != nil {
			return fmt.Errorf("item %s: worker %q: %w", r.Key, r.State, err)
		}
		out[w]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkJobsDone checks a run of the jobs workload in which every item went
// through: all done, nothing lost, every step committed once, the hold
// measured, no busy error.
func checkJobsDone(t *testing.T, r analysis.RunResult, files int) {
	t.Helper()
	if r.Error != "" || r.Indexed != files || r.Failed != 0 || r.FileErrors != 0 {
		t.Errorf("got error %q, indexed %d, failed %d, file errors %d; want none, %d, 0, 0 (%v)", r.Error, r.Indexed, r.Failed, r.FileErrors, files, r.Errors)
	}
	if r.Integrity != "ok" || r.OCCConflicts != 0 || r.States["archived"] != files {
		t.Errorf("got integrity %q, conflicts %d, states %v; want ok, 0, %d archived", r.Integrity, r.OCCConflicts, r.States, files)
	}
	if want := int64(files * jobsSteps); r.Transitions != want {
		t.Errorf("got %d transitions, want %d", r.Transitions, want)
	}
	if r.Hold.Count != files || r.Hold.P50 < 2*jobsHeld || r.Hold.Min < 2*jobsHeld {
		t.Errorf("got hold_ms %+v, want %d items each holding at least %d ms", r.Hold, files, 2*jobsHeld)
	}
	if r.DBTotal.Min < r.Hold.Min {
		t.Errorf("got db_total min %g below hold min %g: the hold is inside the transaction", r.DBTotal.Min, r.Hold.Min)
	}
	if r.BusyErrors != 0 || r.BusyRetries != 0 {
		t.Errorf("got busy %d, retries %d; want 0, 0", r.BusyErrors, r.BusyRetries)
	}
	if r.Workload != "jobs" {
		t.Errorf("got config.workload %q, want jobs", r.Workload)
	}
}

// checkWorkers checks that every item's :worker is one of 0 … conc−1 and,
// with span, that every worker wrote one.
func checkWorkers(t *testing.T, path string, files, conc int, span bool) {
	t.Helper()
	got := workersOf(t, path)
	n := 0
	for w, k := range got {
		n += k
		if w < 0 || w >= conc {
			t.Errorf("got worker %d on %d items, want 0 … %d", w, k, conc-1)
		}
	}
	if n != files {
		t.Errorf("got %d rows with a worker, want %d", n, files)
	}
	if span && len(got) != conc {
		t.Errorf("got workers %v, want every one of 0 … %d", got, conc-1)
	}
}

// TestJobsWorkloadInEveryMode runs the jobs workload through every
// connection mode with immediate transactions: a custom workload is data,
// and every mode carries it as it carries files.
func TestJobsWorkloadInEveryMode(t *testing.T) {
	const files, conc = 120, 6
	for _, mode := range scenario.Connections {
		t.Run(mode, func(t *testing.T) {
			spec := jobsSpec(t, "", fmt.Sprintf("{workload: jobs, files: %d, concurrency: %d, txlock: immediate, pool_size: 3, keep_db: true}", files, conc),
				"  - name: r\n    connection: "+mode+"\n")
			res, err := runSpec(t, spec, Options{})
			if err != nil {
				t.Fatalf("run: %v (%v)", err, res.Runs[0].Errors)
			}
			r := res.Runs[0]
			checkJobsDone(t, r, files)
			checkWorkers(t, r.DBPath, files, conc, false)
			if (mode == "single_writer") != (r.Batches != nil) {
				t.Errorf("got batches %+v for %s", r.Batches, mode)
			}
		})
	}
}

// deferredRuns are runs of the jobs workload at concurrency 8 in WAL mode
// whose claim reads and then writes: under deferred transactions a claim
// that read before another worker's commit cannot write (SQLITE_BUSY, the
// snapshot is stale); under immediate ones it waits for the lock instead.
const deferredRuns = `  - name: deferred
    txlock: deferred
  - name: retried
    txlock: deferred
    busy_retries: 5
    busy_backoff: 1ms
  - name: immediate
    txlock: immediate
`

// TestReadThenWriteIsBusyUnderDeferred: busy is a measurement (SPEC §9).
// Items a busy database stopped count as failed at their last committed
// state (the integrity check holds every row to it), the run completes,
// and immediate transactions see no busy error at all.
func TestReadThenWriteIsBusyUnderDeferred(t *testing.T) {
	const files = 200
	spec := jobsSpec(t, "", fmt.Sprintf("{workload: jobs, files: %d, concurrency: 8, connection: per_worker}", files), deferredRuns)
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatalf("got %v, want the runs to complete: busy is a measurement", err)
	}
	deferred, retried, immediate := res.Runs[0], res.Runs[1], res.Runs[2]
	for _, r := range []analysis.RunResult{deferred, retried} {
		if r.Error != "" || r.FileErrors != 0 || r.Integrity != "ok" {
			t.Errorf("%s: got error %q, %d file errors, integrity %q; want none, 0, ok", r.Name, r.Error, r.FileErrors, r.Integrity)
		}
		if r.Failed+r.Indexed != files {
			t.Errorf("%s: got %d failed + %d indexed, want %d", r.Name, r.Failed, r.Indexed, files)
		}
		// No call fails (profile zero): every failed item is one a busy
		// error stopped, and each busy error was either tried again or
		// stopped its item.
		if r.BusyErrors-r.BusyRetries != int64(r.Failed) {
			t.Errorf("%s: got busy %d − retries %d ≠ %d failed", r.Name, r.BusyErrors, r.BusyRetries, r.Failed)
		}
		if r.Failed > 0 && (len(r.Errors) == 0 || !strings.Contains(r.Errors[0], "busy")) {
			t.Errorf("%s: got reasons %q, want the busy error kept", r.Name, r.Errors)
		}
		// Stopped items hold their last committed state: each state is
		// one of the walk's, and the transitions add up.
		var steps int
		for s, n := range r.States {
			k := slices.Index([]string{"queued", "running", "finished", "archived"}, s)
			if n > 0 && k < 0 {
				t.Errorf("%s: %d items in state %s", r.Name, n, s)
			}
			steps += k * n
		}
		if int64(steps) != r.Transitions {
			t.Errorf("%s: the rows' states account for %d transitions, the run committed %d", r.Name, steps, r.Transitions)
		}
	}
	if deferred.BusyErrors == 0 || deferred.Failed == 0 || deferred.BusyRetries != 0 {
		t.Errorf("deferred: got busy %d, retries %d, failed %d; want busy errors stopping items, no retries", deferred.BusyErrors, deferred.BusyRetries, deferred.Failed)
	}
	if retried.BusyRetries == 0 || retried.BusyErrors < retried.BusyRetries {
		t.Errorf("retried: got busy %d, retries %d; want retries, each after a busy error", retried.BusyErrors, retried.BusyRetries)
	}
	if retried.BusyRetryLimit != 5 || retried.BusyBackoff != 0.001 {
		t.Errorf("retried: got config busy_retries %d, busy_backoff %g s; want 5, 0.001", retried.BusyRetryLimit, retried.BusyBackoff)
	}
	if immediate.BusyErrors != 0 || immediate.Indexed != files || immediate.Integrity != "ok" {
		t.Errorf("immediate: got busy %d, indexed %d, integrity %q; want 0, %d, ok", immediate.BusyErrors, immediate.Indexed, immediate.Integrity, files)
	}
}

// TestReadersAndWALMax: readers run while the workers run and are
// reported under reads; the WAL's largest size is at least its start and
// end sizes in WAL mode and null in any other journal mode.
func TestReadersAndWALMax(t *testing.T) {
	readers := "    readers: {count: 2, sql: 'SELECT state, count(*) FROM jobs GROUP BY state', every: 1ms}\n"
	withReaders := jobsSpec(t, readers, "{workload: jobs, files: 100, concurrency: 4, txlock: immediate}",
		"  - name: wal\n  - name: rollback\n    pragmas: {journal_mode: delete, busy_timeout: 5000}\n")
	without := jobsSpec(t, "", "{workload: jobs, files: 50, concurrency: 4, txlock: immediate}", "  - name: quiet\n")

	res, err := runSpec(t, withReaders, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	wal, rollback := res.Runs[0], res.Runs[1]
	for _, r := range []analysis.RunResult{wal, rollback} {
		checkJobsDone(t, r, 100)
		rd := r.Reads
		if rd == nil {
			t.Errorf("%s: got no reads, want the readers' figures", r.Name)
			continue
		}
		if rd.Queries <= 0 || int64(rd.ReadMS.Count) != rd.Queries-rd.Errors {
			t.Errorf("%s: got reads %+v, want queries > 0 and read_ms.count = queries − errors", r.Name, rd)
		}
	}
	if m := wal.WALSizeMaxBytes; m == nil || *m <= 0 || *m < wal.WALSizeStartBytes || *m < wal.WALSizeEndBytes {
		t.Errorf("wal: got wal_size_max_bytes %v (start %d, end %d), want > 0 and ≥ both", m, wal.WALSizeStartBytes, wal.WALSizeEndBytes)
	}
	if rollback.WALSizeMaxBytes != nil {
		t.Errorf("rollback: got wal_size_max_bytes %d, want null outside WAL mode", *rollback.WALSizeMaxBytes)
	}
	js := runJSON(t, res)
	if _, ok := js[0]["reads"]; !ok {
		t.Errorf("wal: got keys %v, want reads", keysOf(js[0]))
	}
	if v, ok := js[1]["wal_size_max_bytes"]; !ok || v != nil {
		t.Errorf("rollback: got wal_size_max_bytes %v (present %v), want null", v, ok)
	}

	res, err = runSpec(t, without, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if res.Runs[0].Reads != nil {
		t.Errorf("without readers: got reads %+v, want none", res.Runs[0].Reads)
	}
	if _, ok := runJSON(t, res)[0]["reads"]; ok {
		t.Error("without readers: got reads in the JSON, want it absent")
	}
}

// runJSON is each run of res as its JSON object.
func runJSON(t *testing.T, res *analysis.Results) []map[string]any {
	t.Helper()
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Runs []map[string]any `json:"runs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Runs
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestJobsWorkloadOverProcesses spreads the jobs workload's workers over
// two processes: the workload travels to the worker processes as data,
// every item is done, and :worker numbers the workers across processes.
// With single_writer each process batches its writes, a two-statement
// step inside each batch under its own savepoint.
func TestJobsWorkloadOverProcesses(t *testing.T) {
	const files, conc = 160, 4
	for _, mode := range []string{"per_worker", "single_writer"} {
		t.Run(mode, func(t *testing.T) {
			spec := jobsSpec(t, "", fmt.Sprintf("{workload: jobs, files: %d, concurrency: %d, txlock: immediate, batch_size: 8, keep_db: true}", files, conc),
				"  - name: r\n    processes: 2\n    connection: "+mode+"\n")
			res, err := runSpec(t, spec, Options{WorkerCommand: workerCmd("__worker")})
			if err != nil {
				t.Fatalf("run: %v (%v)", err, res.Runs[0].Errors)
			}
			r := res.Runs[0]
			checkJobsDone(t, r, files)
			// per_worker: every worker of both processes takes items (160
			// items holding 2 ms each outlast any worker's start).
			checkWorkers(t, r.DBPath, files, conc, mode == "per_worker")
			if mode == "single_writer" {
				if b := r.Batches; b == nil || b.Count < 2 || b.Max > 8 || b.Mean < 1 {
					t.Errorf("got batches %+v, want transactions of 1 to 8 writes in each process", r.Batches)
				}
			}
		})
	}
}

// TestSingleWriterBatchesMultiStatementSteps: a batch of writes whose step
// has two statements commits every write (each under its own savepoint).
func TestSingleWriterBatchesMultiStatementSteps(t *testing.T) {
	const files = 150
	spec := jobsSpec(t, "", fmt.Sprintf("{workload: jobs, files: %d, concurrency: 12, connection: single_writer, batch_size: 8}", files), "  - name: r\n")
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatalf("run: %v (%v)", err, res.Runs[0].Errors)
	}
	r := res.Runs[0]
	checkJobsDone(t, r, files)
	if b := r.Batches; b == nil || b.Count == 0 || b.Max > 8 || b.Mean < 1 {
		t.Errorf("got batches %+v, want transactions of 1 to 8 writes", r.Batches)
	}
}

// TestRepeatCombinesWorkloadFigures: with repeat 2 both trials count; the
// run's busy errors, retries and reads are the trials' sums, its outcomes
// the worst trial's and its WAL maximum the largest.
func TestRepeatCombinesWorkloadFigures(t *testing.T) {
	readers := "    readers: {count: 1, sql: 'SELECT count(*) FROM jobs WHERE state = ''running''', every: 1ms}\n"
	spec := jobsSpec(t, readers, "{workload: jobs, files: 120, concurrency: 8, connection: per_worker, repeat: 2, busy_retries: 1}", "  - name: deferred\n")
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	r := res.Runs[0]
	if len(r.Trials) != 2 {
		t.Fatalf("got %d trials, want 2", len(r.Trials))
	}
	var busy, retries, queries, errs int64
	var reads int
	indexed, failed := r.Trials[0].Indexed, 0
	var walMax int64
	for _, m := range r.Trials {
		busy += m.BusyErrors
		retries += m.BusyRetries
		indexed, failed = min(indexed, m.Indexed), max(failed, m.Failed)
		if m.WALSizeMaxBytes == nil {
			t.Fatal("a trial in WAL mode has no wal_size_max_bytes")
		}
		walMax = max(walMax, *m.WALSizeMaxBytes)
		if m.Reads == nil {
			t.Fatal("a trial has no reads")
		}
		queries += m.Reads.Queries
		errs += m.Reads.Errors
		reads += m.Reads.ReadMS.Count
		if m.Indexed+m.Failed != 120 || m.Integrity != "ok" {
			t.Errorf("trial: got %d indexed + %d failed, integrity %q; want 120, ok", m.Indexed, m.Failed, m.Integrity)
		}
	}
	if r.BusyErrors != busy || r.BusyRetries != retries || r.Indexed != indexed || r.Failed != failed {
		t.Errorf("got busy %d, retries %d, indexed %d, failed %d; want the trials' sums %d, %d and the worst trial's %d, %d",
			r.BusyErrors, r.BusyRetries, r.Indexed, r.Failed, busy, retries, indexed, failed)
	}
	if r.WALSizeMaxBytes == nil || *r.WALSizeMaxBytes != walMax {
		t.Errorf("got wal_size_max_bytes %v, want the trials' largest, %d", r.WALSizeMaxBytes, walMax)
	}
	if busy == 0 {
		t.Errorf("got no busy error in either trial, want some: claims read, then write, under deferred")
	}
	if r.Reads == nil || r.Reads.Queries != queries || r.Reads.Errors != errs || r.Reads.ReadMS.Count != reads || queries == 0 {
		t.Errorf("got reads %+v, want the trials' sums: %d queries, %d errors, %d timed", r.Reads, queries, errs, reads)
	}
	// Every item is a sample of every segment, a stopped one too.
	if r.Hold.Count != 240 {
		t.Errorf("got hold_ms count %d, want one sample per item of both trials (240)", r.Hold.Count)
	}
}

// TestIntegrityCatchesLostUpdateInWorkload: a trigger changes one row's
// version behind the engine's back; the integrity check, which holds every
// row to the state changes committed for it, catches it and the run fails.
func TestIntegrityCatchesLostUpdateInWorkload(t *testing.T) {
	for _, c := range []struct{ name, trigger, want string }{
		{"version", "UPDATE jobs SET version = version + 1 WHERE id = 7", "7: version 4, but 3 state changes were committed"},
		{"state", "UPDATE jobs SET state = 'queued' WHERE id = 7", "7: state queued, but the machine ended at archived"},
	} {
		t.Run(c.name, func(t *testing.T) {
			setup := fmt.Sprintf(`["CREATE TRIGGER meddle AFTER UPDATE OF state ON jobs WHEN new.id = 7 AND new.state = 'archived' BEGIN %s; END"]`, c.trigger)
			spec := jobsSpec(t, "", "{workload: jobs, files: 30, concurrency: 3, txlock: immediate, setup_sql: "+setup+"}", "  - name: r\n")
			res, err := runSpec(t, spec, Options{})
			if !errors.Is(err, ErrRunFailed) {
				t.Fatalf("got %v, want ErrRunFailed", err)
			}
			r := res.Runs[0]
			if r.Integrity == "ok" || !strings.Contains(r.Integrity, c.want) {
				t.Errorf("got integrity %q, want %q", r.Integrity, c.want)
			}
			if !strings.Contains(r.Error, "integrity: ") {
				t.Errorf("got run error %q, want the integrity failure", r.Error)
			}
		})
	}
}

// TestLastStatementMustChangeOneRow: a step's last statement changing two
// rows fails the run; changing none is an optimistic-concurrency conflict.
func TestLastStatementMustChangeOneRow(t *testing.T) {
	wl := func(last string) string {
		return `version: 1
name: rows
workloads:
  w:
    schema: CREATE TABLE t (id INTEGER PRIMARY KEY, state TEXT NOT NULL, note TEXT)
    table: t
    states: [new, seen]
    initial: new
    done: [seen]
    steps:
      - name: see
        from: new
        to: seen
        sql:
          - UPDATE t SET state = :to WHERE id = :item AND state = :from
          - ` + last + `
defaults: {workload: w, files: 10, concurrency: 2, txlock: immediate}
runs: [{name: r}]
`
	}
	t.Run("two", func(t *testing.T) {
		res, err := runSpec(t, parse(t, wl("UPDATE t SET note = 'x' WHERE id IN (:item, (:item + 1) % 10)")), Options{})
		if !errors.Is(err, ErrRunFailed) {
			t.Fatalf("got %v, want ErrRunFailed", err)
		}
		r := res.Runs[0]
		if !strings.Contains(r.Error, "more than one row") || r.Indexed != 0 || r.FileErrors != 10 {
			t.Errorf("got error %q, indexed %d, file errors %d; want more than one row on all 10", r.Error, r.Indexed, r.FileErrors)
		}
		if r.Integrity != "ok" || r.States["new"] != 10 {
			t.Errorf("got integrity %q, states %v; want ok, every write rolled back", r.Integrity, r.States)
		}
	})
	t.Run("none", func(t *testing.T) {
		// SPEC §9: zero rows is a conflict, counted; the item fails and the
		// run goes on (it is a result of the configuration, as busy is).
		res, err := runSpec(t, parse(t, wl("UPDATE t SET note = 'x' WHERE id = :item AND state = 'nope'")), Options{})
		if err != nil {
			t.Fatalf("got %v, want the run to complete", err)
		}
		r := res.Runs[0]
		if r.OCCConflicts != 10 || r.Indexed != 0 || r.Transitions != 0 || r.Failed != 10 || r.FileErrors != 0 || r.Error != "" {
			t.Errorf("got conflicts %d, indexed %d, transitions %d, failed %d, file errors %d, error %q; want 10, 0, 0, 10, 0, none",
				r.OCCConflicts, r.Indexed, r.Transitions, r.Failed, r.FileErrors, r.Error)
		}
		if len(r.Errors) == 0 || !strings.Contains(r.Errors[0], "conflict") {
			t.Errorf("got reasons %q, want the conflict kept", r.Errors)
		}
		if r.Integrity != "ok" || r.States["new"] != 10 {
			t.Errorf("got integrity %q, states %v; want ok, every write rolled back", r.Integrity, r.States)
		}
	})
}

// TestWorkloadSQLErrorsAreSpecErrors: Validate prepares every workload
// statement on SQLite; what SQLite refuses is a spec error at the
// statement's position with SQLite's message, before anything runs.
func TestWorkloadSQLErrorsAreSpecErrors(t *testing.T) {
	const head = `version: 1
name: v
workloads:
  w:
`
	const rest = `    table: t
    states: [new, seen, done]
    initial: new
    done: [done]
`
	const schema = "    schema: CREATE TABLE t (id INTEGER PRIMARY KEY, state TEXT NOT NULL, note TEXT)\n"
	const plainSteps = `    steps:
      - {name: see, from: new, to: seen}
      - {name: end, from: seen, to: done}
`
	const tail = "defaults: {workload: w, files: 5, concurrency: 2}\nruns: [{name: r}]\n"
	cases := []struct {
		name, src string
		want      []string
	}{
		{"second statement of a step", head + schema + rest + `    steps:
      - name: see
        from: new
        to: seen
        sql:
          - SELECT note AS n FROM t WHERE id = :item
          - UPDATE t SET state = :to, notes = :n WHERE id = :item AND state = :from
      - {name: end, from: seen, to: done}
` + tail, []string{`test.yaml:16:13: workload "w": step "see", statement 2: SQLite: no such column: notes`}},
		{"schema block", head + `    schema: |
      CREATE TABLE t (id INTEGER PRIMARY KEY, state TEXT NOT NULL);
      CREATE INDEX t_state ON t state;
` + rest + plainSteps + tail, []string{`test.yaml:6:7: workload "w": schema: SQLite: near "state": syntax error`}},
		{"seed not null", head + "    schema: CREATE TABLE t (id INTEGER PRIMARY KEY, state TEXT NOT NULL, note TEXT NOT NULL)\n" +
			"    seed: INSERT INTO t (id, state) VALUES (:item, :state)\n" + rest + plainSteps + tail,
			[]string{`test.yaml:6:11: workload "w": seed: SQLite: NOT NULL constraint failed: t.note`}},
		{"reader on an unknown table", head + schema + rest + plainSteps +
			"    readers: {count: 1, sql: SELECT count(*) FROM tt}\n" + tail,
			[]string{`test.yaml:13:30: workload "w": readers: SQLite: no such table: tt`}},
		{"positional parameter", head + schema + rest + `    steps:
      - name: see
        from: new
        to: seen
        sql:
          - UPDATE t SET state = :to, note = ? WHERE id = :item AND state = :from
      - {name: end, from: seen, to: done}
` + tail, []string{`test.yaml:15:13: workload "w": step "see", statement 1: 4 parameters, but 3 :name parameters found: use :name parameters only`}},
		{"every error, in file order", head + schema + "    seed: INSERT INTO t (id, state, owner) VALUES (:item, :state, 0)\n" + rest + `    steps:
      - name: see
        from: new
        to: seen
        sql: [UPDATE t SET state = :to WHERE id = :item AND stat = :from]
      - {name: end, from: seen, to: done}
    readers: {count: 1, sql: SELECT * FROM u}
` + tail, []string{
			`test.yaml:6:11: workload "w": seed: SQLite: table t has no column named owner`,
			`test.yaml:15:15: workload "w": step "see", statement 1: SQLite: no such column: stat`,
			`test.yaml:17:30: workload "w": readers: SQLite: no such table: u`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := parse(t, c.src)
			err := Validate(spec, nil)
			var errs scenario.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("got %v, want spec errors", err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			// A run checks the same before anything runs.
			if _, err := NewRunner(spec, Options{TempDir: t.TempDir()}); err == nil || err.Error() != strings.Join(c.want, "\n") {
				t.Errorf("NewRunner: got %v, want the same errors", err)
			}
		})
	}
}

// TestFilesWorkloadResultsKeepTheirShape: the built-in files workload runs
// as before; its results have every field they had, plus the new ones.
func TestFilesWorkloadResultsKeepTheirShape(t *testing.T) {
	const files = 40
	spec := parse(t, fmt.Sprintf("version: 1\nname: f\ndefaults: {files: %d, concurrency: 4}\nruns: [{name: r}]\n", files))
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Runs[0]
	if r.Indexed != files || r.Transitions != 3*files || r.Integrity != "ok" || r.BusyErrors != 0 || r.BusyRetries != 0 {
		t.Errorf("got indexed %d, transitions %d, integrity %q, busy %d/%d; want %d, %d, ok, 0/0", r.Indexed, r.Transitions, r.Integrity, r.BusyErrors, r.BusyRetries, files, 3*files)
	}
	if r.Hold.Count != files || r.Hold.Max != 0 {
		t.Errorf("got hold_ms %+v, want %d samples, all zero", r.Hold, files)
	}
	if r.WALSizeMaxBytes == nil || *r.WALSizeMaxBytes <= 0 {
		t.Errorf("got wal_size_max_bytes %v, want set", r.WALSizeMaxBytes)
	}
	if r.Workload != "files" || r.Reads != nil {
		t.Errorf("got workload %q, reads %v; want files, none", r.Workload, r.Reads)
	}
	run := runJSON(t, res)[0]
	// The keys a run had before workloads, and the new ones.
	for _, k := range []string{
		"name", "config", "effective_pragmas", "trials", "elapsed_seconds", "transitions", "transitions_per_second",
		"files_per_second", "indexed", "failed", "occ_conflicts", "segments", "wal_size_start_bytes", "wal_size_end_bytes",
		"wal_contention", "bottleneck", "integrity", "states", "file_errors", "latency_cdf", "throughput",
		"busy_errors", "busy_retries", "wal_size_max_bytes",
	} {
		if _, ok := run[k]; !ok {
			t.Errorf("run: no %q (keys %v)", k, keysOf(run))
		}
	}
	cfg, _ := run["config"].(map[string]any)
	for _, k := range []string{
		"files", "concurrency", "profile", "connection", "pool_size", "batch_size", "txlock", "pragmas", "repeat",
		"warmup", "seed", "retries", "timeout_seconds", "keep_db", "processes", "workload",
	} {
		if _, ok := cfg[k]; !ok {
			t.Errorf("config: no %q (keys %v)", k, keysOf(cfg))
		}
	}
	if cfg["workload"] != "files" {
		t.Errorf("got config.workload %v, want files", cfg["workload"])
	}
	segs, _ := run["segments"].(map[string]any)
	for _, k := range append(slices.Clone(scenario.Segments), "hold_ms") {
		if _, ok := segs[k]; !ok {
			t.Errorf("segments: no %q (keys %v)", k, keysOf(segs))
		}
	}
}

// TestAssertionsReadWorkloadFigures: assertions reach busy_errors, reads,
// hold_ms and wal_size_max_bytes, by run name and through run(); a typo
// is a spec error with a suggestion.
func TestAssertionsReadWorkloadFigures(t *testing.T) {
	readers := "    readers: {count: 1, sql: SELECT count(*) FROM jobs, every: 1ms}\n"
	spec := jobsSpec(t, readers, "{workload: jobs, files: 120, concurrency: 8, connection: per_worker}", `  - name: deferred
    txlock: deferred
  - name: x
    txlock: immediate
assertions:
  - {name: busy, expr: deferred.busy_errors > 0}
  - {name: none busy, expr: x.busy_errors == 0 && x.busy_retries == 0}
  - {name: reads, expr: 'run("x").reads.queries > 0 && run("x").reads.read_ms.count > 0'}
  - {name: hold, expr: x.hold_ms.p95 >= 2}
  - {name: wal, expr: x.wal_size_max_bytes > 0}
  - {name: workload, expr: x.workload == "jobs"}
`)
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Assertions {
		if !a.Passed {
			t.Errorf("%s: got %+v, want pass", a.Name, a)
		}
	}
	if len(res.Assertions) != 6 {
		t.Errorf("got %d assertions, want 6", len(res.Assertions))
	}

	bad := jobsSpec(t, "", "{workload: jobs, files: 5}", "  - name: x\nassertions:\n  - {name: typo, expr: x.busy_erors > 0}\n")
	err = Validate(bad, nil)
	var errs scenario.Errors
	if !errors.As(err, &errs) || len(errs) != 1 {
		t.Fatalf("got %v, want one spec error", err)
	}
	const want = `a run has no field busy_erors, did you mean busy_errors?`
	if got := errs[0].Error(); !strings.HasPrefix(got, "test.yaml:") || !strings.HasSuffix(got, want) {
		t.Errorf("got %q, want a position and %q", got, want)
	}
}
