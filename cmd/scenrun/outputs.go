package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// An output is a file a run writes, with the flag that names it.
type output struct{ flag, path string }

// outputs lists the files a run writes, in the order it writes them: the
// results (-json FILE; not -json -, which is stdout), then the reports. The
// results file chosen under -out is named only when the run ends;
// checkResultsName covers it.
func (c *config) outputs() []output {
	var outs []output
	if c.jsonFile != "" && c.jsonFile != "-" {
		outs = append(outs, output{"-json", c.jsonFile})
	}
	if c.html != "" {
		outs = append(outs, output{"-html", c.html})
	}
	if c.junit != "" {
		outs = append(outs, output{"-junit", c.junit})
	}
	return outs
}

// checkOutputs fails before anything runs when an output could not be
// written after the runs, or would be written over a file the command reads
// or writes: a spec, the -baseline file, another output, the -out or
// -profile directory. One check covers every output flag. The policy it
// keeps: results are never overwritten (-json FILE must not exist, -out
// picks a new name); derived reports (-html, -junit) are replaced.
func checkOutputs(c *config) error {
	if c.jsonFile == "" { // -out is used
		if c.out == "" {
			return fmt.Errorf("-out: empty path (give a directory)")
		}
		if fi, err := os.Stat(c.out); err == nil && !fi.IsDir() {
			return fmt.Errorf("-out %s: not a directory", c.out)
		}
	}
	outs := c.outputs()
	for _, o := range outs {
		dir := filepath.Dir(o.path)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s %s: directory %s does not exist", o.flag, o.path, dir)
		}
		if fi, err := os.Stat(o.path); err == nil && fi.IsDir() {
			return fmt.Errorf("%s %s: is a directory", o.flag, o.path)
		}
	}
	for i, o := range outs {
		for _, spec := range c.specs {
			if samePath(o.path, spec) {
				return fmt.Errorf("%s %s: the same file as the spec %s", o.flag, o.path, spec)
			}
		}
		if c.baseline != "" && samePath(o.path, c.baseline) {
			return fmt.Errorf("%s %s: the same file as -baseline", o.flag, o.path)
		}
		for _, p := range outs[:i] {
			if samePath(o.path, p.path) {
				return fmt.Errorf("%s %s: the same file as %s", o.flag, o.path, p.flag)
			}
		}
		if c.jsonFile == "" && samePath(o.path, c.out) {
			return fmt.Errorf("%s %s: the same path as -out", o.flag, o.path)
		}
		if c.profile != "" && samePath(o.path, c.profile) {
			return fmt.Errorf("%s %s: the same path as -profile", o.flag, o.path)
		}
	}
	// -json FILE never overwrites: refuse before measuring anything rather
	// than after (SaveJSON still guards against a file made in between).
	if c.jsonFile != "" && c.jsonFile != "-" {
		if _, err := os.Lstat(c.jsonFile); err == nil {
			return fmt.Errorf("-json %s: file already exists (scenrun never overwrites results)", c.jsonFile)
		}
	}
	return nil
}

// checkResultsName fails when a report could be the results file that
// -out DIR will choose for scenario name: <name>-<UTC timestamp>[-N].json in
// DIR (report.ResultsPath). Such a report would be written over the results.
func checkResultsName(c *config, name string) error {
	if c.jsonFile != "" {
		return nil
	}
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `-\d{8}T\d{6}Z(-\d+)?\.json$`)
	for _, o := range c.outputs() {
		if re.MatchString(filepath.Base(o.path)) && samePath(filepath.Dir(o.path), c.out) {
			return fmt.Errorf("%s %s: could be the results file chosen under -out %s", o.flag, o.path, c.out)
		}
	}
	return nil
}

// samePath reports whether a and b name one file, however spelt: the same
// absolute, cleaned path; the same existing file (through a symbolic or hard
// link); or, for a file yet to be written, the same name in the same
// directory however that directory is reached.
func samePath(a, b string) bool {
	if absClean(a) == absClean(b) {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	if filepath.Base(absClean(a)) != filepath.Base(absClean(b)) {
		return false
	}
	da, errA := os.Stat(filepath.Dir(absClean(a)))
	db, errB := os.Stat(filepath.Dir(absClean(b)))
	return errA == nil && errB == nil && os.SameFile(da, db)
}

// absClean is path made absolute and cleaned; only cleaned if the working
// directory is unknown.
func absClean(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}
