package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/scenrun/scenrun/engine/analysis"
)

// Plan writes the plan as a table, the total, how it was estimated
// and, past LongPlan, a hint to use -quick.
func Plan(w io.Writer, spec string, p *analysis.Plan) error {
	t := newReportTable()
	t.AppendHeader(table.Row{"run", "files", "conc", "procs", "profile", "connection", "trials", "API/file", "DB/file", "bound", "est. trial", "est. run"})
	configs := []table.ColumnConfig{}
	for _, n := range []int{2, 3, 4, 8, 9, 11, 12} {
		configs = append(configs, table.ColumnConfig{Number: n, Align: text.AlignRight})
	}
	t.SetColumnConfigs(configs)
	for _, r := range p.Runs {
		trials := fmt.Sprint(r.Config.Repeat)
		if r.Config.Warmup > 0 {
			trials += fmt.Sprintf("+%d warm-up", r.Config.Warmup)
		}
		t.AppendRow(table.Row{r.Name, r.Config.Files, r.Config.Concurrency, r.Config.Processes, r.Config.Profile, r.Config.Connection,
			trials, analysis.FormatDuration(r.APIPerFile), analysis.FormatDuration(r.DBPerFile), r.Bound, analysis.FormatDuration(r.Trial), analysis.FormatDuration(r.Total)})
	}
	t.AppendFooter(table.Row{"total", "", "", "", "", "", "", "", "", "", "", analysis.FormatDuration(p.Total)})
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", renderBox(t, fmt.Sprintf("Plan — %s (time scale %g)", spec, p.TimeScale), defaultReportWidth))
	runs := "runs"
	if len(p.Runs) == 1 {
		runs = "run"
	}
	fmt.Fprintf(&b, "Estimated total: %s for %d %s.\n", analysis.FormatDuration(p.Total), len(p.Runs), runs)
	fmt.Fprintf(&b, "DB/file and the calls' late wake-ups are measured: %d calibration trials took %s.\n", p.Cal.Trials, analysis.FormatDuration(p.Cal.Elapsed))
	fmt.Fprintf(&b, "A trial is estimated as setup + max(⌈files/conc⌉ × (API/file + DB/file), files ÷ calibrated files/s); it holds while the machine stays as busy as it was just now.\n")
	if p.Total > analysis.LongPlan {
		fmt.Fprintf(&b, "hint: this takes more than %s; -quick scales every API latency by 1/40 (2 s → 50 ms).\n", analysis.FormatDuration(analysis.LongPlan))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
