package engine

import "github.com/scenrun/scenrun/engine/analysis"

// wantsTrial says whether s's run takes trial k (0-based) of the counted
// trials: a fixed run until its repeat, a run with repeat: auto until its
// lower() gates are settled (done) or it reaches repeat_max.
func wantsTrial(s *analysis.RunTrials, k int, done map[string]bool) bool {
	return k < s.Run.Config.Repeat && !done[s.Run.Name]
}

// settleAuto asks the analysis, after a round of counted trials, which runs
// with repeat: auto have every lower() over them settled, and marks them
// done: they take no more trials. Scheduling is the runner's; judging stays
// the analysis's (the same rule lower() replays afterwards).
func (r *Runner) settleAuto(states []*analysis.RunTrials, done map[string]bool) {
	auto := false
	for _, s := range states {
		auto = auto || s.Run.Config.RepeatAuto
	}
	if !auto {
		return
	}
	for name := range r.assertions.Settled(states, r.spec.Gate) {
		done[name] = true
	}
}

// allDone says whether no run wants a trial of round k or later.
func allDone(states []*analysis.RunTrials, k int, done map[string]bool) bool {
	for _, s := range states {
		if s.Err == nil && wantsTrial(s, k, done) {
			return false
		}
	}
	return true
}
