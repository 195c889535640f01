package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"
	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/scenario"
)

// RenderOptions say how Render writes the human report.
type RenderOptions struct {
	Format string // "table" (go-pretty boxes), "markdown" (GitHub-flavoured, suits a CI job summary), "csv", "html" (html.go)
	Color  bool   // ANSI colour (only ever true when stdout is a terminal and NO_COLOR is unset; the caller decides)
	Width  int    // the terminal width to fit; 0 means 120 (not a terminal)

	wrapNotes bool // Width was given: notes wrap to it too
}

// defaultReportWidth is the width a report fits when the caller gives none.
const defaultReportWidth = 120

// Render writes, in this order: one results table for all runs; one table per
// comparison; the assertions table.
//
// The report is for people: figures are rounded (see analysis.FormatNum) and a table
// never truncates a cell. In "table" format every table fits opts.Width: the
// results table is split into several tables keyed by run name when it does
// not fit in one, and long assertion details wrap. Colour (opts.Color) only
// ever applies to the "table" format. The "csv" format is for machines: one
// row per run and segment, at full precision.
func Render(w io.Writer, res *analysis.Results, opts RenderOptions) error {
	if opts.Format != "csv" {
		res = escaped(res) // for people: no control character reaches them raw
	}
	// Notes wrap only to a terminal's width: a report going to a file or a
	// pipe keeps each note on one line, for grep.
	opts.wrapNotes = opts.Width > 0
	if opts.Width <= 0 {
		opts.Width = defaultReportWidth
	}
	var err error
	switch opts.Format {
	case "", "table":
		opts.Format = "table"
		err = renderText(w, res, opts)
	case "markdown":
		opts.Color = false
		err = renderText(w, res, opts)
	case "csv":
		err = renderCSV(w, res)
	case "html":
		err = renderHTML(w, res)
	default:
		return fmt.Errorf("render: unknown format %q (want table, markdown, csv or html)", opts.Format)
	}
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return nil
}

// A reportWriter writes the tables and notes of one human report, in table or
// markdown format, remembering the first write error.
type reportWriter struct {
	w    io.Writer
	opts RenderOptions
	err  error
}

func (r *reportWriter) markdown() bool { return r.opts.Format == "markdown" }

func (r *reportWriter) printf(format string, a ...any) {
	if r.err == nil {
		_, r.err = fmt.Fprintf(r.w, format, a...)
	}
}

// notes writes plain lines after a table: a bulleted list in markdown (where
// consecutive lines would run into one paragraph), else one line each.
func (r *reportWriter) notes(lines []string) {
	if len(lines) == 0 {
		return
	}
	for _, l := range lines {
		if r.markdown() {
			r.printf("- %s\n", l)
		} else {
			r.printf("%s\n", r.wrapNote(l))
		}
	}
	r.printf("\n")
}

// wrapNote fits a note line to a terminal's width, as the tables are:
// wrapped at spaces, each continuation indented by two columns (a word
// longer than the width stays whole). Without a terminal's width the line
// is kept whole.
func (r *reportWriter) wrapNote(l string) string {
	w := r.opts.Width
	if !r.opts.wrapNotes || textWidth(l) <= w || w < 20 {
		return l
	}
	parts := strings.Split(text.WrapSoft(l, w-2), "\n")
	for i, p := range parts {
		// WrapSoft pads each line to the width, inside a colour's reset.
		p = strings.TrimRight(p, " ")
		if core, ok := strings.CutSuffix(p, "\x1b[0m"); ok {
			p = strings.TrimRight(core, " ") + "\x1b[0m"
		}
		if i > 0 {
			p = "  " + strings.TrimLeft(p, " ")
		}
		parts[i] = p
	}
	return strings.Join(parts, "\n")
}

// paint wraps s in an ANSI SGR sequence when colour is on. It writes the
// escapes itself rather than through go-pretty's text.Colors, whose output
// also depends on process-wide state (NO_COLOR, TERM, text.EnableColors):
// here the caller alone decides.
func (r *reportWriter) paint(s, sgr string) string {
	if !r.opts.Color || s == "" {
		return s
	}
	return "\x1b[" + sgr + "m" + s + "\x1b[0m"
}

