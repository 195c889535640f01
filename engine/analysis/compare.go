package analysis

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/aclements/go-moremath/stats"

	"github.com/scenrun/scenrun/scenario"
)

// Combine is a run's figures from its trials: each figure is the median of
// the trials' (a single trial's figures are its own).
func Combine(trials []Measurement) Measurement {
	if len(trials) == 1 {
		return trials[0]
	}
	med := func(f func(*Measurement) float64) float64 {
		xs := make([]float64, len(trials))
		for i := range trials {
			xs[i] = f(&trials[i])
		}
		return Median(xs)
	}
	medInt := func(f func(*Measurement) float64) int64 { return int64(math.Round(med(f))) }
	stat := func(seg string) Stat {
		get := func(m *Measurement, stat string) float64 {
			s, _ := m.Segments.Get(seg)
			v, _ := s.Get(stat)
			return v
		}
		var s Stat
		for _, name := range scenario.Stats {
			*s.field(name) = med(func(m *Measurement) float64 { return get(m, name) })
		}
		for i := range trials {
			st, _ := trials[i].Segments.Get(seg)
			s.Count += st.Count
		}
		return s
	}
	var m Measurement
	m.ElapsedSeconds = med(func(m *Measurement) float64 { return m.ElapsedSeconds })
	m.Transitions = medInt(func(m *Measurement) float64 { return float64(m.Transitions) })
	m.TransitionsPerSecond = med(func(m *Measurement) float64 { return m.TransitionsPerSecond })
	m.FilesPerSecond = med(func(m *Measurement) float64 { return m.FilesPerSecond })
	// Outcomes are not averaged away: the worst trial's counts stand, and
	// the states are that trial's.
	m.Indexed = trials[0].Indexed
	m.Integrity = "ok"
	m.States = trials[0].States
	for i := range trials {
		t := &trials[i]
		if t.Indexed < m.Indexed {
			m.Indexed, m.States = t.Indexed, t.States
		}
		m.Failed = max(m.Failed, t.Failed)
		m.FileErrors = max(m.FileErrors, t.FileErrors)
		m.OCCConflicts += t.OCCConflicts
		if t.Integrity != "ok" && m.Integrity == "ok" {
			m.Integrity = fmt.Sprintf("trial %d: %s", i+1, t.Integrity)
		}
	}
	for _, seg := range scenario.Segments {
		*m.Segments.Field(seg) = stat(seg)
	}
	m.WALSizeStartBytes = medInt(func(m *Measurement) float64 { return float64(m.WALSizeStartBytes) })
	m.WALSizeEndBytes = medInt(func(m *Measurement) float64 { return float64(m.WALSizeEndBytes) })
	m.WALContention, m.Bottleneck = Verdicts(&m)
	for _, t := range trials {
		m.Batches = m.Batches.Merge(t.Batches)
		// Busy errors are counted over every trial, as conflicts are.
		m.BusyErrors += t.BusyErrors
		m.BusyRetries += t.BusyRetries
		if t.WALSizeMaxBytes != nil && (m.WALSizeMaxBytes == nil || *t.WALSizeMaxBytes > *m.WALSizeMaxBytes) {
			v := *t.WALSizeMaxBytes
			m.WALSizeMaxBytes = &v // the largest over the trials
		}
	}
	m.Reads = combineReads(trials)
	m.UncontendedWriteMS = medianStat(trials, func(m *Measurement) Stat { return m.UncontendedWriteMS })
	m.WriteLockMS = medianStat(trials, func(m *Measurement) Stat { return m.WriteLockMS })
	m.LockVerdict, m.LockWaitRatio = LockVerdict(&m)
	var wal []float64
	for i := range trials {
		if trials[i].WALBytes != nil {
			wal = append(wal, float64(*trials[i].WALBytes))
		}
	}
	if len(wal) > 0 {
		v := int64(math.Round(Median(wal)))
		m.WALBytes = &v // the median over the trials, as the WAL sizes are
	}
	return m
}

// waitingRatio is how many times an uncontended write's p95 a write's p95
// must take under load for LockVerdict to say WAITING.
const waitingRatio = 3

