package analysis

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"github.com/expr-lang/expr/vm/runtime"

	"github.com/scenrun/scenrun/scenario"
)

// An assertion is a compiled, type-checked assertion of a spec.
type assertion struct {
	spec    scenario.Assertion
	prog    *vm.Program
	names   []string // runs it names, directly or through run("…")
	allRuns bool     // it reads `runs`
}

// reserved are the names of the assertion environment; a run with one of
// these names is reachable only through run("…").
var reserved = []string{"runs", "run", "files", "delta_pct", "lower", "prev", "_stat"}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

var (
	statType = reflect.TypeOf(Stat{})
	runType  = reflect.TypeOf(RunResult{})
)

// evalState carries what one evaluation learned besides its value: the
// runs' results and the explanations lower() gave. Each evaluation has its
// own, so that a compiled *Assertions can be evaluated twice at once.
type evalState struct {
	runs    map[string]*RunResult
	gate    scenario.Gate
	reasons []string
	gates   []GateVerdict
}

// run is run(name) of the environment.
func (st *evalState) run(name string) (RunResult, error) {
	r, ok := st.runs[name]
	if !ok {
		return RunResult{}, fmt.Errorf("run %q has no results", name)
	}
	return *r, nil
}

// lowerFunc is lower(a, b, segment, stat) of the environment.
func (st *evalState) lowerFunc(a, b RunResult, seg, stat string) (bool, error) {
	return st.lower(&a, &b, seg, stat)
}

// env builds the assertion environment of one evaluation's state. At
// compile time (st.runs holds zero results) it gives every name its type;
// at run time, the values. run() and lower() are values of the environment,
// not expr.Functions: expr binds the functions given to Compile into the
// program, but reads the environment afresh on every run, so each
// evaluation's functions see its own state.
//
// prevRuns are the runs of the -baseline file (nil without one), and prev
// their results (nil at compile time).
func env(spec *scenario.Spec, st *evalState, results []RunResult, prevRuns []string, prev map[string]RunResult) map[string]any {
	e := map[string]any{"runs": results, "files": spec.Defaults.Files, "run": st.run, "lower": st.lowerFunc}
	for _, r := range spec.Runs {
		if !identRE.MatchString(r.Name) || slices.Contains(reserved, r.Name) {
			continue
		}
		if res, ok := st.runs[r.Name]; ok {
			e[r.Name] = *res
		} else {
			e[r.Name] = RunResult{}
		}
	}
	if prevRuns != nil {
		e["prev"] = prevValue(prevRuns, prev)
	}
	return e
}

// prevValue is prev of the environment: a struct with a run's result for
// each of names (expr tags name the fields as the runs), so that the
// checker knows exactly which runs prev has and prev.<other> is a spec
// error, not a zero run. The same names give the same type, at compile
// time and at run time.
func prevValue(names []string, runs map[string]RunResult) any {
	fields := make([]reflect.StructField, len(names))
	for i, n := range names {
		fields[i] = reflect.StructField{Name: "R" + strconv.Itoa(i), Type: runType, Tag: reflect.StructTag("expr:" + strconv.Quote(n))}
	}
	v := reflect.New(reflect.StructOf(fields)).Elem()
	for i, n := range names {
		if r, ok := runs[n]; ok {
			v.Field(i).Set(reflect.ValueOf(r))
		}
	}
	return v.Interface()
}

// prevNames are the distinct run names of a -baseline file, sorted; nil
// without one.
func prevNames(prev *Results) []string {
	if prev == nil {
		return nil
	}
	names := []string{}
	for _, r := range prev.Runs {
		if r.Name != "" && !slices.Contains(names, r.Name) {
			names = append(names, r.Name)
		}
	}
	slices.Sort(names)
	return names
}

// options are the expr options shared by compiling and evaluating: the
// environment, the stateless functions and the patch that routes every read
// of a stat through _stat, which fails on a stat with no samples instead of
// comparing a zero.
func options(e map[string]any) []expr.Option {
	return append(checkOptions(e), expr.Patch(statPatch{}))
}

