package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/engine/analysis"
	"golang.org/x/net/html"
	"gonum.org/v1/plot/plotter"
)

// htmlFixture is reportFixture with what only the HTML report draws: each
// run's latency CDF and two trials' throughput, the baseline's last
// interval short (a rate spike, the highest point).
func htmlFixture() *analysis.Results {
	res := reportFixture()
	levels := []float64{0, 0.25, 0.5, 0.75, 0.95, 1}
	res.Runs[0].LatencyCDF = &analysis.LatencyCDF{Quantiles: levels, Samples: 818,
		LockWaitMS: []float64{0, 3.1, 12.5, 40, 80.5, 240}, DBTotalMS: []float64{0.2, 4, 14.25, 45, 96.8, 290}}
	res.Runs[1].LatencyCDF = &analysis.LatencyCDF{Quantiles: levels, Samples: 818,
		LockWaitMS: []float64{0.01, 0.2, 0.9, 2.5, 4.69, 14}, DBTotalMS: []float64{0.05, 0.3, 1.2, 3.1, 6.015, 18}}
	res.Runs[0].Throughput = []analysis.Throughput{
		{Trial: 1, IntervalMS: 500, EndMS: []float64{500, 1000, 1500, 1510}, Transitions: []int64{300, 350, 320, 40}},
		{Trial: 2, IntervalMS: 500, EndMS: []float64{500, 1000, 1400}, Transitions: []int64{310, 330, 200}},
	}
	res.Runs[1].Throughput = []analysis.Throughput{
		{Trial: 1, IntervalMS: 250, EndMS: []float64{250, 500, 750, 831}, Transitions: []int64{700, 760, 740, 254}},
	}
	return res
}

// A parsedPage is what the tests read of a rendered report: its tables as
// rows of cell texts, and per SVG chart its <text> elements.
type parsedPage struct {
	tables [][][]string
	charts [][]svgText
	text   string
}

type svgText struct {
	text, style string
}

func renderParsed(t *testing.T, res *analysis.Results) parsedPage {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, res, RenderOptions{Format: "html"}); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(&buf)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var pg parsedPage
	var sb strings.Builder
	var walk func(n *html.Node, chart int)
	walk = func(n *html.Node, chart int) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "table":
				pg.tables = append(pg.tables, nil)
			case "tr":
				pg.tables[len(pg.tables)-1] = append(pg.tables[len(pg.tables)-1], nil)
			case "td", "th":
				tb := pg.tables[len(pg.tables)-1]
				tb[len(tb)-1] = append(tb[len(tb)-1], nodeText(n))
			case "svg":
				pg.charts = append(pg.charts, nil)
				chart = len(pg.charts) - 1
			case "text":
				st := ""
				for _, a := range n.Attr {
					if a.Key == "style" {
						st = a.Val
					}
				}
				pg.charts[chart] = append(pg.charts[chart], svgText{nodeText(n), st})
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, chart)
		}
	}
	walk(doc, -1)
	pg.text = sb.String()
	return pg
}

func nodeText(n *html.Node) string {
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(sb.String())
}

func texts(chart []svgText) []string {
	var ts []string
	for _, x := range chart {
		ts = append(ts, x.text)
	}
	return ts
}

// comparisonTables are the page's tables whose header has "before ms".
func (pg parsedPage) comparisonTables() [][][]string {
	var ts [][][]string
	for _, tb := range pg.tables {
		if len(tb) > 0 && slices.Contains(tb[0], "before ms") {
			ts = append(ts, tb)
		}
	}
	return ts
}

