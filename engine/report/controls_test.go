package report

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/scenrun/scenrun/engine/analysis"
)

// ansiRE matches the colour sequences the table writes itself.
var ansiRE = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// TestReportsEscapeControls: control characters that reach the results
// (an expression's text quoted in a detail, a database's error text) are
// shown escaped by every renderer for people, never sent raw to a terminal
// or a browser; the table's own colours stay.
func TestReportsEscapeControls(t *testing.T) {
	hostile := func() *analysis.Results {
		res := reportFixture()
		res.Assertions[0].Expr = "shared.indexed > 0 || \"\x1b]0;pwned\x07\" == \"\""
		res.Assertions[0].Detail = "\x1b[2J cleared \u009b31m \u202e"
		res.Runs[0].Error = "database says \x1b[31mno\x1b[0m\r"
		res.Runs[0].Errors = []string{"busy \x1b[5m"}
		return res
	}
	check := func(t *testing.T, out string, color bool) {
		t.Helper()
		if color {
			// The table's colours are ESC [ … m sequences of its own.
			out = ansiRE.ReplaceAllString(out, "")
		}
		for _, r := range out {
			if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u202e') {
				t.Fatalf("got control character %q in\n%s", r, out)
			}
		}
		if !strings.Contains(out, `\x1b[2J cleared`) {
			t.Errorf("got no escaped detail in\n%s", out)
		}
	}
	for _, opts := range []RenderOptions{{Format: "table"}, {Format: "table", Color: true}, {Format: "markdown"}, {Format: "csv"}, {Format: "html"}} {
		t.Run(opts.Format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, hostile(), opts); err != nil {
				t.Fatal(err)
			}
			if opts.Format == "csv" {
				if strings.ContainsRune(buf.String(), 0x1b) {
					t.Errorf("got ESC in the CSV:\n%s", buf.String())
				}
				return
			}
			check(t, buf.String(), opts.Color)
		})
	}
	t.Run("SaveHTML", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "r.html")
		res := hostile()
		if err := SaveHTML(path, res); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		check(t, string(b), false)
		if res.Assertions[0].Detail != hostile().Assertions[0].Detail {
			t.Errorf("the results were changed: %q", res.Assertions[0].Detail)
		}
	})
}
