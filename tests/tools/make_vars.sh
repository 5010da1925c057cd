#!/usr/bin/env bash
# make_vars.sh - every variable `make help` lists (the NAME=VALUE words that
# open a "#: " line of the Makefile or of a lab's compare.sh) is documented where its reader looks:
# a student's in README.md, an instructor's (a line between the Makefile's
# instructor-only markers) in the instructors' guide.  A student's handout
# has neither those lines nor the guide.  Prints each variable missing, and
# where; exits 1 if any is.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
status=0
# vars: "SIDE NAME" for each variable a "#: " line opens with.
vars() {
    awk 'FNR == 1 { side = "" } /^# instructor-only$/ { side = "instructor" } /^# \/instructor-only$/ { side = "" }
         /^#: / { line = substr($0, 4); sub(/  .*/, "", line); n = split(line, w, " ")
                  for (i = 1; i <= n; i++) if (w[i] ~ /^[A-Z_]+=/) { sub(/=.*/, "", w[i]); print (side ? side : "student"), w[i] } }' Makefile labs/*/compare.sh
}
while read -r side name; do
    doc=README.md
    # instructor-only
    [ "$side" = instructor ] && doc=solutions/README.md
    # /instructor-only
    grep -qE "(^|[^A-Z_])$name=" "$doc" 2>/dev/null || { echo "$name= ($side) is in make help but not in $doc"; status=1; }
done < <(vars)
exit $status
