#!/usr/bin/env bash
# classroom50.sh LAB... - write dist/classroom50/ASSIGNMENT/: a Classroom 50
# autograder.  Copy that folder to CLASSROOM/autograders/ASSIGNMENT/ in the
# organisation's classroom50 repository; the runner then runs autograder.py
# for every submission (foundation50/classroom50, wiki/Advanced-Autograding.md).
# ASSIGNMENT is the lab when there is one (make classroom50 LAB=03), else
# concurrency-labs.  The bundle holds the visible tests only: Classroom 50
# publishes it on GitHub Pages, where students can read it.
set -euo pipefail
slug=$([ $# -eq 1 ] && echo "$1" || echo concurrency-labs)
out=${DIST:-dist}/classroom50/$slug
rm -rf "${DIST:-dist}/classroom50"
mkdir -p "$out"
cp harness/scripts/classroom50/autograder.py "$out/"
harness/scripts/kit_copy.sh "$out/kit" --visible "$@"
echo "$*" > "$out/kit/LABS"
echo "classroom50: $out/ for $*: copy it to CLASSROOM/autograders/$slug/ in your classroom50" \
     "repository (visible tests only)"
