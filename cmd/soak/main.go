// Command soak runs random mutations of every shipped scenario through the
// built scenrun binary for a fixed time and fails on what a user must never
// see, whatever the spec: a panic, an exit code outside 0–3 and 130, a spec
// error without its FILE:LINE:COL, a temporary file or directory left in
// TMPDIR, or an invalid results JSON after a run (exit 0, 1, 3 or 130).
//
// Each mutation is a small random edit of one scenario's YAML tree (a key
// deleted or given twice, a value replaced by one of another type, a number
// made huge, negative or zero, two values swapped) or of its text (cut
// short), applied to a copy whose counts are first made small, and run with
// -quick. A run still going after -per-run is interrupted (SIGINT), as a
// user would, and must then stop and write its results. Everything is
// derived from one seed, printed first: SOAK_SEED replays a soak and
// SOAK_CASE one mutation of it.
//
// `make soak` runs it (SOAK=5m for longer).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/scenrun/scenrun/engine/analysis"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// config is soak's command line.
type config struct {
	bin, glob, failDir string
	dur, perRun        time.Duration
	seed               uint64
	only               int // SOAK_CASE: run this mutation only; -1 for all
	jobs               int
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := config{}
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.bin, "bin", "bin/scenrun", "the scenrun `binary` to run")
	fs.StringVar(&c.glob, "scenarios", "scenarios/*.yaml", "the scenarios to mutate (a glob)")
	fs.StringVar(&c.failDir, "failures", "bin/soak-failures", "`dir` for the mutated specs that failed")
	dur := envOr("SOAK", "60s")
	fs.DurationVar(&c.dur, "d", 0, "how long to soak (default $SOAK, else 60s)")
	fs.DurationVar(&c.perRun, "per-run", 20*time.Second, "interrupt a run still going after this long")
	fs.IntVar(&c.jobs, "j", 4, "mutations run at once")
	seed := fs.String("seed", os.Getenv("SOAK_SEED"), "the seed (default $SOAK_SEED, else random)")
	only := fs.String("case", os.Getenv("SOAK_CASE"), "run only mutation `N` of the seed (default $SOAK_CASE)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if c.dur == 0 {
		d, err := time.ParseDuration(dur)
		if err != nil {
			fmt.Fprintf(stderr, "soak: SOAK=%q: %v\n", dur, err)
			return 2
		}
		c.dur = d
	}
	c.seed = rand.Uint64() >> 1
	if *seed != "" {
		s, err := strconv.ParseUint(*seed, 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "soak: seed %q: %v\n", *seed, err)
			return 2
		}
		c.seed = s
	}
	c.only = -1
	if *only != "" {
		n, err := strconv.Atoi(*only)
		if err != nil || n < 0 {
			fmt.Fprintf(stderr, "soak: case %q: want a number ≥ 0\n", *only)
			return 2
		}
		c.only = n
	}
	paths, err := filepath.Glob(c.glob)
	if err != nil || len(paths) == 0 {
		fmt.Fprintf(stderr, "soak: no scenarios match %q\n", c.glob)
		return 2
	}
	var specs []*spec
	for _, p := range paths {
		s, err := loadSpec(p)
		if err != nil {
			fmt.Fprintf(stderr, "soak: %s: %v\n", p, err)
			return 2
		}
		specs = append(specs, s)
	}
	if _, err := os.Stat(c.bin); err != nil {
		fmt.Fprintf(stderr, "soak: %v (make build)\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "soak: seed %d, %v, %d scenarios, %d at once (replay: SOAK_SEED=%d)\n", c.seed, c.dur, len(specs), c.jobs, c.seed)
	return soak(ctx, c, specs, stdout)
}

// soak runs mutations until the time is up and reports; it returns 1 when
// any failed.
func soak(ctx context.Context, c config, specs []*spec, stdout io.Writer) int {
	deadline := time.Now().Add(c.dur)
	var next atomic.Int64
	var mu sync.Mutex
	var ran, failed int
	codes := map[int]int{}
	work := func() {
		for ctx.Err() == nil {
			i := int(next.Add(1) - 1)
			if c.only >= 0 {
				if i > 0 {
					return
				}
				i = c.only
			} else if time.Now().After(deadline) {
				return
			}
			m := mutate(specs, c.seed, i)
			o := execute(ctx, c, m)
			mu.Lock()
			ran++
			codes[o.code]++
			if len(o.problems) > 0 {
				failed++
				report(stdout, c, m, o)
			}
			mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	for range c.jobs {
		wg.Go(work)
	}
	wg.Wait()
	fmt.Fprintf(stdout, "soak: %d mutations, %d failed; exit codes %v; seed %d\n", ran, failed, codes, c.seed)
	if failed > 0 || ran == 0 {
		return 1
	}
	return 0
}

// report prints a failed mutation and keeps its spec in the failures dir.
func report(w io.Writer, c config, m *mutation, o outcome) {
	fmt.Fprintf(w, "\nFAIL mutation %d of %s (%s): exit %d\n", m.index, m.from, m.edit, o.code)
	for _, p := range o.problems {
		fmt.Fprintf(w, "  - %s\n", p)
	}
	if os.MkdirAll(c.failDir, 0o755) == nil {
		p := filepath.Join(c.failDir, fmt.Sprintf("%d-%d.yaml", c.seed, m.index))
		if os.WriteFile(p, m.text, 0o644) == nil {
			fmt.Fprintf(w, "  spec: %s\n", p)
		}
	}
	fmt.Fprintf(w, "  command: %s %s spec.yaml\n", c.bin, strings.Join(runArgs, " "))
	fmt.Fprintf(w, "  replay: SOAK_SEED=%d SOAK_CASE=%d make soak\n", c.seed, m.index)
	fmt.Fprintf(w, "  stderr:\n%s\n", indent(tail(o.stderr, 2000)))
	fmt.Fprintf(w, "  the mutated spec:\n%s\n", indent(string(m.text)))
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// runArgs are the flags of every run: latencies scaled down, the results
// to a file, no progress display.
var runArgs = []string{"-quick", "-no-progress", "-json", "r.json"}

// outcome is what one run did and what was wrong with it.
type outcome struct {
	code     int
	stderr   string
	problems []string
}

var (
	// An empty file has no line to point at: its error names the file only.
	positioned = regexp.MustCompile(`^spec\.yaml:(\d+:\d+: | empty spec)`)
	panicked   = regexp.MustCompile(`(?m)^panic: |^goroutine \d+ \[|^fatal error: |SIGSEGV`)
)

// execute runs one mutated spec in a directory and a TMPDIR of its own and
// checks the outcome.
func execute(ctx context.Context, c config, m *mutation) outcome {
	var o outcome
	dir, err := os.MkdirTemp("", "soak-")
	if err != nil {
		o.problems = append(o.problems, err.Error())
		return o
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "tmp")
	work := filepath.Join(dir, "work")
	for _, d := range []string{tmp, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			o.problems = append(o.problems, err.Error())
			return o
		}
	}
	if err := os.WriteFile(filepath.Join(work, "spec.yaml"), m.text, 0o644); err != nil {
		o.problems = append(o.problems, err.Error())
		return o
	}
	bin, _ := filepath.Abs(c.bin)
	cmd := exec.Command(bin, append(runArgs, "spec.yaml")...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "SCENRUN_POSTGRES_URL=", "NO_COLOR=1", "GITHUB_STEP_SUMMARY=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		o.problems = append(o.problems, err.Error())
		return o
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	interrupted := false
	select {
	case <-done:
	case <-ctx.Done():
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return o
	case <-time.After(c.perRun):
		// Still going: a long run is no fault, but it must stop when
		// interrupted, write its results and clean up.
		interrupted = true
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
			o.problems = append(o.problems, "still running 30 s after SIGINT")
		}
	}
	o.code = cmd.ProcessState.ExitCode()
	o.stderr = stderr.String()
	if panicked.MatchString(o.stderr) {
		o.problems = append(o.problems, "a panic or runtime crash on stderr")
	}
	switch o.code {
	case 0, 1, 2, 3, 130:
	default:
		o.problems = append(o.problems, fmt.Sprintf("exit %d (%s), want 0–3 or 130", o.code, cmd.ProcessState))
	}
	if interrupted && o.code != 130 && o.code >= 0 {
		o.problems = append(o.problems, fmt.Sprintf("interrupted: exit %d, want 130", o.code))
	}
	if o.code == 2 {
		for line := range strings.Lines(o.stderr) {
			if line = strings.TrimRight(line, "\n"); line == "" || line[0] == ' ' || line[0] == '\t' {
				continue
			}
			if !positioned.MatchString(line) {
				o.problems = append(o.problems, fmt.Sprintf("spec error without FILE:LINE:COL: %q", line))
			}
		}
		if _, err := os.Stat(filepath.Join(work, "r.json")); err == nil {
			o.problems = append(o.problems, "exit 2 but a results file was written")
		}
	}
	if o.code == 0 || o.code == 1 || o.code == 3 || o.code == 130 {
		res, err := analysis.ReadJSON(filepath.Join(work, "r.json"))
		switch {
		case err != nil:
			o.problems = append(o.problems, fmt.Sprintf("exit %d: results: %v", o.code, err))
		case o.code == 130 && !res.Interrupted:
			o.problems = append(o.problems, "exit 130 but the results are not marked interrupted")
		}
	}
	if left := leftIn(tmp); len(left) > 0 {
		o.problems = append(o.problems, fmt.Sprintf("left in TMPDIR: %v", left))
	}
	return o
}

// leftIn lists dir's entries and those one level down (a database
// directory holds the database, its WAL and shared memory).
func leftIn(dir string) []string {
	var names []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		names = append(names, e.Name())
		if e.IsDir() {
			sub, _ := os.ReadDir(filepath.Join(dir, e.Name()))
			for _, s := range sub {
				names = append(names, e.Name()+"/"+s.Name())
			}
		}
	}
	return names
}

// A spec is a shipped scenario: its path and text.
type spec struct {
	path string
	text []byte
}

func loadSpec(path string) (*spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return nil, err
	}
	return &spec{path: path, text: b}, nil
}

// A mutation is one edited spec.
type mutation struct {
	index int
	from  string // the scenario it was made from
	edit  string // what was done, in words
	text  []byte
}

// mutate makes mutation i of the seed: the same seed and index give the
// same spec, whichever worker makes it.
func mutate(specs []*spec, seed uint64, i int) *mutation {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	s := specs[r.IntN(len(specs))]
	m := &mutation{index: i, from: s.path}
	var doc yaml.Node
	if err := yaml.Unmarshal(s.text, &doc); err != nil {
		m.edit, m.text = "none (unparsable)", s.text
		return m
	}
	shrink(&doc)
	var edits []string
	n := 1 // mostly one edit, so that a fair share of the mutations still run
	if r.IntN(4) == 0 {
		n += 1 + r.IntN(2)
	}
	for range n {
		edits = append(edits, edit(r, &doc))
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		m.edit, m.text = "encode failed: "+err.Error(), s.text
		return m
	}
	enc.Close()
	text := buf.Bytes()
	if r.IntN(10) == 0 {
		cut := r.IntN(len(text) + 1)
		edits = append(edits, fmt.Sprintf("truncated at byte %d of %d", cut, len(text)))
		text = text[:cut]
	}
	m.edit, m.text = strings.Join(edits, "; "), text
	return m
}

// small caps the counts of a shipped scenario, so that a mutation runs in
// seconds under -quick; a mutation may still make one huge.
var small = map[string]int{"files": 20, "concurrency": 8, "repeat": 2, "repeat_max": 3, "warmup": 0, "processes": 2, "count": 2, "pool_size": 4}

// shrink applies small everywhere in the tree, matrix lists included, and
// turns repeat: auto into 2.
func shrink(n *yaml.Node) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			shrink(c)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			limit, ok := small[k.Value]
			switch {
			case ok && v.Kind == yaml.ScalarNode:
				capScalar(v, limit)
			case ok && v.Kind == yaml.SequenceNode:
				for _, e := range v.Content {
					capScalar(e, limit)
				}
			default:
				shrink(v)
			}
		}
	}
}

