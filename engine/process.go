package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/scenario"
)

// A run with processes: N spreads its workers over N operating-system
// processes sharing the database file, as deployments with several uploader
// processes do. The parent seeds the database, starts N worker processes
// (Options.WorkerCommand, which calls Worker), and gathers what they stream
// back into one trial: the segments, the integrity check and every figure
// cover all processes.
//
// Files are split statically, file i to process i mod N, and each process
// takes its share of the concurrency. A claim through the database would add
// a write per file to the very lock being measured, and a claim through the
// parent a round trip per file; a static split adds neither, and with the
// files interleaved every process gets the same mix of seeded latencies and
// failures. It is also how several uploader processes are commonly deployed:
// each owns a shard of the work.
//
// The protocol is JSON lines. On stdin the parent sends the job, then
// "start" once every process is ready; closing stdin cancels the worker. On
// stdout the worker sends "ready" (database open, connections made), one
// "file" record per file as it ends, "worked" when its workers are done (the
// parent's clock stops at the last one), and "end" with its batch statistics
// after closing its connections.

// processGrace is how long worker processes get to stop after they are
// cancelled (their files end with the cancellation and are streamed back)
// before they are killed.
const processGrace = 10 * time.Second

// stderrTail is how much of a worker's stderr is kept for the error report.
const stderrTail = 4 << 10

// A workerJob is what a worker process is told to do.
type workerJob struct {
	Path       string             `json:"path"`
	Config     scenario.Config    `json:"config"` // Concurrency is this process's share
	Profile    scenario.Profile   `json:"profile"`
	Workload   *scenario.Workload `json:"workload"`
	Scale      float64            `json:"scale"`
	Part       int                `json:"part"`        // this process works files i with i % Parts == Part
	Parts      int                `json:"parts"`       // processes in the run
	WorkerBase int                `json:"worker_base"` // the number of this process's first worker
}

// A workerMsg is one line a worker process sends back.
type workerMsg struct {
	Kind string `json:"k"` // ready, file, worked, end

	// file: one file's figures, as trial.file left them; File -1 is a worker
	// that could not start.
	File      int     `json:"i"`
	LockWait  float64 `json:"lock,omitempty"`
	DBTotal   float64 `json:"db,omitempty"`
	Dispatch  float64 `json:"disp,omitempty"`
	API       float64 `json:"api,omitempty"`
	Hold      float64 `json:"hold,omitempty"`
	Total     float64 `json:"total,omitempty"`
	Committed int32   `json:"n,omitempty"`
	Final     string  `json:"final,omitempty"`
	Err       string  `json:"err,omitempty"`
	Conflict  bool    `json:"conflict,omitempty"`
	Writes    int32   `json:"w,omitempty"`       // write transactions tried
	Busy      int32   `json:"busy,omitempty"`    // busy errors
	Retried   int32   `json:"retried,omitempty"` // tries after them
	Stopped   bool    `json:"stopped,omitempty"` // on a conflict or a busy database

	// end
	Batches  *analysis.BatchStats `json:"batches,omitempty"`
	CloseErr string               `json:"close_err,omitempty"`
	Panic    string               `json:"panic,omitempty"`
}

// share is process k's part of n of total: the remainder goes to the first.
func share(total, k, n int) int {
	s := total / n
	if k < total%n {
		s++
	}
	return s
}

