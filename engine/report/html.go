package report

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/scenrun/scenrun/engine/analysis"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The HTML report is one self-contained file: the CSS is inline, the charts
// are inline SVG drawn by gonum/plot, and nothing refers to the network (no
// scripts, fonts or images from elsewhere), so it opens the same from a CI
// artifact, a mail attachment or a laptop on a plane. It holds the same
// tables as the text report and, per run, the lock-wait and db-total CDFs
// and the throughput over time; per comparison, before/after bars.

// Chart colours: before/baseline grey, lock wait orange, db total blue; the
// trials of a run take the palette in turn.
var (
	colBefore = color.RGBA{R: 0x88, G: 0x88, B: 0x88, A: 0xff}
	colLock   = color.RGBA{R: 0xe6, G: 0x7e, B: 0x22, A: 0xff}
	colDB     = color.RGBA{R: 0x29, G: 0x80, B: 0xb9, A: 0xff}
	colBetter = color.RGBA{R: 0x27, G: 0xae, B: 0x60, A: 0xff}
	colWorse  = color.RGBA{R: 0xc0, G: 0x39, B: 0x2b, A: 0xff}
)

func trialColor(i int) color.Color {
	palette := []color.Color{colDB, colLock, colBetter, colWorse, colBefore,
		color.RGBA{R: 0x8e, G: 0x44, B: 0xad, A: 0xff}}
	return palette[i%len(palette)]
}

type htmlCell struct {
	Text  string
	Class string // "num", "pass", "fail", "warn"
}

type htmlTable struct {
	Title  string
	Header []string
	Rows   [][]htmlCell
	Notes  []string
}

type htmlRun struct {
	Name       string
	CDF        template.HTML // inline SVG, or "" when the run has no samples
	CDFNote    string
	Throughput template.HTML
}

type htmlComparison struct {
	Table htmlTable
	Chart template.HTML
}

type htmlPage struct {
	Res         *analysis.Results
	Results     htmlTable
	Runs        []htmlRun
	Comparisons []htmlComparison
	Assertions  htmlTable
	Tally       string
}

// renderHTML writes res as one self-contained HTML document.
func renderHTML(w io.Writer, res *analysis.Results) error {
	page := htmlPage{Res: res}
	page.Results = htmlResults(res)
	for i := range res.Runs {
		run := &res.Runs[i]
		hr := htmlRun{Name: run.Name}
		if run.LatencyCDF != nil {
			svg, note, err := cdfChart(run)
			if err != nil {
				return fmt.Errorf("%s: latency chart: %w", run.Name, err)
			}
			hr.CDF, hr.CDFNote = svg, note
		}
		if len(run.Throughput) > 0 {
			svg, err := throughputChart(run)
			if err != nil {
				return fmt.Errorf("%s: throughput chart: %w", run.Name, err)
			}
			hr.Throughput = svg
		}
		page.Runs = append(page.Runs, hr)
	}
	for i := range res.Comparisons {
		c := &res.Comparisons[i]
		svg, err := comparisonChart(c)
		if err != nil {
			return fmt.Errorf("comparison %s → %s: %w", c.Baseline, c.Run, err)
		}
		page.Comparisons = append(page.Comparisons, htmlComparison{Table: htmlComparisonTable(c), Chart: svg})
	}
	page.Assertions, page.Tally = htmlAssertions(res.Assertions)
	return htmlTemplate.Execute(w, page)
}

