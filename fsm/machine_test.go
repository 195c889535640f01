package fsm

import (
	"errors"
	"testing"
)

func TestMachineAllowsExactlyTheEightTransitions(t *testing.T) {
	allowed := map[[2]State]Transition{
		{Untracked, Uploading}:  StartUpload,
		{Uploading, Processing}: CompleteUpload,
		{Processing, Indexed}:   CompleteProcessing,
		{Uploading, Failed}:     FailUpload,
		{Processing, Failed}:    FailProcessing,
		{Indexed, Untracked}:    Reset,
		{Failed, Untracked}:     Retry,
		{Indexed, Failed}:       FailReset,
	}
	n := 0
	for _, s := range States() {
		for tr := Transition(0); tr < numTransitions; tr++ {
			m := NewMachine(s)
			from, to, err := m.Fire(tr)
			want, ok := allowed[[2]State{s, edges[tr].to}]
			legal := ok && want == tr && edges[tr].from == s
			t.Run(s.String()+"/"+tr.String(), func(t *testing.T) {
				if legal {
					if err != nil {
						t.Fatalf("got error %v, want %s→%s", err, s, edges[tr].to)
					}
					if from != s || to != edges[tr].to || m.State() != to {
						t.Fatalf("got %s→%s (state %s), want %s→%s", from, to, m.State(), s, edges[tr].to)
					}
					return
				}
				var ite *InvalidTransitionError
				if !errors.As(err, &ite) {
					t.Fatalf("got err %v, want InvalidTransitionError", err)
				}
				if m.State() != s {
					t.Fatalf("rejected transition moved the machine to %s", m.State())
				}
			})
			if legal {
				n++
			}
		}
	}
	if n != 8 {
		t.Fatalf("got %d legal transitions, want 8", n)
	}
}

func TestStateNames(t *testing.T) {
	for _, s := range States() {
		got, err := ParseState(s.String())
		if err != nil || got != s {
			t.Errorf("ParseState(%q) = %v, %v; want %v", s.String(), got, err, s)
		}
	}
	if _, err := ParseState("done"); err == nil {
		t.Error("ParseState(\"done\") succeeded, want error")
	}
}
