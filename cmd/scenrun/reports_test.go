package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/engine/analysis"
)

// writeSpecIn writes a spec into dir and returns its path.
func writeSpecIn(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runEnv runs the command in env and returns its exit code, stdout and stderr.
func runEnv(t *testing.T, env environ, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, env)
	return code, out.String(), errb.String()
}

// sleepSpec is a scenario whose file lifecycles are dominated by constant
// simulated API calls (2 × 100 ms) at low concurrency, so that its p50s are
// stable on a busy machine: what a regression check against an earlier
// results file can be asserted on without flapping. Its gate's noise floor
// of 50% is what such a check needs across two separate invocations, whose
// trials cannot be interleaved: on this machine, shared with other builds,
// the same commit measured twice a few seconds apart once gave mock_api_ms
// p50 of 51.6 and 69.8 ms (+35%, p = 0.032) — load that came and went
// between the invocations, not a regression. (In the tables a change counts
// beyond +50% of the earlier run; in lower(one, prev.one, …), beyond −50%
// of the current one, i.e. the current run twice as slow.)
//
// Those 18 ms came with calls of 2 × 20 ms, where +50% is 20 ms of load:
// the check was a coin a busy enough machine could toss either way (and
// its control, at -time-scale 3, failed as soon as load added 20 ms to
// the first invocation). Calls of 2 × 100 ms over 2 files (one each for
// the 2 workers) take as long a trial as 2 × 20 ms over 10 did, and the
// same 18 ms is now +9%, the control's margin as wide.
const sleepSpec = `
version: 1
name: sleepy
defaults: {files: 2, concurrency: 2, profile: steady, repeat: 5}
profiles:
  steady: {upload: 100ms, import: 100ms}
runs:
  - name: one
  - name: two
    connection: shared
compare:
  - baseline: one
    runs: [two]
    stat: p50
    segments: [total_wall_ms, mock_api_ms]
gate: {alpha: 0.05, noise_floor_pct: 50}
assertions:
  - name: every file indexed
    expr: all(runs, .indexed == .files)
`

// prevSpec adds assertions on the earlier results to sleepSpec.
const prevSpec = sleepSpec + `
  - name: one has not regressed against the baseline file
    expr: not lower(one, prev.one, "total_wall_ms", "p50")
  - name: the baseline file's run one indexed every file
    expr: prev.one.indexed == prev.one.files
`

