package scenario

import (
	_ "embed"
	"time"
	"unicode/utf8"

	"github.com/scenrun/scenrun/fsm"
)

// A Workload is what every item of a run goes through (SPEC §9): the table
// that holds one row per item, its states, and the steps each item walks,
// each step one transaction of SQL statements. The file lifecycle of SPEC
// §5 is the built-in workload `files`; a spec may define others under
// `workloads:` and a run picks one with the run field `workload`.
type Workload struct {
	Name        string
	Description string
	// Schema is the SQL run once on every fresh database, by database
	// ("sqlite", "postgres"); a schema given as one string is under "".
	Schema map[string]Statement
	// Table holds one row per item; Key is its key column (the item's number
	// 0 … files−1, or KeyFormat of it), State its state column, Version an
	// optional column the engine checks for lost updates ("" when none).
	Table, Key, State, Version string
	// KeyFormat, when set, is the fmt format of an item's key from its
	// number (the built-in files workload's paths, "inbox/file-%07d.pdf");
	// empty: the key is the number itself.
	KeyFormat string
	Seed      Statement // run once per item, untimed; :item and :state
	States    []string
	Initial   string
	Done      []string // states that count as finished (`indexed`)
	Steps     []Step
	Readers   *Readers // nil: no read load
	Builtin   bool
	Pos       Pos // the workload's name in `workloads:`

	broken bool // in a draft: the workload had an error
}

// A Step is one transaction of a workload: an item at From moves to To.
// Call, when set, is a simulated API call made before the step, with the
// latency the run's profile gives that call; a failed call moves the item to
// Fail instead (by the default UPDATE). Hold keeps the transaction open that
// long after its last statement, before COMMIT. SQL empty means the default
// UPDATE of SPEC §5 on the workload's table.
type Step struct {
	Name, From, To string
	Call, Fail     string
	Hold           time.Duration
	SQL            []Statement
	Pos            Pos // the step's `name` value
}

// A Statement is one SQL statement of a spec with where its text starts in
// the file, so that an error in it is reported there. Params are the
// `:name` parameters it uses, in order of first use, as ParseParams finds
// them.
type Statement struct {
	Text   string
	Params []string
	Pos    Pos

	at []Pos // the file position of each rune of Text, when parsed from a file
}

// PosAt maps a byte offset in Text (as SQLite's sqlite3_error_offset gives
// it) to its position in the file; Pos when the offset is out of range or
// the statement has no file positions (the built-in files workload).
func (s Statement) PosAt(offset int) Pos {
	if offset < 0 || offset > len(s.Text) || len(s.at) == 0 {
		return s.Pos
	}
	i := utf8.RuneCountInString(s.Text[:offset])
	if i >= len(s.at) {
		return s.Pos
	}
	return s.at[i]
}

// Readers are a read load that runs while the workers run: Count
// goroutines, each on its own connection, each running SQL then pausing
// Every (0: back to back).
type Readers struct {
	Count int
	SQL   Statement
	Every time.Duration
	Pos   Pos
}

// StepParams are the parameters every step statement may use, besides the
// columns of an earlier statement's first row in the same step (SPEC §9).
// `now` (unix milliseconds) and `version` (the item's version as last
// committed, where the workload names a version column) are scenrun's own
// additions, documented in docs/reference.md.
var StepParams = []string{"item", "worker", "from", "to", "attempt", "now", "version"}

// SeedParams are the parameters a seed statement may use.
var SeedParams = []string{"item", "state", "now"}

// Databases are the values of the run field `database` (SPEC §10).
var Databases = []string{"sqlite", "postgres"}

//go:embed files_sqlite.sql
var filesSchemaSQLite string

//go:embed files_postgres.sql
var filesSchemaPostgres string

// FilesWorkload is the built-in workload `files`: SPEC §5's file lifecycle,
// expressed as data on the same machinery as any other workload.
func FilesWorkload() *Workload {
	const setTo = "state = :to, version = version + 1, updated_at = :now"
	const where = " WHERE path = :item AND state = :from AND version = :version"
	stmt := func(text string) []Statement {
		return []Statement{{Text: text, Params: ParseParams(text)}}
	}
	seed := "INSERT INTO files (path, state, version, created_at, updated_at) VALUES (:item, :state, 0, :now, :now)"
	return &Workload{
		Name:        "files",
		Description: "The file lifecycle of an ingestion pipeline (SPEC §5): untracked → uploading → processing → indexed, or failed.",
		Schema: map[string]Statement{
			"sqlite":   {Text: filesSchemaSQLite},
			"postgres": {Text: filesSchemaPostgres},
		},
		Table: "files", Key: "path", State: "state", Version: "version",
		KeyFormat: "inbox/file-%07d.pdf",
		Seed:      Statement{Text: seed, Params: ParseParams(seed)},
		States:    []string{"untracked", "uploading", "processing", "indexed", "failed"},
		Initial:   "untracked",
		Done:      []string{"indexed"},
		Steps: []Step{
			{Name: "start_upload", From: "untracked", To: "uploading",
				SQL: stmt("UPDATE files SET " + setTo + ", attempts = attempts + 1, upload_started_at = :now, error = NULL" + where)},
			{Name: "complete_upload", From: "uploading", To: "processing", Call: "upload", Fail: "failed",
				SQL: stmt("UPDATE files SET " + setTo + ", upload_id = 'up-' || :attempt, uploaded_at = :now" + where)},
			{Name: "complete_processing", From: "processing", To: "indexed", Call: "import", Fail: "failed",
				SQL: stmt("UPDATE files SET " + setTo + ", import_id = 'imp-' || :attempt, indexed_at = :now" + where)},
		},
		Builtin: true,
	}
}

// ParseParams returns the `:name` parameters of an SQL statement in order of
// first use, each once. It skips string literals ('…'), quoted identifiers
// ("…", `…`, […]), comments (-- … and /* … */) and PostgreSQL casts (::).
func ParseParams(sql string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range paramsAt(sql) {
		if !seen[p.name] {
			seen[p.name] = true
			out = append(out, p.name)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// param is one use of a `:name` parameter: its name and the byte offset of
// its ':' in the statement.
type param struct {
	name string
	off  int
}

// paramsAt is every use of a parameter in sql, in order, by ParseParams'
// rules.
func paramsAt(sql string) []param {
	var out []param
	fsm.ScanCode(sql, func(i int) int {
		switch {
		case sql[i] == ':' && i+1 < len(sql) && sql[i+1] == ':':
			return i + 1 // a cast
		case sql[i] == ':' && i+1 < len(sql) && isIdentStart(sql[i+1]):
			j := i + 1
			for j < len(sql) && isIdentPart(sql[j]) {
				j++
			}
			out = append(out, param{sql[i+1 : j], i})
			return j - 1
		}
		return i
	})
	return out
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentPart(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }

// Sound says whether the workload was decoded without an error (always,
// outside a draft).
func (w *Workload) Sound() bool { return !w.broken }
