package scenario

import "testing"

// TestParseDraft: Parse gives no spec when there are errors; ParseDraft
// gives the draft, and says which of its parts later stages can trust.
func TestParseDraft(t *testing.T) {
	const workloads = `workloads:
  good:
    schema: CREATE TABLE t (id INTEGER PRIMARY KEY, state TEXT NOT NULL)
    table: t
    states: [a, b]
    initial: a
    done: [b]
    steps: [{name: s, from: a, to: b}]
  bad:
    schema: CREATE TABLE u (id INTEGER PRIMARY KEY, state TEXT NOT NULL)
    table: u
    states: [a, b]
    initial: a
    done: [b]
    steps: [{name: s, from: a, to: c}]
`
	tests := []struct {
		name, src            string
		runs, names, assert0 bool
	}{
		{"a run field", "version: 1\nname: x\nruns:\n  - {name: a, conection: shared}\nassertions:\n  - {name: n, expr: a.indexed > 0}\n", false, true, true},
		{"a misspelt top-level field", "version: 1\nname: x\nmatirx: {concurrency: [1]}\nruns: [{name: a}]\nassertions:\n  - {name: n, expr: a.indexed > 0}\n", false, false, true},
		{"a run's name", "version: 1\nname: x\nruns: [{name: 'a b'}]\nassertions:\n  - {name: n, expr: a.indexed > 0}\n", false, false, true},
		{"the matrix", "version: 1\nname: x\nmatrix: {concurrency: [one]}\nruns: [{name: a}]\nassertions:\n  - {name: n, expr: a.indexed > 0}\n", false, false, true},
		{"an assertion", "version: 1\nname: x\nruns: [{name: a}]\nassertions:\n  - {name: n, expr: a.indexed > 0, severity: high}\n", true, true, false},
		{"a workload", "version: 1\nname: x\n" + workloads + "runs: [{name: a}]\nassertions:\n  - {name: n, expr: a.indexed > 0}\n", true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := Parse("x.yaml", []byte(tt.src), nil); s != nil || err == nil {
				t.Fatalf("Parse: got %v, %v; want no spec and the errors", s, err)
			}
			s, err := ParseDraft("x.yaml", []byte(tt.src), nil)
			if err == nil || s == nil || !s.IsDraft() {
				t.Fatalf("ParseDraft: got %v, %v; want a draft and the errors", s, err)
			}
			if s.RunsSound() != tt.runs || s.RunNamesSound() != tt.names || s.Assertions[0].Sound() != tt.assert0 {
				t.Errorf("got runs sound %v, names sound %v, assertion sound %v; want %v %v %v (%v)",
					s.RunsSound(), s.RunNamesSound(), s.Assertions[0].Sound(), tt.runs, tt.names, tt.assert0, err)
			}
			if w := s.Workloads["good"]; w != nil && (!w.Sound() || s.Workloads["bad"].Sound()) {
				t.Errorf("got workloads good sound %v, bad sound %v", w.Sound(), s.Workloads["bad"].Sound())
			}
		})
	}
	s, err := ParseDraft("x.yaml", []byte("version: 1\nname: x\nruns: [{name: a}]\n"), nil)
	if err != nil || s.IsDraft() || !s.RunsSound() || !s.RunNamesSound() {
		t.Errorf("a sound spec: got %v, draft %v", err, s.IsDraft())
	}
}

// TestSuggestPrefix: a message suggests the one option a name begins
// (db_total for db_total_ms), not an ambiguous or too short one; deciding
// what a profile key is takes no prefixes, so a call may be named "error"
// (a prefix of error_rate).
func TestSuggestPrefix(t *testing.T) {
	segs := []string{"lock_wait_ms", "db_total_ms", "fsm_dispatch_ms", "fsm_net_ms"}
	for s, want := range map[string]string{"db_total": "db_total_ms", "DB_TOTAL": "db_total_ms", "fsm_": "", "fsm": "", "lock_wiat_ms": "lock_wait_ms", "zzzz": ""} {
		if got := suggest(s, segs); got != want {
			t.Errorf("suggest(%q) = %q, want %q", s, got, want)
		}
	}
	if got := nearMiss("error", profileFields); got != "" {
		t.Errorf("nearMiss(error) = %q, want none: a call may be named so", got)
	}
	spec, err := Parse("x.yaml", []byte("version: 1\nname: x\nprofiles: {p: {error: 5ms}}\nruns: [{name: a, profile: p}]\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := spec.Profiles["p"].Call("error"); !ok {
		t.Errorf("profile p has no call named error: %+v", spec.Profiles["p"])
	}
}
