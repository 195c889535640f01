package fsm

import (
	"fmt"
	"testing"
)

func TestKeyFormatRoundTrips(t *testing.T) {
	k, err := NewKeyFormat("inbox/file-%07d.pdf")
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 7, 818, 999_999, 1_000_000, 9_999_999, 10_000_000, 123_456_789} {
		p := k.String(i)
		if want := fmt.Sprintf("inbox/file-%07d.pdf", i); p != want || k.Key(i) != want {
			t.Errorf("String(%d) = %q, Key %v; want %q", i, p, k.Key(i), want)
		}
		got, ok := k.Item(p)
		if !ok || got != i {
			t.Errorf("Item(%q) = %d, %v; want %d, true", p, got, ok, i)
		}
	}
	for _, p := range []string{"", "inbox/file-.pdf", "inbox/file-123456.pdf", "inbox/file-00000001.pdf", "inbox/file-00000a1.pdf",
		"inbox/file-0000001.txt", "outbox/file-0000001.pdf", "inbox/file--000001.pdf", "inbox/file-+000001.pdf"} {
		if i, ok := k.Item(p); ok {
			t.Errorf("Item(%q) = %d, true; want false", p, i)
		}
	}
	var n KeyFormat
	if n.Key(42) != int64(42) || n.Text() {
		t.Errorf("the zero format: Key(42) = %v, want the number", n.Key(42))
	}
	for s, want := range map[string]bool{"0": true, "42": true, "042": false, "-1": false, "x": false, "": false} {
		if _, ok := n.Item(s); ok != want {
			t.Errorf("zero format Item(%q): ok %v, want %v", s, ok, want)
		}
	}
	for _, bad := range []string{"file", "a%s", "%d%d", "%0xd"} {
		if _, err := NewKeyFormat(bad); err == nil {
			t.Errorf("NewKeyFormat(%q): no error", bad)
		}
	}
}

func TestReturnsRows(t *testing.T) {
	for sql, want := range map[string]bool{
		"SELECT version AS v FROM jobs":                     true,
		"  with x as (select 1) select * from x":            true,
		"UPDATE jobs SET s = 1 RETURNING version":           true,
		"UPDATE jobs SET note = 'returning' WHERE id = 1":   false,
		"UPDATE jobs SET s = 1 -- returning\nWHERE id = :a": false,
		"INSERT INTO t VALUES (1)":                          false,
		"":                                                  false,
	} {
		if got := ReturnsRows(sql); got != want {
			t.Errorf("ReturnsRows(%q) = %v, want %v", sql, got, want)
		}
	}
}