// htmlResults is the results table: the same columns as the text report.
func htmlResults(res *analysis.Results) htmlTable {
	t := htmlTable{Title: "Results (latencies in ms)", Header: []string{"run"}}
	identity, latency, outcome := resultColumns(res)
	cols := slices.Concat(identity, latency, outcome)
	for _, c := range cols {
		t.Header = append(t.Header, c.header)
	}
	r := &reportWriter{opts: RenderOptions{Format: "html"}}
	for i := range res.Runs {
		run := &res.Runs[i]
		row := []htmlCell{{Text: run.Name}}
		for _, c := range cols {
			cell := htmlCell{Text: c.cell(r, run)}
			switch {
			case c.right:
				cell.Class = "num"
			case cell.Text == "FAIL" || cell.Text == "ERROR":
				cell.Class = "fail"
			case cell.Text == "CONTENTION":
				cell.Class = "warn"
			}
			row = append(row, cell)
		}
		if run.Indexed != run.Files {
			row[slices.IndexFunc(cols, func(c resultColumn) bool { return c.header == "indexed" })+1].Class = "num fail"
		}
		t.Rows = append(t.Rows, row)
	}
	if res.Interrupted {
		t.Notes = append(t.Notes, "interrupted: these results are partial")
	}
	for _, run := range res.Runs {
		for _, w := range run.Warnings {
			t.Notes = append(t.Notes, fmt.Sprintf("warning: %s: %s", run.Name, w))
		}
		if run.Error != "" {
			t.Notes = append(t.Notes, fmt.Sprintf("error: %s: %s", run.Name, run.Error))
		}
		if run.Integrity != "" && run.Integrity != "ok" {
			t.Notes = append(t.Notes, fmt.Sprintf("integrity: %s: %s", run.Name, run.Integrity))
		}
		for _, e := range run.Errors {
			t.Notes = append(t.Notes, fmt.Sprintf("error: %s: %s", run.Name, e))
		}
	}
	return t
}

func comparisonStat(c *analysis.Comparison) string {
	if c.Stat == "" {
		return "p95"
	}
	return c.Stat
}

// htmlComparisonTable is one Before vs After table, as in the text report.
func htmlComparisonTable(c *analysis.Comparison) htmlTable {
	t := htmlTable{
		Title:  comparisonTitle(c, comparisonStat(c)),
		Header: []string{"segment", "before ms", "after ms", "delta %", "delta ms", "p", "change"},
	}
	unclear := false
	for _, s := range reportComparisonSegments(c) {
		d, ok := c.Segments[s]
		if !ok {
			t.Rows = append(t.Rows, []htmlCell{{Text: s}, {Text: "-"}, {Text: "-"}, {Text: "-"}, {Text: "-"}, {Text: "-"}, {Text: "no data"}})
			continue
		}
		pct, change, class := analysis.FormatPct(d.DeltaPct), "= same", ""
		switch {
		case !deltaSignificant(d, defaultAlpha):
			pct, change, unclear = "~", "~", true
		case d.DeltaMS < 0:
			change, class = "▼ better", "pass"
		case d.DeltaMS > 0:
			change, class = "▲ worse", "fail"
		}
		p := "-"
		if d.PValue != nil {
			p = analysis.FormatP(*d.PValue)
		}
		t.Rows = append(t.Rows, []htmlCell{{Text: s}, {Text: analysis.FormatNum(d.Baseline), Class: "num"}, {Text: analysis.FormatNum(d.Value), Class: "num"},
			{Text: pct, Class: "num"}, {Text: analysis.FormatSigned(d.DeltaMS), Class: "num"}, {Text: p, Class: "num"}, {Text: change, Class: class}})
	}
	if unclear {
		t.Notes = append(t.Notes, "~: no statistically significant difference (p: two-sided Mann–Whitney U p-value over the trials)")
	}
	for _, w := range c.Warnings {
		t.Notes = append(t.Notes, "warning: "+w)
	}
	return t
}

func htmlAssertions(as []analysis.AssertionResult) (htmlTable, string) {
	t := htmlTable{Title: "Assertions", Header: []string{"result", "assertion", "detail"}}
	var passed, failed, skipped int
	for _, a := range as {
		v := htmlCell{Text: "PASS", Class: "pass"}
		switch {
		case a.Skipped:
			skipped++
			v = htmlCell{Text: "SKIP", Class: "warn"}
		case a.Passed:
			passed++
		default:
			failed++
			v = htmlCell{Text: "FAIL", Class: "fail"}
		}
		t.Rows = append(t.Rows, []htmlCell{v, {Text: a.Name}, {Text: a.Detail}})
	}
	return t, fmt.Sprintf("%d assertions: %d passed, %d failed, %d skipped", len(as), passed, failed, skipped)
}

