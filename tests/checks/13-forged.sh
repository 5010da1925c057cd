#!/usr/bin/env bash
# 13-forged.sh - a skeleton with a constructor that writes a pass for every
# test to the record channel (tests/hostile/forge-records.c) scores 0 on
# every lab, flagged: every pass's build refuses it, and the grading says
# where.
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "A skeleton that forges records (tests/hostile/forge-records.c) scores 0 on every lab, flagged"
forged=$T/forged
rm -rf "$forged"
forger "$forged/src" $LABS
grade forged SRC="$forged/src" || true   # builds in $forged/build
# The line of the constructor in the appended file, and its name for each lab.
ctor_line=$(grep -n '__attribute__((constructor))' tests/hostile/forge-records.c | cut -d: -f1)
for lab in $LABS; do
    first=$(first_file "$lab")
    want="$first:$(( $(wc -l < "labs/$lab/$first") + ctor_line )): a constructor (lab code may not run before main)"
    # The grading built all three passes (each refused, none linked).
    refused=0
    for bin in tests tests-tsan tests-asan; do
        [ ! -e "$forged/build/$lab/$bin" ] && grep -qF "refused: $want" "$forged/build/$lab/$bin.vet" 2>/dev/null &&
            refused=$((refused + 1))
    done
    scores=$(tsv_awk -v l="$lab" 'lab == l { s += score; n++; if (flag == "refused") f++ } END { print s + 0, n + 0, f + 0 }' \
             "$forged/grade/results.tsv" 2>/dev/null || echo "? 0 0")
    read -r score tests flagged <<< "$scores"
    if [ "$score" = 0 ] && [ "$tests" -gt 0 ] && [ "$flagged" = "$tests" ] && [ $refused = 3 ] &&
       grep -qF "$want" "$T/forged.out"; then
        ok "$lab: 0 on all $tests tests, flagged, refused in all three builds: $want"
    else
        bad "$lab: the forging skeleton scored $score over $tests tests ($flagged flagged, $refused of 3 builds refused)" \
            "$(grep -A3 "^$lab" "$T/forged.out")"
    fi
done
book=$(grep '^TOTAL' "$T/forged.out" || true)
grep -q "^TOTAL 0/" <<< "$book" && ok "the terminal's total: $book" || bad "the forged total: $book"
# /instructor-only