const (
	sgrRed    = "31"
	sgrGreen  = "32"
	sgrYellow = "33"
)

// table writes t under title: a "### title" heading and the markdown table,
// or a box with the title in it. A box title never widens the box past the
// report width; a longer title wraps at word boundaries.
func (r *reportWriter) table(title string, t table.Writer) {
	if r.markdown() {
		r.printf("### %s\n\n%s\n\n", title, t.RenderMarkdown())
		return
	}
	r.printf("%s\n\n", renderBox(t, title, r.opts.Width))
}

// renderBox renders t in a box titled title. go-pretty hard-wraps a title
// wider than the table; instead the table is widened to hold the title (up
// to width), and a title that still does not fit is soft-wrapped first.
func renderBox(t table.Writer, title string, width int) string {
	boxW := textWidth(t.Render())
	const frame = 4 // "│ " and " │"
	if need := text.StringWidthWithoutEscSequences(title) + frame; need > boxW {
		t.Style().Size.WidthMin = min(need, max(width, boxW))
		boxW = max(boxW, t.Style().Size.WidthMin)
	}
	if boxW-frame > 0 {
		title = text.WrapSoft(title, boxW-frame)
	}
	t.SetTitle("%s", title)
	return t.Render()
}

// textWidth is the width in columns of the widest line of s, ANSI escapes
// not counted.
func textWidth(s string) int {
	w := 0
	for line := range strings.SplitSeq(s, "\n") {
		w = max(w, text.StringWidthWithoutEscSequences(line))
	}
	return w
}

func newReportTable() table.Writer {
	t := table.NewWriter()
	t.SetStyle(table.StyleRounded)
	// Headers as written: units such as "ms" and run names keep their case.
	t.Style().Format.Header = text.FormatDefault
	t.Style().Format.Footer = text.FormatDefault
	return t
}

func renderText(w io.Writer, res *analysis.Results, opts RenderOptions) error {
	r := &reportWriter{w: w, opts: opts}
	r.results(res)
	// Results from before the gate was recorded: benchstat's α, no floor.
	alpha, floor := defaultAlpha, 0.0
	if res.Gate != nil {
		alpha, floor = res.Gate.Alpha, res.Gate.NoiseFloorPct
	}
	for i := range res.Comparisons {
		r.comparison(&res.Comparisons[i], alpha, floor)
	}
	r.assertions(res.Assertions)
	return r.err
}

// A resultColumn is one column of the results table.
type resultColumn struct {
	header string
	right  bool // numbers align right
	ms     bool // a latency, in milliseconds
	cell   func(r *reportWriter, run *analysis.RunResult) string
}

func statCell(seg func(*analysis.Segments) analysis.Stat, stat func(analysis.Stat) float64) func(*reportWriter, *analysis.RunResult) string {
	return func(_ *reportWriter, run *analysis.RunResult) string {
		s := seg(&run.Segments)
		if s.Count == 0 {
			return "-" // no samples: no figure, rather than a misleading 0
		}
		return analysis.FormatNum(stat(s))
	}
}

func statP50(s analysis.Stat) float64 { return s.P50 }
func statP95(s analysis.Stat) float64 { return s.P95 }

