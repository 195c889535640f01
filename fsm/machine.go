// Package fsm is the file lifecycle: its five states, its eight transitions,
// the machine that rejects every other transition, and the Store interface
// through which the engine persists each state change as an
// optimistic-concurrency UPDATE. It imports no database driver: each
// database is a subpackage (fsm/sqlite) that implements Store.
//
// The machine is a pure value and never touches the database; the store never
// decides whether a transition is legal. Keeping the two apart is what lets the
// engine time transition validation (fsm_dispatch) apart from the write.
package fsm

import "fmt"

// A State is where a file is in its lifecycle.
type State uint8

// The five states of SPEC §5.
const (
	Untracked State = iota
	Uploading
	Processing
	Indexed
	Failed
	numStates
)

var stateNames = [numStates]string{"untracked", "uploading", "processing", "indexed", "failed"}

func (s State) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// ParseState returns the state with the given name.
func ParseState(name string) (State, error) {
	for i, n := range stateNames {
		if n == name {
			return State(i), nil
		}
	}
	return 0, fmt.Errorf("unknown state %q", name)
}

// States lists every state in order.
func States() []State { return []State{Untracked, Uploading, Processing, Indexed, Failed} }

// A Transition is a named state change.
type Transition uint8

// The eight transitions of SPEC §5.
const (
	StartUpload Transition = iota
	CompleteUpload
	CompleteProcessing
	FailUpload
	FailProcessing
	Reset
	Retry
	FailReset
	numTransitions
)

var transitionNames = [numTransitions]string{
	"start_upload", "complete_upload", "complete_processing", "fail_upload",
	"fail_processing", "reset", "retry", "fail_reset",
}

func (t Transition) String() string {
	if t < numTransitions {
		return transitionNames[t]
	}
	return fmt.Sprintf("Transition(%d)", uint8(t))
}

// edges is the whole machine: for each transition, the one state it leaves
// and the one it enters.
var edges = [numTransitions]struct{ from, to State }{
	StartUpload:        {Untracked, Uploading},
	CompleteUpload:     {Uploading, Processing},
	CompleteProcessing: {Processing, Indexed},
	FailUpload:         {Uploading, Failed},
	FailProcessing:     {Processing, Failed},
	Reset:              {Indexed, Untracked},
	Retry:              {Failed, Untracked},
	FailReset:          {Indexed, Failed},
}

// An InvalidTransitionError is a transition fired from a state it does not leave.
type InvalidTransitionError struct {
	From       State
	Transition Transition
}

func (e *InvalidTransitionError) Error() string {
	return fmt.Sprintf("transition %s not allowed from state %s", e.Transition, e.From)
}

// A Machine is one file's lifecycle state. The zero Machine is untracked.
type Machine struct {
	state State
}

// NewMachine hydrates a machine at state s.
func NewMachine(s State) Machine { return Machine{state: s} }

// State is the machine's current state.
func (m *Machine) State() State { return m.state }

// Fire validates t from the current state and, when it is allowed, moves the
// machine to the state t enters. It returns the states left and entered.
func (m *Machine) Fire(t Transition) (from, to State, err error) {
	if t >= numTransitions || edges[t].from != m.state {
		return m.state, m.state, &InvalidTransitionError{From: m.state, Transition: t}
	}
	from, to = m.state, edges[t].to
	m.state = to
	return from, to, nil
}
