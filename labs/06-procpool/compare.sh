#!/usr/bin/env bash
# compare.sh BUILD_DIR - lab 06's benchmark: procpool_map against Python's
# ProcessPoolExecutor.map, same run, same work: N no-op tasks on 2 worker
# processes at chunksize 1, 10, 100 and 1000.  `make bench` calls it with the
# folder holding the bench binary of the code measured, and names that code
# in BENCH_WHO (the reference, or your code).
#
# Targets: at least 10x Python at chunksize 1, ahead at every chunksize.  Both sides start their workers before the clock starts; the C
# figure is the best of 3 runs, Python's is one run after a warm-up map.
# Prints: C/Python
# Leaderboard: --compare 20000 1
set -u
dir=${1:?usage: compare.sh BUILD_DIR}
bench=$dir/bench
if [ ! -x "$bench" ]; then
    echo "compare.sh: $bench is missing: build it with make bench" >&2
    exit 1
fi

# chunksize and number of tasks: about a second of Python's time each.
runs="1:10000 10:100000 100:500000 1000:2000000"

declare -A c_rate py_rate
for run in $runs; do
    cs=${run%%:*} n=${run##*:}
    c_rate[$cs]=$("$bench" --compare "$n" "$cs" | awk '{print $2}')
done

python_note=""
if command -v python3 > /dev/null; then
    python_out=$(python3 - $runs <<'EOF'
import sys, time
from concurrent.futures import ProcessPoolExecutor

def noop(x):
    return x

if __name__ == "__main__":
    for run in sys.argv[1:]:
        chunksize, n = map(int, run.split(":"))
        with ProcessPoolExecutor(max_workers=2) as ex:
            list(ex.map(noop, range(2000), chunksize=chunksize))   # start the workers
            start = time.perf_counter()
            results = list(ex.map(noop, range(n), chunksize=chunksize))
            took = time.perf_counter() - start
        assert results[-1] == n - 1
        print(chunksize, round(n / took), flush=True)
EOF
    ) || python_note="python3 failed: Python skipped"
    while read -r cs rate; do
        [ -n "$cs" ] && py_rate[$cs]=$rate
    done <<< "$python_out"
    python_note=${python_note:-"$(python3 --version 2>&1), start method fork"}
else
    python_note="python3 not found: Python skipped"
fi

echo "map of no-op tasks on 2 worker processes, $("$(dirname "$0")/../../harness/scripts/cores.sh") cores; C is ${BENCH_WHO:-the reference} ($python_note)"
printf "%-10s %10s %16s %16s %10s  %s\n" chunksize tasks "C tasks/s" "Python tasks/s" "C/Python" target
for run in $runs; do
    cs=${run%%:*} n=${run##*:}
    c=${c_rate[$cs]:-?} py=${py_rate[$cs]:-}
    if [ -z "$py" ]; then
        printf "%-10s %10s %16s %16s %10s  %s\n" "$cs" "$n" "$c" skipped - -
        continue
    fi
    ratio=$(awk -v c="$c" -v p="$py" 'BEGIN { printf "%.1fx", c / p }')
    want=$([ "$cs" = 1 ] && echo 10 || echo 1)
    met=$(awk -v c="$c" -v p="$py" -v w="$want" 'BEGIN { print (c >= w * p) ? "met" : "MISSED" }')
    printf "%-10s %10s %16s %16s %10s  %s\n" "$cs" "$n" "$c" "$py" "$ratio" \
        "$([ "$want" = 10 ] && echo ">= 10x" || echo "ahead"): $met"
done