func TestBaselineSameCommitNoRegression(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first.json")
	second := filepath.Join(dir, "second.json")
	if code, _, stderr := runEnv(t, environ{}, "-no-progress", "-json", first, writeSpecIn(t, dir, "sleepy.yaml", sleepSpec)); code != exitOK {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runEnv(t, environ{}, "-no-progress", "-baseline", first, "-json", second, writeSpecIn(t, dir, "prev.yaml", prevSpec))
	if code != exitOK {
		t.Fatalf("run against the baseline: exit %d, want 0\n%s\n%s", code, stdout, stderr)
	}
	res, err := analysis.ReadJSON(second)
	if err != nil {
		t.Fatal(err)
	}
	if res.BaselineFile != first {
		t.Errorf("baseline_file: got %q, want %q", res.BaselineFile, first)
	}
	var against []analysis.Comparison
	for _, c := range res.Comparisons {
		if c.BaselineFile != "" {
			against = append(against, c)
		}
	}
	if len(against) != 2 || against[0].Run != "one" || against[1].Run != "two" {
		t.Fatalf("got %d comparisons against the baseline file (%+v), want one for each of one, two", len(against), against)
	}
	for _, c := range against {
		if c.Baseline != c.Run || c.Stat != "p50" {
			t.Errorf("%s: got baseline %q at %s, want the same-named run at the spec's p50", c.Run, c.Baseline, c.Stat)
		}
		for seg, d := range c.Segments {
			if d.PValue == nil || d.Significant == nil {
				t.Fatalf("%s %s: got no p-value, want one (5 trials on both sides)", c.Run, seg)
			}
			if *d.Significant && d.DeltaPct > 0 {
				t.Errorf("%s %s: a significant regression against the same commit: %+v (p=%g)", c.Run, seg, d, *d.PValue)
			}
		}
	}
	for _, a := range res.Assertions {
		if !a.Passed {
			t.Errorf("assertion %q failed: %s", a.Name, a.Detail)
		}
	}
	if !strings.Contains(stdout, "Against the baseline file: one then → now (p50)") || !strings.Contains(stdout, "before: "+first) {
		t.Errorf("stdout lacks the table against the baseline file:\n%s", stdout)
	}
}

// TestBaselineDetectsARegression is the check above's control: the same
// spec with every API call three times as slow (-time-scale 3) must be reported
// as a significant regression, and its prev assertion must fail.
func TestBaselineDetectsARegression(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first.json")
	second := filepath.Join(dir, "second.json")
	if code, _, stderr := runEnv(t, environ{}, "-no-progress", "-json", first, writeSpecIn(t, dir, "sleepy.yaml", sleepSpec)); code != exitOK {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	code, stdout, _ := runEnv(t, environ{}, "-no-progress", "-time-scale", "3", "-baseline", first, "-json", second, writeSpecIn(t, dir, "prev.yaml", prevSpec))
	if code != exitAssertion {
		t.Fatalf("got exit %d, want %d (a regression)\n%s", code, exitAssertion, stdout)
	}
	res, err := analysis.ReadJSON(second)
	if err != nil {
		t.Fatal(err)
	}
	regressed := false
	for _, c := range res.Comparisons {
		if d := c.Segments["total_wall_ms"]; c.BaselineFile != "" && c.Run == "one" {
			regressed = d.Significant != nil && *d.Significant && d.DeltaPct > 50
		}
	}
	if !regressed {
		t.Errorf("got no significant regression of one's total_wall_ms p50 against the baseline file: %+v", res.Comparisons)
	}
	a := res.Assertions[1]
	if a.Passed || !strings.Contains(a.Detail, "lower(one, prev.one, total_wall_ms p50)") || !strings.Contains(a.Detail, "< α=0.05") {
		t.Errorf("prev assertion: got %+v, want a failure explaining the significant difference", a)
	}
}

func TestBaselineNotResults(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpecIn(t, dir, "sleepy.yaml", sleepSpec)
	notJSON := writeSpecIn(t, dir, "spec-as-baseline.yaml", sleepSpec)
	other := writeSpecIn(t, dir, "package.json", `{"name": "x", "version": "1.0.0"}`)
	tests := []struct{ name, file, want string }{
		{"a YAML spec", notJSON, "not a scenrun results file"},
		{"other JSON", other, `not a scenrun results file (no "scenario")`},
		{"missing", filepath.Join(dir, "nope.json"), "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runEnv(t, environ{}, "-baseline", tt.file, spec)
			if code != exitUsage || !strings.Contains(stderr, "-baseline") || !strings.Contains(stderr, tt.want) {
				t.Errorf("got exit %d, %q; want exit %d and %q", code, stderr, exitUsage, tt.want)
			}
		})
	}
}

const junitSpec = `
version: 1
name: gated
defaults: {files: 10, concurrency: 2}
runs:
  - name: one
  - name: two
assertions:
  - name: every file indexed
    expr: all(runs, .indexed == .files)
  - name: impossible
    expr: one.lock_wait_ms.p95 < 0
  - name: about two
    expr: two.indexed == 10
`

func TestJUnitThroughRun(t *testing.T) {
	dir := t.TempDir()
	junit := filepath.Join(dir, "junit.xml")
	spec := writeSpecIn(t, dir, "gated.yaml", junitSpec)
	code, stdout, stderr := runEnv(t, environ{}, "-no-progress", "-out", dir, "-junit", junit, "-run", "^one$", spec)
	if code != exitAssertion {
		t.Fatalf("got exit %d, want %d\n%s%s", code, exitAssertion, stdout, stderr)
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if got.Tests != 3 || got.Failures != 1 || got.Skipped != 1 || len(got.Suites) != 1 || got.Suites[0].Name != "gated" {
		t.Fatalf("got %+v, want 3 tests, 1 failure, 1 skipped in suite gated\n%s", got, b)
	}
	c := got.Suites[0].Cases
	if c[1].Failure == nil || !strings.HasPrefix(c[1].Failure.Message, "one.lock_wait_ms.p95 < 0: ") || c[2].Skipped == nil {
		t.Errorf("got cases %+v, want impossible failed with its values and about two skipped", c)
	}
}

func TestJUnitMissingDirIsUsageError(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpecIn(t, dir, "gated.yaml", junitSpec)
	code, _, stderr := runEnv(t, environ{}, "-junit", filepath.Join(dir, "no", "junit.xml"), spec)
	if code != exitUsage || !strings.Contains(stderr, "does not exist") {
		t.Errorf("got exit %d, %q; want a usage error before anything runs", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "results")); err == nil {
		t.Error("a results directory was created: something ran")
	}
}

func TestStepSummaryAppended(t *testing.T) {
	dir := t.TempDir()
	summary := filepath.Join(dir, "summary.md")
	if err := os.WriteFile(summary, []byte("# earlier step\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := writeSpecIn(t, dir, "gated.yaml", junitSpec)
	code, _, stderr := runEnv(t, environ{summary: summary}, "-no-progress", "-out", dir, spec, spec)
	if code != exitAssertion {
		t.Fatalf("got exit %d, want %d: %s", code, exitAssertion, stderr)
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		"# earlier step\n\n## scenrun: gated — FAIL: 1 of 3 assertions failed",
		"### Results — gated (latencies in ms)",
		"| FAIL | impossible | one.lock_wait_ms.p95 < 0: ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "## scenrun: gated"); n != 2 {
		t.Errorf("got %d reports in the summary, want 2 (one per spec, appended)", n)
	}
	if strings.Contains(got, "\x1b[") {
		t.Error("summary has ANSI escapes")
	}
}
