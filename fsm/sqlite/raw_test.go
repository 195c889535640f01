package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/fsm"
)

// TestRawLoopRollsBackAFailedStep makes the raw loop's fifth UPDATE fail (a
// temporary trigger, created with the schema by the connect SQL, aborts
// file 1's complete_upload): each mode rolls that transaction back and
// returns SQLite's message with the four state changes committed before it.
func TestRawLoopRollsBackAFailedStep(t *testing.T) {
	const trigger = `CREATE TEMP TRIGGER IF NOT EXISTS boom BEFORE UPDATE ON main.files
WHEN NEW.path = 'inbox/file-0000001.pdf' AND NEW.state = 'processing'
BEGIN SELECT RAISE(ABORT, 'boom'); END`
	for _, mode := range []RawMode{RawDriver, RawSQL} {
		t.Run(mode.String(), func(t *testing.T) {
			w := filesWorkload(t)
			opts := fsm.Options{Pragmas: walNormal, ConnectSQL: []string{w.Schema, trigger}, Workload: w}
			res, err := RawLoop(context.Background(), t.TempDir(), opts, 3, mode)
			if err == nil || !strings.Contains(err.Error(), "complete_upload inbox/file-0000001.pdf") || !strings.Contains(err.Error(), "boom") {
				t.Errorf("got error %v, want file 1's complete_upload aborted with boom", err)
			}
			if res.Transitions != 4 {
				t.Errorf("got %d transitions, want 4", res.Transitions)
			}
		})
	}
}
