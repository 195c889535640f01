package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"

	"github.com/google/pprof/profile"

	"github.com/scenrun/scenrun/scenario"
)

// ProfileKinds are the pprof profiles -profile writes for each trial, in the
// order of their file names' suffixes.
var ProfileKinds = []string{"cpu", "block", "mutex"}

// ProfileBase is the base of a counted trial's profile files in dir:
// DIR/<scenario>-<run>.<kind>.pprof for a run of one trial, and
// DIR/<scenario>-<run>-<trial>.<kind>.pprof (trial 1-based) when the run
// repeats; trials of different runs interleave, so one profile per trial is
// what can be taken.
func ProfileBase(dir, scenario, run string, trial, trials int) string {
	name := scenario + "-" + run
	if trials > 1 {
		name += "-" + strconv.Itoa(trial)
	}
	return filepath.Join(dir, name)
}

// A trialProfile records the cpu, block and mutex profiles of one trial.
// Block and mutex events are recorded (every one: rate 1) only while a trial
// is profiled; the runtime keeps them cumulatively, so each file holds the
// difference between the trial's end and its start.
type trialProfile struct {
	base                string
	cpu                 *os.File
	block, mutex        *profile.Profile // at the start
	prevMutex           int
	cpuStarted, stopped bool
}

func startProfile(base string) (*trialProfile, error) {
	p := &trialProfile{base: base}
	var err error
	if p.block, err = snapshot("block"); err != nil {
		return nil, err
	}
	if p.mutex, err = snapshot("mutex"); err != nil {
		return nil, err
	}
	if p.cpu, err = os.Create(base + ".cpu.pprof"); err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	if err := pprof.StartCPUProfile(p.cpu); err != nil {
		p.cpu.Close()
		return nil, fmt.Errorf("profile: cpu: %w", err)
	}
	p.cpuStarted = true
	runtime.SetBlockProfileRate(1)
	p.prevMutex = runtime.SetMutexProfileFraction(1)
	return p, nil
}

// stop ends the recording and writes the three files.
func (p *trialProfile) stop() error {
	if p.stopped {
		return nil
	}
	p.stopped = true
	runtime.SetBlockProfileRate(0)
	runtime.SetMutexProfileFraction(p.prevMutex)
	pprof.StopCPUProfile()
	errs := []error{p.cpu.Close()}
	errs = append(errs, writeDelta("block", p.block, p.base+".block.pprof"))
	errs = append(errs, writeDelta("mutex", p.mutex, p.base+".mutex.pprof"))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	return nil
}

// snapshot parses the runtime's current profile of kind.
func snapshot(kind string) (*profile.Profile, error) {
	var buf bytes.Buffer
	if err := pprof.Lookup(kind).WriteTo(&buf, 0); err != nil {
		return nil, fmt.Errorf("profile: %s: %w", kind, err)
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		return nil, fmt.Errorf("profile: %s: %w", kind, err)
	}
	return p, nil
}

// writeDelta writes the events of kind since before to path, as
// net/http/pprof does for ?seconds=.
func writeDelta(kind string, before *profile.Profile, path string) error {
	after, err := snapshot(kind)
	if err != nil {
		return err
	}
	before.Scale(-1)
	delta, err := profile.Merge([]*profile.Profile{before, after})
	if err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	delta.TimeNanos, delta.DurationNanos = after.TimeNanos, after.TimeNanos-before.TimeNanos
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := delta.Write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", kind, err)
	}
	return f.Close()
}

// profiledTrial is runTrial recorded into the trial's profile files. A
// profile that cannot be written fails the trial: the user asked for it.
func (r *Runner) profiledTrial(ctx context.Context, run scenario.Run, k, n int, prof scenario.Profile, started func(*trial)) trialOutcome {
	p, err := startProfile(ProfileBase(r.opts.ProfileDir, r.spec.Name, run.Name, k+1, n))
	if err != nil {
		return trialOutcome{err: err}
	}
	defer p.stop()
	out := runTrial(ctx, run, prof, r.spec.Workloads[run.Config.Workload], r.opts.TimeScale, r.opts.TempDir, r.opts.WorkerCommand, started)
	if err := p.stop(); err != nil && out.err == nil {
		out.err = err
	}
	return out
}
