package analysis

import (
	"strings"
	"testing"
)

func TestCombineTakesMediansAndTheWorstOutcome(t *testing.T) {
	trial := func(elapsed float64, indexed, failed int, integrity string, p95 float64) Measurement {
		m := Measurement{ElapsedSeconds: elapsed, Indexed: indexed, Failed: failed, Integrity: integrity,
			States: map[string]int{"indexed": indexed, "failed": failed}, OCCConflicts: 1}
		m.LockWait = Stat{P95: p95, Count: 10}
		return m
	}
	got := Combine([]Measurement{
		trial(1.0, 10, 0, "ok", 5),
		trial(3.0, 8, 2, "ok", 1),
		trial(2.0, 9, 1, "bad rows", 9),
	})
	if got.ElapsedSeconds != 2.0 || got.LockWait.P95 != 5 {
		t.Errorf("got elapsed %v, lock p95 %v; want the medians 2, 5", got.ElapsedSeconds, got.LockWait.P95)
	}
	if got.LockWait.Count != 30 || got.OCCConflicts != 3 {
		t.Errorf("got count %d, conflicts %d; want 30, 3 (summed over trials)", got.LockWait.Count, got.OCCConflicts)
	}
	if got.Indexed != 8 || got.Failed != 2 || got.States["indexed"] != 8 || got.States["failed"] != 2 {
		t.Errorf("got indexed %d failed %d states %v; want the worst trial's: 8, 2", got.Indexed, got.Failed, got.States)
	}
	if got.Integrity != "trial 3: bad rows" {
		t.Errorf("got integrity %q, want the failing trial's", got.Integrity)
	}
}

func TestCombineMergesBatchesSkippingTrialsWithout(t *testing.T) {
	got := Combine([]Measurement{
		{Batches: &BatchStats{Count: 2, Mean: 4, Max: 6}},
		{}, // e.g. a multi-process trial whose workers all crashed
		{Batches: &BatchStats{Count: 6, Mean: 2, Max: 3}},
	})
	want := BatchStats{Count: 8, Mean: 2.5, Max: 6}
	if got.Batches == nil || *got.Batches != want {
		t.Errorf("got %+v, want %+v", got.Batches, want)
	}
	if got := Combine([]Measurement{{}, {}}); got.Batches != nil {
		t.Errorf("no group commits: got %+v, want nil", got.Batches)
	}
}

func TestRunWarnings(t *testing.T) {
	for _, tt := range []struct {
		counted, repeat int
		want            []string
	}{
		{1, 1, nil},
		{10, 10, nil},
		{3, 3, []string{"3 trials: a 95% confidence interval of a median needs 6 or more, so one end of each is open"}},
		{1, 5, []string{"1 of 5 trials counted: the figures are over those"}},
		{0, 3, []string{"none of 3 trials counted: the run stopped before one finished, and has no figures"}},
	} {
		got := runWarnings(tt.counted, tt.repeat)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("runWarnings(%d, %d) = %q, want %q", tt.counted, tt.repeat, got, tt.want)
		}
	}
}
