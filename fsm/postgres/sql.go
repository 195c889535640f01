package postgres

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// rewrite turns a workload statement's `:name` parameters into PostgreSQL's
// positional `$n`, once at prepare time, and returns the names in the order
// of their numbers (a name used twice keeps its number). It leaves alone
// what PostgreSQL would not read as a parameter: string literals ('…', with
// E'…' backslash escapes), quoted identifiers ("…"), dollar-quoted strings
// ($tag$…$tag$), comments (-- … and nested /* … */) and casts (::).
//
// It follows scenario.ParseParams except for […], which SQLite reads as a
// quoted identifier and PostgreSQL as an array subscript (a[:n] is a slice
// up to the parameter n); the names are bound by rewrite's own list, so the
// two need not agree on order.
func rewrite(sql string) (string, []string) {
	var b strings.Builder
	var names []string
	isStart := func(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 }
	isPart := func(c byte) bool { return isStart(c) || c >= '0' && c <= '9' }
	last := 0 // sql[last:i] is still to be copied
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '\'':
			escapes := i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') && (i < 2 || !isPart(sql[i-2]))
			j := i + 1
			for j < len(sql) {
				if escapes && sql[j] == '\\' {
					j += 2
					continue
				}
				if sql[j] == '\'' {
					if j+1 < len(sql) && sql[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			i = j
		case c == '"':
			j := i + 1
			for j < len(sql) && sql[j] != '"' {
				j++
			}
			i = j // a doubled "" reopens at the next iteration
		case c == '$' && (i == 0 || !isPart(sql[i-1])):
			// $tag$ or $$ opens a dollar-quoted string; $1 is a parameter.
			j := i + 1
			for j < len(sql) && isPart(sql[j]) && !(j == i+1 && sql[j] >= '0' && sql[j] <= '9') {
				j++
			}
			if j < len(sql) && sql[j] == '$' {
				tag := sql[i : j+1]
				if end := strings.Index(sql[j+1:], tag); end >= 0 {
					i = j + 1 + end + len(tag) - 1
				} else {
					i = len(sql)
				}
			}
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			depth := 1
			i += 2
			for i < len(sql) && depth > 0 {
				switch {
				case sql[i] == '/' && i+1 < len(sql) && sql[i+1] == '*':
					depth++
					i += 2
				case sql[i] == '*' && i+1 < len(sql) && sql[i+1] == '/':
					depth--
					i += 2
				default:
					i++
				}
			}
			i--
		case c == ':' && i+1 < len(sql) && sql[i+1] == ':':
			i++ // a cast
		case c == ':' && i+1 < len(sql) && isStart(sql[i+1]):
			j := i + 1
			for j < len(sql) && isPart(sql[j]) {
				j++
			}
			name := sql[i+1 : j]
			n := 0
			for k, have := range names {
				if have == name {
					n = k + 1
				}
			}
			if n == 0 {
				names = append(names, name)
				n = len(names)
			}
			b.WriteString(sql[last:i])
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			last = j
			i = j - 1
		}
	}
	if last == 0 {
		return sql, names
	}
	b.WriteString(sql[last:])
	return b.String(), names
}

// pwInDSN finds the password of a keyword/value connection string.
var pwInDSN = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// maskURL is a PostgreSQL URL or connection string fit for a message: its
// password, in the user info or as a parameter, replaced by xxxxx.
func maskURL(s string) string {
	if !strings.Contains(s, "://") {
		return pwInDSN.ReplaceAllString(s, "${1}xxxxx")
	}
	u, err := url.Parse(s)
	if err != nil {
		// Unparsable: mask whatever follows user: up to the last @.
		if at := strings.LastIndex(s, "@"); at >= 0 {
			scheme := strings.Index(s, "://") + 3
			if colon := strings.Index(s[scheme:at], ":"); colon >= 0 {
				return s[:scheme+colon+1] + "xxxxx" + s[at:]
			}
		}
		return s
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
