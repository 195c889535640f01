package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

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

// TestTwinModesHaveTwins: every mode TwinModes and JobsTwinModes list has
// its twin.
func TestTwinModesHaveTwins(t *testing.T) {
	for _, m := range TwinModes() {
		if twinOf(m) == nil {
			t.Errorf("%s has no twin", m)
		}
	}
	for _, m := range JobsTwinModes() {
		if jobsTwinOf(m) == nil {
			t.Errorf("%s has no read-then-write twin", m)
		}
	}
}

// TestTwinsCommitThreeUpdatesPerFile runs every twin small and reads the
// database back: every file indexed at version 3, each UPDATE's columns
// written once, and the twin's count of committed UPDATEs 3 a file.
func TestTwinsCommitThreeUpdatesPerFile(t *testing.T) {
	const files = 23
	for _, mode := range TwinModes() {
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

func TestTwinChecksAndCleansUp(t *testing.T) {
	dir := t.TempDir()
	res, err := Twin(context.Background(), dir, "pool", 9, 3, []string{"PRAGMA wal_autocheckpoint = 0"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Transitions != 27 || res.Elapsed <= 0 {
		t.Errorf("got %+v, want 27 transitions in some time", res)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("left behind %v", left)
	}
	if _, err := Twin(context.Background(), dir, "nosuch", 9, 3, nil); err == nil {
		t.Error("no error for an unknown mode")
	}
}

// TestJobsTwinSQLIsTheSpecs holds the read-then-write twins' statements to
// the workload the engine runs (JobsWorkloadYAML), parsed as a spec.
func TestJobsTwinSQLIsTheSpecs(t *testing.T) {
	spec := "version: 1\nname: jobs\nworkloads:\n" + JobsWorkloadYAML + "defaults: {workload: jobs, profile: zero}\nruns: [{name: r}]\n"
	s, err := scenario.Parse("jobs.yaml", []byte(spec), nil)
	if err != nil {
		t.Fatal(err)
	}
	w := s.Workloads["jobs"]
	if w == nil {
		t.Fatalf("no jobs workload in %v", s.Workloads)
	}
	if got, want := w.Schema[""].Text, twinJobsSchema; strings.TrimSpace(got) != want {
		t.Errorf("schema:\ngot  %q\nwant %q", got, want)
	}
	if len(w.Steps) != len(twinJobsSteps) {
		t.Fatalf("workload has %d steps, twins %d", len(w.Steps), len(twinJobsSteps))
	}
	for k, st := range w.Steps {
		tw := twinJobsSteps[k]
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
	if got, want := twinJobsSeed, numbered(w.Seed); got != want {
		t.Errorf("seed:\ngot  %s\nwant %s", got, want)
	}
}

// TestJobsTwinsCommitTwoWritesPerJob runs every read-then-write twin small
// and reads the database back: every job done at version 2, claimed by a
// worker, finished, and the twin's count of committed writes 2 a job.
func TestJobsTwinsCommitTwoWritesPerJob(t *testing.T) {
	const items = 23
	for _, mode := range JobsTwinModes() {
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
