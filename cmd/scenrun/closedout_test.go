package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/engine/analysis"
)

// pipedSpec's second run lasts about 4 s at -time-scale 0.25: long enough
// for the plain progress display (a line every 2 s) to write mid-trial.
const pipedSpec = `version: 1
name: piped
defaults: {files: 40, concurrency: 10}
runs:
  - name: quick
  - name: slow
    profile: realistic
`

// TestClosedOutputKeepsResults runs the real binary as in `scenrun spec.yaml
// | head -1`: its output goes to a pipe whose reader reads one line and
// closes it. The run goes on to the end (reference.md: a closed output is
// not a reason to stop), the results are written, the temporary databases
// removed, and the exit code is the run's own.
func TestClosedOutputKeepsResults(t *testing.T) {
	bin := buildScenrun(t)
	for _, tc := range []struct {
		name       string
		withStderr bool // stderr to the same pipe: 2>&1 | head -1, progress lines mid-run
		specs      int
	}{
		{name: "stdout", specs: 2},
		{name: "stdout and stderr", withStderr: true, specs: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp, out := t.TempDir(), t.TempDir()
			args := []string{"-time-scale", "0.25", "-out", out}
			if !tc.withStderr {
				args = append(args, "-no-progress")
			}
			for i := range tc.specs {
				args = append(args, writeSpecIn(t, t.TempDir(), "spec"+string(rune('a'+i))+".yaml", pipedSpec))
			}
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = w, &stderr
			if tc.withStderr {
				cmd.Stderr = w
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			line, err := bufio.NewReader(r).ReadString('\n')
			r.Close()
			if err != nil {
				t.Errorf("read the first line: %v", err)
			}
			t.Logf("read %q, then closed the pipe", line)
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != exitOK {
				t.Errorf("got exit %d (%v), want %d; stderr %s", code, cmd.ProcessState, exitOK, stderr.String())
			}
			files := resultFiles(t, out)
			if len(files) != tc.specs {
				t.Fatalf("got results files %v, want %d", files, tc.specs)
			}
			for _, f := range files {
				res, err := analysis.ReadJSON(f)
				if err != nil {
					t.Fatalf("read results: %v", err)
				}
				if res.Interrupted || len(res.Runs) != 2 {
					t.Errorf("%s: got interrupted %v and %d runs, want the whole scenario", f, res.Interrupted, len(res.Runs))
				}
				for _, run := range res.Runs {
					if run.Error != "" || run.Indexed != run.Files {
						t.Errorf("%s: run %s: got %d of %d indexed (error %q), want all", f, run.Name, run.Indexed, run.Files, run.Error)
					}
				}
			}
			if left := leftIn(tmp); len(left) != 0 {
				t.Errorf("got %v left in TMPDIR, want the temporary databases removed", left)
			}
		})
	}
}

// TestResultsLineOnlyAfterSave loses the race for the -json file: the file
// appears while the run is going on, so the save refuses to overwrite it.
// The error is reported, exit 3, and no "Results:" line names the file as
// if it held these results.
func TestResultsLineOnlyAfterSave(t *testing.T) {
	tmp := t.TempDir()
	jsonPath := filepath.Join(t.TempDir(), "results.json")
	spec := writeSpec(t, pipedSpec)
	var stdout, stderr bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run(context.Background(), []string{"-time-scale", "0.25", "-tmpdir", tmp, "-no-progress", "-json", jsonPath, spec}, &stdout, &stderr, environ{})
	}()
	if !waitForDatabase(tmp, "slow") {
		t.Fatalf("the slow run never started; exit %d", <-done)
	}
	if err := os.WriteFile(jsonPath, []byte("someone else's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code := <-done
	if code != exitRunFailed {
		t.Errorf("got exit %d, want %d; stderr %s", code, exitRunFailed, stderr.String())
	}
	if !strings.Contains(stderr.String(), "exists") {
		t.Errorf("got stderr %q, want the save's error", stderr.String())
	}
	if strings.Contains(stdout.String(), "Results: ") {
		t.Errorf("got stdout naming a results file that was not written:\n%s", stdout.String())
	}
}
