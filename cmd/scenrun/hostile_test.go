package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
)

// A hostileCase is one file of testdata/hostile: a header of "key: value"
// lines, then the files the case needs, each after a "-- NAME --" line (as
// txtar). The header says what the case proves (its first line, a comment),
// the command line, and what a user must see.
//
//	# what it proves, one line
//	args: -out $OUT -no-progress spec.yaml   ($OUT, $TMP: the case's own)
//	exit: 2
//	stderr: text that must appear (repeatable; stderr-re: a regexp)
//	stdout: text that must appear (repeatable); !stderr: text that must not
//	results: $OUT/r.json    a valid results JSON must be there
//	interrupted: true       …marked interrupted (or false)
//	signal: SIGINT after db RUN | after file PATH   the built binary is signalled
//	kill-worker: RUN        a worker process of RUN is killed (SIGKILL)
//	env: NAME=value         added to the environment (repeatable)
//	stdout-json: true       stdout is exactly one results JSON document
//	small-stdout-pipe: true stdout is a one-page pipe, read only after a signal
type hostileCase struct {
	name, proves    string
	args            []string
	exit            int
	stderr, stdout  []string
	notStderr       []string
	stderrRE        []*regexp.Regexp
	results         string
	interrupted     string
	signal, after   string
	killWorker      string
	env             []string
	files           map[string]string
	fileOrder       []string
	smallStdoutPipe bool
	stdoutJSON      bool
}

var signals = map[string]syscall.Signal{"SIGINT": syscall.SIGINT, "SIGTERM": syscall.SIGTERM, "SIGHUP": syscall.SIGHUP}

// parseHostile reads one case file.
func parseHostile(path string) (*hostileCase, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := &hostileCase{name: strings.TrimSuffix(filepath.Base(path), ".case"), exit: -1, files: map[string]string{}}
	lines := strings.SplitAfter(string(b), "\n")
	i := 0
	for ; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\n")
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") {
			break
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			if c.proves == "" {
				c.proves = strings.TrimSpace(strings.TrimPrefix(line, "#"))
			}
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want key: value, got %q", path, i+1, line)
		}
		val = strings.TrimPrefix(val, " ")
		switch key {
		case "args":
			c.args = strings.Fields(val)
		case "exit":
			if c.exit, err = strconv.Atoi(val); err != nil {
				return nil, fmt.Errorf("%s:%d: exit: %v", path, i+1, err)
			}
		case "stderr":
			c.stderr = append(c.stderr, val)
		case "!stderr":
			c.notStderr = append(c.notStderr, val)
		case "stderr-re":
			re, err := regexp.Compile(val)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", path, i+1, err)
			}
			c.stderrRE = append(c.stderrRE, re)
		case "stdout":
			c.stdout = append(c.stdout, val)
		case "results":
			c.results = val
		case "interrupted":
			c.interrupted = val
		case "signal":
			sig, after, _ := strings.Cut(val, " after ")
			if _, ok := signals[sig]; !ok || after == "" {
				return nil, fmt.Errorf("%s:%d: want signal: SIGxxx after …, got %q", path, i+1, val)
			}
			c.signal, c.after = sig, after
		case "kill-worker":
			c.killWorker = val
		case "env":
			c.env = append(c.env, val)
		case "stdout-json":
			c.stdoutJSON = val == "true"
		case "small-stdout-pipe":
			c.smallStdoutPipe = val == "true"
		default:
			return nil, fmt.Errorf("%s:%d: unknown key %q", path, i+1, key)
		}
	}
	var cur string
	for ; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\n")
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") {
			cur = strings.TrimSuffix(strings.TrimPrefix(line, "-- "), " --")
			c.fileOrder = append(c.fileOrder, cur)
			c.files[cur] = ""
			continue
		}
		c.files[cur] += lines[i]
	}
	switch {
	case c.proves == "":
		return nil, fmt.Errorf("%s: no comment line saying what the case proves", path)
	case c.exit < 0:
		return nil, fmt.Errorf("%s: no exit:", path)
	case c.args == nil:
		return nil, fmt.Errorf("%s: no args:", path)
	case len(c.stderr)+len(c.stderrRE)+len(c.stdout) == 0 && c.results == "" && c.exit != 0:
		return nil, fmt.Errorf("%s: no stderr:, stdout: or results: to check", path)
	}
	return c, nil
}

// TestHostileCorpus runs every case of testdata/hostile through the built
// binary, as a user would: each in a directory of its own holding its
// files, with TMPDIR and the results directory its own. Beyond what each
// case asks, every case must leave TMPDIR empty and print no panic; an
// exit 2 must also leave no results file, no new file beside the spec and
// no database directory: nothing ran.
func TestHostileCorpus(t *testing.T) {
	paths, err := filepath.Glob("testdata/hostile/*.case")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 60 {
		t.Errorf("got %d hostile cases, want at least 60", len(paths))
	}
	var cases []*hostileCase
	for _, p := range paths {
		c, err := parseHostile(p)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	bin := buildScenrun(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			t.Log(c.proves)
			runHostile(t, bin, c)
		})
	}
}

