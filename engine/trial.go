package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/fsm"
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

// trial is the state of one trial while it runs. Per-item arrays are
// indexed by item number and written only by the worker that owns the item.
type trial struct {
	cfg     scenario.Config
	profile scenario.Profile
	wl      *scenario.Compiled
	calls   []scenario.Latency // per step: its call's latency
	hasCall []bool             // per step: it makes a call
	failed  []bool             // by state: a fail state (one a failed call leads to)
	scale   float64

	// part and parts select this process's files with processes > 1: file i
	// is worked here when i % parts == part (parts is 1 in one process).
	part, parts int
	// workerBase is the number of this process's first worker (:worker).
	workerBase int
	// onFile, when set, is told of every file as it ends and of every worker
	// that could not start (i = -1): a worker process streams them back.
	onFile func(i int, err error)
	// workersStarted is told when the workers start, to start the throughput series.
	workersStarted func(time.Time)

	lockWait, dbTotal, dispatch, api, hold, total []float64
	committed                                     []int32      // state changes committed per item
	final                                         []fsm.State  // state each item ended in, per the machine
	fileErr                                       []bool       // the item stopped on an error
	busy, busyRetried                             []int32      // busy errors per item, and the tries after them
	writes                                        []int32      // write transactions tried per item
	stopped                                       []bool       // the item stopped on a conflict, or a busy error past busy_retries
	transitions, conflicts                        atomic.Int64 // over all items
	done                                          atomic.Int64 // items finished

	mu        sync.Mutex
	closeErrs []error // sessions that failed to close (per_worker's connections)
	errTexts  []string
	errCount  int
	firstErr  error
	unhandled atomic.Value // a recovered worker panic
}

// runTrial carries out one trial of run: a fresh database in its own
// temporary directory, seeded, worked through, measured and checked.
func runTrial(ctx context.Context, run scenario.Run, profile scenario.Profile, wl *scenario.Workload, scale float64, tmpRoot string, workerCmd []string, started func(*trial)) (out trialOutcome) {
	cfg := run.Config
	cw, err := wl.Compile(cfg.Database)
	if err != nil {
		out.err = err
		return out
	}
	if cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, cfg.Timeout, fmt.Errorf("timeout: the trial took longer than %s", cfg.Timeout))
		defer cancel()
	}
	ts, err := openStore(ctx, run, cw.Workload, tmpRoot)
	defer func() {
		if ts == nil {
			return
		}
		if ts.Store != nil {
			ts.Close()
		}
		out.dbPath = ts.kept
		if err := ts.remove(); err != nil {
			out.errors = append(out.errors, "remove the temporary database: "+err.Error())
		}
	}()
	if err != nil {
		out.err = err
		return out
	}
	db := ts.Store
	out.pragmas = db.Effective()
	// What a write costs with nothing contending, measured before the
	// schema exists so that its WAL is not the trial's.
	probes, err := db.Probe(ctx, probeWrites, cfg.Connection == "per_file")
	if err != nil {
		out.err = err
		return out
	}
	if err := db.Init(ctx, cfg.SetupSQL, cfg.Files); err != nil {
		out.err = stmtError(err, wl)
		return out
	}

	t := newTrial(cfg, profile, cw, scale)
	if started != nil {
		started(t)
	}
	walStart, wal := db.WALSize()
	stopWAL := sampleWAL(db, walEvery)
	var (
		elapsed    time.Duration
		walEnd     int64
		werr, perr error
		batches    *analysis.BatchStats
		reads      *analysis.Reads
	)
	// The throughput series starts with the workers (after connections are
	// made, and with processes > 1 once every process is ready).
	stopSampling := func() analysis.Throughput { return analysis.Throughput{} }
	stopReaders := func() *analysis.Reads { return nil }
	t.workersStarted = func(start time.Time) {
		stopSampling = sampleThroughput(&t.transitions, start, throughputEvery)
		if wl.Readers != nil {
			stopReaders = startReaders(ctx, db, wl.Readers)
		}
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
		walEnd, _ = db.WALSize()
		werr = errors.Join(errors.Join(t.closeErrs...), w.close())
		batches = w.batches()
	}
	reads = stopReaders()
	walMax := stopWAL()
	var walBytes *int64
	if ts.walBytes != nil {
		n, err := ts.walBytes(context.WithoutCancel(ctx))
		if err != nil {
			t.errTexts = append(t.errTexts, "wal bytes: "+err.Error())
		} else {
			walBytes = &n
		}
	}
	out.throughput = stopSampling()
	out.m = t.measure(elapsed)
	out.m.WALBytes = walBytes
	out.m.UncontendedWriteMS = analysis.Summarize(durationsMS(probes))
	out.m.LockVerdict, out.m.LockWaitRatio = analysis.LockVerdict(&out.m)
	out.m.Batches = batches
	out.m.Reads = reads
	out.m.WALSizeStartBytes = walStart
	out.m.WALSizeEndBytes = walEnd
	if wal {
		walMax = max(walMax, walStart, walEnd)
		out.m.WALSizeMaxBytes = &walMax
	}
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
	case context.Cause(ctx) != nil && ctx.Err() != nil && integrity != "ok":
		// Cut short, and what was committed is not sound: both are said.
		return fmt.Errorf("%w; integrity: %s", context.Cause(ctx), integrity)
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

