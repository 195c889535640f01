package fsm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A Store is one trial's database: the files table that persists every file's
// state, and the connections that write it. The engine programs against this
// interface only; each database has its own implementation in a subpackage
// (fsm/sqlite), the only code that imports a database driver.
//
// A Store is safe for concurrent use; the Conns it hands out are not.
type Store interface {
	// Conn takes a connection for the caller's exclusive use, with the
	// Options' setup applied; Close gives it back.
	Conn(ctx context.Context) (Conn, error)
	// Init creates the schema, runs setupSQL, and seeds n untracked files
	// named Path(0) … Path(n-1) at version 0.
	Init(ctx context.Context, setupSQL []string, n int) error
	// IntegrityCheck is the database's own consistency check; it returns
	// "ok" when the database is sound, else the database's report.
	IntegrityCheck(ctx context.Context) (string, error)
	// Rows calls fn for every file, in path order.
	Rows(ctx context.Context, fn func(Row) error) error
	// WALSize is the size in bytes of the write-ahead log, 0 when there is
	// none. It is sampled during a trial, so it must be cheap.
	WALSize() int64
	// Effective is each pragma of the Options with the value the database
	// reports after applying it; nil for a database without pragmas.
	Effective() []Pragma
	// Connects is how many connections have been opened so far: a measure
	// of connection churn.
	Connects() int64
	// SetMaxIdle sets how many idle connections are kept; 0 closes each
	// connection as soon as it is released.
	SetMaxIdle(n int)
	// Path is where the database is: the Options.Path that opens it again
	// (from another process, for instance).
	Path() string
	// Close closes every connection.
	Close() error
}

// A Conn is one database connection that persists state changes, each
// write a transaction of its own (Apply) or a group commit (ApplyBatch). A
// Conn is not safe for concurrent use: the engine decides who may use it
// when. Its methods are called once per state change, so implementations
// keep them free of allocations.
type Conn interface {
	// Apply persists one change in its own transaction. It returns when the
	// UPDATE returned and when the COMMIT returned; on a conflict
	// (ErrConflict) the transaction is rolled back and committed is when
	// the rollback returned. A failure to begin returns the same time for
	// both.
	Apply(ctx context.Context, ch Change) (updated, committed time.Time, err error)
	// ApplyBatch persists chs in one transaction (group commit).
	// updated[i] is when change i's UPDATE returned and errs[i] its
	// conflict, if any: a conflicting change is left out and the rest
	// commit. err is a failure of the whole transaction (nothing
	// committed). updated and errs are the caller's, len(chs) long, so a
	// batch allocates nothing.
	ApplyBatch(ctx context.Context, chs []Change, updated []time.Time, errs []error) (committed time.Time, err error)
	// Close releases the connection.
	Close() error
}

// A Change is one state change to persist: file Path moves from From to To by
// Transition, expected at Version (the optimistic-concurrency check).
type Change struct {
	Path       string
	Transition Transition
	From, To   State
	Version    int64
	Arg        any // what the transition records: an upload or import id, an error text, or nil
}

// ErrConflict is an optimistic-concurrency conflict: the UPDATE matched no row
// because the file was not at the expected state and version.
var ErrConflict = errors.New("optimistic-concurrency conflict")

// A Pragma is a database setting, applied on every new connection (in
// SQLite as `PRAGMA name = value`). Its tags are those of the results JSON
// and of assertion expressions, which report pragmas as the store read
// them back.
type Pragma struct {
	Name  string `json:"name" expr:"name"`
	Value string `json:"value" expr:"value"`
}

// Options say how every connection to a database is set up.
type Options struct {
	Path       string   // where the database is
	Pragmas    []Pragma // applied in order on every new connection
	TxLock     string   // deferred (default), immediate or exclusive: how write transactions begin
	ConnectSQL []string // run on every new connection after the pragmas
}

// A SQLError is a statement that the database refused, with the statement
// and the database's own message.
type SQLError struct {
	Stmt string
	Err  error
}

func (e *SQLError) Error() string { return fmt.Sprintf("%s: %v", e.Stmt, e.Err) }
func (e *SQLError) Unwrap() error { return e.Err }

// A Row is one file's persisted state.
type Row struct {
	Path    string
	State   State
	Version int64
}

// Path is the path of file i as a Store's Init seeds it: inbox/file-%07d.pdf.
func Path(i int) string {
	d := strconv.Itoa(i)
	if i >= 0 && len(d) < 7 {
		d = "0000000"[len(d):] + d
	}
	return pathPrefix + d + pathSuffix
}

const pathPrefix, pathSuffix = "inbox/file-", ".pdf"

// ParsePath is the file number of a path Path made; ok is false for any
// other string (the integrity check reads a million of them, so it neither
// scans with fmt nor allocates).
func ParsePath(p string) (i int, ok bool) {
	d, found := strings.CutPrefix(p, pathPrefix)
	if !found {
		return 0, false
	}
	if d, found = strings.CutSuffix(d, pathSuffix); !found || len(d) < 7 || len(d) > 7 && d[0] == '0' {
		return 0, false
	}
	for _, c := range []byte(d) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(d)
	return n, err == nil
}
