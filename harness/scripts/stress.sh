#!/usr/bin/env bash
# stress.sh N - grade the reference solutions N times while a CPU hog keeps
# every core busy, and count false failures per test.  The target is 0 of N.
# Writes build/stress/report.txt.
set -euo pipefail
. harness/scripts/tsv.sh
runs=${1:-100}
cores=$(harness/scripts/cores.sh)
out=build/stress
rm -rf "$out"
mkdir -p "$out"

hogs=()
for _ in $(seq "$cores"); do
    ( trap 'exit 0' TERM; while :; do :; done ) &
    hogs+=($!)
done
trap 'kill "${hogs[@]}" 2>/dev/null' EXIT INT TERM

echo "stress: grading the reference $runs times with $cores busy-loop hogs on $cores cores"
start=$(date +%s)
for i in $(seq "$runs"); do
    make -s --no-print-directory grade-now SRC=solutions BUILD=build/solutions \
        GRADE_OUT="$out/run-$i" > "$out/run-$i.log" 2>&1 || true
    tsv_awk -v run="$i" 'status == "failed" { print run "\t" lab ": " test }' \
        "$out/run-$i/results.tsv" >> "$out/failures.tsv" 2>/dev/null || true
    [ -s "$out/run-$i/results.tsv" ] || echo "$i	(no results: the grader did not complete)" >> "$out/failures.tsv"
    printf '\r  run %d/%d, %d false failures so far' "$i" "$runs" "$(wc -l < "$out/failures.tsv" 2>/dev/null || echo 0)"
done
echo
{
    echo "Grading the reference $runs times on $cores cores with $cores CPU hogs, $(($(date +%s) - start)) s"
    if [ -s "$out/failures.tsv" ]; then
        echo "False failures per test (out of $runs runs):"
        cut -f2 "$out/failures.tsv" | sort | uniq -c | sort -rn
        echo "Runs with failures: $(cut -f1 "$out/failures.tsv" | sort -u | tr '\n' ' ')"
    else
        echo "False failures: 0 of $runs runs"
    fi
} | tee "$out/report.txt"
[ ! -s "$out/failures.tsv" ]
