#!/usr/bin/env bash
# 53-figures.sh - every figure and count in README.md, the instructors'
# guide, harness/README.md, plots/README.md and the handouts is the
# record's (solutions/figures.tsv, which tests/tools/measure.sh writes) or
# the code's (labs, tests, points, mutants, limits): tests/tools/figures.sh.
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "Every figure comes from one source"
out=$(tests/tools/figures.sh check 2>&1) && ok "every figure and count in the documents is the record's (solutions/figures.tsv) or the code's" \
    || bad "a document's figure differs from its source (tests/tools/figures.sh write)" "$out"
# /instructor-only
