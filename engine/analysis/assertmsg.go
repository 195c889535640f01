package analysis

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"

	"github.com/scenrun/scenrun/fsm"
	"github.com/scenrun/scenrun/scenario"
)

// exprFields lists the names an expression may read on a value of type t:
// its expr tags, with the fields of embedded structs promoted, as expr-lang
// resolves them.
func exprFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if name := f.Tag.Get("expr"); name != "" {
			out = append(out, name)
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, exprFields(f.Type)...)
		}
	}
	return out
}

// A resultType is a struct type of the results model that an assertion can
// reach, with the words messages use for it: an assertion's author knows
// runs, segments and trials, not the Go types (nor the package) holding them.
type resultType struct {
	t    reflect.Type
	what string // the subject of "… has no field x": "a run"
	noun string // the type in expr's own messages: "expected bool, but got run"
}

// resultTypes are every struct type reachable from a run's result
// (TestResultTypesCovered keeps the list complete).
func resultTypes() []resultType {
	return []resultType{
		{runType, "a run", "run"},
		{reflect.TypeFor[RunConfig](), "a run's config", "config"},
		{reflect.TypeFor[Segments](), "a run's segments", "segments"},
		{statType, "a segment", "segment"},
		{reflect.TypeFor[Measurement](), "a trial", "trial"},
		{reflect.TypeFor[BatchStats](), "a run's batches", "batches"},
		{reflect.TypeFor[fsm.Pragma](), "a pragma", "pragma"},
		{reflect.TypeFor[Interval](), "an interval", "interval"},
		{reflect.TypeFor[LatencyCDF](), "a run's latency_cdf", "latency_cdf"},
		{reflect.TypeFor[Throughput](), "a run's throughput", "throughput"},
		{reflect.TypeFor[Reads](), "a run's reads", "reads"},
		{reflect.TypeFor[Outlier](), "an outlier", "outlier"},
		{reflect.TypeFor[AutoRepeat](), "a run's auto_repeat", "auto_repeat"},
	}
}

// explainCompileError rewrites expr-lang's compile error fe of the
// assertion src, compiled with opts, into the spec's terms. What the error
// is about is read from the type-checked tree, not from the message: the
// node at the error's location is either a name the environment does not
// have or a member its receiver's type does not have; the message then says
// what the name is, what was probably meant, and what is allowed.
//
// prevRuns are the -baseline file's runs, nil without -baseline.
func explainCompileError(src string, fe *file.Error, opts []expr.Option, spec *scenario.Spec, prevRuns []string) string {
	withPrev := prevRuns != nil
	tree, config := checkedTree(src, opts)
	if tree == nil {
		return explainMessage(fe.Message)
	}
	known := func(name string) bool {
		_, isFunc := config.Functions[name]
		_, isBuiltin := config.Builtins[name]
		_, inEnv := config.Env.Get(&config.NtCache, name)
		return isFunc || isBuiltin || inEnv
	}
	var declared []string // let variables
	ast.Find(tree.Node, func(n ast.Node) bool {
		if d, ok := n.(*ast.VariableDeclaratorNode); ok {
			declared = append(declared, d.Name)
		}
		return false
	})
	var msg string
	ast.Find(tree.Node, func(n ast.Node) bool {
		// prev.x and prev["x"]: the error is at the run's name.
		if m, ok := n.(*ast.MemberNode); ok && msg == "" && withPrev {
			id, isID := m.Node.(*ast.IdentifierNode)
			prop, isStr := m.Property.(*ast.StringNode)
			if isID && id.Value == "prev" && isStr && !slices.Contains(prevRuns, prop.Value) &&
				(m.Location() == fe.Location || prop.Location() == fe.Location) {
				msg = unknownPrevRun(prop.Value, prevRuns)
				return true
			}
		}
		if msg != "" || n.Location() != fe.Location {
			return false
		}
		switch n := n.(type) {
		case *ast.IdentifierNode:
			if n.Value != "$env" && !known(n.Value) && !slices.Contains(declared, n.Value) {
				msg = unknownName(n.Value, spec, withPrev)
			}
		case *ast.MemberNode:
			prop, ok := n.Property.(*ast.StringNode)
			if !ok || n.Method {
				break
			}
			if id, ok := n.Node.(*ast.IdentifierNode); ok && id.Value == "$env" {
				if !known(prop.Value) {
					msg = unknownName(prop.Value, spec, withPrev)
				}
				break
			}
			msg = unknownField(n.Node.Nature().Type, prop.Value)
		}
		return msg != ""
	})
	if msg != "" {
		return msg
	}
	return explainMessage(fe.Message)
}

