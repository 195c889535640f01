package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"

	"github.com/scenrun/scenrun/fsm/sqlite"
	"github.com/scenrun/scenrun/scenario"
)

// TestBenchModesAreEveryConnection: a connection mode users can name has a
// twin and a place in the bench.
func TestBenchModesAreEveryConnection(t *testing.T) {
	got, want := slices.Sorted(slices.Values(benchModes())), slices.Sorted(slices.Values(scenario.Connections))
	if !slices.Equal(got, want) {
		t.Errorf("bench modes %v, want scenario.Connections %v", got, want)
	}
	for _, m := range want {
		if !slices.Contains(sqlite.TwinModes(), m) {
			t.Errorf("%s has no twin", m)
		}
	}
}

// TestRecordRatios checks the ratio arithmetic on fixed figures: every
// variant ÷ raw of the same repetition (a nockpt line ÷ raw_nockpt), an
// engine variant ÷ its twin, and medians over the repetitions.
func TestRecordRatios(t *testing.T) {
	ms := selectVariants([]variant{
		{Name: "raw", Kind: "raw"},
		{Name: "twin_x", Kind: "twin"},
		{Name: "x", Kind: "engine", Twin: "twin_x"},
		{Name: "raw_nockpt", Kind: "raw", NoCkpt: true},
		{Name: "twin_y", Kind: "twin", NoCkpt: true},
		{Name: "y", Kind: "engine", Twin: "twin_y", NoCkpt: true},
	}, regexp.MustCompile(""), 10)
	for _, tps := range [][]float64{
		{100, 50, 40, 200, 100, 100},
		{200, 80, 80, 100, 50, 40},
		{100, 100, 50, 400, 200, 300},
	} {
		record(ms, tps)
	}
	summarize(ms)
	for _, tc := range []struct {
		name              string
		ratio, twin       []float64
		medRatio, medTwin float64
		medTPS            float64
	}{
		{"raw", []float64{1, 1, 1}, nil, 1, 0, 100},
		{"twin_x", []float64{0.5, 0.4, 1}, nil, 0.5, 0, 80},
		{"x", []float64{0.4, 0.4, 0.5}, []float64{0.8, 1, 0.5}, 0.4, 0.8, 50},
		{"raw_nockpt", []float64{2, 0.5, 4}, nil, 2, 0, 200},
		{"twin_y", []float64{0.5, 0.5, 0.5}, nil, 0.5, 0, 100},
		{"y", []float64{0.5, 0.4, 0.75}, []float64{1, 0.8, 1.5}, 0.5, 1, 100},
	} {
		m := ms[indexOf(ms, tc.name)]
		if !slices.Equal(m.Ratio, tc.ratio) || !slices.Equal(m.TwinRatio, tc.twin) {
			t.Errorf("%s: got ratios %v to twin %v, want %v and %v", tc.name, m.Ratio, m.TwinRatio, tc.ratio, tc.twin)
		}
		if got, want := [3]float64{m.MedianRatio, m.MedianTwin, m.MedianTPS}, [3]float64{tc.medRatio, tc.medTwin, tc.medTPS}; got != want {
			t.Errorf("%s: got medians (ratio, twin, tps) %v, want %v", tc.name, got, want)
		}
	}
}

// TestScheduleKeepsPairsAdjacent: every variant once a repetition, each
// engine variant right next to its twin, the pair's order alternating.
func TestScheduleKeepsPairsAdjacent(t *testing.T) {
	ms := selectVariants(variants(true, true), regexp.MustCompile(""), 100)
	for r := range 4 {
		order := schedule(ms, r)
		if got := slices.Sorted(slices.Values(order)); !slices.Equal(got, seq(len(ms))) {
			t.Fatalf("repetition %d: order %v is not each variant once", r, order)
		}
		for p, i := range order {
			m := ms[i]
			if m.Kind != "engine" {
				continue
			}
			j := indexOf(ms, m.Twin)
			want := p - 1 // the twin first in even repetitions
			if r%2 == 1 {
				want = p + 1
			}
			if want < 0 || want >= len(order) || order[want] != j {
				t.Errorf("repetition %d: %s at %d, its twin not at %d: %v", r, m.Name, p, want, order)
			}
		}
		if r > 0 && slices.Equal(order, schedule(ms, r-1)) {
			t.Errorf("repetition %d runs in the order of the one before", r)
		}
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestBenchJSONShape checks the JSON of SPEC §11 on fixed figures: every
// variant's fields, and an engine variant's twin and ratio to it.
func TestBenchJSONShape(t *testing.T) {
	ms := selectVariants(variants(false, false), regexp.MustCompile("^shared_c10$"), 8)
	for range 2 {
		tps := make([]float64, len(ms))
		for i := range tps {
			tps[i] = float64(100 * (i + 1))
		}
		record(ms, tps)
	}
	summarize(ms)
	data, err := json.Marshal(&benchReport{Variants: ms})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Variants []map[string]any `json:"variants"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	common := []string{"name", "kind", "connection", "concurrency", "files", "transitions_per_second", "median_transitions_per_second", "median_ratio_to_raw"}
	want := map[string][]string{
		"raw":             {"name", "kind", "concurrency", "files", "transitions_per_second", "median_transitions_per_second", "median_ratio_to_raw"},
		"twin_shared_c10": common,
		"shared_c10":      append(slices.Clone(common), "twin", "median_ratio_to_twin", "ratio_to_twin"),
	}
	if len(got.Variants) != len(want) {
		t.Fatalf("got %d variants, want %d: %s", len(got.Variants), len(want), data)
	}
	for _, v := range got.Variants {
		name, _ := v["name"].(string)
		keys, ok := want[name]
		if !ok {
			t.Errorf("unexpected variant %q", name)
			continue
		}
		for _, k := range keys {
			if _, ok := v[k]; !ok {
				t.Errorf("%s: no %q in %v", name, k, v)
			}
		}
		if _, ok := v["twin"]; ok != (name == "shared_c10") {
			t.Errorf("%s: twin present %v", name, ok)
		}
	}
	eng := got.Variants[2]
	if eng["twin"] != "twin_shared_c10" || eng["kind"] != "engine" || eng["median_ratio_to_twin"] != 1.5 || eng["concurrency"] != 10.0 || eng["files"] != 8.0 {
		t.Errorf("engine variant: got %v", eng)
	}
	if tps := eng["transitions_per_second"].([]any); len(tps) != 2 || tps[0] != 300.0 {
		t.Errorf("engine transitions_per_second: got %v, want [300 300]", tps)
	}
}
