package scenario

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/scenrun/scenrun/fsm"
	"gopkg.in/yaml.v3"
)

var (
	workloadFields = []string{"description", "schema", "table", "key", "state", "version", "seed", "states", "initial", "done", "steps", "readers"}
	stepFields     = []string{"name", "from", "to", "call", "fail", "hold", "sql"}
	readersFields  = []string{"count", "sql", "every"}
)

// sqlNameRE is a column or table name the engine may write into the SQL it
// builds itself (the default seed and step UPDATE): a bare name, or
// schema.name.
var sqlNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// workloadNodes are where the parts of a spec's workload are, for the rules
// checked per run once the runs are known.
type workloadNodes struct {
	schema *yaml.Node   // the schema value
	calls  []*yaml.Node // each step's call value, nil when none
}

func (p *parser) decodeWorkloads(m *yaml.Node) {
	if m.Kind != yaml.MappingNode {
		p.errf(m, "workloads: want a mapping of workload names to workloads, got %s", describe(m))
		return
	}
	before := len(p.errs)
	defer func() { p.workloadErrs += len(p.errs) - before }()
	for _, kv := range p.pairs(p.report, m, false) {
		name := kv.key.Value
		if w, ok := p.workloads[name]; ok && w.Builtin {
			p.errf(kv.key, "workload %q is built in and cannot be redefined; give yours another name", name)
			continue
		}
		n := len(p.errs)
		if !workloadNameRE.MatchString(name) {
			p.errf(kv.key, `workload name %s: want letters, digits, "_", "." and "-"`, quote(name))
		}
		// Registered even when bad, so that its uses do not also fail.
		w := p.decodeWorkload(name, kv.key, deref(kv.val))
		w.broken = len(p.errs) > n
		p.workloads[name] = w
	}
}

func (p *parser) decodeWorkload(name string, key, m *yaml.Node) *Workload {
	w := &Workload{Name: name, Key: "id", State: "state", Pos: posOf(key)}
	wn := &workloadNodes{}
	p.wnodes[w] = wn
	if m.Kind != yaml.MappingNode {
		p.errf(m, "workload %q: want a mapping of schema, table, states, initial, done, steps and the optional fields, got %s", name, describe(m))
		return w
	}
	f := map[string]pair{}
	for _, kv := range p.pairs(p.report, m, false) {
		if !slices.Contains(workloadFields, kv.name) {
			unknownField(p.report, kv.key, "in workload", workloadFields)
			continue
		}
		f[kv.name] = kv
	}
	for _, req := range []string{"schema", "table", "states", "initial", "done", "steps"} {
		if _, ok := f[req]; !ok {
			p.errf(m, "missing required field %q in workload", req)
		}
	}
	if kv, ok := f["description"]; ok {
		w.Description, _ = strVal(p.report, "description", kv.val)
	}
	if kv, ok := f["schema"]; ok {
		wn.schema = deref(kv.val)
		w.Schema = p.schema(wn.schema)
	}
	for _, c := range []struct {
		name string
		dst  *string
	}{{"table", &w.Table}, {"key", &w.Key}, {"state", &w.State}, {"version", &w.Version}} {
		if kv, ok := f[c.name]; ok {
			if v, ok := p.sqlName(c.name, kv.val); ok {
				*c.dst = v
			}
		}
	}

	// States first: the other fields are checked against them. When the
	// list itself is bad, states are not checked, so that one mistake is
	// reported once.
	statesOK := false
	if kv, ok := f["states"]; ok {
		w.States, statesOK = p.states(kv.val)
	}
	state := func(field string, n *yaml.Node) (string, bool) {
		s, ok := strVal(p.report, field, n)
		if !ok {
			return "", false
		}
		if statesOK && !slices.Contains(w.States, s) {
			p.errf(deref(n), "%s: %s", field, unknownValue("state", s, w.States))
			return s, false
		}
		return s, statesOK
	}
	initialOK := false
	if kv, ok := f["initial"]; ok {
		w.Initial, initialOK = state("initial", kv.val)
	}
	if kv, ok := f["done"]; ok {
		v := deref(kv.val)
		switch {
		case v.Kind != yaml.SequenceNode:
			p.errf(v, "done: want a list of states, got %s", describe(v))
		case len(v.Content) == 0:
			p.errf(v, "done: want at least one state, got an empty list")
		default:
			for _, it := range v.Content {
				if s, ok := state("done", it); ok {
					if slices.Contains(w.Done, s) {
						p.errf(deref(it), "done: state %s given twice", quote(s))
						continue
					}
					w.Done = append(w.Done, s)
				}
			}
		}
	}
	if kv, ok := f["steps"]; ok {
		prev := ""
		if initialOK {
			prev = w.Initial
		}
		w.Steps, wn.calls = p.steps(w, kv.val, prev, state)
	}

	seedText := fmt.Sprintf("INSERT INTO %s (%s, %s) VALUES (:item, :state)", w.Table, w.Key, w.State)
	w.Seed = Statement{Text: seedText, Params: ParseParams(seedText), Pos: w.Pos}
	if kv, ok := f["seed"]; ok {
		if st, ok := p.statement("seed", kv.val); ok {
			w.Seed = st
			p.checkParams(st, SeedParams, nil, "")
		}
	}
	if kv, ok := f["readers"]; ok {
		w.Readers = p.readers(kv.key, deref(kv.val))
	}
	return w
}

