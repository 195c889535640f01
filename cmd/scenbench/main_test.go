package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchWritesRatiosForEveryVariant runs the bench small: every variant
// must be measured once per repetition, the raw limit's ratio be 1, and the
// JSON carry what the table printed. No figure is judged: timings belong to
// `make bench`, not to a unit test.
func TestBenchWritesRatiosForEveryVariant(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "bench.json")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-reps", "2", "-files", "12", "-json", out, "-tmp", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	want := variants(true)
	if len(rep.Variants) != len(want) {
		t.Fatalf("got %d variants, want %d", len(rep.Variants), len(want))
	}
	for i, m := range rep.Variants {
		if m.Name != want[i].Name {
			t.Errorf("variant %d: got %q, want %q", i, m.Name, want[i].Name)
		}
		if len(m.TPS) != 2 || len(m.Ratio) != 2 {
			t.Errorf("%s: got %d figures and %d ratios, want 2 each", m.Name, len(m.TPS), len(m.Ratio))
		}
		for _, v := range m.TPS {
			if !(v > 0) {
				t.Errorf("%s: transitions/s %v, want > 0", m.Name, v)
			}
		}
		if m.Kind == "engine" && len(m.FixedMS) != 2 {
			t.Errorf("%s: got %d fixed costs, want 2", m.Name, len(m.FixedMS))
		}
		if !strings.Contains(stdout.String(), m.Name) {
			t.Errorf("table lacks %s", m.Name)
		}
	}
	if r := rep.Variants[0].Ratio; r[0] != 1 || r[1] != 1 {
		t.Errorf("raw limit's ratios %v, want [1 1]", r)
	}
	if len(rep.Targets) != 3 {
		t.Errorf("got %d targets, want 3", len(rep.Targets))
	}
}

func TestBenchRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-reps", "0"}, {"-files", "0"}, {"extra"}, {"-nosuch"}, {"-run", "("}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestBenchRunSelectsVariantsAndKeepsRaw(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "bench.json")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-reps", "1", "-files", "5", "-run", "^single_writer", "-json", out, "-tmp", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range rep.Variants {
		got = append(got, m.Name)
	}
	if want := []string{"raw", "single_writer_c50"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("variants %v, want %v", got, want)
	}
	if len(rep.Targets) != 2 {
		t.Errorf("got %d targets, want 2 (single_writer, fixed cost)", len(rep.Targets))
	}
}
