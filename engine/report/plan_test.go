package report

import (
	"strings"
	"testing"
	"time"

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
		if err := Plan(&b, "long.yaml", p); err != nil {
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
