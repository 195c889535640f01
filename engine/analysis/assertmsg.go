package analysis

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

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

var (
	unknownNameRE  = regexp.MustCompile(`^unknown name ([A-Za-z_][A-Za-z0-9_]*)$`)
	unknownFieldRE = regexp.MustCompile(`^type (engine\.RunResult|engine\.Stat|engine\.RunConfig|engine\.Segments|engine\.Measurement) has no field ([A-Za-z_][A-Za-z0-9_]*)$`)
)

// explainCompileError rewrites expr-lang's messages about names and fields
// into the spec's terms: what the name is, what was probably meant, and
// what is allowed.
func explainCompileError(msg string, spec *scenario.Spec, withPrev bool) string {
	msg = strings.TrimSpace(msg)
	if m := unknownNameRE.FindStringSubmatch(msg); m != nil {
		name := m[1]
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
	if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
		var what string
		var fields []string
		switch m[1] {
		case "engine.Stat":
			fields = exprFields(statType)
			if s := scenario.Suggest(m[2], fields); s != "" {
				return fmt.Sprintf("a segment has no stat %s, did you mean %s?", m[2], s)
			}
			return fmt.Sprintf("a segment has no stat %s (allowed: %s)", m[2], strings.Join(fields, ", "))
		case "engine.RunResult":
			what, fields = "a run", exprFields(runType)
		case "engine.RunConfig":
			what, fields = "a run's config", exprFields(reflect.TypeOf(RunConfig{}))
		case "engine.Segments":
			what, fields = "a run's segments", exprFields(reflect.TypeOf(Segments{}))
		default:
			what, fields = "a trial", exprFields(reflect.TypeOf(Measurement{}))
		}
		s := scenario.Suggest(m[2], fields)
		if s == "" {
			for _, f := range fields {
				if strings.HasPrefix(f, m[2]) {
					s = f
					break
				}
			}
		}
		if s != "" {
			return fmt.Sprintf("%s has no field %s, did you mean %s?", what, m[2], s)
		}
		if len(fields) <= 12 {
			return fmt.Sprintf("%s has no field %s (allowed: %s)", what, m[2], strings.Join(fields, ", "))
		}
		return fmt.Sprintf("%s has no field %s", what, m[2])
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