// checkedTree parses and type-checks src as expr.Compile does with opts,
// returning the tree, its nodes annotated with their types as far as the
// checker got, even when it found an error; nil if src does not parse.
func checkedTree(src string, opts []expr.Option) (*parser.Tree, *conf.Config) {
	config := conf.CreateNew()
	for _, op := range opts {
		op(config)
	}
	config.Check()
	tree, _ := checker.ParseCheck(src, config)
	return tree, config
}

// unknownPrevRun explains prev.<name> for a run the -baseline file does
// not have.
func unknownPrevRun(name string, prevRuns []string) string {
	msg := "prev has no run " + name
	if s := scenario.Suggest(name, prevRuns); s != "" {
		msg += ", did you mean " + s + "?"
	}
	all := prevRuns
	const show = 20
	if len(all) > show {
		all = append(slices.Clone(all[:show]), "…")
	}
	if len(all) == 0 {
		return msg + " (the -baseline file has no runs)"
	}
	return msg + " (the -baseline file's runs: " + strings.Join(all, ", ") + ")"
}

// unknownName explains a name the assertion environment does not have.
func unknownName(name string, spec *scenario.Spec, withPrev bool) string {
	if name == "prev" && !withPrev {
		return "unknown name prev: prev holds an earlier results file's runs and needs -baseline FILE"
	}
	var idents, others []string
	for _, r := range spec.Runs {
		if identRE.MatchString(r.Name) && !slices.Contains(reserved, r.Name) {
			idents = append(idents, r.Name)
		} else {
			others = append(others, r.Name)
		}
	}
	for _, o := range others {
		if strings.HasPrefix(o, name) && len(o) > len(name) && !identRE.MatchString(o[:len(name)+1]) {
			return fmt.Sprintf("unknown name %s: the run %q is not an identifier; write run(%q)", name, o, o)
		}
	}
	names := append(append([]string{}, idents...), "runs", "run", "files", "delta_pct", "lower")
	if withPrev {
		names = append(names, "prev")
	}
	if s := scenario.Suggest(name, names); s != "" {
		return fmt.Sprintf("unknown name %s, did you mean %s?", name, s)
	}
	return fmt.Sprintf("unknown name %s (runs: %s; functions: run, delta_pct, lower; also runs, files)", name, strings.Join(runNames(spec), ", "))
}

// unknownField explains a field name that a value of type t (a pointer to
// it, or not a result type: "" then) does not have.
func unknownField(t reflect.Type, name string) string {
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	i := slices.IndexFunc(resultTypes(), func(r resultType) bool { return r.t == t })
	if i < 0 {
		return ""
	}
	what, fields := resultTypes()[i].what, exprFields(t)
	if slices.Contains(fields, name) {
		return "" // not what the error is about
	}
	if t == statType {
		if s := scenario.Suggest(name, fields); s != "" {
			return fmt.Sprintf("a segment has no stat %s, did you mean %s?", name, s)
		}
		return fmt.Sprintf("a segment has no stat %s (allowed: %s)", name, strings.Join(fields, ", "))
	}
	s := scenario.Suggest(name, fields)
	if s == "" {
		for _, f := range fields {
			if strings.HasPrefix(f, name) {
				s = f
				break
			}
		}
	}
	if s != "" {
		return fmt.Sprintf("%s has no field %s, did you mean %s?", what, name, s)
	}
	if len(fields) > 0 && len(fields) <= 12 {
		return fmt.Sprintf("%s has no field %s (allowed: %s)", what, name, strings.Join(fields, ", "))
	}
	return fmt.Sprintf("%s has no field %s", what, name)
}

// explainMessage is one of expr-lang's other messages with each result
// type named as the spec names it ("expected bool, but got segment"), not
// by its Go name, which would change with the package holding it.
func explainMessage(msg string) string {
	msg = strings.TrimSpace(msg)
	types := resultTypes()
	// Longest Go name first, so that no name is replaced inside a longer one.
	slices.SortFunc(types, func(a, b resultType) int { return len(b.t.String()) - len(a.t.String()) })
	for _, r := range types {
		msg = strings.ReplaceAll(msg, r.t.String(), r.noun)
	}
	return msg
}

func runNames(spec *scenario.Spec) []string {
	out := make([]string, 0, len(spec.Runs))
	for _, r := range spec.Runs {
		out = append(out, r.Name)
	}
	return out
}
