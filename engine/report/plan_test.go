package report

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/scenrun/scenrun/engine/analysis"
)

func TestRenderPlanHintsQuick(t *testing.T) {
	spec := parse(t, "version: 1\nname: long\ndefaults: {files: 818, concurrency: 1, profile: realistic}\nruns:\n  - name: r\n")
	cal := &analysis.Calibration{Points: map[string]analysis.CalibrationPoint{analysis.CalibrationKey(spec.Runs[0].Config): {PerFile: time.Millisecond, FilesPerSecond: 1000, Sleepy: true, NetPerFile: time.Millisecond}}}
	for _, tt := range []struct {
		scale float64
		hint  bool
	}{{1, true}, {1.0 / 40, false}} {
		p, err := analysis.Estimate(spec.Runs, spec.Profiles, spec.Workloads, tt.scale, cal)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := Plan(&b, "long.yaml", p, 0); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(b.String(), "-quick"); got != tt.hint {
			t.Errorf("scale %g (total %v): got hint %v, want %v\n%s", tt.scale, p.Total, got, tt.hint, b.String())
		}
		if !strings.Contains(b.String(), "Estimated total: "+analysis.FormatDuration(p.Total)) {
			t.Errorf("scale %g: no total in\n%s", tt.scale, b.String())
		}
	}
}

// TestRenderPlanFitsWidth: the plan table fits the width it is given, as
// the results table does (split keyed by run name), with 120 columns by
// default; the lines under it wrap there too.
func TestRenderPlanFitsWidth(t *testing.T) {
	spec := parse(t, `
version: 1
name: wide
defaults: {files: 818, concurrency: 10, warmup: 1}
runs:
  - name: a_rather_long_baseline_name
  - name: shared
    connection: single_writer
`)
	cal := &analysis.Calibration{Points: map[string]analysis.CalibrationPoint{}}
	for _, r := range spec.Runs {
		cal.Points[analysis.CalibrationKey(r.Config)] = analysis.CalibrationPoint{PerFile: time.Millisecond, FilesPerSecond: 1000}
	}
	p, err := analysis.Estimate(spec.Runs, spec.Profiles, spec.Workloads, 1, cal)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ width, want int }{{0, 120}, {80, 80}, {120, 120}} {
		t.Run(fmt.Sprint(tt.width), func(t *testing.T) {
			var b strings.Builder
			if err := Plan(&b, "scenarios/wide.yaml", p, tt.width); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for line := range strings.SplitSeq(out, "\n") {
				if got := text.StringWidthWithoutEscSequences(line); got > tt.want {
					t.Errorf("got a line of %d columns, want at most %d: %q", got, tt.want, line)
				}
			}
			for _, want := range []string{"a_rather_long_baseline_name", "est. run", "warm-up", "total"} {
				if !strings.Contains(out, want) {
					t.Errorf("no %q in\n%s", want, out)
				}
			}
		})
	}
}
