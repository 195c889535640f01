package analysis

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/scenrun/scenrun/fsm"
)

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
			out.Runs[i].Pragmas = []fsm.Pragma{}
		}
		if out.Runs[i].RunConfig.Pragmas == nil {
			out.Runs[i].RunConfig.Pragmas = []fsm.Pragma{}
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
