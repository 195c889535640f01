package report

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/engine/analysis"
)

// junitFixture is the report fixture plus a run that failed, and details
// with characters XML must escape.
func junitFixture() *analysis.Results {
	res := reportFixture()
	res.Runs = append(res.Runs, analysis.RunResult{Name: "broken", Error: `apply: database is locked <SQLITE_BUSY> & "gave up"`,
		Errors: []string{"file-0001: database is locked"}})
	res.Assertions = append(res.Assertions, analysis.AssertionResult{Name: `quotes "and" <angles> & α`, Expr: `a.x < b.x && true`,
		Detail: "a.x < b.x: 3 < 2\tand a control \x01 character"})
	return res
}

// xmllint validates path against the committed schema; CI installs it
// (libxml2-utils in .ci/run), so only a local run without it skips.
func xmllint(t *testing.T, path string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xmllint is missing on CI: .ci/run installs libxml2-utils")
		}
		t.Skip("xmllint not installed (apt-get install libxml2-utils); CI installs it")
	}
	out, err := exec.Command(bin, "--noout", "--schema", filepath.Join("testdata", "junit", "junit.xsd"), path).CombinedOutput()
	return string(out), err
}

func TestJUnitValidatesAgainstSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := SaveJUnit(path, []*analysis.Results{junitFixture(), reportFixture()}); err != nil {
		t.Fatal(err)
	}
	if out, err := xmllint(t, path); err != nil {
		b, _ := os.ReadFile(path)
		t.Fatalf("xmllint: %v\n%s\n%s", err, out, b)
	}
}

// TestJUnitSchemaRejects makes sure the schema check can fail: documents
// that break the format are refused.
func TestJUnitSchemaRejects(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"testcase without a name", `<testsuites><testsuite name="a" tests="1" failures="0" errors="0"><testcase classname="a"/></testsuite></testsuites>`},
		{"two outcomes", `<testsuites><testsuite name="a" tests="1" failures="1" errors="1"><testcase name="x" classname="a"><failure/><error/></testcase></testsuite></testsuites>`},
		{"negative count", `<testsuites><testsuite name="a" tests="-1" failures="0" errors="0"/></testsuites>`},
		{"suite without counts", `<testsuites><testsuite name="a"/></testsuites>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.xml")
			if err := os.WriteFile(path, []byte(tt.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := xmllint(t, path); err == nil {
				t.Errorf("xmllint accepted it: %s", out)
			}
		})
	}
}

func TestJUnitContent(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, []*analysis.Results{junitFixture()}); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if len(got.Suites) != 1 {
		t.Fatalf("got %d suites, want 1", len(got.Suites))
	}
	s := got.Suites[0]
	// 4 assertions (1 passed, 2 failed, 1 skipped) and 1 run that errored.
	if s.Tests != 5 || s.Failures != 2 || s.Errors != 1 || s.Skipped != 1 {
		t.Errorf("got tests=%d failures=%d errors=%d skipped=%d, want 5 2 1 1", s.Tests, s.Failures, s.Errors, s.Skipped)
	}
	if got.Tests != 5 || got.Failures != 2 || got.Errors != 1 || got.Skipped != 1 {
		t.Errorf("testsuites: got tests=%d failures=%d errors=%d skipped=%d, want 5 2 1 1", got.Tests, got.Failures, got.Errors, got.Skipped)
	}
	byName := map[string]junitCase{}
	for _, c := range s.Cases {
		byName[c.Name] = c
	}
	if c := byName["run broken"]; c.Error == nil || !strings.Contains(c.Error.Message, "<SQLITE_BUSY>") || !strings.Contains(c.Error.Text, "file-0001") {
		t.Errorf("run broken: got %+v, want an error with the run's error and file errors", c)
	}
	fail := byName["fsm dispatch p95 decreases significantly"]
	if fail.Failure == nil || fail.Failure.Message != reportFixture().Assertions[1].Detail {
		t.Errorf("failed assertion: got %+v, want a failure whose message is the detail", fail)
	}
	if c := byName["pool beats shared"]; c.Skipped == nil || c.Failure != nil {
		t.Errorf("skipped assertion: got %+v, want skipped", c)
	}
	if c := byName["every file indexed in every run"]; c.Failure != nil || c.Error != nil || c.Skipped != nil {
		t.Errorf("passed assertion: got %+v, want no outcome element", c)
	}
	if c := byName[`quotes "and" <angles> & α`]; c.Failure == nil || !strings.Contains(c.Failure.Message, "3 < 2") {
		t.Errorf("escaped assertion: got %+v", c)
	}
}

func TestSaveJUnitReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := SaveJUnit(path, []*analysis.Results{reportFixture()}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !bytes.HasPrefix(b, []byte("<?xml")) {
		t.Errorf("got %q, want the new report", b[:min(len(b), 20)])
	}
	if err := SaveJUnit(filepath.Join(t.TempDir(), "no", "such", "dir.xml"), nil); err == nil || !strings.Contains(err.Error(), "save junit: cannot write in directory") {
		t.Errorf("got %v, want an error naming the directory", err)
	}
}
