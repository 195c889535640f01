package engine

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary be its own worker process: started with
// one of the arguments below, it is a worker (or a broken one) instead of a
// test run.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "__worker":
			if err := Worker(context.Background(), os.Stdin, os.Stdout); err != nil {
				fmt.Fprintf(os.Stderr, "worker: %v\n", err)
				os.Exit(3)
			}
			os.Exit(0)
		case "__worker_crash":
			// A worker that dies after streaming five files, as a process
			// killed mid-run would.
			out := &crashAfter{w: os.Stdout, files: 5}
			Worker(context.Background(), os.Stdin, out)
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

// crashAfter passes records through until it has passed files "file"
// records, then exits the process with a message on stderr.
type crashAfter struct {
	w     io.Writer
	files int
}

func (c *crashAfter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(`"k":"file"`)) {
		if c.files == 0 {
			fmt.Fprintln(os.Stderr, "simulated crash: the uploader ran out of memory")
			os.Exit(2)
		}
		c.files--
	}
	return c.w.Write(p)
}

func workerCmd(arg string) []string { return []string{os.Args[0], arg} }

// TestProcessesLoseNothing spreads 50 workers over two and three processes
// in each connection mode: every file indexed, every state change committed
// exactly once, all figures gathered.
func TestProcessesLoseNothing(t *testing.T) {
	cases := []struct {
		mode      string
		processes int
	}{
		{"per_file", 2}, {"per_worker", 3}, {"shared", 2}, {"pool", 3}, {"single_writer", 2}, {"single_writer", 3},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%d", c.mode, c.processes), func(t *testing.T) {
			spec := parse(t, fmt.Sprintf(`
version: 1
name: procs
defaults: {files: 300, concurrency: 50, pool_size: 3, batch_size: 16, txlock: immediate}
runs:
  - name: r
    connection: %s
    processes: %d
`, c.mode, c.processes))
			res, err := runSpec(t, spec, Options{WorkerCommand: workerCmd("__worker")})
			if err != nil {
				t.Fatalf("run: %v (%v)", err, res.Runs[0].Errors)
			}
			r := res.Runs[0]
			if r.Processes != c.processes {
				t.Errorf("got processes %d in the config, want %d", r.Processes, c.processes)
			}
			if r.Indexed != 300 || r.Failed != 0 || r.FileErrors != 0 || r.Transitions != 900 {
				t.Errorf("got indexed %d failed %d errors %d transitions %d, want 300 0 0 900", r.Indexed, r.Failed, r.FileErrors, r.Transitions)
			}
			if r.Integrity != "ok" || r.OCCConflicts != 0 || r.States["indexed"] != 300 {
				t.Errorf("got integrity %q, conflicts %d, states %v; want ok, 0, 300 indexed", r.Integrity, r.OCCConflicts, r.States)
			}
			for _, seg := range []string{"lock_wait_ms", "db_total_ms", "total_wall_ms", "fsm_net_ms"} {
				if s, _ := r.Segments.Get(seg); s.Count != 300 || s.Max <= 0 {
					t.Errorf("%s: got count %d max %g, want 300 files with figures", seg, s.Count, s.Max)
				}
			}
			if r.ElapsedSeconds <= 0 {
				t.Errorf("got elapsed %g, want > 0", r.ElapsedSeconds)
			}
			// The throughput series starts when every process is ready and
			// holds every transition the processes committed.
			var sum int64
			for _, s := range r.Throughput {
				for _, n := range s.Transitions {
					sum += n
				}
			}
			if len(r.Throughput) != 1 || sum != r.Transitions {
				t.Errorf("got %d series holding %d transitions, want 1 holding %d", len(r.Throughput), sum, r.Transitions)
			}
			if c.mode == "single_writer" {
				// Each process has its own writer: at least one transaction each.
				if b := r.Batches; b == nil || b.Count < c.processes || b.Max > 16 || b.Mean < 1 {
					t.Errorf("got batches %+v, want at least %d transactions of 1 to 16 changes", r.Batches, c.processes)
				}
			} else if r.Batches != nil {
				t.Errorf("got batches %+v for %s, want none", r.Batches, c.mode)
			}
		})
	}
}

// TestProcessesKeepSeededDraws: the draws are seeded per file, so spreading
// the files over processes fails the same files as one process does.
func TestProcessesKeepSeededDraws(t *testing.T) {
	src := `
version: 1
name: flaky
profiles:
  flaky: {latency: 0s, error_rate: 0.2}
defaults: {files: 200, concurrency: 6, profile: flaky, retries: 1}
runs:
  - name: one
  - name: three
    processes: 3
`
	res, err := runSpec(t, parse(t, src), Options{WorkerCommand: workerCmd("__worker")})
	if err != nil {
		t.Fatal(err)
	}
	one, three := res.Runs[0], res.Runs[1]
	if one.Failed == 0 || one.Failed == 200 {
		t.Fatalf("one process: got %d failed, want some but not all", one.Failed)
	}
	if three.Failed != one.Failed || three.Indexed != one.Indexed || three.Transitions != one.Transitions {
		t.Errorf("three processes: got failed %d indexed %d transitions %d, want %d %d %d as in one process",
			three.Failed, three.Indexed, three.Transitions, one.Failed, one.Indexed, one.Transitions)
	}
	if three.Integrity != "ok" {
		t.Errorf("got integrity %q, want ok", three.Integrity)
	}
}

