package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// decodeYAML parses data into the node of its single document. A nil node
// with a nil error means the file holds no document.
func decodeYAML(data []byte) (doc *yaml.Node, err error) {
	// yaml.v3 has panicked on hostile input before; a spec must never crash
	// the command.
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("yaml: cannot parse: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var n yaml.Node
	if err := dec.Decode(&n); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, err
	default:
		return nil, &extraDocError{Pos{extra.Line, extra.Column}}
	}
	return &n, nil
}

// extraDocError is a second YAML document in a spec file.
type extraDocError struct{ pos Pos }

func (e *extraDocError) Error() string { return "a spec file holds one YAML document" }

var (
	yamlLineRE      = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	unknownAnchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)
)

// syntaxError turns a yaml.v3 parse error into an Error at the best position
// that is cheap to find. yaml.v3 reports only a line, and for parser errors
// the line where the enclosing construct began (0-based at that), so the
// position is found again by parsing ever longer prefixes of the file: the
// first prefix that fails with the same message ends at the problem.
func syntaxError(file string, data []byte, err error) *Error {
	var xd *extraDocError
	if errors.As(err, &xd) {
		return &Error{File: file, Pos: xd.pos, Msg: xd.Error()}
	}
	text := err.Error()
	var line int
	msg := strings.TrimPrefix(text, "yaml: ")
	if m := yamlLineRE.FindStringSubmatch(text); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if p, ok := badByte(data, msg); ok {
		return &Error{File: file, Pos: p, Msg: msg}
	}
	if p, ok := locate(data, msg); ok {
		if m := unknownAnchorRE.FindStringSubmatch(msg); m != nil {
			// locate ends at the alias's last character: point at its '*'.
			if l := []rune(lineText(data, p.Line)); p.Col <= len(l) {
				if i := strings.LastIndex(string(l[:p.Col]), "*"+m[1]); i >= 0 {
					p.Col = utf8.RuneCountInString(string(l[:p.Col])[:i]) + 1
				}
			}
		}
		if strings.HasPrefix(msg, "did not find expected") {
			p.Col = keyStart(lineText(data, p.Line), p.Col)
		}
		return &Error{File: file, Pos: p, Msg: msg}
	}
	if line <= 0 {
		line = 1
	}
	return &Error{File: file, Pos: Pos{line, firstCol(data, line)}, Msg: msg}
}

// badByte finds the character that an encoding error is about.
func badByte(data []byte, msg string) (Pos, bool) {
	var bad func(r rune, size int) bool
	switch {
	case strings.Contains(msg, "control characters"):
		bad = func(r rune, size int) bool {
			return r != '\t' && r != '\n' && r != '\r' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0))
		}
	case strings.Contains(msg, "UTF-8"), strings.Contains(msg, "UTF-16"):
		bad = func(r rune, size int) bool { return r == utf8.RuneError && size <= 1 }
	default:
		return Pos{}, false
	}
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if bad(r, size) {
			return Pos{line, col}, true
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return Pos{}, false
}

// locate finds the shortest prefix of data, cut at a line and then at a
// character, whose parse fails with msg; its last character is the problem.
// Prefixes are searched by bisection: a prefix that holds the problem fails
// with its message, and one that ends before it does not, so a spec of any
// accepted size (MaxSpecBytes) takes a few dozen parses, not one per line.
func locate(data []byte, msg string) (Pos, bool) {
	fails := func(prefix []byte) bool {
		_, err := decodeYAML(prefix)
		if err == nil {
			return false
		}
		t := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			t = m[2]
		}
		return t == msg
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	ends := make([]int, len(lines)+1) // ends[k]: the length of the first k lines
	for i, l := range lines {
		ends[i+1] = ends[i] + len(l)
	}
	// The smallest k whose first k lines fail.
	k := sort.Search(len(lines)+1, func(k int) bool { return k > 0 && fails(data[:ends[k]]) })
	if k > len(lines) {
		return Pos{}, false
	}
	i, l := k-1, lines[k-1]
	// The problem is on line k: find the first character that makes it.
	offs := []int{} // byte offset just after each character of l
	for j := 0; j < len(l); {
		_, size := utf8.DecodeRune(l[j:])
		j += size
		offs = append(offs, j)
	}
	c := sort.Search(len(offs), func(c int) bool { return fails(data[:ends[i]+offs[c]]) })
	if c == len(offs) {
		return Pos{i + 1, firstCol(data, i+1)}, true
	}
	col := c + 1
	if offs[c] == len(l) && l[len(l)-1] == '\n' {
		// Only the line break completes the problem: point at the last
		// real character of the line.
		col = max(col-1, 1)
	}
	return Pos{i + 1, col}, true
}

// keyStart moves col back from a key's ':' to the key's first character:
// the parser fails only once the ':' shows the key for what it is, but the
// key is what is misplaced.
func keyStart(line string, col int) int {
	l := []rune(line)
	if col < 1 || col > len(l) || l[col-1] != ':' {
		return col
	}
	i := col - 1
	for i > 0 && l[i-1] != ' ' && l[i-1] != '\t' {
		i--
	}
	return i + 1
}

// lineText is line (1-based) of data, or "".
func lineText(data []byte, line int) string {
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return ""
	}
	return string(lines[line-1])
}

// firstCol is the column of the first non-blank character of line, or 1.
func firstCol(data []byte, line int) int {
	s := lineText(data, line)
	t := strings.TrimLeft(s, " \t")
	if t == "" {
		return 1
	}
	return utf8.RuneCountInString(s[:len(s)-len(t)]) + 1
}
