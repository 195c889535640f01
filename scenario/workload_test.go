package scenario

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestWorkloadParsed(t *testing.T) {
	t.Setenv("SCENRUN_POSTGRES_URL", "")
	data, err := os.ReadFile("testdata/good/workloads.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("w.yaml", data, nil)
	if err != nil {
		t.Fatalf("got %v, want no error", err)
	}
	if f, ok := s.Workloads["files"]; !ok || !f.Builtin {
		t.Errorf("files: got %+v, want the built-in", f)
	}
	w := s.Workloads["jobs"]
	if w == nil {
		t.Fatal("got no workload jobs")
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"pos", w.Pos, Pos{10, 3}},
		// The schema is a `|` block: its text starts on the line after the indicator.
		{"schema pos", w.Schema[""].Pos, Pos{13, 7}},
		{"schema text", strings.Split(w.Schema[""].Text, "\n")[2], "CREATE INDEX jobs_state ON jobs (state);"},
		{"schema keys", len(w.Schema), 1},
		{"table key state version", []string{w.Table, w.Key, w.State, w.Version}, []string{"jobs", "id", "state", "version"}},
		{"seed pos", w.Seed.Pos, Pos{20, 11}},
		{"seed params", w.Seed.Params, []string{"item", "state"}},
		{"states", w.States, []string{"queued", "running", "done", "failed"}},
		{"initial done", []any{w.Initial, w.Done}, []any{"queued", []string{"done"}}},
		{"steps", len(w.Steps), 2},
		{"step pos", w.Steps[1].Pos, Pos{32, 15}},
		{"step claim", []string{w.Steps[0].Name, w.Steps[0].From, w.Steps[0].To, w.Steps[0].Call, w.Steps[0].Fail}, []string{"claim", "queued", "running", "claim", ""}},
		{"step finish", []string{w.Steps[1].Call, w.Steps[1].Fail}, []string{"upload", "failed"}},
		{"hold", w.Steps[1].Hold, 2 * time.Millisecond},
		{"sql 0 pos", w.Steps[0].SQL[0].Pos, Pos{30, 13}},
		{"sql 1 pos", w.Steps[0].SQL[1].Pos, Pos{31, 13}},
		{"sql 1 params", w.Steps[0].SQL[1].Params, []string{"to", "v", "worker", "item"}},
		{"sql 1 PosAt :v", w.Steps[0].SQL[1].PosAt(strings.Index(w.Steps[0].SQL[1].Text, ":v")), Pos{31, 52}},
		{"readers", []any{w.Readers.Count, w.Readers.Every, w.Readers.SQL.Pos, w.Readers.Pos}, []any{2, 5 * time.Millisecond, Pos{42, 12}, Pos{40, 5}}},
		{"readers params", w.Readers.SQL.Params, []string(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}

	kv := s.Workloads["kv"]
	if got, want := kv.Seed.Text, "INSERT INTO kv (k, s) VALUES (:item, :state)"; got != want {
		t.Errorf("kv default seed: got %q, want %q", got, want)
	}
	if got, want := kv.Seed.Pos, (Pos{44, 3}); got != want {
		t.Errorf("kv default seed pos: got %v, want %v (the workload's name)", got, want)
	}
	if got, want := kv.Schema["postgres"].Pos, (Pos{47, 17}); got != want {
		t.Errorf("kv postgres schema pos: got %v, want %v", got, want)
	}
	if kv.Version != "" || kv.Readers != nil {
		t.Errorf("kv: got version %q readers %v, want none", kv.Version, kv.Readers)
	}

	if got, want := runNames(s), []string{"files", "pg", "c10_api_jobs_sqlite", "c10_api_jobs_postgres", "c10_api_kv_sqlite", "c10_api_kv_postgres"}; !reflect.DeepEqual(got, want) {
		t.Errorf("runs: got %v, want %v", got, want)
	}
	pg, _ := s.Run("pg")
	c := pg.Config
	if c.Workload != "jobs" || c.Database != "postgres" || c.Isolation != "serializable" || c.BusyRetries != 3 || c.BusyBackoff != time.Millisecond || !strings.HasPrefix(c.Postgres, "postgres://scenrun@") {
		t.Errorf("pg: got %+v", c)
	}
	if r, _ := s.Run("c10_api_kv_postgres"); r.Config.Workload != "kv" || r.Config.Database != "postgres" || r.Config.Isolation != "read_committed" {
		t.Errorf("matrix run: got %+v", r.Config)
	}
	if got, want := s.Profiles["api"].Calls["finish"], (Latency{Dist: "uniform", Min: time.Millisecond, Max: 2 * time.Millisecond}); got != want {
		t.Errorf("profile call finish: got %+v, want %+v", got, want)
	}
	if l, ok := s.Profiles["api"].Call("claim"); !ok || l.Mean != 5*time.Millisecond {
		t.Errorf("profile call claim: got %+v %v, want 5ms", l, ok)
	}
}

func TestPostgresURLFromEnvironment(t *testing.T) {
	src := "version: 1\nname: e\ndefaults: {database: postgres}\nruns: [{name: a}, {name: b, postgres: 'postgres://own@h/db'}, {name: c, database: sqlite}]\n"
	t.Setenv("SCENRUN_POSTGRES_URL", "postgres://env@h/db")
	s := mustParse(t, src)
	want := map[string]string{"a": "postgres://env@h/db", "b": "postgres://own@h/db", "c": ""}
	for _, r := range s.Runs {
		if r.Config.Postgres != want[r.Name] {
			t.Errorf("run %s: got %q, want %q", r.Name, r.Config.Postgres, want[r.Name])
		}
	}
	if s.Defaults.Postgres != "postgres://env@h/db" {
		t.Errorf("defaults: got %q, want the variable's URL", s.Defaults.Postgres)
	}
}

func TestSetNewFields(t *testing.T) {
	t.Setenv("SCENRUN_POSTGRES_URL", "")
	src := `version: 1
name: s
workloads:
  one:
    schema: CREATE TABLE t (id INTEGER PRIMARY KEY, state TEXT)
    table: t
    states: [a, b]
    initial: a
    done: [b]
    steps: [{name: s, from: a, to: b}]
gate: {alpha: 0.1}
runs:
  - name: a
`
	s := mustParse(t, src, "workload=one", "busy_retries=7", "busy_backoff=3ms", "database=postgres", "postgres=postgres://u@h:5432/db?sslmode=disable", "isolation=repeatable_read", "gate.alpha=0.01", "gate.noise_floor_pct=2.5")
	c := s.Runs[0].Config
	if c.Workload != "one" || c.BusyRetries != 7 || c.BusyBackoff != 3*time.Millisecond || c.Database != "postgres" || c.Postgres != "postgres://u@h:5432/db?sslmode=disable" || c.Isolation != "repeatable_read" {
		t.Errorf("got %+v", c)
	}
	if got, want := s.Gate, (Gate{Alpha: 0.01, NoiseFloorPct: 2.5}); got != want {
		t.Errorf("gate: got %+v, want %+v", got, want)
	}

	tests := []struct {
		sets []string
		want string
	}{
		{[]string{"gate.alpha=2"}, `-set gate.alpha=2: alpha: want a number in (0, 1), got 2`},
		{[]string{"gate.noise_floor_pct=x"}, `-set gate.noise_floor_pct=x: noise_floor_pct: want a number, got "x"`},
		{[]string{"gate.alpah=0.1"}, `-set gate.alpah=0.1: unknown field "alpah" in gate, did you mean "alpha"?`},
		{[]string{"gate=1"}, `-set gate=1: set one gate field at a time, as gate.alpha=VALUE or gate.noise_floor_pct=VALUE`},
		{[]string{"workload=onr"}, `-set workload=onr: workload: unknown workload "onr", did you mean "one"? (allowed: files, one)`},
		{[]string{"database=postgres"}, `-set database=postgres: database: no server URL for postgres run "a": set the run field postgres or the environment variable SCENRUN_POSTGRES_URL`},
		{[]string{"isolation=serializable"}, `-set isolation=serializable: isolation: set for sqlite run "a"; isolation is for postgres runs only`},
		{[]string{"database=postgres", "postgres=postgres://h/db", "txlock=immediate"}, `-set txlock=immediate: txlock: set for postgres run "a"; txlock is for sqlite runs only`},
		{[]string{"database=postgres", "postgres=postgres://h/db", "pragmas.cache_size=1"}, `-set pragmas.cache_size=1: pragmas: set for postgres run "a"; pragmas is for sqlite runs only`},
		{[]string{"busy_retries=-1"}, `-set busy_retries=-1: busy_retries: want an integer in 0..1000, got -1`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.sets, " "), func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(src), tt.sets)
			if err == nil {
				t.Fatalf("got no error, want %s", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseParams(t *testing.T) {
	tests := []struct {
		sql  string
		want []string
	}{
		{"SELECT 1", nil},
		{"UPDATE t SET s = :to WHERE id = :item AND s = :from", []string{"to", "item", "from"}},
		{"SELECT :a, :b, :a, :a_1", []string{"a", "b", "a_1"}},
		{"SELECT ':lit', 'it''s :x', :real", []string{"real"}},
		{`SELECT ":col", "a"":b", :c`, []string{"c"}},
		{"SELECT `:x`, [:y], :z", []string{"z"}},
		{"SELECT :a -- :b\n, :c /* :d\n :e */ , :f", []string{"a", "c", "f"}},
		{"SELECT :n::int, x::text, '1'::int", []string{"n"}},
		{"SELECT :1, :_x, ::y", []string{"_x"}},
		{"SELECT 'unterminated :x", nil},
		{"SELECT /* unterminated :x", nil},
		{"SELECT :é", nil},
		{":a", []string{"a"}},
		{"x:", nil},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			if got := ParseParams(tt.sql); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestResultColumns(t *testing.T) {
	tests := []struct {
		sql  string
		want []string
		all  bool
	}{
		{"SELECT a, b AS c, t.d FROM t", []string{"a", "c", "d"}, false},
		{"select distinct a from t", []string{"a"}, false},
		{"SELECT count(*) n, max(x) AS m, x + 1 FROM t", []string{"n", "m"}, false},
		{"SELECT * FROM t", nil, true},
		{"SELECT t.* FROM t", nil, true},
		{`SELECT "my col", [b], s.t.c, 'lit' AS "q" FROM t`, []string{"my col", "b", "c", "q"}, false},
		{"SELECT CASE WHEN a THEN 1 END, CASE WHEN a THEN 1 END AS k FROM t", []string{"k"}, false},
		{"SELECT (SELECT max(v) FROM u) AS top, f(a, b) AS g FROM t WHERE x IN (SELECT y FROM z)", []string{"top", "g"}, false},
		{"WITH w AS (SELECT a FROM t) SELECT b FROM w", []string{"b"}, false},
		{"WITH w AS (SELECT a FROM t) UPDATE t SET a = 1", nil, false},
		{"UPDATE t SET a = 1 WHERE id = :item RETURNING a, b AS c", []string{"a", "c"}, false},
		{"INSERT INTO t SELECT a FROM u", nil, false},
		{"INSERT INTO t VALUES (1) RETURNING *", nil, true},
		{"DELETE FROM t", nil, false},
		{"SELECT a -- b\nFROM t", []string{"a"}, false},
		{"SELECT a FROM t UNION SELECT b FROM u", []string{"a"}, false},
		{"SELECT 1; SELECT b FROM t", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			got, all := resultColumns(tt.sql)
			if !reflect.DeepEqual(got, tt.want) || all != tt.all {
				t.Errorf("got %q all=%v, want %q all=%v", got, all, tt.want, tt.all)
			}
		})
	}
}

func TestStatementPosAt(t *testing.T) {
	src := "version: 1\nname: p\nworkloads:\n  w:\n    schema: CREATE TABLE t (id INTEGER, state TEXT)\n    table: t\n    states: [a, b]\n    initial: a\n    done: [b]\n    steps:\n      - name: s\n        from: a\n        to: b\n        sql: >\n          UPDATE t\n          SET state = :to\n          WHERE id = :item\nruns: [{name: r, workload: w}]\n"
	s := mustParse(t, src)
	st := s.Workloads["w"].Steps[0].SQL[0]
	if st.Pos != (Pos{15, 11}) {
		t.Errorf("pos: got %v, want 15:11", st.Pos)
	}
	for _, tt := range []struct {
		find string
		want Pos
	}{{":to", Pos{16, 23}}, {":item", Pos{17, 22}}, {"SET", Pos{16, 11}}} {
		if got := st.PosAt(strings.Index(st.Text, tt.find)); got != tt.want {
			t.Errorf("PosAt(%s) in %q: got %v, want %v", tt.find, st.Text, got, tt.want)
		}
	}
	if got := st.PosAt(-1); got != st.Pos {
		t.Errorf("PosAt(-1): got %v, want %v", got, st.Pos)
	}
	if got := FilesWorkload().Steps[0].SQL[0].PosAt(3); got != (Pos{}) {
		t.Errorf("built-in PosAt: got %v, want no position", got)
	}
}
