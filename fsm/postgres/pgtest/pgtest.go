// Package pgtest is what scenrun's tests need of a PostgreSQL server: its
// URL (skipping the test without one, failing it under CI=true) and a few
// statements run on it from the side, to look at or disturb what a run does.
// It lives under fsm/postgres because it speaks to the server through the
// driver, which only fsm/postgres imports.
package pgtest

import (
	"context"
	"net"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// URL is the test server's URL, $SCENRUN_POSTGRES_URL. Without one the test
// is skipped, but under CI=true it fails: CI starts a server (.ci/run), so a
// missing one is a broken CI, not a reason to test less.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SCENRUN_POSTGRES_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SCENRUN_POSTGRES_URL not set, and CI=true: .ci/run should have started a server (fsm/postgres/testdata/pgserver.sh)")
		}
		t.Skip("SCENRUN_POSTGRES_URL not set")
	}
	return u
}

// Query runs sql on the database of serverURL and returns the first column
// of every row, as text.
func Query(t testing.TB, serverURL, sql string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pg, err := pgconn.Connect(ctx, serverURL)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer pg.Close(ctx)
	res, err := pg.Exec(ctx, sql).ReadAll()
	if err != nil {
		t.Fatalf("pgtest: %s: %v", sql, err)
	}
	var out []string
	for _, r := range res {
		for _, row := range r.Rows {
			if len(row) > 0 {
				out = append(out, string(row[0]))
			}
		}
	}
	return out
}

// Databases lists the trial databases (named scenrun_…) that role owns:
// those its runs created, whatever else runs on the server meanwhile.
func Databases(t testing.TB, serverURL, role string) []string {
	t.Helper()
	return Query(t, serverURL, `SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
		WHERE datname LIKE 'scenrun\_%' AND r.rolname = '`+role+`' ORDER BY datname`)
}

// DropAtCleanup drops database name when the test ends (a kept database).
func DropAtCleanup(t testing.TB, serverURL, name string) {
	t.Helper()
	t.Cleanup(func() { Query(t, serverURL, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`) })
}

// Role creates a login role with password, allowed to create databases
// or not, dropped (with what it owns) when the test ends, and returns
// serverURL logging in as it.
func Role(t testing.TB, serverURL, name, password string, createdb bool) string {
	t.Helper()
	attr := "NOCREATEDB"
	if createdb {
		attr = "CREATEDB"
	}
	drop := func() {
		for _, db := range Databases(t, serverURL, name) {
			Query(t, serverURL, `DROP DATABASE IF EXISTS "`+db+`" WITH (FORCE)`)
		}
		Query(t, serverURL, "DROP ROLE IF EXISTS "+name)
	}
	drop()
	Query(t, serverURL, "CREATE ROLE "+name+" LOGIN "+attr+" PASSWORD '"+password+"'")
	t.Cleanup(drop)
	return WithUser(t, serverURL, name, password)
}

// WithUser is serverURL logging in as user with password.
func WithUser(t testing.TB, serverURL, user, password string) string {
	t.Helper()
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

// ClosedPort is serverURL pointed at a port of 127.0.0.1 nobody listens
// on: no server.
func ClosedPort(t testing.TB, serverURL string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	u.Host = "127.0.0.1:" + strconv.Itoa(port)
	return u.String()
}