// schema decodes a workload's schema: SQL, or a mapping of databases to SQL.
func (p *parser) schema(n *yaml.Node) map[string]Statement {
	out := map[string]Statement{}
	switch n.Kind {
	case yaml.ScalarNode:
		if st, ok := p.statement("schema", n); ok {
			out[""] = st
		}
		return out
	case yaml.MappingNode:
	default:
		p.errf(n, "schema: want SQL, or a mapping of %s to SQL, got %s", strings.Join(Databases, " and "), describe(n))
		return out
	}
	any := false
	for _, kv := range p.pairs(p.report, n, false) {
		if !slices.Contains(Databases, kv.name) {
			unknownField(p.report, kv.key, "in schema", Databases)
			continue
		}
		any = true
		if st, ok := p.statement("schema: "+kv.name, kv.val); ok {
			out[kv.name] = st
		}
	}
	if !any && len(n.Content) == 0 {
		p.errf(n, "schema: want SQL for at least one of %s, got an empty mapping", strings.Join(Databases, ", "))
	}
	return out
}

// sqlName decodes a table or column name.
func (p *parser) sqlName(field string, n *yaml.Node) (string, bool) {
	s, ok := strVal(p.report, field, n)
	if !ok {
		return "", false
	}
	if !sqlNameRE.MatchString(s) {
		p.errf(deref(n), `%s: want an SQL name (letters, digits and "_", not starting with a digit), got %s`, field, quote(s))
		return "", false
	}
	return s, true
}

// states decodes the list of a workload's states; ok is false when the list
// cannot be checked against.
func (p *parser) states(n *yaml.Node) ([]string, bool) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "states: want a list of states, got %s", describe(n))
		return nil, false
	}
	ok := true
	var out []string
	first := map[string]*yaml.Node{}
	for _, it := range n.Content {
		s, sok := strVal(p.report, "states", it)
		if !sok {
			ok = false
			continue
		}
		if strings.TrimSpace(s) == "" {
			p.errf(deref(it), "states: want a state name, got an empty string")
			ok = false
			continue
		}
		if f, dup := first[s]; dup {
			p.errf(deref(it), "states: state %s given twice (first at %s)", quote(s), posOf(f).lineCol())
			continue
		}
		first[s] = deref(it)
		out = append(out, s)
	}
	if ok && len(out) < 2 {
		p.errf(n, "states: want at least 2 states, got %d", len(out))
	}
	return out, ok
}