// checkOptions are options without the patch. expr type-checks a patched
// tree twice and the second pass takes a call's type from the first
// without visiting its arguments again, so an unknown name inside a call
// (lower(nope, b, …)) would go unreported: assertions are checked
// unpatched first.
func checkOptions(e map[string]any) []expr.Option {
	return []expr.Option{
		expr.Env(e),
		expr.Function("delta_pct", func(args ...any) (any, error) {
			return deltaPct(toFloat(args[0]), toFloat(args[1])), nil
		}, new(func(float64, float64) float64)),
		expr.Function("_stat", func(args ...any) (any, error) {
			s, name, src := args[0].(Stat), args[1].(string), args[2].(string)
			if s.Count == 0 {
				return nil, fmt.Errorf("%s has no samples", src)
			}
			v, _ := s.Get(name)
			return v, nil
		}, new(func(Stat, string, string) float64)),
		expr.Function("_field", fieldOf, new(func(any, any, string, bool) any)),
		expr.Function("_value", func(args ...any) (any, error) {
			if s, ok := asStat(args[0]); ok && s.Count == 0 {
				return nil, fmt.Errorf("%s is a segment with no samples", args[1].(string))
			}
			return args[0], nil
		}, new(func(any, string) any)),
	}
}

// asStat is v as a Stat, if it is one.
func asStat(v any) (Stat, bool) {
	switch s := v.(type) {
	case Stat:
		return s, true
	case *Stat:
		if s != nil {
			return *s, true
		}
	}
	return Stat{}, false
}

// fieldOf is _field(base, prop, src, optional): base[prop] (base.prop) for a
// base whose type is known only at run time, failing on a stat of a
// segment with no samples as _stat does. optional (?. and get()) gives nil
// where expr would fail.
func fieldOf(args ...any) (v any, err error) {
	base, prop, src, optional := args[0], args[1], args[2].(string), args[3].(bool)
	if s, ok := asStat(base); ok {
		if name, isStr := prop.(string); isStr && name != "count" {
			if _, known := s.Get(name); known && s.Count == 0 {
				return nil, fmt.Errorf("%s has no samples", src)
			}
		}
	}
	if base == nil {
		if optional {
			return nil, nil
		}
		return nil, fmt.Errorf("cannot fetch %v from nil", prop)
	}
	defer func() {
		if r := recover(); r != nil {
			if optional {
				v, err = nil, nil
				return
			}
			v, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return runtime.Fetch(base, prop), nil
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	}
	return math.NaN()
}

// statPatch routes every read of a stat through a function that fails on a
// segment with no samples, whatever the shape of the expression: X.p95 (X
// a Stat) becomes _stat(X, "p95", "X.p95"); a member or get() of a value
// whose type is known only at run time (a map literal's value, a closure's
// element) becomes _field, which checks at run time; and a Stat, or a value
// of unknown type, used whole (compared, converted, passed to a function)
// goes through _value, which fails on a Stat with no samples.
type statPatch struct{}

func (statPatch) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		if n.Method {
			return
		}
		if id, ok := n.Node.(*ast.IdentifierNode); ok && id.Value == "$env" {
			return
		}
		t := n.Node.Type()
		prop, isStr := n.Property.(*ast.StringNode)
		switch {
		case t == statType && isStr:
			if prop.Value == "count" {
				return
			}
			if _, ok := (Stat{}).Get(prop.Value); !ok {
				return
			}
			patchCall(node, "_stat", reflect.TypeOf(float64(0)), n.Node, &ast.StringNode{Value: prop.Value}, &ast.StringNode{Value: sourceOf(n)})
		case t == statType || unknownType(t):
			patchCall(node, "_field", nil, n.Node, n.Property, &ast.StringNode{Value: sourceOf(n)}, &ast.BoolNode{Value: n.Optional})
		}
	case *ast.BuiltinNode:
		if n.Name == "get" && len(n.Arguments) == 2 {
			if t := n.Arguments[0].Type(); t == statType || unknownType(t) {
				patchCall(node, "_field", nil, n.Arguments[0], n.Arguments[1], &ast.StringNode{Value: sourceOf(n)}, &ast.BoolNode{Value: true})
				return
			}
		}
		for i := range n.Arguments {
			wrapValue(&n.Arguments[i])
		}
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && strings.HasPrefix(id.Value, "_") {
			return
		}
		for i := range n.Arguments {
			wrapValue(&n.Arguments[i])
		}
	case *ast.BinaryNode:
		wrapValue(&n.Left)
		wrapValue(&n.Right)
	case *ast.UnaryNode:
		wrapValue(&n.Node)
	}
}

