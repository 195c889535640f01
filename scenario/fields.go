package scenario

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/scenrun/scenrun/fsm"
	"gopkg.in/yaml.v3"
)

// runField is one field of a run's configuration: how to decode it into a
// Config, and whether a matrix may vary it.
type runField struct {
	name   string
	set    func(p *parser, r report, n *yaml.Node, c *Config)
	matrix bool
}

func intField(name string, lo, hi int64, dst func(*Config) *int) runField {
	return runField{name: name, matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := intVal(r, name, n, lo, hi); ok {
			*dst(c) = int(v)
		}
	}}
}

func enumField(name string, allowed []string, dst func(*Config) *string) runField {
	return runField{name: name, matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := enumVal(r, name, n, allowed); ok {
			*dst(c) = v
		}
	}}
}

// runFields are the fields of defaults, of a run and of a matrix, in the
// order they are listed in messages.
var runFields = []runField{
	intField("files", 1, 100_000_000, func(c *Config) *int { return &c.Files }),
	intField("concurrency", 1, 100_000, func(c *Config) *int { return &c.Concurrency }),
	{name: "profile", matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := p.profileName(r, n); ok {
			c.Profile = v
		}
	}},
	enumField("connection", Connections, func(c *Config) *string { return &c.Connection }),
	intField("pool_size", 1, 1024, func(c *Config) *int { return &c.PoolSize }),
	intField("batch_size", 1, 1_000_000, func(c *Config) *int { return &c.BatchSize }),
	enumField("txlock", TxLocks, func(c *Config) *string { return &c.TxLock }),
	{name: "pragmas", set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if ps, ok := p.pragmas(r, n); ok {
			c.Pragmas = mergePragmas(c.Pragmas, ps)
		}
	}},
	intField("repeat", 1, 10_000, func(c *Config) *int { return &c.Repeat }),
	intField("warmup", 0, 10_000, func(c *Config) *int { return &c.Warmup }),
	{name: "seed", matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := intVal(r, "seed", n, math.MinInt64, math.MaxInt64); ok {
			c.Seed = v
		}
	}},
	intField("retries", 0, 100, func(c *Config) *int { return &c.Retries }),
	{name: "timeout", matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := durVal(r, "timeout", n); ok {
			c.Timeout = v
		}
	}},
	{name: "keep_db", matrix: true, set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := boolVal(r, "keep_db", n); ok {
			c.KeepDB = v
		}
	}},
	{name: "setup_sql", set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := strList(r, "setup_sql", n); ok {
			c.SetupSQL = v
		}
	}},
	{name: "connect_sql", set: func(p *parser, r report, n *yaml.Node, c *Config) {
		if v, ok := strList(r, "connect_sql", n); ok {
			c.ConnectSQL = v
		}
	}},
	intField("processes", 1, 64, func(c *Config) *int { return &c.Processes }),
}

func findField(name string) *runField {
	for i := range runFields {
		if runFields[i].name == name {
			return &runFields[i]
		}
	}
	return nil
}

func fieldNames(matrixOnly bool) []string {
	var out []string
	for _, f := range runFields {
		if f.matrix || !matrixOnly {
			out = append(out, f.name)
		}
	}
	return out
}

var pragmaNameRE = regexp.MustCompile(`^[a-z_]+$`)

// pragmas decodes a mapping of pragma names to scalar values, in order.
func (p *parser) pragmas(r report, n *yaml.Node) ([]fsm.Pragma, bool) {
	m := deref(n)
	if m.Kind != yaml.MappingNode {
		r(m, "pragmas: want a mapping of pragma names to values, got "+describe(m))
		return nil, false
	}
	ok := true
	var out []fsm.Pragma
	for _, kv := range p.pairs(r, m, true) {
		if !pragmaNameRE.MatchString(kv.name) {
			r(kv.key, fmt.Sprintf(`pragmas: bad pragma name %s (want letters and "_")`, quote(kv.key.Value)))
			ok = false
			continue
		}
		v := deref(kv.val)
		if isNull(v) || v.Kind != yaml.ScalarNode {
			r(v, fmt.Sprintf("pragmas: %s: want a value, got %s", kv.name, describe(v)))
			ok = false
			continue
		}
		out = append(out, fsm.Pragma{Name: kv.name, Value: v.Value})
	}
	return out, ok
}

