package engine

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/engine/report"
	"golang.org/x/net/html"
)

// Tests of the whole pipeline: a real spec run by the engine, then
// analysed and rendered.

// TestSeriesAndCDFAreRecorded runs a real spec and checks that every run
// carries what the HTML charts draw: a latency CDF over its files and one
// throughput series per counted trial that adds up to its transitions.
func TestSeriesAndCDFAreRecorded(t *testing.T) {
	spec := parse(t, `
version: 1
name: series
defaults: {files: 60, concurrency: 4, repeat: 2, warmup: 1}
runs:
  - name: a
`)
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Runs[0]
	if r.LatencyCDF == nil {
		t.Fatal("no latency_cdf")
	}
	if got, want := r.LatencyCDF.Samples, 120; got != want {
		t.Errorf("got %d CDF samples, want %d (2 counted trials × 60 files)", got, want)
	}
	if got, want := len(r.LatencyCDF.LockWaitMS), len(r.LatencyCDF.Quantiles); got != want {
		t.Errorf("got %d lock-wait points, want %d", got, want)
	}
	for i := 1; i < len(r.LatencyCDF.DBTotalMS); i++ {
		if r.LatencyCDF.DBTotalMS[i] < r.LatencyCDF.DBTotalMS[i-1] {
			t.Fatalf("db_total_ms quantiles decrease at %d: %v", i, r.LatencyCDF.DBTotalMS)
		}
	}
	if got, want := len(r.Throughput), 2; got != want {
		t.Fatalf("got %d throughput series, want %d (warm-ups are not counted)", got, want)
	}
	for i, s := range r.Throughput {
		var sum int64
		for _, n := range s.Transitions {
			sum += n
		}
		if s.Trial != i+1 || sum != r.Trials[i].Transitions || len(s.EndMS) != len(s.Transitions) {
			t.Errorf("series %d: got trial %d, %d transitions in %d/%d intervals, want trial %d, %d transitions",
				i, s.Trial, sum, len(s.EndMS), len(s.Transitions), i+1, r.Trials[i].Transitions)
		}
	}
}

// TestHTMLReport renders the report of a real two-run comparison and parses
// it: the three kinds of table, an SVG chart per run for the CDF and the
// throughput, one per comparison, and no reference to anything outside the
// file.
func TestHTMLReport(t *testing.T) {
	spec := parse(t, `
version: 1
name: html
defaults: {files: 80, concurrency: 8, repeat: 2}
runs:
  - name: base
  - name: shared
    connection: shared
compare:
  - baseline: base
assertions:
  - name: all indexed
    expr: all(runs, .indexed == .files)
`)
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.Render(&buf, res, report.RenderOptions{Format: "html"}); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var tables, svgs, scripts int
	var titles, external []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "table":
				tables++
			case "svg":
				svgs++
			case "script", "link", "iframe", "img", "object", "embed":
				scripts++
			case "text":
				if n.FirstChild != nil {
					titles = append(titles, n.FirstChild.Data)
				}
			}
			for _, a := range n.Attr {
				k := strings.ToLower(a.Key)
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if (k == "src" || k == "href" || strings.HasSuffix(k, ":href")) && (strings.Contains(v, "http://") || strings.Contains(v, "https://") || strings.HasPrefix(v, "//")) {
					external = append(external, a.Key+"="+a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if got, want := tables, 3; got != want {
		t.Errorf("got %d tables, want %d (results, comparison, assertions)", got, want)
	}
	// Two runs × (CDF + throughput) + one comparison × (bars + CDF overlay).
	if got, want := svgs, 6; got != want {
		t.Errorf("got %d SVG charts, want %d", got, want)
	}
	if scripts != 0 {
		t.Errorf("got %d script/link/img/… elements, want none", scripts)
	}
	if len(external) > 0 {
		t.Errorf("external references: %v", external)
	}
	if strings.Contains(buf.String(), "url(http") || strings.Contains(buf.String(), "@import") {
		t.Errorf("the CSS refers to the network")
	}
	joined := strings.Join(titles, "|")
	for _, want := range []string{"base: latency per file (CDF)", "shared: throughput over time", "lock_wait_ms", "db_total_ms", "fsm_net_ms"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no chart text %q among %q", want, joined)
		}
	}
	// The comparison's overlay names both runs in its legend.
	for _, want := range []string{"base lock_wait_ms", "base db_total_ms", "shared lock_wait_ms", "shared db_total_ms"} {
		if !slices.Contains(titles, want) {
			t.Errorf("no overlay legend entry %q among %q", want, joined)
		}
	}
	// With two trials a run, the comparison cells carry their intervals.
	if !strings.Contains(buf.String(), "±") {
		t.Error("no ± interval in the comparison table")
	}
	for _, want := range []string{"Before vs After: base → shared (p95)", "all indexed", "PASS"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("no %q in the report", want)
		}
	}
}

// TestAssertionFunctionsSeeTheResults runs a spec for real: run("…") and
// lower() must read the runs' results and lower()'s explanation must reach
// the detail (expr binds functions when it compiles, before any result).
func TestAssertionFunctionsSeeTheResults(t *testing.T) {
	spec := parse(t, `
version: 1
name: a
defaults: {files: 5, concurrency: 1}
runs: [{name: one}, {name: two}]
assertions:
  - {name: by run(), expr: 'run("one").indexed == 5'}
  - {name: lower, expr: 'not lower(one, one, "db_total_ms", "p95")'}
`)
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Assertions[0]; !a.Passed {
		t.Errorf("run(): got %+v, want pass", a)
	}
	if a := res.Assertions[1]; !a.Passed || !strings.Contains(a.Detail, "lower(one, one, db_total_ms p95)") || !strings.Contains(a.Detail, "single trial") {
		t.Errorf("lower: got %+v, want pass with lower's explanation", a)
	}
}

// TestTooFewTrialsWarns runs 3 against 3 trials for real: the comparison
// carries the warning into the JSON and the table, and lower() fails with
// the reason.
func TestTooFewTrialsWarns(t *testing.T) {
	spec := parse(t, `
version: 1
name: a
defaults: {files: 5, concurrency: 1, repeat: 3}
runs: [{name: one}, {name: two}]
compare: [{baseline: one, segments: [db_total_ms]}]
assertions:
  - {name: gate, expr: 'lower(one, two, "db_total_ms", "p95")'}
`)
	res, err := runSpec(t, spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const want = "3 vs 3 trials cannot reach α=0.05 (smallest possible p=0.1): set repeat ≥ 4 on both runs"
	if len(res.Comparisons) != 1 || len(res.Comparisons[0].Warnings) != 1 || res.Comparisons[0].Warnings[0] != want {
		t.Errorf("comparison warnings: got %+v, want [%q]", res.Comparisons, want)
	}
	if a := res.Assertions[0]; a.Passed || !strings.Contains(a.Detail, want) {
		t.Errorf("assertion: got %+v, want a failure with %q", a, want)
	}
	var b strings.Builder
	if err := report.Render(&b, res, report.RenderOptions{Format: "markdown"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "- warning: "+want) {
		t.Errorf("report lacks the warning:\n%s", b.String())
	}
}
