#!/usr/bin/env bash
# hang_everything.sh DIR - write into DIR a submission in which every test of
# every lab hangs: the skeletons, with NOT_IMPLEMENTED() made to wait forever
# on a condition variable that nobody signals.  README's time-to-feedback
# figure grades it: make grade SUBMISSION=DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1
mkdir -p "$out"
chmod 755 "$out"   # the sandboxed tests read its source lines to name locks
for lab in labs/[0-9][0-9]-*/; do
    name=$(basename "$lab")
    mkdir -p "$out/$name"
    for f in $(harness/scripts/student_files.sh "$name"); do
        f=$lab$f
        # After the last #include: replace how an unfinished body fails.
        awk '{ lines[NR] = $0 } /^#include/ { last = NR }
             END {
               for (i = 1; i <= NR; i++) {
                 print lines[i]
                 if (i == last) {
                   print "#include <pthread.h>"
                   print "#undef NOT_IMPLEMENTED"
                   print "static _Noreturn void hang_forever(int unused, ...)"
                   print "{"
                   print "    (void)unused;   /* the arguments only mark the body\x27s parameters used */"
                   print "    static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;"
                   print "    static pthread_cond_t c = PTHREAD_COND_INITIALIZER;"
                   print "    pthread_mutex_lock(&m);"
                   print "    for (;;)"
                   print "        pthread_cond_wait(&c, &m);"
                   print "}"
                   print "#define NOT_IMPLEMENTED(...) hang_forever(0 __VA_OPT__(,) __VA_ARGS__)"
                 }
               }
             }' "$f" > "$out/$name/$(basename "$f")"
    done
done
