package engine

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/fsm/sqlite"
	"github.com/scenrun/scenrun/scenario"
)

// TestConnectionModesOpenTheirConnections counts the connections each mode
// opens while 20 workers carry 120 files through: per_file one a file,
// per_worker one a worker, shared and single_writer one, pool exactly
// pool_size (none churned). Every connection of the pool has the pragmas and
// the connect SQL, not only the first.
func TestConnectionModesOpenTheirConnections(t *testing.T) {
	const files, conc, poolSize = 120, 20, 3
	want := map[string]int64{"per_file": files, "per_worker": conc, "shared": 1, "pool": poolSize, "single_writer": 1}
	for _, mode := range scenario.Connections {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			cfg := scenario.DefaultConfig()
			cfg.Files, cfg.Concurrency, cfg.Connection, cfg.PoolSize = files, conc, mode, poolSize
			cfg.Pragmas = append(cfg.Pragmas, fsm.Pragma{Name: "cache_size", Value: "-3000"})
			cfg.Pragmas[2].Value = "1234" // busy_timeout
			cfg.ConnectSQL = []string{"CREATE TEMP TABLE marker (x)"}
			db, err := sqlite.Open(ctx, dbOptions(filepath.Join(t.TempDir(), "c.db"), cfg, filesWorkload(t).Workload))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Init(ctx, nil, files); err != nil {
				t.Fatal(err)
			}
			// No idle connection left from seeding: every connection the
			// mode uses is one it opened.
			db.SetMaxIdle(0)
			db.SetMaxIdle(2)
			before := db.Connects()
			w, err := newWriter(ctx, mode, db, poolSize, 16)
			if err != nil {
				t.Fatal(err)
			}
			tr := newTrial(cfg, scenario.Profile{Upload: scenario.Latency{Dist: "constant"}, Import: scenario.Latency{Dist: "constant"}}, filesWorkload(t), 1)
			tr.work(ctx, w)
			if p, ok := w.(*pool); ok {
				for i, c := range p.all {
					for name, wantV := range map[string]string{"busy_timeout": "1234", "cache_size": "-3000"} {
						if got, err := c.(*sqlite.Conn).Pragma(ctx, name); err != nil || got != wantV {
							t.Errorf("pool connection %d: %s = %q (%v), want %q", i, name, got, err, wantV)
						}
					}
					if got, err := c.(*sqlite.Conn).Pragma(ctx, "temp.table_list"); err != nil || !strings.Contains(got, "marker") {
						t.Errorf("pool connection %d: temp tables %q (%v), want the connect_sql's marker", i, got, err)
					}
				}
			}
			if err := w.close(); err != nil {
				t.Fatal(err)
			}
			if tr.errCount > 0 || tr.transitions.Load() != 3*files {
				t.Fatalf("got %d errors (%v), %d transitions; want 0, %d", tr.errCount, tr.firstErr, tr.transitions.Load(), 3*files)
			}
			if got := db.Connects() - before; got != want[mode] {
				t.Errorf("got %d connections opened, want %d", got, want[mode])
			}
		})
	}
}

// TestPragmasAppliedInOrderAndReadBack: pragmas SQLite knows go on in
// order (a run's new pragmas after the ones it starts from), and the JSON
// records the values SQLite reports after all were applied — including a
// setting SQLite did not take: page_size cannot change once the database is
// in WAL mode.
func TestPragmasAppliedInOrderAndReadBack(t *testing.T) {
	spec := parse(t, `
version: 1
name: pragmas
defaults: {files: 10, concurrency: 2}
runs:
  - name: many
    pragmas: {synchronous: full, busy_timeout: 250, cache_size: -2500, temp_store: memory, wal_autocheckpoint: 500, foreign_keys: true, mmap_size: 0}
  - name: wal_then_page
    pragmas: {page_size: 8192}
  - name: delete_then_page
    pragmas: {journal_mode: delete, page_size: 8192}
`)
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]fsm.Pragma{
		{{Name: "journal_mode", Value: "wal"}, {Name: "synchronous", Value: "2"}, {Name: "busy_timeout", Value: "250"}, {Name: "cache_size", Value: "-2500"}, {Name: "temp_store", Value: "2"}, {Name: "wal_autocheckpoint", Value: "500"}, {Name: "foreign_keys", Value: "1"}, {Name: "mmap_size", Value: "0"}},
		{{Name: "journal_mode", Value: "wal"}, {Name: "synchronous", Value: "1"}, {Name: "busy_timeout", Value: "5000"}, {Name: "page_size", Value: "4096"}},
		{{Name: "journal_mode", Value: "delete"}, {Name: "synchronous", Value: "1"}, {Name: "busy_timeout", Value: "5000"}, {Name: "page_size", Value: "8192"}},
	}
	for i, w := range want {
		got := res.Runs[i].Pragmas
		if len(got) != len(w) {
			t.Errorf("%s: got %v, want %v", res.Runs[i].Name, got, w)
			continue
		}
		for j := range w {
			if got[j] != w[j] {
				t.Errorf("%s: pragma %d: got %v, want %v", res.Runs[i].Name, j, got[j], w[j])
			}
		}
	}
}

func TestDBOptionsCarryTheRunConfig(t *testing.T) {
	for _, txlock := range scenario.TxLocks {
		cfg := scenario.DefaultConfig()
		cfg.TxLock = txlock
		cfg.ConnectSQL = []string{"SELECT 1"}
		got := dbOptions("x.db", cfg, nil)
		if got.TxLock != txlock || got.Path != "x.db" || len(got.ConnectSQL) != 1 || len(got.Pragmas) != 3 || got.Pragmas[2] != (fsm.Pragma{Name: "busy_timeout", Value: "5000"}) {
			t.Errorf("txlock %s: got %+v", txlock, got)
		}
	}
}

// TestModesAreTheVocabulary: every connection mode a spec may name has a
// constructor in the registry, and the registry has no mode a spec cannot
// name.
func TestModesAreTheVocabulary(t *testing.T) {
	for _, name := range scenario.Connections {
		if modes[name] == nil {
			t.Errorf("connection %q is in the spec's vocabulary but not in the registry", name)
		}
	}
	if got, want := len(modes), len(scenario.Connections); got != want {
		t.Errorf("got %d modes in the registry, want %d (scenario.Connections)", got, want)
	}
}

// TestPerWorkerConnectionsEndWithTheirWorker: a per_worker connection lives
// as long as its worker, so a worker that starts after another has finished
// opens its own rather than inheriting the finished one's from database/sql's
// idle pool (which made the per_worker count of
// TestConnectionModesOpenTheirConnections depend on goroutine timing).
func TestPerWorkerConnectionsEndWithTheirWorker(t *testing.T) {
	ctx := context.Background()
	cfg := scenario.DefaultConfig()
	db, err := sqlite.Open(ctx, dbOptions(filepath.Join(t.TempDir(), "w.db"), cfg, filesWorkload(t).Workload))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w, err := newWriter(ctx, "per_worker", db, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	before := db.Connects()
	for range 2 {
		s, err := w.session(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.close(); err != nil {
			t.Fatal(err)
		}
	}
	if got := db.Connects() - before; got != 2 {
		t.Errorf("two workers one after the other opened %d connections, want 2", got)
	}
}
