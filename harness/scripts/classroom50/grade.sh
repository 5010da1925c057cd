#!/usr/bin/env bash
# grade.sh - Classroom 50's grading of one submission, run by autograder.py
# in the student's checkout: install what is missing, find the student's
# files, grade them with the kit, and write ./result.json (Classroom 50's
# contract), ./release-body.md (the same tables as GitHub's job summary) and
# the terminal's feedback to the log.  Exits 0 whenever grading ran, whatever
# the score; non-zero only when it could not grade (Classroom 50 then reports
# an error instead of a score).
set -euo pipefail
checkout=$(pwd)
kit=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$kit" || exit 1
labs=$(cat LABS)
harness/scripts/deps.sh || exit 1
work=$(mktemp -d)
chmod 755 "$work"   # reachable by the user that runs student code, when we are root
trap 'rm -rf "$work"' EXIT
missing=$(harness/scripts/collect.sh "$checkout" "$work/tree" $labs)
[ -n "$missing" ] && echo "classroom50: not in the submission: $missing"
NO_COLOR=1 make -s --no-print-directory grade-now SUBMISSION="$work/tree" BUILD="$work/build" \
    GRADE_OUT="$work/grade" LABS="$labs" || true
[ -s "$work/grade/results.json" ] || { echo "classroom50: the grader could not run" >&2; exit 1; }
make -s --no-print-directory build/harness/convert || exit 1
# datetime is the graded commit's date, so a regrade never moves it.
SUBMITTED_AT=$(cd "$checkout" && TZ=UTC0 git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2> /dev/null) \
    build/harness/convert classroom50 "$work/grade/results.json" > "$checkout/result.json.tmp" &&
    mv "$checkout/result.json.tmp" "$checkout/result.json" || exit 1
build/harness/convert summary "$work/grade/results.json" > "$checkout/release-body.md"
exit 0
