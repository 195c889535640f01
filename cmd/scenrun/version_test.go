package main

import (
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	code, stdout, _ := scenrun(t, "version")
	if code != exitOK || !strings.HasPrefix(stdout, "scenrun ") || !strings.Contains(stdout, "SQLite 3.") {
		t.Errorf("got %d %q", code, stdout)
	}
}
