package scenario

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scenrun/scenrun/fsm"
)

func mustParse(t *testing.T, src string, sets ...string) *Spec {
	t.Helper()
	s, err := Parse("t.yaml", []byte(src), sets)
	if err != nil {
		t.Fatalf("got error\n%v\nwant none", err)
	}
	return s
}

func runNames(s *Spec) []string {
	var out []string
	for _, r := range s.Runs {
		out = append(out, r.Name)
	}
	return out
}

func TestDefaults(t *testing.T) {
	s := mustParse(t, "version: 1\nname: d\nruns:\n  - name: a\n")
	want := DefaultConfig()
	if !reflect.DeepEqual(s.Defaults, want) {
		t.Errorf("defaults: got %+v, want %+v", s.Defaults, want)
	}
	if got := s.Runs[0].Config; !reflect.DeepEqual(got, want) {
		t.Errorf("run: got %+v, want %+v", got, want)
	}
	if got, want := s.Gate, (Gate{Alpha: 0.05, NoiseFloorPct: 1}); got != want {
		t.Errorf("gate: got %v, want %v", got, want)
	}
	if got, want := s.Runs[0].Pos, (Pos{4, 11}); got != want {
		t.Errorf("pos: got %v, want %v", got, want)
	}
	for _, name := range []string{"zero", "realistic"} {
		if p, ok := s.Profiles[name]; !ok || !p.Builtin {
			t.Errorf("profile %s: got %+v, want a built-in", name, p)
		}
	}
	if got, want := s.Profiles["realistic"].Import, (Latency{Dist: "constant", Mean: 2 * time.Second}); got != want {
		t.Errorf("realistic import: got %+v, want %+v", got, want)
	}
}

const overrides = `version: 1
name: o
defaults:
  files: 100
  connection: pool
  pragmas: {busy_timeout: 1000, cache_size: -2000}
  setup_sql: CREATE INDEX i ON files(state)
runs:
  - name: a
  - name: b
    files: 5
    connection: shared
    pragmas: {synchronous: "off", mmap_size: 0, JOURNAL_MODE: delete}
    setup_sql: [a, b]
    connect_sql: PRAGMA x
    timeout: 1m30s
    keep_db: true
    seed: -1
`

func TestRunOverrides(t *testing.T) {
	s := mustParse(t, overrides)
	a, _ := s.Run("a")
	b, ok := s.Run("b")
	if !ok {
		t.Fatal("got no run b")
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"a files", a.Config.Files, 100},
		{"a connection", a.Config.Connection, "pool"},
		{"a setup_sql", a.Config.SetupSQL, []string{"CREATE INDEX i ON files(state)"}},
		{"a pragmas", a.Config.Pragmas, []fsm.Pragma{{Name: "journal_mode", Value: "wal"}, {Name: "synchronous", Value: "normal"}, {Name: "busy_timeout", Value: "1000"}, {Name: "cache_size", Value: "-2000"}}},
		{"b files", b.Config.Files, 5},
		{"b connection", b.Config.Connection, "shared"},
		{"b pragmas", b.Config.Pragmas, []fsm.Pragma{{Name: "journal_mode", Value: "delete"}, {Name: "synchronous", Value: "off"}, {Name: "busy_timeout", Value: "1000"}, {Name: "cache_size", Value: "-2000"}, {Name: "mmap_size", Value: "0"}}},
		{"b setup_sql", b.Config.SetupSQL, []string{"a", "b"}},
		{"b connect_sql", b.Config.ConnectSQL, []string{"PRAGMA x"}},
		{"b timeout", b.Config.Timeout, 90 * time.Second},
		{"b keep_db", b.Config.KeepDB, true},
		{"b seed", b.Config.Seed, int64(-1)},
		{"b pool_size from defaults", b.Config.PoolSize, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	// Runs must not share slices with each other or with the defaults.
	a.Config.Pragmas[0].Value = "changed"
	if s.Defaults.Pragmas[0].Value != "wal" {
		t.Errorf("got defaults pragma %v, want it unchanged by a run", s.Defaults.Pragmas[0])
	}
}

func TestMatrix(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		sets   []string
		want   []string
		wantFn func(t *testing.T, s *Spec)
	}{
		{
			name: "concurrency outermost",
			src:  "matrix:\n  concurrency: [1, 10, 50]\n  profile: [zero, realistic]\n",
			want: []string{"c1_zero", "c1_realistic", "c10_zero", "c10_realistic", "c50_zero", "c50_realistic"},
		},
		{
			name: "profile outermost",
			src:  "matrix:\n  profile: [zero, realistic]\n  concurrency: [1, 10]\n",
			want: []string{"c1_zero", "c10_zero", "c1_realistic", "c10_realistic"},
		},
		{
			name: "further keys as written",
			src:  "matrix:\n  connection: [per_file, shared]\n  timeout: [1m, '90s']\n",
			want: []string{"c10_zero_per_file_1m", "c10_zero_per_file_90s", "c10_zero_shared_1m", "c10_zero_shared_90s"},
		},
		{
			name: "after explicit runs, from defaults",
			src:  "defaults: {concurrency: 4, profile: realistic}\nruns: [{name: first}]\nmatrix:\n  txlock: [immediate]\n",
			want: []string{"first", "c4_realistic_immediate"},
			wantFn: func(t *testing.T, s *Spec) {
				r := s.Runs[1]
				if !r.Matrix || r.Config.TxLock != "immediate" || r.Pos != (Pos{5, 1}) {
					t.Errorf("got %+v, want a matrix run with txlock immediate at 5:1", r)
				}
			},
		},
		{
			name: "matrix value wins over -set",
			src:  "matrix:\n  concurrency: [1, 2]\n",
			sets: []string{"concurrency=7", "files=3"},
			want: []string{"c1_zero", "c2_zero"},
			wantFn: func(t *testing.T, s *Spec) {
				if got := s.Runs[1].Config; got.Concurrency != 2 || got.Files != 3 {
					t.Errorf("got concurrency %d files %d, want 2 and 3", got.Concurrency, got.Files)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, "version: 1\nname: m\n"+tt.src, tt.sets...)
			if got := runNames(s); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if tt.wantFn != nil {
				tt.wantFn(t, s)
			}
		})
	}
}

