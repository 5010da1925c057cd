#!/usr/bin/env bash
# 33-platform-classroom50.sh - `make classroom50` writes an autograder that,
# run in a student's checkout with the runner's variables, writes a
# result.json (schema classroom50/result/v1) whose total is the terminal's,
# and a release body with the same tables; a forger scores 0, flagged in
# every test's message and in the release.
# Lane: packaging
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "Instructor platforms: Classroom 50 ($FIRST_LAB)"
c=$(fresh platforms/classroom50)
kit_build=KIT_BUILD=$PWD/$T/platforms-kit
made classroom50 DIST=$T/dist LABS="$FIRST_LAB"
cp -r "$T/dist/classroom50/$FIRST_LAB" "$c/bundle"
runner=(bash "$c/bundle/kit/harness/scripts/classroom50/grade.sh")
command -v python3 > /dev/null && runner=(python3 "$c/bundle/autograder.py")

# submit DIR OWNER SHA: run the autograder in checkout DIR as Classroom 50's runner would.
submit() {
    (cd "$1" && CLASSROOM=os-fall-2026 ASSIGNMENT=$FIRST_LAB OWNER=$2 \
        SUBMISSION_TAG=submit/2026-12-01T12-00-00Z-$3 COMMIT_URL=https://github.com/org/$2/commit/$3 \
        RELEASE_URL=https://github.com/org/$2/releases/tag/submit%2F2026-12-01T12-00-00Z-$3 \
        PASSES=tests env "$kit_build" "${runner[@]}")
}

# A buggy implementation, so that the result has passes and failures to
# add up (the lab's first mutant; another lab's may escape the plain pass).
mkdir -p "$c/checkout/labs/$FIRST_LAB"
for f in $(harness/scripts/student_files.sh "$FIRST_LAB"); do cp "solutions/$FIRST_LAB/$f" "$c/checkout/labs/$FIRST_LAB/"; done
mutant=$(ls tests/mutants/$FIRST_LAB/*.patch | sed -n 1p)
(cd "$c/checkout/labs/$FIRST_LAB" && git apply -p1 "$OLDPWD/$mutant")
rc=0 && submit "$c/checkout" student1 abc1234 > "$c/log" 2>&1 || rc=$?
check=$("$T/tools/check_platform" classroom50 "$c/checkout/result.json" 2>&1 || true)
tsv_total=$(grep -h "TOTAL" "$c/log" | sed 's/.*TOTAL \([0-9]*\/[0-9]*\).*/\1/' || true)
[ $rc = 0 ] && grep -q "^ok: $tsv_total," <<< "$check" \
    && ok "Classroom 50 (${runner[0]}), a buggy $FIRST_LAB: result.json $check, as the terminal's TOTAL" \
    || bad "Classroom 50 (exit $rc): $check; terminal TOTAL $tsv_total" "$(tail -5 "$c/log")"
[ -s "$c/checkout/release-body.md" ] && grep -q "^\*\*Total: $tsv_total\*\*" "$c/checkout/release-body.md" \
    && ok "Classroom 50: release-body.md carries the same tables" || bad "Classroom 50: no release-body.md"

# A skeleton that forges records, in a checkout of its own.
forger "$c/forge/labs" "$FIRST_LAB"
rc=0 && submit "$c/forge" student2 def5678 > "$c/forge.log" 2>&1 || rc=$?
check=$("$T/tools/check_platform" classroom50 "$c/forge/result.json" 2>&1 || true)
[ $rc = 0 ] && grep -q "^ok: 0/" <<< "$check" &&
    grep -q '"message": "flagged, 0 for the whole lab: .*a constructor' "$c/forge/result.json" &&
    grep -q "^\*\*Flagged" "$c/forge/release-body.md" \
    && ok "Classroom 50, a skeleton that forges records: $check, every test's message and the release say flagged" \
    || bad "Classroom 50, the forging skeleton (exit $rc): $check" "$(head -c 600 "$c/forge/result.json" 2>/dev/null)"
# /instructor-only
