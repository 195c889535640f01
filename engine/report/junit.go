package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"

	"github.com/scenrun/scenrun/engine/analysis"
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
func junitSuiteOf(res *analysis.Results) junitSuite {
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
func WriteJUnit(w io.Writer, results []*analysis.Results) error {
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

// SaveJUnit writes the JUnit report to path atomically, replacing an
// earlier report (CI jobs write the same path every time; unlike the
// results, a report is derived and can be written again).
func SaveJUnit(path string, results []*analysis.Results) error {
	return saveFile(path, "save junit", true, func(w io.Writer) error { return WriteJUnit(w, results) })
}
