package analysis

import (
	"fmt"
	"math"
	"strings"

	"github.com/scenrun/scenrun/scenario"
)

// A seqPlan is the group-sequential schedule of a lower() over a run with
// `repeat: auto`: the trial counts at which the gate looks at the trials,
// and the share of α each look may spend.
//
// The stance is Bonferroni α-spending: K looks, each a two-sided
// Mann–Whitney U test at α/K. Whatever the dependence between the looks,
// the chance that any of them is significant between identical runs is at
// most the sum of their shares, α, so stopping at the first significant
// look keeps the gate's false-positive rate ≤ α (≤ α/2 in lower()'s one
// direction). It is conservative — neighbouring looks share most of their
// trials — and needs no model of the trials' distribution, as the U test
// does not. Looks start at the smallest even count (≥ 4) at which n against
// n trials can reach the share at all, so no α is spent on a look that
// could never use it.
type seqPlan struct {
	Looks []int   // trial counts (of each run) at which the gate looks
	Alpha float64 // each look's share of α
}

// newSeqPlan is the plan of a gate over runs of at most repeatMax trials.
// When no split of α over several looks can be reached, it is one look at
// repeatMax at the whole α: a fixed-size test.
func newSeqPlan(repeatMax int, alpha float64) seqPlan {
	for n0 := 4; n0 < repeatMax; n0 += 2 {
		var looks []int
		for n := n0; n < repeatMax; n += 2 {
			looks = append(looks, n)
		}
		looks = append(looks, repeatMax)
		share := alpha / float64(len(looks))
		if minUTestP(n0, n0) < share {
			return seqPlan{Looks: looks, Alpha: share}
		}
	}
	return seqPlan{Looks: []int{repeatMax}, Alpha: alpha}
}

// String describes the plan for the JSON and the details.
func (p seqPlan) String() string {
	looks := make([]string, len(p.Looks))
	for i, n := range p.Looks {
		looks[i] = fmt.Sprint(n)
	}
	return fmt.Sprintf("group-sequential Mann–Whitney U, Bonferroni α-spending: looks at %s trials, α/%d = %.3g each", strings.Join(looks, ", "), len(p.Looks), p.Alpha)
}

// SequentialRule is how lower() judges a run with repeat: auto, for the
// results' record.
const SequentialRule = "group-sequential Mann–Whitney U with Bonferroni α-spending: " +
	"looks every 2 trials from the first count at which n vs n trials can reach α/K up to repeat_max (K looks), each two-sided at α/K; " +
	"settled at the first look with p < α/K (lower when b's median is lower by more than the noise floor), " +
	"or as not lower when even trials all in b's favour up to repeat_max could not reach α/K (futility), " +
	"else not lower at repeat_max"

// A seqOutcome is what the sequential rule made of a gate's trials so far.
type seqOutcome struct {
	Settled bool
	Lower   bool    // settled, and b's median lower than a's by more than the noise floor
	Look    int     // 1-based index of the last look taken (the deciding one when settled); 0: none yet
	NA, NB  int     // the trials of a and b at that look
	P       float64 // that look's p-value
	Change  float64 // that look's change of the median, in percent of a's
	Why     string  // for the detail, when settled
}

// judgeSequential replays the plan over a's and b's trials' values, in the
// order they were measured (the runner interleaves them, so the first n of
// each are what it had after n rounds), and stops at the first look that
// settles the gate.
func judgeSequential(xa, xb []float64, plan seqPlan, noiseFloorPct float64) seqOutcome {
	var out seqOutcome
	rounds := max(len(xa), len(xb))
	for i, n := range plan.Looks {
		if n > rounds {
			break
		}
		pa, pb := xa[:min(n, len(xa))], xb[:min(n, len(xb))]
		if len(pa) < 2 || len(pb) < 2 {
			continue
		}
		out = seqOutcome{Look: i + 1, NA: len(pa), NB: len(pb), P: uTestP(pa, pb), Change: deltaPct(Median(pa), Median(pb))}
		last := i == len(plan.Looks)-1
		switch {
		case out.P < plan.Alpha && !math.IsNaN(out.Change) && out.Change < 0 && -out.Change > noiseFloorPct:
			out.Settled, out.Lower, out.Why = true, true, "significant"
		case out.P < plan.Alpha && (math.IsNaN(out.Change) || out.Change >= 0):
			out.Settled, out.Why = true, "significant, but not lower"
		case out.P < plan.Alpha:
			out.Settled, out.Why = true, fmt.Sprintf("significant, but within the noise floor of %g%%", noiseFloorPct)
		case last:
			out.Settled, out.Why = true, "not significant at repeat_max"
		case futile(pa, pb, plan.Looks[i+1:], plan.Alpha):
			out.Settled, out.Why = true, "futile: no trials still to come could reach the look's α"
		}
		if out.Settled {
			return out
		}
	}
	return out
}