func TestProcessCrashFailsTheRun(t *testing.T) {
	spec := parse(t, `
version: 1
name: crash
defaults: {files: 200, concurrency: 10, processes: 2}
runs: [{name: r}]
`)
	res, err := runSpec(t, spec, Options{WorkerCommand: workerCmd("__worker_crash")})
	if !errors.Is(err, ErrRunFailed) {
		t.Fatalf("got %v, want ErrRunFailed", err)
	}
	got := res.Runs[0].Error
	for _, want := range []string{"process ", " of 2: exit status 2", "simulated crash: the uploader ran out of memory"} {
		if !strings.Contains(got, want) {
			t.Errorf("got error %q, want it to contain %q", got, want)
		}
	}
}

func TestProcessesNeedAWorkerCommand(t *testing.T) {
	spec := parse(t, `
version: 1
name: nocmd
defaults: {files: 20, concurrency: 4, processes: 2}
runs: [{name: r}]
`)
	res, err := runSpec(t, spec, Options{})
	if !errors.Is(err, ErrRunFailed) || !strings.Contains(res.Runs[0].Error, "no worker command") {
		t.Errorf("got %v, %q; want the run failed for want of a worker command", err, res.Runs[0].Error)
	}
	spec = parse(t, `
version: 1
name: missing
defaults: {files: 20, concurrency: 4, processes: 2}
runs: [{name: r}]
`)
	res, err = runSpec(t, spec, Options{WorkerCommand: []string{"/nonexistent/scenrun", "__worker"}})
	if !errors.Is(err, ErrRunFailed) || !strings.Contains(res.Runs[0].Error, "process 1 of 2: start /nonexistent/scenrun") {
		t.Errorf("got %v, %q; want the run failed naming the command", err, res.Runs[0].Error)
	}
}

func TestMoreProcessesThanWorkersIsASpecError(t *testing.T) {
	spec := parse(t, `version: 1
name: a
defaults: {files: 20, concurrency: 2}
runs:
  - name: r
    processes: 3
`)
	err := Validate(spec, nil)
	want := `test.yaml:5:11: run "r": processes (3) is more than concurrency (2): every process needs at least one worker`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if _, err := NewRunner(spec, Options{}); err == nil || err.Error() != want {
		t.Errorf("NewRunner: got %v, want %s", err, want)
	}
}

// TestProcessesStopOnTimeoutAndCancel: a timeout or an interruption stops
// the worker processes, which stream back their files' cancellation
// (rather than being killed after the grace period).
func TestProcessesStopOnTimeoutAndCancel(t *testing.T) {
	// Calls of 30 s: once the 4 workers have each begun a file, the 4
	// files are mid-call until the stop. The timeout counts from the
	// trial's start, the worker processes' start and the seeding included,
	// so it must leave them far more than they need even on a loaded
	// machine with the race detector (about 0.3 s idle; 3 s, the old
	// timeout, was within reach of a machine ten times slower), and stay
	// far below the calls' 30 s. The cancel is not timed at all: it comes
	// once the database shows the 4 files begun.
	src := `
version: 1
name: slow
profiles:
  slow: {latency: 30s}
defaults: {files: 40, concurrency: 4, processes: 2, profile: slow}
runs:
  - name: r
`
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		spec := parse(t, src, "timeout=10s")
		res, err := runSpec(t, spec, Options{WorkerCommand: workerCmd("__worker")})
		if !errors.Is(err, ErrRunFailed) {
			t.Fatalf("got %v, want ErrRunFailed", err)
		}
		r := res.Runs[0]
		if !strings.Contains(r.Error, "timeout: the trial took longer than 10s") {
			t.Errorf("got error %q, want the timeout", r.Error)
		}
		if r.FileErrors != 4 || r.Integrity != "ok" || r.States["uploading"] != 4 {
			t.Errorf("got %d file errors, integrity %q, states %v; want the 4 files in flight cancelled and reported, integrity ok", r.FileErrors, r.Integrity, r.States)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		t.Parallel()
		tmp := t.TempDir()
		r, err := NewRunner(parse(t, src), Options{TempDir: tmp, WorkerCommand: workerCmd("__worker")})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			defer cancel() // after a minute without the 4 files begun, the check below says so
			for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if uploading(t, tmp, "r") == 4 {
					return
				}
			}
		}()
		res, err := r.Run(ctx)
		if !errors.Is(err, context.Canceled) || !res.Interrupted {
			t.Fatalf("got %v, interrupted %v; want cancelled", err, res.Interrupted)
		}
		// An interrupted trial's figures are not kept, but its errors are:
		// each file in flight, streamed back by its process.
		if got := res.Runs[0].Errors; len(got) != 4 || !strings.Contains(got[0], "context canceled") {
			t.Errorf("got errors %q, want the 4 files in flight cancelled", got)
		}
	})
}

// uploading counts the files of run's trial database under tmp in state
// uploading (begun, mid-call); 0 while there is no database or no table.
func uploading(t *testing.T, tmp, run string) int {
	paths, _ := filepath.Glob(filepath.Join(tmp, "scenrun-"+run+"-*", "scenrun.db"))
	if len(paths) != 1 {
		return 0
	}
	db, err := sql.Open("sqlite3", "file:"+paths[0]+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Error(err)
		return 0
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM files WHERE state = 'uploading'").Scan(&n); err != nil {
		return 0 // not seeded yet
	}
	return n
}
