package postgres

import (
	"slices"
	"strings"
	"testing"
)

func TestRewrite(t *testing.T) {
	tests := []struct {
		in, want string
		names    []string
	}{
		{"UPDATE jobs SET state = :to WHERE id = :item AND state = :from",
			"UPDATE jobs SET state = $1 WHERE id = $2 AND state = $3", []string{"to", "item", "from"}},
		{"SELECT :a, :b, :a", "SELECT $1, $2, $1", []string{"a", "b"}},
		{"SELECT x::text, :v::bigint FROM t", "SELECT x::text, $1::bigint FROM t", []string{"v"}},
		{"SELECT ':no', 'it''s :no', :yes", "SELECT ':no', 'it''s :no', $1", []string{"yes"}},
		{`SELECT E'a\' :no', :yes`, `SELECT E'a\' :no', $1`, []string{"yes"}},
		{`SELECT '\', :yes`, `SELECT '\', $1`, []string{"yes"}},
		{`SELECT "col:no", :yes`, `SELECT "col:no", $1`, []string{"yes"}},
		{"SELECT $$ :no $$, $f$ :no $ $f$, :yes", "SELECT $$ :no $$, $f$ :no $ $f$, $1", []string{"yes"}},
		{"SELECT :yes -- :no\n, :z", "SELECT $1 -- :no\n, $2", []string{"yes", "z"}},
		{"SELECT /* :no /* :nested */ :no */ :yes", "SELECT /* :no /* :nested */ :no */ $1", []string{"yes"}},
		{"SELECT a[1:2], a[:n]", "SELECT a[1:2], a[$1]", []string{"n"}},
		{"SELECT 1", "SELECT 1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, names := rewrite(tt.in)
			if got != tt.want || !slices.Equal(names, tt.names) {
				t.Errorf("rewrite(%q) = %q, %q; want %q, %q", tt.in, got, names, tt.want, tt.names)
			}
		})
	}
}

func TestMaskURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://scenrun:s3cret@127.0.0.1:5432/postgres?sslmode=disable", "postgres://scenrun:xxxxx@127.0.0.1:5432/postgres?sslmode=disable"},
		{"postgres://scenrun@127.0.0.1:5432/postgres", "postgres://scenrun@127.0.0.1:5432/postgres"},
		{"postgresql://u@h/db?password=s3cret&sslmode=disable", "postgresql://u@h/db?password=xxxxx&sslmode=disable"},
		{"host=h user=u password=s3cret dbname=x", "host=h user=u password=xxxxx dbname=x"},
		{"host=h password='s3 cret' dbname=x", "host=h password=xxxxx dbname=x"},
		{"postgres://u:s3cret@h:bad port/db", "postgres://u:xxxxx@h:bad port/db"},
	}
	for _, tt := range tests {
		got := maskURL(tt.in)
		if got != tt.want {
			t.Errorf("maskURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "s3") {
			t.Errorf("maskURL(%q) = %q shows the password", tt.in, got)
		}
	}
}