// cdfChart draws the run's lock_wait_ms and db_total_ms distributions on a
// log time axis. A log axis cannot show 0 ms: such points are left out of
// the curve and counted in the note, never moved.
func cdfChart(run *analysis.RunResult) (template.HTML, string, error) {
	p := plot.New()
	p.Title.Text = run.Name + ": latency per file (CDF)"
	p.X.Label.Text = "ms per file (log scale)"
	p.Y.Label.Text = "fraction of files ≤ x"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Min, p.Y.Max = 0, 1
	p.Add(plotter.NewGrid())
	c := run.LatencyCDF
	var notes []string
	plotted := 0
	for _, s := range []struct {
		name string
		vs   []float64
		col  color.Color
	}{{"lock_wait_ms", c.LockWaitMS, colLock}, {"db_total_ms", c.DBTotalMS, colDB}} {
		var xys plotter.XYs
		dropped := 0
		for i, v := range s.vs {
			if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				dropped++
				continue
			}
			xys = append(xys, plotter.XY{X: v, Y: c.Quantiles[i]})
		}
		if dropped > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d of %d quantile points are 0 ms and not drawn on the log axis", s.name, dropped, len(s.vs)))
		}
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return "", "", err
		}
		l.Color = s.col
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(s.name, l)
		plotted++
	}
	if plotted == 0 {
		return "", strings.Join(notes, "; "), nil
	}
	p.Legend.Top = false
	p.Legend.Left = false
	p.Legend.XOffs = -vg.Points(4)
	p.Legend.YOffs = vg.Points(4)
	svg, err := svgOf(8*vg.Inch, 3.6*vg.Inch, func(dc vgdraw.Canvas) { p.Draw(dc) })
	return svg, strings.Join(notes, "; "), err
}

// throughputChart draws each counted trial's state changes per second in
// each sampling interval, as steps: a value holds for its whole interval.
func throughputChart(run *analysis.RunResult) (template.HTML, error) {
	p := plot.New()
	p.Title.Text = run.Name + ": throughput over time"
	p.X.Label.Text = "seconds since the workers started"
	p.Y.Label.Text = "transitions/s in each interval"
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	for i, s := range run.Throughput {
		var xys plotter.XYs
		prev := 0.0
		for j, end := range s.EndMS {
			d := end - prev
			if d <= 0 {
				continue
			}
			rate := float64(s.Transitions[j]) / (d / 1000)
			if j == 0 {
				xys = append(xys, plotter.XY{X: 0, Y: rate})
			}
			xys = append(xys, plotter.XY{X: end / 1000, Y: rate})
			prev = end
		}
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return "", err
		}
		l.StepStyle = plotter.PreStep
		l.Color = trialColor(i)
		l.Width = vg.Points(1.2)
		p.Add(l)
		if len(run.Throughput) > 1 {
			p.Legend.Add(fmt.Sprintf("trial %d", s.Trial), l)
		}
	}
	p.Legend.Top = true
	p.Legend.Left = false
	return svgOf(8*vg.Inch, 3*vg.Inch, func(dc vgdraw.Canvas) { p.Draw(dc) })
}

// comparisonChart draws, for each segment of c, the baseline's and the
// run's stat side by side, each segment on its own linear axis (segments
// differ by orders of magnitude).
func comparisonChart(c *analysis.Comparison) (template.HTML, error) {
	var plots []*plot.Plot
	for _, s := range reportComparisonSegments(c) {
		d, ok := c.Segments[s]
		if !ok {
			continue
		}
		p := plot.New()
		p.Title.Text = s
		p.Y.Label.Text = comparisonStat(c) + " ms"
		p.Y.Min = 0
		w := vg.Points(28)
		before, err := plotter.NewBarChart(plotter.Values{d.Baseline}, w)
		if err != nil {
			return "", err
		}
		before.Color = colBefore
		before.LineStyle.Width = 0
		after, err := plotter.NewBarChart(plotter.Values{d.Value}, w)
		if err != nil {
			return "", err
		}
		after.XMin = 1
		after.LineStyle.Width = 0
		switch {
		case !deltaSignificant(d, defaultAlpha) || d.DeltaMS == 0:
			after.Color = colDB
		case d.DeltaMS < 0:
			after.Color = colBetter
		default:
			after.Color = colWorse
		}
		p.Add(before, after)
		p.NominalX("before", "after")
		plots = append(plots, p)
	}
	if len(plots) == 0 {
		return "", nil
	}
	tiles := vgdraw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Points(12), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(4)}
	width := vg.Length(len(plots)) * 2.2 * vg.Inch
	return svgOf(width, 2.6*vg.Inch, func(dc vgdraw.Canvas) {
		canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)
		for j, p := range plots {
			p.Draw(canvases[0][j])
		}
	})
}

