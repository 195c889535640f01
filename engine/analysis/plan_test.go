package analysis

import (
	"testing"
	"time"
)

// TestEstimateArithmetic checks the plan's model on a fixed spec and a fixed
// calibration: setup + max(⌈files/c⌉ × (API/file + DB/file), files ÷ files/s),
// times the trials.
func TestEstimateArithmetic(t *testing.T) {
	spec := parse(t, `
version: 1
name: plan
defaults: {files: 100, connection: per_file}
profiles:
  flaky:
    upload: {dist: uniform, min: 100ms, max: 300ms}
    import: 1s
    error_rate: 0.5
runs:
  - name: zero_c1
    concurrency: 1
  - name: slow_c10
    concurrency: 10
    profile: realistic
    repeat: 2
    warmup: 1
  - name: flaky_c10
    concurrency: 10
    profile: flaky
    retries: 1
`)
	keyC1 := CalibrationKey(spec.Runs[0].Config)
	keyC10 := CalibrationKey(spec.Runs[1].Config)
	if keyC1 == keyC10 {
		t.Fatalf("concurrency 1 and 10 share a calibration key %q", keyC1)
	}
	if got := CalibrationKey(spec.Runs[2].Config); got != keyC10 {
		t.Errorf("profile changed the calibration key: got %q, want %q", got, keyC10)
	}
	cal := &Calibration{
		Points: map[string]CalibrationPoint{
			keyC1: {Files: 40, PerFile: 10 * time.Millisecond, FilesPerSecond: 100, Setup: 50 * time.Millisecond},
			// With latency the net per file (20 ms) stands for the database
			// part, not the zero-latency wall time (5 ms).
			keyC10: {Files: 50, PerFile: 5 * time.Millisecond, FilesPerSecond: 400, Setup: 50 * time.Millisecond,
				Sleepy: true, NetPerFile: 20 * time.Millisecond, Overshoot: time.Millisecond},
		},
	}
	p, err := Estimate(spec.Runs, spec.Profiles, spec.Workloads, 0.5, cal)
	if err != nil {
		t.Fatal(err)
	}
	// zero_c1: no API; max(100 × 10ms, 100 ÷ 100/s) = 1 s, + 50 ms setup.
	// slow_c10: API = 2 × (2 s × 0.5 + 1 ms) = 2.002 s; 10 waves × (2.002 s +
	// 20 ms) = 20.22 s against 100 ÷ 400/s = 0.25 s; + 50 ms; × 3 trials.
	// flaky_c10: e = 0.5, so an attempt makes 1.5 calls and fails with
	// p = 0.75; 1 retry gives 1.75 attempts. API per attempt = 200 ms × 0.5
	// + 1 ms + 0.5 × (1 s × 0.5 + 1 ms) = 351.5 ms → 615.125 ms per file;
	// DB = 1.75 × 20 ms = 35 ms; 10 waves × 650.125 ms = 6.50125 s
	// against 1.75 × 100 ÷ 400/s = 0.4375 s; + 50 ms.
	tests := []struct {
		name         string
		api, db      time.Duration
		trial, total time.Duration
		bound        string
		calls        float64
	}{
		{"zero_c1", 0, 10 * time.Millisecond, 1050 * time.Millisecond, 1050 * time.Millisecond, "latency", 2},
		{"slow_c10", 2002 * time.Millisecond, 20 * time.Millisecond, 20270 * time.Millisecond, 60810 * time.Millisecond, "latency", 2},
		{"flaky_c10", 615125 * time.Microsecond, 35 * time.Millisecond, 6551250 * time.Microsecond, 6551250 * time.Microsecond, "latency", 2.625},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Runs[i]
			near := func(a, b time.Duration) bool { return (a - b).Abs() <= time.Microsecond }
			if got.Name != tt.name || !near(got.APIPerFile, tt.api) || !near(got.DBPerFile, tt.db) || !near(got.Trial, tt.trial) || !near(got.Total, tt.total) || got.Bound != tt.bound || got.CallsPerFile != tt.calls {
				t.Errorf("got %s api %v db %v trial %v total %v bound %s calls %g, want %s api %v db %v trial %v total %v bound %s calls %g",
					got.Name, got.APIPerFile, got.DBPerFile, got.Trial, got.Total, got.Bound, got.CallsPerFile,
					tt.name, tt.api, tt.db, tt.trial, tt.total, tt.bound, tt.calls)
			}
		})
	}
	want := 1050*time.Millisecond + 60810*time.Millisecond + 6551250*time.Microsecond
	if (p.Total - want).Abs() > 3*time.Microsecond {
		t.Errorf("got total %v, want %v", p.Total, want)
	}
}

