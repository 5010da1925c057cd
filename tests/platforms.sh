#!/usr/bin/env bash
# platforms.sh - the instructor platforms' bundles, each run in a simulated
# environment: the GitHub Actions workflow (parsed as YAML, its summary step
# run on a real results.json), PrairieLearn (a /grade tree, under Docker's
# default capabilities), Classroom 50 (a student checkout and the runner's
# variables).  run.sh sources it; `tests/platforms.sh` runs it alone.
#
# To stay cheap it grades one lab ($FIRST_LAB); the reference with all three
# passes once, everything else with the passes or tests the case needs.
# Written for `set -euo pipefail` (its own when alone, run.sh's when sourced):
# a command whose failure is a finding ends in `|| rc=$?` or `|| true`.
if [ -z "${T:-}" ]; then   # run alone: what run.sh would have set
    set -euo pipefail
    cd "$(dirname "$0")/.."
    T=build/test
    mkdir -p "$T"
    passed=0 failed=0
    LABS=${TEST_LABS:-$(cd labs && ls -d [0-9][0-9]-* | tr '\n' ' ')}
    FIRST_LAB=${LABS%% *}
    ok() { echo "  ✓ $1"; passed=$((passed + 1)); }
    bad() { echo "  ✗ $1"; shift; [ $# -gt 0 ] && printf '%s\n' "$@" | head -25 | sed 's/^/      /'; failed=$((failed + 1)); }
    PLATFORMS_ALONE=1
fi
. harness/scripts/tsv.sh
P=$PWD/$T/platforms
rm -rf "$P"
mkdir -p "$P"
platforms_start=$(date +%s)
cc -std=c11 -O2 -Wall -Wextra -Werror -Iharness/grader -Iharness/testlib tests/tools/check_platform.c harness/grader/json.c -lm \
    -o "$P/check_platform" && make -s --no-print-directory build/harness/convert \
    || { bad "check_platform or convert does not build"; return 1 2>/dev/null || exit 1; }
# The kit's objects for these gradings, shared by all of them.
kit_build=KIT_BUILD=$PWD/$T/platforms-kit

# --- No trace of GitHub Classroom's retired autograding actions ---------------
# (the names are split so that this file does not contain them)
hits=$(git ls-files -z 2>/dev/null | xargs -0 grep -l -e "classroom-resources/""autograding" \
       -e "education/""autograding" -e "autograding-""command-grader" 2>/dev/null || true)
[ -z "$hits" ] && ok "no file refers to GitHub Classroom's autograding actions" \
    || bad "files still use Classroom's autograding actions" "$hits"

# --- GitHub Actions -------------------------------------------------------------
wf=harness/scripts/github/grade.yml
py=""
for p in python3 /usr/bin/python3; do "$p" -c 'import yaml' 2>/dev/null && { py=$p; break; }; done
if [ -z "$py" ]; then
    bad "no YAML parser (python3 with yaml: deps.sh --for-tests installs python3-yaml)"
elif out=$("$py" - "$wf" "$P/summary-step.sh" <<'PY' 2>&1
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
steps = doc["jobs"]["grade"]["steps"]
uses = [s.get("uses", "") for s in steps]
assert any(u.startswith("actions/checkout@") for u in uses), "no checkout step"
upload = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
assert upload and "build/grade/" in upload[0]["with"]["path"] and "plots/" in upload[0]["with"]["path"], \
    "no upload of build/grade/ and the charts"
runs = [s.get("run", "") for s in steps]
assert any("deps.sh" in r for r in runs), "no step installs the packages"
assert sum("make grade" in r for r in runs) == 1, "grading does not run exactly once"
summary = [s for s in steps if "GITHUB_STEP_SUMMARY" in s.get("run", "")]
assert summary and summary[0].get("if") == "always()", "no summary step that always runs"
grade = [i for i, s in enumerate(steps) if "make grade" in s.get("run", "")][0]
for s in steps[grade + 1:]:
    assert s.get("if") == "always()", "a step after grading does not always run: " + s.get("name", "?")
open(sys.argv[2], "w").write(summary[0]["run"])
print(len(steps), "steps")
PY
); then
    ok "the workflow parses as YAML: $out, grades once, summary and artifacts always"
else
    bad "the workflow" "$out"
fi

# --- PrairieLearn -----------------------------------------------------------------
if out=$(make -s --no-print-directory prairielearn DIST=$T/dist LABS="$FIRST_LAB" 2>&1); then
    q=$T/dist/prairielearn/questions/concurrency-labs/$FIRST_LAB
    files=$(harness/scripts/student_files.sh "$FIRST_LAB")
    missing=""
    for want in '"gradingMethod": "External"' '"image": "' '"timeout": ' '"entrypoint": "' '"uuid": "'; do
        grep -qF "$want" "$q/info.json" || missing+=" $want"
    done
    grep -q "<pl-external-grader-results>" "$q/question.html" || missing+=" pl-external-grader-results"
    for f in $files; do
        grep -q "<pl-file-editor file-name=\"$f\"" "$q/question.html" || missing+=" editor for $f"
        [ -s "$q/clientFilesQuestion/$f" ] || missing+=" skeleton $f"
    done
    leaks=$(find $T/dist/prairielearn/serverFilesCourse -path '*/solutions/*' -type f ! -path '*/solutions/*/tests/*')
    [ -z "$missing$leaks" ] && ok "make prairielearn: info.json, question.html (an editor per file), the kit; no solution code" \
        || bad "the PrairieLearn question" "missing:$missing" "$leaks"
    timeout_s=$(sed -n 's/.*"timeout": \([0-9]*\).*/\1/p' "$q/info.json")
    entry=$(sed -n 's/.*"entrypoint": "\(.*\)".*/\1/p' "$q/info.json")
    # Docker's default capabilities, which PrairieLearn's grading containers
    # get: no CAP_SYS_ADMIN, so no network namespace (the container has no
    # network anyway), but still root, so student code runs as a user of its own.
    caps=-all,+chown,+dac_override,+fowner,+fsetid,+kill,+setgid,+setuid,+setpcap,+net_bind_service
    caps+=,+net_raw,+sys_chroot,+mknod,+audit_write,+setfcap
    docker_caps=()
    [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null && docker_caps=(setpriv --bounding-set "$caps" --)
    # pl CASE [VAR=VALUE...]: grade $FIRST_LAB's files from $P/pl-CASE-student
    # in a fresh /grade tree; prints the check and how long it took.
    pl() {
        local case=$1 g=$P/pl-$1/grade
        shift
        mkdir -p "$g/student"
        cp -r $T/dist/prairielearn/serverFilesCourse "$g/"
        cp "$P/pl-$case-student"/* "$g/student/"
        local start=$(date +%s)
        env PL_ROOT="$g" "$kit_build" "$@" "${docker_caps[@]}" ${entry//\/grade\//$g/} > "$P/pl-$case.log" 2>&1 || true
        echo "$(( $(date +%s) - start ))"
    }
    for case in reference skeleton broken hang forge; do
        mkdir -p "$P/pl-$case-student"
        for f in $files; do
            cp "$([ $case = skeleton ] || [ $case = forge ] && echo labs || echo solutions)/$FIRST_LAB/$f" "$P/pl-$case-student/"
        done
    done
    first=$(echo $files | cut -d' ' -f1)
    echo 'int broken = ;' >> "$P/pl-broken-student/$first"
    cat tests/hostile/forge-records.c >> "$P/pl-forge-student/$first"
    hang_patch=$(ls tests/hostile/$FIRST_LAB/infinite-loop.patch 2>/dev/null || true)
    [ -n "$hang_patch" ] && (cd "$P/pl-hang-student" && git apply -p1 "$OLDPWD/$hang_patch")

    # All plain pass only: the format is the point here; the Gradescope check
    # grades the reference with all three passes.  The hang waits out its
    # timeout in the background (with kit objects of its own, so that two
    # builds never write the same file) while the others are graded.
    hung=$(sed -n 's/^Caught-by: *//p' "$hang_patch" 2>/dev/null || true)
    pl_hang=""
    [ -n "$hang_patch" ] && { kit_build=$kit_build-hang pl hang PASSES=tests ONLY="$hung" > "$P/pl-hang.seconds" & pl_hang=$!; }
    seconds=$(pl reference PASSES=tests)
    res=$P/pl-reference/grade/results/results.json
    check=$("$P/check_platform" prairielearn "$res" || true)
    size=$(stat -c %s "$res" 2>/dev/null || echo 0)
    grep -q "^ok: score 1.0000" <<< "$check" && [ "$size" -le 1000000 ] \
        && ok "PrairieLearn, the reference: $check, $size bytes (≤ 1 MB), in $seconds s" \
        || bad "PrairieLearn, the reference: $check ($size bytes)" "$(tail -5 "$P/pl-reference/grade/results/terminal.txt")"
    grep -q "runs as an unprivileged user" "$P/pl-reference/grade/results/terminal.txt" 2>/dev/null \
        && ok "PrairieLearn: student code ran as a user of its own under Docker's capabilities ($(tail -1 "$P/pl-reference/grade/results/terminal.txt" | tr -d '()'))" \
        || bad "PrairieLearn: student code did not run unprivileged" "$(tail -1 "$P/pl-reference/grade/results/terminal.txt")"
    if command -v gnuplot > /dev/null; then
        grep -q ", 1 images" <<< "$check" && ok "PrairieLearn: the lab's chart is in the results (gnuplot is installed)" \
            || bad "PrairieLearn: no chart although gnuplot is installed" "$(head -5 "$P/pl-reference/grade/results/plots.txt")"
    fi

    pl skeleton PASSES=tests > /dev/null
    check=$("$P/check_platform" prairielearn "$P/pl-skeleton/grade/results/results.json" || true)
    grep -q "^ok: score 0.0000" <<< "$check" && ok "PrairieLearn, the skeleton: $check" \
        || bad "PrairieLearn, the skeleton: $check"

    pl broken PASSES=tests > /dev/null
    res=$P/pl-broken/grade/results/results.json
    check=$("$P/check_platform" prairielearn "$res" || true)
    grep -q "^ok: score 0.0000" <<< "$check" && grep -q '"gradable": true' "$res" &&
        grep -q '"message": "0/[0-9]* points.*did not compile.*error:' "$res" \
        && ok "PrairieLearn, a build failure: gradable, score 0, the compiler's errors in the message" \
        || bad "PrairieLearn, a build failure: $check" "$(head -c 600 "$res")"

    # Issue 25's attack: the build refuses it, so nothing runs, and the
    # student reads why in the message and in every test.
    pl forge PASSES=tests > /dev/null
    res=$P/pl-forge/grade/results/results.json
    check=$("$P/check_platform" prairielearn "$res" || true)
    grep -q "^ok: score 0.0000" <<< "$check" && grep -q '"message": "0/[0-9]* points.\\n'"$FIRST_LAB"': flagged, 0 for the whole lab' "$res" &&
        grep -q "a constructor (lab code may not run before main)" "$res" \
        && ok "PrairieLearn, a skeleton that forges records: score 0, flagged in the message and every test" \
        || bad "PrairieLearn, the forging skeleton: $check" "$(head -c 600 "$res")"

    if [ -n "$hang_patch" ]; then
        wait "$pl_hang" || true   # this job only: run.sh has its own in the background
        seconds=$(cat "$P/pl-hang.seconds")
        res=$P/pl-hang/grade/results/results.json
        check=$("$P/check_platform" prairielearn "$res" || true)
        grep -q "^ok: score 0.0000" <<< "$check" && grep -q "timed out after" "$res" &&
            [ "$seconds" -lt "$timeout_s" ] \
            && ok "PrairieLearn, a hang ($hung): bounded, $seconds s of the job's $timeout_s s, 'timed out' in the feedback" \
            || bad "PrairieLearn, a hang: $check in $seconds s" "$(head -c 600 "$res")"
    fi
else
    bad "make prairielearn failed" "$out"
fi

# --- GitHub Actions: the summary step on a real results.json --------------------
if [ -s "$P/summary-step.sh" ]; then
    # A real results.json: the reference's, plain pass (visible and hidden tests).
    make -s --no-print-directory grade-now SRC=solutions BUILD="$P/gh-build" GRADE_OUT="$P/gh/grade" \
        LABS="$FIRST_LAB" PASSES=tests "$kit_build" > "$P/gh.log" 2>&1 || true
    rc=0
    GITHUB_STEP_SUMMARY=$P/gh-summary.md GRADE_OUT=$P/gh/grade bash -e "$P/summary-step.sh" > "$P/gh-step.log" 2>&1 \
        || rc=$?
    visible=$(tsv_awk 'visibility == "visible" { n++ } END { print n + 0 }' "$P/gh/grade/results.tsv" || true)
    total=$(tsv_awk 'visibility == "visible" { s += score; m += max } END { print s "/" m }' "$P/gh/grade/results.tsv" || true)
    rows=$(grep -c '^| `' "$P/gh-summary.md" 2>/dev/null || true)
    [ $rc = 0 ] && [ "$rows" = "$visible" ] && grep -q "^\*\*Total: $total\*\*" "$P/gh-summary.md" \
        && ok "the workflow's summary step on a real results.json: a row per visible test ($rows), Total: $total" \
        || bad "the summary step (exit $rc, $rows rows for $visible tests)" "$(cat "$P/gh-step.log" "$P/gh-summary.md" | head -20)"
    # The same step on a skeleton that forges records: the lab is flagged.
    mkdir -p "$P/gh-forge/$FIRST_LAB"
    for f in $(harness/scripts/student_files.sh "$FIRST_LAB"); do cp "labs/$FIRST_LAB/$f" "$P/gh-forge/$FIRST_LAB/"; done
    cat tests/hostile/forge-records.c >> "$P/gh-forge/$FIRST_LAB/$(harness/scripts/student_files.sh "$FIRST_LAB" | head -1)"
    chmod -R a+rX "$P/gh-forge"
    make -s --no-print-directory grade-now SRC="$P/gh-forge" BUILD="$P/gh-forge-build" GRADE_OUT="$P/gh-forge-grade" \
        LABS="$FIRST_LAB" PASSES=tests "$kit_build" > "$P/gh-forge.log" 2>&1 || true
    rc=0
    GITHUB_STEP_SUMMARY=$P/gh-forge.md GRADE_OUT=$P/gh-forge-grade bash -e "$P/summary-step.sh" > /dev/null 2>&1 || rc=$?
    [ $rc = 0 ] && grep -q "^\*\*Flagged: every test of this lab scores 0.\*\* .*a constructor" "$P/gh-forge.md" &&
        grep -q "^\*\*Total: 0/" "$P/gh-forge.md" \
        && ok "the summary step on a skeleton that forges records: Total 0, the lab flagged with what was found" \
        || bad "the summary step on the forging skeleton (exit $rc)" "$(head -12 "$P/gh-forge.md" 2>/dev/null)"
    rc=0
    GITHUB_STEP_SUMMARY=$P/gh-none.md GRADE_OUT=$P/nowhere bash -e "$P/summary-step.sh" > /dev/null 2>&1 || rc=$?
    [ $rc != 0 ] && grep -q "could not run" "$P/gh-none.md" \
        && ok "without results.json, the summary says grading could not run, and the step fails" \
        || bad "the summary step without results.json did not fail"
fi

# --- Classroom 50 --------------------------------------------------------------------
mutant=$(ls tests/mutants/$FIRST_LAB/*.patch 2>/dev/null | head -1 || true)
if out=$(make -s --no-print-directory classroom50 DIST=$T/dist LABS="$FIRST_LAB" 2>&1); then
    c=$P/c50
    mkdir -p "$c/checkout/labs/$FIRST_LAB"
    cp -r "$T/dist/classroom50/$FIRST_LAB" "$c/bundle"
    for f in $files; do cp "solutions/$FIRST_LAB/$f" "$c/checkout/labs/$FIRST_LAB/"; done
    # A buggy implementation, so that the result has passes and failures to
    # add up (for lab 01's first mutant; another lab's may escape the plain pass).
    (cd "$c/checkout/labs/$FIRST_LAB" && git apply -p1 "$OLDPWD/$mutant")
    runner=(bash "$c/bundle/kit/harness/scripts/classroom50/grade.sh")
    command -v python3 > /dev/null && runner=(python3 "$c/bundle/autograder.py")
    rc=0
    (cd "$c/checkout" && CLASSROOM=os-fall-2026 ASSIGNMENT=$FIRST_LAB OWNER=student1 \
        SUBMISSION_TAG=submit/2026-12-01T12-00-00Z-abc1234 COMMIT_URL=https://github.com/org/r/commit/abc1234 \
        RELEASE_URL=https://github.com/org/r/releases/tag/submit%2F2026-12-01T12-00-00Z-abc1234 \
        PASSES=tests env "$kit_build" "${runner[@]}" > "$c/log" 2>&1) || rc=$?
    check=$("$P/check_platform" classroom50 "$c/checkout/result.json" 2>&1 || true)
    tsv_total=$(grep -h "TOTAL" "$c/log" | sed 's/.*TOTAL \([0-9]*\/[0-9]*\).*/\1/' || true)
    [ $rc = 0 ] && grep -q "^ok: $tsv_total," <<< "$check" \
        && ok "Classroom 50 (${runner[0]}), a buggy $FIRST_LAB: result.json $check, as the terminal's TOTAL" \
        || bad "Classroom 50 (exit $rc): $check; terminal TOTAL $tsv_total" "$(tail -5 "$c/log")"
    [ -s "$c/checkout/release-body.md" ] && grep -q "^\*\*Total: $tsv_total\*\*" "$c/checkout/release-body.md" \
        && ok "Classroom 50: release-body.md carries the same tables" || bad "Classroom 50: no release-body.md"
    # A skeleton that forges records, in a checkout of its own.
    mkdir -p "$c/forge/labs/$FIRST_LAB"
    for f in $files; do cp "labs/$FIRST_LAB/$f" "$c/forge/labs/$FIRST_LAB/"; done
    cat tests/hostile/forge-records.c >> "$c/forge/labs/$FIRST_LAB/$(echo $files | cut -d' ' -f1)"
    rc=0
    (cd "$c/forge" && CLASSROOM=os-fall-2026 ASSIGNMENT=$FIRST_LAB OWNER=student2 \
        SUBMISSION_TAG=submit/2026-12-01T12-00-00Z-def5678 COMMIT_URL=https://github.com/org/r2/commit/def5678 \
        RELEASE_URL=https://github.com/org/r2/releases/tag/submit%2F2026-12-01T12-00-00Z-def5678 \
        PASSES=tests env "$kit_build" "${runner[@]}" > "$c/forge.log" 2>&1) || rc=$?
    check=$("$P/check_platform" classroom50 "$c/forge/result.json" 2>&1 || true)
    [ $rc = 0 ] && grep -q "^ok: 0/" <<< "$check" &&
        grep -q '"message": "flagged, 0 for the whole lab: .*a constructor' "$c/forge/result.json" &&
        grep -q "^\*\*Flagged" "$c/forge/release-body.md" \
        && ok "Classroom 50, a skeleton that forges records: $check, every test's message and the release say flagged" \
        || bad "Classroom 50, the forging skeleton (exit $rc): $check" "$(head -c 600 "$c/forge/result.json" 2>/dev/null)"
else
    bad "make classroom50 failed" "$out"
fi

echo "  (instructor platforms: $(($(date +%s) - platforms_start)) s)"
if [ -n "${PLATFORMS_ALONE:-}" ]; then
    echo
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
fi
