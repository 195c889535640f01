package scenario

import (
	"fmt"
	"strings"
	"testing"
)

// bigSpec is a spec of about n lines of runs whose run at index bad is
// followed by a misindented line: a syntax error near the end.
func bigSpec(n, bad int) (string, int) {
	var b strings.Builder
	b.WriteString("version: 1\nname: big\ndefaults: {files: 5, concurrency: 2}\nruns:\n")
	line, errLine := 4, 0
	for i := range n {
		fmt.Fprintf(&b, "  - name: r%d\n", i)
		line++
		if i == bad {
			b.WriteString("   connection: shared\n")
			line++
			errLine = line
		}
	}
	return b.String(), errLine
}

// TestPositionsInBigSpecs: a syntax error in a long spec is reported at its
// line and column, not at the line where the enclosing list began.
func TestPositionsInBigSpecs(t *testing.T) {
	for _, n := range []int{100, 5000, 10_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			src, line := bigSpec(n, n-20)
			if n == 10_000 && len(src) <= 128<<10 {
				t.Fatalf("got a %d-byte spec, want one past 128 KB", len(src))
			}
			_, err := Parse("big.yaml", []byte(src), nil)
			want := fmt.Sprintf("big.yaml:%d:4: did not find expected '-' indicator", line)
			if err == nil || err.Error() != want {
				t.Errorf("got %v, want %s", err, want)
			}
		})
	}
}

// TestSpecTooBig: a spec past MaxSpecBytes is refused with the limit and
// its size.
func TestSpecTooBig(t *testing.T) {
	src := "version: 1\nname: big\ndescription: " + strings.Repeat("x", MaxSpecBytes) + "\nruns: [{name: a}]\n"
	_, err := Parse("big.yaml", []byte(src), nil)
	want := fmt.Sprintf("big.yaml: the spec is %d bytes, more than the limit of %d (1 MiB)", len(src), MaxSpecBytes)
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestRunCap: explicit runs and the matrix together are capped as the
// matrix alone was.
func TestRunCap(t *testing.T) {
	runs := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "  - {name: r%d}\n", i)
		}
		return b.String()
	}
	head := "version: 1\nname: many\nruns:\n"
	tests := []struct{ name, src, want string }{
		{"explicit", head + runs(10_001),
			"many.yaml:4:3: runs: 10001 runs, more than the limit of 10000 runs (explicit runs and matrix together)"},
		{"explicit and matrix", head + runs(9_999) + "matrix: {concurrency: [1, 2]}\n",
			"many.yaml:10003:1: matrix: 2 runs after the 9999 explicit runs, more than the limit of 10000 runs (explicit runs and matrix together)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("many.yaml", []byte(tc.src), nil)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %.300v, want %s", err, tc.want)
			}
		})
	}
	if _, err := Parse("many.yaml", []byte(head+runs(9_998)+"matrix: {concurrency: [1, 2]}\n"), nil); err != nil {
		t.Errorf("10000 runs: got %.300v, want none", err)
	}
}

// TestErrorsShown: a spec with thousands of errors prints the first 100
// and how many more there are.
func TestErrorsShown(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nname: many\nruns:\n")
	for i := range 150 {
		fmt.Fprintf(&b, "  - {name: r%d, files: 0}\n", i)
	}
	_, err := Parse("many.yaml", []byte(b.String()), nil)
	if err == nil {
		t.Fatal("got no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 101 || lines[100] != "many.yaml: … and 50 more errors" {
		t.Errorf("got %d lines ending %q, want 101 ending %q", len(lines), lines[len(lines)-1], "many.yaml: … and 50 more errors")
	}
}
