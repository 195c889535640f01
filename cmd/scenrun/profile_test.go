package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestProfileFlagWritesProfiles checks that -profile reaches the engine:
// the run's three profiles are in DIR, named after the scenario and run.
func TestProfileFlagWritesProfiles(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(spec, []byte("version: 1\nname: flag\ndefaults: {files: 20, concurrency: 2}\nruns:\n  - name: r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	prof := filepath.Join(dir, "prof")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-profile", prof, "-out", filepath.Join(dir, "out"), "-no-progress", spec}, &stdout, &stderr, environ{})
	if code != exitOK {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitOK, stderr.String())
	}
	for _, kind := range []string{"cpu", "block", "mutex"} {
		fi, err := os.Stat(filepath.Join(prof, "flag-r."+kind+".pprof"))
		if err != nil {
			t.Errorf("%s profile: %v", kind, err)
			continue
		}
		if fi.Size() == 0 {
			t.Errorf("%s profile is empty", kind)
		}
	}
}