// unknownType reports whether a node of type t has a type known only at
// run time.
func unknownType(t reflect.Type) bool { return t == nil || t.Kind() == reflect.Interface }

// wrapValue routes the value of *node through _value when it may be a
// Stat used whole.
func wrapValue(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.PredicateNode, *ast.NilNode:
		return
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && id.Value == "_value" {
			return
		}
	}
	if t := (*node).Type(); t == statType || unknownType(t) {
		*node = &ast.CallNode{Callee: &ast.IdentifierNode{Value: "_value"}, Arguments: []ast.Node{*node, &ast.StringNode{Value: sourceOf(*node)}}}
	}
}

// patched are the functions statPatch calls, with the index of the
// argument that holds the source text they replaced.
var patched = map[string]int{"_stat": 2, "_field": 2, "_value": 1}

// sourceOf is n as written: n.String() with the calls statPatch put in
// its subtree (children are patched first) replaced by the text they
// replaced.
func sourceOf(n ast.Node) string {
	s := n.String()
	type repl struct{ from, to string }
	var rs []repl
	ast.Find(n, func(c ast.Node) bool {
		call, ok := c.(*ast.CallNode)
		if !ok {
			return false
		}
		id, ok := call.Callee.(*ast.IdentifierNode)
		if !ok {
			return false
		}
		if i, ok := patched[id.Value]; ok && i < len(call.Arguments) {
			if src, ok := call.Arguments[i].(*ast.StringNode); ok {
				rs = append(rs, repl{call.String(), src.Value})
			}
		}
		return false
	})
	// Outermost first: an outer call's text holds its inner calls'.
	slices.SortStableFunc(rs, func(a, b repl) int { return len(b.from) - len(a.from) })
	for _, r := range rs {
		s = strings.ReplaceAll(s, r.from, r.to)
	}
	return s
}

// patchCall replaces *node with a call of fn on args, of type t (nil: the
// function's).
func patchCall(node *ast.Node, fn string, t reflect.Type, args ...ast.Node) {
	ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: args})
	if t != nil {
		(*node).SetType(t)
	}
}

// Assertions are a spec's assertions, compiled and type-checked: nothing
// runs with a bad one.
type Assertions struct {
	spec     *scenario.Spec
	list     []assertion
	gates    []Gate   // the lower() calls that name their runs and segment literally
	prevRuns []string // the -baseline file's runs, nil without one
}

// CompileAssertions compiles and type-checks every assertion of spec,
// returning every problem with its position in the spec file (a
// scenario.Errors). prev is the -baseline file's results, nil without one:
// `prev` is defined only with it, and holds exactly its runs.
func CompileAssertions(spec *scenario.Spec, prev *Results) (*Assertions, error) {
	st := &evalState{runs: map[string]*RunResult{}, gate: spec.Gate}
	prevRuns := prevNames(prev)
	e := env(spec, st, nil, prevRuns, nil)
	names := map[string]bool{}
	for _, r := range spec.Runs {
		names[r.Name] = true
	}
	var errs scenario.Errors
	var out []assertion
	var gates []Gate
	for _, a := range spec.Assertions {
		if !a.Sound() {
			continue // a draft's assertion with an error of its own
		}
		fail := func(line, col int, msg string) {
			errs = append(errs, &scenario.Error{File: spec.File, Pos: a.PosOf(line, col), Msg: fmt.Sprintf("assertion %q: %s", a.Name, msg)})
		}
		opts := append(checkOptions(e), expr.AsBool())
		_, err := expr.Compile(a.Expr, opts...)
		var prog *vm.Program
		if err == nil {
			prog, err = expr.Compile(a.Expr, append(options(e), expr.AsBool())...)
		}
		if err != nil {
			var fe *file.Error
			if ok := asFileError(err, &fe); ok {
				msg := explainCompileError(a.Expr, fe, opts, spec, prevRuns)
				if prevRuns != nil {
					msg = strings.ReplaceAll(msg, reflect.TypeOf(e["prev"]).String(), "prev")
				}
				fail(max(fe.Line, 1), fe.Column, msg)
			} else {
				fail(1, 0, explainMessage(err.Error()))
			}
			continue
		}
		c := assertion{spec: a, prog: prog}
		ok := true
		ast.Find(prog.Node(), func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.IdentifierNode:
				if names[n.Value] && !slices.Contains(c.names, n.Value) {
					c.names = append(c.names, n.Value)
				}
				if n.Value == "runs" {
					c.allRuns = true
				}
			case *ast.CallNode:
				id, isID := n.Callee.(*ast.IdentifierNode)
				if !isID {
					break
				}
				switch id.Value {
				case "run":
					if s, isStr := n.Arguments[0].(*ast.StringNode); isStr {
						if !names[s.Value] {
							line, col := offsetPos(a.Expr, s.Location().From)
							fail(line, col, fmt.Sprintf("run(%q): no run of that name%s", s.Value, suggestRun(s.Value, spec)))
							ok = false
						} else if !slices.Contains(c.names, s.Value) {
							c.names = append(c.names, s.Value)
						}
					}
				case "lower":
					if g, literal := literalGate(n, names); literal && !slices.Contains(gates, g) {
						gates = append(gates, g)
					}
					for i, allowed := range [][]string{scenario.Segments, scenario.Stats} {
						if s, isStr := n.Arguments[2+i].(*ast.StringNode); isStr && !slices.Contains(allowed, s.Value) {
							line, col := offsetPos(a.Expr, s.Location().From)
							fail(line, col, fmt.Sprintf("lower: unknown %s %q (allowed: %s)", []string{"segment", "stat"}[i], s.Value, strings.Join(allowed, ", ")))
							ok = false
						}
					}
				}
			}
			return false
		})
		if ok {
			out = append(out, c)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &Assertions{spec: spec, list: out, gates: gates, prevRuns: prevRuns}, nil
}

