package engine

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// TestProfileDirWritesParsableProfilesPerTrial runs one run of one trial and
// one of two trials (plus a warm-up, which is not profiled) and checks that
// every expected file is there, parses as pprof, and has the sample types of
// its kind; and that nothing else was written.
func TestProfileDirWritesParsableProfilesPerTrial(t *testing.T) {
	spec := parse(t, `version: 1
name: prof
defaults: {files: 40, concurrency: 4}
runs:
  - name: one
    connection: shared
  - name: two
    repeat: 2
    warmup: 1
`)
	dir := filepath.Join(t.TempDir(), "profiles")
	res, err := runSpec(t, spec, Options{ProfileDir: dir})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(res.Runs) != 2 || res.Runs[1].Repeat != 2 {
		t.Fatalf("got %d runs, want 2", len(res.Runs))
	}
	wantTypes := map[string][]string{"cpu": {"samples", "cpu"}, "block": {"contentions", "delay"}, "mutex": {"contentions", "delay"}}
	var want []string
	for _, base := range []string{"prof-one", "prof-two-1", "prof-two-2"} {
		for _, kind := range ProfileKinds {
			name := base + "." + kind + ".pprof"
			want = append(want, name)
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			p, err := profile.Parse(f)
			f.Close()
			if err != nil {
				t.Errorf("%s: parse: %v", name, err)
				continue
			}
			var got []string
			for _, st := range p.SampleType {
				got = append(got, st.Type)
			}
			if !slices.Equal(got, wantTypes[kind]) {
				t.Errorf("%s: sample types %v, want %v", name, got, wantTypes[kind])
			}
			if kind == "cpu" && p.DurationNanos <= 0 {
				t.Errorf("%s: duration %d, want > 0", name, p.DurationNanos)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
}

// TestProfileBlockIsPerTrial checks that a block profile holds only the
// events of its own trial: the runtime keeps block events cumulatively, so
// the events of an earlier profiled trial must be taken out.
func TestProfileBlockIsPerTrial(t *testing.T) {
	base := filepath.Join(t.TempDir(), "t")
	p, err := startProfile(base)
	if err != nil {
		t.Fatal(err)
	}
	blockBefore()
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	p, err = startProfile(base)
	if err != nil {
		t.Fatal(err)
	}
	blockDuring()
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(base + ".block.pprof")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	prof, err := profile.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range prof.Sample {
		for _, loc := range s.Location {
			for _, l := range loc.Line {
				seen[l.Function.Name] = true
			}
		}
	}
	if !seen["github.com/scenrun/scenrun/engine.blockDuring"] {
		t.Errorf("the second trial's profile lacks its own blocking (blockDuring)")
	}
	if seen["github.com/scenrun/scenrun/engine.blockBefore"] {
		t.Errorf("the second trial's profile holds the first trial's blocking (blockBefore)")
	}
}

//go:noinline
func blockBefore() { blockOnChannel() }

//go:noinline
func blockDuring() { blockOnChannel() }

func blockOnChannel() {
	ch := make(chan struct{})
	go func() {
		time.Sleep(5 * time.Millisecond)
		close(ch)
	}()
	<-ch
}

func TestProfileDirThatCannotBeMadeIsAnError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	spec := parse(t, "version: 1\nname: p\nruns:\n  - name: r\n")
	if _, err := NewRunner(spec, Options{ProfileDir: filepath.Join(file, "sub")}); err == nil {
		t.Fatal("NewRunner: got no error for a profile directory under a file")
	}
}
