package fsm

import (
	"fmt"
	"testing"
)

func TestPathRoundTrips(t *testing.T) {
	for _, i := range []int{0, 7, 818, 999_999, 1_000_000, 9_999_999, 10_000_000, 123_456_789} {
		p := Path(i)
		if want := fmt.Sprintf("inbox/file-%07d.pdf", i); p != want {
			t.Errorf("Path(%d) = %q, want %q", i, p, want)
		}
		got, ok := ParsePath(p)
		if !ok || got != i {
			t.Errorf("ParsePath(%q) = %d, %v; want %d, true", p, got, ok, i)
		}
	}
	for _, p := range []string{"", "inbox/file-.pdf", "inbox/file-123456.pdf", "inbox/file-00000001.pdf", "inbox/file-00000a1.pdf",
		"inbox/file-0000001.txt", "outbox/file-0000001.pdf", "inbox/file--000001.pdf", "inbox/file-+000001.pdf"} {
		if i, ok := ParsePath(p); ok {
			t.Errorf("ParsePath(%q) = %d, true; want false", p, i)
		}
	}
}
