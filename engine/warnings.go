package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/fsm/sqlite"
	"github.com/scenrun/scenrun/scenario"
)

// Warnings are what validate, plan and a run say about a spec before it
// runs without stopping it (analysis.Assertions.Warnings), and a pragma
// this SQLite does not know, which would fail its run (exit 3) only once
// it starts. prev is the -baseline file, or nil. Each is said once.
func Warnings(spec *scenario.Spec, prev *analysis.Results) []string {
	var out []string
	if as, err := analysis.CompileAssertions(spec, prev); err == nil {
		out = as.Warnings(prev)
	}
	var names []string
	for _, r := range spec.Runs {
		if r.Config.Database != "sqlite" {
			continue
		}
		for _, p := range r.Config.Pragmas {
			if !slices.Contains(names, p.Name) {
				names = append(names, p.Name)
			}
		}
	}
	unknown, err := sqlite.UnknownPragmas(context.Background(), names)
	if err != nil {
		return append(out, fmt.Sprintf("could not check the pragmas: %v", err))
	}
	for _, n := range unknown {
		out = append(out, fmt.Sprintf("pragma %q: SQLite %s does not know it, so a run that sets it fails (exit 3)", n, sqlite.Version()))
	}
	return out
}