// The comparison table shows the ± intervals the terminal table shows.
func TestHTMLComparisonCI(t *testing.T) {
	pg := renderParsed(t, htmlFixture())
	tables := pg.comparisonTables()
	if got, want := len(tables), 2; got != want {
		t.Fatalf("got %d comparison tables, want %d", got, want)
	}
	tests := []struct {
		table         int
		segment       string
		before, after string
	}{
		{0, "db_total_ms", "96.8", "6.01"}, // no intervals recorded: no ±
		{1, "db_total_ms", "145 ±20%", "9.02 ±∞"},
		{1, "fsm_dispatch_ms", "0.0181 ±20%", "0.0177 ±∞"},
	}
	for _, tt := range tests {
		i := slices.IndexFunc(tables[tt.table], func(r []string) bool { return len(r) > 0 && r[0] == tt.segment })
		if i < 0 {
			t.Errorf("table %d: no row %s", tt.table, tt.segment)
			continue
		}
		row := tables[tt.table][i]
		if got := [2]string{row[1], row[2]}; got != [2]string{tt.before, tt.after} {
			t.Errorf("table %d, %s: got before, after %q, want %q", tt.table, tt.segment, got, [2]string{tt.before, tt.after})
		}
	}
	if want := "±: 95% confidence interval of the median over the trials (±∞: with fewer than 6 trials one end is unbounded)"; !strings.Contains(pg.text, want) {
		t.Errorf("no note %q", want)
	}
}

// The smallest detectable change is a note in the HTML report, as in the
// text report, not a warning; a real warning stays one.
func TestHTMLComparisonMDENote(t *testing.T) {
	res := htmlFixture()
	res.Comparisons[1].Warnings = []string{
		"smallest detectable change at 5 vs 5 trials (α=0.05, of baseline's median): db_total_ms 10.89%",
		"3 vs 3 trials cannot reach α=0.05 (smallest possible p=0.1): set repeat ≥ 4 on both runs",
	}
	pg := renderParsed(t, res)
	for _, want := range []string{
		"note: smallest detectable change at 5 vs 5 trials",
		"warning: 3 vs 3 trials cannot reach",
	} {
		if !strings.Contains(pg.text, want) {
			t.Errorf("no %q in the page", want)
		}
	}
	if strings.Contains(pg.text, "warning: smallest detectable change") {
		t.Errorf("the smallest detectable change is shown as a warning")
	}
}

// Every text of every chart is in a sans-serif face, with fallbacks a
// browser without Liberation Sans has.
func TestHTMLChartsSans(t *testing.T) {
	pg := renderParsed(t, htmlFixture())
	n := 0
	for i, chart := range pg.charts {
		for _, x := range chart {
			n++
			family := ""
			for decl := range strings.SplitSeq(x.style, ";") {
				if k, v, ok := strings.Cut(decl, ":"); ok && strings.TrimSpace(k) == "font-family" {
					family = v
				}
			}
			if !strings.Contains(family, "Liberation Sans") || !strings.HasSuffix(family, "sans-serif") || strings.Contains(family, "Serif") {
				t.Errorf("chart %d, text %q: got font-family %q, want Liberation Sans … sans-serif", i, x.text, family)
				break // one per chart: the rest say the same
			}
		}
	}
	if n == 0 {
		t.Fatal("no chart text at all")
	}
}

// Each comparison's bar chart labels every bar with its value, as the
// tables format it.
func TestHTMLBarLabels(t *testing.T) {
	res := htmlFixture()
	pg := renderParsed(t, res)
	var bars [][]string
	for _, chart := range pg.charts {
		if ts := texts(chart); slices.Contains(ts, "before") && slices.Contains(ts, "after") {
			bars = append(bars, ts)
		}
	}
	if got, want := len(bars), len(res.Comparisons); got != want {
		t.Fatalf("got %d bar charts, want %d", got, want)
	}
	for i, c := range res.Comparisons {
		for _, seg := range c.Order {
			d := c.Segments[seg]
			for _, v := range []float64{d.Baseline, d.Value} {
				if want := analysis.FormatNum(v); !slices.Contains(bars[i], want) {
					t.Errorf("comparison %d, %s: no bar label %q among %q", i, seg, want, bars[i])
				}
			}
		}
	}
}

