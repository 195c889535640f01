package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// outputsCase is a command line that must be refused before anything runs.
// Its args may hold {dir} (a fresh directory, also the -out directory),
// {spec} (the spec, in {dir}) and {base} (a results file, in {dir}, used as
// -baseline).
type outputsCase struct {
	name  string
	args  []string
	setup func(t *testing.T, dir string) // links and files the case needs
	want  string                         // on stderr, after {dir} is expanded
}

// makeBaseline writes a real results file for -baseline, once per test.
func makeBaseline(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "base.json")
	code, _, stderr := runCmd(t, "-no-progress", "-set", "files=5", "-json", path, writeSpec(t, passing))
	if code != exitOK {
		t.Fatalf("making the baseline: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkRefused runs each case and checks exit 2, the message, and that
// nothing ran: no results file, no report, the spec and the baseline
// untouched byte for byte.
func checkRefused(t *testing.T, tests []outputsCase) {
	t.Helper()
	base := makeBaseline(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := writeSpecIn(t, dir, "spec.yaml", passing)
			basePath := filepath.Join(dir, "base.json")
			if err := os.WriteFile(basePath, base, 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			before := listDir(t, dir)
			expand := strings.NewReplacer("{dir}", dir, "{spec}", spec, "{base}", basePath)
			args := []string{"-no-progress", "-out", dir}
			for _, a := range tc.args {
				args = append(args, expand.Replace(a))
			}
			code, stdout, stderr := runCmd(t, append(args, spec)...)
			if code != exitUsage {
				t.Errorf("got exit %d, want %d; stderr:\n%s", code, exitUsage, stderr)
			}
			if want := "scenrun: " + expand.Replace(tc.want) + "\n"; stderr != want {
				t.Errorf("got stderr\n%q\nwant\n%q", stderr, want)
			}
			if stdout != "" {
				t.Errorf("got stdout %q, want nothing", stdout)
			}
			if after := listDir(t, dir); after != before {
				t.Errorf("something ran: the directory held\n%s\nand now holds\n%s", before, after)
			}
			if b, _ := os.ReadFile(spec); string(b) != passing {
				t.Errorf("the spec was changed: %q", b)
			}
			if b, _ := os.ReadFile(basePath); !bytes.Equal(b, base) {
				t.Errorf("the baseline was changed: %.60q", b)
			}
		})
	}
}

// listDir is every path under dir with its size, one a line.
func listDir(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(strings.TrimPrefix(p, dir) + " " + fi.Mode().String())
		if fi.Mode().IsRegular() {
			fmt.Fprintf(&b, " %d", fi.Size())
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func symlink(target, link string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := os.Symlink(filepath.Join(dir, target), filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
}

func hardlink(target, link string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := os.Link(filepath.Join(dir, target), filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOutputsNeverCollide checks that no output is the same file as another
// output, the -baseline file or a spec being run, however the paths are
// spelt: refused before anything runs, naming both flags and the path.
func TestOutputsNeverCollide(t *testing.T) {
	checkRefused(t, []outputsCase{
		{name: "json and junit", args: []string{"-json", "{dir}/r", "-junit", "{dir}/r"}, want: "-junit {dir}/r: the same file as -json"},
		{name: "json and html", args: []string{"-json", "{dir}/r", "-html", "{dir}/r"}, want: "-html {dir}/r: the same file as -json"},
		{name: "html and junit", args: []string{"-html", "{dir}/r", "-junit", "{dir}/r"}, want: "-junit {dir}/r: the same file as -html"},
		{name: "baseline and html", args: []string{"-baseline", "{base}", "-html", "{base}"}, want: "-html {base}: the same file as -baseline"},
		{name: "baseline and junit", args: []string{"-baseline", "{base}", "-junit", "{base}"}, want: "-junit {base}: the same file as -baseline"},
		{name: "baseline and json", args: []string{"-baseline", "{base}", "-json", "{base}"}, want: "-json {base}: the same file as -baseline"},
		{name: "html is the spec", args: []string{"-html", "{spec}"}, want: "-html {spec}: the same file as the spec {spec}"},
		{name: "junit is the spec", args: []string{"-junit", "{spec}"}, want: "-junit {spec}: the same file as the spec {spec}"},
		{name: "json is the spec", args: []string{"-json", "{spec}"}, want: "-json {spec}: the same file as the spec {spec}"},
		{name: "spelt differently", args: []string{"-json", "{dir}/r.json", "-junit", "{dir}/sub/../r.json"}, setup: mkdir("sub"),
			want: "-junit {dir}/sub/../r.json: the same file as -json"},
		{name: "symlink to the spec", args: []string{"-html", "{dir}/link.yaml"}, setup: symlink("spec.yaml", "link.yaml"),
			want: "-html {dir}/link.yaml: the same file as the spec {spec}"},
		{name: "hard link to the baseline", args: []string{"-baseline", "{base}", "-junit", "{dir}/hard.json"}, setup: hardlink("base.json", "hard.json"),
			want: "-junit {dir}/hard.json: the same file as -baseline"},
		{name: "through a symlinked directory", args: []string{"-json", "{dir}/real/r.json", "-html", "{dir}/alias/r.json"},
			setup: func(t *testing.T, dir string) { mkdir("real")(t, dir); symlink("real", "alias")(t, dir) },
			want:  "-html {dir}/alias/r.json: the same file as -json"},
		{name: "html could be the results file under -out", args: []string{"-html", "{dir}/small-20260101T000000Z.json"},
			want: "-html {dir}/small-20260101T000000Z.json: could be the results file chosen under -out {dir}"},
		{name: "junit is the -out directory", args: []string{"-out", "{dir}/res", "-junit", "{dir}/res"}, want: "-junit {dir}/res: the same path as -out"},
		{name: "html is the -profile directory", args: []string{"-profile", "{dir}/prof", "-html", "{dir}/prof"}, want: "-html {dir}/prof: the same path as -profile"},
	})
}

func mkdir(name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOutputPathsCheckedBeforeRunning checks that an output that could not
// be written after the runs is refused before them, for every output flag.
func TestOutputPathsCheckedBeforeRunning(t *testing.T) {
	checkRefused(t, []outputsCase{
		{name: "json in a missing directory", args: []string{"-json", "{dir}/nope/r.json"}, want: "-json {dir}/nope/r.json: directory {dir}/nope does not exist"},
		{name: "html in a missing directory", args: []string{"-html", "{dir}/nope/r.html"}, want: "-html {dir}/nope/r.html: directory {dir}/nope does not exist"},
		{name: "junit in a missing directory", args: []string{"-junit", "{dir}/nope/j.xml"}, want: "-junit {dir}/nope/j.xml: directory {dir}/nope does not exist"},
		{name: "json under a file", args: []string{"-json", "{spec}/r.json"}, want: "-json {spec}/r.json: directory {spec} does not exist"},
		{name: "empty -out", args: []string{"-out", ""}, want: "-out: empty path (give a directory)"},
		{name: "-out is a file", args: []string{"-out", "{base}"}, want: "-out {base}: not a directory"},
		{name: "html is a directory", args: []string{"-html", "{dir}"}, want: "-html {dir}: is a directory"},
		{name: "json exists", args: []string{"-json", "{base}"}, want: "-json {base}: file already exists (scenrun never overwrites results)"},
	})
}

// TestJSONToStdoutIsNotAFile checks that -json - is stdout, not a file:
// it collides with nothing and needs no directory, and the -out it replaces
// is not checked.
func TestJSONToStdoutIsNotAFile(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "-")
	code, stdout, stderr := runCmd(t, "-no-progress", "-set", "files=5", "-json", "-", "-out", "", "-junit", junit, writeSpec(t, passing))
	if code != exitOK {
		t.Fatalf("got exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "{") {
		t.Errorf("got stdout %.40q, want the JSON", stdout)
	}
	if _, err := os.Stat(junit); err != nil {
		t.Errorf("junit report: %v", err)
	}
}
