package analysis

import (
	"strings"
	"testing"
)

// TestUnknownRunsAreSpecErrors compiles assertions that name a run that
// does not exist, in every shape an assertion can name one: directly, in
// lower(), through run("…") and, with -baseline, through prev. Each must be
// a spec error at the name's position, never a zero that passes.
func TestUnknownRunsAreSpecErrors(t *testing.T) {
	spec := parse(t, `
version: 1
name: a
runs: [{name: one}, {name: two}]
assertions:
  - {name: x, expr: 'true'}
`)
	prev := &Results{Runs: []RunResult{{Name: "one"}, {Name: "old-run"}}}
	tests := []struct{ expr, want string }{
		{`two.lock_wait_ms.p95 < prev.nope.lock_wait_ms.p95`, `test.yaml:6:40: assertion "x": prev has no run nope, did you mean one? (the -baseline file's runs: old-run, one)`},
		{`prev.two.indexed == 0`, `test.yaml:6:17: assertion "x": prev has no run two (the -baseline file's runs: old-run, one)`},
		{`prev["nope"].indexed == 0`, `test.yaml:6:16: assertion "x": prev has no run nope, did you mean one? (the -baseline file's runs: old-run, one)`},
		{`prev.oen.indexed == 0`, `test.yaml:6:17: assertion "x": prev has no run oen, did you mean one? (the -baseline file's runs: old-run, one)`},
		{`lower(prev.x, one, "lock_wait_ms", "p95")`, `test.yaml:6:23: assertion "x": prev has no run x (the -baseline file's runs: old-run, one)`},
		{`lower(one, prev.x, "lock_wait_ms", "p95")`, `test.yaml:6:28: assertion "x": prev has no run x (the -baseline file's runs: old-run, one)`},
		{`lower(nope, two, "lock_wait_ms", "p95")`, `test.yaml:6:18: assertion "x": unknown name nope`},
		{`lower(one, nope, "lock_wait_ms", "p95")`, `test.yaml:6:23: assertion "x": unknown name nope`},
		{`lower(run("x"), two, "lock_wait_ms", "p95")`, `test.yaml:6:22: assertion "x": run("x"): no run of that name`},
		{`lower(one, run("x"), "lock_wait_ms", "p95")`, `test.yaml:6:27: assertion "x": run("x"): no run of that name`},
		{`run("x").indexed > 0`, `test.yaml:6:16: assertion "x": run("x"): no run of that name`},
		{`all(["x"], run(#).indexed > 0) || run("y").indexed > 0`, `run("y"): no run of that name`},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			s := *spec
			s.Assertions = parse(t, "version: 1\nname: a\nruns: [{name: one}, {name: two}]\nassertions:\n  - name: x\n    expr: '"+strings.ReplaceAll(tc.expr, "'", "''")+"'\n").Assertions
			_, err := CompileAssertions(&s, prev)
			if err == nil {
				t.Fatalf("got no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
		})
	}
	// The runs the baseline has compile.
	s := *spec
	s.Assertions = parse(t, "version: 1\nname: a\nruns: [{name: one}]\nassertions:\n  - {name: x, expr: 'prev.one.indexed >= 0 && prev[\"old-run\"].indexed >= 0'}\n").Assertions
	if _, err := CompileAssertions(&s, prev); err != nil {
		t.Errorf("got %v, want the baseline's runs to compile", err)
	}
}
