package main

import (
	"strings"
	"testing"
)

// TestHelpListsEachFlag checks that each subcommand's -h exits 0 with its
// usage and every flag it takes, on stdout (help asked for is the output), described by its flag set: a flag that
// several subcommands take has one description everywhere.
func TestHelpListsEachFlag(t *testing.T) {
	tests := []struct {
		args  []string
		head  string
		flags []string
	}{
		{[]string{"-h"}, "usage:\n  scenrun [flags] SPEC.yaml",
			[]string{"baseline", "format", "html", "json", "junit", "no-progress", "out", "profile", "quick", "run", "set", "time-scale", "tmpdir"}},
		{[]string{"plan", "-h"}, "usage: scenrun plan [flags] SPEC.yaml\n", []string{"quick", "run", "set", "time-scale", "tmpdir"}},
		{[]string{"validate", "-h"}, "usage: scenrun validate [flags] SPEC.yaml ...\n", []string{"baseline", "set"}},
	}
	descs := map[string]string{} // flag → its description, from whichever help shows it first
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := scenrun(t, tt.args...)
			if code != exitOK || stderr != "" {
				t.Fatalf("got exit %d, stderr %q; want 0 and nothing", code, stderr)
			}
			if !strings.HasPrefix(stdout, tt.head) {
				t.Errorf("got help starting %q, want %q", stdout[:min(len(stdout), 60)], tt.head)
			}
			_, list, _ := strings.Cut(stdout, "\nflags:\n")
			list, _, _ = strings.Cut(list, "\n\n") // the exit codes and the rest follow
			var got []string
			for _, block := range strings.Split(strings.TrimSuffix(list, "\n"), "\n  -") {
				name, desc, _ := strings.Cut(strings.TrimPrefix(block, "  -"), "\n")
				name, _, _ = strings.Cut(name, " ")
				got = append(got, name)
				if prev, ok := descs[name]; ok && prev != desc {
					t.Errorf("-%s: described as %q here, %q elsewhere", name, desc, prev)
				}
				descs[name] = desc
			}
			if strings.Join(got, " ") != strings.Join(tt.flags, " ") {
				t.Errorf("got flags %v, want %v", got, tt.flags)
			}
		})
	}
}