// TestEstimateWorkloadCalls: a workload's own calls are its API time, in
// step order, each made only when the ones before it succeeded; and runs of
// another workload or another database do not share a calibration.
func TestEstimateWorkloadCalls(t *testing.T) {
	spec := parse(t, `
version: 1
name: plan
defaults: {files: 100, concurrency: 10, profile: p, workload: q}
profiles:
  p:
    pick: 100ms
    pack: {dist: uniform, min: 100ms, max: 300ms}
    error_rate: 0.5
workloads:
  q:
    schema: CREATE TABLE q (id INTEGER PRIMARY KEY, state TEXT NOT NULL)
    table: q
    states: [new, picked, packed, failed]
    initial: new
    done: [packed]
    steps:
      - {name: pick, from: new, to: picked, call: pick, fail: failed}
      - {name: pack, from: picked, to: packed, call: pack, fail: failed}
runs:
  - name: q
  - name: files
    workload: files
    profile: zero
  - name: pg
    workload: files
    profile: zero
    database: postgres
    postgres: postgres://u@127.0.0.1:1/postgres
`)
	keys := map[string]string{}
	for _, r := range spec.Runs {
		k := CalibrationKey(r.Config)
		if other, ok := keys[k]; ok {
			t.Errorf("runs %s and %s share the calibration key %q", other, r.Name, k)
		}
		keys[k] = r.Name
	}
	if !HasLatency(spec.Profiles["p"], spec.Workloads["q"]) {
		t.Errorf("HasLatency(p, q) = false, want true: q's calls pick and pack take time")
	}
	cal := &Calibration{Points: map[string]CalibrationPoint{}}
	for _, r := range spec.Runs {
		cal.Points[CalibrationKey(r.Config)] = CalibrationPoint{PerFile: time.Millisecond, FilesPerSecond: 1e6,
			Sleepy: true, NetPerFile: 2 * time.Millisecond, Overshoot: time.Millisecond}
	}
	p, err := Estimate(spec.Runs, spec.Profiles, spec.Workloads, 1, cal)
	if err != nil {
		t.Fatal(err)
	}
	// pick: 100 ms + 1 ms; pack, reached half the time: 0.5 × (200 ms + 1 ms).
	got, want := p.Runs[0].APIPerFile, 201500*time.Microsecond
	if (got - want).Abs() > time.Microsecond {
		t.Errorf("q: got API/file %v, want %v", got, want)
	}
	if got, want := p.Runs[0].CallsPerFile, 1.5; got != want {
		t.Errorf("q: got %g calls per file, want %g", got, want)
	}
}

// TestEstimateDatabaseBound: with no latency and a slow database, the
// throughput term decides.
func TestEstimateDatabaseBound(t *testing.T) {
	spec := parse(t, "version: 1\nname: db\ndefaults: {files: 1000, concurrency: 50}\nruns:\n  - name: r\n")
	cal := &Calibration{Points: map[string]CalibrationPoint{
		CalibrationKey(spec.Runs[0].Config): {PerFile: 5 * time.Millisecond, FilesPerSecond: 500},
	}}
	p, err := Estimate(spec.Runs, spec.Profiles, spec.Workloads, 1, cal)
	if err != nil {
		t.Fatal(err)
	}
	// 20 waves × 5 ms = 100 ms, but 1000 files ÷ 500/s = 2 s.
	if got, want := p.Runs[0].Trial, 2*time.Second; got != want || p.Runs[0].Bound != "database" {
		t.Errorf("got %v (%s), want %v (database)", got, p.Runs[0].Bound, want)
	}
}

func TestMeanLatency(t *testing.T) {
	spec := parse(t, `
version: 1
name: lat
profiles:
  p:
    upload: {dist: lognormal, median: 1s, p99: 10s}
    import: {dist: normal, mean: 0s, stddev: 1s}
runs:
  - name: r
    profile: p
`)
	pr := spec.Profiles["p"]
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		// σ = ln(10)/z99 ≈ 0.98978; mean = median × exp(σ²/2) ≈ 1.6320511 s.
		{"lognormal", MeanLatency(pr.Upload), float64(time.Second) * 1.6320510555},
		// E[max(0, X)] for X ~ N(0, σ²) is σ/√(2π).
		{"normal cut at zero", MeanLatency(pr.Import), float64(time.Second) * 0.3989422804014327},
	}
	for _, tt := range tests {
		if d := tt.got - tt.want; d > 1000 || d < -1000 { // within 1 µs
			t.Errorf("%s: got %g, want %g", tt.name, tt.got, tt.want)
		}
	}
}
