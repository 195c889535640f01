// Package engine runs a scenario spec: it carries out each run's trials on a
// fresh SQLite database through the run's connection mode, measures every
// file's timing segments, summarises them, compares runs, evaluates the
// assertions and renders the reports.
//
// Its stance is that the measurement is the product: every figure is what
// was measured, over every file, with no smoothing, clamping or subtraction;
// a stat with no samples fails any assertion that reads it; a run whose
// integrity check fails is a failed run, whatever its timings say.
package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"time"

	"github.com/scenrun/scenrun/fsm/sqlite"
	"github.com/scenrun/scenrun/scenario"
)

// Options say how a Runner carries out a spec.
type Options struct {
	TimeScale float64          // every API latency is multiplied by it; 0 means 1
	Filter    *regexp.Regexp   // only runs whose name matches; nil: all
	TempDir   string           // where run databases go; "" means os.TempDir()
	Prev      *Results         // an earlier results file (-baseline)
	PrevFile  string           // its path, for the report
	Version   string           // scenrun's version, for the environment
	Now       func() time.Time // the wall clock for started_at/finished_at; nil: time.Now
	OnTrial   func(TrialStart) // called as each trial starts; may be nil
	Logf      func(string, ...any)
	// WorkerCommand starts one worker process of a run with processes > 1:
	// a program that calls Worker with its stdin and stdout (scenrun passes
	// its own executable and the hidden "__worker" subcommand).
	WorkerCommand []string
	// ProfileDir, when set, receives each counted trial's cpu, block and
	// mutex profiles (profile.go); warm-ups are not profiled.
	ProfileDir string
}

// TrialStart describes a trial that is starting, with a live view of its
// progress.
type TrialStart struct {
	Run           string
	Trial, Trials int // 1-based; warm-ups have Warmup true
	Warmup        bool
	Files         int
	Progress      func() (files int, transitions int64)
}

// A Runner carries out one spec: its assertions are compiled when it is made
// (nothing runs with a bad assertion), its runs when Run is called.
type Runner struct {
	spec       *scenario.Spec
	opts       Options
	assertions []assertion
}

