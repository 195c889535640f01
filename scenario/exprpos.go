package scenario

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// cursor walks the spec's source text; past the end of a line it reads '\n'.
type cursor struct {
	lines  [][]rune
	li, ci int // 0-based
}

func (c *cursor) ch() (rune, bool) {
	if c.li < 0 || c.li >= len(c.lines) {
		return 0, false
	}
	if l := c.lines[c.li]; c.ci < len(l) {
		return l[c.ci], true
	}
	return '\n', true
}

func (c *cursor) peek(k int) rune {
	if c.li < 0 || c.li >= len(c.lines) || c.ci+k >= len(c.lines[c.li]) {
		return '\n'
	}
	return c.lines[c.li][c.ci+k]
}

func (c *cursor) pos() Pos { return Pos{c.li + 1, c.ci + 1} }

func (c *cursor) next() {
	if c.li >= 0 && c.li < len(c.lines) && c.ci < len(c.lines[c.li]) {
		c.ci++
		return
	}
	c.newline(0)
}

// newline moves to the start of the next line and skips up to indent spaces
// of indentation, or all blanks if indent < 0.
func (c *cursor) newline(indent int) {
	c.li, c.ci = c.li+1, 0
	if c.li >= len(c.lines) {
		return
	}
	l := c.lines[c.li]
	for c.ci < len(l) && (indent < 0 || c.ci < indent) && (l[c.ci] == ' ' || (indent < 0 && l[c.ci] == '\t')) {
		c.ci++
	}
}

// exprPositions finds the file position of each rune of the scalar n's value
// by walking its source text alongside the value: line folds, block
// indentation, quotes and escapes are in the source but not in the value.
func (p *parser) exprPositions(n *yaml.Node) (start Pos, at []Pos, end Pos) {
	value := []rune(n.Value)
	start = posOf(n)
	if len(value) == 0 || n.Line < 1 || n.Line > len(p.lines) {
		return start, nil, start
	}
	c := &cursor{lines: p.lines, li: n.Line - 1, ci: n.Column - 1}
	indent := -1
	dq := n.Style&yaml.DoubleQuotedStyle != 0
	sq := n.Style&yaml.SingleQuotedStyle != 0
	switch {
	case dq || sq:
		c.ci++ // the opening quote
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		indent = blockIndent(p.lines, n.Line, n.Value)
		c.li, c.ci = n.Line-1, 0
		c.newline(indent)
	}
	for _, v := range value {
		for {
			r, ok := c.ch()
			if !ok {
				at = append(at, c.pos())
				break
			}
			if dq && r == '\\' {
				if c.peek(1) == '\n' {
					c.newline(-1) // an escaped line break joins the lines
					continue
				}
				at = append(at, c.pos())
				skip := 2
				switch c.peek(1) {
				case 'x':
					skip = 4
				case 'u':
					skip = 6
				case 'U':
					skip = 10
				}
				for i := 0; i < skip && c.peek(0) != '\n'; i++ {
					c.next()
				}
				break
			}
			if r == '\n' {
				if v == ' ' || v == '\n' {
					// a folded or kept line break
					at = append(at, c.pos())
					c.newline(indent)
					break
				}
				c.newline(indent) // a blank line, or a break folded away
				continue
			}
			if r == v {
				at = append(at, c.pos())
				c.next()
				if sq && v == '\'' && c.peek(0) == '\'' {
					c.next()
				}
				break
			}
			if (r == ' ' || r == '\t') && v != ' ' && v != '\t' {
				c.next() // trailing blanks before a fold
				continue
			}
			at = append(at, c.pos())
			c.next()
			break
		}
	}
	last := at[len(at)-1]
	return at[0], at, Pos{last.Line, last.Col + 1}
}

// blockIndent is the indentation of the block scalar whose header is on
// line (1-based) and whose value is value: that of its first non-blank line,
// less the spaces the value itself keeps there.
func blockIndent(lines [][]rune, line int, value string) int {
	var first string
	for _, l := range strings.Split(value, "\n") {
		if strings.TrimSpace(l) != "" {
			first = l
			break
		}
	}
	keep := len(first) - len(strings.TrimLeft(first, " "))
	for i := line; i < len(lines); i++ {
		s := string(lines[i])
		if strings.TrimSpace(s) == "" {
			continue
		}
		return max(len(s)-len(strings.TrimLeft(s, " "))-keep, 0)
	}
	return 0
}
