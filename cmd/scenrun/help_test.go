package main

import (
	"strings"
	"testing"
)

// TestHelp checks what a newcomer types first: help, asked for in any of
// the usual ways, goes to stdout with exit 0 and says what scenrun takes,
// how it exits, an example and where the reference is.
func TestHelp(t *testing.T) {
	overview := []string{
		"usage:\n  scenrun [flags] SPEC.yaml",
		"scenrun validate", "scenrun plan", "scenrun version", "scenrun help",
		"\nflags:\n", "  -quick\n", "  -junit file\n",
		"\nexit codes:\n", "  0    every run completed", "  1    at least one assertion failed", "  2    usage or spec error", "  3    a run could not be carried out", "  130  interrupted",
		"\nexample:\n  scenrun validate scenarios/mitigation.yaml",
		"docs/reference.md",
	}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"help"}, overview},
		{[]string{"-h"}, overview},
		{[]string{"-help"}, overview},
		{[]string{"--help"}, overview},
		{[]string{"-quick", "spec.yaml", "-h"}, overview},
		{[]string{"help", "run"}, overview},
		{[]string{"help", "validate"}, []string{"usage: scenrun validate [flags] SPEC.yaml ...\n", "  -baseline file\n", "\nexit codes:\n", "docs/reference.md"}},
		{[]string{"validate", "--help"}, []string{"usage: scenrun validate [flags] SPEC.yaml ...\n", "  -baseline file\n", "\nexit codes:\n", "docs/reference.md"}},
		{[]string{"help", "plan"}, []string{"usage: scenrun plan [flags] SPEC.yaml\n", "  -time-scale F\n", "\nexit codes:\n", "docs/reference.md"}},
		{[]string{"plan", "-h"}, []string{"usage: scenrun plan [flags] SPEC.yaml\n", "  -time-scale F\n", "\nexit codes:\n", "docs/reference.md"}},
		{[]string{"help", "version"}, []string{"usage: scenrun version", "-version"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := scenrun(t, tt.args...)
			if code != exitOK || stderr != "" {
				t.Fatalf("got exit %d, stderr %q; want 0 and nothing on stderr", code, stderr)
			}
			if !strings.HasPrefix(stdout, tt.want[0]) {
				t.Errorf("got stdout starting %q, want %q", stdout[:min(len(stdout), 40)], tt.want[0])
			}
			for _, w := range tt.want[1:] {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
		})
	}
}

// TestHelpFits80Columns: every help fits an 80-column terminal, where a
// newcomer first reads it.
func TestHelpFits80Columns(t *testing.T) {
	for _, cmd := range []string{"", "validate", "plan", "version"} {
		text, ok := helpText(cmd)
		if !ok {
			t.Fatalf("no help for %q", cmd)
		}
		for line := range strings.SplitSeq(text, "\n") {
			n := 0 // columns, a tab moving to the next multiple of 8
			for _, r := range line {
				if r == '\t' {
					n = (n/8 + 1) * 8
				} else {
					n++
				}
			}
			if n > 80 {
				t.Errorf("help %q: got a line of %d columns, want at most 80: %q", cmd, n, line)
			}
		}
	}
}

// TestHelpErrors checks that help about nothing, and a usage error, go to
// stderr with exit 2, and that a usage error still shows the usage.
func TestHelpErrors(t *testing.T) {
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"help", "frobnicate"}, `scenrun help: unknown command "frobnicate" (commands: run, validate, plan, version)` + "\n"},
		{[]string{"help", "run", "plan"}, "usage: scenrun help [run|validate|plan|version]\n"},
		{[]string{"-frobnicate"}, "flag provided but not defined: -frobnicate\nusage:\n  scenrun [flags] SPEC.yaml"},
		{[]string{"plan", "-frobnicate"}, "flag provided but not defined: -frobnicate\nusage: scenrun plan [flags] SPEC.yaml\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := scenrun(t, tt.args...)
			if code != exitUsage || stdout != "" || !strings.HasPrefix(stderr, tt.stderr) {
				t.Errorf("got exit %d, stdout %q, stderr %q; want %d, nothing, and stderr starting %q", code, stdout, stderr, exitUsage, tt.stderr)
			}
		})
	}
}
