package fsm

import (
	"errors"
	"testing"
)

// filesDef is the file lifecycle's machine of SPEC §5: five states, eight
// transitions.
func filesDef() *Definition {
	const (
		untracked State = iota
		uploading
		processing
		indexed
		failed
	)
	return &Definition{
		States: []string{"untracked", "uploading", "processing", "indexed", "failed"},
		Transitions: []TransitionDef{
			{"start_upload", untracked, uploading}, {"complete_upload", uploading, processing},
			{"complete_processing", processing, indexed}, {"fail_upload", uploading, failed},
			{"fail_processing", processing, failed}, {"reset", indexed, untracked},
			{"retry", failed, untracked}, {"fail_reset", indexed, failed},
		},
	}
}

func TestMachineAllowsExactlyItsTransitions(t *testing.T) {
	def := filesDef()
	n := 0
	for s := range State(len(def.States)) {
		for tr, td := range def.Transitions {
			m := NewMachine(def, s)
			from, to, err := m.Fire(tr)
			legal := td.From == s
			t.Run(def.StateName(s)+"/"+td.Name, func(t *testing.T) {
				if legal {
					if err != nil || from != s || to != td.To || m.State() != td.To {
						t.Fatalf("got %s→%s, %v; want %s→%s", def.StateName(from), def.StateName(to), err, def.StateName(s), def.StateName(td.To))
					}
					return
				}
				var ite *InvalidTransitionError
				if !errors.As(err, &ite) || m.State() != s {
					t.Fatalf("got %v, state %s; want an InvalidTransitionError and no move", err, def.StateName(m.State()))
				}
			})
			if legal {
				n++
			}
		}
	}
	if n != 8 {
		t.Errorf("got %d legal transitions, want 8", n)
	}
	m := NewMachine(def, 0)
	if _, _, err := m.Fire(99); err == nil {
		t.Error("an unknown transition fired")
	}
}

func TestDefinitionNames(t *testing.T) {
	def := filesDef()
	if s, err := def.ParseState("indexed"); err != nil || def.StateName(s) != "indexed" {
		t.Errorf("ParseState(indexed) = %v, %v", s, err)
	}
	if _, err := def.ParseState("done"); err == nil {
		t.Error("ParseState(done): no error")
	}
	if def.Transition("retry") != 6 || def.Transition("nope") != -1 {
		t.Error("Transition by name")
	}
	if got := def.StateName(9); got != "State(9)" {
		t.Errorf("StateName(9) = %q", got)
	}
}
