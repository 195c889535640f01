package postgres

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/scenrun/scenrun/fsm/postgres/pgtest"
	"github.com/scenrun/scenrun/scenario"
)

// numbered is a workload statement with its :name parameters replaced by
// $N, N their order of first use: the form the twin writes by hand.
func numbered(st scenario.Statement) string {
	return regexp.MustCompile(`:[A-Za-z_][A-Za-z0-9_]*`).ReplaceAllStringFunc(st.Text, func(p string) string {
		return "$" + strconv.Itoa(slices.Index(st.Params, p[1:])+1)
	})
}

// TestTwinSQLIsTheWorkloads holds the twin's hand-written SQL to the files
// workload's: the same steps, the same statements.
func TestTwinSQLIsTheWorkloads(t *testing.T) {
	w := scenario.FilesWorkload()
	if len(w.Steps) != len(twinSteps) {
		t.Fatalf("workload has %d steps, twin %d", len(w.Steps), len(twinSteps))
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
	if got, want := twinPath(42), fmt.Sprintf(w.KeyFormat, 42); got != want {
		t.Errorf("path: got %q, want %q", got, want)
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
			_, committed, err := pgPoolTwin(ctx, d, files, c, 4)
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
	// Twin drops its database: none of the twin's is left. The twin runs
	// as a role of this test's own, and only that role's databases are
	// looked for: cmd/scenbench's tests, run in parallel with these on the
	// same server, make and drop twin databases of their own meanwhile.
	const role = "scenrun_t_pgtwin"
	user := pgtest.Role(t, serverURL, role, "pw-"+role, true)
	if _, _, err := Twin(context.Background(), user, 5, 2, 4); err != nil {
		t.Fatal(err)
	}
	left := pgtest.Query(t, serverURL, `SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
		WHERE datname LIKE 'scenbench\_twin\_%' AND r.rolname = '`+role+`'`)
	for _, name := range left {
		pgtest.Query(t, serverURL, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`) // else the role cannot be dropped
	}
	if len(left) != 0 {
		t.Errorf("left behind %v", left)
	}
}
