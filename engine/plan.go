package engine

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/scenrun/scenrun/scenario"
)

// How `scenrun plan` estimates a run's duration.
//
// The API part is arithmetic: each call's distribution mean × the time
// scale, plus the timer overshoot measured on this machine (a sleep wakes up
// late, by tens of microseconds on an idle machine and by milliseconds on a
// busy one), times the expected calls per file (error_rate and retries
// included).
//
// The database part cannot be derived from the spec: it depends on the
// connection mode, the concurrency, the pragmas and the machine, and it moves
// by a factor of ten between them (a per-file connection at c=1 checkpoints
// the WAL as each file's connection closes; at c=50 the busy handler's sleeps
// dominate). So plan calibrates it: one short trial per distinct database
// setup and concurrency with the zero profile (20 to 5×c files, each
// figure the median of three such trials), measuring the per-file wall
// time, the files per second and the
// trial's setup time (create, seed, integrity check); and, when a run of that
// setup has API latency, a second short trial whose calls sleep 5 ms each,
// measuring the per-file time outside the calls (fsm_net_ms) and how late
// the sleeps wake. The second matters on a busy machine: a goroutine that
// slept waits for a CPU again, and its database work after the sleep costs
// several times what it costs in a zero-latency trial. A trial is then
//
//	setup + max(⌈files/c⌉ × (api_per_file + db_per_file), files / files_per_second)
//
// — waves of c files that each spend their API time and their database
// time, bounded below by the database's throughput with no API latency.
// The estimate holds while the machine's load stays what it was during the
// calibration; plan says so.

// A Calibration is what the calibration trials measured.
type Calibration struct {
	Points  map[string]CalibrationPoint // by calibrationKey
	Elapsed time.Duration               // the calibration's own duration
	Trials  int                         // calibration trials run
}

// A CalibrationPoint is one calibration trial: a database setup at one
// concurrency with no API latency.
type CalibrationPoint struct {
	Files          int
	PerFile        time.Duration // mean total_wall_ms of a file, no API latency
	FilesPerSecond float64       // with no API latency
	Setup          time.Duration // the trial's wall time outside its workers
	// From the trial whose calls sleep (only when a run has API latency):
	// the mean fsm_net_ms of a file, and how late each call woke up.
	NetPerFile, Overshoot time.Duration
	Sleepy                bool
}

// calibrationSleep is each call's latency in the second calibration trial.
const calibrationSleep = 5 * time.Millisecond

// hasLatency says whether a profile's calls take time.
func hasLatency(p scenario.Profile) bool {
	return meanLatency(p.Upload) > 0 || meanLatency(p.Import) > 0
}

// calibrationKey identifies the runs one calibration trial stands for:
// everything that shapes the database's cost, nothing that does not.
func calibrationKey(c scenario.Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|pool=%d|batch=%d|%s|c=%d|procs=%d", c.Connection, c.PoolSize, c.BatchSize, c.TxLock, c.Concurrency, c.Processes)
	for _, p := range c.Pragmas {
		fmt.Fprintf(&b, "|%s=%s", p.Name, p.Value)
	}
	fmt.Fprintf(&b, "|setup=%q|connect=%q", c.SetupSQL, c.ConnectSQL)
	return b.String()
}

// calibrationFiles is how many files a calibration trial of concurrency c
// runs: enough for every worker to take several, few enough to stay short.
func calibrationFiles(files, c int) int {
	return min(files, max(20, 5*c))
}