// resultColumns returns the results table's columns after the run name, in
// three groups: the run's identity and throughput; its latencies (ms) and
// write contention; whether it did its job (files indexed, integrity, and,
// only when a run failed, an error marker). One table shows them in that
// order, SPEC §8's columns first; a split table puts the first and last
// groups together, then the latencies.
func resultColumns(res *analysis.Results) (identity, latency, outcome []resultColumn) {
	identity = []resultColumn{
		{header: "conc", right: true, cell: func(_ *reportWriter, run *analysis.RunResult) string { return strconv.Itoa(run.Concurrency) }},
		{header: "profile", cell: func(_ *reportWriter, run *analysis.RunResult) string { return run.Profile }},
		{header: "connection", cell: func(_ *reportWriter, run *analysis.RunResult) string { return run.Connection }},
	}
	// database appears once a run is not on the embedded SQLite.
	if slices.ContainsFunc(res.Runs, func(run analysis.RunResult) bool { return run.Database != "" && run.Database != "sqlite" }) {
		identity = append(identity, resultColumn{header: "database", cell: func(_ *reportWriter, run *analysis.RunResult) string { return run.Database }})
	}
	identity = append(identity, []resultColumn{
		{header: "elapsed s", right: true, cell: func(_ *reportWriter, run *analysis.RunResult) string {
			if unmeasured(run) {
				return "-"
			}
			return analysis.FormatNum(run.ElapsedSeconds)
		}},
		{header: "trans/s", right: true, cell: func(_ *reportWriter, run *analysis.RunResult) string {
			if unmeasured(run) {
				return "-"
			}
			return analysis.FormatNum(run.TransitionsPerSecond)
		}},
	}...)
	outcome = []resultColumn{
		{header: "indexed", right: true, cell: func(r *reportWriter, run *analysis.RunResult) string {
			s := fmt.Sprintf("%d/%d", run.Indexed, run.Files)
			if run.Indexed != run.Files {
				return r.paint(s, sgrRed)
			}
			return s
		}},
		{header: "integrity", cell: func(r *reportWriter, run *analysis.RunResult) string {
			switch run.Integrity {
			case "ok":
				return "ok"
			case "":
				return "-" // not checked: the run stopped first
			}
			return r.paint("FAIL", sgrRed)
		}},
	}
	if slices.ContainsFunc(res.Runs, func(run analysis.RunResult) bool { return run.Batches != nil }) {
		outcome = append(outcome, batchColumn)
	}
	// busy appears once a run can meet a busy database as a measurement:
	// a workload of the spec's own, busy retries, or busy errors met.
	if slices.ContainsFunc(res.Runs, func(run analysis.RunResult) bool {
		return run.BusyErrors > 0 || run.BusyRetryLimit > 0 || run.Workload != "" && run.Workload != "files"
	}) {
		outcome = append(outcome, resultColumn{header: "busy", right: true, cell: func(r *reportWriter, run *analysis.RunResult) string {
			s := strconv.FormatInt(run.BusyErrors, 10)
			if run.BusyErrors > 0 {
				return r.paint(s, sgrYellow)
			}
			return s
		}})
	}
	if slices.ContainsFunc(res.Runs, func(run analysis.RunResult) bool { return run.Error != "" }) {
		outcome = append(outcome, resultColumn{header: "error", cell: func(r *reportWriter, run *analysis.RunResult) string {
			if run.Error == "" {
				return ""
			}
			return r.paint("ERROR", sgrRed)
		}})
	}
	dbTotal := func(s *analysis.Segments) analysis.Stat { return s.DBTotal }
	latency = []resultColumn{
		{header: "db p50", right: true, ms: true, cell: statCell(dbTotal, statP50)},
		{header: "db p95", right: true, ms: true, cell: statCell(dbTotal, statP95)},
		{header: "lock p95", right: true, ms: true, cell: statCell(func(s *analysis.Segments) analysis.Stat { return s.LockWait }, statP95)},
		{header: "fsm p95", right: true, ms: true, cell: statCell(func(s *analysis.Segments) analysis.Stat { return s.FSMDispatch }, statP95)},
		{header: "net p50", right: true, ms: true, cell: statCell(func(s *analysis.Segments) analysis.Stat { return s.FSMNet }, statP50)},
		{header: "net p95", right: true, ms: true, cell: statCell(func(s *analysis.Segments) analysis.Stat { return s.FSMNet }, statP95)},
		{header: "WAL growth", right: true, cell: func(_ *reportWriter, run *analysis.RunResult) string {
			if run.WALBytes != nil { // PostgreSQL: the WAL written during the trial
				return analysis.FormatBytes(*run.WALBytes)
			}
			if unmeasured(run) {
				return "-"
			}
			return analysis.FormatBytes(run.WALSizeEndBytes - run.WALSizeStartBytes)
		}},
		{header: "contention", cell: func(r *reportWriter, run *analysis.RunResult) string {
			if run.WALContention == "CONTENTION" {
				return r.paint(run.WALContention, sgrYellow)
			}
			return run.WALContention
		}},
	}
	// The verdict that tells waiting for the lock from the write's own
	// work, beside the reference's contention verdict.
	if slices.ContainsFunc(res.Runs, func(run analysis.RunResult) bool { return run.LockVerdict != "" }) {
		latency = append(latency, resultColumn{header: "lock waits", cell: func(r *reportWriter, run *analysis.RunResult) string {
			if run.LockVerdict == "" {
				return ""
			}
			s := fmt.Sprintf("%s %s×", run.LockVerdict, analysis.FormatNum(run.LockWaitRatio))
			if run.LockVerdict == "WAITING" {
				return r.paint(s, sgrYellow)
			}
			return s
		}})
	}
	if slices.ContainsFunc(res.Runs, func(run analysis.RunResult) bool { return run.Reads != nil }) {
		latency = append(latency,
			resultColumn{header: "read p95", right: true, ms: true, cell: func(_ *reportWriter, run *analysis.RunResult) string {
				if run.Reads == nil || run.Reads.ReadMS.Count == 0 {
					return ""
				}
				return analysis.FormatNum(run.Reads.ReadMS.P95)
			}},
			resultColumn{header: "WAL max", right: true, cell: func(_ *reportWriter, run *analysis.RunResult) string {
				if run.WALSizeMaxBytes == nil {
					return "n/a"
				}
				return analysis.FormatBytes(*run.WALSizeMaxBytes)
			}})
	}
	return identity, latency, outcome
}

