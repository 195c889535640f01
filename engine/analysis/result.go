package analysis

import (
	"encoding/json"
	"math"
	"reflect"
	"time"

	"github.com/scenrun/scenrun/fsm"
)

// A Stat summarises one timing segment's samples (one per file), in
// milliseconds. Percentiles are linear interpolations between order
// statistics (Hyndman–Fan type 7). A Stat with Count 0 has no figures: its
// values are zero and every assertion that reads them fails.
type Stat struct {
	P50   float64 `json:"p50" expr:"p50"`
	P95   float64 `json:"p95" expr:"p95"`
	P99   float64 `json:"p99" expr:"p99"`
	P999  float64 `json:"p999" expr:"p999"`
	Mean  float64 `json:"mean" expr:"mean"`
	Min   float64 `json:"min" expr:"min"`
	Max   float64 `json:"max" expr:"max"`
	Count int     `json:"count" expr:"count"`
}

// Get returns the named stat (p50 … max, as scenario.Stats lists them).
func (s Stat) Get(name string) (float64, bool) {
	if f := s.field(name); f != nil {
		return *f, true
	}
	return 0, false
}

// field points at the named stat of s; nil for a name that is not one.
func (s *Stat) field(name string) *float64 {
	switch name {
	case "p50":
		return &s.P50
	case "p95":
		return &s.P95
	case "p99":
		return &s.P99
	case "p999":
		return &s.P999
	case "mean":
		return &s.Mean
	case "min":
		return &s.Min
	case "max":
		return &s.Max
	}
	return nil
}

// Segments holds the timing segments of SPEC §5, one field a segment of
// scenario.SegmentTable, in its order: the struct gives the JSON its order
// and assertions their type-checked names (baseline.lock_wait_ms.p95);
// everything else reaches a segment by name through Get and Field.
type Segments struct {
	LockWait    Stat `json:"lock_wait_ms" expr:"lock_wait_ms"`
	DBTotal     Stat `json:"db_total_ms" expr:"db_total_ms"`
	FSMDispatch Stat `json:"fsm_dispatch_ms" expr:"fsm_dispatch_ms"`
	MockAPI     Stat `json:"mock_api_ms" expr:"mock_api_ms"`
	TotalWall   Stat `json:"total_wall_ms" expr:"total_wall_ms"`
	FSMNet      Stat `json:"fsm_net_ms" expr:"fsm_net_ms"`
	Hold        Stat `json:"hold_ms" expr:"hold_ms"`
}

// segmentFields maps a segment's name to its field's index in Segments,
// read from the JSON tags: the struct and scenario.SegmentTable are held to
// each other by TestSegmentsFollowTheTable.
var segmentFields = func() map[string]int {
	t := reflect.TypeFor[Segments]()
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		m[t.Field(i).Tag.Get("json")] = i
	}
	return m
}()

// Field points at the named segment of s; nil for a name that is not one.
func (s *Segments) Field(name string) *Stat {
	i, ok := segmentFields[name]
	if !ok {
		return nil
	}
	return reflect.ValueOf(s).Elem().Field(i).Addr().Interface().(*Stat)
}

// Get returns the named segment (lock_wait_ms … fsm_net_ms).
func (s *Segments) Get(name string) (Stat, bool) {
	if f := s.Field(name); f != nil {
		return *f, true
	}
	return Stat{}, false
}

// RunConfig is the configuration a run was carried out with, as recorded in
// the results (the input type, scenario.Config, never doubles as a result).
type RunConfig struct {
	Files          int          `json:"files" expr:"files"`
	Concurrency    int          `json:"concurrency" expr:"concurrency"`
	Profile        string       `json:"profile" expr:"profile"`
	Connection     string       `json:"connection" expr:"connection"`
	PoolSize       int          `json:"pool_size" expr:"pool_size"`
	BatchSize      int          `json:"batch_size" expr:"batch_size"`
	TxLock         string       `json:"txlock" expr:"txlock"`
	Pragmas        []fsm.Pragma `json:"pragmas" expr:"pragmas"` // as asked for
	Repeat         int          `json:"repeat" expr:"repeat"`   // with repeat: auto, repeat_max
	RepeatAuto     bool         `json:"repeat_auto,omitempty" expr:"repeat_auto"`
	RepeatMax      int          `json:"repeat_max,omitempty" expr:"repeat_max"` // with repeat: auto
	Warmup         int          `json:"warmup" expr:"warmup"`
	Seed           int64        `json:"seed" expr:"seed"`
	Retries        int          `json:"retries" expr:"retries"`
	TimeoutSec     float64      `json:"timeout_seconds" expr:"timeout_seconds"` // 0: none
	KeepDB         bool         `json:"keep_db" expr:"keep_db"`
	SetupSQL       []string     `json:"setup_sql,omitempty" expr:"setup_sql"`
	ConnectSQL     []string     `json:"connect_sql,omitempty" expr:"connect_sql"`
	Processes      int          `json:"processes" expr:"processes"`
	Workload       string       `json:"workload" expr:"workload"`
	Database       string       `json:"database" expr:"database"`
	Isolation      string       `json:"isolation,omitempty" expr:"isolation"`
	BusyRetryLimit int          `json:"busy_retries" expr:"busy_retries_allowed"`
	BusyBackoff    float64      `json:"busy_backoff_seconds" expr:"busy_backoff_seconds"`
}