func capScalar(v *yaml.Node, limit int) {
	if n, err := strconv.Atoi(v.Value); err == nil && n > limit {
		v.Value = strconv.Itoa(max(limit, 1))
	} else if v.Value == "auto" {
		v.Value = "2"
	}
	v.Tag, v.Style = "", 0
}

// replacements are the values a mutation puts in place of another.
var replacements = []string{
	"0", "-1", "-5", "1", "99999999999999999999", "9223372036854775807", "1e400", "-1e3", "0.5", ".nan", ".inf",
	"-1s", "0s", "100000h", "1ms", "x", "", "null", "~", "true", "false", "yes", "[]", "{}", "[1, 2]", "{a: 1}",
	"per_file", "shared", "pool", "single_writer", "immediate", "zero", "realistic", "files", "wal", "delete", "off",
	"SELECT 1", "UPDATE files SET state = 1", "'\"'", "é", "a-b_c", "prev.x", "runs", ":item", "2s", "auto",
}

// edit makes one random edit of the tree and says what it did.
func edit(r *rand.Rand, doc *yaml.Node) string {
	var maps, scalars []*yaml.Node
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.MappingNode:
			if len(n.Content) > 0 {
				maps = append(maps, n)
			}
			for i := 1; i < len(n.Content); i += 2 {
				if n.Content[i].Kind == yaml.ScalarNode {
					scalars = append(scalars, n.Content[i])
				}
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				if c.Kind == yaml.ScalarNode {
					scalars = append(scalars, c)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(doc)
	if len(maps) == 0 || len(scalars) == 0 {
		return "nothing to edit"
	}
	switch r.IntN(8) {
	case 0: // delete a key
		m := maps[r.IntN(len(maps))]
		i := 2 * r.IntN(len(m.Content)/2)
		k := m.Content[i].Value
		m.Content = append(m.Content[:i:i], m.Content[i+2:]...)
		return fmt.Sprintf("deleted key %q", k)
	case 1: // duplicate a key
		m := maps[r.IntN(len(maps))]
		i := 2 * r.IntN(len(m.Content)/2)
		k, v := *m.Content[i], *m.Content[i+1]
		m.Content = append(m.Content, &k, &v)
		return fmt.Sprintf("duplicated key %q", k.Value)
	case 2, 3: // replace a value
		s := scalars[r.IntN(len(scalars))]
		old := s.Value
		setValue(s, replacements[r.IntN(len(replacements))])
		return fmt.Sprintf("replaced %q with %q", old, describe(s))
	case 4: // a number made huge, negative or zero
		var nums []*yaml.Node
		for _, s := range scalars {
			if _, err := strconv.ParseFloat(strings.TrimRight(s.Value, "msh"), 64); err == nil {
				nums = append(nums, s)
			}
		}
		if len(nums) == 0 {
			return "no number to change"
		}
		s := nums[r.IntN(len(nums))]
		old := s.Value
		s.Value = []string{"0", "-" + old, old + "000000000000", "-0", "1e308"}[r.IntN(5)]
		s.Tag, s.Style = "", 0
		return fmt.Sprintf("number %q made %q", old, s.Value)
	case 5: // change a type: a scalar becomes a list or a mapping
		s := scalars[r.IntN(len(scalars))]
		old := *s
		if r.IntN(2) == 0 {
			*s = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{&old}}
			return fmt.Sprintf("%q made a list", old.Value)
		}
		*s = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "v"}, &old}}
		return fmt.Sprintf("%q made a mapping", old.Value)
	case 6: // swap two values (names among them)
		a, b := scalars[r.IntN(len(scalars))], scalars[r.IntN(len(scalars))]
		a.Value, b.Value = b.Value, a.Value
		a.Tag, b.Tag, a.Style, b.Style = "", "", 0, 0
		return fmt.Sprintf("swapped %q and %q", b.Value, a.Value)
	default: // rename a key
		m := maps[r.IntN(len(maps))]
		i := 2 * r.IntN(len(m.Content)/2)
		old := m.Content[i].Value
		names := []string{"name", "files", "runs", "connection", "profile", "sql", "from", "to", "expr", old + "s", strings.ToUpper(old), ""}
		m.Content[i].Value = names[r.IntN(len(names))]
		return fmt.Sprintf("key %q renamed %q", old, m.Content[i].Value)
	}
}

// setValue puts v, read as YAML, in place of s.
func setValue(s *yaml.Node, v string) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte("x: "+v), &n); err == nil && len(n.Content) == 1 && len(n.Content[0].Content) == 2 {
		*s = *n.Content[0].Content[1]
		return
	}
	*s = yaml.Node{Kind: yaml.ScalarNode, Value: v, Style: yaml.DoubleQuotedStyle}
}

func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	b, err := yaml.Marshal(n)
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}
