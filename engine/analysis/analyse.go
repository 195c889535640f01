package analysis

import (
	"fmt"
	"time"

	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/scenario"
)

// A RunTrials is what the runner gathered of one run: its counted trials'
// measurements and samples, and what went wrong. It is the input of the
// analysis, as benchstat's benchfmt records are of benchmath.
type RunTrials struct {
	Run     scenario.Run
	Trials  []Measurement    // the counted trials, in order
	Pragmas []fsm.Pragma     // read back from the database by the last trial
	Errors  []string         // the first item errors, with the database's text
	Err     error            // why the run failed, nil if it did not
	DBPath  string           // the kept database, with keep_db
	Series  []Throughput     // each counted trial's throughput series
	Samples []LatencySamples // each counted trial's per-file samples

	// Interrupted: the last counted trial was cut short by an
	// interruption; its figures are over the files that finished.
	Interrupted bool
	// DBPaths are the kept databases, one per counted trial, with keep_db;
	// DBPath is the last.
	DBPaths []string
}

// A Measured is everything a spec's runs measured, ready to be analysed.
type Measured struct {
	Spec        *scenario.Spec
	Environment Environment
	TimeScale   float64
	StartedAt   time.Time
	FinishedAt  time.Time
	Interrupted bool
	Runs        []RunTrials     // the runs that started, in order
	Skipped     map[string]bool // runs that -run left out
	Prev        *Results        // an earlier results file (-baseline), or nil
	PrevFile    string
}

// Analyse turns measurements into results: each run's figures over its
// trials, the comparisons of the spec and of -baseline, and the assertions'
// verdicts. It is a pure function of its input: the same measurements give
// byte-identical results.
func Analyse(m *Measured, as *Assertions) *Results {
	spec := m.Spec
	res := &Results{
		Scenario: spec.Name, SpecFile: spec.File, Description: spec.Description,
		StartedAt: m.StartedAt, FinishedAt: m.FinishedAt, Environment: m.Environment,
		PercentileMethod: PercentileMethod, OutlierMethod: OutlierMethod, TimeScale: m.TimeScale, Interrupted: m.Interrupted,
		Gate: &GateSettings{Alpha: spec.Gate.Alpha, NoiseFloorPct: spec.Gate.NoiseFloorPct},
		Runs: []RunResult{}, Comparisons: []Comparison{}, Assertions: []AssertionResult{},
	}
	for _, rt := range m.Runs {
		res.Runs = append(res.Runs, runResult(rt, spec.Gate))
	}
	byName := map[string]*RunResult{}
	for i := range res.Runs {
		byName[res.Runs[i].Name] = &res.Runs[i]
	}
	for _, c := range spec.Compare {
		base := byName[c.Baseline]
		if base == nil || len(base.Trials) == 0 {
			continue
		}
		for _, name := range c.Runs {
			if run := byName[name]; run != nil && len(run.Trials) > 0 {
				res.Comparisons = append(res.Comparisons, compareRuns(base, run, c, spec.Gate))
			}
		}
	}
	var prev map[string]RunResult
	if m.Prev != nil {
		res.BaselineFile = m.PrevFile
		res.Comparisons = append(res.Comparisons, baselineComparisons(spec, res.Runs, m.Prev, m.PrevFile)...)
		prev = map[string]RunResult{}
		for _, pr := range m.Prev.Runs {
			// Named as the assertion reaches it, so that lower()'s
			// explanations tell the earlier run from the current one.
			name := pr.Name
			pr.Name = "prev." + name
			prev[name] = pr
		}
	}
	if as != nil {
		res.Assertions = as.evaluate(res.Runs, m.Skipped, prev)
	}
	return res
}

// runResult is one run's figures: its trials combined, their confidence
// intervals and what a reader should know about them.
func runResult(rt RunTrials, gate scenario.Gate) RunResult {
	rr := RunResult{Name: rt.Run.Name, RunConfig: NewRunConfig(rt.Run.Config), Pragmas: rt.Pragmas, Trials: rt.Trials,
		Errors: rt.Errors, DBPath: rt.DBPath, DBPaths: rt.DBPaths, LatencyCDF: NewLatencyCDF(rt.Samples), Throughput: rt.Series}
	if rr.Trials == nil {
		rr.Trials = []Measurement{}
	}
	if len(rt.Trials) > 0 {
		rr.Measurement = Combine(rt.Trials)
		rr.CI95 = ci95(rt.Trials)
	}
	rr.Outliers = outliers(rt.Trials)
	if c := rt.Run.Config; c.RepeatAuto {
		rr.AutoRepeat = &AutoRepeat{Trials: len(rt.Trials), RepeatMax: c.RepeatMax, Settled: len(rt.Trials) < c.RepeatMax,
			Rule: newSeqPlan(c.RepeatMax, gate.Alpha).String()}
		rr.Warnings = runWarnings(len(rt.Trials), len(rt.Trials))
	} else {
		rr.Warnings = runWarnings(len(rt.Trials), rt.Run.Config.Repeat)
	}
	if n := outlierNote(rr.Outliers); n != "" {
		rr.Warnings = append(rr.Warnings, n)
	}
	if rt.Interrupted {
		rr.Warnings = append(rr.Warnings, fmt.Sprintf("trial %d was interrupted: its figures are over the files that finished before it", len(rt.Trials)))
	}
	if rt.Err != nil {
		rr.Error = rt.Err.Error()
	}
	return rr
}

// NewRunConfig is the configuration of a run as the results record it.
func NewRunConfig(c scenario.Config) RunConfig {
	rc := RunConfig{
		Files: c.Files, Concurrency: c.Concurrency, Profile: c.Profile, Connection: c.Connection,
		PoolSize: c.PoolSize, BatchSize: c.BatchSize, TxLock: c.TxLock, Repeat: c.Repeat, Warmup: c.Warmup,
		Seed: c.Seed, Retries: c.Retries, TimeoutSec: c.Timeout.Seconds(), KeepDB: c.KeepDB,
		SetupSQL: c.SetupSQL, ConnectSQL: c.ConnectSQL, Processes: c.Processes, Pragmas: c.Pragmas,
		RepeatAuto: c.RepeatAuto, Workload: c.Workload, BusyRetryLimit: c.BusyRetries, BusyBackoff: c.BusyBackoff.Seconds(), Database: c.Database,
	}
	// Each database's own fields are recorded for its runs only: pragmas and
	// txlock a PostgreSQL run inherits from defaults were never applied.
	if c.Database == "postgres" {
		rc.Isolation, rc.TxLock, rc.Pragmas = c.Isolation, "", nil
	}
	if c.RepeatAuto {
		rc.RepeatMax = c.RepeatMax
	}
	return rc
}

// runWarnings are what a reader of a run's figures should know about how
// many trials stand behind them.
func runWarnings(counted, repeat int) []string {
	var w []string
	switch {
	case counted == 0:
		w = append(w, fmt.Sprintf("none of %d trials counted: the run stopped before one finished, and has no figures", repeat))
	case counted < repeat:
		w = append(w, fmt.Sprintf("%d of %d trials counted: the figures are over those", counted, repeat))
	}
	if counted >= 2 && counted < 6 {
		w = append(w, fmt.Sprintf("%d trials: a 95%% confidence interval of a median needs 6 or more, so one end of each is open", counted))
	}
	return w
}
