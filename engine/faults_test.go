package engine

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/fsm/sqlite"
	"github.com/scenrun/scenrun/scenario"
)

// TestDatabaseLockedPastBusyTimeout holds the write lock of one run's
// database from another connection (BEGIN EXCLUSIVE, as another process
// would) for the whole trial: with busy_timeout 1 ms every write of that
// run fails with SQLite's "database is locked", the run fails with that
// text per file, and the next run is still carried out.
func TestDatabaseLockedPastBusyTimeout(t *testing.T) {
	spec := parse(t, `
version: 1
name: locked
defaults: {files: 30, concurrency: 4}
runs:
  - name: locked
    pragmas: {journal_mode: wal, busy_timeout: 1}
  - name: after
`)
	tmp := t.TempDir()
	var mu sync.Mutex
	var holders []*sqlite.DB
	t.Cleanup(func() {
		for _, h := range holders {
			h.Close()
		}
	})
	opts := Options{TempDir: tmp, OnTrial: func(ts TrialStart) {
		if ts.Run != "locked" {
			return
		}
		paths, _ := filepath.Glob(filepath.Join(tmp, "scenrun-locked-*", "scenrun.db"))
		if len(paths) != 1 {
			t.Errorf("got databases %v, want one", paths)
			return
		}
		h, err := sqlite.Open(context.Background(), fsm.Options{Path: paths[0], ConnectSQL: []string{"BEGIN EXCLUSIVE"}})
		if err != nil {
			t.Errorf("hold the lock: %v", err)
			return
		}
		mu.Lock()
		holders = append(holders, h)
		mu.Unlock()
	}}
	r, err := NewRunner(spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(context.Background())
	if !errors.Is(err, ErrRunFailed) || !strings.Contains(err.Error(), "[locked]") {
		t.Fatalf("got %v, want ErrRunFailed for [locked]", err)
	}
	locked, after := res.Runs[0], res.Runs[1]
	const text = "database is locked"
	if locked.FileErrors != 30 || len(locked.Errors) != maxErrorTexts || !strings.Contains(locked.Errors[0], text) {
		t.Errorf("locked: got %d file errors %q, want 30, the first %d with %q", locked.FileErrors, locked.Errors, maxErrorTexts, text)
	}
	if !strings.Contains(locked.Error, "30 of 30 files ended on an error") || !strings.Contains(locked.Error, text) {
		t.Errorf("locked: got run error %q, want the count and %q", locked.Error, text)
	}
	if locked.Integrity != "ok" || locked.States["untracked"] != 30 {
		t.Errorf("locked: got integrity %q, states %v; want ok with every file still untracked", locked.Integrity, locked.States)
	}
	if after.Error != "" || after.Indexed != 30 {
		t.Errorf("after: got error %q, %d indexed; want the later run carried out", after.Error, after.Indexed)
	}
}

// panicWriter's sessions commit nothing and panic on one file's upload.
type panicWriter struct{ at string }

func (w panicWriter) session(context.Context) (session, error) { return panicSession(w), nil }
func (panicWriter) close() error                               { return nil }
func (panicWriter) batches() *analysis.BatchStats              { return nil }

type panicSession panicWriter

func (panicSession) startFile(context.Context) error { return nil }
func (s panicSession) apply(_ context.Context, ch fsm.Change) (time.Time, time.Time, error) {
	if ch.Path == s.at && ch.Transition == fsm.CompleteUpload {
		panic("boom")
	}
	now := time.Now()
	return now, now, nil
}
func (panicSession) endFile() error { return nil }
func (panicSession) close() error   { return nil }

// TestWorkerPanicIsAFileAndRunError checks that a panic while carrying a
// file is recovered: that file ends on the error, its worker carries on with
// the other files, and the trial fails with the panic.
func TestWorkerPanicIsAFileAndRunError(t *testing.T) {
	cfg := scenario.Config{Files: 20, Concurrency: 2, Seed: 1}
	tr := newTrial(cfg, scenario.Profile{}, 1)
	tr.work(context.Background(), panicWriter{at: fsm.Path(3)})
	if got := tr.done.Load(); got != 20 {
		t.Errorf("got %d files done, want 20: the panicking worker carries on", got)
	}
	if !tr.fileErr[3] || tr.errCount != 1 || len(tr.errTexts) != 1 || tr.errTexts[0] != fsm.Path(3)+": panic: boom" {
		t.Errorf("got file error %v, %d errors %q; want file 3's panic only", tr.fileErr[3], tr.errCount, tr.errTexts)
	}
	if tr.committed[3] != 1 || tr.final[3] != fsm.Uploading {
		t.Errorf("file 3: got %d committed, state %s; want 1 and uploading (the panic came on its second write)", tr.committed[3], tr.final[3])
	}
	for i := range 20 {
		if i != 3 && (tr.committed[i] != 3 || tr.final[i] != fsm.Indexed) {
			t.Errorf("file %d: got %d committed, state %s; want 3 and indexed", i, tr.committed[i], tr.final[i])
		}
	}
	err := tr.verdict(context.Background(), nil, nil, "ok")
	if err == nil || err.Error() != "worker panic: boom (stack in the errors)" {
		t.Errorf("got verdict %v, want the worker panic", err)
	}
	if st, _ := tr.unhandled.Load().(string); !strings.Contains(st, "boom") || !strings.Contains(st, "panicSession.apply") {
		t.Errorf("got stack %q, want the panic and where it came from", st)
	}
}