// checkRuns reports what is wrong with the runs' configurations taken
// together, before anything runs.
func checkRuns(spec *scenario.Spec) error {
	var errs scenario.Errors
	for _, r := range spec.Runs {
		if c := r.Config; c.Processes > c.Concurrency {
			errs = append(errs, &scenario.Error{File: spec.File, Pos: r.Pos, Msg: fmt.Sprintf(
				"run %q: processes (%d) is more than concurrency (%d): every process needs at least one worker", r.Name, c.Processes, c.Concurrency)})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// A proc is one worker process as the parent sees it.
type proc struct {
	k      int
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr tailBuffer

	ready, worked, done chan struct{} // closed by the reader
	workedAt            time.Time     // set by the reader before worked is closed
	end                 *workerMsg    // set by the reader before done is closed
	readErr             error         // a protocol error, set before done is closed
	waitErr             error         // the process's exit, after done
}

// workProcesses carries out the trial over cfg.Processes worker processes
// started with cmd. werr is the workers' errors closing their connections,
// perr a process that could not be started, failed or broke the protocol.
func (t *trial) workProcesses(ctx context.Context, db fsm.Store, cmd []string) (elapsed time.Duration, walEnd int64, batches *analysis.BatchStats, werr, perr error) {
	n := t.cfg.Processes
	walNow := func() int64 { n, _ := db.WALSize(); return n }
	if len(cmd) == 0 {
		return 0, walNow(), nil, nil, errors.New("processes: no worker command to start worker processes with")
	}
	procs := make([]*proc, 0, n)
	stopAll := func() {
		for _, p := range procs {
			p.stdin.Close()
		}
	}
	base := 0
	for k := range n {
		cfg := t.cfg
		cfg.Concurrency = share(t.cfg.Concurrency, k, n)
		job, err := json.Marshal(workerJob{Path: db.Path(), Config: cfg, Profile: t.profile, Workload: t.wl.Source, Scale: t.scale, Part: k, Parts: n, WorkerBase: base})
		base += cfg.Concurrency
		if err == nil {
			var p *proc
			p, err = t.startProc(k, cmd, job)
			if p != nil {
				procs = append(procs, p)
			}
		}
		if err != nil {
			stopAll()
			for _, p := range procs {
				<-p.done
				p.cmd.Wait()
			}
			return 0, walNow(), nil, nil, fmt.Errorf("process %d of %d: %w", k+1, n, err)
		}
	}

	// Cancelling the trial (an interruption, the timeout) closes the
	// processes' stdin, which cancels them: their files end with the
	// cancellation and are streamed back. Past processGrace they are killed.
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			stopAll()
			select {
			case <-time.After(processGrace):
				for _, p := range procs {
					p.cmd.Process.Kill()
				}
			case <-stopped:
			}
		case <-stopped:
		}
	}()
	waitAll := func() {
		for _, p := range procs {
			<-p.done
			p.waitErr = p.cmd.Wait()
		}
		close(stopped)
	}
	// failure is the first process failure, first's if it failed.
	failure := func(first *proc) error {
		if first != nil {
			if err := first.failure(n); err != nil {
				return err
			}
		}
		for _, p := range procs {
			if err := p.failure(n); err != nil {
				return err
			}
		}
		return nil
	}

	// Every process opens its connections before the clock starts, as one
	// process makes its writer before it does.
	for _, p := range procs {
		select {
		case <-p.ready:
			continue
		case <-p.done:
			if closed(p.ready) {
				continue // ready, then gone: reported below
			}
		case <-ctx.Done():
			p = nil
		}
		stopAll()
		waitAll()
		return 0, walNow(), nil, nil, failure(p)
	}
	start := time.Now()
	if t.workersStarted != nil {
		t.workersStarted(start)
	}
	for _, p := range procs {
		io.WriteString(p.stdin, "start\n") // a process that died is reported below
	}
	last := start
	for _, p := range procs {
		select {
		case <-p.worked:
		case <-p.done:
		}
		at := time.Now()
		if closed(p.worked) {
			at = p.workedAt
		}
		if at.After(last) {
			last = at
		}
	}
	elapsed = last.Sub(start)
	// The parent holds connections of its own, so no worker's closing
	// checkpoints and removes the WAL before it is measured.
	walEnd = walNow()
	waitAll()

	var closeErrs []error
	for _, p := range procs {
		if p.end == nil {
			continue
		}
		if p.end.CloseErr != "" {
			closeErrs = append(closeErrs, fmt.Errorf("process %d: %s", p.k+1, p.end.CloseErr))
		}
		if p.end.Panic != "" {
			t.unhandled.CompareAndSwap(nil, fmt.Sprintf("process %d: %s", p.k+1, p.end.Panic))
		}
		batches = batches.Merge(p.end.Batches)
	}
	return elapsed, walEnd, batches, errors.Join(closeErrs...), failure(nil)
}

// failure is what went wrong with the process, if anything: it exited with
// an error, broke the protocol or ended without its "end" record.
func (p *proc) failure(n int) error {
	msg := ""
	switch {
	case p.readErr != nil:
		msg = p.readErr.Error()
	case p.waitErr != nil:
		msg = p.waitErr.Error()
	case p.end == nil:
		msg = "ended without reporting its end"
	default:
		return nil
	}
	if s := strings.TrimSpace(p.stderr.String()); s != "" {
		msg += ": " + s
	}
	return fmt.Errorf("process %d of %d: %s", p.k+1, n, msg)
}

// startProc starts worker process k and sends it its job; a goroutine reads
// what it sends back into t.
func (t *trial) startProc(k int, cmd []string, job []byte) (*proc, error) {
	p := &proc{k: k, cmd: exec.Command(cmd[0], cmd[1:]...),
		ready: make(chan struct{}), worked: make(chan struct{}), done: make(chan struct{})}
	p.cmd.Stderr = &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd[0], err)
	}
	go t.read(p, out)
	// A write error is a process that died at once; its exit and stderr
	// say why.
	p.stdin.Write(append(job, '\n'))
	return p, nil
}

// read takes in what worker process p sends until it closes its stdout.
func (t *trial) read(p *proc, out io.Reader) {
	defer close(p.done)
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for p.readErr == nil && sc.Scan() {
		var m workerMsg
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			p.readErr = fmt.Errorf("unreadable record %.80q: %w", sc.Text(), err)
			break
		}
		switch m.Kind {
		case "ready":
			if !closed(p.ready) {
				close(p.ready)
			}
		case "file":
			p.readErr = t.take(p.k, &m)
		case "worked":
			if !closed(p.worked) {
				p.workedAt = time.Now()
				close(p.worked)
			}
		case "end":
			p.end = &m
		default:
			p.readErr = fmt.Errorf("unknown record kind %q", m.Kind)
		}
	}
	if err := sc.Err(); err != nil && p.readErr == nil {
		p.readErr = fmt.Errorf("read: %w", err)
	}
	if p.readErr != nil {
		p.cmd.Process.Kill()
		io.Copy(io.Discard, out)
	}
}

