package main

import (
	"strings"
	"testing"
)

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
		{name: "-time-scale with a suffix", args: []string{"plan", "-time-scale", "2abc", spec}, code: exitUsage,
			stderr: `invalid value "2abc" for flag -time-scale: want a number above 0 and at most 1e6, got "2abc"`},
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