// NewRunner checks everything about spec that can be checked before the
// first measurement: the assertions compile, type-check and yield a bool. Its
// error is a scenario.Errors with positions.
func NewRunner(spec *scenario.Spec, opts Options) (*Runner, error) {
	if opts.TimeScale == 0 {
		opts.TimeScale = 1
	}
	if opts.TimeScale < 0 {
		return nil, fmt.Errorf("time scale must be ≥ 0, got %g", opts.TimeScale)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TempDir == "" {
		opts.TempDir = os.TempDir()
	}
	if err := checkRuns(spec); err != nil {
		return nil, err
	}
	as, err := compileAssertions(spec, opts.Prev != nil)
	if err != nil {
		return nil, err
	}
	if opts.ProfileDir != "" {
		if err := os.MkdirAll(opts.ProfileDir, 0o755); err != nil {
			return nil, fmt.Errorf("profile directory: %w", err)
		}
	}
	return &Runner{spec: spec, opts: opts, assertions: as}, nil
}

// Validate checks spec's runs and compiles its assertions without running
// anything.
func Validate(spec *scenario.Spec, withPrev bool) error {
	if err := checkRuns(spec); err != nil {
		return err
	}
	_, err := compileAssertions(spec, withPrev)
	return err
}

// Selected is the runs the filter lets through, in order.
func (r *Runner) Selected() []scenario.Run {
	var out []scenario.Run
	for _, run := range r.spec.Runs {
		if r.opts.Filter == nil || r.opts.Filter.MatchString(run.Name) {
			out = append(out, run)
		}
	}
	return out
}

// Environment describes this machine and build.
func NewEnvironment(version string) Environment {
	return Environment{Scenrun: version, Go: runtime.Version(), SQLite: sqlite.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU()}
}

// ErrRunFailed is returned (wrapped) by Run when a run could not be carried out.
var ErrRunFailed = errors.New("run failed")

// Run carries out the selected runs and returns the results, complete as
// far as they got: after an interruption (ctx cancelled) the results hold
// the trials that finished and Interrupted is set. The error is ErrRunFailed
// when a run could not be carried out, ctx's error when interrupted.
//
// The trials of all selected runs are interleaved — every run's warm-ups
// first, then trial 1 of each run, trial 2 of each run, … — so that drift of
// a noisy machine hits every run alike.
func (r *Runner) Run(ctx context.Context) (*Results, error) {
	spec := r.spec
	res := &Results{
		Scenario: spec.Name, SpecFile: spec.File, Description: spec.Description,
		StartedAt: r.opts.Now().UTC(), Environment: NewEnvironment(r.opts.Version),
		PercentileMethod: PercentileMethod, TimeScale: r.opts.TimeScale,
		Gate: &GateSettings{Alpha: spec.Gate.Alpha, NoiseFloorPct: spec.Gate.NoiseFloorPct},
		Runs: []RunResult{}, Comparisons: []Comparison{}, Assertions: []AssertionResult{},
	}
	selected := r.Selected()
	skipped := map[string]bool{}
	for _, run := range spec.Runs {
		skipped[run.Name] = true
	}
	for _, run := range selected {
		delete(skipped, run.Name)
	}

	type state struct {
		run     scenario.Run
		trials  []Measurement
		pragmas []Pragma
		errors  []string
		err     error
		dbPath  string
		series  []Throughput
		samples []latencySamples
	}
	states := make([]*state, len(selected))
	for i, run := range selected {
		states[i] = &state{run: run}
	}
	maxWarm, maxRep := 0, 0
	for _, run := range selected {
		maxWarm = max(maxWarm, run.Config.Warmup)
		maxRep = max(maxRep, run.Config.Repeat)
	}
	runOne := func(s *state, k, n int, warm bool) {
		profile := spec.Profiles[s.run.Config.Profile]
		var started func(*trial)
		if r.opts.OnTrial != nil {
			started = func(t *trial) {
				r.opts.OnTrial(TrialStart{Run: s.run.Name, Trial: k + 1, Trials: n, Warmup: warm, Files: t.cfg.Files,
					Progress: func() (int, int64) { return int(t.done.Load()), t.transitions.Load() }})
			}
		}
		var out trialOutcome
		if r.opts.ProfileDir != "" && !warm {
			out = r.profiledTrial(ctx, s.run, k, n, profile, started)
		} else {
			out = runTrial(ctx, s.run, profile, r.opts.TimeScale, r.opts.TempDir, r.opts.WorkerCommand, started)
		}
		if out.dbPath != "" {
			s.dbPath = out.dbPath
		}
		s.pragmas = out.pragmas
		if out.err != nil && ctx.Err() == nil || out.err != nil && !warm {
			s.err = out.err
			s.errors = out.errors
		}
		if !warm && (out.err == nil || ctx.Err() == nil) && out.m.Segments.TotalWall.Count > 0 {
			s.trials = append(s.trials, out.m)
			out.throughput.Trial = len(s.trials)
			s.series = append(s.series, out.throughput)
			s.samples = append(s.samples, out.samples)
		}
	}
	for k := 0; k < maxWarm && ctx.Err() == nil; k++ {
		for _, s := range states {
			if k < s.run.Config.Warmup && s.err == nil && ctx.Err() == nil {
				runOne(s, k, s.run.Config.Warmup, true)
			}
		}
	}
	for k := 0; k < maxRep && ctx.Err() == nil; k++ {
		for _, s := range states {
			if k < s.run.Config.Repeat && s.err == nil && ctx.Err() == nil {
				runOne(s, k, s.run.Config.Repeat, false)
			}
		}
	}

	var failed []string
	for _, s := range states {
		if len(s.trials) == 0 && s.err == nil {
			continue // never started: interrupted before it
		}
		rr := RunResult{Name: s.run.Name, RunConfig: runConfig(s.run.Config), Pragmas: s.pragmas, Trials: s.trials, Errors: s.errors, DBPath: s.dbPath,
			LatencyCDF: newLatencyCDF(s.samples), Throughput: s.series}
		if rr.Trials == nil {
			rr.Trials = []Measurement{}
		}
		if len(s.trials) > 0 {
			rr.Measurement = combine(s.trials)
			rr.CI95 = ci95(s.trials)
		}
		rr.Warnings = runWarnings(len(s.trials), s.run.Config.Repeat)
		if s.err != nil {
			rr.Error = s.err.Error()
			if ctx.Err() == nil {
				failed = append(failed, s.run.Name)
			}
		}
		res.Runs = append(res.Runs, rr)
	}
	res.Interrupted = ctx.Err() != nil

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
	if r.opts.Prev != nil {
		res.BaselineFile = r.opts.PrevFile
		res.Comparisons = append(res.Comparisons, baselineComparisons(spec, res.Runs, r.opts.Prev, r.opts.PrevFile)...)
	}
	var prev map[string]RunResult
	if r.opts.Prev != nil {
		prev = map[string]RunResult{}
		for _, pr := range r.opts.Prev.Runs {
			// Named as the assertion reaches it, so that lower()'s
			// explanations tell the earlier run from the current one.
			name := pr.Name
			pr.Name = "prev." + name
			prev[name] = pr
		}
	}
	res.Assertions = evaluate(spec, r.assertions, res.Runs, skipped, prev)
	res.FinishedAt = r.opts.Now().UTC()

	switch {
	case ctx.Err() != nil:
		return res, ctx.Err()
	case len(failed) > 0:
		return res, fmt.Errorf("%w: %v", ErrRunFailed, failed)
	}
	return res, nil
}

func runConfig(c scenario.Config) RunConfig {
	rc := RunConfig{
		Files: c.Files, Concurrency: c.Concurrency, Profile: c.Profile, Connection: c.Connection,
		PoolSize: c.PoolSize, BatchSize: c.BatchSize, TxLock: c.TxLock, Repeat: c.Repeat, Warmup: c.Warmup,
		Seed: c.Seed, Retries: c.Retries, TimeoutSec: c.Timeout.Seconds(), KeepDB: c.KeepDB,
		SetupSQL: c.SetupSQL, ConnectSQL: c.ConnectSQL, Processes: c.Processes,
	}
	for _, p := range c.Pragmas {
		rc.Pragmas = append(rc.Pragmas, Pragma{Name: p.Name, Value: p.Value})
	}
	return rc
}

// runWarnings are what a reader of a run's figures should know about how
// many trials stand behind them.
func runWarnings(counted, repeat int) []string {
	var w []string
	if counted < repeat {
		w = append(w, fmt.Sprintf("%d of %d trials counted: the figures are over those", counted, repeat))
	}
	if counted >= 2 && counted < 6 {
		w = append(w, fmt.Sprintf("%d trials: a 95%% confidence interval of a median needs 6 or more, so one end of each is open", counted))
	}
	return w
}