// steps decodes a workload's steps; prev is the state the first step must
// start from ("" when unknown). It returns each step's call node as well.
func (p *parser) steps(w *Workload, n *yaml.Node, prev string, state func(string, *yaml.Node) (string, bool)) ([]Step, []*yaml.Node) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "steps: want a list of steps, got %s", describe(n))
		return nil, nil
	}
	if len(n.Content) == 0 {
		p.errf(n, "steps: want at least one step, got an empty list")
		return nil, nil
	}
	var out []Step
	var calls []*yaml.Node
	names := map[string]Pos{}
	prevStep := ""
	for _, item := range n.Content {
		m := deref(item)
		if m.Kind != yaml.MappingNode {
			p.errf(m, "steps: want a mapping for each step, got %s", describe(m))
			prev = ""
			continue
		}
		st := Step{Pos: posOf(m)}
		f := map[string]pair{}
		for _, kv := range p.pairs(p.report, m, false) {
			if !slices.Contains(stepFields, kv.name) {
				unknownField(p.report, kv.key, "in step", stepFields)
				continue
			}
			f[kv.name] = kv
		}
		for _, req := range []string{"name", "from", "to"} {
			if _, ok := f[req]; !ok {
				p.errf(m, "missing required field %q in step", req)
			}
		}
		if kv, ok := f["name"]; ok {
			v := deref(kv.val)
			if name, ok := strVal(p.report, "name", v); ok {
				st.Name, st.Pos = name, posOf(v)
				if !runNameRE.MatchString(name) {
					p.errf(v, `name: want letters, digits, "_", "." and "-", got %s`, quote(name))
				}
				if first, dup := names[name]; dup {
					p.errf(v, "step name %s given twice (first at %s)", quote(name), first.lineCol())
				} else {
					names[name] = st.Pos
				}
			}
		}
		if kv, ok := f["from"]; ok {
			from, ok := state("from", kv.val)
			st.From = from
			switch {
			case !ok || prev == "" || from == prev:
			case prevStep == "":
				p.errf(deref(kv.val), "from: want %s, the initial state, got %s", quote(prev), quote(from))
			default:
				p.errf(deref(kv.val), "from: want %s, where step %s ends, got %s", quote(prev), quote(prevStep), quote(from))
			}
		}
		prev, prevStep = "", st.Name
		if kv, ok := f["to"]; ok {
			if to, ok := state("to", kv.val); ok {
				st.To, prev = to, to
			} else {
				st.To = to
			}
		}
		var callNode *yaml.Node
		if kv, ok := f["call"]; ok {
			v := deref(kv.val)
			if c, ok := strVal(p.report, "call", v); ok {
				if strings.TrimSpace(c) == "" {
					p.errf(v, "call: want the name of a call of the run's profile, got an empty string")
				} else {
					st.Call, callNode = c, v
				}
			}
		}
		if kv, ok := f["fail"]; ok {
			st.Fail, _ = state("fail", kv.val)
			if _, ok := f["call"]; !ok {
				p.errf(kv.key, "fail: set without call (fail is the state a failed call moves the item to)")
			}
		}
		if kv, ok := f["hold"]; ok {
			st.Hold, _ = durVal(p.report, "hold", kv.val)
		}
		if kv, ok := f["sql"]; ok {
			st.SQL = p.statements("sql", kv.val)
			p.checkStepParams(w, st.SQL)
		}
		out = append(out, st)
		calls = append(calls, callNode)
	}
	return out, calls
}

// checkStepParams checks the parameters of a step's statements: StepParams
// (without version when the workload names no version column) and the
// result columns of an earlier statement of the step (resultColumns). After
// a statement whose columns cannot be told (SELECT *), nothing is checked.
func (p *parser) checkStepParams(w *Workload, sql []Statement) {
	allowed := slices.DeleteFunc(slices.Clone(StepParams), func(s string) bool { return s == "version" && w.Version == "" })
	var cols []string
	for _, st := range sql {
		p.checkParams(st, allowed, cols, "")
		names, all := resultColumns(st.Text)
		if all {
			return
		}
		for _, n := range names {
			if !slices.Contains(cols, n) {
				cols = append(cols, n)
			}
		}
	}
}

// checkParams reports each parameter of st that is neither one of allowed
// nor one of cols, once, at the parameter itself; none says why no
// parameter is allowed at all.
func (p *parser) checkParams(st Statement, allowed, cols []string, none string) {
	seen := map[string]bool{}
	for _, pa := range paramsAt(st.Text) {
		if seen[pa.name] || slices.Contains(allowed, pa.name) || slices.Contains(cols, pa.name) {
			continue
		}
		seen[pa.name] = true
		msg := "unknown parameter :" + pa.name
		if none != "" {
			msg += " (" + none + ")"
		} else {
			if s := suggest(pa.name, append(slices.Clone(allowed), cols...)); s != "" {
				msg += ", did you mean :" + s + "?"
			}
			msg += " (allowed: " + strings.Join(allowed, ", ")
			if cols != nil {
				msg += ", and the columns of an earlier statement's first row: " + strings.Join(cols, ", ")
			}
			msg += ")"
		}
		p.errs = append(p.errs, &Error{File: p.file, Pos: st.PosAt(pa.off), Msg: msg})
	}
}

