#!/usr/bin/env bash
# 12-spurious.sh - the reference keeps full marks when condition waits
# return early one time in three (harness/testlib/spurious.h), which POSIX
# allows.
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "The reference survives spurious wakeups, which POSIX allows"
# Spurious wakeups are about waiting logic: the plain and ThreadSanitizer
# passes exercise it; the AddressSanitizer pass would add time, not coverage.
grade spurious SRC=solutions STUDENT_EXTRA="-include harness/testlib/spurious.h harness/testlib/spurious.c" \
    PASSES="tests tests-tsan" || true
failing=$(tsv_awk 'status == "failed" { print lab ": " test }' "$T/spurious/grade/results.tsv" 2>/dev/null || true)
if [ -s "$T/spurious/grade/results.tsv" ] && [ -z "$failing" ]; then
    ok "full marks with condition waits that return early one time in three"
else
    bad "the reference lost points to spurious wakeups" "$failing"
fi
# /instructor-only