// resultsTable builds a results table of the run name and cols.
func (r *reportWriter) resultsTable(runs []analysis.RunResult, cols []resultColumn) table.Writer {
	t := newReportTable()
	header := table.Row{"run"}
	var configs []table.ColumnConfig
	for i, c := range cols {
		header = append(header, c.header)
		if c.right {
			configs = append(configs, table.ColumnConfig{Number: i + 2, Align: text.AlignRight})
		}
	}
	t.AppendHeader(header)
	t.SetColumnConfigs(configs)
	for i := range runs {
		row := table.Row{runs[i].Name}
		for _, c := range cols {
			row = append(row, c.cell(r, &runs[i]))
		}
		t.AppendRow(row)
	}
	return t
}

// results writes the results table, then the runs' warnings and errors.
//
// In table format the table must fit the report width: when all columns do
// not, it is split in two, identity and throughput then latencies, each keyed
// by run name; a part still too wide is split further, greedily, column by
// column. Markdown is not split: its reader scrolls.
func (r *reportWriter) results(res *analysis.Results) {
	title := "Results — " + res.Scenario
	if len(res.Runs) == 0 {
		if r.markdown() {
			r.printf("### %s\n\nno runs\n\n", title)
		} else {
			r.printf("%s: no runs\n\n", title)
		}
		r.runNotes(res)
		return
	}
	identity, latency, outcome := resultColumns(res)
	all := slices.Concat(identity, latency, outcome)
	if r.markdown() {
		r.table(title+" (latencies in ms)", r.resultsTable(res.Runs, all))
		r.runNotes(res)
		return
	}
	parts := [][]resultColumn{all}
	if !r.fits(res.Runs, all) {
		parts = nil
		for _, group := range [][]resultColumn{slices.Concat(identity, outcome), latency} {
			parts = append(parts, r.pack(res.Runs, group)...)
		}
	}
	for i, cols := range parts {
		t := title
		switch {
		case len(parts) > 1 && !slices.ContainsFunc(cols, isLatency):
			t = fmt.Sprintf("%s (%d/%d)", title, i+1, len(parts))
		case len(parts) > 1:
			t = fmt.Sprintf("%s (%d/%d, latencies in ms)", title, i+1, len(parts))
		default:
			t += " (latencies in ms)"
		}
		r.table(t, r.resultsTable(res.Runs, cols))
	}
	r.runNotes(res)
}

func isLatency(c resultColumn) bool { return c.ms }

// unmeasured says whether a run has no figures: it stopped before any file
// of a counted trial finished. Its elapsed time, throughput and WAL growth
// show "-", as its latencies do, rather than zeros that read as measured.
func unmeasured(run *analysis.RunResult) bool { return run.Segments.TotalWall.Count == 0 }

