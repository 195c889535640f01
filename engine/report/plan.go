package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/scenrun/scenrun/engine/analysis"
)

// Plan writes the plan as a table, the total, how it was estimated
// and, past LongPlan, a hint to use -quick. The table fits width (0 means
// 120), split keyed by run name as the results table is; the lines below
// it wrap at width.
func Plan(w io.Writer, spec string, p *analysis.Plan, width int) error {
	if width <= 0 {
		width = defaultReportWidth
	}
	header := table.Row{"run", "files", "conc", "procs", "profile", "connection", "trials", "API/file", "DB/file", "bound", "est. trial", "est. run"}
	right := func(c int) bool { return slices.Contains([]int{1, 2, 3, 7, 8, 10, 11}, c) }
	var rows []table.Row
	for _, r := range p.Runs {
		trials := fmt.Sprint(r.Config.Repeat)
		if r.Config.Warmup > 0 {
			trials += fmt.Sprintf("+%d warm-up", r.Config.Warmup)
		}
		rows = append(rows, table.Row{r.Name, r.Config.Files, r.Config.Concurrency, r.Config.Processes, r.Config.Profile, r.Config.Connection,
			trials, analysis.FormatDuration(r.APIPerFile), analysis.FormatDuration(r.DBPerFile), r.Bound, analysis.FormatDuration(r.Trial), analysis.FormatDuration(r.Total)})
	}
	footer := table.Row{"total", "", "", "", "", "", "", "", "", "", "", analysis.FormatDuration(p.Total)}
	rw := &reportWriter{opts: RenderOptions{Format: "table", Width: width}}
	parts := rw.keyedParts(header, append(slices.Clone(rows), footer), right) // the footer must fit too
	var b strings.Builder
	title := fmt.Sprintf("Plan — %s (time scale %g)", spec, p.TimeScale)
	for i, cols := range parts {
		t := keyedTable(header, rows, right, cols)
		if slices.Contains(cols, len(footer)-1) { // the total, under est. run
			var foot table.Row
			for _, c := range cols {
				foot = append(foot, footer[c])
			}
			t.AppendFooter(foot)
		}
		tt := title
		if len(parts) > 1 {
			tt = fmt.Sprintf("%s (%d/%d)", title, i+1, len(parts))
		}
		fmt.Fprintf(&b, "%s\n\n", renderBox(t, tt, width))
	}
	line := func(format string, a ...any) {
		fmt.Fprintf(&b, "%s\n", text.WrapSoft(fmt.Sprintf(format, a...), width))
	}
	runs := "runs"
	if len(p.Runs) == 1 {
		runs = "run"
	}
	line("Estimated total: %s for %d %s.", analysis.FormatDuration(p.Total), len(p.Runs), runs)
	line("DB/file and the calls' late wake-ups are measured: %d calibration trials took %s.", p.Cal.Trials, analysis.FormatDuration(p.Cal.Elapsed))
	line("A trial is estimated as setup + max(⌈files/conc⌉ × (API/file + DB/file), files ÷ calibrated files/s); it holds while the machine stays as busy as it was just now.")
	if p.Total > analysis.LongPlan {
		line("hint: this takes more than %s; -quick scales every API latency by 1/40 (2 s → 50 ms).", analysis.FormatDuration(analysis.LongPlan))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