// statement decodes one SQL statement with its position.
func (p *parser) statement(field string, n *yaml.Node) (Statement, bool) {
	n = deref(n)
	s, ok := strVal(p.report, field, n)
	if !ok {
		return Statement{}, false
	}
	if strings.TrimSpace(s) == "" {
		p.errf(n, "%s: want SQL, got an empty string", field)
		return Statement{}, false
	}
	st := Statement{Text: s, Params: ParseParams(s)}
	st.Pos, st.at, _ = p.exprPositions(n)
	// A schema may hold many statements; anything else is one statement,
	// since SQLite prepares only the first and would drop the rest unseen.
	if !strings.HasPrefix(field, "schema") {
		if off, more := secondStatement(s); more {
			p.errs = append(p.errs, &Error{File: p.file, Pos: st.PosAt(off), Msg: fmt.Sprintf("%s: one statement per item: a second one starts here (write a list of statements)", field)})
			return Statement{}, false
		}
	}
	return st, true
}

// secondStatement reports whether sql holds a statement after its first,
// and the byte offset where it starts: a ';' in code (fsm.ScanCode) followed by
// more than blanks, semicolons and comments.
func secondStatement(sql string) (int, bool) {
	at := -1
	fsm.ScanCode(sql, func(i int) int {
		if sql[i] != ';' {
			return i
		}
		rest := sql[i+1:]
		for {
			rest = strings.TrimLeft(rest, " \t\r\n;")
			if strings.HasPrefix(rest, "--") {
				if k := strings.IndexByte(rest, '\n'); k >= 0 {
					rest = rest[k:]
					continue
				}
				rest = ""
			}
			break
		}
		if rest != "" {
			at = len(sql) - len(rest)
		}
		return len(sql)
	})
	return at, at >= 0
}

// statements decodes a statement or a list of statements.
func (p *parser) statements(field string, n *yaml.Node) []Statement {
	n = deref(n)
	switch {
	case n.Kind == yaml.ScalarNode && !isNull(n):
		if st, ok := p.statement(field, n); ok {
			return []Statement{st}
		}
		return nil
	case n.Kind == yaml.SequenceNode:
		if len(n.Content) == 0 {
			p.errf(n, "%s: want at least one statement, got an empty list", field)
			return nil
		}
		var out []Statement
		for _, it := range n.Content {
			if st, ok := p.statement(field, it); ok {
				out = append(out, st)
			}
		}
		return out
	}
	p.errf(n, "%s: want a statement or a list of statements, got %s", field, describe(n))
	return nil
}

// readers decodes a workload's read load, at key.
func (p *parser) readers(key, m *yaml.Node) *Readers {
	r := &Readers{Count: 1, Pos: posOf(key)}
	if m.Kind != yaml.MappingNode {
		p.errf(m, "readers: want a mapping of count, sql, every, got %s", describe(m))
		return r
	}
	sqlGiven := false
	for _, kv := range p.pairs(p.report, m, false) {
		switch kv.name {
		case "count":
			if v, ok := intVal(p.report, "count", kv.val, 1, 10_000); ok {
				r.Count = int(v)
			}
		case "sql":
			sqlGiven = true
			if st, ok := p.statement("sql", kv.val); ok {
				r.SQL = st
				p.checkParams(st, nil, nil, "a reader's sql takes none")
			}
		case "every":
			r.Every, _ = durVal(p.report, "every", kv.val)
		default:
			unknownField(p.report, kv.key, "in readers", readersFields)
		}
	}
	if !sqlGiven {
		p.errf(m, `missing required field "sql" in readers`)
	}
	return r
}

// databaseFields are the run fields of one database only (SPEC §10).
var databaseFields = []databaseField{{"txlock", "sqlite"}, {"pragmas", "sqlite"}, {"isolation", "postgres"}}

type databaseField struct{ name, database string }

// misplaced is the message for the field set on a run of the other
// database, with %s for the runs.
func (f databaseField) misplaced() string {
	other := "postgres"
	if f.database == "postgres" {
		other = "sqlite"
	}
	return f.name + ": set for " + other + " %s; " + f.name + " is for " + f.database + " runs only"
}

