package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/fsm/sqlite"
	"github.com/scenrun/scenrun/scenario"
)

// maxErrorTexts is how many file errors a trial keeps word for word; the
// rest are counted.
const maxErrorTexts = 10

// trialOutcome is one trial of a run: its measurement and what went wrong.
type trialOutcome struct {
	m       analysis.Measurement
	pragmas []fsm.Pragma
	errors  []string // first file errors, with SQLite's text
	err     error    // the trial as a whole failed (setup, timeout, integrity, file errors)
	dbPath  string   // kept database, with keep_db

	throughput analysis.Throughput     // transitions per interval while the workers ran
	samples    analysis.LatencySamples // per-file samples for the run's LatencyCDF
}

// trial is the state of one trial while it runs. Per-file arrays are
// indexed by file number and written only by the worker that owns the file.
type trial struct {
	cfg     scenario.Config
	profile scenario.Profile
	scale   float64

	// part and parts select this process's files with processes > 1: file i
	// is worked here when i % parts == part (parts is 1 in one process).
	part, parts int
	// onFile, when set, is told of every file as it ends and of every worker
	// that could not start (i = -1): a worker process streams them back.
	onFile func(i int, err error)
	// workersStarted is told when the workers start, to start the throughput series.
	workersStarted func(time.Time)

	lockWait, dbTotal, dispatch, api, total []float64
	committed                               []int32      // state changes committed per file
	final                                   []fsm.State  // state each file ended in, per the machine
	fileErr                                 []bool       // the file stopped on an error
	transitions, conflicts                  atomic.Int64 // over all files
	done                                    atomic.Int64 // files finished

	mu        sync.Mutex
	closeErrs []error // sessions that failed to close (per_worker's connections)
	errTexts  []string
	errCount  int
	firstErr  error
	unhandled atomic.Value // a recovered worker panic
}

// runTrial carries out one trial of run: a fresh database in its own
// temporary directory, seeded, worked through, measured and checked.
func runTrial(ctx context.Context, run scenario.Run, profile scenario.Profile, scale float64, tmpRoot string, workerCmd []string, started func(*trial)) (out trialOutcome) {
	cfg := run.Config
	if cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, cfg.Timeout, fmt.Errorf("timeout: the trial took longer than %s", cfg.Timeout))
		defer cancel()
	}
	dir, err := os.MkdirTemp(tmpRoot, "scenrun-"+run.Name+"-")
	if err != nil {
		out.err = fmt.Errorf("create database directory: %w", err)
		return out
	}
	path := filepath.Join(dir, "scenrun.db")
	defer func() {
		if cfg.KeepDB {
			out.dbPath = path
			return
		}
		if err := os.RemoveAll(dir); err != nil {
			out.errors = append(out.errors, "remove the temporary database: "+err.Error())
		}
	}()

	db, err := sqlite.Open(ctx, dbOptions(path, cfg))
	if err != nil {
		out.err = err
		return out
	}
	defer db.Close()
	out.pragmas = db.Effective()
	if err := db.Init(ctx, cfg.SetupSQL, cfg.Files); err != nil {
		out.err = err
		return out
	}

	t := newTrial(cfg, profile, scale)
	if started != nil {
		started(t)
	}
	walStart := db.WALSize()
	var (
		elapsed    time.Duration
		walEnd     int64
		werr, perr error
		batches    *analysis.BatchStats
	)
	// The throughput series starts with the workers (after connections are
	// made, and with processes > 1 once every process is ready).
	stopSampling := func() analysis.Throughput { return analysis.Throughput{} }
	t.workersStarted = func(start time.Time) {
		stopSampling = sampleThroughput(&t.transitions, start, throughputEvery)
	}
	if cfg.Processes > 1 {
		elapsed, walEnd, batches, werr, perr = t.workProcesses(ctx, db, workerCmd)
	} else {
		w, err := newWriter(ctx, cfg.Connection, db, cfg.PoolSize, cfg.BatchSize)
		if err != nil {
			out.err = fmt.Errorf("%s: %w", cfg.Connection, err)
			return out
		}
		start := time.Now()
		t.workersStarted(start)
		t.work(ctx, w)
		elapsed = time.Since(start)
		// The WAL is measured before the writer closes its connections:
		// closing the last one checkpoints and removes it.
		walEnd = db.WALSize()
		werr = errors.Join(errors.Join(t.closeErrs...), w.close())
		batches = w.batches()
	}
	out.throughput = stopSampling()
	out.m = t.measure(elapsed)
	out.m.Batches = batches
	out.m.WALSizeStartBytes = walStart
	out.m.WALSizeEndBytes = walEnd
	out.errors = t.errTexts
	out.samples = t.samples()
	if p := t.unhandled.Load(); p != nil {
		out.errors = append(out.errors, "panic: "+p.(string))
	}

	// The integrity check runs even after an interruption or a timeout, on a
	// context of its own: what was committed must still be sound.
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	out.m.Integrity, out.m.States, err = t.check(ictx, db)
	out.err = t.verdict(ctx, err, werr, out.m.Integrity)
	if perr != nil && err == nil && ctx.Err() == nil {
		// A worker process that failed is why the trial failed, rather than
		// its consequences (its files unreported, their integrity).
		out.err = perr
	}
	return out
}

