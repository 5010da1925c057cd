#!/usr/bin/env bash
# 22-selecting.sh - LAB= grades one lab (by its name without the number),
# AUTOLAB=1 ends with Autolab's score line, and an unknown LAB is refused
# with the list of labs.
. "$(dirname "$0")/../lib.sh"
section "Selecting labs and sources"
short=${FIRST_LAB#*-}   # LAB= takes the name without its number
make -s --no-print-directory grade-now BUILD="$T/skeleton/build" GRADE_OUT="$T/one-lab/grade" LAB=$short \
    SRC=$SKELETONS > "$T/one-lab.out" 2>&1 || true
[ "$(tsv_select "$T/one-lab/grade/results.tsv" 1 lab | sort -u)" = "$FIRST_LAB" ] \
    && ok "LAB=$short grades $FIRST_LAB only" \
    || bad "LAB=$short graded: $(tsv_select "$T/one-lab/grade/results.tsv" 1 lab | sort -u | tr '\n' ' ')"
last=$(make -s --no-print-directory grade-now LAB=$short AUTOLAB=1 BUILD="$T/skeleton/build" \
       SRC=$SKELETONS GRADE_OUT="$T/autolab" 2>&1 | tail -1 || true)
[ "$last" = "{\"scores\": {\"$FIRST_LAB\": 0}}" ] && ok "AUTOLAB=1 ends with Autolab's score line: $last" \
    || bad "AUTOLAB=1's last line: $last"
if out=$(make -s --no-print-directory grade-now LAB=nonsense 2>&1); then bad "LAB=nonsense was accepted"
else grep -q "is not a lab" <<< "$out" && ok "an unknown LAB is refused with the list of labs" || bad "LAB=nonsense: $out"; fi