// Calibrate measures, for each distinct database setup and concurrency among
// runs, the figures a CalibrationPoint holds (see the top of this file).
// workerCmd is Options.WorkerCommand, for runs with processes > 1.
func Calibrate(ctx context.Context, runs []scenario.Run, profiles map[string]scenario.Profile, tmpDir string, workerCmd []string) (*Calibration, error) {
	start := time.Now()
	cal := &Calibration{Points: map[string]CalibrationPoint{}}
	constant := func(d time.Duration) scenario.Profile {
		l := scenario.Latency{Dist: "constant", Mean: d}
		return scenario.Profile{Name: "calibration", Upload: l, Import: l}
	}
	trial := func(run scenario.Run, prof scenario.Profile) (Measurement, time.Duration, error) {
		cr := run
		cr.Config.Files = calibrationFiles(run.Config.Files, run.Config.Concurrency)
		cr.Config.Retries, cr.Config.Timeout, cr.Config.KeepDB = 0, 0, false
		t0 := time.Now()
		out := runTrial(ctx, cr, prof, 1, tmpDir, workerCmd, nil)
		cal.Trials++
		if out.err != nil {
			return Measurement{}, 0, fmt.Errorf("calibrate %s: %w", run.Name, out.err)
		}
		return out.m, time.Since(t0), nil
	}
	// Each figure is the median of calibrationRounds trials, the rounds
	// interleaved over the setups: a burst of load on a shared machine
	// then moves one trial, not the estimate.
	type samples struct {
		perFile, fps, setup, net, over []float64
		sleepy                         bool
		files                          int
	}
	keys := []string{}
	byKey := map[string]*samples{}
	for _, run := range runs {
		key := calibrationKey(run.Config)
		if byKey[key] == nil {
			byKey[key] = &samples{}
			keys = append(keys, key)
		}
		if hasLatency(profiles[run.Config.Profile]) {
			byKey[key].sleepy = true
		}
	}
	first := map[string]scenario.Run{}
	for _, run := range runs {
		if _, ok := first[calibrationKey(run.Config)]; !ok {
			first[calibrationKey(run.Config)] = run
		}
	}
	for range calibrationRounds {
		for _, key := range keys {
			run, sm := first[key], byKey[key]
			m, wall, err := trial(run, constant(0))
			if err != nil {
				return nil, err
			}
			sm.files = m.TotalWall.Count
			sm.perFile = append(sm.perFile, m.TotalWall.Mean)
			sm.fps = append(sm.fps, m.FilesPerSecond)
			sm.setup = append(sm.setup, ms(wall)-m.ElapsedSeconds*1000)
			if sm.sleepy {
				m, _, err := trial(run, constant(calibrationSleep))
				if err != nil {
					return nil, err
				}
				sm.net = append(sm.net, m.FSMNet.Mean)
				sm.over = append(sm.over, (m.MockAPI.Mean-2*ms(calibrationSleep))/2)
			}
		}
	}
	dur := func(msv float64) time.Duration { return time.Duration(msv * float64(time.Millisecond)) }
	for _, key := range keys {
		sm := byKey[key]
		pt := CalibrationPoint{Files: sm.files, PerFile: dur(median(sm.perFile)), FilesPerSecond: median(sm.fps), Setup: dur(median(sm.setup)), Sleepy: sm.sleepy}
		if sm.sleepy {
			pt.NetPerFile, pt.Overshoot = dur(median(sm.net)), dur(median(sm.over))
		}
		cal.Points[key] = pt
	}
	cal.Elapsed = time.Since(start)
	return cal, nil
}

// calibrationRounds is how many trials each calibration figure is the
// median of.
const calibrationRounds = 3

// A PlanRun is one run's estimate.
type PlanRun struct {
	Name          string
	Config        scenario.Config
	CallsPerFile  float64       // expected API calls per file
	APIPerFile    time.Duration // expected simulated API time per file, scaled, overshoot included
	DBPerFile     time.Duration // calibrated
	Trial, Total  time.Duration // one trial; all trials, warm-ups included
	Bound         string        // "latency" or "database": which term of the max decided
	Calibrated    CalibrationPoint
	CalibratedKey string
}

// A Plan is a spec's runs, in order, with their estimated durations.
type Plan struct {
	Runs      []PlanRun
	Total     time.Duration
	TimeScale float64
	Cal       *Calibration
}

// LongPlan is the total past which plan suggests -quick.
const LongPlan = 10 * time.Minute

// meanLatency is the mean of a latency distribution, as draw draws it (a
// normal is cut at zero).
func meanLatency(l scenario.Latency) float64 {
	switch l.Dist {
	case "uniform":
		return float64(l.Min+l.Max) / 2
	case "normal":
		mu, sd := float64(l.Mean), float64(l.Stddev)
		if sd == 0 {
			return math.Max(0, mu)
		}
		z := mu / sd
		// E[max(0, X)] for X ~ N(μ, σ²).
		return mu*0.5*math.Erfc(-z/math.Sqrt2) + sd*math.Exp(-z*z/2)/math.Sqrt(2*math.Pi)
	case "lognormal":
		sigma := math.Log(float64(l.P99)/float64(l.Median)) / z99
		return float64(l.Median) * math.Exp(sigma*sigma/2)
	default: // constant, exponential
		return float64(l.Mean)
	}
}

