package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/engine/analysis"
)

func TestReportShowsBatchesOfSingleWriter(t *testing.T) {
	res := &analysis.Results{Scenario: "sw", Runs: []analysis.RunResult{
		{Name: "shared", RunConfig: analysis.RunConfig{Files: 10, Concurrency: 5, Connection: "shared"}},
		{Name: "sw", RunConfig: analysis.RunConfig{Files: 10, Concurrency: 5, Connection: "single_writer"},
			Measurement: analysis.Measurement{Batches: &analysis.BatchStats{Count: 9, Mean: 3.25, Max: 16}}},
	}}
	for _, format := range []string{"table", "markdown"} {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, res, RenderOptions{Format: format}); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); !strings.Contains(got, "batch mean/max") || !strings.Contains(got, "3.25/16") {
				t.Errorf("got\n%s\nwant a batch mean/max column with 3.25/16", got)
			}
		})
	}
	var b bytes.Buffer
	Render(&b, &analysis.Results{Scenario: "x", Runs: res.Runs[:1]}, RenderOptions{})
	if strings.Contains(b.String(), "batch") {
		t.Errorf("got a batch column with no single_writer run:\n%s", b.String())
	}
}
