#!/usr/bin/env bash
# run.sh [OUT] - build and run the scheduler's own tests (sched_test.c) in
# OUT (default build/test/sched), linked as a lab's test binary is: the
# interception layer (intercept.c) with the scheduler as its client, the
# calls lab.mk wraps, and the programs under test built with the atomic
# shim.  CFLAGS_EXTRA adds flags to those programs' side (a sanitizer).
# SCHED_PATCH=FILE builds a patched copy of the scheduler instead (the
# scheduler's mutants, tests/sched/mutants/).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/test/sched}
mkdir -p "$out"
T=harness/testlib
if [ -n "${SCHED_PATCH:-}" ]; then
    copy=$out/testlib
    rm -rf "$copy"; mkdir -p "$copy"; cp $T/*.c $T/*.h "$copy/"
    (cd "$copy" && git apply -p1 "$OLDPWD/$SCHED_PATCH")   # git, not patch: git is a test dependency, patch is not on a minimal Debian
    T=$copy
fi
cc=${CC:-gcc}
flags="-std=c11 -g -O1 -Wall -Wextra -Werror -pthread -D_GNU_SOURCE -I$T"
# The wrapped calls are lab.mk's WATCHED_CALLS: one list, read from there.
calls=$(sed -n '/^WATCHED_CALLS :\?+\?=/,/^[^ ]/p' harness/lab.mk | sed 's/^WATCHED_CALLS :\?+\?= *//; s/\\$//' |
        grep -v '^#' | tr -s ' \n' ' ')
wraps=$(for f in $calls; do printf ' -Wl,--wrap=%s' "$f"; done)
for src in sched sched_model sched_pct sched_calls sched_explore sched_client intercept; do
    $cc $flags -c $T/$src.c -o "$out/$src.o"
done
$cc $flags -Itests/sched -c tests/sched/sched_test.c -o "$out/sched_test.o"
$cc $flags ${CFLAGS_EXTRA:-} -include $T/sched_atomic.h -c tests/sched/cases.c -o "$out/cases.o"
$cc -pthread ${CFLAGS_EXTRA:-} "$out"/*.o $wraps -o "$out/sched_test"
"$out/sched_test"
