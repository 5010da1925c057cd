#!/usr/bin/env bash
# 50-handout-facts.sh - every handout's points table matches its TEST lines
# (and SCHEDULE_TEST lines), its grading paragraph is harness/grading.md and
# its schedules section harness/schedules.md (tests/tools/handout_facts.sh);
# and that check catches a planted drift of each kind.
. "$(dirname "$0")/../lib.sh"
section "Handouts take their shared facts from one source"
if out=$(tests/tools/handout_facts.sh $LABS); then
    ok "every points table matches its TEST lines, every grading paragraph is harness/grading.md, every schedules section harness/schedules.md"
else
    bad "handouts disagree with their sources" "$out"
fi
# The check itself must catch drift: a copy with one test's points changed in
# its first test file and one word changed in the shared paragraph.
drift=$(mktemp -d)
trap 'rm -rf "$drift"' EXIT
mkdir -p "$drift/labs" "$drift/harness"
cp -r "labs/$FIRST_LAB" "$drift/labs/"
cp harness/grading.md harness/schedules.md "$drift/harness/"
sed -i '0,/^TEST(\([a-z0-9_]*\), *\([0-9]*\),/s//TEST(\1, 1\2,/' "$drift/labs/$FIRST_LAB"/tests/1-*.c
sed -i '0,/three passes/s//two passes/' "$drift/labs/$FIRST_LAB/README.md"
out=$(FACTS_ROOT=$drift tests/tools/handout_facts.sh "$FIRST_LAB" 2>&1 || true)
grep -q "points table does not match" <<< "$out" && grep -q "grading paragraph differs" <<< "$out" \
    && ok "a drifted points table and a reworded grading paragraph are both caught" \
    || bad "handout_facts.sh missed a planted drift" "$out"
