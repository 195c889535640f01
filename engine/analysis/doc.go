// Package analysis is the pure stage between measuring and rendering: from
// what the engine measured (a Measured) it computes each run's statistics,
// the comparisons and gates, and the assertions' verdicts, and it owns the
// results model and its JSON (SPEC §7). Nothing here touches a database, a
// clock or a terminal, so every function is tested from fixed measurements.
//
// Its stance: a stat with no samples fails any assertion that reads it; a
// run's outcome counts are its worst trial's, never averaged away; a run
// whose integrity check fails is a failed run, whatever its timings say.
package analysis
