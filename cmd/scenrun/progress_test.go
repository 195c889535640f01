package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// progressSpec takes about a second however fast the machine: 80 files of
// two 5 ms calls each, two at a time.
const progressSpec = `version: 1
name: progress
defaults: {files: 80, concurrency: 2, profile: slow}
profiles:
  slow: {latency: 5ms}
runs:
  - name: first
  - name: second
    repeat: 2
`

var progressLine = regexp.MustCompile(`^progress (first|second) trial \d/\d: \d+/80 files, \d+ transitions/s, ETA (\?|[0-9.]+(ms|s|µs)|\d+m\d\ds)$`)

func TestProgressPlainLines(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "progress.yaml")
	if err := os.WriteFile(spec, []byte(progressSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want bool
	}{
		{"plain lines on a non-terminal", nil, true},
		{"-no-progress", []string{"-no-progress"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"-out", t.TempDir()}, tt.args...)
			code := run(context.Background(), append(args, spec), &stdout, &stderr, environ{progressEvery: 50 * time.Millisecond})
			if code != exitOK {
				t.Fatalf("got exit %d, want 0; stderr:\n%s", code, stderr.String())
			}
			if strings.Contains(stderr.String(), "\x1b") {
				t.Errorf("stderr has ANSI escapes:\n%q", stderr.String())
			}
			for l := range strings.SplitSeq(stdout.String(), "\n") {
				if strings.HasPrefix(l, "progress ") || strings.HasPrefix(l, "done ") || strings.Contains(l, "files, ") {
					t.Errorf("stdout carries progress: %q", l)
				}
			}
			var periodic, done []string
			for l := range strings.SplitSeq(strings.TrimSpace(stderr.String()), "\n") {
				switch {
				case strings.HasPrefix(l, "progress "):
					if !progressLine.MatchString(l) {
						t.Errorf("malformed progress line %q", l)
					}
					periodic = append(periodic, l)
				case strings.HasPrefix(l, "done "):
					done = append(done, l)
				}
			}
			if !tt.want {
				if len(periodic)+len(done) > 0 {
					t.Errorf("got progress with -no-progress:\n%s", stderr.String())
				}
				return
			}
			if len(periodic) == 0 {
				t.Errorf("got no periodic line in a run of a second with lines every 50 ms; stderr:\n%s", stderr.String())
			}
			// One final line per trial: first once, second twice.
			wantDone := []string{"done     first trial 1/1: 80/80 files in ", "done     second trial 1/2: 80/80 files in ", "done     second trial 2/2: 80/80 files in "}
			if len(done) != len(wantDone) {
				t.Fatalf("got %d final lines, want %d:\n%s", len(done), len(wantDone), stderr.String())
			}
			for i, w := range wantDone {
				if !strings.HasPrefix(done[i], w) || !strings.HasSuffix(done[i], " transitions/s") {
					t.Errorf("got final line %q, want it to start %q", done[i], w)
				}
			}
		})
	}
}

