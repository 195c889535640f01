package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// resultsTimeLayout is the UTC timestamp in a results file's name.
const resultsTimeLayout = "20060102T150405Z"

// WriteJSON writes res as indented JSON (SPEC §7). Lists that are empty are
// written as [] rather than null, so that a reader can iterate them
// unconditionally; res itself is not modified.
func WriteJSON(w io.Writer, res *Results) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Details such as "4.69 < 80.52" stay readable: this is no HTML page.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jsonLists(res)); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// jsonLists returns a shallow copy of res with its nil lists made empty.
func jsonLists(res *Results) *Results {
	out := *res
	out.Runs = make([]RunResult, len(res.Runs))
	copy(out.Runs, res.Runs)
	for i := range out.Runs {
		if out.Runs[i].Trials == nil {
			out.Runs[i].Trials = []Measurement{}
		}
		if out.Runs[i].Pragmas == nil {
			out.Runs[i].Pragmas = []Pragma{}
		}
		if out.Runs[i].RunConfig.Pragmas == nil {
			out.Runs[i].RunConfig.Pragmas = []Pragma{}
		}
	}
	out.Comparisons = make([]Comparison, len(res.Comparisons))
	copy(out.Comparisons, res.Comparisons)
	for i := range out.Comparisons {
		if out.Comparisons[i].Order == nil {
			out.Comparisons[i].Order = []string{}
		}
		if out.Comparisons[i].Segments == nil {
			out.Comparisons[i].Segments = map[string]SegmentDelta{}
		}
	}
	if out.Assertions == nil {
		out.Assertions = []AssertionResult{}
	}
	return &out
}

// SaveJSON writes res to path atomically (a temporary file in the same
// directory, fsync, then os.Link to the final name and remove the temporary
// file) and never overwrites an existing file: it fails with an error naming
// the path if path exists.
//
// A link, unlike a rename, fails when the name is taken, so even a file
// created at path after the check is never replaced.
func SaveJSON(path string, res *Results) (err error) {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("save results: %s: %w", path, fs.ErrExist)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("save results: cannot write in directory %s: %w", dir, pathErrCause(err))
	}
	tmp := f.Name()
	defer func() {
		if f != nil {
			f.Close()
		}
		if rmErr := os.Remove(tmp); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) && err == nil {
			err = fmt.Errorf("save results: remove temporary file: %w", rmErr)
		}
	}()
	if err := WriteJSON(f, res); err != nil {
		return fmt.Errorf("save results: %s: %w", path, err)
	}
	// CreateTemp makes the file private; a results file is for sharing.
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("save results: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("save results: %w", err)
	}
	closeErr := f.Close()
	f = nil
	if closeErr != nil {
		return fmt.Errorf("save results: %w", closeErr)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("save results: %s: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("save results: %w", err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a new directory entry durable. It is best effort: some file
// systems refuse to sync a directory, and the file itself is already synced.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// pathErrCause strips the *fs.PathError from err when the message around it
// already names the path (CreateTemp's names its pattern, not the directory).
func pathErrCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ResultsPath picks dir/<scenario>-<UTC timestamp>.json (timestamp format
// 20060102T150405Z), creating dir (0o755) if needed; if that name exists, it
// appends -2, -3, … It does not create the file, so SaveJSON's refusal to
// overwrite remains the guard against two runs picking the same name.
func ResultsPath(dir, scenario string, now time.Time) (string, error) {
	if scenario == "" || scenario == "." || scenario == ".." || strings.ContainsAny(scenario, `/\`) {
		return "", fmt.Errorf("results path: scenario name %q cannot name a file", scenario)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("results path: create directory %s: %w", dir, pathErrCause(err))
	}
	base := filepath.Join(dir, scenario+"-"+now.UTC().Format(resultsTimeLayout))
	for n := 1; n <= 10000; n++ {
		path := base + ".json"
		if n > 1 {
			path = base + "-" + strconv.Itoa(n) + ".json"
		}
		_, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", fmt.Errorf("results path: %w", err)
		}
	}
	return "", fmt.Errorf("results path: %s.json and 10000 variants exist", base)
}

// ReadJSON reads a results file written by WriteJSON (for -baseline). Fields
// it does not know are ignored, so that files from newer versions still read;
// a file that is not a JSON object with "scenario" and "runs" is refused as
// not a scenrun results file.
func ReadJSON(path string) (*Results, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("read results: %s: not a scenrun results file: %w", path, err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return nil, fmt.Errorf("read results: %s: unexpected data after the results object", path)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return nil, fmt.Errorf("read results: %s: not a scenrun results file: want a JSON object", path)
	}
	for _, k := range []string{"scenario", "runs"} {
		if _, ok := keys[k]; !ok {
			return nil, fmt.Errorf("read results: %s: not a scenrun results file (no %q)", path, k)
		}
	}
	var res Results
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("read results: %s: not a scenrun results file: %w", path, err)
	}
	if res.Scenario == "" {
		return nil, fmt.Errorf("read results: %s: not a scenrun results file (empty \"scenario\")", path)
	}
	return &res, nil
}
