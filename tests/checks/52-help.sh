#!/usr/bin/env bash
# 52-help.sh - `make help` lists every documented target, and every
# variable it lists (the Makefile's and the labs' compare.sh's "#: " lines)
# is in README.md.
. "$(dirname "$0")/../lib.sh"
section "make help lists every target and every variable"
help=$(make -s --no-print-directory help)
missing=""
for target in $(grep -oE '^[a-z0-9-]+:.*## ' Makefile | cut -d: -f1); do
    grep -q "make $target " <<< "$help" || missing+=" $target"
done
[ -z "$missing" ] && ok "every documented target is in make help" || bad "missing from help:$missing"
undocumented=""
for var in $(sed -n 's/^#: \([A-Z_]*\)=.*/\1/p' Makefile labs/*/compare.sh); do
    grep -q "$var=" README.md || undocumented+=" $var"
done
[ -z "$undocumented" ] && ok "every variable in make help is in README.md" \
    || bad "variables in make help but not in README.md:$undocumented"