// fits says whether the results table of cols is no wider than the report.
func (r *reportWriter) fits(runs []analysis.RunResult, cols []resultColumn) bool {
	return textWidth(r.resultsTable(runs, cols).Render()) <= r.opts.Width
}

// pack splits cols into as few consecutive parts as fit the report width,
// each keeping at least one column even when that alone is too wide (a cell
// is never cut). Among the splits with that fewest number of parts it takes
// the one whose widest part is narrowest, so a last column is not left
// alone in a part of its own when its neighbours could share.
func (r *reportWriter) pack(runs []analysis.RunResult, cols []resultColumn) [][]resultColumn {
	greedy := r.packGreedy(runs, cols)
	k, n := len(greedy), len(cols)
	if k < 2 {
		return greedy
	}
	// width[i][j]: the rendered width of the part cols[i:j].
	width := make([][]int, n+1)
	for i := range n {
		width[i] = make([]int, n+1)
		for j := i + 1; j <= n; j++ {
			width[i][j] = textWidth(r.resultsTable(runs, cols[i:j]).Render())
		}
	}
	ok := func(i, j int) bool { return j == i+1 || width[i][j] <= r.opts.Width }
	// best[p][j]: the narrowest widest part of cols[:j] in p parts (−1: none
	// fits); from[p][j] where its last part starts.
	best := make([][]int, k+1)
	from := make([][]int, k+1)
	for p := range best {
		best[p], from[p] = make([]int, n+1), make([]int, n+1)
		for j := range best[p] {
			best[p][j] = -1
		}
	}
	best[0][0] = 0
	for p := 1; p <= k; p++ {
		for j := p; j <= n; j++ {
			for i := p - 1; i < j; i++ {
				if best[p-1][i] < 0 || !ok(i, j) {
					continue
				}
				if w := max(best[p-1][i], width[i][j]); best[p][j] < 0 || w < best[p][j] {
					best[p][j], from[p][j] = w, i
				}
			}
		}
	}
	if best[k][n] < 0 {
		return greedy
	}
	parts := make([][]resultColumn, k)
	for p, j := k, n; p > 0; p-- {
		i := from[p][j]
		parts[p-1] = cols[i:j]
		j = i
	}
	return parts
}

// packGreedy fills each part with as many columns as fit, in order.
func (r *reportWriter) packGreedy(runs []analysis.RunResult, cols []resultColumn) [][]resultColumn {
	var parts [][]resultColumn
	var cur []resultColumn
	for _, c := range cols {
		next := append(slices.Clone(cur), c)
		if len(cur) > 0 && !r.fits(runs, next) {
			parts = append(parts, cur)
			next = []resultColumn{c}
		}
		cur = next
	}
	if len(cur) > 0 {
		parts = append(parts, cur)
	}
	return parts
}

// runNotes lists what went wrong in the runs, after the results table.
func (r *reportWriter) runNotes(res *analysis.Results) {
	var lines []string
	if res.Interrupted {
		lines = append(lines, "interrupted: these results are partial")
	}
	for _, run := range res.Runs {
		for _, w := range run.Warnings {
			lines = append(lines, fmt.Sprintf("warning: %s: %s", run.Name, w))
		}
		if run.Error != "" {
			lines = append(lines, fmt.Sprintf("error: %s: %s", run.Name, run.Error))
		}
		if run.Integrity != "" && run.Integrity != "ok" {
			lines = append(lines, fmt.Sprintf("integrity: %s: %s", run.Name, run.Integrity))
		}
		if len(run.Errors) > 0 {
			kind := "error: %s: first file error: %s"
			if run.Error == "" && run.FileErrors == 0 {
				kind = "note: %s: items stopped by a busy database (busy_errors), first: %s"
			}
			l := fmt.Sprintf(kind, run.Name, run.Errors[0])
			if n := len(run.Errors) - 1; n > 0 {
				l += fmt.Sprintf(" (and %d more in the JSON results)", n)
			}
			lines = append(lines, l)
		}
	}
	if r.opts.Color {
		for i, l := range lines {
			lines[i] = r.paint(l, sgrYellow)
		}
	}
	r.notes(lines)
}

