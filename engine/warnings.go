package engine

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/fsm/sqlite"
	"github.com/scenrun/scenrun/scenario"
)

// Warnings are what validate, plan and a run say about a spec before it
// runs without stopping it (analysis.Assertions.Warnings), and a pragma
// this SQLite does not know or a pragma value it ignores, either of which
// would fail its run (exit 3) only once it starts. prev is the -baseline
// file, or nil; the pragmas' values are tried on a scratch database under
// tmpDir ("": the system's temporary directory). Each is said once.
func Warnings(spec *scenario.Spec, prev *analysis.Results, tmpDir string) []string {
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
	return append(out, pragmaValueWarnings(spec, unknown, tmpDir)...)
}

// pragmaValueWarnings opens a scratch database with the pragmas of each
// SQLite run (each distinct set once) and says which runs would fail when
// they start: a value SQLite ignores (journal_mode: wall reads back
// delete) or refuses. Sets with a pragma SQLite does not know are left to
// the warning above.
func pragmaValueWarnings(spec *scenario.Spec, unknown []string, tmpDir string) []string {
	type set struct {
		pragmas []fsm.Pragma
		runs    []string
	}
	var sets []*set
	byKey := map[string]*set{}
	for _, r := range spec.Runs {
		c := r.Config
		if c.Database != "sqlite" || slices.ContainsFunc(c.Pragmas, func(p fsm.Pragma) bool { return slices.Contains(unknown, p.Name) }) {
			continue
		}
		key := fmt.Sprint(c.Pragmas)
		if byKey[key] == nil {
			byKey[key] = &set{pragmas: c.Pragmas}
			sets = append(sets, byKey[key])
		}
		byKey[key].runs = append(byKey[key].runs, r.Name)
	}
	if len(sets) == 0 {
		return nil
	}
	dir, err := os.MkdirTemp(tmpDir, "scenrun-pragmas-")
	if err != nil {
		return []string{fmt.Sprintf("could not check the pragmas' values: %v", err)}
	}
	defer os.RemoveAll(dir)
	var out []string
	for _, s := range sets {
		if err := sqlite.CheckPragmas(context.Background(), dir, s.pragmas); err != nil {
			verb := "fails when it starts"
			if len(s.runs) > 1 {
				verb = "fail when they start"
			}
			out = append(out, fmt.Sprintf("%s, so %s %s (exit 3)", err, scenario.RunList(s.runs), verb))
		}
	}
	return out
}
