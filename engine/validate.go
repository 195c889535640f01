package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/fsm/sqlite"
	"github.com/scenrun/scenrun/scenario"
)

// checkWorkloads builds, on an in-memory SQLite database, the schema and
// seed of every workload a SQLite run uses, and prepares each of its
// statements (SPEC §9): an SQL error is a spec error at the statement's
// position, with SQLite's message, and nothing runs. A run's setup_sql runs
// after the schema, as in a trial; when it fails, the check says nothing
// and the run reports it when it starts, as before workloads existed.
func checkWorkloads(ctx context.Context, spec *scenario.Spec) error {
	var errs scenario.Errors
	checked := map[string]bool{}
	for _, r := range spec.Runs {
		w := spec.Workloads[r.Config.Workload]
		if w == nil || w.Builtin || !w.Sound() || r.Config.Database != "sqlite" {
			continue
		}
		key := w.Name + "\x00" + strings.Join(r.Config.SetupSQL, "\x00")
		if checked[key] {
			continue
		}
		checked[key] = true
		c, err := w.Compile("sqlite")
		if err != nil {
			errs = append(errs, &scenario.Error{File: spec.File, Pos: w.Pos, Msg: err.Error()})
			continue
		}
		err = sqlite.Check(ctx, c.Workload, r.Config.SetupSQL)
		var all []error
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			all = j.Unwrap()
		} else if err != nil {
			all = []error{err}
		}
		for _, e := range all {
			var se *fsm.StmtError
			if !errors.As(e, &se) {
				errs = append(errs, &scenario.Error{File: spec.File, Pos: w.Pos, Msg: fmt.Sprintf("workload %q: %v", w.Name, e)})
				continue
			}
			if se.Part == "setup_sql" {
				continue
			}
			pos, what := stmtPos(w, c, se)
			by := "SQLite: " // the database's own message
			if errors.Is(se.Err, fsm.ErrPositional) {
				by = "" // scenrun's
			}
			errs = append(errs, &scenario.Error{File: spec.File, Pos: pos, Msg: fmt.Sprintf("workload %q: %s: %s%v", w.Name, what, by, se.Err)})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	slices.SortStableFunc(errs, func(a, b *scenario.Error) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	return errs
}

// stmtPos is where the statement of se is written in the spec, and what to
// call it in a message.
func stmtPos(w *scenario.Workload, c *scenario.Compiled, se *fsm.StmtError) (scenario.Pos, string) {
	switch se.Part {
	case "schema":
		if s, ok := w.Schema["sqlite"]; ok {
			return s.Pos, "schema"
		}
		return w.Schema[""].Pos, "schema"
	case "seed":
		return w.Seed.Pos, "seed"
	case "reader":
		return w.Readers.SQL.Pos, "readers"
	}
	if se.Transition < len(w.Steps) {
		st := w.Steps[se.Transition]
		if se.Index < len(st.SQL) {
			return st.SQL[se.Index].Pos, fmt.Sprintf("step %q, statement %d", st.Name, se.Index+1)
		}
		return st.Pos, fmt.Sprintf("step %q (the default UPDATE)", st.Name)
	}
	// A fail or retry write: the default UPDATE, made from the workload's
	// table and columns.
	return w.Pos, fmt.Sprintf("%s (the default UPDATE)", c.Transitions[se.Transition].Name)
}
