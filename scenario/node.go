package scenario

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// report records a problem at a node. Decoders take one so that the same
// code checks a field in the file and in a -set override, whose messages
// differ.
type report func(n *yaml.Node, msg string)

// silent is the report for values already checked once.
func silent(*yaml.Node, string) {}

// maxAliasDepth bounds alias and merge-key resolution: an anchor can refer to
// a node that contains its own alias.
const maxAliasDepth = 16

// deref follows aliases to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < maxAliasDepth; i++ {
		n = n.Alias
	}
	return n
}

func posOf(n *yaml.Node) Pos { return Pos{n.Line, n.Column} }

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe says what a node is, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	switch {
	case isNull(n):
		return "null"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.ScalarNode:
		return quote(n.Value)
	}
	return "an alias"
}

// IsControl reports whether r is a control character a terminal or a
// report could act on: C0 and C1 controls and DEL, and the bidirectional
// overrides and isolates, which reorder the text around them.
func IsControl(r rune) bool {
	return unicode.IsControl(r) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// noControls reports the first control character of a name or text that
// is printed, other than a tab or one of allow.
func noControls(r report, field string, n *yaml.Node, s, allow string) bool {
	for _, c := range s {
		if c != '\t' && !strings.ContainsRune(allow, c) && IsControl(c) {
			r(deref(n), fmt.Sprintf("%s: control character %s in %s (names and texts are printed on terminals and in reports)", field, strings.Trim(strconv.QuoteRune(c), "'"), quote(s)))
			return false
		}
	}
	return true
}

// quote quotes s for a message, shortening a long value.
func quote(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return strconv.Quote(s)
}

// pair is one key and value of a mapping; name is the key as matched.
type pair struct {
	name     string
	key, val *yaml.Node
}

// pairs lists a mapping's keys and values in order, reporting keys given
// twice (only the first counts) and expanding merge keys (<<), whose keys
// yield to the ones given explicitly. fold matches keys case-insensitively
// and names them in lower case.
func (p *parser) pairs(r report, m *yaml.Node, fold bool) []pair {
	return p.mergedPairs(r, m, fold, map[*yaml.Node]bool{})
}

// mergedPairs is pairs; active holds the mappings being expanded, so that a
// mapping merging itself ends. Mappings merged from are expanded once per
// parse, so that merges of merges cannot grow exponentially.
func (p *parser) mergedPairs(r report, m *yaml.Node, fold bool, active map[*yaml.Node]bool) []pair {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode || active[m] || len(active) > maxAliasDepth {
		return nil
	}
	active[m] = true
	defer delete(active, m)
	norm := func(s string) string {
		if fold {
			return strings.ToLower(s)
		}
		return s
	}
	isMerge := func(k *yaml.Node) bool {
		return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
	}
	first := map[string]*yaml.Node{}
	var explicit []pair
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := deref(m.Content[i]), m.Content[i+1]
		if isMerge(k) {
			explicit = append(explicit, pair{name: "<<", key: k, val: v})
			continue
		}
		if k.Kind != yaml.ScalarNode {
			r(k, "want a field name, got "+describe(k))
			continue
		}
		name := norm(k.Value)
		if f, ok := first[name]; ok {
			r(m.Content[i], fmt.Sprintf("field %s given twice (first at %s)", quote(k.Value), posOf(f).lineCol()))
			continue
		}
		first[name] = m.Content[i]
		explicit = append(explicit, pair{name: name, key: m.Content[i], val: v})
	}
	seen := map[string]bool{}
	var out []pair
	for _, e := range explicit {
		if e.name != "<<" {
			seen[e.name] = true
			out = append(out, e)
			continue
		}
		v := deref(e.val)
		var sources []*yaml.Node
		switch {
		case v.Kind == yaml.MappingNode:
			sources = []*yaml.Node{v}
		case v.Kind == yaml.SequenceNode:
			for _, s := range v.Content {
				if s = deref(s); s.Kind != yaml.MappingNode {
					r(s, "<<: want a mapping to merge, got "+describe(s))
					continue
				}
				sources = append(sources, s)
			}
		default:
			r(e.val, "<<: want a mapping or a list of mappings to merge, got "+describe(v))
		}
		for _, s := range sources {
			key := mergeKey{s, fold}
			merged, ok := p.merged[key]
			if !ok {
				merged = p.mergedPairs(r, s, fold, active)
				p.merged[key] = merged
			}
			for _, sp := range merged {
				if _, ok := first[sp.name]; ok || seen[sp.name] {
					continue
				}
				seen[sp.name] = true
				out = append(out, sp)
			}
		}
	}
	return out
}

type mergeKey struct {
	m    *yaml.Node
	fold bool
}

