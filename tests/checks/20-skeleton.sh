#!/usr/bin/env bash
# 20-skeleton.sh - the skeletons score 0, every failure names the missing
# function and its file:line, the grader completes, and hidden tests are
# counted in the terminal but never named.
. "$(dirname "$0")/../lib.sh"
section "The skeletons score 0, with clear messages, and the grader completes"
# No test passes a skeleton's plain pass, so its sanitizer passes run nothing:
# the binaries the build check made will do, and no AddressSanitizer build.
if grade skeleton SRC=$SKELETONS PASSES="tests tests-tsan"; then ok "make grade exits 0 on the skeletons"
else bad "make grade failed on the skeletons" "$(tail -5 "$T/skeleton.out")"; fi
passing=$(count skeleton passed)
[ "$passing" -eq 0 ] && [ "$(count skeleton failed)" -gt 0 ] && ok "no test passes on a skeleton" \
    || bad "$passing tests pass on a skeleton" "$(tsv_select "$T/skeleton/grade/results.tsv" 'status == "passed"')"
out=$("$T/tools/check_platform" gradescope "$T/skeleton/grade/results.json") && ok "results.json parses ($out)" \
    || bad "results.json is invalid" "$out"
grep -q "not implemented: [a-z_]* ($SKELETONS/$FIRST_LAB/[a-z_]*\.c:[0-9]*)" "$T/skeleton.out" \
    && ok "feedback names the missing function and its file:line" \
    || bad "no 'not implemented: FUNCTION ($SKELETONS/$FIRST_LAB/FILE.c:LINE)' in the feedback"
# instructor-only
grep -q "hidden tests\? worth .* points\?, graded on submission" "$T/skeleton.out" \
    && ok "the terminal says hidden tests exist, without showing them" \
    || bad "the terminal does not mention the hidden tests"
hidden_names=$(for lab in $LABS; do
    cat "solutions/$lab"/tests/*.c 2>/dev/null | sed -n 's/^HIDDEN_TEST(\([a-z0-9_]*\),.*/\1/p' || true; done)
printed=$(grep -oFf <(echo "$hidden_names") "$T/skeleton.out" | sort -u || true)
[ -n "$hidden_names" ] && [ -z "$printed" ] && ok "hidden test names stay out of the terminal" \
    || bad "hidden test names printed (or none found): ${printed:-none found}"
[ "$(jq '[.tests[] | select(.visibility == "after_published")] | length' "$T/skeleton/grade/results.json")" -gt 0 ] \
    && ok "hidden tests are in results.json as after_published" || bad "no after_published test in results.json"
# /instructor-only
