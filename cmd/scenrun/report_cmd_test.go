package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHTMLOutputs: -format html puts one HTML document on stdout and nothing
// after it; -html FILE writes the document beside the normal table.
func TestHTMLOutputs(t *testing.T) {
	spec := writeSpec(t, passing)
	t.Run("-format html", func(t *testing.T) {
		code, stdout, stderr := scenrun(t, "-no-progress", "-out", t.TempDir(), "-format", "html", spec)
		if code != exitOK {
			t.Fatalf("got exit %d, want 0: %s", code, stderr)
		}
		if !strings.HasPrefix(stdout, "<!DOCTYPE html>") || !strings.HasSuffix(strings.TrimSpace(stdout), "</html>") {
			t.Errorf("stdout is not one HTML document: starts %q, ends %q", stdout[:min(40, len(stdout))], stdout[max(0, len(stdout)-40):])
		}
		if !strings.Contains(stderr, "Results: ") {
			t.Errorf("the results path is not on stderr: %q", stderr)
		}
	})
	t.Run("-html FILE", func(t *testing.T) {
		page := filepath.Join(t.TempDir(), "report.html")
		code, stdout, stderr := scenrun(t, "-no-progress", "-out", t.TempDir(), "-html", page, spec)
		if code != exitOK {
			t.Fatalf("got exit %d, want 0: %s", code, stderr)
		}
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		// Two runs × (CDF + throughput), and the comparison's bars and its
		// overlay of both runs' CDFs.
		if !strings.HasPrefix(string(b), "<!DOCTYPE html>") || strings.Count(string(b), "<svg") != 6 {
			t.Errorf("got %d bytes with %d charts, want an HTML document with 6 charts", len(b), strings.Count(string(b), "<svg"))
		}
		if !strings.Contains(stdout, "Results — small") || strings.Contains(stdout, "<html") {
			t.Errorf("stdout is not the table report:\n%s", stdout)
		}
	})
	t.Run("-html with two specs", func(t *testing.T) {
		code, _, stderr := scenrun(t, "-html", filepath.Join(t.TempDir(), "r.html"), spec, spec)
		if code != exitUsage || !strings.Contains(stderr, "-html FILE takes one spec") {
			t.Errorf("got exit %d %q, want %d and a message", code, stderr, exitUsage)
		}
	})
}