// LockVerdict says whether the run's writes waited for the lock: WAITING
// when the p95 of the per-write lock time (WriteLockMS) is at least
// waitingRatio times the p95 of the uncontended writes measured in the same
// trial, else CLEAN; "" without both figures. The ratio is returned with it.
func LockVerdict(m *Measurement) (string, float64) {
	if m.UncontendedWriteMS.Count == 0 || m.WriteLockMS.Count == 0 || m.UncontendedWriteMS.P95 <= 0 {
		return "", 0
	}
	r := m.WriteLockMS.P95 / m.UncontendedWriteMS.P95
	if r >= waitingRatio {
		return "WAITING", r
	}
	return "CLEAN", r
}

// combineReads is the readers' figures over the trials: queries and errors
// summed, each read_ms stat the median of the trials' (its count summed);
// nil when no trial had readers.
func combineReads(trials []Measurement) *Reads {
	var with []*Reads
	for i := range trials {
		if trials[i].Reads != nil {
			with = append(with, trials[i].Reads)
		}
	}
	if len(with) == 0 {
		return nil
	}
	out := &Reads{}
	for _, r := range with {
		out.Queries += r.Queries
		out.Errors += r.Errors
		out.ReadMS.Count += r.ReadMS.Count
	}
	for _, name := range scenario.Stats {
		xs := make([]float64, len(with))
		for i, r := range with {
			xs[i], _ = r.ReadMS.Get(name)
		}
		*out.ReadMS.field(name) = Median(xs)
	}
	return out
}

// Verdicts are the reference's contention verdict (lock waits above 5% of
// the whole write time at p95) and the bottleneck (the largest p95 of
// db_total, lock_wait and fsm_dispatch).
func Verdicts(m *Measurement) (contention, bottleneck string) {
	contention = "CLEAN"
	if m.LockWait.P95 > 0.05*m.DBTotal.P95 {
		contention = "CONTENTION"
	}
	bottleneck = "db_total_ms"
	if m.LockWait.P95 > m.DBTotal.P95 {
		bottleneck = "lock_wait_ms"
	}
	if m.FSMDispatch.P95 > max(m.DBTotal.P95, m.LockWait.P95) {
		bottleneck = "fsm_dispatch_ms"
	}
	return contention, bottleneck
}

// trialValues is one segment stat of each trial of r.
func trialValues(r *RunResult, seg, stat string) []float64 {
	return measuredValues(r.Trials, seg, stat)
}

// measuredValues is one segment stat of each of trials, in order; a trial
// with no samples of the segment has none.
func measuredValues(trials []Measurement, seg, stat string) []float64 {
	xs := make([]float64, 0, len(trials))
	for i := range trials {
		s, _ := trials[i].Segments.Get(seg)
		if s.Count == 0 {
			continue
		}
		v, _ := s.Get(stat)
		xs = append(xs, v)
	}
	return xs
}

// minUTestP is the smallest two-sided p-value a Mann–Whitney U test can
// give with samples of n1 and n2 (complete separation, no ties).
func minUTestP(n1, n2 int) float64 {
	// 2 / C(n1+n2, n1)
	c := 1.0
	for i := 1; i <= n1; i++ {
		c = c * float64(n2+i) / float64(i)
	}
	return math.Min(1, 2/c)
}

// significance compares two runs' trials of one segment stat: the
// Mann–Whitney U p-value, and a warning when the trials are too few for any
// result to reach alpha. ok is false when either side has fewer than two
// trials.
func significance(a, b *RunResult, seg, stat string, alpha float64) (p float64, warning string, ok bool) {
	xa, xb := trialValues(a, seg, stat), trialValues(b, seg, stat)
	if len(xa) < 2 || len(xb) < 2 {
		return 0, "", false
	}
	p = uTestP(xa, xb)
	if mp := minUTestP(len(xa), len(xb)); mp >= alpha {
		need := 2
		for minUTestP(need, need) >= alpha && need < 100 {
			need++
		}
		warning = fmt.Sprintf("%d vs %d trials cannot reach α=%g (smallest possible p=%.3g): set repeat ≥ %d on both runs", len(xa), len(xb), alpha, mp, need)
	}
	return p, warning, true
}