// Each comparison has one chart with both runs' CDFs, both segments each,
// db_total dashed.
func TestHTMLOverlay(t *testing.T) {
	res := htmlFixture()
	var buf bytes.Buffer
	if err := Render(&buf, res, RenderOptions{Format: "html"}); err != nil {
		t.Fatal(err)
	}
	pg := renderParsed(t, res)
	want := []string{"baseline lock_wait_ms", "baseline db_total_ms", "shared lock_wait_ms", "shared db_total_ms"}
	overlays := 0
	for _, chart := range pg.charts {
		ts := texts(chart)
		if !slices.ContainsFunc(ts, func(s string) bool { return strings.HasPrefix(s, "baseline ") }) {
			continue
		}
		overlays++
		for _, w := range want {
			if !slices.Contains(ts, w) {
				t.Errorf("overlay %d: no legend entry %q among %q", overlays, w, ts)
			}
		}
	}
	if got, want := overlays, len(res.Comparisons); got != want {
		t.Errorf("got %d overlay charts, want %d (one per comparison)", got, want)
	}
	if !strings.Contains(buf.String(), "stroke-dasharray") {
		t.Error("no dashed line in the report")
	}

	// A baseline from an earlier file has no CDF here: no overlay, a note.
	res.Comparisons = res.Comparisons[:1]
	res.Comparisons[0].BaselineFile = "results/earlier.json"
	pg = renderParsed(t, res)
	for _, chart := range pg.charts {
		if slices.ContainsFunc(texts(chart), func(s string) bool { return strings.HasPrefix(s, "baseline ") }) {
			t.Error("-baseline comparison: got an overlay chart, want none")
		}
	}
	if !strings.Contains(pg.text, "not drawn") {
		t.Error("-baseline comparison: no note saying why the distributions are not drawn")
	}
}

// checkInside reports every line point of p outside its axes, and an axis
// that does not start at 0 or leaves less than 10% above the data.
func checkInside(t *testing.T, name string, xmax, ymax float64, xMin, xMax, yMin, yMax float64, pts []plotter.XY) {
	t.Helper()
	if xMin != 0 || yMin != 0 {
		t.Errorf("%s: got axes from (%g, %g), want (0, 0)", name, xMin, yMin)
	}
	if xmax >= 0 && xMax != xmax {
		t.Errorf("%s: got X max %g, want the data's %g", name, xMax, xmax)
	}
	if yMax < ymax*1.1 {
		t.Errorf("%s: got Y max %g, want at least 10%% above the data's %g", name, yMax, ymax)
	}
	for _, pt := range pts {
		if pt.X < xMin || pt.X > xMax || pt.Y < yMin || pt.Y > yMax {
			t.Errorf("%s: point %v outside the axes [%g, %g]×[%g, %g]", name, pt, xMin, xMax, yMin, yMax)
		}
	}
}

// The throughput axes end at the data, the rate with headroom, so no step
// is drawn on or past the frame; the bars leave room for their labels.
func TestHTMLAxesHoldTheData(t *testing.T) {
	res := htmlFixture()
	for _, run := range res.Runs {
		p, legend, err := throughputPlot(&run)
		if err != nil {
			t.Fatal(err)
		}
		// The steps as the run's data gives them: each interval's rate over it.
		var pts []plotter.XY
		var maxRate, lastEnd float64
		for _, s := range run.Throughput {
			prev := 0.0
			for j, end := range s.EndMS {
				rate := float64(s.Transitions[j]) / ((end - prev) / 1000)
				pts = append(pts, plotter.XY{X: prev / 1000, Y: rate}, plotter.XY{X: end / 1000, Y: rate})
				maxRate, lastEnd = max(maxRate, rate), max(lastEnd, end/1000)
				prev = end
			}
		}
		checkInside(t, run.Name, lastEnd, maxRate, p.X.Min, p.X.Max, p.Y.Min, p.Y.Max, pts)
		if got, want := legend != nil, len(run.Throughput) > 1; got != want {
			t.Errorf("%s: got a separate legend %v, want %v", run.Name, got, want)
		}
	}
	for _, seg := range []string{"db_total_ms", "fsm_dispatch_ms"} {
		d := res.Comparisons[0].Segments[seg]
		p, err := segmentBars(seg, "p95", d)
		if err != nil {
			t.Fatal(err)
		}
		checkInside(t, seg, -1, max(d.Baseline, d.Value), 0, 1, p.Y.Min, p.Y.Max, nil)
	}
}