func newTrial(cfg scenario.Config, profile scenario.Profile, wl *scenario.Compiled, scale float64) *trial {
	n := cfg.Files
	t := &trial{
		cfg: cfg, profile: profile, wl: wl, scale: scale,
		lockWait: make([]float64, n), dbTotal: make([]float64, n), dispatch: make([]float64, n),
		api: make([]float64, n), hold: make([]float64, n), total: make([]float64, n),
		committed: make([]int32, n), final: make([]fsm.State, n), fileErr: make([]bool, n),
		busy: make([]int32, n), busyRetried: make([]int32, n), stopped: make([]bool, n), writes: make([]int32, n),
		failed: make([]bool, len(wl.Def.States)),
		parts:  1,
	}
	for _, st := range wl.Source.Steps {
		l, ok := profile.Call(st.Call)
		t.calls = append(t.calls, l)
		t.hasCall = append(t.hasCall, st.Call != "" && ok)
	}
	for s := range wl.RetryOf {
		t.failed[s] = true
	}
	for i := range t.final {
		t.final[i] = wl.Initial
	}
	return t
}

// work runs the files through cfg.Concurrency workers.
func (t *trial) work(ctx context.Context, w writer) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for k := range t.cfg.Concurrency {
		worker := t.workerBase + k
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
				err := t.guardedFile(ctx, s, i, worker)
				var stop *stopError
				switch {
				case errors.As(err, &stop):
					t.stop(i, stop)
				case err != nil:
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
func (t *trial) guardedFile(ctx context.Context, s session, i, worker int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			t.unhandled.CompareAndSwap(nil, fmt.Sprintf("%v\n%s", r, debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return t.file(ctx, s, i, worker)
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
			name = fmt.Sprint(t.wl.Keys.Key(i))
		}
		t.errTexts = append(t.errTexts, name+": "+err.Error())
	}
}

// A stopError is an item that stopped at its last committed state on an
// outcome of the configuration, not a failure of the run (SPEC §9): an
// optimistic-concurrency conflict (its last statement changed no row), or a
// busy database on a step more often than busy_retries allows. The item
// counts as failed, the reason is kept, and the run goes on.
type stopError struct {
	reason string
	err    error
}

func (e *stopError) Error() string { return "stopped on " + e.reason + ": " + e.err.Error() }
func (e *stopError) Unwrap() error { return e.err }

// stop records an item that a conflict or a busy database stopped.
func (t *trial) stop(i int, err *stopError) {
	t.stopped[i] = true
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.errTexts) < maxErrorTexts {
		t.errTexts = append(t.errTexts, fmt.Sprint(t.wl.Keys.Key(i))+": "+err.Error())
	}
}

// file carries item i through its workload: for each step, the step's
// simulated API call (if any), then the step's transaction; a failed call
// takes the step's fail transition instead and, with retries left, the
// retry back to the initial state, and the walk starts again. For the
// built-in files workload that is start_upload, the upload call,
// complete_upload, the import call, complete_processing.
func (t *trial) file(ctx context.Context, s session, i, worker int) (err error) {
	start := time.Now()
	w := t.wl
	m := fsm.NewMachine(w.Def, w.Initial)
	key := w.Keys.Key(i)
	var version int64
	var lock, db, disp, api, held time.Duration
	defer func() {
		wall := time.Since(start)
		t.lockWait[i] = ms(lock)
		t.dbTotal[i] = ms(db)
		t.dispatch[i] = ms(disp)
		t.api[i] = ms(api)
		t.hold[i] = ms(held)
		t.total[i] = ms(wall)
		t.final[i] = m.State()
	}()

	step := func(tr, attempt int) error {
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
				m = fsm.NewMachine(w.Def, from) // nothing was committed: an error, or a panic
			}
		}()
		wr := fsm.Write{Transition: tr, Item: i, Key: key, From: from, To: to, Version: version, Worker: worker, Attempt: attempt}
		for try := 0; ; try++ {
			t.writes[i]++
			tm, err := s.apply(ctx, &wr)
			lock += tm.Updated.Sub(w0)
			db += tm.Committed.Sub(w0)
			if w.Transitions[tr].Hold > 0 {
				// Only a step with a hold holds: elsewhere Held − Updated
				// would be the clock's noise, not time the step held.
				held += tm.Held.Sub(tm.Updated)
			}
			if err == nil {
				break
			}
			switch {
			case errors.Is(err, fsm.ErrConflict):
				t.conflicts.Add(1)
				return &stopError{"an optimistic-concurrency conflict", err}
			case errors.Is(err, fsm.ErrBusy) && ctx.Err() == nil:
				t.busy[i]++
				if try >= t.cfg.BusyRetries {
					return &stopError{"a busy database", err}
				}
				t.busyRetried[i]++
				if err := pause(ctx, t.cfg.BusyBackoff); err != nil {
					return err
				}
				w0 = time.Now()
				continue
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
		err := pause(ctx, d)
		return time.Since(c0), failed, err
	}

	if err := s.startFile(ctx); err != nil {
		return err
	}
	defer func() {
		if cerr := s.endFile(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	var drawn [8]time.Duration
	durs := drawn[:0]
	if n := len(t.calls); n > len(drawn) {
		durs = make([]time.Duration, 0, n)
	}
	for attempt := 0; ; attempt++ {
		rng := fileRand(t.cfg.Seed, i, attempt)
		// Every call's latency is drawn first, in step order, then each
		// call's failure as it is made: the same seed gives the same draws
		// whatever order the workers take the items in.
		durs = durs[:0]
		for k := range t.calls {
			var d time.Duration
			if t.hasCall[k] {
				d = draw(t.calls[k], rng, t.scale)
			}
			durs = append(durs, d)
		}
		failedCall := false
		for k := range t.calls {
			if t.hasCall[k] {
				d, failed, err := call(rng, durs[k])
				api += d
				if err != nil {
					return err
				}
				if failed && w.FailOf[k] >= 0 {
					if err := step(w.FailOf[k], attempt); err != nil {
						return err
					}
					failedCall = true
					break
				}
			}
			if err := step(k, attempt); err != nil {
				return err
			}
		}
		if !failedCall || attempt >= t.cfg.Retries {
			return nil // done, or failed for good: an outcome, not an error
		}
		if err := step(w.RetryOf[m.State()], attempt); err != nil {
			return err
		}
	}
}

// pause sleeps d, or until ctx is done.
func pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// probeWrites is how many uncontended writes each trial times first.
const probeWrites = 32

// durationsMS is ds in milliseconds.
func durationsMS(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = ms(d)
	}
	return out
}

// measure summarises the trial. The per-item arrays of items that never
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
	m.Hold = analysis.Summarize(keep(t.hold))
	var perWrite []float64
	for i := range t.lockWait {
		if t.started(i) && t.writes[i] > 0 {
			perWrite = append(perWrite, t.lockWait[i]/float64(t.writes[i]))
		}
	}
	m.WriteLockMS = analysis.Summarize(perWrite)
	m.ElapsedSeconds = elapsed.Seconds()
	m.Transitions = t.transitions.Load()
	m.OCCConflicts = t.conflicts.Load()
	if s := elapsed.Seconds(); s > 0 {
		m.TransitionsPerSecond = float64(m.Transitions) / s
		m.FilesPerSecond = float64(n) / s
	}
	for i, st := range t.final {
		m.BusyErrors += int64(t.busy[i])
		m.BusyRetries += int64(t.busyRetried[i])
		switch {
		case t.fileErr[i]:
			m.FileErrors++
		case !t.started(i):
		case t.wl.Done[st]:
			m.Indexed++
		default:
			m.Failed++ // a fail state, or stopped by a conflict or a busy database
		}
	}
	m.WALContention, m.Bottleneck = analysis.Verdicts(&m)
	return m
}

// started reports whether item i was taken up by a worker (its wall time is
// set when its walk ends, however it ends).
func (t *trial) started(i int) bool {
	return t.total[i] > 0 || t.committed[i] > 0 || t.fileErr[i] || t.stopped[i]
}

// check is the integrity check of SPEC §9: the database's own check, every
// item's row present with the state the engine last committed for it and,
// where the workload names a version column, a version equal to the state
// changes committed for it; the rows matching the item count; and no item
// left mid-walk without a recorded reason.
func (t *trial) check(ctx context.Context, db fsm.Store) (string, map[string]int, error) {
	ic, err := db.IntegrityCheck(ctx)
	if err != nil {
		return "", nil, err
	}
	def := t.wl.Def
	states := map[string]int{}
	for _, s := range def.States {
		states[s] = 0
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
	seen := make([]bool, t.cfg.Files)
	err = db.Rows(ctx, func(r fsm.Row) error {
		i := r.Item
		if i < 0 || i >= t.cfg.Files || seen[i] {
			note("unexpected row %q", r.Key)
			bad++
			return nil
		}
		seen[i] = true
		rows++
		states[r.State]++
		want := int64(t.committed[i])
		final := def.StateName(t.final[i])
		switch {
		case t.wl.Version != "" && r.Version != want:
			bad++
			note("%s: version %d, but %d state changes were committed", r.Key, r.Version, want)
		case r.State != final:
			bad++
			note("%s: state %s, but the machine ended at %s", r.Key, r.State, final)
		case t.started(i) && !t.fileErr[i] && !t.stopped[i] && !t.wl.Done[t.final[i]] && !t.failed[t.final[i]]:
			bad++
			note("%s: left %s with no recorded error", r.Key, r.State)
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