// uTestP is the two-sided Mann–Whitney U p-value of xs against ys, by
// go-moremath's exact U distribution (with ties, up to 25 values a side;
// the normal approximation beyond), the implementation benchstat's
// benchmath.AssumeNothing.Compare calls.
//
// It does not go through benchmath: go-moremath doubles the CDF of the first
// sample's U at min(U1, U2), which is the lower tail of the first sample's
// U only when U1 ≤ U2. With ties the distribution of U is not symmetric, so
// for U1 > U2 that is not the p-value, and Compare(a, b) and Compare(b, a)
// differ (a = 2 2 3 3 3 5 against b = 1 2 2 3 4: 0.416 one way, 0.498 the
// other; enumerating every split gives 0.498). Putting the sample with the
// smaller U first makes the doubled tail the observation's own tail, in
// either order. A doubled tail can pass 1; a p-value cannot: it is 1 then.
func uTestP(xs, ys []float64) float64 {
	r, err := stats.MannWhitneyUTest(xs, ys, stats.LocationDiffers)
	if err == nil && r.U > float64(r.N1*r.N2)/2 {
		r, err = stats.MannWhitneyUTest(ys, xs, stats.LocationDiffers)
	}
	if err != nil {
		// Every value equal on both sides (stats.ErrSamplesEqual): no
		// difference at all.
		return 1
	}
	return min(r.P, 1)
}

// compareRuns builds the comparison of run against base at one stat.
func compareRuns(base, run *RunResult, c scenario.Compare, gate scenario.Gate) Comparison {
	out := Comparison{Baseline: base.Name, Run: run.Name, Stat: c.Stat, Order: c.Segments, Segments: map[string]SegmentDelta{}}
	var mdes []string
	var outlierNotes []string
	for _, seg := range c.Segments {
		bs, _ := base.Segments.Get(seg)
		rs, _ := run.Segments.Get(seg)
		bv, _ := bs.Get(c.Stat)
		rv, _ := rs.Get(c.Stat)
		d := SegmentDelta{Baseline: bv, Value: rv, DeltaMS: rv - bv, DeltaPct: deltaPct(bv, rv),
			BaselineCI95: runCI(base, seg, c.Stat), ValueCI95: runCI(run, seg, c.Stat)}
		if p, warn, ok := significance(base, run, seg, c.Stat, gate.Alpha); ok {
			sig := p < gate.Alpha && math.Abs(d.DeltaPct) > gate.NoiseFloorPct
			d.PValue, d.Significant = &p, &sig
			if warn != "" && !slices.Contains(out.Warnings, warn) {
				out.Warnings = append(out.Warnings, warn)
			}
			d.MDEPct = mdePtr(trialValues(base, seg, c.Stat), trialValues(run, seg, c.Stat), gate.Alpha)
			if d.MDEPct != nil {
				mdes = append(mdes, fmt.Sprintf("%s %s%%", seg, formatDetail(*d.MDEPct)))
			}
		}
		if w := outlierWarning(base, run, seg, c.Stat); w != "" {
			outlierNotes = append(outlierNotes, w)
		}
		out.Segments[seg] = d
	}
	if len(mdes) > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("smallest detectable change at %d vs %d trials (α=%g, of %s's median): %s",
			len(base.Trials), len(run.Trials), gate.Alpha, base.Name, strings.Join(mdes, ", ")))
	}
	out.Warnings = append(out.Warnings, outlierNotes...)
	return out
}

// deltaPct is (after − before) / before × 100; NaN when before is 0.
func deltaPct(before, after float64) float64 {
	if before == 0 {
		if after == 0 {
			return 0
		}
		return math.NaN()
	}
	return (after - before) / before * 100
}

// medianStat is each figure of a Stat the median over the trials (its count
// summed), as a segment's are.
func medianStat(trials []Measurement, of func(*Measurement) Stat) Stat {
	var out Stat
	for i := range trials {
		out.Count += of(&trials[i]).Count
	}
	for _, name := range scenario.Stats {
		xs := make([]float64, len(trials))
		for i := range trials {
			xs[i], _ = of(&trials[i]).Get(name)
		}
		*out.field(name) = Median(xs)
	}
	return out
}