// reportComparisonSegments is c's segments in c.Order, else in SPEC order, then any
// others by name.
func reportComparisonSegments(c *analysis.Comparison) []string {
	if len(c.Order) > 0 {
		return c.Order
	}
	var names []string
	for _, s := range scenario.Segments {
		if _, ok := c.Segments[s]; ok {
			names = append(names, s)
		}
	}
	var rest []string
	for s := range c.Segments {
		if !slices.Contains(names, s) {
			rest = append(rest, s)
		}
	}
	slices.Sort(rest)
	return append(names, rest...)
}

// comparisonTitle names a comparison's runs: two runs of these results, or
// one run against itself in an earlier results file (-baseline).
func comparisonTitle(c *analysis.Comparison, stat string) string {
	if c.BaselineFile != "" {
		return fmt.Sprintf("Against the baseline file: %s then → now (%s)", c.Run, stat)
	}
	return fmt.Sprintf("Before vs After: %s → %s (%s)", c.Baseline, c.Run, stat)
}

// defaultAlpha is benchstat's α, for a p-value recorded without a verdict.
const defaultAlpha = 0.05

// deltaSignificant says whether d's difference counts. Without a p-value every
// difference counts; with one, the comparison's own verdict decides, and
// failing that p < alpha (the results' gate, else benchstat's default 0.05).
func deltaSignificant(d analysis.SegmentDelta, alpha float64) bool {
	switch {
	case d.Significant != nil:
		return *d.Significant
	case d.PValue != nil:
		return *d.PValue < alpha
	}
	return true
}

// fmtCI is a figure's 95% confidence interval as benchstat shows it: the
// larger distance from the figure to an end of the interval, in percent of
// the figure ("" without an interval, "±∞" for an unbounded one).
func fmtCI(center float64, ci *analysis.Interval) string {
	switch {
	case ci == nil:
		return ""
	case !ci.Bounded() || center == 0:
		return " ±∞"
	}
	pct := max(center-ci.Lo, ci.Hi-center) / math.Abs(center) * 100
	if pct < 10 {
		return " ±" + strconv.FormatFloat(pct, 'f', 1, 64) + "%"
	}
	return " ±" + strconv.FormatFloat(pct, 'f', 0, 64) + "%"
}

