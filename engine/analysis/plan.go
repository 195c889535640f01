package analysis

import (
	"fmt"
	"math"
	"strings"
	"time"

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
	Points  map[string]CalibrationPoint // by CalibrationKey
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

// Calls are the names of the calls an attempt of workload w makes, in step
// order (upload and import for the built-in files workload, or a nil w).
func Calls(w *scenario.Workload) []string {
	if w == nil {
		w = scenario.FilesWorkload()
	}
	var calls []string
	for _, st := range w.Steps {
		if st.Call != "" {
			calls = append(calls, st.Call)
		}
	}
	return calls
}

// HasLatency says whether the calls of workload w take time under profile p.
func HasLatency(p scenario.Profile, w *scenario.Workload) bool {
	for _, name := range Calls(w) {
		if l, ok := p.Call(name); ok && MeanLatency(l) > 0 {
			return true
		}
	}
	return false
}

// CalibrationKey identifies the runs one calibration trial stands for:
// everything that shapes the database's cost, nothing that does not. The
// workload and the database are part of it: a claim that holds its lock, or
// a server connection per file, costs what the files workload on SQLite
// does not.
func CalibrationKey(c scenario.Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|pool=%d|batch=%d|%s|c=%d|procs=%d", c.Connection, c.PoolSize, c.BatchSize, c.TxLock, c.Concurrency, c.Processes)
	fmt.Fprintf(&b, "|workload=%q|busy=%d/%s|db=%s|%q|%s", c.Workload, c.BusyRetries, c.BusyBackoff, c.Database, c.Postgres, c.Isolation)
	for _, p := range c.Pragmas {
		fmt.Fprintf(&b, "|%s=%s", p.Name, p.Value)
	}
	fmt.Fprintf(&b, "|setup=%q|connect=%q", c.SetupSQL, c.ConnectSQL)
	return b.String()
}

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

// MeanLatency is the mean of a latency distribution, as draw draws it (a
// normal is cut at zero).
func MeanLatency(l scenario.Latency) float64 {
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
		sigma := math.Log(float64(l.P99)/float64(l.Median)) / scenario.Z99
		return float64(l.Median) * math.Exp(sigma*sigma/2)
	default: // constant, exponential
		return float64(l.Mean)
	}
}

// Estimate computes the plan of runs from a calibration. It is arithmetic
// only; see the comment at the top of this file for the model.
// workloads holds the spec's workloads by name (a run of a workload not in
// it, or a nil map, is taken as the built-in files workload).
func Estimate(runs []scenario.Run, profiles map[string]scenario.Profile, workloads map[string]*scenario.Workload, scale float64, cal *Calibration) (*Plan, error) {
	p := &Plan{TimeScale: scale, Cal: cal}
	for _, run := range runs {
		c := run.Config
		prof, ok := profiles[c.Profile]
		if !ok {
			return nil, fmt.Errorf("run %s: unknown profile %q", run.Name, c.Profile)
		}
		key := CalibrationKey(c)
		pt, ok := cal.Points[key]
		if !ok {
			return nil, fmt.Errorf("run %s: not calibrated", run.Name)
		}
		// An attempt makes its workload's calls in step order (files: the
		// upload call, then the import call), each only when no earlier
		// one failed; it fails when any call does, and a failed item is
		// tried again up to `retries` times.
		e := prof.ErrorRate
		callsPerAttempt, apiAttempt, reach := 0.0, 0.0, 1.0
		latency := false
		for _, name := range Calls(workloads[c.Workload]) {
			l, _ := prof.Call(name)
			mean := MeanLatency(l) * scale
			callsPerAttempt += reach
			if mean > 0 {
				latency = true
				apiAttempt += reach * (mean + float64(pt.Overshoot))
			}
			reach *= 1 - e
		}
		pFail := 1 - reach
		attempts := 0.0
		for k := 0; k <= c.Retries; k++ {
			attempts += math.Pow(pFail, float64(k))
		}
		dbFile := pt.PerFile
		if latency {
			if !pt.Sleepy {
				return nil, fmt.Errorf("run %s: not calibrated with latency", run.Name)
			}
			dbFile = pt.NetPerFile
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
