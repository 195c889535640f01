package scenario

// A Segment is one per-file timing segment of SPEC §5: its name, what the
// engine times for it, and how a reader reads it.
type Segment struct {
	Name   string // as specs, assertions and the results JSON name it
	Covers string // what is timed, summed over the file's writes or calls
	Reads  string // what its figures say
}

// SegmentTable is the one table of timing segments, in the order of SPEC §5
// and of the results JSON. The results model (engine/analysis.Segments),
// the comparisons, the reports and the validation of `segments:` and
// lower() all follow it.
var SegmentTable = []Segment{
	{"lock_wait_ms", "from the start of each write until its UPDATE returned (BEGIN and the wait for the write lock included)",
		"time spent getting to write: the write lock's contention, plus the UPDATE's own work"},
	{"db_total_ms", "from the start of each write until its COMMIT returned",
		"the whole cost of persisting the file's state changes"},
	{"fsm_dispatch_ms", "the state machine's validation of each transition",
		"the state machine's own overhead (microseconds)"},
	{"mock_api_ms", "the simulated API calls",
		"the latency profile as drawn and slept, timer overshoot included"},
	{"total_wall_ms", "the file's whole lifecycle",
		"what a user of the pipeline waits for one file"},
	{"fsm_net_ms", "total_wall_ms − mock_api_ms",
		"everything but the API: database, dispatch, hand-offs and scheduling"},
	{"hold_ms", "the steps' holds: time inside a transaction after its last statement, before COMMIT (counted in db_total_ms too)",
		"how long the item kept its write lock while doing other work, as an async app does between UPDATE and COMMIT"},
}

// segmentNames lists the names of SegmentTable in order.
func segmentNames() []string {
	out := make([]string, len(SegmentTable))
	for i, s := range SegmentTable {
		out[i] = s.Name
	}
	return out
}
