package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/fsm"
)

// TestTxLockBeginsAsAsked holds a write transaction open on one Conn, begun
// the way Apply begins it, and probes the locks from another connection. In
// rollback-journal mode the three modes differ observably: BEGIN DEFERRED
// takes no lock, BEGIN IMMEDIATE takes the write lock (another writer is
// refused, readers are not), BEGIN EXCLUSIVE also shuts readers out.
func TestTxLockBeginsAsAsked(t *testing.T) {
	cases := []struct {
		txlock                   string
		writerBlocked, readerBlk bool
	}{
		{"deferred", false, false},
		{"immediate", true, false},
		{"exclusive", true, true},
	}
	for _, c := range cases {
		t.Run(c.txlock, func(t *testing.T) {
			ctx := context.Background()
			db := openTest(t, fsm.Options{
				Path:    filepath.Join(t.TempDir(), "lock.db"),
				TxLock:  c.txlock,
				Pragmas: []fsm.Pragma{{Name: "busy_timeout", Value: "0"}, {Name: "journal_mode", Value: "delete"}},
			}, 3)
			holder, err := db.conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer holder.Close()
			// The probe connects first: a new connection's pragmas need
			// the lock too.
			probe, err := db.db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer probe.Close()
			// The probes run inside the holder's transaction, begun by
			// the BEGIN statement Apply uses.
			err = holder.tx(ctx, func(any) error {
				_, err := probe.ExecContext(ctx, "BEGIN IMMEDIATE")
				if err == nil {
					probe.ExecContext(ctx, "ROLLBACK")
				}
				if got := isLocked(err); got != c.writerBlocked {
					t.Errorf("another writer's BEGIN IMMEDIATE: got locked %v (%v), want %v", got, err, c.writerBlocked)
				}
				var n int
				err = probe.QueryRowContext(ctx, "SELECT count(*) FROM files").Scan(&n)
				if got := isLocked(err); got != c.readerBlk {
					t.Errorf("a reader: got locked %v (%v), want %v", got, err, c.readerBlk)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("holder's transaction: %v", err)
			}
		})
	}
}

func isLocked(err error) bool { return err != nil && strings.Contains(err.Error(), "locked") }

// TestPragmasReachEveryConnection: each connection the DB hands out has had
// every pragma applied, not only the first (as a db.Exec of a PRAGMA on a
// pool would do), and each new one goes through the connect hook once.
func TestPragmasReachEveryConnection(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, fsm.Options{Pragmas: []fsm.Pragma{{Name: "journal_mode", Value: "wal"}, {Name: "busy_timeout", Value: "1234"}, {Name: "cache_size", Value: "-3000"}}}, 0)
	before := db.Connects()
	var conns []*Conn
	for range 4 {
		c, err := db.conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for i, c := range conns {
		for name, want := range map[string]string{"busy_timeout": "1234", "cache_size": "-3000"} {
			if got, err := c.Pragma(ctx, name); err != nil || got != want {
				t.Errorf("connection %d: %s = %q (%v), want %q", i, name, got, err, want)
			}
		}
	}
	// The first connection, opened by Open's check, is idle and handed out
	// again: three new ones.
	if got := db.Connects() - before; got != 3 {
		t.Errorf("got %d new connections for 4 Conns with one idle, want 3", got)
	}
}
