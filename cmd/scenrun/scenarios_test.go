package main

import (
	"bytes"
	"path/filepath"
	"testing"
)

// TestEveryScenarioValidates checks every file in scenarios/ the way
// `scenrun validate` does: YAML, fields, the runs together, and the
// assertions compiled.
func TestEveryScenarioValidates(t *testing.T) {
	files, err := filepath.Glob("../../scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios found: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), []string{"validate", f}, &stdout, &stderr, environ{}); code != exitOK {
				t.Errorf("got exit %d, want 0:\n%s", code, stderr.String())
			}
		})
	}
}
