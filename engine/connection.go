package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/fsm"
)

// A writer is how a connection mode persists state changes. Each worker asks
// it for a session; apply is timed by the caller from before the call, so any
// wait the mode adds (a mutex, a pool, a queue) counts in lock_wait and
// db_total, as a user of that mode would feel it.
type writer interface {
	session(ctx context.Context) (session, error)
	close() error
	batches() *analysis.BatchStats
}

// A session is one worker's handle on the writer.
type session interface {
	// startFile and endFile bracket one file's lifecycle: per_file opens and
	// closes its connection there.
	startFile(ctx context.Context) error
	apply(ctx context.Context, w *fsm.Write) (fsm.Timing, error)
	endFile() error
	close() error
}

// perFile opens a new connection for each file.
type perFile struct{ db fsm.Store }

func (w perFile) session(context.Context) (session, error) { return &perFileSession{db: w.db}, nil }
func (perFile) close() error                               { return nil }
func (perFile) batches() *analysis.BatchStats              { return nil }

type perFileSession struct {
	db   fsm.Store
	conn fsm.Conn
}

func (s *perFileSession) startFile(ctx context.Context) (err error) {
	s.conn, err = s.db.Conn(ctx)
	return err
}

func (s *perFileSession) apply(ctx context.Context, w *fsm.Write) (fsm.Timing, error) {
	return s.conn.Apply(ctx, w)
}

func (s *perFileSession) endFile() error {
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

func (s *perFileSession) close() error { return s.endFile() }

// perWorker gives each worker one connection for its lifetime.
type perWorker struct{ db fsm.Store }

func (w perWorker) session(ctx context.Context) (session, error) {
	c, err := w.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return connSession{c}, nil
}
func (perWorker) close() error                  { return nil }
func (perWorker) batches() *analysis.BatchStats { return nil }

// connSession writes through a connection it owns.
type connSession struct{ conn fsm.Conn }

func (connSession) startFile(context.Context) error { return nil }
func (s connSession) apply(ctx context.Context, w *fsm.Write) (fsm.Timing, error) {
	return s.conn.Apply(ctx, w)
}
func (connSession) endFile() error { return nil }
func (s connSession) close() error { return s.conn.Close() }

// shared is one connection for all workers. A SQLite connection holds one
// transaction at a time, so the workers take turns: the mutex is where their
// contention moves to, and its wait is part of lock_wait.
type shared struct {
	mu   sync.Mutex
	conn fsm.Conn
}

func (w *shared) session(context.Context) (session, error) { return sharedSession{w}, nil }
func (w *shared) close() error                             { return w.conn.Close() }
func (*shared) batches() *analysis.BatchStats              { return nil }

type sharedSession struct{ w *shared }

func (sharedSession) startFile(context.Context) error { return nil }
func (s sharedSession) apply(ctx context.Context, w *fsm.Write) (fsm.Timing, error) {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.w.conn.Apply(ctx, w)
}
func (sharedSession) endFile() error { return nil }
func (sharedSession) close() error   { return nil }

// pool keeps size connections open for the whole run (none is churned) and
// lends one to each write. Every connection went through the DB's connect
// hook, so every pragma reaches every connection.
type pool struct {
	conns chan fsm.Conn
	all   []fsm.Conn
}

func newPool(ctx context.Context, db fsm.Store, size int) (*pool, error) {
	p := &pool{conns: make(chan fsm.Conn, size)}
	db.SetMaxIdle(size)
	for range size {
		c, err := db.Conn(ctx)
		if err != nil {
			p.close()
			return nil, err
		}
		p.all = append(p.all, c)
		p.conns <- c
	}
	return p, nil
}

func (p *pool) session(context.Context) (session, error) { return poolSession{p}, nil }
func (p *pool) close() error {
	var errs []error
	for _, c := range p.all {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
func (*pool) batches() *analysis.BatchStats { return nil }

type poolSession struct{ p *pool }

func (poolSession) startFile(context.Context) error { return nil }
func (s poolSession) apply(ctx context.Context, w *fsm.Write) (fsm.Timing, error) {
	var c fsm.Conn
	select {
	case c = <-s.p.conns:
	case <-ctx.Done():
		t := time.Now()
		return fsm.Timing{Updated: t, Held: t, Committed: t}, ctx.Err()
	}
	defer func() { s.p.conns <- c }()
	return c.Apply(ctx, w)
}
func (poolSession) endFile() error { return nil }
func (poolSession) close() error   { return nil }

// singleWriter is one goroutine that owns the only writing connection and
// commits whatever state changes are queued, up to batchSize a transaction
// (group commit). A worker's write is timed from its request to the moment
// its UPDATE, and then the batch's COMMIT, returned.
type singleWriter struct {
	reqs      chan swRequest
	conn      fsm.Conn
	batchSize int
	done      chan struct{}

	// written by the writer goroutine only; read after done is closed
	stats analysis.BatchStats
	sum   int
}

type swRequest struct {
	w     fsm.Write
	reply chan swReply
}

type swReply struct {
	timing fsm.Timing
	err    error
}

func newSingleWriter(ctx context.Context, db fsm.Store, batchSize int) (*singleWriter, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &singleWriter{reqs: make(chan swRequest, batchSize), conn: c, batchSize: batchSize, done: make(chan struct{})}
	go w.loop(ctx)
	return w, nil
}

func (w *singleWriter) loop(ctx context.Context) {
	defer close(w.done)
	batch := make([]swRequest, 0, w.batchSize)
	ws := make([]fsm.Write, 0, w.batchSize)
	timings := make([]fsm.Timing, w.batchSize)
	errs := make([]error, w.batchSize)
	for first := range w.reqs {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < w.batchSize {
			select {
			case r, ok := <-w.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		ws = ws[:0]
		for _, r := range batch {
			ws = append(ws, r.w)
		}
		n := len(batch)
		committed, err := w.conn.ApplyBatch(ctx, ws, timings[:n], errs[:n])
		if err == nil {
			w.stats.Count++
			w.sum += n
			w.stats.Max = max(w.stats.Max, n)
		}
		for i, r := range batch {
			e := err
			if e == nil {
				e = errs[i]
			}
			tm := timings[i]
			if tm.Updated.IsZero() { // the batch failed before this write's statements ran
				tm.Updated, tm.Held = committed, committed
			}
			tm.Committed = committed
			r.reply <- swReply{timing: tm, err: e}
			timings[i], errs[i] = fsm.Timing{}, nil
		}
	}
}

func (w *singleWriter) session(context.Context) (session, error) {
	return &swSession{w: w, reply: make(chan swReply, 1)}, nil
}

func (w *singleWriter) close() error {
	close(w.reqs)
	<-w.done
	return w.conn.Close()
}

func (w *singleWriter) batches() *analysis.BatchStats {
	s := w.stats
	if s.Count > 0 {
		s.Mean = float64(w.sum) / float64(s.Count)
	}
	return &s
}

type swSession struct {
	w     *singleWriter
	reply chan swReply
}

func (*swSession) startFile(context.Context) error { return nil }
func (s *swSession) apply(ctx context.Context, w *fsm.Write) (fsm.Timing, error) {
	select {
	case s.w.reqs <- swRequest{w: *w, reply: s.reply}:
	case <-ctx.Done():
		t := time.Now()
		return fsm.Timing{Updated: t, Held: t, Committed: t}, ctx.Err()
	}
	// The writer always answers a request it took, even when ctx ends, so
	// waiting here cannot hang.
	r := <-s.reply
	return r.timing, r.err
}
func (*swSession) endFile() error { return nil }
func (*swSession) close() error   { return nil }
