package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestEveryScenarioValidates checks every file in scenarios/ the way
// `scenrun validate` does: YAML, fields, the runs together, and the
// assertions compiled.
//
// postgres.yaml's runs need a server URL when the spec is read, but not the
// server: validate never connects (PostgreSQL prepares its statements when
// a run starts, SPEC §10), so a URL nobody answers at is enough.
func TestEveryScenarioValidates(t *testing.T) {
	if os.Getenv("SCENRUN_POSTGRES_URL") == "" {
		t.Setenv("SCENRUN_POSTGRES_URL", "postgres://nobody@127.0.0.1:1/postgres?sslmode=disable")
	}
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
