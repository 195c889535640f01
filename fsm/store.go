package fsm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A Store is one trial's database: the workload's table that persists every
// item's state, and the connections that write it. The engine programs
// against this interface only; each database has its own implementation in
// a subpackage (fsm/sqlite), the only code that imports a database driver.
//
// A Store is safe for concurrent use; the Conns it hands out are not.
type Store interface {
	// Conn takes a connection for the caller's exclusive use, with the
	// Options' setup applied; Close gives it back.
	Conn(ctx context.Context) (Conn, error)
	// Init creates the workload's schema, runs setupSQL, and seeds n items
	// (keys Key(0) … Key(n-1)) at the initial state, version 0.
	Init(ctx context.Context, setupSQL []string, n int) error
	// IntegrityCheck is the database's own consistency check; it returns
	// "ok" when the database is sound, else the database's report.
	IntegrityCheck(ctx context.Context) (string, error)
	// Rows calls fn for every row of the workload's table.
	Rows(ctx context.Context, fn func(Row) error) error
	// WALSize is the size in bytes of the write-ahead log, and whether the
	// database has one (false outside WAL mode). It is sampled during a
	// trial, so it must be cheap.
	WALSize() (int64, bool)
	// Probe times n write transactions, one after another on one
	// connection, on a one-row table of its own (dropped afterwards): what a
	// write costs when nothing contends for the lock, measured in the same
	// trial as lock_wait_ms and the same way (from BEGIN until the UPDATE
	// returned). With fresh, each write is on a new connection, as
	// per_file's are. The engine calls it before the workers start.
	Probe(ctx context.Context, n int, fresh bool) ([]time.Duration, error)
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

// A Conn is one database connection that persists an item's transitions,
// each a transaction of its own (Apply) or several in one (ApplyBatch), and
// runs the workload's reads (Read). A Conn is not safe for concurrent use:
// the engine decides who may use it when. Its methods are called once per
// state change, so implementations keep them free of allocations.
type Conn interface {
	// Apply runs w's transition in its own transaction: BEGIN, its
	// statements, its hold, COMMIT. On any error the transaction is rolled
	// back. The last statement must change exactly one row: none is
	// ErrConflict, more is ErrManyRows. A busy database (a lock not granted,
	// a serialization failure) is ErrBusy.
	Apply(ctx context.Context, w *Write) (Timing, error)
	// ApplyBatch runs ws in one transaction (group commit): timings[i] and
	// errs[i] are write i's; a write that conflicts is undone (its own
	// statements only) and the rest commit. err is a failure of the whole
	// transaction (nothing committed). timings and errs are the caller's,
	// len(ws) long, so a batch allocates nothing.
	ApplyBatch(ctx context.Context, ws []Write, timings []Timing, errs []error) (committed time.Time, err error)
	// Read runs the workload's reader query once, reading every row.
	Read(ctx context.Context) error
	// Close releases the connection.
	Close() error
}

// A Write is one transition of one item to persist.
type Write struct {
	Transition int   // an index into the Workload's Transitions
	Item       int   // the item's number, 0 … files−1
	Key        any   // the item's key, Workload.Keys.Key(Item), made once per item
	From, To   State // as the machine fired it
	Version    int64 // the item's version as last committed (the optimistic-concurrency check)
	Worker     int
	Attempt    int
}

// Timing is when a write's parts ended: its last statement (Updated), its
// hold (Held; equal to Updated without one) and its COMMIT (Committed).
// A write that failed before its statements has all three at the failure.
type Timing struct {
	Updated, Held, Committed time.Time
}

// ErrConflict is an optimistic-concurrency conflict: the last statement of a
// transition changed no row, because the item was not at the expected state
// and version.
var ErrConflict = errors.New("optimistic-concurrency conflict")

// ErrBusy is a write the database refused for a lock or a concurrent
// transaction: SQLite's SQLITE_BUSY and SQLITE_LOCKED (with any extended
// code), PostgreSQL's serialization failures, deadlocks and lock timeouts.
// It is a measurement of the configuration (SPEC §9), not a failure of the
// run.
var ErrBusy = errors.New("database busy")

// ErrManyRows is a transition whose last statement changed more than one
// row: the workload's SQL is wrong, and the run fails.
var ErrManyRows = errors.New("changed more than one row")

// ErrPositional is a workload statement with `?` parameters: scenrun binds
// parameters by name only.
var ErrPositional = errors.New("use :name parameters only")

// A Pragma is a database setting, applied on every new connection (in
// SQLite as `PRAGMA name = value`). Its tags are those of the results JSON
// and of assertion expressions, which report pragmas as the store read
// them back.
type Pragma struct {
	Name  string `json:"name" expr:"name"`
	Value string `json:"value" expr:"value"`
}

// Options say how every connection to a database is set up, and what it
// holds.
type Options struct {
	Path       string   // where the database is
	Pragmas    []Pragma // applied in order on every new connection
	TxLock     string   // deferred (default), immediate or exclusive: how write transactions begin
	ConnectSQL []string // run on every new connection after the pragmas
	Workload   *Workload
}

// A SQLError is a statement that the database refused, with the statement
// and the database's own message.
type SQLError struct {
	Stmt string
	Err  error
}

func (e *SQLError) Error() string { return fmt.Sprintf("%s: %v", e.Stmt, e.Err) }
func (e *SQLError) Unwrap() error { return e.Err }

// A StmtError is a workload statement the database refused when the
// workload was checked (fsm/sqlite.Check): Part is "schema", "seed",
// "reader" or "transition"; Transition and Index say which statement.
type StmtError struct {
	Part       string
	Transition int // for Part "transition"
	Index      int // the statement's index within its transition
	Err        error
}

func (e *StmtError) Error() string { return e.Part + ": " + e.Err.Error() }
func (e *StmtError) Unwrap() error { return e.Err }

// A Row is one item's persisted state. Item is -1 for a row whose key is
// not one the seed wrote; Version is -1 when the workload has no version
// column.
type Row struct {
	Key     string
	Item    int
	State   string
	Version int64
}

// A Stmt is one SQL statement of a workload with its `:name` parameters in
// order of first use (SQLite numbers named parameters that way, so the i-th
// name is bound at index i+1).
type Stmt struct {
	SQL    string
	Params []string
	// Rows is whether the statement returns rows (a SELECT, or RETURNING):
	// the columns of its first row become parameters of the later
	// statements of the same transition.
	Rows bool
}

// A Transition is a TransitionDef with what persisting it runs: its
// statements (the last must change exactly one row) and how long the
// transaction stays open after them.
type Transition struct {
	TransitionDef
	SQL  []Stmt
	Hold time.Duration
}

// A Workload is what a Store holds and runs: the schema and seed of the
// workload's table, and the SQL of every transition (SPEC §9), compiled for
// one database.
type Workload struct {
	Schema                     string
	Table, Key, State, Version string // Version "" when the workload has none
	Keys                       KeyFormat
	Seed                       Stmt
	Def                        *Definition
	Initial                    State
	Transitions                []Transition // Def.Transitions with their SQL, in the same order
	Reader                     *Stmt        // the reader query, nil without readers
}

// ReturnsRows says whether sql returns rows: it starts with SELECT, WITH or
// VALUES, or has a RETURNING clause (outside literals and comments).
func ReturnsRows(sql string) bool {
	words := strings.Fields(strings.ToUpper(stripSQL(sql)))
	if len(words) == 0 {
		return false
	}
	switch words[0] {
	case "SELECT", "WITH", "VALUES", "PRAGMA":
		return true
	}
	for _, w := range words {
		if w == "RETURNING" {
			return true
		}
	}
	return false
}

// stripSQL blanks out string literals, quoted identifiers and comments of
// sql.
func stripSQL(sql string) string {
	b := []byte(strings.Repeat(" ", len(sql)))
	ScanCode(sql, func(i int) int {
		b[i] = sql[i]
		return i
	})
	return string(b)
}

// ScanCode calls code with the index of every byte of sql that is code:
// outside string literals ('…', with ” inside), quoted identifiers ("…",
// `…`, […]) and comments (-- … and /* … */). code returns the index it has
// read up to; len(sql) stops the scan.
func ScanCode(sql string, code func(i int) int) {
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(sql) {
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c { // a doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			i = j
		case c == '[':
			for i < len(sql) && sql[i] != ']' {
				i++
			}
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			i += 2
			for i+1 < len(sql) && !(sql[i] == '*' && sql[i+1] == '/') {
				i++
			}
			i++
		default:
			i = code(i)
		}
	}
}

// A KeyFormat turns an item's number into its key and back. The zero
// KeyFormat keys items by their number; one made by NewKeyFormat by a text
// of the form prefix%0Ndsuffix (the built-in files workload's
// inbox/file-%07d.pdf).
type KeyFormat struct {
	text           bool
	prefix, suffix string
	width          int
}

// NewKeyFormat parses a format with exactly one %d or %0Nd verb; "" is the
// number itself.
func NewKeyFormat(format string) (KeyFormat, error) {
	if format == "" {
		return KeyFormat{}, nil
	}
	i := strings.IndexByte(format, '%')
	if i < 0 {
		return KeyFormat{}, fmt.Errorf("key format %q: want one %%d verb", format)
	}
	rest := format[i+1:]
	width := 0
	if strings.HasPrefix(rest, "0") {
		j := 1
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		w, err := strconv.Atoi(rest[1:j])
		if err != nil {
			return KeyFormat{}, fmt.Errorf("key format %q: bad width", format)
		}
		width, rest = w, rest[j:]
	}
	if !strings.HasPrefix(rest, "d") || strings.Contains(rest[1:], "%") {
		return KeyFormat{}, fmt.Errorf("key format %q: want one %%d verb", format)
	}
	return KeyFormat{text: true, prefix: format[:i], suffix: rest[1:], width: width}, nil
}

// Text is whether keys are text (a KeyFormat) rather than numbers.
func (k KeyFormat) Text() bool { return k.text }

// Key is item i's key: the number itself, or the formatted text.
func (k KeyFormat) Key(i int) any {
	if !k.text {
		return int64(i)
	}
	return k.String(i)
}

// String is item i's key as text.
func (k KeyFormat) String(i int) string {
	d := strconv.Itoa(i)
	if i >= 0 && len(d) < k.width {
		d = strings.Repeat("0", k.width-len(d)) + d
	}
	return k.prefix + d + k.suffix
}

// Item is the number of key s, ok false for a key this format never makes
// (the integrity check reads a million of them, so it neither scans with fmt
// nor allocates).
func (k KeyFormat) Item(s string) (i int, ok bool) {
	if !k.text {
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= 0 && strconv.Itoa(n) == s
	}
	d, found := strings.CutPrefix(s, k.prefix)
	if !found {
		return 0, false
	}
	if d, found = strings.CutSuffix(d, k.suffix); !found || len(d) < k.width || len(d) > max(k.width, 1) && d[0] == '0' || d == "" {
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
