package engine

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/scenrun/scenrun/engine/report"
)

// TestIntegrityMismatchFailsTheRun breaks what the integrity check expects
// with a setup_sql trigger, behind the engine's back: the run must fail with
// a message naming the file and what was expected, in the results and in
// the table, and the next run must still be carried out.
func TestIntegrityMismatchFailsTheRun(t *testing.T) {
	tests := []struct {
		name, trigger, want string
	}{
		{
			name:    "version bumped",
			trigger: `CREATE TRIGGER bump AFTER UPDATE OF state ON files WHEN NEW.state = 'indexed' BEGIN UPDATE files SET version = version + 1 WHERE path = NEW.path; END`,
			want:    "inbox/file-0000000.pdf: version 4, but 3 state changes were committed",
		},
		{
			name:    "another row changed",
			trigger: `CREATE TRIGGER other AFTER UPDATE OF state ON files WHEN NEW.path = 'inbox/file-0000003.pdf' AND NEW.state = 'indexed' BEGIN UPDATE files SET state = 'failed' WHERE path = 'inbox/file-0000001.pdf'; END`,
			want:    "inbox/file-0000001.pdf: state failed, but the machine ended at indexed",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := parse(t, `
version: 1
name: integrity
defaults: {files: 8, concurrency: 1}
runs:
  - name: broken
    setup_sql: ["`+tc.trigger+`"]
  - name: after
`)
			res, err := runSpec(t, spec, Options{})
			if !errors.Is(err, ErrRunFailed) {
				t.Fatalf("got %v, want ErrRunFailed", err)
			}
			broken, after := res.Runs[0], res.Runs[1]
			if !strings.Contains(broken.Integrity, tc.want) {
				t.Errorf("got integrity %q, want it to say %q", broken.Integrity, tc.want)
			}
			if broken.Error != "integrity: "+broken.Integrity {
				t.Errorf("got run error %q, want the integrity message", broken.Error)
			}
			sum := 0
			for _, n := range broken.States {
				sum += n
			}
			if sum != 8 {
				t.Errorf("got states %v summing to %d, want 8", broken.States, sum)
			}
			if after.Integrity != "ok" || after.Error != "" || after.Indexed != 8 {
				t.Errorf("after: got integrity %q, error %q, %d indexed; want ok, none, 8", after.Integrity, after.Error, after.Indexed)
			}
			var out bytes.Buffer
			if err := report.Render(&out, res, report.RenderOptions{Format: "table"}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "FAIL") || !strings.Contains(out.String(), "integrity: broken: "+tc.want) {
				t.Errorf("got table\n%s\nwant FAIL in the integrity column and the message", out.String())
			}
		})
	}
}
