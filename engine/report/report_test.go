package report

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/scenario"
)

// update rewrites golden files instead of comparing with them. Other test
// files in the package use this flag too: define it only here.
var update = flag.Bool("update", false, "rewrite golden files")

// reportStat is a Stat with plausible figures scaled from p95.
func reportStat(p50, p95 float64, count int) analysis.Stat {
	return analysis.Stat{P50: p50, P95: p95, P99: p95 * 1.5, P999: p95 * 2.25, Mean: (p50 + p95) / 2, Min: p50 / 4, Max: p95 * 3, Count: count}
}

// reportFixture is the results of a two-run scenario with fixed figures.
func reportFixture() *analysis.Results {
	started := time.Date(2026, 11, 26, 5, 32, 34, 0, time.UTC)
	config := func(conn string) analysis.RunConfig {
		return analysis.RunConfig{
			Files: 818, Concurrency: 10, Profile: "zero", Connection: conn, PoolSize: 4, BatchSize: 64,
			TxLock: "deferred", Repeat: 1, Seed: 42,
			Pragmas: []fsm.Pragma{{Name: "journal_mode", Value: "wal"}, {Name: "synchronous", Value: "normal"}, {Name: "busy_timeout", Value: "5000"}},
		}
	}
	baseline := analysis.RunResult{
		Name:      "baseline",
		RunConfig: config("per_file"),
		Measurement: analysis.Measurement{
			ElapsedSeconds: 3.4172, Transitions: 2454, TransitionsPerSecond: 718.13, FilesPerSecond: 239.38,
			Indexed: 818, OCCConflicts: 0,
			Segments: analysis.Segments{
				LockWait:    reportStat(12.5, 80.5234, 818),
				DBTotal:     reportStat(14.25, 96.8, 818),
				FSMDispatch: reportStat(0.0042, 0.0121, 818),
				MockAPI:     analysis.Stat{Count: 818},
				TotalWall:   reportStat(15.1, 99.2, 818),
				FSMNet:      reportStat(15.1, 99.2, 818),
			},
			WALSizeStartBytes: 0, WALSizeEndBytes: 4 << 20,
			WALContention: "CONTENTION", Bottleneck: "db_total_ms", Integrity: "ok",
			States: map[string]int{"indexed": 818},
		},
		Warnings: []string{"repeat 1: no significance test possible"},
	}
	shared := analysis.RunResult{
		Name:      "shared",
		RunConfig: config("shared"),
		Measurement: analysis.Measurement{
			ElapsedSeconds: 0.8312, Transitions: 2454, TransitionsPerSecond: 2952.36, FilesPerSecond: 984.12,
			Indexed: 818,
			Segments: analysis.Segments{
				LockWait:    reportStat(0.9, 4.69, 818),
				DBTotal:     reportStat(1.2, 6.015, 818),
				FSMDispatch: reportStat(0.004, 0.0118, 818),
				MockAPI:     analysis.Stat{Count: 818},
				TotalWall:   reportStat(1.5, 7.9, 818),
				FSMNet:      reportStat(1.5, 7.9, 818),
			},
			WALSizeStartBytes: 0, WALSizeEndBytes: 1223 << 10,
			WALContention: "CLEAN", Bottleneck: "db_total_ms", Integrity: "ok",
			States: map[string]int{"indexed": 818},
		},
	}
	delta := func(b, v float64) analysis.SegmentDelta {
		return analysis.SegmentDelta{Baseline: b, Value: v, DeltaMS: v - b, DeltaPct: (v - b) / b * 100}
	}
	withP := func(d analysis.SegmentDelta, p float64, sig bool) analysis.SegmentDelta {
		d.PValue, d.Significant = &p, &sig
		d.BaselineCI95 = &analysis.Interval{Lo: d.Baseline * 0.9, Hi: d.Baseline * 1.2}
		d.ValueCI95 = &analysis.Interval{Lo: math.Inf(-1), Hi: math.Inf(1)}
		return d
	}
	order := []string{"db_total_ms", "lock_wait_ms", "fsm_dispatch_ms", "fsm_net_ms"}
	return &analysis.Results{
		Scenario: "shared-connection", SpecFile: "scenarios/mitigation.yaml",
		StartedAt: started, FinishedAt: started.Add(5 * time.Second),
		Environment:      analysis.Environment{Scenrun: "v0.1.0", Go: "go1.26.8", SQLite: "3.50.4", OS: "linux", Arch: "amd64", CPUs: 2},
		PercentileMethod: analysis.PercentileMethod, TimeScale: 1,
		Gate: &analysis.GateSettings{Alpha: 0.05, NoiseFloorPct: 1},
		Runs: []analysis.RunResult{baseline, shared},
		Comparisons: []analysis.Comparison{
			{
				Baseline: "baseline", Run: "shared", Stat: "p95", Order: order,
				Segments: map[string]analysis.SegmentDelta{
					"db_total_ms":     delta(96.8, 6.015),
					"lock_wait_ms":    delta(80.5234, 4.69),
					"fsm_dispatch_ms": delta(0.0121, 0.0118),
					"fsm_net_ms":      delta(99.2, 7.9),
				},
			},
			{
				Baseline: "baseline", Run: "shared", Stat: "p99", Order: order,
				Segments: map[string]analysis.SegmentDelta{
					"db_total_ms":     withP(delta(145.2, 9.0225), 0.0079, true),
					"lock_wait_ms":    withP(delta(120.7851, 7.035), 0.0079, true),
					"fsm_dispatch_ms": withP(delta(0.01815, 0.0177), 0.69, false),
					"fsm_net_ms":      withP(delta(148.8, 11.85), 0.0002, true),
				},
				Warnings: []string{"fsm_dispatch_ms: difference below the noise floor (1%)"},
			},
		},
		Assertions: []analysis.AssertionResult{
			{Name: "every file indexed in every run", Expr: "all(runs, .indexed == .files)", Passed: true,
				Detail: "all(runs, .indexed == .files): true"},
			{Name: "fsm dispatch p95 decreases significantly", Expr: `lower(baseline, shared, "fsm_dispatch_ms", "p95")`,
				Detail: `lower(baseline, shared, "fsm_dispatch_ms", "p95"): 0.0118 < 0.0121 but the difference is not significant: Mann–Whitney U p = 0.69 ≥ α = 0.05 over 5 and 5 trials, and −2.5% is within the noise floor of 1%; run more trials (repeat: 10) or widen the gate`},
			{Name: "pool beats shared", Expr: "pool.lock_wait_ms.p95 < shared.lock_wait_ms.p95", Skipped: true,
				Detail: `run "pool" was left out by -run`},
		},
	}
}

