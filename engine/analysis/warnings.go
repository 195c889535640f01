package analysis

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scenrun/scenrun/scenario"
)

// Warnings are what can be said about a spec before it runs that does not
// stop it: a lower() whose runs have too few trials to ever reach α (the
// run would only fail after running), a run whose calls can fail with no
// retries under an assertion that every item be indexed, and a -baseline
// file (prev) that shares no run name with the spec. Each warning is said
// once, in spec order.
func (c *Assertions) Warnings(prev *Results) []string {
	var out []string
	add := func(format string, args ...any) {
		if w := fmt.Sprintf(format, args...); !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	spec := c.spec
	for _, g := range c.gates {
		a, okA := spec.Run(g.A)
		b, okB := spec.Run(g.B)
		if !okA || !okB || a.Config.RepeatAuto || b.Config.RepeatAuto {
			continue
		}
		na, nb := a.Config.Repeat, b.Config.Repeat
		if na < 2 || nb < 2 {
			continue // a single trial: lower() is a plain comparison (SPEC §6)
		}
		alpha := spec.Gate.Alpha
		if mp := minUTestP(na, nb); mp >= alpha {
			need := 2
			for minUTestP(need, need) >= alpha && need < 100 {
				need++
			}
			add("lower(%s, %s, %q, %q): %d vs %d trials cannot reach α=%g (smallest possible p=%.3g): set repeat ≥ %d on both runs, or repeat: auto",
				g.A, g.B, g.Segment, g.Stat, na, nb, alpha, mp, need)
		}
	}
	indexedAsserted := slices.ContainsFunc(spec.Assertions, func(a scenario.Assertion) bool {
		return strings.Contains(a.Expr, "indexed")
	})
	if indexedAsserted {
		for _, r := range spec.Runs {
			p := spec.Profiles[r.Config.Profile]
			if p.ErrorRate > 0 && r.Config.Retries == 0 {
				add("run %q: profile %q fails %g of its calls and the run has no retries, so some items will end failed; an assertion reads indexed", r.Name, p.Name, p.ErrorRate)
			}
		}
	}
	if prev != nil {
		shared := slices.ContainsFunc(spec.Runs, func(r scenario.Run) bool {
			return slices.ContainsFunc(prev.Runs, func(p RunResult) bool { return p.Name == r.Name })
		})
		if !shared {
			var names []string
			for _, p := range prev.Runs {
				names = append(names, p.Name)
			}
			add("the -baseline file shares no run name with the spec (it has %s): no baseline comparison will be made", strings.Join(names, ", "))
		}
	}
	return out
}
