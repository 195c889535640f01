package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scenrun/scenrun/fsm/postgres/pgtest"
)

// pgSpec is a spec of two runs on the server at url: files on PostgreSQL.
func pgSpec(url string) string {
	return fmt.Sprintf(`version: 1
name: pg
defaults: {files: 20, concurrency: 4, database: postgres, postgres: %q}
runs:
  - name: first
  - name: second
    connection: pool
`, url)
}

// TestPostgresJSONAndKeepDB: the JSON records database, isolation and
// wal_bytes; keep_db prints the database's name, which is on the server.
func TestPostgresJSONAndKeepDB(t *testing.T) {
	admin := pgtest.URL(t)
	user := pgtest.Role(t, admin, "scenrun_t_cmd", "pw-cmd", true)
	js := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := runCmd(t, "-no-progress", "-json", js, "-set", "keep_db=true", writeSpec(t, pgSpec(user)))
	if code != exitOK {
		t.Fatalf("got exit %d, want 0; stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, "postgres") {
		t.Errorf("got stdout\n%s\nwant the database column", stdout)
	}
	var res struct {
		Runs []struct {
			Name     string         `json:"name"`
			Config   map[string]any `json:"config"`
			WALBytes *int64         `json:"wal_bytes"`
			DBPath   string         `json:"db_path"`
		} `json:"runs"`
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	dbs := pgtest.Databases(t, admin, "scenrun_t_cmd")
	for _, r := range res.Runs {
		if r.Config["database"] != "postgres" || r.Config["isolation"] != "read_committed" || r.WALBytes == nil || *r.WALBytes <= 0 {
			t.Errorf("%s: got database %v isolation %v wal_bytes %v, want postgres read_committed > 0", r.Name, r.Config["database"], r.Config["isolation"], r.WALBytes)
		}
		if !strings.Contains(stderr, "kept database of "+r.Name+": "+r.DBPath) || !strings.HasPrefix(r.DBPath, "scenrun_") {
			t.Errorf("%s: got db_path %q, stderr %q: want the kept database's name printed", r.Name, r.DBPath, stderr)
		}
		if !strings.Contains(strings.Join(dbs, " "), r.DBPath) {
			t.Errorf("%s: got databases %v, want %s kept", r.Name, dbs, r.DBPath)
		}
	}
	if len(res.Runs) != 2 || len(dbs) != 2 {
		t.Errorf("got %d runs and kept databases %v, want 2 of each", len(res.Runs), dbs)
	}
}

// TestPostgresServerErrors: what a user meets pointing scenrun at a server
// it cannot use. Each run fails (exit 3) naming the URL with its password
// masked and giving the server's reason; the results still hold both runs.
func TestPostgresServerErrors(t *testing.T) {
	admin := pgtest.URL(t)
	tests := []struct {
		name, url, password string
		want                []string
	}{
		{"no server", pgtest.ClosedPort(t, pgtest.WithUser(t, admin, "scenrun", "s3cret-port")), "s3cret-port",
			[]string{"no server (connection refused)"}},
		{"refused login", pgtest.WithUser(t, admin, "scenrun", "wrong-pass"), "wrong-pass",
			[]string{"login refused", "password authentication failed"}},
		{"no CREATEDB", pgtest.Role(t, admin, "scenrun_t_nocreate", "nocreate-pw", false), "nocreate-pw",
			[]string{"no right to create a database (the role needs CREATEDB)", "permission denied to create database"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			code, _, stderr := runCmd(t, "-no-progress", "-out", out, writeSpec(t, pgSpec(tt.url)))
			if code != exitRunFailed {
				t.Errorf("got exit %d, want %d; stderr %s", code, exitRunFailed, stderr)
			}
			if strings.Contains(stderr, tt.password) {
				t.Errorf("got stderr with the password:\n%s", stderr)
			}
			masked := strings.Replace(tt.url, tt.password, "xxxxx", 1)
			for _, want := range append(tt.want, "postgres "+masked) {
				if !strings.Contains(stderr, want) {
					t.Errorf("got stderr\n%s\nwant %q", stderr, want)
				}
			}
			if res := readOnlyResults(t, out); len(res.Runs) != 2 {
				t.Errorf("got %d runs in the results, want 2", len(res.Runs))
			}
		})
	}
}

// TestPostgresServerGoneMidRun ends the connections of a running trial
// from another session, as a server restart would: that run fails (exit
// 3), the next one still runs, and the results hold both.
func TestPostgresServerGoneMidRun(t *testing.T) {
	admin := pgtest.URL(t)
	user := pgtest.Role(t, admin, "scenrun_t_gone", "pw-gone", true)
	spec := writeSpec(t, fmt.Sprintf(`version: 1
name: gone
profiles:
  slow: {latency: 100ms}
defaults: {files: 40, concurrency: 4, database: postgres, postgres: %q}
runs:
  - name: long
    profile: slow
  - name: after
`, user))
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	done := make(chan int)
	t.Setenv("TMPDIR", t.TempDir())
	go func() {
		done <- run(context.Background(), []string{"-no-progress", "-out", out, spec}, &stdout, &stderr, environ{})
	}()
	// Wait for the long run's workers to connect, then end every connection to it.
	deadline := time.Now().Add(20 * time.Second)
	for {
		n := pgtest.Query(t, admin, "SELECT count(*) FROM pg_stat_activity WHERE usename = 'scenrun_t_gone' AND datname LIKE 'scenrun\\_%'")
		if k, _ := strconv.Atoi(n[0]); k >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	killed := pgtest.Query(t, admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'scenrun_t_gone' AND datname LIKE 'scenrun\\_%' AND pid <> pg_backend_pid()")
	code := <-done
	if len(killed) == 0 {
		t.Fatal("no connection of the run to end")
	}
	if code != exitRunFailed {
		t.Errorf("got exit %d, want %d; stderr %s", code, exitRunFailed, stderr.String())
	}
	if !regexp.MustCompile(`long: .*(connection lost|terminat)`).MatchString(stderr.String()) {
		t.Errorf("got stderr\n%s\nwant the long run failing on its lost connection", stderr.String())
	}
	t.Logf("stderr:\n%s", stderr.String())
	res := readOnlyResults(t, out)
	if len(res.Runs) != 2 {
		t.Fatalf("got %d runs, want 2", len(res.Runs))
	}
	if after := res.Runs[1]; after.Name != "after" || after.Indexed != 40 || after.Integrity != "ok" {
		t.Errorf("got %s indexed %d integrity %q, want after 40 ok", after.Name, after.Indexed, after.Integrity)
	}
	if long := res.Runs[0]; long.Indexed == 40 && long.Integrity == "ok" {
		t.Errorf("got the long run complete and sound, want it failed")
	}
}

// TestPostgresSpecErrors: SQLite's fields on a PostgreSQL run, and
// PostgreSQL's on a SQLite run, are spec errors (exit 2); no server needed.
func TestPostgresSpecErrors(t *testing.T) {
	tests := []struct{ name, run, want string }{
		{"pragmas", "database: postgres\n    pragmas: {synchronous: off}", "pragmas"},
		{"txlock", "database: postgres\n    txlock: immediate", "txlock"},
		{"isolation", "isolation: serializable", "isolation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := writeSpec(t, `version: 1
name: bad
defaults: {files: 10, postgres: "postgres://u:pw@127.0.0.1:1/postgres"}
runs:
  - name: r
    `+tt.run+"\n")
			code, _, stderr := runCmd(t, spec)
			if code != exitUsage {
				t.Errorf("got exit %d, want %d; stderr %s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, "spec.yaml:") {
				t.Errorf("got stderr %q, want the position and %q", stderr, tt.want)
			}
		})
	}
}

// TestPostgresSQLErrorBeforeAnyItem: a statement of a workload only
// PostgreSQL runs is prepared when the run starts; the server's refusal
// fails the run before any item, at the statement's position in the spec.
func TestPostgresSQLErrorBeforeAnyItem(t *testing.T) {
	pgtest.URL(t)
	out := t.TempDir()
	spec := writeSpec(t, `version: 1
name: badsql
defaults: {files: 10, database: postgres, workload: q}
workloads:
  q:
    schema:
      postgres: CREATE TABLE q (id BIGINT PRIMARY KEY, state TEXT NOT NULL)
    table: q
    states: [new, done]
    initial: new
    done: [done]
    steps:
      - name: finish
        from: new
        to: done
        sql:
          - UPDATE q SET state = :to, nope = 1 WHERE id = :item
runs: [{name: r}]
`)
	code, _, stderr := runCmd(t, "-no-progress", "-out", out, spec)
	if code != exitRunFailed {
		t.Errorf("got exit %d, want %d; stderr %s", code, exitRunFailed, stderr)
	}
	for _, want := range []string{`workload "q", line 17 col 13`, `column "nope" of relation "q" does not exist`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("got stderr\n%s\nwant %q", stderr, want)
		}
	}
	if r := readOnlyResults(t, out).Runs[0]; r.Transitions != 0 {
		t.Errorf("got %d transitions, want none before the error", r.Transitions)
	}
}

// TestPostgresSameSpecBothDatabases: SPEC §10's "the same spec": a matrix
// over database with SQLite's pragmas and txlock and PostgreSQL's isolation
// in defaults. Each applies to the runs of its database (the SQLite run's
// busy_timeout is read back; the PostgreSQL run is serializable) and the
// JSON records each run's own fields only.
func TestPostgresSameSpecBothDatabases(t *testing.T) {
	url := pgtest.URL(t)
	spec := fmt.Sprintf(`version: 1
name: both
defaults: {files: 10, concurrency: 2, postgres: %q, pragmas: {busy_timeout: 1234}, txlock: immediate, isolation: serializable}
matrix:
  database: [sqlite, postgres]
`, url)
	js := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runCmd(t, "-no-progress", "-json", js, writeSpec(t, spec))
	if code != exitOK {
		t.Fatalf("got exit %d, want 0; stderr %s", code, stderr)
	}
	var res struct {
		Runs []struct {
			Name      string         `json:"name"`
			Config    map[string]any `json:"config"`
			Effective []struct {
				Name, Value string
			} `json:"effective_pragmas"`
		} `json:"runs"`
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 2 {
		t.Fatalf("got %d runs, want 2", len(res.Runs))
	}
	for _, r := range res.Runs {
		c := r.Config
		pragmas := fmt.Sprint(c["pragmas"])
		switch c["database"] {
		case "sqlite":
			busy := ""
			for _, p := range r.Effective {
				if p.Name == "busy_timeout" {
					busy = p.Value
				}
			}
			if c["txlock"] != "immediate" || !strings.Contains(pragmas, "1234") || c["isolation"] != nil || busy != "1234" {
				t.Errorf("%s: got txlock %v pragmas %v isolation %v effective busy_timeout %q, want immediate, busy_timeout 1234 applied, no isolation", r.Name, c["txlock"], pragmas, c["isolation"], busy)
			}
		case "postgres":
			if c["isolation"] != "serializable" || c["txlock"] != "" || pragmas != "[]" {
				t.Errorf("%s: got isolation %v txlock %q pragmas %v, want serializable and no SQLite fields", r.Name, c["isolation"], c["txlock"], pragmas)
			}
		default:
			t.Errorf("%s: database %v", r.Name, c["database"])
		}
	}
}
