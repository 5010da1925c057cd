#!/usr/bin/env bash
# 54-figures-caught.sh - figures.sh catches a contradiction: each kind
# tests/tools/figures_caught.sh plants in a copy of the documents (a
# handout's figure, the record, a count, a mutant, a stray time, a limit)
# makes `figures.sh check` fail, saying where.
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "Planted contradictions between figures are caught"
out=$(tests/tools/figures_caught.sh 2>&1) && ok "planted contradictions are caught: $(grep -c '^caught' <<< "$out") of $(grep -c . <<< "$out")" \
    || bad "figures.sh missed a planted contradiction" "$out"
# /instructor-only