// checkRuns checks what depends on a run's whole configuration: the rules
// of SPEC §10 on fields set for the other database, the server URL, and
// the calls and schema of the run's workload. given[i] says where the
// fields of s.Runs[i] were set, defaultsGiven where those of defaults (and
// -set) were: pragmas, txlock or isolation set there apply to the runs of
// their database, and are an error only when no run is of that database. Problems are reported once where the field
// was set, naming the runs concerned.
func (p *parser) checkRuns(s *Spec, given []origins, defaultsGiven origins) {
	if s.Defaults.Database == "postgres" && s.Defaults.Postgres == "" {
		s.Defaults.Postgres = p.getenv("SCENRUN_POSTGRES_URL")
	}
	type problem struct {
		at   origin
		msg  string // with %s for the runs
		runs []string
	}
	var problems []*problem
	byKey := map[string]*problem{}
	add := func(at origin, run, format string) {
		k := fmt.Sprintf("%p|%s|%s", at.node, at.set, format)
		pr, ok := byKey[k]
		if !ok {
			pr = &problem{at: at, msg: format}
			byKey[k] = pr
			problems = append(problems, pr)
		}
		pr.runs = append(pr.runs, run)
	}
	// inherited lists the runs a field from defaults or -set does not fit
	// (in keys' order); fits says which of those fields some run uses.
	type inheritedKey struct {
		field string
		at    origin
	}
	inherited := map[inheritedKey][]string{}
	var keys []inheritedKey
	fits := map[inheritedKey]bool{}
	for i := range s.Runs {
		if i >= len(given) {
			break
		}
		r, g := &s.Runs[i], given[i]
		c := &r.Config
		if c.Database == "postgres" {
			if c.Postgres == "" {
				c.Postgres = p.getenv("SCENRUN_POSTGRES_URL")
			}
			if c.Postgres == "" {
				add(g["database"], r.Name, "database: no server URL for postgres %s: set the run field postgres or the environment variable SCENRUN_POSTGRES_URL")
			}
		}
		// A field of the other database set on the run itself is an error;
		// one it inherits from defaults or -set applies to the runs of its
		// database and is an error only when there are none (below).
		for _, f := range databaseFields {
			o, ok := g[f.name]
			if !ok {
				continue
			}
			k := inheritedKey{f.name, o}
			switch d, fromDefaults := defaultsGiven[f.name]; {
			case c.Database == f.database:
				fits[k] = true
			case fromDefaults && d == o:
				if _, seen := inherited[k]; !seen {
					keys = append(keys, k)
				}
				inherited[k] = append(inherited[k], r.Name)
			default:
				add(o, r.Name, f.misplaced())
			}
		}

		w, ok := s.Workloads[c.Workload]
		wn := p.wnodes[w]
		if !ok || wn == nil {
			continue
		}
		if _, ok := w.Schema[""]; !ok && wn.schema != nil && wn.schema.Kind == yaml.MappingNode {
			if _, ok := w.Schema[c.Database]; !ok {
				add(origin{node: wn.schema}, r.Name, "schema: no "+c.Database+" schema, but workload "+quote(w.Name)+" is run on "+c.Database+" by %s")
			}
		}
		pr, ok := s.Profiles[c.Profile]
		if !ok {
			continue
		}
		for j, st := range w.Steps {
			if st.Call == "" || j >= len(wn.calls) || wn.calls[j] == nil {
				continue
			}
			at := origin{node: wn.calls[j]}
			if _, ok := pr.Call(st.Call); !ok {
				calls := []string{"upload", "import"}
				for name := range pr.Calls {
					calls = append(calls, name)
				}
				slices.Sort(calls[2:])
				add(at, r.Name, fmt.Sprintf("call: profile %s of %%s has no call %s (its calls: %s)", quote(pr.Name), quote(st.Call), strings.Join(calls, ", ")))
				continue
			}
			if pr.ErrorRate > 0 && st.Fail == "" {
				add(at, r.Name, fmt.Sprintf("call: step %s has no fail state, but its call can fail in %%s (profile %s has error_rate %g): add fail", quote(st.Name), quote(pr.Name), pr.ErrorRate))
			}
		}
	}
	for _, k := range keys {
		if fits[k] {
			continue
		}
		for _, f := range databaseFields {
			if f.name == k.field {
				for _, run := range inherited[k] {
					add(k.at, run, f.misplaced())
				}
			}
		}
	}
	for _, pr := range problems {
		msg := fmt.Sprintf(pr.msg, RunList(pr.runs))
		if pr.at.node == nil {
			if pr.at.set == "" {
				p.errs = append(p.errs, &Error{File: p.file, Msg: msg})
				continue
			}
			p.errs = append(p.errs, &Error{Msg: "-set " + pr.at.set + ": " + msg})
			continue
		}
		p.report(pr.at.node, msg)
	}
}

// RunList names runs in a message: `run "a"` or `runs "a", "b"`, shortened
// past a few.
func RunList(runs []string) string {
	if len(runs) == 1 {
		return "run " + quote(runs[0])
	}
	const show = 5
	var qs []string
	for i, r := range runs {
		if i == show {
			qs = append(qs, fmt.Sprintf("and %d more", len(runs)-show))
			break
		}
		qs = append(qs, quote(r))
	}
	return "runs " + strings.Join(qs, ", ")
}