// runHostile runs one case and checks it.
func runHostile(t *testing.T, bin string, c *hostileCase) {
	dir, tmp, out := t.TempDir(), t.TempDir(), t.TempDir()
	for _, name := range c.fileOrder {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c.files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	expand := strings.NewReplacer("$OUT", out, "$TMP", tmp, "$DIR", dir).Replace
	var args []string
	for _, a := range c.args {
		args = append(args, expand(a))
	}
	before := leftIn(dir)

	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "SCENRUN_POSTGRES_URL=", "NO_COLOR=1", "GITHUB_STEP_SUMMARY=")
	for _, e := range c.env {
		cmd.Env = append(cmd.Env, expand(e))
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	if c.smallStdoutPipe {
		// The smallest pipe Linux allows (a page): the report blocks on it
		// until the test reads, so a signal can arrive during the report.
		syscall.Syscall(syscall.SYS_FCNTL, pw.Fd(), 1031 /* F_SETPIPE_SZ */, 4096)
	}
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	var stdout bytes.Buffer
	drained := make(chan struct{})
	drain := func() {
		go func() { io.Copy(&stdout, pr); pr.Close(); close(drained) }()
	}
	exited := make(chan struct{})
	var waitErr error
	fail := func(format string, a ...any) {
		cmd.Process.Kill()
		drain()
		<-drained
		t.Fatalf(format+"; stderr:\n%s", append(a, stderr.String())...)
	}
	switch {
	case c.signal != "":
		if !waitFor(c.after, dir, tmp, out) {
			fail("%s never happened", c.after)
		}
		if err := cmd.Process.Signal(signals[c.signal]); err != nil {
			t.Fatal(err)
		}
		drain()
	case c.killWorker != "":
		drain()
		if !waitFor("db "+c.killWorker, dir, tmp, out) {
			fail("run %s never started", c.killWorker)
		}
		pid := childOf(cmd.Process.Pid, 60*time.Second)
		if pid == 0 {
			fail("no worker process appeared")
		}
		syscall.Kill(pid, syscall.SIGKILL)
	default:
		drain()
	}
	go func() { waitErr = cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(90 * time.Second):
		fail("still running after 90 s")
	}
	<-drained
	_ = waitErr
	code := cmd.ProcessState.ExitCode()
	so, se := stdout.String(), stderr.String()
	if code != c.exit {
		t.Errorf("got exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.exit, so, se)
	}
	for _, w := range c.stderr {
		if !strings.Contains(se, expand(w)) {
			t.Errorf("stderr: want %q in\n%s", expand(w), se)
		}
	}
	for _, w := range c.notStderr {
		if strings.Contains(se, expand(w)) {
			t.Errorf("stderr: got %q, want it absent:\n%s", expand(w), se)
		}
	}
	for _, re := range c.stderrRE {
		if !re.MatchString(se) {
			t.Errorf("stderr: want a match of %q in\n%s", re, se)
		}
	}
	for _, w := range c.stdout {
		if !strings.Contains(so, expand(w)) {
			t.Errorf("stdout: want %q in\n%s", expand(w), so)
		}
	}
	for _, bad := range []string{"panic:", "goroutine ", "SIGSEGV"} {
		if strings.Contains(se, bad) {
			t.Errorf("stderr: got %q, want no panic:\n%s", bad, se)
		}
	}
	if left := leftIn(tmp); len(left) != 0 {
		t.Errorf("TMPDIR: got %v left, want nothing", left)
	}
	if code == exitUsage {
		if left := leftIn(out); len(left) != 0 {
			t.Errorf("exit 2: got %v in the results directory, want nothing", left)
		}
		if after := leftIn(dir); !slices.Equal(after, before) {
			t.Errorf("exit 2: got %v in the spec's directory, want only %v", after, before)
		}
	}
	if c.stdoutJSON {
		dec := json.NewDecoder(strings.NewReader(so))
		var res analysis.Results
		if err := dec.Decode(&res); err != nil {
			t.Errorf("stdout: %v, want one results JSON document", err)
		} else if _, err := dec.Token(); err != io.EOF {
			t.Errorf("stdout: got more after the results JSON (%v), want it alone", err)
		}
	}
	if c.results != "" {
		res, err := analysis.ReadJSON(filepath.Join(dir, expand(c.results)))
		if err != nil {
			t.Errorf("results: %v", err)
		} else if c.interrupted != "" && strconv.FormatBool(res.Interrupted) != c.interrupted {
			t.Errorf("results: got interrupted %v, want %s", res.Interrupted, c.interrupted)
		}
	}
}

// waitFor waits up to a minute for what: "db RUN" (the run's temporary
// database exists), "file PATH" (PATH exists, relative to the case's
// directory, $OUT expanded) or "stderr-file PATH".
func waitFor(what, dir, tmp, out string) bool {
	kind, arg, _ := strings.Cut(what, " ")
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		switch kind {
		case "db":
			run, extra, _ := strings.Cut(arg, " +")
			if m, _ := filepath.Glob(filepath.Join(tmp, "scenrun-"+run+"-*", "scenrun.db")); len(m) > 0 {
				if d, err := time.ParseDuration(extra); err == nil {
					time.Sleep(d)
				}
				return true
			}
		case "file":
			p := strings.ReplaceAll(arg, "$OUT", out)
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			if _, err := os.Stat(p); err == nil {
				return true
			}
		default:
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// childOf waits for a child process of pid and returns its id, 0 if none
// appears in time.
func childOf(pid int, wait time.Duration) int {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		stats, _ := filepath.Glob("/proc/[0-9]*/stat")
		for _, s := range stats {
			f, err := os.Open(s)
			if err != nil {
				continue
			}
			line, _ := bufio.NewReader(f).ReadString('\n')
			f.Close()
			// pid (comm) state ppid …; comm may hold spaces, so cut at the last ")".
			rest := line[strings.LastIndexByte(line, ')')+1:]
			fields := strings.Fields(rest)
			if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
				child, _ := strconv.Atoi(filepath.Base(filepath.Dir(s)))
				return child
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0
}
