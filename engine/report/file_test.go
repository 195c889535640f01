package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
)

func TestSaveJSONRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shared-connection.json")
	want := reportFixture()
	if err := SaveJSON(path, want); err != nil {
		t.Fatalf("SaveJSON: %v", err)
	}
	got, err := analysis.ReadJSON(path)
	if err != nil {
		t.Fatalf("ReadJSON: %v", err)
	}
	// What was nil is written as an empty list; compare through JSON.
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("round trip differs (-want +got):\n%s", lineDiff(w, g))
	}
	if !reflect.DeepEqual(got.Runs[0].Segments, want.Runs[0].Segments) {
		t.Errorf("segments: got %+v, want %+v", got.Runs[0].Segments, want.Runs[0].Segments)
	}
	if p := got.Comparisons[1].Segments["fsm_dispatch_ms"].PValue; p == nil || *p != 0.69 {
		t.Errorf("p-value: got %v, want 0.69", p)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), fs.FileMode(0o644); got != want {
		t.Errorf("mode: got %v, want %v", got, want)
	}
	assertOnlyFiles(t, dir, "shared-connection.json")
}

func mustJSON(t *testing.T, res *analysis.Results) string {
	t.Helper()
	var buf bytes.Buffer
	if err := analysis.WriteJSON(&buf, res); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	return buf.String()
}

// assertOnlyFiles fails unless dir holds exactly names: no temporary file
// is left behind.
func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !reflect.DeepEqual(got, names) {
		t.Errorf("files in %s: got %q, want %q", dir, got, names)
	}
}

func TestSaveJSONRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := SaveJSON(path, reportFixture())
	if err == nil {
		t.Fatal("SaveJSON over an existing file: got no error")
	}
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("got error %q, want fs.ErrExist naming %s", err, path)
	}
	if b, _ := os.ReadFile(path); string(b) != "precious" {
		t.Errorf("existing file changed to %q", b)
	}
	assertOnlyFiles(t, dir, "r.json")
}

func TestSaveJSONUnwritableDir(t *testing.T) {
	// Tests may run as root, where permission bits are not enforced: a
	// directory whose "parent" is a regular file cannot be written by anyone.
	parent := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(parent, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(parent, "results")
	err := SaveJSON(filepath.Join(dir, "r.json"), reportFixture())
	if err == nil {
		t.Fatal("SaveJSON into an impossible directory: got no error")
	}
	if !strings.HasPrefix(err.Error(), "save results: ") || !strings.Contains(err.Error(), dir) {
		t.Errorf("got error %q, want one starting %q and naming %s", err, "save results: ", dir)
	}
}

func TestWriteJSONShape(t *testing.T) {
	res := &analysis.Results{Scenario: "s", Runs: []analysis.RunResult{{Name: "a"}}}
	var buf bytes.Buffer
	if err := analysis.WriteJSON(&buf, res); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	out := buf.String()
	for _, want := range []string{`"comparisons": []`, `"assertions": []`, `"trials": []`, `"effective_pragmas": []`, `"pragmas": []`, "\n  \"scenario\": \"s\""} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if res.Comparisons != nil || res.Runs[0].Trials != nil {
		t.Error("WriteJSON modified its argument")
	}
	// A detail such as "4.69 < 80.52" must not come out as \u003c.
	buf.Reset()
	if err := analysis.WriteJSON(&buf, &analysis.Results{Scenario: "s", Assertions: []analysis.AssertionResult{{Detail: "a < b & c"}}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"a < b & c"`) {
		t.Errorf("HTML-escaped output:\n%s", buf.String())
	}
	var decoded map[string]any
	if err := json.Unmarshal(buf.Bytes(), &decoded); err != nil {
		t.Errorf("output is not JSON: %v", err)
	}
}

func TestReadJSONErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope.json"), "read results: open " + filepath.Join(dir, "nope.json")},
		{"not JSON", write("bad.json", "runs:\n"), "read results: " + filepath.Join(dir, "bad.json") + ": not a scenrun results file: invalid character"},
		{"not results", write("other.json", `{"name": "x"}`), "not a scenrun results file"},
		{"trailing data", write("two.json", `{"scenario": "a", "runs": []} {"scenario": "b"}`), "unexpected data after the results object"},
		{"no runs", write("noruns.json", `{"scenario": "a"}`), `not a scenrun results file (no "runs")`},
		{"array", write("array.json", `[1, 2]`), "not a scenrun results file: want a JSON object"},
		{"empty", write("empty.json", ``), "not a scenrun results file: EOF"},
		{"wrong types", write("types.json", `{"scenario": "a", "runs": {"x": 1}}`), "not a scenrun results file: json: cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := analysis.ReadJSON(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestJSONResultsPath(t *testing.T) {
	now := time.Date(2026, 11, 26, 6, 32, 34, 999, time.FixedZone("CET", 3600))
	dir := filepath.Join(t.TempDir(), "results", "nested")
	first, err := ResultsPath(dir, "shared-connection", now)
	if err != nil {
		t.Fatalf("ResultsPath: %v", err)
	}
	if want := filepath.Join(dir, "shared-connection-20261126T053234Z.json"); first != want {
		t.Errorf("got %s, want %s", first, want)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("directory not created: %v", err)
	}
	if _, err := os.Stat(first); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ResultsPath created the file: %v", err)
	}

	want := []string{
		first,
		filepath.Join(dir, "shared-connection-20261126T053234Z-2.json"),
		filepath.Join(dir, "shared-connection-20261126T053234Z-3.json"),
	}
	for i, w := range want {
		t.Run(filepath.Base(w), func(t *testing.T) {
			got, err := ResultsPath(dir, "shared-connection", now)
			if err != nil {
				t.Fatalf("ResultsPath: %v", err)
			}
			if got != w {
				t.Errorf("call %d: got %s, want %s", i+1, got, w)
			}
			if err := SaveJSON(got, reportFixture()); err != nil {
				t.Fatalf("SaveJSON: %v", err)
			}
		})
	}
}

func TestJSONResultsPathErrors(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(parent, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, scenario, want string
	}{
		{"directory under a file", filepath.Join(parent, "results"), "s", "results path: create directory " + filepath.Join(parent, "results")},
		{"empty scenario", t.TempDir(), "", `results path: scenario name ""`},
		{"scenario with a slash", t.TempDir(), "../s", `results path: scenario name "../s"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ResultsPath(tt.dir, tt.scenario, time.Now())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestJSONGolden pins the results JSON of SPEC §7 for a fixed set of
// measurements: a change to a field's name, type or placement shows here.
// Regenerate with go test ./engine -run JSONGolden -update.
func TestJSONGolden(t *testing.T) {
	var b strings.Builder
	if err := analysis.WriteJSON(&b, reportFixture()); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "report", "results.json.golden"), b.String())
}