// ansiCodes are the escapes go-pretty's display writes: colours, and the
// cursor movements of its redraw.
var ansiCodes = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// runProgressTTY runs spec with stderr taken as a terminal of cols
// columns, and returns stderr's lines, escapes removed. cancelOn, when set,
// interrupts the run as soon as the display has drawn it.
func runProgressTTY(t *testing.T, spec string, cols int, cancelOn string) (code int, raw string, lines []string) {
	t.Helper()
	path := writeSpec(t, spec)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &watchWriter{}
	if cancelOn != "" {
		stderr.on, stderr.then = cancelOn, cancel
	}
	var stdout bytes.Buffer
	code = run(ctx, []string{"-out", t.TempDir(), path}, &stdout, stderr, environ{stderrTTY: true, stderrCols: cols})
	raw = stderr.String()
	for l := range strings.SplitSeq(ansiCodes.ReplaceAllString(raw, ""), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return code, raw, lines
}

// A watchWriter keeps what is written to it, from any goroutine, and calls
// then once what it holds contains on.
type watchWriter struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	on       string
	then     func()
	answered bool
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if w.on != "" && !w.answered && strings.Contains(ansiCodes.ReplaceAllString(w.buf.String(), ""), w.on) {
		w.answered = true
		w.then()
	}
	return n, err
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestProgressFitsTerminal checks that every line the live display draws
// fits the terminal with its last column free: a line that wraps makes the
// redraw, which moves up one line per run, pile lines up.
func TestProgressFitsTerminal(t *testing.T) {
	for _, cols := range []int{80, 100, 120} {
		t.Run(strconv.Itoa(cols), func(t *testing.T) {
			code, raw, lines := runProgressTTY(t, progressSpec, cols, "")
			if code != exitOK {
				t.Fatalf("got exit %d, want 0:\n%s", code, raw)
			}
			if !strings.Contains(raw, "\x1b[") {
				t.Fatalf("got no live display:\n%s", raw)
			}
			for _, l := range lines {
				if n := utf8.RuneCountInString(l); n >= cols {
					t.Errorf("line of %d columns, want < %d: %q", n, cols, l)
				}
			}
			// The bar and the ETA are both the run's.
			if !strings.Contains(raw, "run ETA") {
				t.Errorf("no run ETA in:\n%s", strings.Join(lines, "\n"))
			}
			for _, run := range []string{"first trial 1/1", "second trial 2/2"} {
				if !regexp.MustCompile(regexp.QuoteMeta(run) + ` · .* done! \[`).MatchString(raw) {
					t.Errorf("%s: no done! line in\n%s", run, strings.Join(lines, "\n"))
				}
			}
		})
	}
}

// TestProgressNarrowTerminal checks that a terminal too narrow for a bar
// gets the plain lines, as a pipe does.
func TestProgressNarrowTerminal(t *testing.T) {
	code, raw, _ := runProgressTTY(t, progressSpec, 40, "")
	if code != exitOK {
		t.Fatalf("got exit %d, want 0:\n%s", code, raw)
	}
	if strings.Contains(raw, "\x1b") || !strings.Contains(raw, "done     second trial 2/2: 80/80 files in ") {
		t.Errorf("got\n%q\nwant plain lines and no escapes", raw)
	}
}

// TestProgressInterrupted checks that a run interrupted on a terminal ends
// its line with "interrupted", not go-pretty's "done!". The interruption
// comes once the display shows first's trial under way, not after a fixed
// time: 300 ms, as it was, could fall before the trial began (the setup
// before it, slower on a loaded machine), when first has no line to end.
// first's trial then takes at least 4 s (80 files of two 50 ms calls, two
// at a time), so it is still running when the interruption lands.
func TestProgressInterrupted(t *testing.T) {
	spec := strings.Replace(progressSpec, "latency: 5ms", "latency: 50ms", 1)
	code, raw, lines := runProgressTTY(t, spec, 80, "first trial 1/1")
	if code != exitInterrupted {
		t.Fatalf("got exit %d, want %d:\n%s", code, exitInterrupted, raw)
	}
	var final string
	for _, l := range lines {
		if strings.HasPrefix(l, "first ") {
			final = l
		}
	}
	if !strings.Contains(final, "first trial 1/1 · interrupted") || strings.Contains(final, "done!") {
		t.Errorf("got last line %q, want first's, interrupted", final)
	}
}

// TestFitProgress checks the layouts from wide to narrow, for
// mitigation.yaml's runs: "baseline", 10 trials and a warm-up of 818 files.
func TestFitProgress(t *testing.T) {
	tests := []struct {
		cols int
		want progressLayout
		ok   bool
	}{
		{200, progressLayout{msg: 59, bar: 20, long: true, pct: true, time: true}, true},
		{120, progressLayout{msg: 59, bar: 20, long: true, pct: true, time: true}, true},
		{110, progressLayout{msg: 59, bar: 12, long: true, pct: true, time: true}, true},
		{100, progressLayout{msg: 49, bar: 19, time: true}, true},
		{90, progressLayout{msg: 49, bar: 20}, true},
		{80, progressLayout{msg: 49, bar: 10}, true},
		{79, progressLayout{}, false},
	}
	for _, tt := range tests {
		got, ok := fitProgress(tt.cols, len("baseline"), len("trial 10/10"), filesWidth(818*11))
		if got != tt.want || ok != tt.ok {
			t.Errorf("fitProgress(%d): got %+v %v, want %+v %v", tt.cols, got, ok, tt.want, tt.ok)
		}
	}
}
