// Package fsm is the state machine of a workload and the Store interface
// through which the engine persists each state change. A workload (SPEC §9)
// is data: its states, its transitions (the steps every item walks, the
// writes of a failed call, the retry), and the SQL of each; the built-in
// `files` lifecycle of SPEC §5 is one such workload. fsm imports no database
// driver: each database is a subpackage (fsm/sqlite) that implements Store.
//
// The machine is a pure value and never touches the database; the store never
// decides whether a transition is legal. Keeping the two apart is what lets
// the engine time transition validation (fsm_dispatch) apart from the write.
package fsm

import (
	"fmt"
	"slices"
)

// A State is an index into a Definition's States.
type State uint8

// MaxStates is the most states a workload may have.
const MaxStates = 255

// A TransitionDef is one named state change of a workload.
type TransitionDef struct {
	Name     string
	From, To State
}

// A Definition is a workload's state machine: its states and the only
// transitions allowed between them.
type Definition struct {
	States      []string
	Transitions []TransitionDef
}

// StateName is the name of s, or State(n) for one the definition lacks.
func (d *Definition) StateName(s State) string {
	if int(s) < len(d.States) {
		return d.States[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// ParseState returns the state with the given name.
func (d *Definition) ParseState(name string) (State, error) {
	if i := slices.Index(d.States, name); i >= 0 {
		return State(i), nil
	}
	return 0, fmt.Errorf("unknown state %q", name)
}

// Transition returns the index of the transition called name, -1 if none.
func (d *Definition) Transition(name string) int {
	return slices.IndexFunc(d.Transitions, func(t TransitionDef) bool { return t.Name == name })
}

// An InvalidTransitionError is a transition fired from a state it does not
// leave.
type InvalidTransitionError struct {
	Transition string
	From       string
}

func (e *InvalidTransitionError) Error() string {
	return fmt.Sprintf("invalid transition %s from state %s", e.Transition, e.From)
}

// A Machine is one item's position in its workload's state machine.
type Machine struct {
	def   *Definition
	state State
}

// NewMachine returns a machine of def at state s.
func NewMachine(def *Definition, s State) Machine { return Machine{def: def, state: s} }

// State is the machine's current state.
func (m *Machine) State() State { return m.state }

// Fire takes transition t (an index into the definition's Transitions) if
// it leaves the current state, returning the states it went from and to;
// otherwise the machine stays where it is and the error is an
// *InvalidTransitionError.
func (m *Machine) Fire(t int) (from, to State, err error) {
	if t < 0 || t >= len(m.def.Transitions) {
		return m.state, m.state, &InvalidTransitionError{Transition: fmt.Sprintf("Transition(%d)", t), From: m.def.StateName(m.state)}
	}
	tr := &m.def.Transitions[t]
	if tr.From != m.state {
		return m.state, m.state, &InvalidTransitionError{Transition: tr.Name, From: m.def.StateName(m.state)}
	}
	m.state = tr.To
	return tr.From, tr.To, nil
}
