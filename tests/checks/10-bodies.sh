#!/usr/bin/env bash
# 10-bodies.sh - each skeleton differs from its solution only inside
# function bodies (tests/tools/same_outside_bodies.sh).
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "Skeletons differ from solutions only inside function bodies"
for lab in $LABS; do
    for name in $(harness/scripts/student_files.sh "$lab"); do
        if out=$(tests/tools/same_outside_bodies.sh "labs/$lab/$name" "solutions/$lab/$name"); then
            ok "$lab/$name"
        else
            bad "$lab/$name" "$out"
        fi
    done
done
# /instructor-only
