package main

import (
	"context"
	"fmt"
	"io"
	"math"
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
// named "fp: …"; they are negated, so a failed one is a fooled gate. sets
// are -set overrides (the sequential check's repeat=auto).
func aaSpec(path string, src []byte, sets ...string) (*scenario.Spec, int, error) {
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
	spec, err := scenario.Parse(path, []byte(b.String()), sets)
	return spec, n, err
}

// aaOptions say how the A/A check runs.
type aaOptions struct {
	path    string
	reps    int // repetitions with the spec's fixed repeat
	seqReps int // repetitions with repeat: auto; 0: none
	files   int // files per trial; 0: the spec's
	tmp     string
}

// aaTally is what the repetitions of one check found.
type aaTally struct {
	fp, verdicts, fooled, trials, runs int
}

// aa measures the false-positive rate of lower() over repetitions of the A/A
// scenario: first with the spec's fixed repeat (it fails, exit 1, when the
// rate exceeds 2α), then, with seqReps, with repeat: auto, whose sequential
// rule must keep the rate ≤ α (exit 1 otherwise). Both checks always run and
// report: a failure of the first does not hide the second. Exit 3 when a repetition
// breaks (a run error or a deterministic assertion of the scenario failing).
func aa(ctx context.Context, o aaOptions, stdout, stderr io.Writer) int {
	src, err := os.ReadFile(o.path)
	if err != nil {
		fmt.Fprintf(stderr, "scenbench: -aa: %v\n", err)
		return 2
	}
	var sets []string
	if o.files > 0 {
		sets = append(sets, fmt.Sprintf("files=%d", o.files))
	}
	spec, checks, err := aaSpec(o.path, src, sets...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	alpha := spec.Gate.Alpha
	fmt.Fprintf(stdout, "A/A: %s, %d repetitions, %d lower() verdicts each (α=%g)\n", o.path, o.reps, checks, alpha)
	t, code := aaRepeat(ctx, spec, checks, o.reps, o.tmp, stdout, stderr)
	if code != 0 {
		return code
	}
	rate := float64(t.fp) / float64(t.verdicts)
	fmt.Fprintf(stdout, "false positives of lower(): %d of %d verdicts = %.3f (expected about α/2 = %.3f; limit 2α = %.2f)\n", t.fp, t.verdicts, rate, alpha/2, 2*alpha)
	fmt.Fprintf(stdout, "repetitions with any false positive: %d of %d\n", t.fooled, o.reps)
	failed := rate > 2*alpha
	if failed {
		fmt.Fprintln(stdout, "FAIL: the gate claims differences that are not there")
	}
	if o.seqReps == 0 {
		return exitIf(failed)
	}

	spec, checks, err = aaSpec(o.path, src, append(sets, "repeat=auto")...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	fmt.Fprintf(stdout, "\nA/A with repeat: auto (repeat_max %d): %d repetitions, %d lower() verdicts each\n", spec.Runs[0].Config.RepeatMax, o.seqReps, checks)
	t, code = aaRepeat(ctx, spec, checks, o.seqReps, o.tmp, stdout, stderr)
	if code != 0 {
		return code
	}
	rate = float64(t.fp) / float64(t.verdicts)
	fmt.Fprintf(stdout, "false positives of the sequential lower(): %d of %d verdicts = %.3f, 95%% upper bound %.3f (Clopper–Pearson, verdicts taken as independent); limit α = %g\n",
		t.fp, t.verdicts, rate, binomUpper(t.fp, t.verdicts, 0.05), alpha)
	fmt.Fprintf(stdout, "repetitions with any false positive: %d of %d; trials per run: %.1f on average (repeat_max %d)\n",
		t.fooled, o.seqReps, float64(t.trials)/float64(t.runs), spec.Runs[0].Config.RepeatMax)
	if rate > alpha {
		fmt.Fprintln(stdout, "FAIL: the sequential gate claims differences that are not there more often than α")
		failed = true
	}
	return exitIf(failed)
}

// exitIf is exit code 1 when failed, 0 otherwise.
func exitIf(failed bool) int {
	if failed {
		return 1
	}
	return 0
}

// aaRepeat runs spec reps times and counts the fooled lower() verdicts.
func aaRepeat(ctx context.Context, spec *scenario.Spec, checks, reps int, tmp string, stdout, stderr io.Writer) (aaTally, int) {
	var t aaTally
	for i := 1; i <= reps; i++ {
		r, err := engine.NewRunner(spec, engine.Options{TempDir: tmp, Version: "scenbench"})
		if err != nil {
			fmt.Fprintln(stderr, err)
			return t, 2
		}
		res, err := r.Run(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "scenbench: A/A repetition %d: %v\n", i, err)
			return t, 3
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
				return t, 3
			}
		}
		var trials []string
		for _, run := range res.Runs {
			t.trials += len(run.Trials)
			t.runs++
			trials = append(trials, fmt.Sprint(len(run.Trials)))
		}
		t.fp += n
		t.verdicts += checks
		if n > 0 {
			t.fooled++
		}
		fmt.Fprintf(stdout, "repetition %2d: %d of %d lower() verdicts true (trials %s)\n", i, n, checks, strings.Join(trials, ", "))
	}
	return t, 0
}

// binomUpper is the one-sided upper confidence bound, at 1−a, of a rate of
// which k of n trials came out (Clopper–Pearson: the rate p at which seeing
// k or fewer has probability a).
func binomUpper(k, n int, a float64) float64 {
	if k >= n {
		return 1
	}
	cdf := func(p float64) float64 { // P(X ≤ k) for X ~ Binomial(n, p)
		s, term := 0.0, math.Pow(1-p, float64(n))
		for i := 0; i <= k; i++ {
			s += term
			term *= float64(n-i) / float64(i+1) * p / (1 - p)
		}
		return s
	}
	lo, hi := float64(k)/float64(n), 1.0
	for range 60 {
		mid := (lo + hi) / 2
		if cdf(mid) > a {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}
