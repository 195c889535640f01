package analysis

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/scenario"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixedTrial is a trial whose every segment stat is scaled from p95, so
// that two runs differ in a known direction.
func fixedTrial(p95 float64, indexed int) Measurement {
	var m Measurement
	for i, seg := range scenario.Segments {
		f := float64(i + 1)
		*m.Segments.Field(seg) = Stat{P50: p95 * f / 2, P95: p95 * f, P99: p95 * f * 1.5, P999: p95 * f * 2,
			Mean: p95 * f / 1.8, Min: p95 * f / 10, Max: p95 * f * 3, Count: indexed}
	}
	m.ElapsedSeconds, m.Transitions, m.Indexed = 0.5, int64(3*indexed), indexed
	m.TransitionsPerSecond, m.FilesPerSecond = float64(3*indexed)/0.5, float64(indexed)/0.5
	m.Integrity, m.States = "ok", map[string]int{"indexed": indexed}
	m.WALContention, m.Bottleneck = Verdicts(&m)
	return m
}

// TestAnalyseGolden analyses fixed measurements — two runs of six trials,
// a third that failed, a fourth -run left out — and compares the results
// JSON with a golden file: the analysis stage alone, with no database,
// clock or randomness, gives byte-identical results.
func TestAnalyseGolden(t *testing.T) {
	spec := parse(t, `
version: 1
name: analyse
defaults: {files: 10, concurrency: 2, repeat: 6}
runs:
  - name: base
  - name: better
    connection: shared
  - name: broken
    repeat: 1
  - name: skipped
compare:
  - baseline: base
    runs: [better]
assertions:
  - {name: all indexed, expr: 'all([base, better], .indexed == .files)'}
  - {name: lower, expr: 'lower(base, better, "lock_wait_ms", "p95")'}
  - {name: skipped run, expr: 'skipped.indexed == 10'}
  - {name: failed run, expr: 'broken.integrity == "ok"'}
`)
	as, err := CompileAssertions(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	var base, better []Measurement
	for i := range 6 {
		base = append(base, fixedTrial(10+float64(i), 10))
		better = append(better, fixedTrial(2+float64(i)/10, 10))
	}
	broken := fixedTrial(5, 9)
	broken.Integrity = "file-0009: left uploading with no recorded error"
	at := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	m := &Measured{
		Spec: spec, TimeScale: 1, StartedAt: at, FinishedAt: at.Add(7 * time.Second),
		Environment: Environment{Scenrun: "test", Go: "go1.26", SQLite: "3.x", OS: "linux", Arch: "amd64", CPUs: 2},
		Skipped:     map[string]bool{"skipped": true},
		Runs: []RunTrials{
			{Run: spec.Runs[0], Trials: base, Pragmas: []fsm.Pragma{{Name: "journal_mode", Value: "wal"}}},
			{Run: spec.Runs[1], Trials: better},
			{Run: spec.Runs[2], Trials: []Measurement{broken}, Err: errors.New("integrity: " + broken.Integrity),
				Errors: []string{"file-0009: database is locked"}},
		},
	}
	var a, b bytes.Buffer
	if err := WriteJSON(&a, Analyse(m, as)); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&b, Analyse(m, as)); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatal("two analyses of the same measurements differ")
	}
	path := filepath.Join("testdata", "analyse.json.golden")
	if *update {
		if err := os.WriteFile(path, a.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./engine/analysis -run Golden -update creates it)", err)
	}
	if a.String() != string(want) {
		t.Errorf("results differ from %s; got:\n%s", path, a.String())
	}
}

// TestNewRunConfigRecordsEachDatabasesFields: a run records the fields of
// its own database only; what a PostgreSQL run inherits of SQLite's
// (pragmas, txlock) was never applied, and an SQLite run has no isolation.
func TestNewRunConfigRecordsEachDatabasesFields(t *testing.T) {
	c := scenario.DefaultConfig()
	c.TxLock, c.Isolation = "immediate", "serializable"
	lite := NewRunConfig(c)
	if lite.TxLock != "immediate" || len(lite.Pragmas) != 3 || lite.Isolation != "" {
		t.Errorf("sqlite: got txlock %q pragmas %v isolation %q", lite.TxLock, lite.Pragmas, lite.Isolation)
	}
	c.Database = "postgres"
	pg := NewRunConfig(c)
	if pg.TxLock != "" || len(pg.Pragmas) != 0 || pg.Isolation != "serializable" {
		t.Errorf("postgres: got txlock %q pragmas %v isolation %q", pg.TxLock, pg.Pragmas, pg.Isolation)
	}
}
