package main

import (
	"strings"
	"testing"
)

// TestIgnoredPragmaValueIsExit3: a value SQLite silently ignores would
// measure another configuration with exit 0; the run fails instead, naming
// the pragma, the value asked and the value SQLite reports.
func TestIgnoredPragmaValueIsExit3(t *testing.T) {
	for _, tc := range []struct{ pragmas, want string }{
		{"{journal_mode: wall}", `pragma journal_mode: asked for "wall", SQLite reports "delete"`},
		{"{synchronous: fulll}", `pragma synchronous: asked for "fulll", SQLite reports "1"`},
	} {
		t.Run(tc.pragmas, func(t *testing.T) {
			code, _, stderr, res := runSpecText(t, "version: 1\nname: ignored\ndefaults: {files: 10, concurrency: 2}\nruns:\n  - {name: r, pragmas: "+tc.pragmas+"}\n", environ{})
			if code != exitRunFailed {
				t.Errorf("got exit %d, want %d; stderr:\n%s", code, exitRunFailed, stderr)
			}
			if res == nil || len(res.Runs) != 1 || !strings.Contains(res.Runs[0].Error, tc.want) || !strings.Contains(stderr, tc.want) {
				t.Errorf("want %q in the run's error and on stderr; got stderr:\n%s", tc.want, stderr)
			}
		})
	}
}
