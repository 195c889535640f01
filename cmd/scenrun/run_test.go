package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/engine/analysis"
)

// scenrun runs the command in-process and returns its exit code and output.
func scenrun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb, environ{})
	return code, out.String(), errb.String()
}

func writeSpec(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "spec.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// resultFiles lists the JSON files in dir.
func resultFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	return m
}

func readResults(t *testing.T, path string) *analysis.Results {
	t.Helper()
	res, err := analysis.ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const passing = `version: 1
name: small
defaults: {files: 40, concurrency: 4}
runs:
  - name: baseline
  - name: shared
    connection: shared
compare:
  - baseline: baseline
assertions:
  - name: every file indexed
    expr: all(runs, .indexed == .files)
`

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name     string
		spec     string
		args     []string
		want     int
		stdout   []string // each must appear
		stderr   *regexp.Regexp
		nResults int
	}{
		{name: "all pass", spec: passing, want: exitOK, stdout: []string{"Results — small", "PASS", "Before vs After"}, nResults: 1},
		{
			name: "failing assertion shows the compared values",
			spec: passing + "  - name: impossible\n    expr: shared.transitions > 1000000\n",
			want: exitAssertion, stdout: []string{"FAIL", "shared.transitions > 1000000: 120 > 1000000"}, nResults: 1,
		},
		{
			name: "misspelled field names file:line:col",
			spec: strings.Replace(passing, "    connection: shared", "    conection: shared", 1),
			want: exitUsage, stderr: regexp.MustCompile(`spec\.yaml:7:5: unknown field "conection" in run, did you mean "connection"\?`),
		},
		{
			name: "bad assertion is a spec error",
			spec: passing + "  - name: typo\n    expr: shraed.indexed > 0\n",
			want: exitUsage, stderr: regexp.MustCompile(`spec\.yaml:14:11: assertion "typo": unknown name shraed`),
		},
		{
			name: "unknown pragma fails the run but keeps the results",
			spec: strings.Replace(passing, "    connection: shared", "    connection: shared\n    pragmas: {synchronus: off}", 1),
			want: exitRunFailed, stdout: []string{"unknown pragma"}, stderr: regexp.MustCompile(`run failed`), nResults: 1,
		},
		{name: "-run matching nothing", spec: passing, args: []string{"-run", "^nothing$"}, want: exitUsage, stderr: regexp.MustCompile(`matches no run`)},
		{name: "bad -format", spec: passing, args: []string{"-format", "yaml"}, want: exitUsage, stderr: regexp.MustCompile(`-format: unknown value "yaml"`)},
		{name: "negative -time-scale", spec: passing, args: []string{"-time-scale", "-1"}, want: exitUsage, stderr: regexp.MustCompile(`want a number above 0`)},
		{name: "bad -set", spec: passing, args: []string{"-set", "files=abc"}, want: exitUsage, stderr: regexp.MustCompile(`files=abc`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			spec := writeSpec(t, tt.spec)
			args := append([]string{"-out", out}, tt.args...)
			code, stdout, stderr := scenrun(t, append(args, spec)...)
			if code != tt.want {
				t.Fatalf("got exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.want, stdout, stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			if tt.stderr != nil && !tt.stderr.MatchString(stderr) {
				t.Errorf("stderr does not match %v:\n%s", tt.stderr, stderr)
			}
			if got := len(resultFiles(t, out)); got != tt.nResults {
				t.Errorf("got %d results files, want %d", got, tt.nResults)
			}
		})
	}
}

func TestResultsFileIsTheJSONOfTheRun(t *testing.T) {
	out := t.TempDir()
	spec := writeSpec(t, passing)
	code, stdout, _ := scenrun(t, spec, "-out", out) // flags after the spec
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	files := resultFiles(t, out)
	if len(files) != 1 || !strings.Contains(stdout, "Results: "+files[0]) {
		t.Fatalf("got files %v; stdout should end with their path:\n%s", files, stdout)
	}
	if !regexp.MustCompile(`/small-\d{8}T\d{6}Z\.json$`).MatchString(files[0]) {
		t.Errorf("got name %s, want <scenario>-<UTC timestamp>.json", files[0])
	}
	res := readResults(t, files[0])
	if res.Scenario != "small" || len(res.Runs) != 2 || res.PercentileMethod != analysis.PercentileMethod || res.Environment.SQLite == "" {
		t.Errorf("got %+v", res)
	}
	if r := res.Runs[1]; r.Name != "shared" || r.Connection != "shared" || r.Indexed != 40 || r.Transitions != 120 || r.Integrity != "ok" {
		t.Errorf("shared run: got %+v", r)
	}
	if len(res.Comparisons) != 1 || res.Comparisons[0].Run != "shared" {
		t.Errorf("comparisons: got %+v", res.Comparisons)
	}
	// A second run never overwrites the first.
	if code, _, _ := scenrun(t, "-out", out, spec); code != exitOK || len(resultFiles(t, out)) != 2 {
		t.Errorf("second run: exit %d, %d files; want 0, 2", code, len(resultFiles(t, out)))
	}
}

func TestJSONToStdout(t *testing.T) {
	code, stdout, _ := scenrun(t, "-json", "-", "-set", "files=10", writeSpec(t, passing))
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var res analysis.Results
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("stdout is not the JSON alone: %v\n%s", err, stdout)
	}
	if res.Runs[0].Files != 10 {
		t.Errorf("-set files=10: got %d files", res.Runs[0].Files)
	}
}

func TestMarkdownHasNoBoxes(t *testing.T) {
	code, stdout, _ := scenrun(t, "-format", "markdown", "-out", t.TempDir(), writeSpec(t, passing))
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(stdout, "| baseline |") || strings.ContainsAny(stdout, "╭│\x1b") {
		t.Errorf("want markdown tables without box drawing or colour:\n%s", stdout)
	}
}

func TestColourOnlyOnATerminalWithoutNoColor(t *testing.T) {
	spec := writeSpec(t, passing)
	for _, tt := range []struct {
		name string
		env  environ
		want bool
	}{
		{"pipe", environ{}, false},
		{"terminal", environ{stdoutTTY: true}, true},
		{"terminal with NO_COLOR", environ{stdoutTTY: true, noColor: true}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{"-out", t.TempDir(), "-set", "files=5", spec}, &out, &errb, tt.env)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if got := strings.Contains(out.String(), "\x1b["); got != tt.want {
				t.Errorf("got colour %v, want %v", got, tt.want)
			}
		})
	}
}

func TestJSONFileThatExistsIsRefusedBeforeRunning(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "r.json")
	os.WriteFile(existing, []byte("{}"), 0o644)
	code, stdout, stderr := scenrun(t, "-json", existing, writeSpec(t, passing))
	if code != exitUsage || !strings.Contains(stderr, "file already exists") || stdout != "" {
		t.Errorf("got exit %d, stdout %q, stderr %q; want 2 before any run", code, stdout, stderr)
	}
	if b, _ := os.ReadFile(existing); string(b) != "{}" {
		t.Errorf("the existing file was changed: %q", b)
	}
}
