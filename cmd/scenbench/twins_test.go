package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/fsm/postgres/pgtest"
	"github.com/scenrun/scenrun/scenario"
)

// numbered is a workload statement with its :name parameters replaced by
// ?N, N their order of first use: the form the twins write by hand.
func numbered(st scenario.Statement) string {
	return regexp.MustCompile(`:[A-Za-z_][A-Za-z0-9_]*`).ReplaceAllStringFunc(st.Text, func(p string) string {
		return "?" + strconv.Itoa(slices.Index(st.Params, p[1:])+1)
	})
}

// TestTwinSQLIsTheWorkloads holds the twins' hand-written SQL to the files
// workload's: the same steps, the same statements.
func TestTwinSQLIsTheWorkloads(t *testing.T) {
	w := scenario.FilesWorkload()
	if len(w.Steps) != len(twinSteps) {
		t.Fatalf("workload has %d steps, twins %d", len(w.Steps), len(twinSteps))
	}
	for k, s := range w.Steps {
		tw := twinSteps[k]
		if got, want := [3]string{tw.name, tw.from, tw.to}, [3]string{s.Name, s.From, s.To}; got != want {
			t.Errorf("step %d: got %v, want %v", k, got, want)
		}
		if len(s.SQL) != 1 {
			t.Fatalf("step %s: %d statements, want 1", s.Name, len(s.SQL))
		}
		if got, want := tw.sql, numbered(s.SQL[0]); got != want {
			t.Errorf("step %s:\ngot  %s\nwant %s", s.Name, got, want)
		}
	}
	if got, want := twinSeed, numbered(w.Seed); got != want {
		t.Errorf("seed:\ngot  %s\nwant %s", got, want)
	}
	if got, want := twinPath(42), fmt.Sprintf(w.KeyFormat, 42); got != want {
		t.Errorf("path: got %q, want %q", got, want)
	}
}

// TestBenchModesAreEveryConnection: a connection mode users can name has a
// twin and a place in the bench.
func TestBenchModesAreEveryConnection(t *testing.T) {
	got, want := slices.Sorted(slices.Values(benchModes())), slices.Sorted(slices.Values(scenario.Connections))
	if !slices.Equal(got, want) {
		t.Errorf("bench modes %v, want scenario.Connections %v", got, want)
	}
	for _, m := range want {
		if twinOf(m) == nil {
			t.Errorf("%s has no twin", m)
		}
	}
}