func TestReportGolden(t *testing.T) {
	tests := []struct {
		name string
		opts RenderOptions
	}{
		{"table", RenderOptions{Format: "table"}},
		{"table_color", RenderOptions{Format: "table", Color: true}},
		{"table_wide", RenderOptions{Format: "table", Width: 200}},
		{"markdown", RenderOptions{Format: "markdown", Color: true}}, // Color is ignored
		{"csv", RenderOptions{Format: "csv", Color: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, reportFixture(), tt.opts); err != nil {
				t.Fatalf("Render: %v", err)
			}
			checkGolden(t, filepath.Join("testdata", "report", tt.name+".golden"), buf.String())
		})
	}
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./engine/report -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (-want +got):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff is a minimal line diff (longest common subsequence), enough to
// see what changed in a golden file.
func lineDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			fmt.Fprintf(&out, "  %q\n", x[i])
			i++
			j++
		case j < len(y) && (i == len(x) || lcs[i][j+1] >= lcs[i+1][j]):
			fmt.Fprintf(&out, "+ %q\n", y[j])
			j++
		default:
			fmt.Fprintf(&out, "- %q\n", x[i])
			i++
		}
	}
	return out.String()
}

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// longNameFixture is a matrix-sized Results with long run names, a failed
// run and a failed integrity check.
func longNameFixture() *analysis.Results {
	res := reportFixture()
	base := res.Runs[0]
	var runs []analysis.RunResult
	for _, c := range []int{1, 10, 50} {
		for _, p := range []string{"zero", "realistic"} {
			for _, conn := range []string{"per_file", "shared", "single_writer"} {
				r := base
				r.Name = fmt.Sprintf("c%d_%s_%s", c, p, conn)
				r.Concurrency, r.Profile, r.Connection = c, p, conn
				r.ElapsedSeconds = 3272.004
				r.TransitionsPerSecond = 12345.67
				r.WALSizeEndBytes = 1023*1024 + 1000
				r.Segments.LockWait.P95 = 10234.5
				r.Segments.DBTotal.P50 = 10001.9
				r.Segments.DBTotal.P95 = 12034.5
				r.Segments.FSMNet.P95 = 123456.7
				runs = append(runs, r)
			}
		}
	}
	runs[3].Error = "timeout after 10m0s"
	runs[3].Errors = []string{"file 17: database is locked (5) (SQLITE_BUSY)", "file 18: database is locked"}
	runs[4].Integrity = "version mismatch on 3 files"
	runs[4].Indexed = 815
	res.Runs = runs
	res.Comparisons[0].Baseline, res.Comparisons[0].Run = "c50_realistic_per_file", "c50_realistic_single_writer"
	res.Interrupted = true
	return res
}