// comparison writes one Before vs After table. Lower is better for every
// segment. As in benchstat, a difference that is not statistically
// significant shows "~" instead of its percentage.
func (r *reportWriter) comparison(c *analysis.Comparison, alpha, floor float64) {
	stat := c.Stat
	if stat == "" {
		stat = "p95"
	}
	segs := reportComparisonSegments(c)
	withP := false
	for _, s := range segs {
		if c.Segments[s].PValue != nil {
			withP = true
		}
	}
	// The title names the runs: headers of their own names would make the
	// table as wide as the longest.
	header := table.Row{"segment", "before ms", "after ms", "delta %", "delta ms"}
	if withP {
		header = append(header, "p")
	}
	header = append(header, "change")
	var rows []table.Row
	unclear, withCI, unbounded := false, false, false
	for _, s := range segs {
		d, ok := c.Segments[s]
		if !ok {
			row := table.Row{s, "-", "-", "-", "-"}
			if withP {
				row = append(row, "-")
			}
			rows = append(rows, append(row, "no data"))
			continue
		}
		pct := analysis.FormatPct(d.DeltaPct)
		change := ""
		switch {
		case !deltaSignificant(d, alpha):
			pct, change, unclear = "~", "~", true
		case d.DeltaMS < 0:
			change = r.paint("▼ better", sgrGreen)
		case d.DeltaMS > 0:
			change = r.paint("▲ worse", sgrRed)
		default:
			change = "= same"
		}
		for _, ci := range []*analysis.Interval{d.BaselineCI95, d.ValueCI95} {
			withCI = withCI || ci != nil
			unbounded = unbounded || ci != nil && !ci.Bounded()
		}
		row := table.Row{s, analysis.FormatNum(d.Baseline) + fmtCI(d.Baseline, d.BaselineCI95), analysis.FormatNum(d.Value) + fmtCI(d.Value, d.ValueCI95), pct, analysis.FormatSigned(d.DeltaMS)}
		if withP {
			p := "-"
			if d.PValue != nil {
				p = analysis.FormatP(*d.PValue)
			}
			row = append(row, p)
		}
		rows = append(rows, append(row, change))
	}
	// Every column but the first (segment) and the last (change) is a
	// number.
	right := func(col int) bool { return col > 0 && col < len(header)-1 }
	parts := r.keyedParts(header, rows, right)
	for i, cols := range parts {
		title := comparisonTitle(c, stat)
		if len(parts) > 1 {
			title = fmt.Sprintf("%s (%d/%d)", title, i+1, len(parts))
		}
		r.table(title, keyedTable(header, rows, right, cols))
	}
	var lines []string
	if c.BaselineFile != "" {
		lines = append(lines, "before: "+c.BaselineFile)
	}
	if withCI {
		l := "±: 95% confidence interval of the median over the trials"
		if unbounded {
			l += " (±∞: with fewer than 6 trials one end is unbounded)"
		}
		lines = append(lines, l)
	}
	if unclear {
		l := fmt.Sprintf("~: no significant difference: the two-sided Mann–Whitney U p-value over the trials (p) is not below α=%g", alpha)
		if floor > 0 {
			l += fmt.Sprintf(", or the change is within the noise floor of %g%%", floor)
		}
		lines = append(lines, l)
	}
	for _, w := range c.Warnings {
		// What a gate could have detected is information for every
		// comparison, not a warning about this one.
		if strings.HasPrefix(w, "smallest detectable change") {
			lines = append(lines, "note: "+w)
			continue
		}
		lines = append(lines, r.paint("warning: "+w, sgrYellow))
	}
	r.notes(lines)
}

// keyedTable is a table of header and rows with only the columns cols (0
// is the first); right says which columns align right.
func keyedTable(header table.Row, rows []table.Row, right func(int) bool, cols []int) table.Writer {
	t := newReportTable()
	pick := func(row table.Row) table.Row {
		var out table.Row
		for _, c := range cols {
			out = append(out, row[c])
		}
		return out
	}
	t.AppendHeader(pick(header))
	var configs []table.ColumnConfig
	for i, c := range cols {
		if right(c) {
			configs = append(configs, table.ColumnConfig{Number: i + 1, Align: text.AlignRight})
		}
	}
	t.SetColumnConfigs(configs)
	for _, row := range rows {
		t.AppendRow(pick(row))
	}
	return t
}

// keyedParts splits a table's columns into parts that each fit the report
// width, as results does: one part when the whole table fits (and always in
// markdown), else each part the first column (the key) and as many of the
// next columns as fit, at least one.
func (r *reportWriter) keyedParts(header table.Row, rows []table.Row, right func(int) bool) [][]int {
	all := make([]int, len(header))
	for i := range all {
		all[i] = i
	}
	fits := func(cols []int) bool {
		return textWidth(keyedTable(header, rows, right, cols).Render()) <= r.opts.Width
	}
	if r.markdown() || fits(all) {
		return [][]int{all}
	}
	var parts [][]int
	cur := []int{0}
	for c := 1; c < len(header); c++ {
		next := append(slices.Clone(cur), c)
		if len(cur) > 1 && !fits(next) {
			parts = append(parts, cur)
			next = []int{0, c}
		}
		cur = next
	}
	parts = append(parts, cur)
	if len(parts) != 2 {
		return parts
	}
	// Two parts: split where the wider of the two is narrowest, rather
	// than leaving the last column alone.
	best, bestW := parts, 0
	for c := 2; c < len(header); c++ {
		a, b := append([]int{}, all[:c]...), append([]int{0}, all[c:]...)
		wa := textWidth(keyedTable(header, rows, right, a).Render())
		wb := textWidth(keyedTable(header, rows, right, b).Render())
		if w := max(wa, wb); w <= r.opts.Width && (bestW == 0 || w < bestW) {
			best, bestW = [][]int{a, b}, w
		}
	}
	return best
}

