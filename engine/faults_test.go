package engine

import (
	"context"
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

// TestDatabaseLockedPastBusyTimeoutIsMeasured holds an EXCLUSIVE lock on
// one run's database (as a backup or a long migration in another process
// would) for the whole trial: with busy_timeout 1 ms every first write of
// that run fails with SQLite's "database is locked". Busy is a measurement
// (SPEC §9, the files workload too): each item stops at its last committed
// state and counts as failed with the reason kept, busy_errors counts them,
// the run completes, and the next run is carried out.
func TestDatabaseLockedPastBusyTimeoutIsMeasured(t *testing.T) {
	spec := parse(t, `
version: 1
name: locked
defaults: {files: 30, concurrency: 4}
runs:
  - name: locked
    pragmas: {journal_mode: wal, busy_timeout: 1}
  - name: retried
    pragmas: {journal_mode: wal, busy_timeout: 1}
    busy_retries: 2
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
		if ts.Run == "after" {
			return
		}
		paths, _ := filepath.Glob(filepath.Join(tmp, "scenrun-"+ts.Run+"-*", "scenrun.db"))
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
	if err != nil {
		t.Fatalf("got %v, want the runs to complete: busy is a measurement", err)
	}
	locked, retried, after := res.Runs[0], res.Runs[1], res.Runs[2]
	const text = "database is locked"
	if locked.BusyErrors != 30 || locked.BusyRetries != 0 || locked.Failed != 30 || locked.FileErrors != 0 || locked.Error != "" {
		t.Errorf("locked: got busy %d, retries %d, failed %d, file errors %d, error %q; want 30, 0, 30, 0, none",
			locked.BusyErrors, locked.BusyRetries, locked.Failed, locked.FileErrors, locked.Error)
	}
	if len(locked.Errors) != maxErrorTexts || !strings.Contains(locked.Errors[0], text) || !strings.Contains(locked.Errors[0], "busy") {
		t.Errorf("locked: got reasons %q, want the first %d with %q", locked.Errors, maxErrorTexts, text)
	}
	if locked.Integrity != "ok" || locked.States["untracked"] != 30 {
		t.Errorf("locked: got integrity %q, states %v; want ok with every file still untracked", locked.Integrity, locked.States)
	}
	if retried.BusyErrors != 90 || retried.BusyRetries != 60 || retried.Failed != 30 {
		t.Errorf("retried: got busy %d, retries %d, failed %d; want 90 (3 tries × 30), 60, 30", retried.BusyErrors, retried.BusyRetries, retried.Failed)
	}
	if after.Error != "" || after.Indexed != 30 || after.BusyErrors != 0 {
		t.Errorf("after: got error %q, %d indexed, %d busy; want the later run carried out", after.Error, after.Indexed, after.BusyErrors)
	}
}

// panicWriter's sessions commit nothing and panic on one file's upload.
type panicWriter struct{ at int }

func (w panicWriter) session(context.Context) (session, error) { return panicSession(w), nil }
func (panicWriter) close() error                               { return nil }
func (panicWriter) batches() *analysis.BatchStats              { return nil }

type panicSession panicWriter

func (panicSession) startFile(context.Context) error { return nil }
func (s panicSession) apply(_ context.Context, w *fsm.Write) (fsm.Timing, error) {
	if w.Item == s.at && w.Transition == 1 { // complete_upload
		panic("boom")
	}
	now := time.Now()
	return fsm.Timing{Updated: now, Held: now, Committed: now}, nil
}
func (panicSession) endFile() error { return nil }
func (panicSession) close() error   { return nil }

// TestWorkerPanicIsAFileAndRunError checks that a panic while carrying a
// file is recovered: that file ends on the error, its worker carries on with
// the other files, and the trial fails with the panic.
func TestWorkerPanicIsAFileAndRunError(t *testing.T) {
	cfg := scenario.Config{Files: 20, Concurrency: 2, Seed: 1}
	tr := newTrial(cfg, scenario.Profile{}, filesWorkload(t), 1)
	tr.work(context.Background(), panicWriter{at: 3})
	if got := tr.done.Load(); got != 20 {
		t.Errorf("got %d files done, want 20: the panicking worker carries on", got)
	}
	if !tr.fileErr[3] || tr.errCount != 1 || len(tr.errTexts) != 1 || tr.errTexts[0] != "inbox/file-0000003.pdf: panic: boom" {
		t.Errorf("got file error %v, %d errors %q; want file 3's panic only", tr.fileErr[3], tr.errCount, tr.errTexts)
	}
	if tr.committed[3] != 1 || tr.final[3] != 1 { // uploading
		t.Errorf("file 3: got %d committed, state %d; want 1 and uploading (the panic came on its second write)", tr.committed[3], tr.final[3])
	}
	for i := range 20 {
		if i != 3 && (tr.committed[i] != 3 || tr.final[i] != 3) { // indexed
			t.Errorf("file %d: got %d committed, state %d; want 3 and indexed", i, tr.committed[i], tr.final[i])
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
