// Package scenario is the scenrun YAML spec: its types, strict decoding with
// positions, defaults, -set overrides, matrix expansion and validation.
//
// The stance is that a spec is checked completely before anything runs. The
// decoder walks the yaml.Node tree itself, so every problem carries the file,
// line and column of the offending token (the key for an unknown field, the
// value for a bad value), and it collects every problem in the file rather
// than stopping at the first: Parse returns them all as Errors, in file order.
// Assertion expressions are only carried here, with enough position
// information to map an expression error back into the file (Assertion.PosOf);
// compiling them is the engine's job.
//
// How a run's configuration is built:
//
//   - DefaultConfig gives the built-in defaults; the spec's `defaults` mapping
//     replaces the fields it gives; then every -set override replaces its field.
//   - An explicit run starts from those defaults and replaces the fields it
//     gives; -set overrides are applied again afterwards, so a -set wins over
//     what the file says for every run.
//   - A matrix run starts from the same defaults (with -set applied) and takes
//     the matrix values for the keys the matrix varies; for those keys the
//     matrix value wins over a -set.
//   - -set gate.alpha=… and -set gate.noise_floor_pct=… replace the gate's
//     fields after the file's gate.
//
// Pragmas merge rather than replace: a `pragmas` mapping (in defaults, in a
// run, or a -set pragmas.NAME=VALUE) is laid over the pragmas it starts from.
// A pragma already present keeps its place in the order and takes the new
// value; a new pragma is appended. So `defaults: {pragmas: {busy_timeout:
// 1000}}` keeps journal_mode=wal and synchronous=normal and changes only the
// busy timeout, and there is no way to drop a built-in pragma, only to set it
// to another value (journal_mode: delete). Pragma names are case-insensitive
// and stored in lower case.
//
// Workloads (SPEC §9) are data: `workloads:` maps a name to a Workload
// (schema, table, states, steps of SQL statements, optional readers), and
// the run field `workload` picks one; the built-in `files` (FilesWorkload)
// is always present and cannot be redefined. Everything that can be checked
// without a database is checked here: states named in initial, done, from,
// to and fail exist; each step starts where the previous one ended (the
// first at initial); fail needs a call; the call is defined by the profile
// of every run that uses the workload, and a call that can fail (error_rate
// > 0) has a fail state; parameters are those SPEC §9 allows. A step's
// statement may also use the columns of an earlier statement's first row,
// which only the database knows for sure: resultColumns reads them from the
// select or RETURNING list by a simple rule that errs on the side of
// allowing (SELECT * allows everything after it). The SQL itself is not
// checked here; every Statement carries the file position where its text
// starts (for a `|` or `>` block, the first line of the content) and maps
// any offset in its text back into the file (Statement.PosAt), so that the
// engine can report SQLite's errors at the right line and column.
//
// Some rules depend on whether a field was set rather than defaulted
// (SPEC §10: txlock and pragmas are for sqlite runs, isolation for postgres
// runs). The parser records where each run's fields were set (defaults, the
// run, a matrix key or a -set) and reports such a problem once, there,
// naming the runs concerned. Set on a run (or a matrix key), such a field
// is an error for a run of the other database; set in defaults or by -set
// it applies to the runs of its database and is an error only when no run
// is of that database. A postgres run without a `postgres` URL takes
// $SCENRUN_POSTGRES_URL, read at parse time; without either it is an error.
//
// Profiles may define latencies under any call name besides upload and
// import (Profile.Calls); a key that is a near miss of a profile field, or
// whose value cannot be a latency, is still an unknown field.
//
// YAML anchors, aliases and merge keys (<<) are resolved; keys given
// explicitly win over merged ones.
package scenario
