// Package engine runs a scenario spec and returns what it measured: it
// carries out each run's trials on a fresh database through the run's
// connection mode (one registry, modes.go), in one or more processes, with
// simulated API latency, and measures every file's timing segments. It
// judges nothing: engine/analysis turns the measurements into results and
// engine/report renders them.
//
// Its stance is that the measurement is the product: every figure is what
// was measured, over every file, with no smoothing, clamping or
// subtraction.
package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/fsm/sqlite"
	"github.com/scenrun/scenrun/scenario"
)

// Options say how a Runner carries out a spec.
type Options struct {
	TimeScale float64           // every API latency is multiplied by it; 0 means 1
	Filter    *regexp.Regexp    // only runs whose name matches; nil: all
	TempDir   string            // where run databases go; "" means os.TempDir()
	Prev      *analysis.Results // an earlier results file (-baseline)
	PrevFile  string            // its path, for the report
	Version   string            // scenrun's version, for the environment
	Now       func() time.Time  // the wall clock for started_at/finished_at; nil: time.Now
	OnTrial   func(TrialStart)  // called as each trial starts; may be nil
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
	assertions *analysis.Assertions
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
	if spec.IsDraft() {
		return nil, fmt.Errorf("%s: the spec has errors; a draft is for validation only", spec.File)
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
	if err := checkWorkloads(context.Background(), spec); err != nil {
		return nil, err
	}
	as, err := analysis.CompileAssertions(spec, opts.Prev)
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

// Validate checks spec's runs, builds its workloads on an in-memory SQLite
// and compiles its assertions, without running anything, and reports the
// errors of all three. Given a draft (scenario.ParseDraft), it checks only
// what the draft's errors leave sound: the runs when they are as written,
// the workloads without errors, and the assertions without errors when the
// run names are as written.
func Validate(spec *scenario.Spec, prev *analysis.Results) error {
	var errs []error
	if spec.RunsSound() {
		errs = append(errs, checkRuns(spec))
	}
	errs = append(errs, checkWorkloads(context.Background(), spec))
	if spec.RunNamesSound() {
		_, err := analysis.CompileAssertions(spec, prev)
		errs = append(errs, err)
	}
	return scenario.JoinErrors(errs...)
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
func NewEnvironment(version string) analysis.Environment {
	return analysis.Environment{Scenrun: version, Go: runtime.Version(), SQLite: sqlite.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU()}
}

// ErrRunFailed is returned (wrapped) by Run when a run could not be carried out.
var ErrRunFailed = errors.New("run failed")

// Run carries out the selected runs and returns the results, complete as
// far as they got: after an interruption (ctx cancelled) the results hold
// the trials that finished and Interrupted is set. The error is ErrRunFailed
// when a run could not be carried out, ctx's error when interrupted.
//
// Run is two stages: Collect measures, analysis.Analyse judges.
func (r *Runner) Run(ctx context.Context) (*analysis.Results, error) {
	m, failed := r.Collect(ctx)
	res := analysis.Analyse(m, r.assertions)
	switch {
	case ctx.Err() != nil:
		return res, ctx.Err()
	case len(failed) > 0:
		return res, fmt.Errorf("%w: %v", ErrRunFailed, failed)
	}
	return res, nil
}

// Collect carries out the selected runs' trials and returns what they
// measured, with the names of the runs that failed (not counting those an
// interruption cut short).
//
// The trials of all selected runs are interleaved — every run's warm-ups
// first, then trial 1 of each run, trial 2 of each run, … — so that drift of
// a noisy machine hits every run alike. A run with repeat: auto stops once
// every lower() over it is settled (auto.go).
func (r *Runner) Collect(ctx context.Context) (*analysis.Measured, []string) {
	spec := r.spec
	m := &analysis.Measured{
		Spec: spec, Environment: NewEnvironment(r.opts.Version), TimeScale: r.opts.TimeScale,
		StartedAt: r.opts.Now().UTC(), Prev: r.opts.Prev, PrevFile: r.opts.PrevFile, Skipped: map[string]bool{},
	}
	selected := r.Selected()
	for _, run := range spec.Runs {
		m.Skipped[run.Name] = true
	}
	for _, run := range selected {
		delete(m.Skipped, run.Name)
	}

	states := make([]*analysis.RunTrials, len(selected))
	for i, run := range selected {
		states[i] = &analysis.RunTrials{Run: run}
	}
	maxWarm, maxRep := 0, 0
	for _, run := range selected {
		maxWarm = max(maxWarm, run.Config.Warmup)
		maxRep = max(maxRep, run.Config.Repeat)
	}
	for k := 0; k < maxWarm && ctx.Err() == nil; k++ {
		for _, s := range states {
			if k < s.Run.Config.Warmup && s.Err == nil && ctx.Err() == nil {
				r.trial(ctx, s, k, s.Run.Config.Warmup, true)
			}
		}
	}
	done := map[string]bool{} // runs with repeat: auto whose gates are settled
	for k := 0; k < maxRep && ctx.Err() == nil && !allDone(states, k, done); k++ {
		for _, s := range states {
			if wantsTrial(s, k, done) && s.Err == nil && ctx.Err() == nil {
				r.trial(ctx, s, k, s.Run.Config.Repeat, false)
			}
		}
		r.settleAuto(states, done)
	}

	var failed []string
	for _, s := range states {
		if len(s.Trials) == 0 && s.Err == nil {
			continue // never started: interrupted before it
		}
		if s.Err != nil && ctx.Err() == nil {
			failed = append(failed, s.Run.Name)
		}
		m.Runs = append(m.Runs, *s)
	}
	m.Interrupted = ctx.Err() != nil
	m.FinishedAt = r.opts.Now().UTC()
	return m, failed
}

// trial carries out trial k of n of s's run and adds what it measured to s.
func (r *Runner) trial(ctx context.Context, s *analysis.RunTrials, k, n int, warm bool) {
	profile := r.spec.Profiles[s.Run.Config.Profile]
	run := s.Run
	if warm {
		// keep_db keeps the counted trials' databases, each reported; a
		// warm-up's is not worth a file nobody is told about.
		run.Config.KeepDB = false
	}
	var started func(*trial)
	if r.opts.OnTrial != nil {
		started = func(t *trial) {
			r.opts.OnTrial(TrialStart{Run: s.Run.Name, Trial: k + 1, Trials: n, Warmup: warm, Files: t.cfg.Files,
				Progress: func() (int, int64) { return int(t.done.Load()), t.transitions.Load() }})
		}
	}
	var out trialOutcome
	if r.opts.ProfileDir != "" && !warm {
		out = r.profiledTrial(ctx, run, k, n, profile, started)
	} else {
		out = runTrial(ctx, run, profile, r.spec.Workloads[s.Run.Config.Workload], r.opts.TimeScale, r.opts.TempDir, r.opts.WorkerCommand, started)
	}
	if out.dbPath != "" {
		s.DBPath = out.dbPath
		s.DBPaths = append(s.DBPaths, out.dbPath)
	}
	s.Pragmas = out.pragmas
	if out.err != nil && ctx.Err() == nil || out.err != nil && !warm {
		s.Err = out.err
		s.Errors = out.errors
	}
	if out.err == nil && !warm && len(s.Errors) == 0 {
		s.Errors = out.errors // reasons that did not fail the run: items a busy database stopped
	}
	// A trial an interruption cut short still counts, marked: its figures
	// are over the files that finished, and its integrity was checked, so
	// the results say what the database holds.
	if !warm && out.m.Segments.TotalWall.Count > 0 {
		s.Interrupted = ctx.Err() != nil && out.m.Segments.TotalWall.Count < s.Run.Config.Files
		s.Trials = append(s.Trials, out.m)
		out.throughput.Trial = len(s.Trials)
		s.Series = append(s.Series, out.throughput)
		s.Samples = append(s.Samples, out.samples)
	}
}
