package engine

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// The JUnit XML report follows the format Ant's XMLJUnitResultFormatter
// writes and CI servers (Jenkins, GitLab, GitHub test reporters) read: a
// <testsuites> root, one <testsuite> per scenario, one <testcase> per
// assertion (a <failure> for a failed one, <skipped> for one -run left out)
// and one per run that could not be carried out (an <error>).

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func junitSeconds(s float64) string { return strconv.FormatFloat(max(s, 0), 'f', 3, 64) }

// junitSuiteOf is one scenario's results as a test suite.
func junitSuiteOf(res *Results) junitSuite {
	s := junitSuite{
		Name:      res.Scenario,
		Time:      junitSeconds(res.FinishedAt.Sub(res.StartedAt).Seconds()),
		Timestamp: res.StartedAt.UTC().Format("2006-01-02T15:04:05Z"),
		Properties: []junitProperty{
			{Name: "spec_file", Value: res.SpecFile},
			{Name: "scenrun", Value: res.Environment.Scenrun},
			{Name: "sqlite", Value: res.Environment.SQLite},
			{Name: "time_scale", Value: strconv.FormatFloat(res.TimeScale, 'g', -1, 64)},
		},
	}
	if res.StartedAt.IsZero() {
		s.Timestamp = ""
	}
	if res.Interrupted {
		s.Properties = append(s.Properties, junitProperty{Name: "interrupted", Value: "true"})
	}
	for _, run := range res.Runs {
		if run.Error == "" {
			continue
		}
		elapsed := 0.0
		for _, t := range run.Trials {
			elapsed += t.ElapsedSeconds
		}
		text := run.Error
		for _, e := range run.Errors {
			text += "\n" + e
		}
		s.Cases = append(s.Cases, junitCase{
			Name: "run " + run.Name, ClassName: res.Scenario + ".runs", Time: junitSeconds(elapsed),
			Error: &junitProblem{Message: run.Error, Type: "run", Text: text},
		})
		s.Errors++
	}
	for _, a := range res.Assertions {
		c := junitCase{Name: a.Name, ClassName: res.Scenario + ".assertions", Time: junitSeconds(0)}
		switch {
		case a.Skipped:
			c.Skipped = &junitProblem{Message: a.Detail}
			s.Skipped++
		case !a.Passed:
			c.Failure = &junitProblem{Message: a.Detail, Type: "assertion", Text: a.Expr + "\n" + a.Detail}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	s.Tests = len(s.Cases)
	return s
}

// WriteJUnit writes the results of one or more scenarios as a JUnit XML
// report: a test suite per scenario.
func WriteJUnit(w io.Writer, results []*Results) error {
	root := junitSuites{Name: "scenrun"}
	total := 0.0
	for _, res := range results {
		s := junitSuiteOf(res)
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Skipped += s.Skipped
		total += max(res.FinishedAt.Sub(res.StartedAt).Seconds(), 0)
		root.Suites = append(root.Suites, s)
	}
	root.Time = junitSeconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	return nil
}

// SaveJUnit writes the JUnit report to path through a temporary file and a
// rename, replacing an earlier report (CI jobs write the same path every
// time; unlike the results, a report is derived and can be written again).
func SaveJUnit(path string, results []*Results) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("save junit: cannot write in directory %s: %w", filepath.Dir(path), pathErrCause(err))
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = WriteJUnit(f, results); err != nil {
		return fmt.Errorf("save junit: %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("save junit: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("save junit: %w", err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save junit: %w", err)
	}
	return nil
}
