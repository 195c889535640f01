package main

import (
	"strings"
	"testing"
)

func TestValidateWithBaseline(t *testing.T) {
	out := t.TempDir()
	base := writeSpec(t, passing)
	if code, _, stderr := scenrun(t, "-out", out, "-set", "files=5", base); code != exitOK {
		t.Fatalf("baseline run: exit %d: %s", code, stderr)
	}
	prevFile := resultFiles(t, out)[0]
	spec := writeSpec(t, passing+"  - name: no slower than before\n    expr: shared.indexed >= prev.shared.indexed\n")
	if code, _, stderr := scenrun(t, "validate", spec); code != exitUsage || !strings.Contains(stderr, "-baseline") {
		t.Errorf("without -baseline: got exit %d, stderr %q; want 2 naming -baseline", code, stderr)
	}
	if code, stdout, stderr := scenrun(t, "validate", "-baseline", prevFile, spec); code != exitOK {
		t.Errorf("with -baseline: got exit %d\n%s%s", code, stdout, stderr)
	}
	if code, _, _ := scenrun(t, "validate", "-baseline", spec, spec); code != exitUsage {
		t.Errorf("a spec as -baseline: got exit %d, want 2", code)
	}
}
