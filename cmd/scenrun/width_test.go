package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

const widthSpec = `version: 1
name: width
defaults: {files: 20, concurrency: 2, profile: zero}
runs:
  - name: baseline
    connection: per_file
  - name: shared
    connection: shared
compare:
  - baseline: baseline
    runs: [shared]
assertions:
  - name: every file indexed in every run
    expr: all(runs, .indexed == .files)
`

// TestTablesFitTerminal checks that the tables fit the terminal stdout is,
// and that stdout that is not a terminal gets the 120 columns it always
// had, whatever the terminal the command was started from.
func TestTablesFitTerminal(t *testing.T) {
	spec := writeSpec(t, widthSpec)
	tests := []struct {
		name        string
		env         environ
		width       int // no box line wider
		results     int // results tables
		widerThan80 bool
	}{
		{"80-column terminal", environ{stdoutTTY: true, stdoutCols: 80, noColor: true}, 80, 0, false},
		{"200-column terminal", environ{stdoutTTY: true, stdoutCols: 200, noColor: true}, 200, 1, true},
		{"a pipe, started from an 80-column terminal", environ{stdoutCols: 80}, 120, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"-no-progress", "-out", t.TempDir(), spec}, &stdout, &stderr, tt.env)
			if code != exitOK {
				t.Fatalf("got exit %d, want 0:\n%s", code, stderr.String())
			}
			out := stdout.String()
			wider := false
			for l := range strings.SplitSeq(out, "\n") {
				if !strings.ContainsAny(l, "│╭╰├") {
					continue
				}
				n := utf8.RuneCountInString(l)
				if n > tt.width {
					t.Errorf("box line of %d columns, want ≤ %d: %q", n, tt.width, l)
				}
				wider = wider || n > 80
			}
			if wider != tt.widerThan80 {
				t.Errorf("a line wider than 80: got %v, want %v:\n%s", wider, tt.widerThan80, out)
			}
			if got := strings.Count(out, "│ Results — "); got != tt.results && (tt.results > 0 || got < 2) {
				t.Errorf("got %d results tables, want %d:\n%s", got, tt.results, out)
			}
		})
	}
}