// verdict is why the trial failed, or nil: the integrity check could not
// run, the trial was cut short, a worker panicked, files ended on errors,
// the writer failed to close, or the integrity check found a problem.
func (t *trial) verdict(ctx context.Context, checkErr, closeErr error, integrity string) error {
	switch {
	case checkErr != nil:
		return checkErr
	case context.Cause(ctx) != nil && ctx.Err() != nil:
		return context.Cause(ctx)
	case t.unhandled.Load() != nil:
		first, _, _ := strings.Cut(t.unhandled.Load().(string), "\n")
		return fmt.Errorf("worker panic: %s (stack in the errors)", first)
	case t.errCount > 0:
		return fmt.Errorf("%d of %d files ended on an error; first: %v", t.errCount, t.cfg.Files, t.firstErr)
	case closeErr != nil:
		return fmt.Errorf("close %s: %w", t.cfg.Connection, closeErr)
	case integrity != "ok":
		return fmt.Errorf("integrity: %s", integrity)
	}
	return nil
}

func newTrial(cfg scenario.Config, profile scenario.Profile, scale float64) *trial {
	n := cfg.Files
	return &trial{
		cfg: cfg, profile: profile, scale: scale,
		lockWait: make([]float64, n), dbTotal: make([]float64, n), dispatch: make([]float64, n),
		api: make([]float64, n), total: make([]float64, n),
		committed: make([]int32, n), final: make([]fsm.State, n), fileErr: make([]bool, n),
		parts: 1,
	}
}

// work runs the files through cfg.Concurrency workers.
func (t *trial) work(ctx context.Context, w writer) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range t.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					t.unhandled.CompareAndSwap(nil, fmt.Sprintf("%v\n%s", r, debug.Stack()))
				}
			}()
			s, err := w.session(ctx)
			if err != nil {
				t.fail(-1, err)
				t.ended(-1, err)
				return
			}
			defer func() {
				if err := s.close(); err != nil {
					t.mu.Lock()
					t.closeErrs = append(t.closeErrs, err)
					t.mu.Unlock()
				}
			}()
			for ctx.Err() == nil {
				i := t.part + t.parts*int(next.Add(1)-1)
				if i >= t.cfg.Files {
					return
				}
				err := t.guardedFile(ctx, s, i)
				if err != nil {
					t.fail(i, err)
				}
				t.done.Add(1)
				t.ended(i, err)
			}
		}()
	}
	wg.Wait()
}

