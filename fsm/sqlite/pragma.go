package sqlite

import (
	"strconv"
	"strings"
)

// readBackDiffers are the pragmas whose read-back legitimately differs from
// what was asked, so a difference is recorded (effective_pragmas), not
// failed: page_size and auto_vacuum take effect only before the database's
// first page is written (journal_mode = wal writes it); cache_size reads
// back in the form SQLite keeps (pages or -KiB); mmap_size, threads and the
// heap limits are capped by the build; wal_autocheckpoint reads back 0 for
// a negative value; the rest are actions, whose read-back is a report, not
// the setting. busy_timeout and every other setting must read back exactly.
var readBackDiffers = map[string]bool{
	"page_size": true, "auto_vacuum": true, "cache_size": true, "mmap_size": true,
	"wal_autocheckpoint": true, "threads": true, "soft_heap_limit": true, "hard_heap_limit": true,
	"optimize": true, "wal_checkpoint": true, "incremental_vacuum": true, "shrink_memory": true,
}

// pragmaNumbers are the names SQLite accepts for a pragma's values and the
// numbers it reads them back as.
var pragmaNumbers = map[string]map[string]string{
	"synchronous":   {"off": "0", "normal": "1", "full": "2", "extra": "3"},
	"temp_store":    {"default": "0", "file": "1", "memory": "2"},
	"auto_vacuum":   {"none": "0", "full": "1", "incremental": "2"},
	"secure_delete": {"fast": "2"},
}

// booleans are SQLite's spellings of a boolean pragma's values.
var booleans = map[string]string{"on": "1", "true": "1", "yes": "1", "off": "0", "false": "0", "no": "0"}

// sameValue reports whether pragma name, asked for asked, reads back as got
// in one of SQLite's forms of the same value: a number for a name
// (synchronous normal is 1), any case (journal_mode WAL is wal), a boolean
// as 1 or 0, a number in any notation.
func sameValue(name, asked, got string) bool {
	a, g := strings.ToLower(unquote(asked)), strings.ToLower(got)
	if a == g {
		return true
	}
	if n, ok := pragmaNumbers[strings.ToLower(name)][a]; ok {
		return n == g
	}
	if b, ok := booleans[a]; ok && (g == "0" || g == "1") {
		return b == g
	}
	x, errA := strconv.ParseFloat(a, 64)
	if errA != nil {
		if i, err := strconv.ParseInt(a, 0, 64); err == nil {
			x, errA = float64(i), nil
		}
	}
	y, errG := strconv.ParseFloat(g, 64)
	return errA == nil && errG == nil && x == y
}

// unquote is a 'quoted string' literal's text.
func unquote(v string) string {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	}
	return v
}
