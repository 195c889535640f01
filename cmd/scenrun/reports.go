package main

import (
	"fmt"
	"io"
	"os"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/engine/report"
)

// writeReports writes the reports that cover every spec of the command
// (-junit); it returns the exit code its failures call for.
func writeReports(c *config, all []*analysis.Results, stderr io.Writer) int {
	if c.junit == "" || len(all) == 0 {
		return exitOK
	}
	if err := report.SaveJUnit(c.junit, all); err != nil {
		fmt.Fprintf(stderr, "scenrun: %v\n", err)
		return exitRunFailed
	}
	return exitOK
}

// appendSummary appends the markdown report of res to a GitHub Actions job
// summary file (GITHUB_STEP_SUMMARY), which other steps append to as well:
// it is never truncated.
func appendSummary(path string, res *analysis.Results) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if err := writeSummaryHead(f, res); err != nil {
		f.Close()
		return err
	}
	if err := report.Render(f, res, report.RenderOptions{Format: "markdown"}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeSummaryHead is the job summary's heading: the scenario and its
// verdict, so that a reader sees it before the tables.
func writeSummaryHead(w io.Writer, res *analysis.Results) error {
	var failed, skipped, errored int
	for _, a := range res.Assertions {
		switch {
		case a.Skipped:
			skipped++
		case !a.Passed:
			failed++
		}
	}
	for _, r := range res.Runs {
		if r.Error != "" {
			errored++
		}
	}
	verdict := fmt.Sprintf("PASS: %d assertions passed", len(res.Assertions)-skipped)
	switch {
	case res.Interrupted:
		verdict = "INTERRUPTED: partial results"
	case errored > 0:
		verdict = fmt.Sprintf("ERROR: %d of %d runs could not be carried out", errored, len(res.Runs))
	case failed > 0:
		verdict = fmt.Sprintf("FAIL: %d of %d assertions failed", failed, len(res.Assertions)-skipped)
	}
	if skipped > 0 {
		verdict += fmt.Sprintf(", %d skipped", skipped)
	}
	_, err := fmt.Fprintf(w, "## scenrun: %s — %s\n\n`%s`\n\n", res.Scenario, verdict, res.SpecFile)
	return err
}
