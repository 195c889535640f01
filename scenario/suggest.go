package scenario

import "strings"

// suggest returns the option s was most likely meant to be: one equal to it
// but for case, else the nearest within an edit distance of 2 (and shorter
// than s itself, so that "x" does not suggest "max"); "" if none is near.
func suggest(s string, options []string) string {
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