// futile says whether no later look can be significant in lower()'s
// direction even if every trial still to come fell on b's side of every
// other: a's new trials above all values, b's below.
func futile(xa, xb []float64, later []int, alpha float64) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range append(append([]float64(nil), xa...), xb...) {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	span := math.Max(hi-lo, 1)
	// The last look adds the most trials, so it is the likeliest to reach
	// α: try it first.
	for j := len(later) - 1; j >= 0; j-- {
		n := later[j]
		ya, yb := append([]float64(nil), xa...), append([]float64(nil), xb...)
		for k := 0; len(ya) < n; k++ {
			ya = append(ya, hi+span*float64(k+1))
		}
		for k := 0; len(yb) < n; k++ {
			yb = append(yb, lo-span*float64(k+1))
		}
		if uTestP(ya, yb) < alpha {
			return false
		}
	}
	return true
}

// planFor is the sequential plan of a gate between two runs, and whether
// either has repeat: auto (else the gate is a fixed-size test).
func planFor(a, b RunConfig, alpha float64) (seqPlan, bool) {
	if !a.RepeatAuto && !b.RepeatAuto {
		return seqPlan{}, false
	}
	n := 0
	if a.RepeatAuto {
		n = a.RepeatMax
	}
	if b.RepeatAuto {
		n = max(n, b.RepeatMax)
	}
	return newSeqPlan(n, alpha), true
}

// A Gate is one lower(a, b, segment, stat) of a spec's assertions whose
// runs are named in it literally, so that the runner can ask, while it
// measures, whether the trials so far settle it.
type Gate struct {
	A, B, Segment, Stat string
}

// Settled names the runs with repeat: auto whose every lower() is settled
// by the trials measured so far (runs in the order they were measured;
// gate is the spec's): the runner stops giving those runs trials. A run
// with repeat: auto that no lower() reads is never settled: it takes
// repeat_max trials.
func (c *Assertions) Settled(runs []*RunTrials, gate scenario.Gate) map[string]bool {
	byName := map[string]*RunTrials{}
	for _, r := range runs {
		byName[r.Run.Name] = r
	}
	settled, seen := map[string]bool{}, map[string]bool{}
	var gates []Gate
	if c != nil {
		gates = c.gates
	}
	for _, g := range gates {
		a, b := byName[g.A], byName[g.B]
		if a == nil || b == nil {
			continue
		}
		ca, cb := NewRunConfig(a.Run.Config), NewRunConfig(b.Run.Config)
		plan, auto := planFor(ca, cb, gate.Alpha)
		if !auto {
			continue
		}
		out := judgeSequential(measuredValues(a.Trials, g.Segment, g.Stat), measuredValues(b.Trials, g.Segment, g.Stat), plan, gate.NoiseFloorPct)
		for _, r := range []*RunTrials{a, b} {
			if !r.Run.Config.RepeatAuto {
				continue
			}
			if !seen[r.Run.Name] {
				seen[r.Run.Name], settled[r.Run.Name] = true, true
			}
			settled[r.Run.Name] = settled[r.Run.Name] && out.Settled
		}
	}
	for name, ok := range settled {
		if !ok {
			delete(settled, name)
		}
	}
	return settled
}
