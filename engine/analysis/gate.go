package analysis

import (
	"encoding/json"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"

	"github.com/scenrun/scenrun/scenario"
)

// ciConfidence is the confidence level of a run's intervals.
const ciConfidence = 0.95

// An Interval is a confidence interval of a run's figure over its trials:
// the distribution-free interval of the median (order statistics of the
// trials' values, as benchmath.AssumeNothing gives it), at a confidence of
// at least 95%. With fewer than six trials no pair of order statistics
// covers the median with 95% confidence: the bounds are then −∞ and +∞,
// written as null.
type Interval struct {
	Lo float64 `json:"lo" expr:"lo"`
	Hi float64 `json:"hi" expr:"hi"`
}

// Bounded says whether both ends of i are finite.
func (i Interval) Bounded() bool { return !math.IsInf(i.Lo, 0) && !math.IsInf(i.Hi, 0) }

// MarshalJSON writes an unbounded end as null: JSON has no infinity.
func (i Interval) MarshalJSON() ([]byte, error) {
	end := func(v float64) *float64 {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil
		}
		return &v
	}
	return json.Marshal(struct {
		Lo *float64 `json:"lo"`
		Hi *float64 `json:"hi"`
	}{end(i.Lo), end(i.Hi)})
}

// UnmarshalJSON reads a null end as unbounded.
func (i *Interval) UnmarshalJSON(b []byte) error {
	var v struct{ Lo, Hi *float64 }
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	i.Lo, i.Hi = math.Inf(-1), math.Inf(1)
	if v.Lo != nil {
		i.Lo = *v.Lo
	}
	if v.Hi != nil {
		i.Hi = *v.Hi
	}
	return nil
}

// ci95 is the 95% confidence interval of each segment stat's median over
// trials, by segment and stat; nil with fewer than two trials.
func ci95(trials []Measurement) map[string]map[string]Interval {
	if len(trials) < 2 {
		return nil
	}
	out := map[string]map[string]Interval{}
	for _, seg := range scenario.Segments {
		stats := map[string]Interval{}
		for _, stat := range scenario.Stats {
			xs := make([]float64, 0, len(trials))
			for i := range trials {
				s, _ := trials[i].Segments.Get(seg)
				if s.Count == 0 {
					continue
				}
				v, _ := s.Get(stat)
				xs = append(xs, v)
			}
			if len(xs) < 2 {
				continue
			}
			sum := benchmath.AssumeNothing.Summary(benchmath.NewSample(xs, &benchmath.DefaultThresholds), ciConfidence)
			stats[stat] = Interval{Lo: sum.Lo, Hi: sum.Hi}
		}
		if len(stats) > 0 {
			out[seg] = stats
		}
	}
	return out
}

// runCI is r's interval for one segment stat, if it has one.
func runCI(r *RunResult, seg, stat string) *Interval {
	i, ok := r.CI95[seg][stat]
	if !ok {
		return nil
	}
	return &i
}

// GateSettings is how lower() and the comparisons decided (the spec's
// `gate`), recorded with the results so that a report read back later uses
// the same α and noise floor.
type GateSettings struct {
	Alpha         float64 `json:"alpha"`
	NoiseFloorPct float64 `json:"noise_floor_pct"`
}

// baselineComparisons compares each run with the same-named run of an
// earlier results file, at p95 over the reference's segments (or, when the
// spec compares that run, at the stat and segments of its first comparison).
// A run the earlier file does not have, or one with no figures on either
// side, gets no table.
func baselineComparisons(spec *scenario.Spec, runs []RunResult, prev *Results, prevFile string) []Comparison {
	var out []Comparison
	for i := range runs {
		run := &runs[i]
		j := slices.IndexFunc(prev.Runs, func(p RunResult) bool { return p.Name == run.Name })
		if j < 0 || len(run.Trials) == 0 || prev.Runs[j].Segments.TotalWall.Count == 0 {
			continue
		}
		base := prev.Runs[j]
		c := scenario.Compare{Baseline: run.Name, Stat: "p95", Segments: scenario.DefaultSegments}
		for _, sc := range spec.Compare {
			if sc.Baseline == run.Name || slices.Contains(sc.Runs, run.Name) {
				c.Stat, c.Segments = sc.Stat, sc.Segments
				break
			}
		}
		cmp := compareRuns(&base, run, c, spec.Gate)
		cmp.BaselineFile = prevFile
		if d := configDiff(base.RunConfig, run.RunConfig); d != "" {
			cmp.Warnings = append(cmp.Warnings, "configuration differs from the baseline file's: "+d)
		}
		out = append(out, cmp)
	}
	return out
}

// configDiff names the workload fields in which two runs' configurations
// differ, "" when they do not.
func configDiff(a, b RunConfig) string {
	var diffs []string
	add := func(name string, x, y any) {
		if x != y {
			diffs = append(diffs, name+" "+formatValue(x)+" → "+formatValue(y))
		}
	}
	add("files", a.Files, b.Files)
	add("concurrency", a.Concurrency, b.Concurrency)
	add("profile", a.Profile, b.Profile)
	add("connection", a.Connection, b.Connection)
	add("txlock", a.TxLock, b.TxLock)
	add("repeat", a.Repeat, b.Repeat)
	add("processes", a.Processes, b.Processes)
	return strings.Join(diffs, ", ")
}