// mergePragmas lays over on top of base: a pragma in both keeps its place in
// base and takes the value from over; the rest of over is appended.
func mergePragmas(base, over []fsm.Pragma) []fsm.Pragma {
	out := slices.Clone(base)
	for _, o := range over {
		i := slices.IndexFunc(out, func(b fsm.Pragma) bool { return b.Name == o.Name })
		if i >= 0 {
			out[i].Value = o.Value
		} else {
			out = append(out, o)
		}
	}
	return out
}

// profileName decodes a reference to a profile.
func (p *parser) profileName(r report, n *yaml.Node) (string, bool) {
	s, ok := strVal(r, "profile", n)
	if !ok {
		return "", false
	}
	if _, ok := p.profiles[s]; !ok {
		r(deref(n), "profile: "+unknownValue("profile", s, p.profileNames()))
		return "", false
	}
	return s, true
}

func (p *parser) profileNames() []string {
	var names []string
	for n := range p.profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// config decodes the run fields of mapping m over c; skip names the keys
// that the caller handles itself. context names the mapping in messages.
func (p *parser) config(r report, m *yaml.Node, c *Config, context string, skip ...string) {
	allowed := append(slices.Clone(skip), fieldNames(false)...)
	for _, kv := range p.pairs(r, m, false) {
		if slices.Contains(skip, kv.name) {
			continue
		}
		f := findField(kv.name)
		if f == nil {
			unknownField(r, kv.key, context, allowed)
			continue
		}
		f.set(p, r, kv.val, c)
	}
}

// setOp is one valid -set override.
type setOp struct {
	field  *runField
	pragma string // for pragmas.NAME
	val    *yaml.Node
}

func (o setOp) apply(p *parser, c *Config) {
	if o.field == nil {
		c.Pragmas = mergePragmas(c.Pragmas, []fsm.Pragma{{Name: o.pragma, Value: o.val.Value}})
		return
	}
	o.field.set(p, silent, o.val, c)
}

// parseSet checks one "key=value" override against c.
func (p *parser) parseSet(s string, c Config) (setOp, bool) {
	bad := false
	r := func(_ *yaml.Node, msg string) {
		p.errs = append(p.errs, &Error{Msg: "-set " + s + ": " + msg})
		bad = true
	}
	key, value, found := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !found || key == "" {
		r(nil, "want key=value")
		return setOp{}, false
	}
	if name, ok := strings.CutPrefix(key, "pragmas."); ok {
		name = strings.ToLower(name)
		if !pragmaNameRE.MatchString(name) {
			r(nil, fmt.Sprintf(`bad pragma name %s (want letters and "_")`, quote(name)))
			return setOp{}, false
		}
		v := setValue(value, false)
		if isNull(v) || v.Kind != yaml.ScalarNode {
			r(nil, fmt.Sprintf("pragmas: %s: want a value, got %s", name, describe(v)))
			return setOp{}, false
		}
		return setOp{pragma: name, val: v}, true
	}
	if key == "pragmas" {
		r(nil, "set one pragma at a time, as pragmas.NAME=VALUE")
		return setOp{}, false
	}
	f := findField(key)
	if f == nil {
		unknownField(r, &yaml.Node{Value: key}, "", append(fieldNames(false), "pragmas.NAME"))
		return setOp{}, false
	}
	v := setValue(value, f.name == "setup_sql" || f.name == "connect_sql")
	f.set(p, r, v, &c)
	return setOp{field: f, val: v}, !bad
}

// setValue reads a -set value as a YAML scalar (or, for a list field, a
// list); anything else is taken as the string written.
func setValue(s string, list bool) *yaml.Node {
	if strings.TrimSpace(s) == "" {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	if doc, err := decodeYAML([]byte(s)); err == nil && doc != nil && len(doc.Content) == 1 {
		n := doc.Content[0]
		if n.Kind == yaml.ScalarNode || (list && n.Kind == yaml.SequenceNode) {
			return n
		}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}
