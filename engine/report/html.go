package report

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/scenrun/scenrun/engine/analysis"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The HTML report is one self-contained file: the CSS is inline, the charts
// are inline SVG drawn by gonum/plot, and nothing refers to the network (no
// scripts, fonts or images from elsewhere), so it opens the same from a CI
// artifact, a mail attachment or a laptop on a plane. It holds the same
// tables as the text report and, per run, the lock-wait and db-total CDFs
// and the throughput over time; per comparison, before/after bars and both
// runs' CDFs overlaid on one axis, so a reader compares them by eye.
//
// Every chart is drawn in Liberation Sans, gonum's sans-serif face, set on
// each plot rather than through plot.DefaultFont, a package variable shared
// with whoever else draws in the process.

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
	Table   htmlTable
	Chart   template.HTML
	Overlay template.HTML // both runs' CDFs on one chart, or ""
	Note    string
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
		hc := htmlComparison{Table: htmlComparisonTable(c), Chart: svg}
		if hc.Overlay, hc.Note, err = overlayChart(res, c); err != nil {
			return fmt.Errorf("comparison %s → %s: latency chart: %w", c.Baseline, c.Run, err)
		}
		page.Comparisons = append(page.Comparisons, hc)
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
	unclear, withCI, unbounded := false, false, false
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
		for _, ci := range []*analysis.Interval{d.BaselineCI95, d.ValueCI95} {
			withCI = withCI || ci != nil
			unbounded = unbounded || ci != nil && !ci.Bounded()
		}
		before := analysis.FormatNum(d.Baseline) + fmtCI(d.Baseline, d.BaselineCI95)
		after := analysis.FormatNum(d.Value) + fmtCI(d.Value, d.ValueCI95)
		t.Rows = append(t.Rows, []htmlCell{{Text: s}, {Text: before, Class: "num"}, {Text: after, Class: "num"},
			{Text: pct, Class: "num"}, {Text: analysis.FormatSigned(d.DeltaMS), Class: "num"}, {Text: p, Class: "num"}, {Text: change, Class: class}})
	}
	if withCI {
		l := "±: 95% confidence interval of the median over the trials"
		if unbounded {
			l += " (±∞: with fewer than 6 trials one end is unbounded)"
		}
		t.Notes = append(t.Notes, l)
	}
	if unclear {
		t.Notes = append(t.Notes, "~: no statistically significant difference (p: two-sided Mann–Whitney U p-value over the trials)")
	}
	for _, w := range c.Warnings {
		// As in the text report: what a gate could have detected is
		// information for every comparison, not a warning about this one.
		if strings.HasPrefix(w, "smallest detectable change") {
			t.Notes = append(t.Notes, "note: "+w)
			continue
		}
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

// sansFont is the charts' face at size: gonum's Liberation Sans, whose
// metrics match Arial and Helvetica, the fallbacks svgOf names.
func sansFont(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// newPlot is plot.New with every text of the plot in sans-serif, at the
// sizes gonum gives them.
func newPlot() *plot.Plot {
	p := plot.New()
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.Legend.TextStyle.Font,
		&p.X.Label.TextStyle.Font, &p.X.Tick.Label.Font, &p.Y.Label.TextStyle.Font, &p.Y.Tick.Label.Font} {
		*f = sansFont(f.Size)
	}
	return p
}

// roundTicks are gonum's default ticks labelled in their shortest form:
// gonum gives every label of an axis the same decimals ("0.00", "25.00").
type roundTicks struct{}

func (roundTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ts {
		if t.Label != "" {
			// Twelve digits drop the float noise of a computed tick (0.30000000000000004).
			v, _ := strconv.ParseFloat(strconv.FormatFloat(t.Value, 'g', 12, 64), 64)
			ts[i].Label = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ts
}

// headroom is the share of a chart's largest value left free above it, so
// that no bar or line touches the frame and a bar's label fits.
const headroom = 0.15

// A cdfCurve is one distribution of a CDF chart: its values at levels.
type cdfCurve struct {
	name   string
	levels []float64
	vs     []float64
	col    color.Color
	dashed bool
}

// cdfCurves are run's lock_wait_ms and db_total_ms curves, in their segment
// colours.
func cdfCurves(run *analysis.RunResult) []cdfCurve {
	c := run.LatencyCDF
	return []cdfCurve{
		{name: "lock_wait_ms", levels: c.Quantiles, vs: c.LockWaitMS, col: colLock},
		{name: "db_total_ms", levels: c.Quantiles, vs: c.DBTotalMS, col: colDB},
	}
}

// runCurves are run's curves for an overlay: in the run's colour, named
// after the run, db_total_ms dashed.
func runCurves(run *analysis.RunResult, col color.Color) []cdfCurve {
	cs := cdfCurves(run)
	for i := range cs {
		cs[i].name = run.Name + " " + cs[i].name
		cs[i].col = col
	}
	cs[1].dashed = true
	return cs
}

// cdfPlot draws curves on a log time axis. A log axis cannot show 0 ms:
// such points are left out of the curve and counted in the notes, never
// moved. It returns a nil plot when no curve has a point to draw.
func cdfPlot(title string, curves []cdfCurve) (*plot.Plot, []string, error) {
	p := newPlot()
	p.Title.Text = title
	p.X.Label.Text = "ms per file (log scale)"
	p.Y.Label.Text = "fraction of files ≤ x"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Min, p.Y.Max = 0, 1
	p.Add(plotter.NewGrid())
	var notes []string
	plotted := 0
	for _, s := range curves {
		var xys plotter.XYs
		dropped := 0
		for i, v := range s.vs {
			if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) || i >= len(s.levels) {
				dropped++
				continue
			}
			xys = append(xys, plotter.XY{X: v, Y: s.levels[i]})
		}
		if dropped > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d of %d quantile points are 0 ms and not drawn on the log axis", s.name, dropped, len(s.vs)))
		}
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, nil, err
		}
		l.Color = s.col
		l.Width = vg.Points(1.5)
		if s.dashed {
			l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(s.name, l)
		plotted++
	}
	if plotted == 0 {
		return nil, notes, nil
	}
	p.Legend.Top = false
	p.Legend.Left = false
	p.Legend.XOffs = -vg.Points(4)
	p.Legend.YOffs = vg.Points(4)
	p.Legend.ThumbnailWidth = vg.Points(24) // long enough to show a dash
	return p, notes, nil
}

// cdfChart draws the run's lock_wait_ms and db_total_ms distributions.
func cdfChart(run *analysis.RunResult) (template.HTML, string, error) {
	p, notes, err := cdfPlot(run.Name+": latency per file (CDF)", cdfCurves(run))
	if err != nil || p == nil {
		return "", strings.Join(notes, "; "), err
	}
	svg, err := svgOf(8*vg.Inch, 3.6*vg.Inch, func(dc vgdraw.Canvas) { p.Draw(dc) })
	return svg, strings.Join(notes, "; "), err
}

// overlayChart draws the CDFs of c's baseline and run on one chart and one
// log axis, the baseline grey and the run blue, lock_wait solid and
// db_total dashed. It returns no chart, and says why, when one side has no
// CDF in res: a baseline from an earlier results file, or a run without
// samples.
func overlayChart(res *analysis.Results, c *analysis.Comparison) (template.HTML, string, error) {
	if c.BaselineFile != "" {
		return "", "the baseline run is in " + c.BaselineFile + ", not in these results: the distributions are not drawn", nil
	}
	find := func(name string) *analysis.RunResult {
		i := slices.IndexFunc(res.Runs, func(r analysis.RunResult) bool { return r.Name == name })
		if i < 0 || res.Runs[i].LatencyCDF == nil {
			return nil
		}
		return &res.Runs[i]
	}
	base, run := find(c.Baseline), find(c.Run)
	if base == nil || run == nil {
		return "", "no latency samples: the distributions are not drawn", nil
	}
	curves := slices.Concat(runCurves(base, colBefore), runCurves(run, colDB))
	p, notes, err := cdfPlot(fmt.Sprintf("latency per file (CDF): %s vs %s", base.Name, run.Name), curves)
	if err != nil || p == nil {
		return "", strings.Join(notes, "; "), err
	}
	svg, err := svgOf(8*vg.Inch, 3.6*vg.Inch, func(dc vgdraw.Canvas) { p.Draw(dc) })
	return svg, strings.Join(notes, "; "), err
}

// throughputChart draws each counted trial's throughput and, with several
// trials, their key to the right of the plot rather than over the lines.
func throughputChart(run *analysis.RunResult) (template.HTML, error) {
	p, legend, err := throughputPlot(run)
	if err != nil || p == nil {
		return "", err
	}
	const w, h = 8 * vg.Inch, 3 * vg.Inch
	if legend == nil {
		return svgOf(w, h, func(dc vgdraw.Canvas) { p.Draw(dc) })
	}
	legendW := legend.Rectangle(vgdraw.Canvas{}).Size().X + vg.Points(12)
	return svgOf(w, h, func(dc vgdraw.Canvas) {
		p.Draw(vgdraw.Crop(dc, 0, -legendW, 0, 0))
		legend.Draw(vgdraw.Crop(dc, w-legendW+vg.Points(8), 0, 0, -vg.Points(24)))
	})
}

// throughputPlot is each counted trial's state changes per second in each
// sampling interval, as steps: a value holds for its whole interval. The
// axes end at the data: time from 0 to the last interval's end, the rate
// from 0 to the highest plus headroom, so no step is drawn on or past the
// frame. The legend, nil for a single trial, is apart from the plot.
func throughputPlot(run *analysis.RunResult) (*plot.Plot, *plot.Legend, error) {
	p := newPlot()
	p.Title.Text = run.Name + ": throughput over time"
	p.X.Label.Text = "seconds since the workers started"
	p.Y.Label.Text = "transitions/s in each interval"
	p.Add(plotter.NewGrid())
	legend := p.Legend
	legend.Top, legend.Left = true, true
	maxX, maxY := 0.0, 0.0
	for i, s := range run.Throughput {
		var xys plotter.XYs
		prev := 0.0
		for j, end := range s.EndMS {
			d := end - prev
			if d <= 0 || j >= len(s.Transitions) {
				continue
			}
			rate := float64(s.Transitions[j]) / (d / 1000)
			if len(xys) == 0 {
				xys = append(xys, plotter.XY{X: prev / 1000, Y: rate})
			}
			xys = append(xys, plotter.XY{X: end / 1000, Y: rate})
			maxX, maxY = max(maxX, end/1000), max(maxY, rate)
			prev = end
		}
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, nil, err
		}
		l.StepStyle = plotter.PreStep
		l.Color = trialColor(i)
		l.Width = vg.Points(1.2)
		p.Add(l)
		legend.Add(fmt.Sprintf("trial %d", s.Trial), l)
	}
	if maxX == 0 {
		return nil, nil, nil
	}
	if maxY == 0 {
		maxY = 1 // nothing committed: an axis of 0 to 1 rather than none
	}
	p.X.Min, p.X.Max = 0, maxX
	p.Y.Min, p.Y.Max = 0, maxY*(1+headroom)
	p.X.Tick.Marker, p.Y.Tick.Marker = roundTicks{}, roundTicks{}
	p.Legend = plot.NewLegend()
	if len(run.Throughput) < 2 {
		return p, nil, nil
	}
	return p, &legend, nil
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
		p, err := segmentBars(s, comparisonStat(c), d)
		if err != nil {
			return "", err
		}
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

// segmentBars is one segment's before and after bars, each labelled with
// its value, the axis from 0 to the taller bar plus headroom.
func segmentBars(seg, stat string, d analysis.SegmentDelta) (*plot.Plot, error) {
	p := newPlot()
	p.Title.Text = seg
	p.Y.Label.Text = stat + " ms"
	w := vg.Points(28)
	before, err := plotter.NewBarChart(plotter.Values{d.Baseline}, w)
	if err != nil {
		return nil, err
	}
	before.Color = colBefore
	before.LineStyle.Width = 0
	after, err := plotter.NewBarChart(plotter.Values{d.Value}, w)
	if err != nil {
		return nil, err
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
	labels, err := barLabels([]float64{d.Baseline, d.Value})
	if err != nil {
		return nil, err
	}
	p.Add(before, after, labels)
	p.NominalX("before", "after")
	top := max(d.Baseline, d.Value)
	if top <= 0 || math.IsNaN(top) || math.IsInf(top, 0) {
		top = 1
	}
	p.Y.Min, p.Y.Max = 0, top*(1+headroom)
	p.Y.Tick.Marker = roundTicks{}
	return p, nil
}

// barLabels writes vs[i], formatted as in the tables, centred just above
// the top of the bar at x = i.
func barLabels(vs []float64) (*plotter.Labels, error) {
	xys := plotter.XYLabels{}
	for i, v := range vs {
		xys.XYs = append(xys.XYs, plotter.XY{X: float64(i), Y: v})
		xys.Labels = append(xys.Labels, analysis.FormatNum(v))
	}
	l, err := plotter.NewLabels(xys)
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font = sansFont(vg.Points(9))
		l.TextStyle[i].XAlign = text.XCenter
		l.TextStyle[i].YAlign = text.YBottom
	}
	l.Offset = vg.Point{Y: vg.Points(2)}
	return l, nil
}

// svgFont is the font-family gonum writes for sansFont, and svgFontStack
// what replaces it: a browser without Liberation Sans then takes a face of
// the same metrics, or at least a sans-serif one, not its default serif.
const (
	svgFont      = "font-family:Liberation Sans;"
	svgFontStack = "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"
)

// svgOf draws onto a w×h SVG canvas and returns the <svg> element alone,
// without the XML prolog, to sit inline in the page.
func svgOf(w, h vg.Length, drawFn func(vgdraw.Canvas)) (template.HTML, error) {
	c := vgsvg.New(w, h)
	drawFn(vgdraw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", err
	}
	s := strings.ReplaceAll(buf.String(), svgFont, svgFontStack)
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
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; display: block; max-width: 100%; overflow-x: auto; }
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
{{.Overlay}}
{{if .Note}}<p class="note">{{.Note}}</p>{{end}}
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