// TestTwinsCommitThreeUpdatesPerFile runs every twin small and reads the
// database back: every file indexed at version 3, each UPDATE's columns
// written once, and the twin's count of committed UPDATEs 3 a file.
func TestTwinsCommitThreeUpdatesPerFile(t *testing.T) {
	const files = 23
	for _, mode := range benchModes() {
		for _, c := range []int{1, 4, 30} { // 30 workers: more than files
			t.Run(fmt.Sprintf("%s_c%d", mode, c), func(t *testing.T) {
				ctx := context.Background()
				db, err := openTwinDB(ctx, filepath.Join(t.TempDir(), "twin.db"), files)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				_, committed, err := twinOf(mode)(ctx, db, files, c, nil)
				if err != nil {
					t.Fatal(err)
				}
				if committed != 3*files {
					t.Errorf("got %d UPDATEs committed, want %d", committed, 3*files)
				}
				rows, err := db.QueryContext(ctx, `SELECT path, state, version, attempts, upload_id, import_id,
					upload_started_at IS NOT NULL AND uploaded_at IS NOT NULL AND indexed_at IS NOT NULL FROM files ORDER BY path`)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				i := 0
				for ; rows.Next(); i++ {
					var path, state, up, imp string
					var version, attempts int
					var stamped bool
					if err := rows.Scan(&path, &state, &version, &attempts, &up, &imp, &stamped); err != nil {
						t.Fatal(err)
					}
					got := fmt.Sprint(path, state, version, attempts, up, imp, stamped)
					want := fmt.Sprint(twinPath(i), "indexed", 3, 1, fmt.Sprintf("up-%d-0", i), fmt.Sprintf("imp-%d-0", i), true)
					if got != want {
						t.Errorf("row %d: got %s, want %s", i, got, want)
					}
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				if i != files {
					t.Errorf("got %d rows, want %d", i, files)
				}
				if err := checkTwinDB(ctx, db, files); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

func TestRunTwinChecksAndCleansUp(t *testing.T) {
	dir := t.TempDir()
	res, err := runTwin(context.Background(), dir, "pool", 9, 3, []string{"PRAGMA wal_autocheckpoint = 0"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Transitions != 27 || res.Elapsed <= 0 {
		t.Errorf("got %+v, want 27 transitions in some time", res)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("left behind %v", left)
	}
	if _, err := runTwin(context.Background(), dir, "nosuch", 9, 3, nil); err == nil {
		t.Error("no error for an unknown mode")
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

// TestJobsTwinSQLIsTheSpecs holds the read-then-write twins' statements to
// the workload the engine runs (jobsWorkloadYAML), parsed as a spec.
func TestJobsTwinSQLIsTheSpecs(t *testing.T) {
	spec := "version: 1\nname: jobs\nworkloads:\n" + jobsWorkloadYAML + "defaults: {workload: jobs, profile: zero}\nruns: [{name: r}]\n"
	s, err := scenario.Parse("jobs.yaml", []byte(spec), nil)
	if err != nil {
		t.Fatal(err)
	}
	w := s.Workloads["jobs"]
	if w == nil {
		t.Fatalf("no jobs workload in %v", s.Workloads)
	}
	if got, want := w.Schema[""].Text, jobsSchema; strings.TrimSpace(got) != want {
		t.Errorf("schema:\ngot  %q\nwant %q", got, want)
	}
	if len(w.Steps) != len(jobsSteps) {
		t.Fatalf("workload has %d steps, twins %d", len(w.Steps), len(jobsSteps))
	}
	for k, st := range w.Steps {
		tw := jobsSteps[k]
		if got, want := [3]string{tw.name, tw.from, tw.to}, [3]string{st.Name, st.From, st.To}; got != want {
			t.Errorf("step %d: got %v, want %v", k, got, want)
		}
		var got []string
		for _, q := range st.SQL {
			got = append(got, numbered(q))
		}
		if !slices.Equal(got, tw.sql) {
			t.Errorf("step %s:\ngot  %q\nwant %q", st.Name, got, tw.sql)
		}
	}
	if got, want := jobsSeed, numbered(w.Seed); got != want {
		t.Errorf("seed:\ngot  %s\nwant %s", got, want)
	}
}

// TestJobsTwinsCommitTwoWritesPerJob runs every read-then-write twin small
// and reads the database back: every job done at version 2, claimed by a
// worker, finished, and the twin's count of committed writes 2 a job.
func TestJobsTwinsCommitTwoWritesPerJob(t *testing.T) {
	const items = 23
	for _, mode := range jobsModes() {
		for _, c := range []int{1, 4, 30} {
			t.Run(fmt.Sprintf("%s_c%d", mode, c), func(t *testing.T) {
				ctx := context.Background()
				db, err := openJobsDB(ctx, filepath.Join(t.TempDir(), "jobs.db"), items)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				_, committed, err := jobsTwinOf(mode)(ctx, db, items, c)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := committed, 2*items; got != want {
					t.Errorf("got %d writes committed, want %d", got, want)
				}
				rows, err := db.QueryContext(ctx, "SELECT id, state, version, worker, result FROM jobs ORDER BY id")
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				i := 0
				for ; rows.Next(); i++ {
					var id, version, worker int
					var state, result string
					if err := rows.Scan(&id, &state, &version, &worker, &result); err != nil {
						t.Fatal(err)
					}
					if got, want := fmt.Sprint(id, state, version, result), fmt.Sprint(i, "done", 2, "ok"); got != want {
						t.Errorf("row %d: got %s, want %s", i, got, want)
					}
					if worker < 0 || worker >= c {
						t.Errorf("row %d: worker %d, want 0 … %d", i, worker, c-1)
					}
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				if i != items {
					t.Errorf("got %d rows, want %d", i, items)
				}
				if err := checkJobsDB(ctx, db, items); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// TestPGPoolTwinCommitsThreeUpdatesPerFile runs the PostgreSQL twin small
// on the test server (skipped without one, failed without one under
// CI=true) and reads its database back before it is dropped.
func TestPGPoolTwinCommitsThreeUpdatesPerFile(t *testing.T) {
	serverURL := pgtest.URL(t)
	const files = 23
	for _, c := range []int{1, 4, 30} {
		t.Run(fmt.Sprintf("c%d", c), func(t *testing.T) {
			ctx := context.Background()
			d, err := createPGTwinDB(ctx, serverURL, files)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := d.drop(ctx); err != nil {
					t.Error(err)
				}
			}()
			_, committed, err := pgPoolTwin(ctx, d, files, c)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := committed, 3*files; got != want {
				t.Errorf("got %d UPDATEs committed, want %d", got, want)
			}
			rows := pgtest.Query(t, d.url(), `SELECT path || ' ' || state || ' ' || version || ' ' || attempts || ' ' || upload_id || ' ' || import_id
				|| ' ' || (upload_started_at IS NOT NULL AND uploaded_at IS NOT NULL AND indexed_at IS NOT NULL) FROM files ORDER BY path`)
			if len(rows) != files {
				t.Fatalf("got %d rows, want %d", len(rows), files)
			}
			for i, got := range rows {
				if want := fmt.Sprint(twinPath(i), " indexed 3 1 ", fmt.Sprintf("up-%d-0 imp-%d-0 true", i, i)); got != want {
					t.Errorf("row %d: got %s, want %s", i, got, want)
				}
			}
			if err := d.check(ctx, files); err != nil {
				t.Error(err)
			}
		})
	}
	// runPGTwin drops its database: none of the twin's is left.
	if _, err := runPGTwin(context.Background(), serverURL, 5, 2); err != nil {
		t.Fatal(err)
	}
	if left := pgtest.Query(t, serverURL, "SELECT datname FROM pg_database WHERE datname LIKE 'scenbench_twin_%'"); len(left) != 0 {
		t.Errorf("left behind %v", left)
	}
}
