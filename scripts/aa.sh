#!/usr/bin/env bash
# make aa: the false-positive rate of lower() on an A/A scenario.
#
# scenarios/aa-test.yaml runs one configuration twice (a and b, trials
# interleaved). This script appends lower() in both directions for three
# segment stats to a temporary copy, runs it AA_REPS times (default 20) and
# counts how often lower() claimed a difference that cannot be there. Each
# direction should come out true about α/2 of the time (two-sided test, one
# direction); the check fails when the rate exceeds 2α. The figure is
# measured on this machine as it is: other load widens the trials' spread
# but, with interleaving, hits a and b alike.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/scenrun}
REPS=${AA_REPS:-20}
SPEC=scenarios/aa-test.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

spec=$tmp/aa-fp.yaml
cp "$SPEC" "$spec"
checks=0
for seg_stat in "db_total_ms p95" "lock_wait_ms p95" "total_wall_ms p50"; do
  set -- $seg_stat
  for dir in "a, b" "b, a"; do
    printf '  - name: "fp: lower(%s) %s %s"\n    expr: not lower(%s, "%s", "%s")\n' "$dir" "$1" "$2" "$dir" "$1" "$2" >>"$spec"
    checks=$((checks + 1))
  done
done
alpha=$(awk '/^gate:/ { if (match($0, /alpha: *[0-9.]+/)) { s = substr($0, RSTART, RLENGTH); sub(/alpha: */, "", s); print s } }' "$spec")
alpha=${alpha:-0.05}

echo "A/A: $SPEC, $REPS repetitions, $checks lower() verdicts each (α=$alpha)"
fp=0 verdicts=0 reps_with_fp=0
for i in $(seq 1 "$REPS"); do
  out=$tmp/r$i.json
  code=0
  "$BIN" -no-progress -format csv -json "$out" "$spec" >/dev/null 2>"$tmp/err" || code=$?
  if [ "$code" -gt 1 ]; then
    echo "repetition $i: scenrun exited $code" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  # A fooled gate is an "fp: …" assertion that failed; any other failure
  # is a broken run.
  read -r n bad < <(awk '
    /"name": "fp: / { fp = 1; next }
    /"name": /      { fp = 0 }
    /"passed": false/ { if (fp) n++; else bad++ }
    END { print n + 0, bad + 0 }' "$out")
  if [ "$bad" -gt 0 ]; then
    echo "repetition $i: a deterministic assertion failed:" >&2
    grep -A3 '"passed": false' "$out" >&2
    exit 1
  fi
  fp=$((fp + n))
  verdicts=$((verdicts + checks))
  [ "$n" -gt 0 ] && reps_with_fp=$((reps_with_fp + 1))
  printf 'repetition %2d: %d of %d lower() verdicts true\n' "$i" "$n" "$checks"
done
awk -v fp="$fp" -v n="$verdicts" -v reps="$REPS" -v r="$reps_with_fp" -v a="$alpha" 'BEGIN {
  rate = fp / n
  printf "false positives of lower(): %d of %d verdicts = %.3f (expected about α/2 = %.3f; limit 2α = %.2f)\n", fp, n, rate, a / 2, 2 * a
  printf "repetitions with any false positive: %d of %d\n", r, reps
  if (rate > 2 * a) { print "FAIL: the gate claims differences that are not there"; exit 1 }
}'
