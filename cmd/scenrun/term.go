package main

import (
	"strconv"

	"golang.org/x/term"
)

// terminalWidth is the width in columns of the terminal on fd: the size the
// terminal reports, else $COLUMNS (columns), else 0.
func terminalWidth(fd int, columns string) int {
	if w, _, err := term.GetSize(fd); err == nil && w > 0 {
		return w
	}
	if w, err := strconv.Atoi(columns); err == nil && w > 0 {
		return w
	}
	return 0
}