// svgOf draws onto a w×h SVG canvas and returns the <svg> element alone,
// without the XML prolog, to sit inline in the page.
func svgOf(w, h vg.Length, drawFn func(vgdraw.Canvas)) (template.HTML, error) {
	c := vgsvg.New(w, h)
	drawFn(vgdraw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", err
	}
	s := buf.String()
	i := strings.Index(s, "<svg")
	if i < 0 {
		return "", fmt.Errorf("svg: no <svg> element in the output")
	}
	// A fixed size in points would overflow a narrow window: the viewBox
	// keeps the proportions while the CSS lets it shrink.
	return template.HTML(`<svg class="chart"` + s[i+len("<svg"):]), nil // #nosec: our own drawing, escaped by svgo
}

var htmlTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>scenrun — {{.Res.Scenario}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
h3 { font-size: 1.1em; margin-top: 1.4em; }
.meta { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #1e8449; font-weight: 600; }
.fail { color: #c0392b; font-weight: 600; }
.warn { color: #b9770e; }
ul.notes { color: #8a5a00; font-size: 0.9em; }
svg.chart { max-width: 100%; height: auto; display: block; margin: 0.6em 0; }
.note { color: #555; font-size: 0.85em; }
</style>
</head>
<body>
<h1>scenrun — {{.Res.Scenario}}</h1>
<p class="meta">{{.Res.SpecFile}}{{if .Res.Description}} — {{.Res.Description}}{{end}}</p>
<p class="meta">started {{.Res.StartedAt.Format "2006-01-02 15:04:05 UTC"}}, finished {{.Res.FinishedAt.Format "2006-01-02 15:04:05 UTC"}}; time scale {{.Res.TimeScale}};
scenrun {{.Res.Environment.Scenrun}}, {{.Res.Environment.Go}}, SQLite {{.Res.Environment.SQLite}}, {{.Res.Environment.OS}}/{{.Res.Environment.Arch}}, {{.Res.Environment.CPUs}} CPUs; percentiles: {{.Res.PercentileMethod}}{{if .Res.Interrupted}}; <strong class="fail">interrupted: partial results</strong>{{end}}</p>

<h2 id="results">{{.Results.Title}}</h2>
{{template "table" .Results}}

{{if .Comparisons}}<h2 id="comparisons">Comparisons</h2>
{{range .Comparisons}}<h3>{{.Table.Title}}</h3>
{{template "table" .Table}}
{{.Chart}}
{{end}}{{end}}

{{if .Assertions.Rows}}<h2 id="assertions">Assertions</h2>
{{template "table" .Assertions}}
<p class="meta">{{.Tally}}</p>{{end}}

<h2 id="runs">Runs</h2>
{{range .Runs}}<h3 id="run-{{.Name}}">{{.Name}}</h3>
{{if .CDF}}{{.CDF}}{{else}}<p class="note">no latency samples</p>{{end}}
{{if .CDFNote}}<p class="note">{{.CDFNote}}</p>{{end}}
{{if .Throughput}}{{.Throughput}}{{end}}
{{end}}
</body>
</html>
{{define "table"}}<table>
<thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{if .Notes}}<ul class="notes">{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}{{end}}
`))

// SaveHTML writes res's HTML report to path atomically, replacing the file
// if it exists.
func SaveHTML(path string, res *analysis.Results) error {
	var buf bytes.Buffer
	if err := renderHTML(&buf, escaped(res)); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return saveFile(path, "html report", true, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	})
}