func TestReportFitsWidth(t *testing.T) {
	for _, tt := range []struct {
		name  string
		width int
		color bool
		// only the results table must fit: at 80 columns a comparison
		// with p-values needs a little more
		resultsOnly bool
	}{
		{"default width", 0, false, false},
		{"default width, colour", 0, true, false},
		{"80 columns", 80, false, false},
		{"80 columns, colour", 80, true, false},
		{"100 columns", 100, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, longNameFixture(), RenderOptions{Format: "table", Width: tt.width, Color: tt.color}); err != nil {
				t.Fatalf("Render: %v", err)
			}
			want := tt.width
			if want == 0 {
				want = 120
			}
			out := buf.String()
			checked := out
			if tt.resultsOnly {
				checked, _, _ = strings.Cut(out, "Before vs After")
			}
			for i, line := range strings.Split(checked, "\n") {
				plain := ansiEscape.ReplaceAllString(line, "")
				if n := utf8.RuneCountInString(plain); n > want && strings.ContainsAny(line, "│╭╰├") {
					t.Errorf("line %d is %d runes wide, want ≤ %d:\n%s", i+1, n, want, plain)
				}
			}
			if strings.Contains(out, "…") {
				t.Errorf("output has a truncated cell ('…'):\n%s", out)
			}
			if strings.Contains(out, "\x1b[") != tt.color {
				t.Errorf("ANSI escapes present = %v, want %v", !tt.color, tt.color)
			}
			// Nothing is lost in the split: every run name, and every
			// cell of the widest figures, appears whole.
			for _, s := range []string{"c50_realistic_single_writer", "3272", "12346", "123457", "10234", "1.0 MiB", "ERROR", "FAIL", "815/818", "timeout after 10m0s", "integrity: c1_realistic_shared: version mismatch on 3 files"} {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
		})
	}
}

func TestReportWidthSplit(t *testing.T) {
	tests := []struct {
		name   string
		width  int
		tables int // results tables
	}{
		{"wide terminal: one table", 250, 1},
		{"120 columns: identity then latency", 120, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, longNameFixture(), RenderOptions{Width: tt.width}); err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got := strings.Count(buf.String(), "│ Results — "); got != tt.tables {
				t.Errorf("got %d results tables, want %d:\n%s", got, tt.tables, buf.String())
			}
		})
	}
}

func TestReportNoANSIOutsideTable(t *testing.T) {
	for _, format := range []string{"markdown", "csv"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, longNameFixture(), RenderOptions{Format: format, Color: true}); err != nil {
				t.Fatalf("Render: %v", err)
			}
			if strings.Contains(buf.String(), "\x1b") {
				t.Errorf("%s output has ANSI escapes:\n%s", format, buf.String())
			}
		})
	}
}

func TestReportCSVShape(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, reportFixture(), RenderOptions{Format: "csv"}); err != nil {
		t.Fatalf("Render: %v", err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("reading the CSV back: %v", err)
	}
	if got, want := len(recs), 1+2*len(scenario.Segments); got != want { // a header, then one record per run and segment
		t.Fatalf("got %d records, want %d", got, want)
	}
	if got, want := strings.Join(recs[0], ","), "run,concurrency,profile,connection,elapsed_seconds,transitions_per_second,indexed,failed,occ_conflicts,wal_contention,bottleneck,integrity,segment,p50,p95,p99,p999,mean,min,max,count"; got != want {
		t.Errorf("header:\ngot  %s\nwant %s", got, want)
	}
	if got, want := recs[1][12]+" "+recs[1][14], "lock_wait_ms 80.5234"; got != want {
		t.Errorf("first row segment and p95: got %q, want %q", got, want)
	}
}

func TestReportEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		res     *analysis.Results
		opts    RenderOptions
		want    []string
		wantErr string
	}{
		{name: "unknown format", res: reportFixture(), opts: RenderOptions{Format: "yaml"}, wantErr: `render: unknown format "yaml"`},
		{name: "no runs", res: &analysis.Results{Scenario: "empty"}, want: []string{"Results — empty: no runs"}},
		{name: "no runs markdown", res: &analysis.Results{Scenario: "empty"}, opts: RenderOptions{Format: "markdown"}, want: []string{"### Results — empty\n\nno runs"}},
		{name: "stat without samples", res: func() *analysis.Results {
			r := reportFixture()
			r.Runs[1].Segments.LockWait = analysis.Stat{}
			r.Comparisons[0].Segments["lock_wait_ms"] = analysis.SegmentDelta{Baseline: 0, Value: 0, DeltaPct: 0}
			return r
		}(), want: []string{"= same"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Render(&buf, tt.res, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, buf.String())
				}
			}
		})
	}
}

func TestReportFmtNum(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{0.0121, "0.0121"},
		{0.012, "0.0120"},
		{0.0004, "0.000400"},
		{-0.00031, "-0.000310"},
		{0.5, "0.500"},
		{0.9996, "1.00"},
		{0.09996, "0.100"},
		{4.6912, "4.69"},
		{9.996, "10.0"},
		{80.5234, "80.5"},
		{99.96, "100"},
		{1204.4, "1204"},
		{-75.83, "-75.8"},
		{1e9, "1000000000"},
		{1.5e-9, "0.00000000150"},
		{math.NaN(), "n/a"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.in), func(t *testing.T) {
			if got := analysis.FormatNum(tt.in); got != tt.want {
				t.Errorf("analysis.FormatNum(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestReportHumanBytes(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1.0 KiB"},
		{4 << 20, "4.0 MiB"},
		{1024*1024 - 1, "1.0 MiB"},
		{-(3 << 19), "-1.5 MiB"},
		{5 << 30, "5.0 GiB"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := analysis.FormatBytes(tt.in); got != tt.want {
				t.Errorf("analysis.FormatBytes(%d) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestPackBalancesParts: at every width, pack splits a group of columns
// into as few parts as the greedy fill does, each part fits (unless it is a
// single column too wide on its own), and its widest part is no wider than
// the greedy fill's. Somewhere in the range the greedy fill leaves a column
// alone in its last part where pack does not.
func TestPackBalancesParts(t *testing.T) {
	res := longNameFixture()
	identity, latency, outcome := resultColumns(res)
	widest := func(r *reportWriter, parts [][]resultColumn) int {
		w := 0
		for _, p := range parts {
			w = max(w, textWidth(r.resultsTable(res.Runs, p).Render()))
		}
		return w
	}
	lone := false
	for _, group := range [][]resultColumn{slices.Concat(identity, outcome), latency} {
		for width := 40; width <= 200; width += 2 {
			r := &reportWriter{opts: RenderOptions{Format: "table", Width: width}}
			greedy, parts := r.packGreedy(res.Runs, group), r.pack(res.Runs, group)
			if len(parts) != len(greedy) {
				t.Fatalf("width %d: %d parts, greedy %d", width, len(parts), len(greedy))
			}
			if n := len(slices.Concat(parts...)); n != len(group) {
				t.Fatalf("width %d: %d columns in the parts, want %d", width, n, len(group))
			}
			for i, p := range parts {
				if len(p) > 1 && !r.fits(res.Runs, p) {
					t.Errorf("width %d: part %d does not fit", width, i+1)
				}
			}
			if w, g := widest(r, parts), widest(r, greedy); w > g {
				t.Errorf("width %d: widest part %d, greedy %d", width, w, g)
			}
			if last := len(greedy) - 1; last > 0 && len(greedy[last]) == 1 && len(parts[last]) > 1 {
				lone = true
			}
		}
	}
	if !lone {
		t.Error("no width where the greedy fill leaves a column alone and pack does not: the test checks nothing")
	}
}

// TestAssertionDetailsKeepIdentifiersWhole: in 80 columns a long assertion
// name must not squeeze the detail so narrow that the identifiers it
// compares are cut across lines.
func TestAssertionDetailsKeepIdentifiersWhole(t *testing.T) {
	res := &analysis.Results{Scenario: "s", Assertions: []analysis.AssertionResult{{
		Name:   "lock wait p95 of the shared connection is below the per-file baseline's",
		Detail: "baseline.lock_wait_ms.p95 < shared.lock_wait_ms.p95: 80.52 < 12.3 is false; shared_connection.db_total_ms.p95 = 4.1",
	}}}
	var buf bytes.Buffer
	if err := Render(&buf, res, RenderOptions{Format: "table", Width: 80}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, id := range []string{"baseline.lock_wait_ms.p95", "shared.lock_wait_ms.p95", "shared_connection.db_total_ms.p95"} {
		if !strings.Contains(out, id) {
			t.Errorf("%s is cut across lines:\n%s", id, out)
		}
	}
	for i, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > 80 {
			t.Errorf("line %d is %d wide:\n%s", i+1, n, out)
		}
	}
}

// TestRunWithoutTrialsHasNoFigures: a run that failed before any trial
// finished shows "-" for its measured figures, not 0 s, 0 trans/s and 0 B
// of WAL growth, which read as measurements.
func TestRunWithoutTrialsHasNoFigures(t *testing.T) {
	res := reportFixture()
	res.Runs[1].Trials, res.Runs[1].Error = nil, "open: pragma journal_mode: asked for \"wall\""
	res.Runs[1].Segments = analysis.Segments{}
	res.Runs[1].ElapsedSeconds, res.Runs[1].TransitionsPerSecond = 0, 0
	res.Runs[1].WALSizeStartBytes, res.Runs[1].WALSizeEndBytes = 0, 0
	var buf bytes.Buffer
	if err := Render(&buf, res, RenderOptions{Format: "table", Width: 250}); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if !strings.HasPrefix(line, "│ "+res.Runs[1].Name+" ") {
			continue
		}
		if strings.Contains(line, " 0 B ") || regexp.MustCompile(`│ +0 │`).MatchString(line) {
			t.Errorf("the run without trials shows a zero figure:\n%s", line)
		}
		return
	}
	t.Fatalf("no row for %s:\n%s", res.Runs[1].Name, buf.String())
}

// TestNotesWrapToWidth: a note longer than the report width wraps at
// spaces, continuations indented, no line wider than the width and none
// padded with trailing spaces, in colour too; every word is kept.
func TestNotesWrapToWidth(t *testing.T) {
	long := "warning: baseline: outlier trials (beyond Tukey's far-out fences, Q3 + 3·IQR or Q1 − 3·IQR of the trials; counted in every figure): trial 6: lock_wait_ms p50 0.1582 > fence 0.1552"
	for _, color := range []bool{false, true} {
		var buf bytes.Buffer
		r := &reportWriter{w: &buf, opts: RenderOptions{Format: "table", Width: 80, Color: color, wrapNotes: true}}
		l := long
		if color {
			l = r.paint(long, sgrYellow)
		}
		r.notes([]string{l})
		out := ansiEscape.ReplaceAllString(buf.String(), "")
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if len(lines) < 3 {
			t.Errorf("colour %v: got %d lines, want the note wrapped:\n%s", color, len(lines), out)
		}
		for i, line := range lines {
			if n := utf8.RuneCountInString(line); n > 80 || strings.HasSuffix(line, " ") || i > 0 && !strings.HasPrefix(line, "  ") {
				t.Errorf("colour %v: line %d %q: want ≤ 80 columns, no trailing space, continuations indented", color, i+1, line)
			}
		}
		if got := strings.Join(strings.Fields(out), " "); got != long {
			t.Errorf("colour %v: words changed:\n%s\nwant\n%s", color, got, long)
		}
	}
}

// TestNotesWholeWithoutATerminal: a report for a file or a pipe (no width
// given) keeps each note on one line, for grep.
func TestNotesWholeWithoutATerminal(t *testing.T) {
	res := reportFixture()
	long := strings.Repeat("a long warning ", 12)
	res.Runs[0].Warnings = []string{long}
	var buf bytes.Buffer
	if err := Render(&buf, res, RenderOptions{Format: "table"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "warning: "+res.Runs[0].Name+": "+long) {
		t.Errorf("the note was wrapped:\n%s", buf.String())
	}
	buf.Reset()
	if err := Render(&buf, res, RenderOptions{Format: "table", Width: 120}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "warning: "+res.Runs[0].Name+": "+long) {
		t.Errorf("at a terminal's 120 columns the note was not wrapped:\n%s", buf.String())
	}
}
