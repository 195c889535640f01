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
