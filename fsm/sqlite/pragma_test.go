package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/scenario"
)

// openWith opens a fresh database with pragmas, on the files workload.
func openWith(t *testing.T, pragmas ...fsm.Pragma) (*DB, error) {
	t.Helper()
	compiled, err := scenario.FilesWorkload().Compile("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), fsm.Options{Path: filepath.Join(t.TempDir(), "x.db"), Pragmas: pragmas, Workload: compiled.Workload})
	if err == nil {
		t.Cleanup(func() { db.Close() })
	}
	return db, err
}

// TestPragmaValueIsOneValue: a value with a statement pasted after it runs
// no statement; the store refuses it (or SQLite ignores it, and the read-back
// says so), and nothing is attached.
func TestPragmaValueIsOneValue(t *testing.T) {
	attach := filepath.Join(t.TempDir(), "z.db")
	for _, p := range []fsm.Pragma{
		{Name: "synchronous", Value: "normal; ATTACH '" + attach + "' AS z"},
		{Name: "busy_timeout", Value: "1; ATTACH '" + attach + "' AS z"},
		{Name: "synchronous; ATTACH '" + attach + "' AS z; PRAGMA synchronous", Value: "normal"},
	} {
		t.Run(p.Name+"="+p.Value, func(t *testing.T) {
			db, err := openWith(t, p)
			if err == nil {
				var n int
				if qerr := db.db.QueryRow("SELECT count(*) FROM pragma_database_list WHERE name = 'z'").Scan(&n); qerr != nil || n != 0 {
					t.Errorf("got %d databases named z attached (%v), want none", n, qerr)
				}
				t.Fatalf("got no error for pragma %s = %q, want one", p.Name, p.Value)
			}
			t.Logf("%v", err)
		})
	}
}

// TestPragmaReadBack: a value SQLite ignores fails the open with the pragma,
// the value asked and the value read back; SQLite's own spellings of a value
// (numbers for names, any case, booleans) pass.
func TestPragmaReadBack(t *testing.T) {
	for _, tc := range []struct {
		p    fsm.Pragma
		want string // "" for no error
	}{
		{fsm.Pragma{Name: "journal_mode", Value: "wall"}, `pragma journal_mode: asked for "wall", SQLite reports "delete"`},
		{fsm.Pragma{Name: "synchronous", Value: "fulll"}, `pragma synchronous: asked for "fulll", SQLite reports "1"`},
		{fsm.Pragma{Name: "temp_store", Value: "ram"}, `pragma temp_store: asked for "ram", SQLite reports "0"`},
		{fsm.Pragma{Name: "journal_mode", Value: "WAL"}, ""},
		{fsm.Pragma{Name: "journal_mode", Value: "'truncate'"}, ""},
		{fsm.Pragma{Name: "synchronous", Value: "Normal"}, ""},
		{fsm.Pragma{Name: "synchronous", Value: "extra"}, ""},
		{fsm.Pragma{Name: "synchronous", Value: "0"}, ""},
		{fsm.Pragma{Name: "foreign_keys", Value: "yes"}, ""},
		{fsm.Pragma{Name: "foreign_keys", Value: "off"}, ""},
		{fsm.Pragma{Name: "temp_store", Value: "memory"}, ""},
		{fsm.Pragma{Name: "auto_vacuum", Value: "incremental"}, ""},
		{fsm.Pragma{Name: "locking_mode", Value: "EXCLUSIVE"}, ""},
		{fsm.Pragma{Name: "busy_timeout", Value: "250"}, ""},
		{fsm.Pragma{Name: "cache_size", Value: "-2500"}, ""},
		{fsm.Pragma{Name: "mmap_size", Value: "1099511627776000"}, ""},
		{fsm.Pragma{Name: "optimize", Value: "0x10002"}, ""},
	} {
		t.Run(tc.p.Name+"="+tc.p.Value, func(t *testing.T) {
			_, err := openWith(t, tc.p)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestCheckPragmas: a scratch database opened as a run's would be says why
// a set of pragmas would fail the run, and leaves nothing behind.
func TestCheckPragmas(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if err := CheckPragmas(ctx, dir, []fsm.Pragma{{Name: "journal_mode", Value: "wal"}, {Name: "synchronous", Value: "NORMAL"}}); err != nil {
		t.Errorf("sound pragmas: %v", err)
	}
	err := CheckPragmas(ctx, dir, []fsm.Pragma{{Name: "journal_mode", Value: "wall"}})
	if err == nil || err.Error() != `pragma journal_mode: asked for "wall", SQLite reports "delete" (SQLite ignores a value it does not take)` {
		t.Errorf("journal_mode wall: got %v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
