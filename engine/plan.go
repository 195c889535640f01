package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/scenario"
)

// calibrationSleep is each call's latency in the second calibration trial.
const calibrationSleep = 5 * time.Millisecond

// calibrationFiles is how many files a calibration trial of concurrency c
// runs: enough for every worker to take several, few enough to stay short.
func calibrationFiles(files, c int) int {
	return min(files, max(20, 5*c))
}

// calibrationRounds is how many trials each calibration figure is the
// median of.
const calibrationRounds = 3

// Calibrate measures, for each distinct database setup and concurrency among
// runs, the figures an analysis.CalibrationPoint holds (the model is in
// engine/analysis/plan.go).
// workerCmd is Options.WorkerCommand, for runs with processes > 1.
func Calibrate(ctx context.Context, runs []scenario.Run, profiles map[string]scenario.Profile, workloads map[string]*scenario.Workload, tmpDir string, workerCmd []string) (*analysis.Calibration, error) {
	start := time.Now()
	cal := &analysis.Calibration{Points: map[string]analysis.CalibrationPoint{}}
	// constant is a profile whose every call takes d: upload, import and
	// whatever a workload of the runs calls.
	constant := func(d time.Duration) scenario.Profile {
		l := scenario.Latency{Dist: "constant", Mean: d}
		p := scenario.Profile{Name: "calibration", Upload: l, Import: l, Calls: map[string]scenario.Latency{}}
		for _, run := range runs {
			for _, name := range analysis.Calls(workloads[run.Config.Workload]) {
				p.Calls[name] = l
			}
		}
		return p
	}
	trial := func(run scenario.Run, prof scenario.Profile) (analysis.Measurement, time.Duration, error) {
		cr := run
		cr.Config.Files = calibrationFiles(run.Config.Files, run.Config.Concurrency)
		cr.Config.Retries, cr.Config.Timeout, cr.Config.KeepDB = 0, 0, false
		t0 := time.Now()
		out := runTrial(ctx, cr, prof, workloads[run.Config.Workload], 1, tmpDir, workerCmd, nil)
		cal.Trials++
		if out.err != nil {
			return analysis.Measurement{}, 0, fmt.Errorf("calibrate %s: %w", run.Name, out.err)
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
		key := analysis.CalibrationKey(run.Config)
		if byKey[key] == nil {
			byKey[key] = &samples{}
			keys = append(keys, key)
		}
		if analysis.HasLatency(profiles[run.Config.Profile], workloads[run.Config.Workload]) {
			byKey[key].sleepy = true
		}
	}
	first := map[string]scenario.Run{}
	for _, run := range runs {
		if _, ok := first[analysis.CalibrationKey(run.Config)]; !ok {
			first[analysis.CalibrationKey(run.Config)] = run
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
				// Every call of an item sleeps, none fails: the
				// overshoot is the excess over that many sleeps. An
				// item a busy database stopped made fewer calls, so
				// the figure can come out below zero, which no sleep
				// does: the median is taken as at least 0 below.
				n := float64(len(analysis.Calls(workloads[run.Config.Workload])))
				sm.net = append(sm.net, m.FSMNet.Mean)
				sm.over = append(sm.over, (m.MockAPI.Mean-n*ms(calibrationSleep))/n)
			}
		}
	}
	dur := func(msv float64) time.Duration { return time.Duration(msv * float64(time.Millisecond)) }
	for _, key := range keys {
		sm := byKey[key]
		pt := analysis.CalibrationPoint{Files: sm.files, PerFile: dur(analysis.Median(sm.perFile)), FilesPerSecond: analysis.Median(sm.fps), Setup: dur(analysis.Median(sm.setup)), Sleepy: sm.sleepy}
		if sm.sleepy {
			pt.NetPerFile, pt.Overshoot = dur(analysis.Median(sm.net)), dur(max(0, analysis.Median(sm.over)))
		}
		cal.Points[key] = pt
	}
	cal.Elapsed = time.Since(start)
	return cal, nil
}
