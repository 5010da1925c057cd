#!/usr/bin/env bash
# compare.sh BUILD_DIR - lab 05's benchmark (`make bench`): no-op throughput of
# the reference pool against Python's ThreadPoolExecutor and GLib's
# GThreadPool, measured in the same run, on as many workers as cores.  Beside
# them, peers/ceiling.c: futures handed to one spinning thread and back with
# no lock and no sleeping, which is what this machine's cores allow at most.
#
# Ours and Python's: submit 4096 no-op tasks, then result() each, repeated.
# GLib's: push no-op tasks and wait until all have run (it has no futures).
# The three take turns, ROUNDS times (3), and each keeps its best round: on a
# shared machine, load that comes and goes then falls on all three alike.
# A peer that is not installed is reported as skipped.  BENCH_WHO (from
# make bench) names the pool being measured: the reference, or your code.
# Prints: ceiling: ideal hand-off
# Leaderboard: --compare 2 1
set -u
build=$1
lab=$(cd "$(dirname "$0")" && pwd)
workers=$("$lab/../../harness/cores.sh")
reference="this lab's reference"
who=${BENCH_WHO:-$reference}
rounds=${ROUNDS:-3}
fmt() { awk -v r="$1" 'BEGIN { if (r >= 1e6) printf "%.2f M", r / 1e6; else printf "%.0f k", r / 1e3 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
best() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { print (a > b ? a : b) }'; }

have_python=no have_glib=no
command -v python3 > /dev/null && have_python=yes
cc -std=c11 -O2 -Wall -Wextra -Werror -pthread "$lab/peers/ceiling.c" -o "$build/ceiling" \
    2> "$build/ceiling.log" || { echo "the ceiling did not compile: see $build/ceiling.log"; exit 1; }
if command -v pkg-config > /dev/null && pkg-config --exists glib-2.0; then
    if cc -std=c11 -O2 "$lab/peers/glib_pool.c" $(pkg-config --cflags --libs glib-2.0) \
          -o "$build/glib_pool" 2> "$build/glib_pool.log"; then
        have_glib=yes
    else
        echo "   (GLib's peer did not compile: see $build/glib_pool.log)"
    fi
fi

ours=0 python=0 glib=0 ceiling=0
for round in $(seq 1 "$rounds"); do
    ceiling=$(best "$ceiling" "$("$build/ceiling" 1000000 1 | awk '{ print $2 }')")
    r=$("$build/bench" --compare "$workers" 1 | awk '/^ours_tasks_per_s/ { print $2 }')
    [ -n "$r" ] || { echo "the bench of $who did not run (see $build/bench.log)"; exit 1; }
    ours=$(best "$ours" "$r")
    if [ $have_python = yes ]; then
        python=$(best "$python" "$(python3 "$lab/peers/python_pool.py" 100000 "$workers" 1 | awk '{ print $2 }')")
    fi
    if [ $have_glib = yes ]; then
        glib=$(best "$glib" "$("$build/glib_pool" 1000000 "$workers" 1 | awk '{ print $2 }')")
    fi
done

echo "   no-op tasks on $workers workers, best of $rounds rounds taken in turns:"
printf '   %-38s %12s   %s\n' "pool" "tasks/s" "ours is"
printf '   %-38s %12s\n' "$who (futures)" "$(fmt "$ours")"
if [ $have_python = yes ]; then
    printf '   %-38s %12s   %sx faster (target: 100x)\n' "Python ThreadPoolExecutor (futures)" \
        "$(fmt "$python")" "$(ratio "$ours" "$python")"
else
    printf '   %-38s %12s\n' "Python ThreadPoolExecutor" "skipped: no python3"
fi
if [ $have_glib = yes ]; then
    printf '   %-38s %12s   %sx as fast (target: 1x)\n' "GLib GThreadPool (no futures)" \
        "$(fmt "$glib")" "$(ratio "$ours" "$glib")"
else
    printf '   %-38s %12s\n' "GLib GThreadPool" "skipped: no glib-2.0 (apt-get install libglib2.0-dev)"
fi
printf '   %-38s %12s   %s of it\n' "ceiling: ideal hand-off, no pool" "$(fmt "$ceiling")" \
    "$(awk -v a="$ours" -v b="$ceiling" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
if [ $have_python = yes ]; then
    echo "   (100x Python would be $(fmt "$(awk -v p="$python" 'BEGIN { print 100 * p }')") tasks/s:" \
         "$(awk -v p="$python" -v c="$ceiling" 'BEGIN { printf "%.0f%%", 10000 * p / c }') of this machine's ceiling)"
fi
