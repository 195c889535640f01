package analysis

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/scenrun/scenrun/scenario"
)

// OutlierMethod is how a run's outlier trials are found, as the results
// record it.
const OutlierMethod = "Tukey's far-out fences over a run's trials, per segment and p50, p95, p99, mean: below Q1 − 3·IQR or above Q3 + 3·IQR " +
	"(type-7 quartiles; the IQR taken as at least 10% of the median and 0.01 ms; 5 or more trials); flagged, never dropped"

// outlierStats are the stats whose trial values are checked: a trial's
// summary of its files. min, max and p999 are one or two files' values, a
// spike by nature, not a trial that went wrong.
var outlierStats = []string{"p50", "p95", "p99", "mean"}

// outlierMinTrials is the fewest trials whose quartiles say anything about
// one of them: with four, the largest value moves Q3 itself.
const outlierMinTrials = 5

// fences are the far-out fences of xs (Tukey: 3 IQR beyond the quartiles),
// and whether xs has any: too few values have none.
// The IQR is held to at least 10% of the median and 0.01 ms (ten timer
// ticks), so that trials that agree closely, or figures at the timer's
// resolution, do not make a hair's difference an outlier.
func fences(xs []float64) (lo, hi float64, ok bool) {
	if len(xs) < outlierMinTrials {
		return 0, 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	q1, q3 := quantile(s, 0.25), quantile(s, 0.75)
	iqr := max(q3-q1, 0.1*math.Abs(quantile(s, 0.5)), 0.01)
	return q1 - 3*iqr, q3 + 3*iqr, true
}

// outliers are the trials whose value of a segment stat lies beyond its
// far-out fences, by segment, stat and trial. The figures are not touched:
// an outlier is what a reader should know about them, as a warning is.
func outliers(trials []Measurement) []Outlier {
	var out []Outlier
	for _, seg := range scenario.Segments {
		for _, stat := range outlierStats {
			var xs []float64
			var idx []int
			for i := range trials {
				s, _ := trials[i].Segments.Get(seg)
				if s.Count == 0 {
					continue
				}
				v, _ := s.Get(stat)
				xs, idx = append(xs, v), append(idx, i)
			}
			lo, hi, ok := fences(xs)
			if !ok {
				continue
			}
			for k, v := range xs {
				switch {
				case v > hi:
					out = append(out, Outlier{Trial: idx[k] + 1, Segment: seg, Stat: stat, Value: v, Fence: hi})
				case v < lo:
					out = append(out, Outlier{Trial: idx[k] + 1, Segment: seg, Stat: stat, Value: v, Fence: lo})
				}
			}
		}
	}
	return out
}

// outlierNote is a run's note on its outliers, grouped by trial; "" when
// there are none.
func outlierNote(os []Outlier) string {
	if len(os) == 0 {
		return ""
	}
	var trials []int
	by := map[int][]string{}
	for _, o := range os {
		if _, ok := by[o.Trial]; !ok {
			trials = append(trials, o.Trial)
		}
		by[o.Trial] = append(by[o.Trial], o.describe())
	}
	slices.Sort(trials)
	parts := make([]string, len(trials))
	for i, t := range trials {
		items := by[t]
		if len(items) > 3 {
			items = append(items[:3:3], fmt.Sprintf("%d more", len(by[t])-3))
		}
		parts[i] = fmt.Sprintf("trial %d: %s", t, strings.Join(items, ", "))
	}
	return "outlier trials (beyond Tukey's far-out fences, Q3 + 3·IQR or Q1 − 3·IQR of the trials; counted in every figure): " + strings.Join(parts, "; ")
}

// describe is "db_total_ms p95 3612 > fence 120".
func (o Outlier) describe() string {
	op := ">"
	if o.Value < o.Fence {
		op = "<"
	}
	return fmt.Sprintf("%s %s %s %s fence %s", o.Segment, o.Stat, formatDetail(o.Value), op, formatDetail(o.Fence))
}

// outliersOf are r's outliers in one segment stat.
func outliersOf(r *RunResult, seg, stat string) []Outlier {
	var out []Outlier
	for _, o := range r.Outliers {
		if o.Segment == seg && o.Stat == stat {
			out = append(out, o)
		}
	}
	return out
}

// outlierWarning is a comparison's or a gate's note that one of its runs
// has an outlier trial in the stat it tests; "" when neither has.
func outlierWarning(a, b *RunResult, seg, stat string) string {
	var parts []string
	for _, r := range []*RunResult{a, b} {
		for _, o := range outliersOf(r, seg, stat) {
			parts = append(parts, fmt.Sprintf("%s trial %d %s", r.Name, o.Trial, o.describe()))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "outlier: " + strings.Join(parts, "; ") + " (kept: the U test ranks it, the median barely moves)"
}
