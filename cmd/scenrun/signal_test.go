package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
)

// buildScenrun returns a command that is scenrun itself: a script that
// execs this test binary as scenrun's main (see TestMain), so the process
// that gets the signals is the command's own, built with the same flags as
// the tests (-race included), without a second build.
func buildScenrun(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "scenrun")
	script := "#!/bin/sh\n" + asMainEnv + "=1 exec '" + self + "' \"$@\"\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// waitForDatabase reports whether the named run's temporary database appears
// under tmp within a minute: the run has started.
func waitForDatabase(tmp, run string) bool {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m, _ := filepath.Glob(filepath.Join(tmp, "scenrun-"+run+"-*", "scenrun.db")); len(m) > 0 {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// leftIn lists what is left in dir.
func leftIn(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestSignalStopsAndKeepsResults runs the real binary on a scenario whose
// second run uses the realistic profile (2 s per API call), signals it
// (SIGINT, SIGTERM, or SIGHUP as from a closed terminal) once that run's
// database exists, and checks what a user would: exit 130 within a few
// seconds, the JSON written with interrupted true and the completed first
// run, and no temporary database left behind.
func TestSignalStopsAndKeepsResults(t *testing.T) {
	sigName := map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM", syscall.SIGHUP: "SIGHUP"}
	bin := buildScenrun(t)
	spec := writeSpec(t, `version: 1
name: interrupted
defaults: {files: 40, concurrency: 10}
runs:
  - name: quick
  - name: slow
    profile: realistic
    connection: shared
`)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			tmp, out := t.TempDir(), t.TempDir()
			jsonPath := filepath.Join(out, "results.json")
			cmd := exec.Command(bin, "-json", jsonPath, "-no-progress", spec)
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if !waitForDatabase(tmp, "slow") {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("the slow run never started; stderr %s", stderr.String())
			}
			// Let the workers get into their API calls and SQLite writes.
			time.Sleep(300 * time.Millisecond)
			signalled := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			took := time.Since(signalled)
			var ee *exec.ExitError
			if code := cmd.ProcessState.ExitCode(); code != exitInterrupted || (err != nil && !errors.As(err, &ee)) {
				t.Errorf("got exit %d (%v), want %d; stderr %s", code, err, exitInterrupted, stderr.String())
			}
			// A behaviour bound, not a timing claim: left alone, the
			// realistic run would go on for minutes; stopped, it exits in
			// milliseconds (14 ms measured). 10 s is far from both, so a
			// loaded CI machine cannot flip it.
			t.Logf("%s: %v from the signal to the exit", sig, took)
			if took > 10*time.Second {
				t.Errorf("got %v from the signal to the exit, want it to stop rather than run on", took)
			}
			res, err := analysis.ReadJSON(jsonPath)
			if err != nil {
				t.Fatalf("read results: %v; stderr %s", err, stderr.String())
			}
			if !res.Interrupted {
				t.Errorf("got interrupted false, want true")
			}
			if len(res.Runs) == 0 || res.Runs[0].Name != "quick" || res.Runs[0].Indexed != 40 || res.Runs[0].Error != "" {
				t.Errorf("got runs %+v, want the completed run quick with 40 indexed first", res.Runs)
			}
			for _, r := range res.Runs[1:] {
				if r.Name == "slow" && r.Indexed == r.Files {
					t.Errorf("slow: got %d of %d indexed, want it cut short", r.Indexed, r.Files)
				}
				if want := "interrupted by " + sigName[sig]; r.Name == "slow" && r.Error != want {
					t.Errorf("slow: got error %q, want %q", r.Error, want)
				}
			}
			if left := leftIn(tmp); len(left) != 0 {
				t.Errorf("got %v left in TMPDIR, want the temporary databases removed", left)
			}
			if !bytes.Contains(stdout.Bytes(), []byte("interrupted: these results are partial")) {
				t.Errorf("got stdout\n%s\nwant the partial results noted", stdout.String())
			}
		})
	}
}
