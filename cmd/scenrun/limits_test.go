package main

import (
	"strings"
	"testing"
)

// TestAbsurdValuesAreSpecErrors checks that values past what scenrun allows
// stop the command before anything runs, with the allowed range.
func TestAbsurdValuesAreSpecErrors(t *testing.T) {
	spec := writeSpec(t, twoRuns)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-set", "files=100000001"}, "-set files=100000001: files: want an integer in 1..100000000, got 100000001\n"},
		{[]string{"-set", "files=0"}, "-set files=0: files: want an integer in 1..100000000, got 0\n"},
		{[]string{"-set", "concurrency=100001"}, "-set concurrency=100001: concurrency: want an integer in 1..100000, got 100001\n"},
		{[]string{"-set", "concurrency=-5"}, "-set concurrency=-5: concurrency: want an integer in 1..100000, got -5\n"},
		{[]string{"-time-scale", "-1"}, `invalid value "-1" for flag -time-scale: want a number above 0 and at most 1e6, got "-1"` + "\n"},
		{[]string{"-time-scale", "1e7"}, `invalid value "1e7" for flag -time-scale: want a number above 0 and at most 1e6, got "1e7"` + "\n"},
		{[]string{"-time-scale", "0"}, `invalid value "0" for flag -time-scale: want a number above 0 and at most 1e6, got "0"` + "\n"},
		{[]string{"-time-scale", "fast"}, `invalid value "fast" for flag -time-scale: want a number above 0 and at most 1e6, got "fast"` + "\n"},
		// A number followed by anything else is not a number: neither a
		// prefix ("2abc" is not 2) nor padding is read.
		{[]string{"-time-scale", "2abc"}, `invalid value "2abc" for flag -time-scale: want a number above 0 and at most 1e6, got "2abc"` + "\n"},
		{[]string{"-time-scale", "0.5x"}, `invalid value "0.5x" for flag -time-scale: want a number above 0 and at most 1e6, got "0.5x"` + "\n"},
		{[]string{"-time-scale", "2 "}, `invalid value "2 " for flag -time-scale: want a number above 0 and at most 1e6, got "2 "` + "\n"},
		{[]string{"-time-scale", "1e3x"}, `invalid value "1e3x" for flag -time-scale: want a number above 0 and at most 1e6, got "1e3x"` + "\n"},
		{[]string{"-set", "files=2abc"}, `-set files=2abc: files: want an integer, got "2abc"` + "\n"},
		{[]string{"-set", "concurrency=3x"}, `-set concurrency=3x: concurrency: want an integer, got "3x"` + "\n"},
		{[]string{"-set", "timeout=1sx"}, `-set timeout=1sx: timeout: want a duration such as 50ms, got "1sx"` + "\n"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out := t.TempDir()
			code, stdout, stderr := runCmd(t, append(append([]string{"-out", out}, tc.args...), spec)...)
			if code != exitUsage {
				t.Errorf("got exit %d, want %d", code, exitUsage)
			}
			if first, _, _ := strings.Cut(stderr, "usage:"); first != tc.want {
				t.Errorf("got stderr starting\n%q\nwant\n%q", first, tc.want)
			}
			if strings.Count(stderr, "invalid value") > 1 {
				t.Errorf("got the flag error twice:\n%s", stderr)
			}
			if stdout != "" {
				t.Errorf("got stdout %q, want nothing", stdout)
			}
			emptyDir(t, "results directory", out)
		})
	}
}
