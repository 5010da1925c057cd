#!/usr/bin/env bash
# 11-reference.sh - the reference solutions score full marks in all three
# passes, and the grader's results.json and junit.xml are valid.
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "The reference solutions score full marks in all three passes (plain, ThreadSanitizer, AddressSanitizer)"
grade reference SRC=solutions || true
tsv=$T/reference/grade/results.tsv
for lab in $LABS; do
    failing=$(tsv_awk -v l="$lab" 'lab == l && status == "failed" { print test }' "$tsv" || true)
    if [ -z "$failing" ] && tsv_awk -v l="$lab" 'lab == l { f = 1 } END { exit !f }' "$tsv"; then
        ok "$lab: $(tsv_awk -v l="$lab" 'lab == l { s += score; m += max } END { print s "/" m }' "$tsv")"
    else
        bad "$lab: the reference lost points in: $failing" "$(grep -A6 '✗' "$T/reference.out")"
    fi
done
if out=$("$T/tools/check_platform" gradescope "$T/reference/grade/results.json"); then
    ok "results.json parses and adds up ($out)"
else
    bad "results.json is invalid" "$out"
fi
if out=$(xml_ok "$T/reference/grade/junit.xml"); then ok "junit.xml parses ($out)"
else bad "junit.xml is invalid" "$out"; fi
# /instructor-only