func TestSet(t *testing.T) {
	src := `version: 1
name: s
defaults:
  files: 100
runs:
  - name: a
    files: 7
    concurrency: 3
  - name: b
`
	s := mustParse(t, src, "files=12", "connection=shared", "pragmas.Busy_Timeout=99", "pragmas.cache_size=-1", "timeout=2s", "setup_sql=[x, y]", "connect_sql=PRAGMA a: b")
	for _, r := range s.Runs {
		c := r.Config
		if c.Files != 12 || c.Connection != "shared" || c.Timeout != 2*time.Second {
			t.Errorf("run %s: got files %d connection %s timeout %v, want 12 shared 2s", r.Name, c.Files, c.Connection, c.Timeout)
		}
		wantP := []fsm.Pragma{{Name: "journal_mode", Value: "wal"}, {Name: "synchronous", Value: "normal"}, {Name: "busy_timeout", Value: "99"}, {Name: "cache_size", Value: "-1"}}
		if !reflect.DeepEqual(c.Pragmas, wantP) {
			t.Errorf("run %s pragmas: got %v, want %v", r.Name, c.Pragmas, wantP)
		}
		if !reflect.DeepEqual(c.SetupSQL, []string{"x", "y"}) || !reflect.DeepEqual(c.ConnectSQL, []string{"PRAGMA a: b"}) {
			t.Errorf("run %s sql: got %q %q, want [x y] [PRAGMA a: b]", r.Name, c.SetupSQL, c.ConnectSQL)
		}
	}
	if a, _ := s.Run("a"); a.Config.Concurrency != 3 {
		t.Errorf("got concurrency %d, want the run's own 3", a.Config.Concurrency)
	}
	if s.Defaults.Files != 12 {
		t.Errorf("defaults: got files %d, want 12", s.Defaults.Files)
	}
}

