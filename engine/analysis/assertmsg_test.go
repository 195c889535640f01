package analysis

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/scenario"
)

// TestBadAssertionCorpus compiles the assertions of every expr_* spec of
// scenario/testdata/bad and compares the errors with the .err file beside
// it, the text the command prints (cmd/scenrun's TestBadSpecCorpus checks
// the same files end to end).
func TestBadAssertionCorpus(t *testing.T) {
	t.Chdir("../../scenario") // the .err files name the specs as testdata/bad/…
	files, err := filepath.Glob("testdata/bad/expr_*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Errorf("got %d expr_* specs, want at least 20", len(files))
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".err")
			if err != nil {
				t.Fatal(err)
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := scenario.Parse(f, src, nil)
			if err == nil {
				_, err = CompileAssertions(spec, nil)
			}
			if err == nil {
				t.Fatalf("got no error, want\n%s", want)
			}
			if got := err.Error() + "\n"; got != string(want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestMessagesNameNoGoTypes compiles assertions that go wrong on each kind
// of value an assertion reaches: no message may name a Go package (the
// results model moved from package engine to analysis once, and its
// messages must not have noticed), and the unknown-field ones say what was
// meant.
func TestMessagesNameNoGoTypes(t *testing.T) {
	tests := []struct{ expr, want string }{
		{`a.indexd == 5`, "a run has no field indexd, did you mean indexed?"},
		{`run("a").indexd == 5`, "a run has no field indexd, did you mean indexed?"},
		{`all(runs, .indexd == 5)`, "a run has no field indexd, did you mean indexed?"},
		{`prev.a.indexd == 5`, "a run has no field indexd, did you mean indexed?"},
		{`a.config.conection == "x"`, "a run's config has no field conection, did you mean connection?"},
		{`a.segments.lock_wiat_ms.p95 < 1`, "a run's segments has no field lock_wiat_ms, did you mean lock_wait_ms?"},
		{`a.lock_wait_ms.p96 < 1`, "a segment has no stat p96, did you mean p95?"},
		{`a.lock_wait_ms.zzzzzz < 1`, "a segment has no stat zzzzzz (allowed: p50, p95, p99, p999, mean, min, max, count)"},
		{`a.trials[0].indexd == 5`, "a trial has no field indexd, did you mean indexed?"},
		{`a.batches.maxx > 1`, "a run's batches has no field maxx, did you mean max?"},
		{`a.effective_pragmas[0].nam == "x"`, "a pragma has no field nam, did you mean name?"},
		{`a.ci95.db_total_ms.p95.low < 1`, "an interval has no field low, did you mean lo?"},
		{`a.zzzzzzzzzz == 1`, "a run has no field zzzzzzzzzz"},
		{`a.lock_wait_ms`, "expected bool, but got segment"},
		{`a`, "expected bool, but got run"},
		{`runs`, "expected bool, but got []run"},
		{`a + 1 > 0`, "invalid operation: + (mismatched types run and int)"},
		{`delta_pct(a, b) > 0`, "cannot use run as argument (type float64) to call delta_pct"},
		{`lower(a, "b", "db_total_ms", "p95")`, "cannot use string as argument (type run) to call lower"},
		{`lowr(a, b, "db_total_ms", "p95")`, "unknown name lowr, did you mean lower?"},
		{`$env.zzzzzz == 1`, "unknown name zzzzzz (runs: a, b, per-file; functions: run, delta_pct, lower; also runs, files)"},
		{`let x = 1; all(x, # > 0)`, "builtin all takes only array (got int)"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			src, err := yamlSpec(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			spec := parse(t, src)
			_, err = CompileAssertions(spec, &Results{Runs: []RunResult{{Name: "a"}, {Name: "b"}, {Name: "per-file"}}})
			var errs scenario.Errors
			if !errors.As(err, &errs) || len(errs) != 1 {
				t.Fatalf("got %v, want one error", err)
			}
			got := errs[0].Msg
			for _, pkg := range []string{"analysis.", "engine.", reflect.TypeFor[RunResult]().PkgPath()} {
				if strings.Contains(got, pkg) {
					t.Errorf("got %q, which names the Go package (%q)", got, pkg)
				}
			}
			if want := `assertion "x": ` + tt.want; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func yamlSpec(expr string) (string, error) {
	src, err := fuzzSpec(expr)
	if err != nil {
		return "", err
	}
	return strings.Replace(string(src), "name: fuzzed", "name: x", 1), nil
}

// TestResultTypesCovered checks that resultTypes names every struct type an
// assertion can reach from a run, so that none is ever shown by its Go name.
func TestResultTypesCovered(t *testing.T) {
	var named []reflect.Type
	for _, r := range resultTypes() {
		named = append(named, r.t)
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map || typ.Kind() == reflect.Array {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] {
			return
		}
		seen[typ] = true
		if !slices.Contains(named, typ) {
			t.Errorf("resultTypes has no words for %v", typ)
		}
		for i := range typ.NumField() {
			if f := typ.Field(i); f.IsExported() {
				walk(f.Type)
			}
		}
	}
	walk(runType)
}
