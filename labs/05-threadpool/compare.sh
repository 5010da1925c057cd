#!/usr/bin/env bash
# compare.sh BUILD_DIR - lab 05's benchmark (`make bench`): no-op throughput of
# the pool being measured against its peers, measured in the same run, on as
# many workers as cores.  What each one runs:
#   ours     bench --compare: submit 4096 no-op tasks, then result() and
#            release each future; repeated until 1 M tasks have run
#   naive    peers/naive_pool.c, the same workload on the pool a student
#            writes first: one mutex, one condition variable, a signal per
#            submit, a mutex and a condition variable per future
#   GLib     peers/glib_pool.c, GThreadPool on what it is best at: push 1 M
#            no-op tasks, then wait for all (it hands out no futures)
#   Python   peers/python_pool.py, ThreadPoolExecutor on ours' workload
#            (100 k tasks: it is slow)
#   ceiling  peers/ceiling.c, futures handed to one spinning thread and back
#            with no lock and no sleeping: what this machine's cores allow
# They take turns, ROUNDS times (5): ours, naive, GLib, Python, ceiling,
# ours, ...  so that load which comes and goes falls on all alike.  Each row
# is the median of its rounds and their spread (min-max); each ratio is of
# medians, with its target beside it.  The load average is printed before
# and after.  A peer that is not installed is reported as skipped.
# BENCH_WHO (from make bench) names the pool being measured: the reference,
# or your code.
# Prints: ceiling: ideal hand-off
#: ROUNDS=N          make bench, lab 05: rounds each pool takes, in turns (default 5)
# Leaderboard: --compare 2 1
set -u
build=$1
lab=$(cd "$(dirname "$0")" && pwd)
workers=$("$lab/../../harness/scripts/cores.sh")
reference="this lab's reference"
who=${BENCH_WHO:-$reference}
rounds=${ROUNDS:-5}
fmt() { awk -v r="$1" 'BEGIN { if (r >= 999500) printf "%.2f M", r / 1e6; else printf "%.0f k", r / 1e3 }'; }
# The median and the spread of a list of rates: "MEDIAN MIN MAX".
stats() { tr ' ' '\n' <<< "$1" | grep . | sort -g |
          awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                                    print m, v[1], v[NR] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else printf "?x (no rate)" }'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo unknown; }

have_python=no have_glib=no
command -v python3 > /dev/null && have_python=yes
for peer in ceiling naive_pool; do
    cc -std=c11 -O2 -Wall -Wextra -Werror -pthread "$lab/peers/$peer.c" -o "$build/$peer" \
        2> "$build/$peer.log" || { echo "peers/$peer.c did not compile: see $build/$peer.log"; exit 1; }
done
if command -v pkg-config > /dev/null && pkg-config --exists glib-2.0; then
    if cc -std=c11 -O2 "$lab/peers/glib_pool.c" $(pkg-config --cflags --libs glib-2.0) \
          -o "$build/glib_pool" 2> "$build/glib_pool.log"; then
        have_glib=yes
    else
        echo "   (GLib's peer did not compile: see $build/glib_pool.log)"
    fi
fi

load_before=$(loadavg)
ours="" naive="" glib="" python="" ceiling=""
for round in $(seq 1 "$rounds"); do
    r=$("$build/bench" --compare "$workers" 1 | awk '/^ours_tasks_per_s/ { print $2 }')
    [ -n "$r" ] || { echo "the bench of $who did not run (see $build/bench.log)"; exit 1; }
    ours="$ours $r"
    naive="$naive $("$build/naive_pool" 1000000 "$workers" 1 | awk '{ print $2 }')"
    if [ $have_glib = yes ]; then
        glib="$glib $("$build/glib_pool" 1000000 "$workers" 1 | awk '{ print $2 }')"
    fi
    if [ $have_python = yes ]; then
        python="$python $(python3 "$lab/peers/python_pool.py" 100000 "$workers" 1 | awk '{ print $2 }')"
    fi
    ceiling="$ceiling $("$build/ceiling" 1000000 1 | awk '{ print $2 }')"
done

read -r ours_m ours_lo ours_hi <<< "$(stats "$ours")"
row() {   # row LABEL RATES [RATIO TEXT]
    read -r m lo hi <<< "$(stats "$2")"
    printf '   %-36s %9s  %9s - %-9s %s\n' "$1" "$(fmt "$m")" "$(fmt "$lo")" "$(fmt "$hi")" "${3:-}"
}
echo "   no-op tasks/s on $workers workers: median and range of $rounds round$([ "$rounds" = 1 ] || echo s) taken in turns"
echo "   (load average $load_before before, $(loadavg) after)"
printf '   %-36s %9s  %-21s %s\n' "pool" "median" "min - max" "$who is"
row "$who (futures)" "$ours"
read -r m _ <<< "$(stats "$naive")"
row "naive pool (futures)" "$naive" "$(ratio "$ours_m" "$m") as fast (target >= 2.0x)"
if [ $have_glib = yes ]; then
    read -r m _ <<< "$(stats "$glib")"
    row "GLib GThreadPool (no futures)" "$glib" "$(ratio "$ours_m" "$m") as fast (target >= 1.0x)"
else
    printf '   %-36s %s\n' "GLib GThreadPool" "skipped: no glib-2.0 (apt-get install libglib2.0-dev)"
fi
if [ $have_python = yes ]; then
    read -r m _ <<< "$(stats "$python")"
    row "Python ThreadPoolExecutor (futures)" "$python" "$(ratio "$ours_m" "$m") as fast (target >= 100x)"
else
    printf '   %-36s %s\n' "Python ThreadPoolExecutor" "skipped: no python3"
fi
read -r m _ <<< "$(stats "$ceiling")"
row "ceiling: ideal hand-off, no pool" "$ceiling" \
    "$(awk -v a="$ours_m" -v b="$m" 'BEGIN { if (b > 0) printf "%.0f%% of it", 100 * a / b }')"
