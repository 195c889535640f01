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
		if !strings.HasPrefix(string(b), "<!DOCTYPE html>") || strings.Count(string(b), "<svg") != 5 {
			t.Errorf("got %d bytes with %d charts, want an HTML document with 5 charts", len(b), strings.Count(string(b), "<svg"))
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

func TestPlanCommand(t *testing.T) {
	spec := writeSpec(t, passing)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{name: "plan", args: []string{"plan", spec}, code: exitOK,
			stdout: []string{"Plan — " + spec, "baseline", "shared", "Estimated total: ", "calibration trials"}},
		{name: "-set and -run", args: []string{"plan", "-set", "files=10", "-run", "^shared$", spec}, code: exitOK,
			stdout: []string{"shared", "for 1 run."}},
		{name: "-quick with -time-scale", args: []string{"plan", "-quick", "-time-scale", "2", spec}, code: exitUsage, stderr: "both scale"},
		{name: "-tmpdir that cannot hold a database", args: []string{"plan", "-tmpdir", spec + "/sub", spec}, code: exitRunFailed, stderr: "not a directory"},
		{name: "no spec", args: []string{"plan"}, code: exitUsage, stderr: "usage: scenrun plan"},
		{name: "-run matching nothing", args: []string{"plan", "-run", "^x$", spec}, code: exitUsage, stderr: "matches no run"},
		{name: "bad spec", args: []string{"plan", writeSpec(t, "version: 1\nname: x\nruns:\n  - name: a\n    filez: 3\n")}, code: exitUsage, stderr: `unknown field "filez"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := scenrun(t, tt.args...)
			if code != tt.code {
				t.Fatalf("got exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			if tt.stderr != "" && !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr lacks %q: %s", tt.stderr, stderr)
			}
		})
	}
}
