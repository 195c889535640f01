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
// YAML anchors, aliases and merge keys (<<) are resolved; keys given
// explicitly win over merged ones.
package scenario
