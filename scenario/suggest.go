package scenario

import "strings"

// suggest returns the option s was most likely meant to be, for a message:
// a near miss (nearMiss), else the one option s begins, when s has four
// characters or more and begins no other (db_total for db_total_ms); ""
// if none is near.
func suggest(s string, options []string) string {
	if o := nearMiss(s, options); o != "" {
		return o
	}
	if len([]rune(s)) < 4 {
		return ""
	}
	found := ""
	for _, o := range options {
		if len(o) > len(s) && strings.HasPrefix(strings.ToLower(o), strings.ToLower(s)) {
			if found != "" {
				return "" // ambiguous
			}
			found = o
		}
	}
	return found
}

// nearMiss returns the option s is a misspelling of: one equal to it but
// for case, else the nearest within an edit distance of 2 (and shorter than
// s itself, so that "x" does not suggest "max"); "" if none is near. It
// decides what a name is (a profile's call name or a misspelt field), so it
// takes no prefixes: a call may be named "error".
func nearMiss(s string, options []string) string {
	if len(s) > 100 {
		return ""
	}
	for _, o := range options {
		if strings.EqualFold(s, o) {
			return o
		}
	}
	best, bestD := "", 3
	n := len([]rune(s))
	for _, o := range options {
		if d := levenshtein(s, o); d < bestD && d < n {
			best, bestD = o, d
		}
	}
	return best
}

// levenshtein is the edit distance between a and b, in runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Suggest returns the option s was most likely meant to be, as the spec's
// own errors suggest it, or "" if none is near.
func Suggest(s string, options []string) string { return suggest(s, options) }