func TestSetErrors(t *testing.T) {
	src := "version: 1\nname: s\nprofiles: {slow: {latency: 1s}}\nruns: [{name: a}]\n"
	tests := []struct {
		set, want string
	}{
		{"files=abc", `-set files=abc: files: want an integer, got "abc"`},
		{"files=0", `-set files=0: files: want an integer in 1..100000000, got 0`},
		{"files=", `-set files=: files: want an integer, got null`},
		{"conection=shared", `-set conection=shared: unknown field "conection", did you mean "connection"?`},
		{"connection=sharde", `-set connection=sharde: connection: unknown value "sharde", did you mean "shared"? (allowed: per_file, per_worker, shared, pool, single_writer)`},
		{"profile=slo", `-set profile=slo: profile: unknown profile "slo", did you mean "slow"? (allowed: realistic, slow, zero)`},
		{"timeout=5", `-set timeout=5: timeout: want a duration such as 50ms, got "5"`},
		{"files", `-set files: want key=value`},
		{"pragmas=x", `-set pragmas=x: set one pragma at a time, as pragmas.NAME=VALUE`},
		{"pragmas.bad-name=1", `-set pragmas.bad-name=1: bad pragma name "bad-name" (want letters and "_")`},
		{"name=x", `-set name=x: unknown field "name" (allowed: files, concurrency, profile, connection, pool_size, batch_size, txlock, pragmas, repeat, repeat_max, warmup, seed, retries, timeout, keep_db, setup_sql, connect_sql, processes, workload, busy_retries, busy_backoff, database, postgres, isolation, pragmas.NAME, gate.alpha, gate.noise_floor_pct)`},
	}
	for _, tt := range tests {
		t.Run(tt.set, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(src), []string{tt.set})
			if err == nil {
				t.Fatalf("got no error, want %s", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	// -set problems come first, then the file's, in order.
	_, err := Parse("t.yaml", []byte("version: 1\nname: s\nruns: [{name: a, files: x}]\n"), []string{"files=abc"})
	want := "-set files=abc: files: want an integer, got \"abc\"\nt.yaml:3:25: files: want an integer, got \"x\""
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestDistributions(t *testing.T) {
	src := `version: 1
name: dist
profiles:
  p:
    upload: 50ms
    import: {dist: uniform, min: 1ms, max: 3ms}
    error_rate: 0.25
  q:
    latency: {dist: normal, mean: 100ms, stddev: 10ms}
  r:
    upload: {dist: lognormal, median: 1s, p99: 5s}
    import: {dist: exponential, mean: 250ms}
  s:
    latency: {dist: constant, mean: 0s}
runs: [{name: a, profile: r}]
`
	s := mustParse(t, src)
	tests := []struct {
		name      string
		got, want Latency
	}{
		{"plain duration", s.Profiles["p"].Upload, Latency{Dist: "constant", Mean: 50 * time.Millisecond}},
		{"uniform", s.Profiles["p"].Import, Latency{Dist: "uniform", Min: time.Millisecond, Max: 3 * time.Millisecond}},
		{"normal upload", s.Profiles["q"].Upload, Latency{Dist: "normal", Mean: 100 * time.Millisecond, Stddev: 10 * time.Millisecond}},
		{"normal import", s.Profiles["q"].Import, Latency{Dist: "normal", Mean: 100 * time.Millisecond, Stddev: 10 * time.Millisecond}},
		{"lognormal", s.Profiles["r"].Upload, Latency{Dist: "lognormal", Median: time.Second, P99: 5 * time.Second}},
		{"exponential", s.Profiles["r"].Import, Latency{Dist: "exponential", Mean: 250 * time.Millisecond}},
		{"constant", s.Profiles["s"].Import, Latency{Dist: "constant"}},
		{"missing import", s.Profiles["r"].Import, Latency{Dist: "exponential", Mean: 250 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %+v, want %+v", tt.got, tt.want)
			}
		})
	}
	if got := s.Profiles["p"].ErrorRate; got != 0.25 {
		t.Errorf("error_rate: got %v, want 0.25", got)
	}
	if got := s.Profiles["p"]; got.Name != "p" || got.Builtin {
		t.Errorf("got %+v, want name p, not built in", got)
	}
}

func TestCompareDefaults(t *testing.T) {
	src := `version: 1
name: c
runs: [{name: a}, {name: b}]
matrix: {concurrency: [1]}
compare:
  - baseline: b
  - baseline: a
    runs: [c1_zero]
    stat: p999
    segments: [mock_api_ms]
`
	s := mustParse(t, src)
	want := []Compare{
		{Baseline: "b", Runs: []string{"a", "c1_zero"}, Stat: "p95", Segments: []string{"db_total_ms", "lock_wait_ms", "fsm_dispatch_ms", "fsm_net_ms"}, Pos: Pos{6, 5}},
		{Baseline: "a", Runs: []string{"c1_zero"}, Stat: "p999", Segments: []string{"mock_api_ms"}, Pos: Pos{7, 5}},
	}
	if !reflect.DeepEqual(s.Compare, want) {
		t.Errorf("got %+v, want %+v", s.Compare, want)
	}
}

func TestPosOf(t *testing.T) {
	src := `version: 1
name: p
runs: [{name: a}]
assertions:
  - name: plain
    expr: a.files == 818
  - name: single
    expr: 'a.connection == ''x'' && b'
  - name: double
    expr: "a.x == \"y\" && \u00e9 && b"
  - name: literal
    expr: |
      a.files == 818 &&
        b.files > 0
  - name: folded
    expr: >-
      a.files == 818 &&
      b.files > 0
  - name: plain multi-line
    expr: a.files == 818 &&
      b.files > 0
  - {name: flow, expr: "x"}
`
	s := mustParse(t, src)
	type probe struct {
		line, col int
		want      Pos
	}
	tests := []struct {
		name   string
		start  Pos
		probes []probe
	}{
		{"plain", Pos{6, 11}, []probe{{1, 0, Pos{6, 11}}, {1, 11, Pos{6, 22}}, {1, 99, Pos{6, 25}}}},
		// 'a.connection == ''x'' && b': the doubled quote is one rune of Expr.
		{"single", Pos{8, 12}, []probe{{1, 16, Pos{8, 28}}, {1, 17, Pos{8, 30}}, {1, 18, Pos{8, 31}}, {1, 23, Pos{8, 37}}}},
		// "a.x == \"y\" && \u00e9 && b": escapes are one rune of Expr.
		{"double", Pos{10, 12}, []probe{{1, 7, Pos{10, 19}}, {1, 8, Pos{10, 21}}, {1, 14, Pos{10, 28}}, {1, 16, Pos{10, 35}}, {1, 19, Pos{10, 38}}, {1, 21, Pos{10, 39}}}},
		{"literal", Pos{13, 7}, []probe{{1, 0, Pos{13, 7}}, {1, 5, Pos{13, 12}}, {2, 0, Pos{14, 7}}, {2, 2, Pos{14, 9}}}},
		{"folded", Pos{17, 7}, []probe{{1, 17, Pos{17, 24}}, {1, 18, Pos{18, 7}}, {1, 19, Pos{18, 8}}}},
		{"plain multi-line", Pos{20, 11}, []probe{{1, 17, Pos{20, 28}}, {1, 18, Pos{21, 7}}}},
		{"flow", Pos{22, 25}, []probe{{1, 0, Pos{22, 25}}}},
	}
	if len(s.Assertions) != len(tests) {
		t.Fatalf("got %d assertions, want %d", len(s.Assertions), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := s.Assertions[i]
			if a.Name != tt.name {
				t.Fatalf("got assertion %q, want %q", a.Name, tt.name)
			}
			if a.Pos != tt.start {
				t.Errorf("Pos: got %v, want %v", a.Pos, tt.start)
			}
			for _, p := range tt.probes {
				if got := a.PosOf(p.line, p.col); got != p.want {
					t.Errorf("PosOf(%d, %d) in %q: got %v, want %v", p.line, p.col, a.Expr, got, p.want)
				}
			}
		})
	}
	if got, want := s.Assertions[3].Expr, "a.files == 818 &&\n  b.files > 0\n"; got != want {
		t.Errorf("literal expr: got %q, want %q", got, want)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{File: "a.yaml", Pos: Pos{3, 5}, Msg: "bad"}, "a.yaml:3:5: bad"},
		{&Error{File: "a.yaml", Msg: "bad"}, "a.yaml: bad"},
		{&Error{Msg: "-set x=1: bad"}, "-set x=1: bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	es := Errors{tests[0].err, tests[1].err}
	if got, want := es.Error(), "a.yaml:3:5: bad\na.yaml: bad"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := Load(path, nil)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("got %v, want an error mentioning %s", err, path)
	}
	if err := os.WriteFile(path, []byte("version: 1\nname: l\nruns: [{name: a}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path, []string{"files=3"})
	if err != nil {
		t.Fatalf("got %v, want no error", err)
	}
	if s.File != path || s.Runs[0].Config.Files != 3 {
		t.Errorf("got file %q files %d, want %q and 3", s.File, s.Runs[0].Config.Files, path)
	}
}

func TestMergeKeys(t *testing.T) {
	src := `version: 1
name: merge
runs:
  - &a {name: a, connection: shared, files: 5}
  - <<: *a
    name: b
    files: 6
`
	s := mustParse(t, src)
	b, _ := s.Run("b")
	if b.Config.Connection != "shared" || b.Config.Files != 6 {
		t.Errorf("got connection %s files %d, want shared and 6", b.Config.Connection, b.Config.Files)
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"conection", "connection"},
		{"CONNECTION", "connection"},
		{"x", ""},
		{"files", "files"},
		{"fiels", "files"},
		{"something", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, fieldNames(false)); got != tt.want {
			t.Errorf("suggest(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestErrorIsOneLine: a spec value with a newline, repeated in a message's
// list of runs, does not break the one-line FILE:LINE:COL format (found by
// make soak).
func TestErrorIsOneLine(t *testing.T) {
	_, err := Parse("nl.yaml", []byte("version: 1\nname: h\ndefaults: {files: 8}\nruns:\n  - name: \"a\\nb\"\ncompare:\n  - baseline: x\n"), nil)
	if err == nil {
		t.Fatal("no error")
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(line, "nl.yaml:") {
			t.Errorf("a line without a position: %q in\n%s", line, err)
		}
	}
}