// BatchStats describes single_writer's group commits.
type BatchStats struct {
	Count int     `json:"count" expr:"count"` // transactions committed
	Mean  float64 `json:"mean" expr:"mean"`   // state changes per transaction
	Max   int     `json:"max" expr:"max"`
}

// Merge is the batch statistics of a and b together (either may be nil: a
// trial or a process with no group commits).
func (a *BatchStats) Merge(b *BatchStats) *BatchStats {
	if b == nil {
		return a
	}
	if a == nil {
		c := *b
		return &c
	}
	out := BatchStats{Count: a.Count + b.Count, Max: max(a.Max, b.Max)}
	if out.Count > 0 {
		out.Mean = (a.Mean*float64(a.Count) + b.Mean*float64(b.Count)) / float64(out.Count)
	}
	return &out
}

// A Measurement is what one trial of a run measured. A run's own figures are
// a Measurement too: the trial's when there is one, else the median over its
// trials.
type Measurement struct {
	ElapsedSeconds       float64 `json:"elapsed_seconds" expr:"elapsed_seconds"`
	Transitions          int64   `json:"transitions" expr:"transitions"`
	TransitionsPerSecond float64 `json:"transitions_per_second" expr:"transitions_per_second"`
	FilesPerSecond       float64 `json:"files_per_second" expr:"files_per_second"`
	Indexed              int     `json:"indexed" expr:"indexed"`
	Failed               int     `json:"failed" expr:"failed"`
	OCCConflicts         int64   `json:"occ_conflicts" expr:"occ_conflicts"`
	Segments             `json:"segments" expr:"segments"`
	WALSizeStartBytes    int64          `json:"wal_size_start_bytes" expr:"wal_size_start_bytes"`
	WALSizeEndBytes      int64          `json:"wal_size_end_bytes" expr:"wal_size_end_bytes"`
	WALContention        string         `json:"wal_contention" expr:"wal_contention"` // CONTENTION or CLEAN: the reference's 5% rule
	Bottleneck           string         `json:"bottleneck" expr:"bottleneck"`
	Integrity            string         `json:"integrity" expr:"integrity"` // "ok" or what is wrong
	States               map[string]int `json:"states" expr:"states"`       // files per state at the end
	Batches              *BatchStats    `json:"batches,omitempty" expr:"batches"`
	FileErrors           int            `json:"file_errors" expr:"file_errors"` // files that ended on an error
	// BusyErrors are statements the database refused as busy (SPEC §9);
	// BusyRetries the tries that followed one.
	BusyErrors  int64 `json:"busy_errors" expr:"busy_errors"`
	BusyRetries int64 `json:"busy_retries" expr:"busy_retries"`
	// WALSizeMaxBytes is the write-ahead log's largest size during the
	// trial, sampled every 10 ms; nil outside WAL mode.
	WALSizeMaxBytes *int64 `json:"wal_size_max_bytes" expr:"wal_size_max_bytes"`
	// WALBytes is the WAL a PostgreSQL trial wrote (SPEC §10, from
	// pg_current_wal_lsn()); nil on SQLite.
	WALBytes *int64 `json:"wal_bytes,omitempty" expr:"wal_bytes"`
	Reads    *Reads `json:"reads,omitempty" expr:"reads"` // with readers
	// UncontendedWriteMS is what one write costs with nothing contending:
	// writes timed as lock_wait_ms is, one after another on one connection
	// before the workers start. WriteLockMS is, per item, its lock_wait_ms
	// divided by the write transactions it tried. LockVerdict compares the
	// two p95s (LockWaitRatio): WAITING when writes under load take at
	// least three times what an uncontended write takes, else CLEAN — unlike the
	// reference's wal_contention, it tells waiting for the lock from the
	// write's own work.
	UncontendedWriteMS Stat    `json:"uncontended_write_ms" expr:"uncontended_write_ms"`
	WriteLockMS        Stat    `json:"write_lock_ms" expr:"write_lock_ms"`
	LockVerdict        string  `json:"lock_verdict" expr:"lock_verdict"`
	LockWaitRatio      float64 `json:"lock_wait_ratio" expr:"lock_wait_ratio"`
}