// Estimate computes the plan of runs from a calibration. It is arithmetic
// only; see the comment at the top of this file for the model.
func Estimate(runs []scenario.Run, profiles map[string]scenario.Profile, scale float64, cal *Calibration) (*Plan, error) {
	p := &Plan{TimeScale: scale, Cal: cal}
	for _, run := range runs {
		c := run.Config
		prof, ok := profiles[c.Profile]
		if !ok {
			return nil, fmt.Errorf("run %s: unknown profile %q", run.Name, c.Profile)
		}
		key := calibrationKey(c)
		pt, ok := cal.Points[key]
		if !ok {
			return nil, fmt.Errorf("run %s: not calibrated", run.Name)
		}
		// An attempt makes the upload call, and the import call unless the
		// upload failed; it fails when either call does, and a failed file
		// is tried again up to `retries` times.
		e := prof.ErrorRate
		callsPerAttempt := 1 + (1 - e)
		pFail := 1 - (1-e)*(1-e)
		attempts := 0.0
		for k := 0; k <= c.Retries; k++ {
			attempts += math.Pow(pFail, float64(k))
		}
		up := meanLatency(prof.Upload) * scale
		imp := meanLatency(prof.Import) * scale
		dbFile := pt.PerFile
		if up > 0 || imp > 0 {
			if !pt.Sleepy {
				return nil, fmt.Errorf("run %s: not calibrated with latency", run.Name)
			}
			dbFile = pt.NetPerFile
		}
		apiAttempt := up + (1-e)*imp
		if up > 0 {
			apiAttempt += float64(pt.Overshoot)
		}
		if imp > 0 {
			apiAttempt += (1 - e) * float64(pt.Overshoot)
		}
		pr := PlanRun{Name: run.Name, Config: c, CallsPerFile: attempts * callsPerAttempt,
			APIPerFile: time.Duration(attempts * apiAttempt), DBPerFile: time.Duration(attempts * float64(dbFile)),
			Calibrated: pt, CalibratedKey: key}
		waves := math.Ceil(float64(c.Files) / float64(c.Concurrency))
		byLatency := waves * float64(pr.APIPerFile+pr.DBPerFile)
		byDB := 0.0
		if pt.FilesPerSecond > 0 {
			byDB = attempts * float64(c.Files) / pt.FilesPerSecond * float64(time.Second)
		}
		pr.Bound = "latency"
		if byDB > byLatency {
			pr.Bound = "database"
		}
		pr.Trial = pt.Setup + time.Duration(math.Max(byLatency, byDB))
		pr.Total = time.Duration(c.Repeat+c.Warmup) * pr.Trial
		p.Total += pr.Total
		p.Runs = append(p.Runs, pr)
	}
	return p, nil
}

// RenderPlan writes the plan as a table, the total, how it was estimated
// and, past LongPlan, a hint to use -quick.
func RenderPlan(w io.Writer, spec string, p *Plan) error {
	t := newReportTable()
	t.AppendHeader(table.Row{"run", "files", "conc", "procs", "profile", "connection", "trials", "API/file", "DB/file", "bound", "est. trial", "est. run"})
	configs := []table.ColumnConfig{}
	for _, n := range []int{2, 3, 4, 8, 9, 11, 12} {
		configs = append(configs, table.ColumnConfig{Number: n, Align: text.AlignRight})
	}
	t.SetColumnConfigs(configs)
	for _, r := range p.Runs {
		trials := fmt.Sprint(r.Config.Repeat)
		if r.Config.Warmup > 0 {
			trials += fmt.Sprintf("+%d warm-up", r.Config.Warmup)
		}
		t.AppendRow(table.Row{r.Name, r.Config.Files, r.Config.Concurrency, r.Config.Processes, r.Config.Profile, r.Config.Connection,
			trials, fmtDur(r.APIPerFile), fmtDur(r.DBPerFile), r.Bound, fmtDur(r.Trial), fmtDur(r.Total)})
	}
	t.AppendFooter(table.Row{"total", "", "", "", "", "", "", "", "", "", "", fmtDur(p.Total)})
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", renderBox(t, fmt.Sprintf("Plan — %s (time scale %g)", spec, p.TimeScale), defaultReportWidth))
	runs := "runs"
	if len(p.Runs) == 1 {
		runs = "run"
	}
	fmt.Fprintf(&b, "Estimated total: %s for %d %s.\n", fmtDur(p.Total), len(p.Runs), runs)
	fmt.Fprintf(&b, "DB/file and the calls' late wake-ups are measured: %d calibration trials took %s.\n", p.Cal.Trials, fmtDur(p.Cal.Elapsed))
	fmt.Fprintf(&b, "A trial is estimated as setup + max(⌈files/conc⌉ × (API/file + DB/file), files ÷ calibrated files/s); it holds while the machine stays as busy as it was just now.\n")
	if p.Total > LongPlan {
		fmt.Fprintf(&b, "hint: this takes more than %s; -quick scales every API latency by 1/40 (2 s → 50 ms).\n", fmtDur(LongPlan))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fmtDur rounds d for people: 850ms, 4.2s, 3m05s, 1h02m.
func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
