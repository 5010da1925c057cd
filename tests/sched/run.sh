#!/usr/bin/env bash
# run.sh [OUT] - build and run the scheduler's own tests (sched_test.c) in
# OUT (default build/test/sched).  CFLAGS_EXTRA adds flags (a sanitizer).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/test/sched}
mkdir -p "$out"
T=harness/testlib
cc=${CC:-gcc}
flags="-std=c11 -g -O1 -Wall -Wextra -Werror -pthread -D_GNU_SOURCE -I$T"
wraps=""
for f in pthread_create pthread_join pthread_exit pthread_mutex_lock pthread_mutex_trylock \
         pthread_mutex_unlock pthread_cond_wait pthread_cond_timedwait pthread_cond_signal \
         pthread_cond_broadcast pthread_barrier_wait sem_wait sem_post sem_trywait nanosleep \
         sched_yield clock_gettime fork; do
    wraps+=" -Wl,--wrap=$f"
done
$cc $flags -c $T/sched.c $T/sched_model.c $T/sched_pct.c $T/sched_calls.c $T/sched_explore.c \
    tests/sched/wrap.c tests/sched/sched_test.c  2>&1
mv ./*.o "$out"/
$cc $flags ${CFLAGS_EXTRA:-} -include $T/sched_atomic.h -c tests/sched/cases.c -o "$out/cases.o"
$cc -pthread ${CFLAGS_EXTRA:-} "$out"/*.o $wraps -o "$out/sched_test"
"$out/sched_test"
