package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestInterruptedTrialIsMeasured cuts a trial short mid-way (the context
// cancelled as a signal would) and checks that its figures are there: the
// files that finished are counted (indexed is what the database holds in
// a done state), its integrity is checked, and a failure the same run
// reports without the interrupt is still reported with it.
func TestInterruptedTrialIsMeasured(t *testing.T) {
	for _, tc := range []struct {
		name, setup, wantIntegrity string
	}{
		{name: "sound", wantIntegrity: "ok"},
		{name: "corrupted",
			setup:         `setup_sql: ["CREATE TRIGGER bump AFTER UPDATE OF state ON files WHEN NEW.state = 'indexed' AND NEW.path = 'inbox/file-0000000.pdf' BEGIN UPDATE files SET version = version + 1 WHERE path = NEW.path; END"]`,
			wantIntegrity: "inbox/file-0000000.pdf: version 4, but 3 state changes were committed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := parse(t, `
version: 1
name: cut
profiles:
  slowish: {upload: 5ms, import: 5ms}
defaults: {files: 400, concurrency: 4, profile: slowish}
runs:
  - name: r
    `+tc.setup+`
`)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var once sync.Once
			opts := Options{TempDir: t.TempDir(), OnTrial: func(ts TrialStart) {
				go once.Do(func() {
					// Cut the trial once some files have finished, well
					// before all 400 (about 0.5 s at 4 workers) could.
					for {
						if n, _ := ts.Progress(); n >= 20 {
							cancel()
							return
						}
						time.Sleep(time.Millisecond)
					}
				})
			}}
			r, err := NewRunner(spec, opts)
			if err != nil {
				t.Fatal(err)
			}
			res, err := r.Run(ctx)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
			if !res.Interrupted || len(res.Runs) != 1 {
				t.Fatalf("got interrupted %v, %d runs; want the interrupted run", res.Interrupted, len(res.Runs))
			}
			run := res.Runs[0]
			if run.Indexed <= 0 || run.Indexed >= run.Files || run.Indexed != run.States["indexed"] {
				t.Errorf("got indexed %d, %d rows indexed in the database, of %d files; want the rows the trial finished, > 0", run.Indexed, run.States["indexed"], run.Files)
			}
			if !strings.Contains(run.Integrity, tc.wantIntegrity) {
				t.Errorf("got integrity %q, want %q", run.Integrity, tc.wantIntegrity)
			}
			t.Logf("ZZ error %q errors %q", run.Error, run.Errors)
			if tc.wantIntegrity != "ok" && !strings.Contains(run.Error, tc.wantIntegrity) {
				t.Errorf("got error %q, want the integrity failure in it", run.Error)
			}
			if len(run.Trials) != 1 || !strings.Contains(strings.Join(run.Warnings, "\n"), "interrupted") {
				t.Errorf("got %d trials, warnings %q; want the interrupted trial, marked", len(run.Trials), run.Warnings)
			}
		})
	}
}

// TestCalibrateAtHighConcurrency: `scenrun plan` calibrates with the run's
// own busy handling, so a busy database at 200 per_worker connections (and
// a 1 ms busy_timeout) is measured there as in the run, not a failed plan.
func TestCalibrateAtHighConcurrency(t *testing.T) {
	spec := parse(t, `
version: 1
name: plan
defaults: {files: 400, concurrency: 200, connection: per_worker, pragmas: {busy_timeout: 1}}
runs:
  - name: deferred
  - name: immediate
    txlock: immediate
`)
	cal, err := Calibrate(context.Background(), spec.Runs, spec.Profiles, spec.Workloads, t.TempDir(), nil)
	if err != nil {
		t.Fatalf("got %v, want the calibration to complete", err)
	}
	if len(cal.Points) != 2 {
		t.Errorf("got %d calibration points, want 2", len(cal.Points))
	}
}
