package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/scenrun/scenrun/engine/analysis"
)

// resultsTimeLayout is the UTC timestamp in a results file's name.
const resultsTimeLayout = "20060102T150405Z"

// saveFile is the one way scenrun writes an output file: write fills a
// temporary file in path's directory, which is synced and made readable
// (0o644), then takes path's name; the directory entry is synced too. With
// replace, a rename replaces an earlier file (a report is derived and can be
// written again); without it, a link gives the name, and a link, unlike a
// rename, fails when the name is taken, so even a file created at path
// after the check is never replaced. what starts every error ("save
// results"); the temporary file never outlives the call.
func saveFile(path, what string, replace bool, write func(io.Writer) error) (err error) {
	if !replace {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s: %s: %w", what, path, fs.ErrExist)
		}
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("%s: cannot write in directory %s: %w", what, dir, pathErrCause(err))
	}
	tmp := f.Name()
	defer func() {
		if f != nil {
			f.Close()
		}
		if rmErr := os.Remove(tmp); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) && err == nil {
			err = fmt.Errorf("%s: remove temporary file: %w", what, rmErr)
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("%s: %s: %w", what, path, err)
	}
	// CreateTemp makes the file private; an output file is for sharing.
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	closeErr := f.Close()
	f = nil
	if closeErr != nil {
		return fmt.Errorf("%s: %w", what, closeErr)
	}
	if replace {
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	} else if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %s: %w", what, path, fs.ErrExist)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	syncDir(dir)
	return nil
}

// SaveJSON writes res to path atomically and never overwrites an existing
// file: it fails with an error naming the path if path exists.
func SaveJSON(path string, res *analysis.Results) error {
	return saveFile(path, "save results", false, func(w io.Writer) error { return analysis.WriteJSON(w, res) })
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