// closed says whether c is closed.
func closed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// take records one file's figures from process k.
func (t *trial) take(k int, m *workerMsg) error {
	if m.File == -1 {
		t.fail(-1, fmt.Errorf("process %d: %s", k+1, m.Err))
		return nil
	}
	i := m.File
	if i < 0 || i >= t.cfg.Files || i%t.cfg.Processes != k {
		return fmt.Errorf("record for file %d, which is not this process's", i)
	}
	st, err := t.wl.Def.ParseState(m.Final)
	if err != nil {
		return fmt.Errorf("file %d: %w", i, err)
	}
	t.lockWait[i], t.dbTotal[i], t.dispatch[i], t.api[i], t.hold[i], t.total[i] = m.LockWait, m.DBTotal, m.Dispatch, m.API, m.Hold, m.Total
	t.committed[i] = m.Committed
	t.final[i] = st
	t.busy[i], t.busyRetried[i], t.writes[i] = m.Busy, m.Retried, m.Writes
	t.transitions.Add(int64(m.Committed))
	if m.Conflict {
		t.conflicts.Add(1)
	}
	switch {
	case m.Stopped:
		t.stopped[i] = true
		t.mu.Lock()
		if len(t.errTexts) < maxErrorTexts {
			t.errTexts = append(t.errTexts, fmt.Sprint(t.wl.Keys.Key(i))+": "+m.Err)
		}
		t.mu.Unlock()
	case m.Err != "":
		t.fail(i, errors.New(m.Err))
	}
	t.done.Add(1)
	return nil
}

// Worker is the body of one worker process of a run with processes > 1: it
// reads its job from in, works its share of the files on the shared
// database and streams the figures to out. Closing in cancels it. Its error
// is for the process's stderr, which the parent reports.
func Worker(ctx context.Context, in io.Reader, out io.Writer) error {
	br := bufio.NewReader(in)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("read job: %w", err)
	}
	var job workerJob
	if err := json.Unmarshal(line, &job); err != nil {
		return fmt.Errorf("read job: %w", err)
	}
	if job.Parts < 1 || job.Part < 0 || job.Part >= job.Parts || job.Config.Concurrency < 1 {
		return fmt.Errorf("bad job: part %d of %d with concurrency %d", job.Part, job.Parts, job.Config.Concurrency)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var mu sync.Mutex
	var werr error
	send := func(m workerMsg) {
		b, err := json.Marshal(m)
		mu.Lock()
		defer mu.Unlock()
		if err == nil && werr == nil {
			_, err = out.Write(append(b, '\n'))
		}
		if err != nil && werr == nil {
			werr = fmt.Errorf("send: %w", err)
			cancel() // the parent is gone: stop
		}
	}

	if job.Workload == nil {
		return errors.New("bad job: no workload")
	}
	cw, err := job.Workload.Compile(job.Config.Database)
	if err != nil {
		return err
	}
	db, err := attachStore(ctx, job.Path, job.Config, cw.Workload)
	if err != nil {
		return err
	}
	defer db.Close()
	t := newTrial(job.Config, job.Profile, cw, job.Scale)
	t.part, t.parts, t.workerBase = job.Part, job.Parts, job.WorkerBase
	w, err := newWriter(ctx, job.Config.Connection, db, job.Config.PoolSize, job.Config.BatchSize)
	if err != nil {
		return fmt.Errorf("%s: %w", job.Config.Connection, err)
	}
	send(workerMsg{Kind: "ready"})
	if line, err = br.ReadBytes('\n'); err != nil || string(bytes.TrimSpace(line)) != "start" {
		w.close()
		return errors.New("cancelled before the start")
	}
	go func() {
		io.Copy(io.Discard, br) // until the parent closes stdin: cancelled, or gone
		cancel()
	}()
	t.onFile = func(i int, err error) {
		m := workerMsg{Kind: "file", File: i}
		if err != nil {
			m.Err = err.Error()
			m.Conflict = errors.Is(err, fsm.ErrConflict)
		}
		if i >= 0 {
			m.LockWait, m.DBTotal, m.Dispatch, m.API, m.Hold, m.Total = t.lockWait[i], t.dbTotal[i], t.dispatch[i], t.api[i], t.hold[i], t.total[i]
			m.Committed, m.Final = t.committed[i], cw.Def.StateName(t.final[i])
			m.Busy, m.Retried, m.Stopped, m.Writes = t.busy[i], t.busyRetried[i], t.stopped[i], t.writes[i]
		}
		send(m)
	}
	t.work(ctx, w)
	send(workerMsg{Kind: "worked"})
	end := workerMsg{Kind: "end"}
	if err := w.close(); err != nil {
		end.CloseErr = err.Error()
	}
	end.Batches = w.batches()
	if v := t.unhandled.Load(); v != nil {
		end.Panic = fmt.Sprint(v)
	}
	send(end)
	return werr
}

// A tailBuffer keeps the last stderrTail bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > stderrTail {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-stderrTail:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