// unknownField reports a key that is not one of allowed.
func unknownField(r report, key *yaml.Node, context string, allowed []string) {
	msg := "unknown field " + quote(key.Value)
	if context != "" {
		msg += " " + context
	}
	if s := suggest(key.Value, allowed); s != "" {
		msg += fmt.Sprintf(", did you mean %q?", s)
	} else {
		msg += " (allowed: " + strings.Join(allowed, ", ") + ")"
	}
	r(key, msg)
}

// unknownValue is the message for a value that is not one of allowed.
func unknownValue(what, v string, allowed []string) string {
	msg := fmt.Sprintf("unknown %s %s", what, quote(v))
	if s := suggest(v, allowed); s != "" {
		msg += fmt.Sprintf(", did you mean %q?", s)
	}
	return msg + " (allowed: " + strings.Join(allowed, ", ") + ")"
}

func scalarTag(n *yaml.Node, tags ...string) bool {
	return n != nil && n.Kind == yaml.ScalarNode && slices.Contains(tags, n.ShortTag())
}

func intVal(r report, name string, n *yaml.Node, lo, hi int64) (int64, bool) {
	n = deref(n)
	var v int64
	if !scalarTag(n, "!!int") || n.Decode(&v) != nil {
		r(n, fmt.Sprintf("%s: want an integer, got %s", name, describe(n)))
		return 0, false
	}
	if v < lo || v > hi {
		r(n, fmt.Sprintf("%s: want an integer in %d..%d, got %s", name, lo, hi, n.Value))
		return 0, false
	}
	return v, true
}

// floatVal decodes a number for which in holds; span names that range.
func floatVal(r report, name string, n *yaml.Node, in func(float64) bool, span string) (float64, bool) {
	n = deref(n)
	var v float64
	if !scalarTag(n, "!!int", "!!float") || n.Decode(&v) != nil {
		r(n, fmt.Sprintf("%s: want a number, got %s", name, describe(n)))
		return 0, false
	}
	if !in(v) {
		r(n, fmt.Sprintf("%s: want a number in %s, got %s", name, span, n.Value))
		return 0, false
	}
	return v, true
}

// MaxDuration bounds every duration of a spec (latencies, hold, every,
// busy_backoff, timeout) and every latency scaled by -time-scale: far past
// any benchmark, far below where nanosecond arithmetic overflows.
const MaxDuration = 24 * time.Hour

// fmtDur formats d without the zero units time.Duration prints (24h, not
// 24h0m0s).
func fmtDur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func durVal(r report, name string, n *yaml.Node) (time.Duration, bool) {
	n = deref(n)
	if !scalarTag(n, "!!str") {
		r(n, fmt.Sprintf("%s: want a duration such as 50ms, got %s", name, describe(n)))
		return 0, false
	}
	d, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if _, ferr := strconv.ParseFloat(strings.TrimSpace(n.Value), 64); err != nil || ferr == nil {
		r(n, fmt.Sprintf("%s: want a duration such as 50ms, got %s", name, describe(n)))
		return 0, false
	}
	if d < 0 {
		r(n, fmt.Sprintf("%s: want a duration >= 0, got %s", name, describe(n)))
		return 0, false
	}
	if d > MaxDuration {
		r(n, fmt.Sprintf("%s: want a duration of at most %s, got %s", name, fmtDur(MaxDuration), describe(n)))
		return 0, false
	}
	return d, true
}

// strVal decodes any non-null scalar as the text written.
func strVal(r report, name string, n *yaml.Node) (string, bool) {
	n = deref(n)
	if isNull(n) || n.Kind != yaml.ScalarNode {
		r(n, fmt.Sprintf("%s: want a string, got %s", name, describe(n)))
		return "", false
	}
	return n.Value, true
}

func enumVal(r report, name string, n *yaml.Node, allowed []string) (string, bool) {
	s, ok := strVal(r, name, n)
	if !ok {
		return "", false
	}
	if !slices.Contains(allowed, s) {
		r(deref(n), name+": "+unknownValue("value", s, allowed))
		return "", false
	}
	return s, true
}

func boolVal(r report, name string, n *yaml.Node) (bool, bool) {
	n = deref(n)
	var v bool
	if !scalarTag(n, "!!bool") || n.Decode(&v) != nil {
		r(n, fmt.Sprintf("%s: want true or false, got %s", name, describe(n)))
		return false, false
	}
	return v, true
}

// strList decodes a string or a list of strings.
func strList(r report, name string, n *yaml.Node) ([]string, bool) {
	n = deref(n)
	switch {
	case n.Kind == yaml.ScalarNode && !isNull(n):
		return []string{n.Value}, true
	case n.Kind == yaml.SequenceNode:
		out := []string{}
		ok := true
		for _, it := range n.Content {
			s, sok := strVal(r, name, it)
			ok = ok && sok
			out = append(out, s)
		}
		return out, ok
	}
	r(n, fmt.Sprintf("%s: want a string or a list of strings, got %s", name, describe(n)))
	return nil, false
}
