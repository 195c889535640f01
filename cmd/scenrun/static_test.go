package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// refusedStatic runs the command and checks what every statically knowable
// mistake gives: exit 2, want on stderr, nothing on stdout, no results
// file and no database directory.
func refusedStatic(t *testing.T, want string, args ...string) {
	t.Helper()
	out, tmp := t.TempDir(), t.TempDir()
	full := args
	if args[0] != "validate" {
		full = append([]string{"-no-progress", "-out", out, "-tmpdir", tmp}, args...)
	}
	code, stdout, stderr := runCmd(t, full...)
	if code != exitUsage {
		t.Errorf("got exit %d, want %d (stderr %q)", code, exitUsage, stderr)
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("got stderr\n%s\nwant it to contain\n%s", stderr, want)
	}
	if stdout != "" {
		t.Errorf("got stdout %q, want nothing", stdout)
	}
	emptyDir(t, "results directory", out)
	emptyDir(t, "temporary directory", tmp)
}

// TestPrevUnknownRun: with -baseline, prev holds exactly the baseline's
// runs; prev.<other> is a spec error before anything runs, in a run and in
// validate, not a zero run that passes.
func TestPrevUnknownRun(t *testing.T) {
	base := filepath.Join(t.TempDir(), "base.json")
	if err := os.WriteFile(base, makeBaseline(t), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := writeSpec(t, `version: 1
name: small
defaults: {files: 5, concurrency: 2}
runs:
  - name: baseline
  - name: shared
    connection: shared
assertions:
  - name: no regression
    expr: shared.lock_wait_ms.p95 <= prev.nope.lock_wait_ms.p95
  - name: lower than before
    expr: lower(prev.x, shared, "lock_wait_ms", "p95")
`)
	want := spec + `:10:43: assertion "no regression": prev has no run nope (the -baseline file's runs: baseline, shared)
` + spec + `:12:22: assertion "lower than before": prev has no run x (the -baseline file's runs: baseline, shared)
`
	refusedStatic(t, want, "-baseline", base, spec)
	refusedStatic(t, want, "validate", "-baseline", base, spec)
}

// TestScaledLatencyTooLong: a latency times -time-scale (or -quick) past
// the 24h limit is a spec error at the latency, before anything runs; it
// never wraps into a negative latency and a run that passes.
func TestScaledLatencyTooLong(t *testing.T) {
	spec := writeSpec(t, `version: 1
name: slow
defaults: {files: 5, concurrency: 2, profile: slow}
profiles:
  slow:
    upload: 13h
    import: {dist: uniform, min: 1s, max: 20h}
runs:
  - name: a
  - name: b
    profile: realistic
assertions:
  - {name: all indexed, expr: 'all(runs, .indexed == .files)'}
`)
	want := spec + `:6:13: profile slow: upload 13h × time scale 2 = 26h, more than the limit of 24h
` + spec + `:7:43: profile slow: import max 20h × time scale 2 = 40h, more than the limit of 24h
`
	refusedStatic(t, want, "-time-scale", "2", spec)
	refusedStatic(t, spec+`:10:11: profile realistic: upload 2s × time scale 1e+06 = 555h33m20s, more than the limit of 24h`, "-run", "b", "-time-scale", "1e6", spec)
	code, _, stderr := runCmd(t, "plan", "-time-scale", "2", spec)
	if code != exitUsage || stderr != want {
		t.Errorf("plan: got exit %d, stderr\n%s\nwant exit %d, stderr\n%s", code, stderr, exitUsage, want)
	}
}

// TestBigSpecs: a syntax error near the end of a 5,000-line spec is
// reported at its line and column, and a spec past the size limit is
// refused with the limit and its size; nothing runs.
func TestBigSpecs(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nname: big\ndefaults: {files: 5, concurrency: 2}\nruns:\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "  - name: r%d\n", i)
		if i == 4980 {
			b.WriteString("   connection: shared\n")
		}
	}
	spec := writeSpec(t, b.String())
	want := spec + ":4986:4: did not find expected '-' indicator\n"
	refusedStatic(t, want, spec)
	refusedStatic(t, want, "validate", spec)

	huge := writeSpec(t, "version: 1\nname: huge\nruns: [{name: a}]\ndescription: "+strings.Repeat("x", 2<<20)+"\n")
	fi, err := os.Stat(huge)
	if err != nil {
		t.Fatal(err)
	}
	want = fmt.Sprintf("%s: the spec is %d bytes, more than the limit of 1048576 (1 MiB)\n", huge, fi.Size())
	refusedStatic(t, want, huge)
	refusedStatic(t, want, "validate", huge)
}

// TestRunCapAndErrorCap: explicit runs count against the runs limit, and
// of thousands of errors the first 100 are printed, then how many more.
func TestRunCapAndErrorCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nname: many\nruns:\n")
	for i := range 10_001 {
		fmt.Fprintf(&b, "  - {name: r%d}\n", i)
	}
	spec := writeSpec(t, b.String())
	want := spec + ":4:3: runs: 10001 runs, more than the limit of 10000 runs (explicit runs and matrix together)\n"
	refusedStatic(t, want, spec)
	refusedStatic(t, want, "validate", spec)

	b.Reset()
	b.WriteString("version: 1\nname: many\nruns:\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "  - {name: r%d, files: 0}\n", i)
	}
	spec = writeSpec(t, b.String())
	code, _, stderr := runCmd(t, "validate", spec)
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if code != exitUsage || len(lines) != 101 || lines[100] != spec+": … and 4900 more errors" {
		t.Errorf("got exit %d and %d lines ending %q, want exit 2 and 101 lines ending %q", code, len(lines), lines[len(lines)-1], spec+": … and 4900 more errors")
	}
}