// guardedFile carries file i through its lifecycle and turns a panic into
// the file's error, keeping the first stack: one bad file must not take its
// worker's remaining files with it, and the run still fails.
func (t *trial) guardedFile(ctx context.Context, s session, i int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			t.unhandled.CompareAndSwap(nil, fmt.Sprintf("%v\n%s", r, debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return t.file(ctx, s, i)
}

func (t *trial) ended(i int, err error) {
	if t.onFile != nil {
		t.onFile(i, err)
	}
}

func (t *trial) fail(i int, err error) {
	if i >= 0 {
		t.fileErr[i] = true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errCount++
	if t.firstErr == nil {
		t.firstErr = err
	}
	if len(t.errTexts) < maxErrorTexts {
		name := "worker"
		if i >= 0 {
			name = fsm.Path(i)
		}
		t.errTexts = append(t.errTexts, name+": "+err.Error())
	}
}

// errAPI is a simulated API call that failed.
var errAPI = errors.New("simulated API error")

// file carries file i through its lifecycle: start_upload, the upload call,
// complete_upload, the import call, complete_processing; a failed call takes
// fail_upload or fail_processing, and with retries left, retry.
func (t *trial) file(ctx context.Context, s session, i int) (err error) {
	start := time.Now()
	path := fsm.Path(i)
	m := fsm.NewMachine(fsm.Untracked) // every file is seeded untracked at version 0
	var version int64
	var lock, db, disp, api time.Duration
	defer func() {
		wall := time.Since(start)
		t.lockWait[i] = ms(lock)
		t.dbTotal[i] = ms(db)
		t.dispatch[i] = ms(disp)
		t.api[i] = ms(api)
		t.total[i] = ms(wall)
		t.final[i] = m.State()
	}()

	step := func(tr fsm.Transition, arg any) error {
		d0 := time.Now()
		from, to, err := m.Fire(tr)
		w0 := time.Now() // the end of dispatch is the start of the write
		disp += w0.Sub(d0)
		if err != nil {
			return err
		}
		ok := false
		defer func() {
			if !ok {
				m = fsm.NewMachine(from) // nothing was committed: an error, or a panic
			}
		}()
		updated, committed, err := s.apply(ctx, fsm.Change{Path: path, Transition: tr, From: from, To: to, Version: version, Arg: arg})
		lock += updated.Sub(w0)
		db += committed.Sub(w0)
		if err != nil {
			if errors.Is(err, fsm.ErrConflict) {
				t.conflicts.Add(1)
			}
			return err
		}
		ok = true
		version++
		t.committed[i]++
		t.transitions.Add(1)
		return nil
	}
	call := func(rng interface{ Float64() float64 }, d time.Duration) (time.Duration, bool, error) {
		failed := t.profile.ErrorRate > 0 && rng.Float64() < t.profile.ErrorRate
		c0 := time.Now()
		if d > 0 {
			tm := time.NewTimer(d)
			select {
			case <-tm.C:
			case <-ctx.Done():
				tm.Stop()
				return time.Since(c0), failed, context.Cause(ctx)
			}
		}
		return time.Since(c0), failed, nil
	}

	if err := s.startFile(ctx); err != nil {
		return err
	}
	defer func() {
		if cerr := s.endFile(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	for attempt := 0; ; attempt++ {
		rng := fileRand(t.cfg.Seed, i, attempt)
		upD, impD := draw(t.profile.Upload, rng, t.scale), draw(t.profile.Import, rng, t.scale)
		if err := step(fsm.StartUpload, time.Now().UnixMilli()); err != nil {
			return err
		}
		d, failed, err := call(rng, upD)
		api += d
		if err != nil {
			return err
		}
		if failed {
			if err := step(fsm.FailUpload, "upload: "+errAPI.Error()); err != nil {
				return err
			}
		} else {
			if err := step(fsm.CompleteUpload, "up-"+strconv.Itoa(i)+"-"+strconv.Itoa(attempt)); err != nil {
				return err
			}
			d, failed, err = call(rng, impD)
			api += d
			if err != nil {
				return err
			}
			if failed {
				if err := step(fsm.FailProcessing, "import: "+errAPI.Error()); err != nil {
					return err
				}
			} else {
				return step(fsm.CompleteProcessing, "imp-"+strconv.Itoa(i)+"-"+strconv.Itoa(attempt))
			}
		}
		if attempt >= t.cfg.Retries {
			return nil // failed for good: an outcome, not an error
		}
		if err := step(fsm.Retry, nil); err != nil {
			return err
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// measure summarises the trial. The per-file arrays of files that never
// started (an interruption) are left out of the statistics.
func (t *trial) measure(elapsed time.Duration) analysis.Measurement {
	n := int(t.done.Load())
	var m analysis.Measurement
	var net []float64
	keep := func(xs []float64) []float64 {
		out := make([]float64, 0, n)
		for i, x := range xs {
			if t.started(i) {
				out = append(out, x)
			}
		}
		return out
	}
	for i := range t.total {
		if t.started(i) {
			net = append(net, t.total[i]-t.api[i])
		}
	}
	m.LockWait = analysis.Summarize(keep(t.lockWait))
	m.DBTotal = analysis.Summarize(keep(t.dbTotal))
	m.FSMDispatch = analysis.Summarize(keep(t.dispatch))
	m.MockAPI = analysis.Summarize(keep(t.api))
	m.TotalWall = analysis.Summarize(keep(t.total))
	m.FSMNet = analysis.Summarize(net)
	m.ElapsedSeconds = elapsed.Seconds()
	m.Transitions = t.transitions.Load()
	m.OCCConflicts = t.conflicts.Load()
	if s := elapsed.Seconds(); s > 0 {
		m.TransitionsPerSecond = float64(m.Transitions) / s
		m.FilesPerSecond = float64(n) / s
	}
	for i, st := range t.final {
		switch {
		case t.fileErr[i]:
			m.FileErrors++
		case st == fsm.Indexed:
			m.Indexed++
		case st == fsm.Failed:
			m.Failed++
		}
	}
	m.WALContention, m.Bottleneck = analysis.Verdicts(&m)
	return m
}

// started reports whether file i was taken up by a worker (its wall time is
// set when its lifecycle ends, however it ends).
func (t *trial) started(i int) bool { return t.total[i] > 0 || t.committed[i] > 0 || t.fileErr[i] }

// check is the integrity check: PRAGMA integrity_check, every file's version
// equal to the state changes committed for it, its state the machine's, the
// states summing to the file count, and no file left mid-lifecycle without a
// recorded error.
func (t *trial) check(ctx context.Context, db fsm.Store) (string, map[string]int, error) {
	ic, err := db.IntegrityCheck(ctx)
	if err != nil {
		return "", nil, err
	}
	states := map[string]int{}
	for _, s := range fsm.States() {
		states[s.String()] = 0
	}
	var problems []string
	note := func(format string, args ...any) {
		if len(problems) < 5 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	if ic != "ok" {
		note("integrity_check: %s", ic)
	}
	rows, bad := 0, 0
	err = db.Rows(ctx, func(r fsm.Row) error {
		i, ok := fsm.ParsePath(r.Path)
		if !ok || i >= t.cfg.Files {
			note("unexpected row %q", r.Path)
			bad++
			return nil
		}
		rows++
		states[r.State.String()]++
		want := int64(t.committed[i])
		switch {
		case r.Version != want:
			bad++
			note("%s: version %d, but %d state changes were committed", r.Path, r.Version, want)
		case t.started(i) && r.State != t.final[i]:
			bad++
			note("%s: state %s, but the machine ended at %s", r.Path, r.State, t.final[i])
		case t.started(i) && !t.fileErr[i] && r.State != fsm.Indexed && r.State != fsm.Failed:
			bad++
			note("%s: left %s with no recorded error", r.Path, r.State)
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	if rows != t.cfg.Files {
		note("%d rows for %d files", rows, t.cfg.Files)
	}
	if len(problems) == 0 {
		return "ok", states, nil
	}
	if bad > len(problems) {
		problems = append(problems, fmt.Sprintf("%d files in all", bad))
	}
	return strings.Join(problems, "; "), states, nil
}