// assertions writes the assertions table and a one-line tally. Names and
// details wrap to fit the report width; nothing is cut.
func (r *reportWriter) assertions(as []analysis.AssertionResult) {
	if len(as) == 0 {
		return
	}
	t := newReportTable()
	t.AppendHeader(table.Row{"result", "assertion", "detail"})
	nameW, detailW := 0, 0
	for _, a := range as {
		nameW = max(nameW, textWidth(a.Name))
		detailW = max(detailW, textWidth(a.Detail))
	}
	// The box takes 10 columns around three cells, the result column 6.
	// When name and detail do not both fit, the name gets up to two fifths
	// of the rest and at most 40 columns, the detail what is left (at least
	// 24: a narrow terminal scrolls rather than showing a column of single
	// words); in 80 columns that is 25 and 39, so that the identifiers of a
	// detail (baseline.lock_wait_ms.p95) stay whole.
	avail := r.opts.Width - 10 - 6
	if nameW+detailW > avail {
		nameW = min(nameW, max(min(40, avail*2/5), avail-detailW))
		detailW = max(avail-nameW, 24)
	}
	wrap := func(s string, n int) string { return text.WrapText(text.WrapSoft(s, n), n) }
	if !r.markdown() {
		t.SetColumnConfigs([]table.ColumnConfig{
			{Number: 2, WidthMax: nameW, WidthMaxEnforcer: wrap},
			{Number: 3, WidthMax: detailW, WidthMaxEnforcer: wrap},
		})
	}
	var passed, failed, skipped int
	for _, a := range as {
		var verdict string
		switch {
		case a.Skipped:
			skipped++
			verdict = r.paint("SKIP", sgrYellow)
		case a.Passed:
			passed++
			verdict = r.paint("PASS", sgrGreen)
		default:
			failed++
			verdict = r.paint("FAIL", sgrRed)
		}
		t.AppendRow(table.Row{verdict, a.Name, a.Detail})
	}
	r.table("Assertions", t)
	r.notes([]string{fmt.Sprintf("%d assertions: %d passed, %d failed, %d skipped", len(as), passed, failed, skipped)})
}

// renderCSV writes one CSV document, one row per run and segment (SPEC
// order), the figures unrounded.
func renderCSV(w io.Writer, res *analysis.Results) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{
		"run", "concurrency", "profile", "connection", "elapsed_seconds", "transitions_per_second",
		"indexed", "failed", "occ_conflicts", "wal_contention", "bottleneck", "integrity",
		"segment", "p50", "p95", "p99", "p999", "mean", "min", "max", "count",
	})
	for _, run := range res.Runs {
		for _, name := range scenario.Segments {
			s, _ := run.Segments.Get(name)
			cw.Write([]string{
				run.Name, strconv.Itoa(run.Concurrency), run.Profile, run.Connection,
				analysis.FormatExact(run.ElapsedSeconds), analysis.FormatExact(run.TransitionsPerSecond),
				strconv.Itoa(run.Indexed), strconv.Itoa(run.Failed), strconv.FormatInt(run.OCCConflicts, 10),
				run.WALContention, run.Bottleneck, run.Integrity,
				name, analysis.FormatExact(s.P50), analysis.FormatExact(s.P95), analysis.FormatExact(s.P99), analysis.FormatExact(s.P999),
				analysis.FormatExact(s.Mean), analysis.FormatExact(s.Min), analysis.FormatExact(s.Max), strconv.Itoa(s.Count),
			})
		}
	}
	cw.Flush()
	return cw.Error()
}

// numDecimals is how many decimals give a (> 0) three significant digits.
// batchColumn shows single_writer's group commits, the state changes per
// transaction as "mean/max"; it appears only when a run has them.
var batchColumn = resultColumn{header: "batch mean/max", right: true, cell: func(_ *reportWriter, run *analysis.RunResult) string {
	if run.Batches == nil {
		return ""
	}
	return fmt.Sprintf("%s/%d", analysis.FormatNum(run.Batches.Mean), run.Batches.Max)
}}
