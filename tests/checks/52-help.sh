#!/usr/bin/env bash
# 52-help.sh - `make help` lists every documented target, and every
# variable it lists (the Makefile's and the labs' compare.sh's "#: " lines)
# is documented where its reader looks (tests/tools/make_vars.sh): a
# student's in README.md, an instructor's in the instructors' guide.
. "$(dirname "$0")/../lib.sh"
section "make help lists every target and every variable"
help=$(make -s --no-print-directory help)
missing=""
for target in $(grep -oE '^[a-z0-9-]+:.*## ' Makefile | cut -d: -f1); do
    grep -q "make $target " <<< "$help" || missing+=" $target"
done
[ -z "$missing" ] && ok "every documented target is in make help" || bad "missing from help:$missing"
out=$(tests/tools/make_vars.sh) && ok "every variable in make help is documented: a student's in README.md, an instructor's in the instructors' guide" \
    || bad "variables in make help but not documented" "$out"
