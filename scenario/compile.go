package scenario

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scenrun/scenrun/fsm"
)

// A Compiled is a workload in the form a store runs (fsm.Workload) with the
// map from the workload's steps to its transitions.
type Compiled struct {
	*fsm.Workload
	Source *Workload // what it was compiled from
	// Step k of the workload is transition k; FailOf[k] is the transition
	// a failed call of step k takes (-1: none), RetryOf[s] the transition
	// from fail state s back to the initial state (-1: none).
	FailOf  []int
	RetryOf map[fsm.State]int
	Done    []bool // by state: a finished state
}

// Compile turns w into the transitions a store persists for database
// ("sqlite" or "postgres"): every step, then the write of each step's
// failed call (the default UPDATE to its fail state), then a retry from
// each fail state to the initial state (the default UPDATE). A step without
// SQL gets the default UPDATE of SPEC §5 on the workload's table, key,
// state and version columns.
func (w *Workload) Compile(database string) (*Compiled, error) {
	if len(w.States) > fsm.MaxStates {
		return nil, fmt.Errorf("workload %s: %d states, at most %d", w.Name, len(w.States), fsm.MaxStates)
	}
	schema, ok := w.Schema[database]
	if !ok {
		if schema, ok = w.Schema[""]; !ok {
			return nil, fmt.Errorf("workload %s has no schema for %s", w.Name, database)
		}
	}
	keys, err := fsm.NewKeyFormat(w.KeyFormat)
	if err != nil {
		return nil, fmt.Errorf("workload %s: %w", w.Name, err)
	}
	state := func(name string) (fsm.State, error) {
		i := slices.Index(w.States, name)
		if i < 0 {
			return 0, fmt.Errorf("workload %s: unknown state %q", w.Name, name)
		}
		return fsm.State(i), nil
	}
	c := &Compiled{
		Workload: &fsm.Workload{
			Schema: schema.Text, Table: w.Table, Key: w.Key, State: w.State, Version: w.Version,
			Keys: keys, Seed: stmtOf(w.Seed), Def: &fsm.Definition{States: w.States},
		},
		Source:  w,
		RetryOf: map[fsm.State]int{},
		Done:    make([]bool, len(w.States)),
	}
	if c.Initial, err = state(w.Initial); err != nil {
		return nil, err
	}
	for _, d := range w.Done {
		s, err := state(d)
		if err != nil {
			return nil, err
		}
		c.Done[s] = true
	}
	add := func(name string, from, to fsm.State, sql []fsm.Stmt, hold Step) int {
		c.Transitions = append(c.Transitions, fsm.Transition{TransitionDef: fsm.TransitionDef{Name: name, From: from, To: to}, SQL: sql, Hold: hold.Hold})
		c.Def.Transitions = append(c.Def.Transitions, fsm.TransitionDef{Name: name, From: from, To: to})
		return len(c.Transitions) - 1
	}
	for _, st := range w.Steps {
		from, err := state(st.From)
		if err != nil {
			return nil, err
		}
		to, err := state(st.To)
		if err != nil {
			return nil, err
		}
		sql := w.defaultUpdate()
		if len(st.SQL) > 0 {
			sql = nil
			for _, s := range st.SQL {
				sql = append(sql, stmtOf(s))
			}
		}
		add(st.Name, from, to, sql, st)
	}
	var failStates []fsm.State
	for k, st := range w.Steps {
		c.FailOf = append(c.FailOf, -1)
		if st.Fail == "" {
			continue
		}
		from, _ := state(st.From)
		fail, err := state(st.Fail)
		if err != nil {
			return nil, err
		}
		c.FailOf[k] = add(st.Name+"_failed", from, fail, w.defaultUpdate(), Step{})
		if !slices.Contains(failStates, fail) {
			failStates = append(failStates, fail)
		}
	}
	for _, s := range failStates {
		name := "retry"
		if len(failStates) > 1 {
			name = "retry_" + w.States[s]
		}
		c.RetryOf[s] = add(name, s, c.Initial, w.defaultUpdate(), Step{})
	}
	if w.Readers != nil {
		r := stmtOf(w.Readers.SQL)
		c.Reader = &r
	}
	return c, nil
}

// defaultUpdate is SPEC §5's optimistic-concurrency UPDATE on the
// workload's table: the state from :from to :to, the version (where named)
// checked and incremented.
func (w *Workload) defaultUpdate() []fsm.Stmt {
	var b strings.Builder
	fmt.Fprintf(&b, "UPDATE %s SET %s = :to", w.Table, w.State)
	if w.Version != "" {
		fmt.Fprintf(&b, ", %s = %s + 1", w.Version, w.Version)
	}
	fmt.Fprintf(&b, " WHERE %s = :item AND %s = :from", w.Key, w.State)
	if w.Version != "" {
		fmt.Fprintf(&b, " AND %s = :version", w.Version)
	}
	return []fsm.Stmt{stmtOf(Statement{Text: b.String()})}
}

// stmtOf is a spec statement as a store runs it.
func stmtOf(s Statement) fsm.Stmt {
	params := s.Params
	if params == nil {
		params = ParseParams(s.Text)
	}
	return fsm.Stmt{SQL: s.Text, Params: params, Rows: fsm.ReturnsRows(s.Text)}
}
