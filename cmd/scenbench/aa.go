package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/scenrun/scenrun/engine"
	"github.com/scenrun/scenrun/scenario"
)

// aaChecks are the lower() verdicts an A/A repetition adds to the spec: three
// segment stats, each in both directions. Between two identical runs every
// one of them that comes out true is a false positive of the gate.
var aaChecks = [][2]string{{"db_total_ms", "p95"}, {"lock_wait_ms", "p95"}, {"total_wall_ms", "p50"}}

// aaSpec is the A/A spec with the lower() verdicts appended as assertions
// named "fp: …"; they are negated, so a failed one is a fooled gate.
func aaSpec(path string, src []byte) (*scenario.Spec, int, error) {
	var b strings.Builder
	b.Write(src)
	if !strings.HasSuffix(b.String(), "\n") {
		b.WriteByte('\n')
	}
	n := 0
	for _, c := range aaChecks {
		for _, dir := range []string{"a, b", "b, a"} {
			fmt.Fprintf(&b, "  - name: \"fp: lower(%s) %s %s\"\n    expr: not lower(%s, %q, %q)\n", dir, c[0], c[1], dir, c[0], c[1])
			n++
		}
	}
	spec, err := scenario.Parse(path, []byte(b.String()), nil)
	return spec, n, err
}

// aa measures the false-positive rate of lower() over reps repetitions of
// the A/A scenario at path. It fails (exit 1) when the rate exceeds 2α, and
// exit 3 when a repetition breaks (a run error or a deterministic assertion
// of the scenario failing).
func aa(ctx context.Context, path string, reps int, tmp string, stdout, stderr io.Writer) int {
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "scenbench: -aa: %v\n", err)
		return 2
	}
	spec, checks, err := aaSpec(path, src)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	alpha := spec.Gate.Alpha
	fmt.Fprintf(stdout, "A/A: %s, %d repetitions, %d lower() verdicts each (α=%g)\n", path, reps, checks, alpha)
	fp, verdicts, fooled := 0, 0, 0
	for i := 1; i <= reps; i++ {
		r, err := engine.NewRunner(spec, engine.Options{TempDir: tmp, Version: "scenbench"})
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		res, err := r.Run(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "scenbench: A/A repetition %d: %v\n", i, err)
			return 3
		}
		n := 0
		for _, a := range res.Assertions {
			switch {
			case strings.HasPrefix(a.Name, "fp: "):
				if !a.Passed {
					n++
				}
			case !a.Passed:
				fmt.Fprintf(stderr, "scenbench: A/A repetition %d: %q failed: %s\n", i, a.Name, a.Detail)
				return 3
			}
		}
		fp += n
		verdicts += checks
		if n > 0 {
			fooled++
		}
		fmt.Fprintf(stdout, "repetition %2d: %d of %d lower() verdicts true\n", i, n, checks)
	}
	rate := float64(fp) / float64(verdicts)
	fmt.Fprintf(stdout, "false positives of lower(): %d of %d verdicts = %.3f (expected about α/2 = %.3f; limit 2α = %.2f)\n", fp, verdicts, rate, alpha/2, 2*alpha)
	fmt.Fprintf(stdout, "repetitions with any false positive: %d of %d\n", fooled, reps)
	if rate > 2*alpha {
		fmt.Fprintln(stdout, "FAIL: the gate claims differences that are not there")
		return 1
	}
	return 0
}
