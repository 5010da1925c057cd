#!/usr/bin/env bash
# compare.sh BUILD_DIR - `make bench` for lab 02: seed 002's program in Python
# against the C counters, 2 threads, one adding +1 and one adding -1.
#
# Prints what each ends at and the wall-clock nanoseconds per update, and how
# many times faster the C versions are.  Python's x += 1 is run under the GIL;
# since CPython 3.10 it usually ends at 0 (see the README), C's racy one does not.
# Prints: ns per update
set -u
build=$1
n=${COMPARE_N:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! PLOTS_QUICK=1 "$build/bench" "$tmp/bench.dat" > "$tmp/bench.out" 2>&1; then
    echo "   the timing driver failed:"; sed 's/^/   /' "$tmp/bench.out"; exit 1
fi
# The driver's table "wall-clock ns per increment": the 2-thread row holds
# racy, atomic and confined medians, each followed by its (spread) and, for a
# point not to be trusted, a "?".
read -r racy atomic confined < <(awk '/^wall-clock ns per increment/ { on = 1; next }
    on && $1 == 2 { n = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9.]+$/) v[++n] = $i
                    print v[1], v[2], v[3]; exit }' "$tmp/bench.out")
[ -n "$confined" ] || { echo "   the timing driver printed no 2-thread row of ns per increment"; exit 1; }

reference="this lab's reference"
who=${BENCH_WHO:-$reference}
printf '   seed 002: 2 threads, %d updates each (+1 against -1), ns per update (C: %s):\n' "$n" "$who"
if ! command -v python3 > /dev/null; then
    printf '   %-32s %10s\n' "Python (x += 1, GIL)" "skipped: no python3"
    awk -v r="$racy" -v a="$atomic" -v c="$confined" 'BEGIN {
        printf "   %-32s %10.2f ns   loses updates\n", "C racy (relaxed load + store)", r
        printf "   %-32s %10.2f ns   exact\n", "C atomic (fetch_add)", a
        printf "   %-32s %10.4f ns   exact\n", "C confined", c
    }'
    exit 0
fi
cat > "$tmp/seed002.py" <<'PY'
import sys, threading, time, platform
x = 0
N = int(sys.argv[1])
def foo():
    global x
    for i in range(N):
        x += 1
def bar():
    global x
    for i in range(N):
        x -= 1
t1, t2 = threading.Thread(target=foo), threading.Thread(target=bar)
start = time.perf_counter()
t1.start(); t2.start(); t1.join(); t2.join()
print(x, (time.perf_counter() - start) * 1e9 / (2 * N), platform.python_version())
PY
read -r py_x py_ns py_version < <(python3 "$tmp/seed002.py" "$n")
printf '   %-32s %10.2f ns   ended at %s\n' "Python $py_version (x += 1, GIL)" "$py_ns" "$py_x"
awk -v p="$py_ns" -v r="$racy" -v a="$atomic" -v c="$confined" 'BEGIN {
    printf "   %-32s %10.2f ns   %6.0fx faster than Python, loses updates\n", "C racy (relaxed load + store)", r, p / r
    printf "   %-32s %10.2f ns   %6.0fx faster than Python, exact\n", "C atomic (fetch_add)", a, p / a
    printf "   %-32s %10.4f ns   %6.0fx faster than Python, exact\n", "C confined", c, p / c
}'
