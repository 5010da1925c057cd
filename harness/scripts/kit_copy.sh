#!/usr/bin/env bash
# kit_copy.sh DIR [--visible] LAB... - copy what grading needs into DIR: the
# Makefile, the harness, each lab's folder (skeletons, headers, visible
# tests) and, unless --visible, its hidden tests (solutions/LAB/tests/).  Never solution code.  The
# Gradescope and PrairieLearn bundles hold one such copy each.
set -euo pipefail
dir=$1
shift
hidden=yes
[ "${1:-}" = --visible ] && { hidden=no; shift; }
mkdir -p "$dir/labs"
cp Makefile "$dir/"
cp -r harness "$dir/"
for lab in "$@"; do
    cp -r "labs/$lab" "$dir/labs/"
    if [ $hidden = yes ] && [ -d "solutions/$lab/tests" ]; then
        mkdir -p "$dir/solutions/$lab"
        cp -r "solutions/$lab/tests" "$dir/solutions/$lab/"
    fi
done