// literalGate is a lower() call whose runs (by name or run("…")) and
// segment and stat are written literally; runs of -baseline (prev.…) are
// not the runner's to schedule.
func literalGate(n *ast.CallNode, names map[string]bool) (Gate, bool) {
	if len(n.Arguments) != 4 {
		return Gate{}, false
	}
	var run [2]string
	for i := range 2 {
		switch a := n.Arguments[i].(type) {
		case *ast.IdentifierNode:
			run[i] = a.Value
		case *ast.CallNode:
			id, ok := a.Callee.(*ast.IdentifierNode)
			if !ok || id.Value != "run" || len(a.Arguments) != 1 {
				return Gate{}, false
			}
			s, ok := a.Arguments[0].(*ast.StringNode)
			if !ok {
				return Gate{}, false
			}
			run[i] = s.Value
		}
		if !names[run[i]] {
			return Gate{}, false
		}
	}
	seg, ok1 := n.Arguments[2].(*ast.StringNode)
	stat, ok2 := n.Arguments[3].(*ast.StringNode)
	if !ok1 || !ok2 {
		return Gate{}, false
	}
	return Gate{A: run[0], B: run[1], Segment: seg.Value, Stat: stat.Value}, true
}

func asFileError(err error, target **file.Error) bool {
	fe, ok := err.(*file.Error)
	if ok {
		*target = fe
	}
	return ok
}

// offsetPos turns a rune offset into src into a 1-based line and a 0-based
// column, as expr reports them.
func offsetPos(src string, offset int) (line, col int) {
	line = 1
	for i, r := range []rune(src) {
		if i == offset {
			break
		}
		if r == '\n' {
			line++
			col = 0
		} else {
			col++
		}
	}
	return line, col
}

func suggestRun(name string, spec *scenario.Spec) string {
	all := runNames(spec)
	if s := scenario.Suggest(name, all); s != "" {
		return fmt.Sprintf(", did you mean %q?", s)
	}
	return " (runs: " + strings.Join(all, ", ") + ")"
}