// Reads is what a workload's readers did while the workers ran.
type Reads struct {
	Queries int64 `json:"queries" expr:"queries"`
	Errors  int64 `json:"errors" expr:"errors"`
	ReadMS  Stat  `json:"read_ms" expr:"read_ms"`
}

// A RunResult is one run of a spec: its configuration, its figures and, with
// repeat > 1, each trial's.
type RunResult struct {
	Name      string `json:"name" expr:"name"`
	RunConfig `json:"config" expr:"config"`
	Measurement
	Pragmas []fsm.Pragma  `json:"effective_pragmas" expr:"effective_pragmas"` // read back from SQLite
	Trials  []Measurement `json:"trials" expr:"trials"`
	// CI95 is, with two or more trials, the 95% confidence interval of the
	// median over the trials of each segment stat: ci95.lock_wait_ms.p95.
	CI95     map[string]map[string]Interval `json:"ci95,omitempty" expr:"ci95"`
	Error    string                         `json:"error,omitempty" expr:"error"`       // why the run failed, if it did
	Errors   []string                       `json:"errors,omitempty" expr:"errors"`     // the first file errors, with SQLite's text
	DBPath   string                         `json:"db_path,omitempty" expr:"db_path"`   // with keep_db
	Warnings []string                       `json:"warnings,omitempty" expr:"warnings"` // e.g. too few trials for significance
	// Outliers are the trials whose value of a segment stat lies far
	// outside the run's other trials (Results.OutlierMethod). They are
	// information: every figure still counts every trial.
	Outliers []Outlier `json:"outliers,omitempty" expr:"outliers"`
	// AutoRepeat is, with repeat: auto, how many trials the run took and
	// by which rule.
	AutoRepeat *AutoRepeat `json:"auto_repeat,omitempty" expr:"auto_repeat"`
	// DBPaths, with keep_db, are every counted trial's kept database in
	// trial order (warm-ups' are not kept); DBPath is the last of them.
	DBPaths []string `json:"db_paths,omitempty" expr:"db_paths"`
	// For the HTML report's charts (series.go): the lock-wait and
	// db-total distributions over the counted trials, and each counted
	// trial's transitions per interval.
	LatencyCDF *LatencyCDF  `json:"latency_cdf,omitempty" expr:"latency_cdf"`
	Throughput []Throughput `json:"throughput,omitempty" expr:"throughput"`
}

// An Outlier is one trial's value of a segment stat beyond the fence the
// run's trials set (OutlierMethod).
type Outlier struct {
	Trial   int     `json:"trial" expr:"trial"` // 1-based, among the counted trials
	Segment string  `json:"segment" expr:"segment"`
	Stat    string  `json:"stat" expr:"stat"`
	Value   float64 `json:"value" expr:"value"`
	Fence   float64 `json:"fence" expr:"fence"` // the fence it lies beyond
}

// AutoRepeat is what repeat: auto did for a run.
type AutoRepeat struct {
	Trials    int    `json:"trials" expr:"trials"` // counted trials the run took
	RepeatMax int    `json:"repeat_max" expr:"repeat_max"`
	Settled   bool   `json:"settled" expr:"settled"` // every lower() over it settled before repeat_max
	Rule      string `json:"rule" expr:"rule"`
}

