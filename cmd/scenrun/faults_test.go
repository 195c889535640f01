package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/engine/analysis"
)

// runCmd runs the command with args, its temporary databases in a fresh
// TMPDIR, and returns the exit code, stdout and stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("TMPDIR", t.TempDir())
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr, environ{})
	return code, stdout.String(), stderr.String()
}

// readOnlyResults reads the one results file in dir.
func readOnlyResults(t *testing.T, dir string) *analysis.Results {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) != 1 {
		t.Fatalf("got results files %v (%v), want one", files, err)
	}
	res, err := analysis.ReadJSON(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// underFile is a path that cannot be a directory: it lies under a regular
// file (tests run as root, so permissions would not stop them).
func underFile(t *testing.T) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(f, "dir")
}

const twoRuns = `version: 1
name: faults
defaults: {files: 20, concurrency: 4}
runs:
  - name: first
  - name: second
    connection: shared
`

func TestResultsDirUnwritable(t *testing.T) {
	out := underFile(t)
	code, stdout, stderr := runCmd(t, "-out", out, writeSpec(t, twoRuns))
	if code != exitRunFailed {
		t.Errorf("got exit %d, want %d; stderr %s", code, exitRunFailed, stderr)
	}
	if !strings.Contains(stderr, "not a directory") {
		t.Errorf("got stderr %q, want the file system's reason", stderr)
	}
	for _, want := range []string{"Results — faults", "first", "second", "20/20"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("got stdout\n%s\nwant the tables with %q", stdout, want)
		}
	}
	if strings.Contains(stdout, "Results: ") {
		t.Errorf("got stdout naming a results file that was not written:\n%s", stdout)
	}
}

func TestDatabaseDirUncreatable(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "-out", out, "-tmpdir", underFile(t), writeSpec(t, twoRuns))
	if code != exitRunFailed {
		t.Errorf("got exit %d, want %d; stderr %s", code, exitRunFailed, stderr)
	}
	res := readOnlyResults(t, out)
	if len(res.Runs) != 2 {
		t.Fatalf("got %d runs, want both attempted", len(res.Runs))
	}
	for _, r := range res.Runs {
		if !strings.Contains(r.Error, "create database directory") || !strings.Contains(r.Error, "not a directory") {
			t.Errorf("run %s: got error %q, want the directory and the reason", r.Name, r.Error)
		}
	}
	if !strings.Contains(stdout, "error: first: create database directory") || !strings.Contains(stdout, "error: second:") {
		t.Errorf("got stdout\n%s\nwant each run's error", stdout)
	}
	if !strings.Contains(stderr, "run failed: [first second]") {
		t.Errorf("got stderr %q, want both runs named as failed", stderr)
	}
}

// checkDiskFull checks a run whose database filled up and a later run that
// did not: SQLite's text per file and per run, the rest carried out.
func checkDiskFull(t *testing.T, code int, stdout, stderr, out string, files int) {
	t.Helper()
	if code != exitRunFailed {
		t.Errorf("got exit %d, want %d; stderr %s", code, exitRunFailed, stderr)
	}
	res := readOnlyResults(t, out)
	if len(res.Runs) != 2 {
		t.Fatalf("got %d runs, want 2", len(res.Runs))
	}
	full, after := res.Runs[0], res.Runs[1]
	const text = "database or disk is full"
	if !strings.Contains(full.Error, text) {
		t.Errorf("full: got run error %q, want SQLite's %q", full.Error, text)
	}
	if full.FileErrors == 0 || len(full.Errors) == 0 || !strings.Contains(full.Errors[0], text) {
		t.Errorf("full: got %d file errors %q, want each with %q", full.FileErrors, full.Errors, text)
	}
	if full.Indexed+full.FileErrors != files || full.Integrity != "ok" {
		t.Errorf("full: got %d indexed + %d errors, integrity %q; want %d files accounted for and ok", full.Indexed, full.FileErrors, full.Integrity, files)
	}
	if after.Error != "" || after.Indexed != after.Files {
		t.Errorf("after: got error %q, %d/%d indexed; want the later run carried out", after.Error, after.Indexed, after.Files)
	}
	if !strings.Contains(stdout, "error: full:") || !strings.Contains(stdout, text) {
		t.Errorf("got stdout\n%s\nwant the run's error with %q", stdout, text)
	}
}

// TestDiskFull fills the database with PRAGMA max_page_count, which makes
// SQLite answer SQLITE_FULL exactly as on a full disk: a deterministic
// stand-in that any machine allows.
func TestDiskFull(t *testing.T) {
	out := t.TempDir()
	spec := writeSpec(t, `version: 1
name: full
defaults: {files: 1000, concurrency: 4}
runs:
  - name: full
    pragmas: {journal_mode: wal, busy_timeout: 5000, max_page_count: 40}
  - name: after
    files: 10
`)
	code, stdout, stderr := runCmd(t, "-out", out, spec)
	checkDiskFull(t, code, stdout, stderr, out, 1000)
}

// TestDiskFullTmpfs runs on a real, tiny file system where the machine lets
// the test mount one (root with CAP_SYS_ADMIN); elsewhere TestDiskFull covers
// the same handling.
func TestDiskFullTmpfs(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a file system")
	}
	mnt := t.TempDir()
	if b, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); TestDiskFull covers a full database", err, bytes.TrimSpace(b))
	}
	t.Cleanup(func() {
		if b, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", mnt, err, b)
		}
	})
	out := t.TempDir()
	spec := writeSpec(t, `version: 1
name: full
defaults: {files: 3000, concurrency: 4}
runs:
  - name: full
  - name: after
    files: 10
`)
	code, stdout, stderr := runCmd(t, "-out", out, "-tmpdir", mnt, spec)
	checkDiskFull(t, code, stdout, stderr, out, 3000)
	if ents, _ := os.ReadDir(mnt); len(ents) != 0 {
		t.Errorf("got %d entries left on the tmpfs, want the databases removed", len(ents))
	}
}
