package scenario

import (
	"slices"
	"strings"
)

// resultColumns names the columns of the rows a statement returns, as far
// as they can be told without a database: the select list of a statement
// whose main verb is SELECT, or the RETURNING list of any statement. It is
// deliberately simple and errs on the side of allowing: for each item of the
// list it yields
//
//   - the alias of `expr AS name` or `expr name`,
//   - the column of a plain reference `name` or `table.name`,
//   - nothing for any other expression (`count(*)` without an alias: SQLite
//     names that column by its text, which no `:name` can spell),
//
// and any is true for `*` or `table.*`, whose names only the database knows:
// a step then checks no parameter after that statement. Names are given as
// written (quotes removed); a statement that returns no rows yields none.
func resultColumns(sql string) (names []string, any bool) {
	toks := sqlTokens(sql)
	// Only tokens outside parentheses count: subqueries and CTE bodies are
	// inside them.
	var top []int // indexes into toks at depth 0
	depth := 0
	for i, t := range toks {
		switch t.text {
		case "(":
			depth++
			continue
		case ")":
			depth--
			continue
		}
		if depth == 0 {
			top = append(top, i)
		}
	}
	kw := func(i int, words ...string) bool {
		return toks[i].kind == tokWord && slices.ContainsFunc(words, func(w string) bool { return strings.EqualFold(w, toks[i].text) })
	}
	// The list starts after RETURNING, or after the SELECT that is the main
	// verb (the first verb at depth 0, after any WITH clause).
	start := -1
	for _, i := range top {
		if kw(i, "returning") {
			start = i + 1
			break
		}
	}
	if start < 0 {
		for _, i := range top {
			if kw(i, "select") {
				start = i + 1
				break
			}
			if kw(i, "insert", "update", "delete", "replace", "values", "create", "drop", "alter", "pragma") {
				return nil, false
			}
		}
	}
	if start < 0 {
		return nil, false
	}
	if start < len(toks) && kw(start, "distinct", "all") {
		start++
	}
	// Split the list at commas at its own depth, up to the clause that ends it.
	var item []sqlToken
	flush := func() {
		if n, all, ok := itemName(item); all {
			any = true
		} else if ok {
			names = append(names, n)
		}
		item = nil
	}
	depth = 0
	for i := start; i < len(toks); i++ {
		t := toks[i]
		if depth == 0 {
			if t.text == ";" || kw(i, "from", "where", "group", "having", "window", "order", "limit", "union", "intersect", "except") {
				break
			}
			if t.text == "," {
				flush()
				continue
			}
		}
		switch t.text {
		case "(":
			depth++
		case ")":
			depth--
		}
		item = append(item, t)
	}
	flush()
	return names, any
}

// itemName is the column name of one select-list item, if resultColumns'
// rules give one, or all for a star.
func itemName(item []sqlToken) (name string, all, ok bool) {
	n := len(item)
	if n == 0 {
		return "", false, false
	}
	last := item[n-1]
	if last.text == "*" && last.kind == tokPunct && (n == 1 || n >= 2 && item[n-2].text == ".") {
		return "", true, false
	}
	if !last.ident() {
		return "", false, false
	}
	if n == 1 {
		return last.text, false, true
	}
	prev := item[n-2]
	switch {
	case prev.kind == tokWord && strings.EqualFold(prev.text, "as"):
		return last.text, false, true
	case prev.text == ".":
		// table.column, or schema.table.column: a plain reference only.
		for i := n - 2; i >= 0; i -= 2 {
			if item[i].text != "." || i == 0 || !item[i-1].ident() {
				return "", false, false
			}
			if i == 1 {
				return last.text, false, true
			}
		}
		return "", false, false
	case prev.text == ")" || prev.ident() || prev.kind == tokLiteral || prev.kind == tokNumber:
		// An implicit alias: `count(*) n`, `x n`.
		if last.kind == tokWord && slices.Contains(sqlNotAlias, strings.ToLower(last.text)) {
			return "", false, false
		}
		return last.text, false, true
	}
	return "", false, false
}

// sqlNotAlias are words that end an expression rather than name it.
var sqlNotAlias = []string{"end", "null", "true", "false", "current_time", "current_date", "current_timestamp", "asc", "desc", "collate", "nocase", "binary", "rtrim"}

type tokKind int

const (
	tokWord    tokKind = iota // a bare word: a keyword or a name
	tokQuoted                 // a quoted name: "…", `…` or […]
	tokLiteral                // a string literal '…'
	tokNumber
	tokParam // :name
	tokPunct // any other character
)

type sqlToken struct {
	kind tokKind
	text string // a quoted name without its quotes
}

func (t sqlToken) ident() bool { return t.kind == tokWord || t.kind == tokQuoted }

// sqlTokens splits sql into tokens, dropping blanks and comments, with the
// same quoting rules as paramsAt.
func sqlTokens(sql string) []sqlToken {
	var out []sqlToken
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			if j := strings.Index(sql[i+2:], "*/"); j >= 0 {
				i += j + 4
			} else {
				i = len(sql)
			}
		case c == '\'' || c == '"' || c == '`':
			var b strings.Builder
			j := i + 1
			for j < len(sql) {
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(sql[j])
				j++
			}
			kind := tokQuoted
			if c == '\'' {
				kind = tokLiteral
			}
			out = append(out, sqlToken{kind, b.String()})
			i = j + 1
		case c == '[':
			j := strings.IndexByte(sql[i:], ']')
			if j < 0 {
				j = len(sql) - i
			}
			out = append(out, sqlToken{tokQuoted, sql[i+1 : min(i+j, len(sql))]})
			i += j + 1
		case c == ':' && i+1 < len(sql) && isIdentStart(sql[i+1]):
			j := i + 1
			for j < len(sql) && isIdentPart(sql[j]) {
				j++
			}
			out = append(out, sqlToken{tokParam, sql[i+1 : j]})
			i = j
		case isIdentStart(c) || c >= 0x80:
			j := i
			for j < len(sql) && (isIdentPart(sql[j]) || sql[j] == '$' || sql[j] >= 0x80) {
				j++
			}
			out = append(out, sqlToken{tokWord, sql[i:j]})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(sql) && (isIdentPart(sql[j]) || sql[j] == '.') {
				j++
			}
			out = append(out, sqlToken{tokNumber, sql[i:j]})
			i = j
		default:
			out = append(out, sqlToken{tokPunct, string(c)})
			i++
		}
	}
	return out
}