// evaluate runs every assertion over the results. An assertion that names a
// run -run left out is skipped; one that names a run with no results fails.
func (c *Assertions) evaluate(results []RunResult, skipped map[string]bool, prev map[string]RunResult) []AssertionResult {
	spec, as := c.spec, c.list
	if len(as) == 0 {
		return []AssertionResult{}
	}
	st := &evalState{runs: map[string]*RunResult{}, gate: spec.Gate}
	for i := range results {
		st.runs[results[i].Name] = &results[i]
	}
	e := env(spec, st, results, c.prevRuns, prev)
	var out []AssertionResult
	for _, a := range as {
		r := AssertionResult{Name: a.spec.Name, Expr: a.spec.Expr}
		var missing, left []string
		for _, n := range a.names {
			switch {
			case skipped[n]:
				left = append(left, n)
			case st.runs[n] == nil:
				missing = append(missing, n)
			}
		}
		switch {
		case len(left) > 0:
			r.Skipped = true
			r.Detail = "skipped: -run left out " + strings.Join(left, ", ")
		case len(missing) > 0:
			r.Detail = "no results for " + strings.Join(missing, ", ")
		default:
			st.reasons, st.gates = st.reasons[:0], nil
			v, err := expr.Run(a.prog, e)
			r.Gates = st.gates
			switch {
			case err != nil:
				r.Detail = "error: " + cleanErr(err)
			default:
				r.Passed, _ = v.(bool)
				r.Detail = explain(a.spec.Expr, e, r.Passed)
				if len(st.reasons) > 0 {
					r.Detail = strings.TrimPrefix(r.Detail+"; "+strings.Join(st.reasons, "; "), "; ")
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// cleanErr is expr's runtime error without its source snippet.
func cleanErr(err error) string {
	s := err.Error()
	if i := strings.Index(s, " (1:"); i > 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "\n"); i > 0 {
		s = s[:i]
	}
	return s
}

var comparisonOps = []string{"<", "<=", ">", ">=", "==", "!="}

// explain shows the values an expression compared: each comparison outside
// a predicate as `left op right: lv op rv`, and for all/any/none/one over the
// runs, the runs the predicate was false for. When the assertion failed,
// the runs that made all/any/none/one fail follow, each with the values its
// predicate compared (`.indexed == .files false for ["baseline"]:
// baseline: 812 == 818`).
func explain(src string, e map[string]any, passed bool) string {
	tree, err := parser.Parse(src)
	if err != nil {
		return ""
	}
	run := func(src string) (any, bool) {
		p, err := expr.Compile(src, options(e)...)
		if err != nil {
			return nil, false
		}
		v, err := expr.Run(p, e)
		if err != nil {
			return nil, false
		}
		return v, true
	}
	value := func(n ast.Node) (string, bool) {
		v, ok := run(n.String())
		if !ok {
			return "", false
		}
		return formatValue(v), true
	}
	var parts []string
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		switch n := n.(type) {
		case *ast.BinaryNode:
			if slices.Contains(comparisonOps, n.Operator) {
				l, okL := value(n.Left)
				r, okR := value(n.Right)
				if okL && okR {
					parts = append(parts, fmt.Sprintf("%s %s %s: %s %s %s", n.Left, n.Operator, n.Right, l, n.Operator, r))
				}
				return
			}
			walk(n.Left)
			walk(n.Right)
		case *ast.UnaryNode:
			walk(n.Node)
		case *ast.ConditionalNode:
			walk(n.Cond)
		case *ast.BuiltinNode:
			if len(n.Arguments) == 2 && slices.Contains([]string{"all", "any", "none", "one"}, n.Name) {
				if pred, ok := n.Arguments[1].(*ast.PredicateNode); ok {
					if !passed {
						if d := explainFailing(n.Name, n.Arguments[0], pred.Node, run); d != "" {
							parts = append(parts, d)
							return
						}
					}
					q := fmt.Sprintf("map(filter(%s, !(%s)), .name)", n.Arguments[0], pred.Node)
					if v, ok := value(mustParse(q)); ok && v != "[]" {
						parts = append(parts, fmt.Sprintf("%s false for %s", pred.Node, v))
					}
				}
			}
		case *ast.CallNode:
			// lower() explains itself through evalState.reasons.
		}
	}
	walk(tree.Node)
	return strings.Join(parts, "; ")
}

// explainFailing explains a failed all/any/none/one(list, pred): the
// elements that made it fail — for all, those pred is false for; for any,
// every one (pred is false for each); for none and one, those it is true for
// (for one, every one when it is true for none) — each with the values the
// comparisons in pred compared for it. "" when the elements have no name or
// a value cannot be read: the caller falls back to the names alone.
func explainFailing(builtin string, list, pred ast.Node, run func(string) (any, bool)) string {
	var cmps []*ast.BinaryNode
	ast.Find(pred, func(n ast.Node) bool {
		if b, ok := n.(*ast.BinaryNode); ok && slices.Contains(comparisonOps, b.Operator) {
			cmps = append(cmps, b)
		}
		return false
	})
	sel, verdict := fmt.Sprintf("!(%s)", pred), "false"
	switch builtin {
	case "any":
		sel = "true"
	case "none":
		sel, verdict = fmt.Sprintf("(%s)", pred), "true"
	case "one":
		if v, ok := run(fmt.Sprintf("count(%s, %s)", list, pred)); ok && v == 0 {
			sel = "true"
		} else {
			sel, verdict = fmt.Sprintf("(%s)", pred), "true"
		}
	}
	row := []string{".name"}
	for _, c := range cmps {
		row = append(row, "("+c.Left.String()+")", "("+c.Right.String()+")")
	}
	v, ok := run(fmt.Sprintf("map(filter(%s, %s), [%s])", list, sel, strings.Join(row, ", ")))
	rows, isList := v.([]any)
	if !ok || !isList || len(rows) == 0 {
		return ""
	}
	names := make([]string, len(rows))
	each := make([]string, len(rows))
	for i, r := range rows {
		vals, _ := r.([]any)
		name, isName := vals[0].(string)
		if !isName {
			return ""
		}
		names[i] = strconv.Quote(name)
		var shown []string
		for j, c := range cmps {
			shown = append(shown, fmt.Sprintf("%s %s %s", formatValue(vals[1+2*j]), c.Operator, formatValue(vals[2+2*j])))
		}
		each[i] = name
		if len(shown) > 0 {
			each[i] += ": " + strings.Join(shown, ", ")
		}
	}
	return fmt.Sprintf("%s %s for [%s]: %s", pred, verdict, strings.Join(names, ", "), strings.Join(each, "; "))
}

func mustParse(src string) ast.Node {
	t, err := parser.Parse(src)
	if err != nil {
		return &ast.NilNode{}
	}
	return t.Node
}

// formatValue renders a value for a detail line.
func formatValue(v any) string {
	switch x := v.(type) {
	case float64:
		return formatDetail(x)
	case []any:
		s := make([]string, len(x))
		for i := range x {
			s[i] = formatValue(x[i])
		}
		return "[" + strings.Join(s, ", ") + "]"
	case string:
		return strconv.Quote(x)
	}
	// A figure that may be absent (wal_size_max_bytes outside WAL mode) is
	// a pointer: show its value, or null.
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "null"
		}
		return formatValue(rv.Elem().Interface())
	}
	return fmt.Sprint(v)
}

// lower is the significance-aware comparison of SPEC §6: b's stat is lower
// than a's, and where both have two or more trials, the Mann–Whitney U test
// says so at alpha and the difference is larger than the noise floor.
func (st *evalState) lower(a, b *RunResult, seg, stat string) (bool, error) {
	sa, ok := a.Segments.Get(seg)
	if !ok {
		return false, fmt.Errorf("lower: unknown segment %q", seg)
	}
	if _, ok := sa.Get(stat); !ok {
		return false, fmt.Errorf("lower: unknown stat %q", stat)
	}
	sb, _ := b.Segments.Get(seg)
	if sa.Count == 0 || sb.Count == 0 {
		return false, fmt.Errorf("lower(%s, %s): %s has no samples", a.Name, b.Name, seg)
	}
	va, _ := sa.Get(stat)
	vb, _ := sb.Get(stat)
	d := deltaPct(va, vb)
	head := fmt.Sprintf("lower(%s, %s, %s %s): %s → %s (%+.1f%%)", a.Name, b.Name, seg, stat, formatDetail(va), formatDetail(vb), d)
	if len(a.Trials) < 2 || len(b.Trials) < 2 {
		st.reasons = append(st.reasons, head+", single trial: no significance test")
		return vb < va, nil
	}
	xa, xb := trialValues(a, seg, stat), trialValues(b, seg, stat)
	if w := outlierWarning(a, b, seg, stat); w != "" {
		head += " [" + w + "]"
	}
	if plan, auto := planFor(a.RunConfig, b.RunConfig, st.gate.Alpha); auto {
		return st.lowerSequential(a, b, seg, stat, head, xa, xb, plan)
	}
	p, warn, _ := significance(a, b, seg, stat, st.gate.Alpha)
	if warn != "" {
		return false, fmt.Errorf("%s: %s", head, warn)
	}
	ta, tb := Median(xa), Median(xb)
	md := deltaPct(ta, tb)
	v := GateVerdict{A: a.Name, B: b.Name, Segment: seg, Stat: stat, TrialsA: len(xa), TrialsB: len(xb), PValue: &p, Alpha: st.gate.Alpha,
		MDEPct: mdePtr(xa, xb, st.gate.Alpha)}
	head += mdeNote(v.MDEPct)
	var reason string
	switch {
	case p >= st.gate.Alpha:
		reason = fmt.Sprintf("%s, p=%.3g ≥ α=%g: not significant", head, p, st.gate.Alpha)
	case math.IsNaN(md) || md >= 0:
		reason = fmt.Sprintf("%s, p=%.3g, median change %+.1f%%: %s is not lower", head, p, md, b.Name)
	case -md <= st.gate.NoiseFloorPct:
		reason = fmt.Sprintf("%s, p=%.3g, median change %+.1f%% within the noise floor of %g%%", head, p, md, st.gate.NoiseFloorPct)
	default:
		reason = fmt.Sprintf("%s, p=%.3g < α=%g, median change %+.1f%%", head, p, st.gate.Alpha, md)
		v.Lower = tb < ta
	}
	st.reasons = append(st.reasons, reason)
	st.gates = append(st.gates, v)
	return v.Lower, nil
}

// lowerSequential is lower() over runs with repeat: auto: the sequential
// rule (sequential.go) replayed over the trials in the order they were
// measured, judged at the look that settled it.
func (st *evalState) lowerSequential(a, b *RunResult, seg, stat, head string, xa, xb []float64, plan seqPlan) (bool, error) {
	last := plan.Looks[len(plan.Looks)-1]
	if minUTestP(last, last) >= plan.Alpha {
		return false, fmt.Errorf("%s: repeat_max %d cannot reach α=%g (smallest possible p=%.3g): raise repeat_max", head, last, plan.Alpha, minUTestP(last, last))
	}
	out := judgeSequential(xa, xb, plan, st.gate.NoiseFloorPct)
	v := GateVerdict{A: a.Name, B: b.Name, Segment: seg, Stat: stat, Lower: out.Lower, TrialsA: out.NA, TrialsB: out.NB, Alpha: plan.Alpha,
		Sequential: &SequentialVerdict{Rule: plan.String(), Look: out.Look, Looks: len(plan.Looks), Settled: out.Settled, Why: out.Why}}
	if out.Look == 0 {
		st.reasons = append(st.reasons, fmt.Sprintf("%s, repeat: auto: %d vs %d trials, fewer than the first look's %d: not settled", head, len(xa), len(xb), plan.Looks[0]))
		st.gates = append(st.gates, v)
		return false, nil
	}
	v.PValue = &out.P
	v.MDEPct = mdePtr(xa[:out.NA], xb[:out.NB], plan.Alpha)
	at := fmt.Sprintf("%s, repeat: auto, look %d of %d at %d vs %d trials%s: p=%.3g", head, out.Look, len(plan.Looks), out.NA, out.NB, mdeNote(v.MDEPct), out.P)
	var reason string
	switch {
	case !out.Settled:
		reason = fmt.Sprintf("%s ≥ α/%d=%.3g, not settled before the trials stopped", at, len(plan.Looks), plan.Alpha)
	case out.Lower:
		reason = fmt.Sprintf("%s < α/%d=%.3g, median change %+.1f%%", at, len(plan.Looks), plan.Alpha, out.Change)
	default:
		reason = fmt.Sprintf("%s (α/%d=%.3g), median change %+.1f%%: %s", at, len(plan.Looks), plan.Alpha, out.Change, out.Why)
	}
	st.reasons = append(st.reasons, reason)
	st.gates = append(st.gates, v)
	return out.Lower, nil
}

// mdeNote is a detail's note of the smallest detectable change.
func mdeNote(pct *float64) string {
	if pct == nil {
		return ""
	}
	return fmt.Sprintf(", smallest detectable change %s%%", formatDetail(*pct))
}
