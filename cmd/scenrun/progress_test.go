package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// progressSpec takes about a second however fast the machine: 80 files of
// two 5 ms calls each, two at a time.
const progressSpec = `version: 1
name: progress
defaults: {files: 80, concurrency: 2, profile: slow}
profiles:
  slow: {latency: 5ms}
runs:
  - name: first
  - name: second
    repeat: 2
`

var progressLine = regexp.MustCompile(`^progress (first|second) trial \d/\d: \d+/80 files, \d+ transitions/s, ETA (\?|[0-9.]+(ms|s|µs)|\d+m\d\ds)$`)

func TestProgressPlainLines(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "progress.yaml")
	if err := os.WriteFile(spec, []byte(progressSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want bool
	}{
		{"plain lines on a non-terminal", nil, true},
		{"-no-progress", []string{"-no-progress"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"-out", t.TempDir()}, tt.args...)
			code := run(context.Background(), append(args, spec), &stdout, &stderr, environ{progressEvery: 50 * time.Millisecond})
			if code != exitOK {
				t.Fatalf("got exit %d, want 0; stderr:\n%s", code, stderr.String())
			}
			if strings.Contains(stderr.String(), "\x1b") {
				t.Errorf("stderr has ANSI escapes:\n%q", stderr.String())
			}
			for l := range strings.SplitSeq(stdout.String(), "\n") {
				if strings.HasPrefix(l, "progress ") || strings.HasPrefix(l, "done ") || strings.Contains(l, "files, ") {
					t.Errorf("stdout carries progress: %q", l)
				}
			}
			var periodic, done []string
			for l := range strings.SplitSeq(strings.TrimSpace(stderr.String()), "\n") {
				switch {
				case strings.HasPrefix(l, "progress "):
					if !progressLine.MatchString(l) {
						t.Errorf("malformed progress line %q", l)
					}
					periodic = append(periodic, l)
				case strings.HasPrefix(l, "done "):
					done = append(done, l)
				}
			}
			if !tt.want {
				if len(periodic)+len(done) > 0 {
					t.Errorf("got progress with -no-progress:\n%s", stderr.String())
				}
				return
			}
			if len(periodic) == 0 {
				t.Errorf("got no periodic line in a run of a second with lines every 50 ms; stderr:\n%s", stderr.String())
			}
			// One final line per trial: first once, second twice.
			wantDone := []string{"done     first trial 1/1: 80/80 files in ", "done     second trial 1/2: 80/80 files in ", "done     second trial 2/2: 80/80 files in "}
			if len(done) != len(wantDone) {
				t.Fatalf("got %d final lines, want %d:\n%s", len(done), len(wantDone), stderr.String())
			}
			for i, w := range wantDone {
				if !strings.HasPrefix(done[i], w) || !strings.HasSuffix(done[i], " transitions/s") {
					t.Errorf("got final line %q, want it to start %q", done[i], w)
				}
			}
		})
	}
}
