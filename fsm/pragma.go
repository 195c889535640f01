package fsm

import "regexp"

// pragmaValueRE is one SQL literal: a number (decimal, with a fraction or
// exponent, or hexadecimal), a name or keyword, or a single-quoted string
// (a quote inside doubled). Anything else — `normal; ATTACH …` — would be
// pasted into `PRAGMA name = value` as more than one value.
var pragmaValueRE = regexp.MustCompile(`^(?:[+-]?(?:0[xX][0-9a-fA-F]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)|[A-Za-z_][A-Za-z0-9_]*|'(?:[^']|'')*')$`)

// pragmaNameRE is a pragma's name: letters and "_".
var pragmaNameRE = regexp.MustCompile(`^[A-Za-z_]+$`)

// OneValue reports whether p's value is a single SQL literal and its name
// a plain name: what makes `PRAGMA name = value` one statement.
func (p Pragma) OneValue() bool {
	return pragmaNameRE.MatchString(p.Name) && pragmaValueRE.MatchString(p.Value)
}