// Environment is where the results were measured.
type Environment struct {
	Scenrun string `json:"scenrun"`
	Go      string `json:"go"`
	SQLite  string `json:"sqlite"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
	CPUs    int    `json:"cpus"`
}

// A SegmentDelta is one segment of a comparison.
type SegmentDelta struct {
	Baseline float64 `json:"baseline"`
	Value    float64 `json:"value"`
	DeltaMS  float64 `json:"delta_ms"`
	DeltaPct float64 `json:"delta_pct"`
	// PValue is the two-sided Mann–Whitney U p-value over the trials' values
	// of the stat; nil when either side has fewer than two trials.
	PValue      *float64 `json:"p_value,omitempty"`
	Significant *bool    `json:"significant,omitempty"`
	// The runs' 95% confidence intervals of the stat (see RunResult.CI95).
	BaselineCI95 *Interval `json:"baseline_ci95,omitempty"`
	ValueCI95    *Interval `json:"value_ci95,omitempty"`
	// MDEPct is the smallest change, in percent of the baseline's median
	// over its trials, that the test could have found significant with
	// these trials' spread and counts (see mde); nil when none could.
	MDEPct *float64 `json:"mde_pct,omitempty"`
}

// A Comparison is one run against a baseline run at one stat.
type Comparison struct {
	Baseline string `json:"baseline"`
	Run      string `json:"run"`
	Stat     string `json:"stat"`
	// BaselineFile is, for a comparison with -baseline, the earlier results
	// file the baseline run comes from (it has the run's own name).
	BaselineFile string                  `json:"baseline_file,omitempty"`
	Order        []string                `json:"segment_order"`
	Segments     map[string]SegmentDelta `json:"segments"`
	Warnings     []string                `json:"warnings,omitempty"`
}

// An AssertionResult is one assertion's verdict.
type AssertionResult struct {
	Name    string `json:"name"`
	Expr    string `json:"expr"`
	Passed  bool   `json:"passed"`
	Skipped bool   `json:"skipped,omitempty"` // it names a run that -run left out
	Detail  string `json:"detail"`
	// Gates are the lower() verdicts the assertion took, in the order
	// they were evaluated.
	Gates []GateVerdict `json:"gates,omitempty"`
}

// A GateVerdict is one lower(a, b, segment, stat) as it was judged.
type GateVerdict struct {
	A       string `json:"a"`
	B       string `json:"b"`
	Segment string `json:"segment"`
	Stat    string `json:"stat"`
	Lower   bool   `json:"lower"`
	TrialsA int    `json:"trials_a"` // the trials the verdict is over
	TrialsB int    `json:"trials_b"`
	// PValue is the two-sided Mann–Whitney U p-value; Alpha the level it
	// was judged at (a look's share of α under repeat: auto).
	PValue *float64 `json:"p_value,omitempty"`
	Alpha  float64  `json:"alpha,omitempty"`
	// MDEPct is the smallest change, in percent of a's median, that this
	// test could have found at Alpha (see mde); nil when none could.
	MDEPct *float64 `json:"mde_pct,omitempty"`
	// Sequential is, when either run has repeat: auto, how the
	// sequential rule settled the gate.
	Sequential *SequentialVerdict `json:"sequential,omitempty"`
}

// A SequentialVerdict is where the sequential rule stopped.
type SequentialVerdict struct {
	Rule    string `json:"rule"`    // the plan: looks and each look's α
	Look    int    `json:"look"`    // 1-based: the look that settled it (or the last taken)
	Looks   int    `json:"looks"`   // looks the plan has
	Settled bool   `json:"settled"` // false: the trials stopped before the rule settled (interrupted)
	Why     string `json:"why,omitempty"`
}

// Results is everything one scenario run produced: the JSON of SPEC §7.
type Results struct {
	Scenario         string            `json:"scenario"`
	SpecFile         string            `json:"spec_file"`
	Description      string            `json:"description,omitempty"`
	StartedAt        time.Time         `json:"started_at"`
	FinishedAt       time.Time         `json:"finished_at"`
	Interrupted      bool              `json:"interrupted"`
	Environment      Environment       `json:"environment"`
	PercentileMethod string            `json:"percentile_method"`
	TimeScale        float64           `json:"time_scale"`
	Gate             *GateSettings     `json:"gate,omitempty"`           // how lower() and the comparisons decided
	OutlierMethod    string            `json:"outlier_method,omitempty"` // how runs[].outliers are found
	BaselineFile     string            `json:"baseline_file,omitempty"`  // -baseline
	Runs             []RunResult       `json:"runs"`
	Comparisons      []Comparison      `json:"comparisons"`
	Assertions       []AssertionResult `json:"assertions"`
}

// PercentileMethod is how every percentile is computed.
const PercentileMethod = "linear (Hyndman-Fan 7)"

// MarshalJSON writes a delta_pct that has no value (a baseline of zero) as
// null: JSON has no NaN.
func (d SegmentDelta) MarshalJSON() ([]byte, error) {
	type plain SegmentDelta
	v := struct {
		plain
		DeltaPct *float64 `json:"delta_pct"`
	}{plain: plain(d)}
	if !math.IsNaN(d.DeltaPct) && !math.IsInf(d.DeltaPct, 0) {
		v.DeltaPct = &d.DeltaPct
	}
	return json.Marshal(v)
}
