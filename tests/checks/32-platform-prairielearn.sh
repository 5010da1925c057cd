#!/usr/bin/env bash
# 32-platform-prairielearn.sh - `make prairielearn` writes a question per
# lab and the kit, no solution code; its entrypoint, run in a fresh /grade
# tree under Docker's default capabilities, grades the reference (score 1,
# under 1 MB, student code unprivileged, the chart), a skeleton (0), a build
# failure (gradable, the compiler's errors), a forger (0, flagged) and a
# hang (bounded); an image that lacks what the kit needs is "not gradable".
# Lane: packaging
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "Instructor platforms: PrairieLearn ($FIRST_LAB)"
P=$(fresh platforms/prairielearn)
kit_build=KIT_BUILD=$PWD/$T/platforms-kit
made prairielearn DIST=$T/dist LABS="$FIRST_LAB"
q=$T/dist/prairielearn/questions/concurrency-labs/$FIRST_LAB
files=$(harness/scripts/student_files.sh "$FIRST_LAB")
missing=""
jq -e '.uuid and .gradingMethod == "External" and (.externalGradingOptions | .image and .timeout and .entrypoint)' \
    "$q/info.json" > /dev/null || missing+=" info.json's uuid, External grading, image, timeout or entrypoint"
grep -q "<pl-external-grader-results>" "$q/question.html" || missing+=" pl-external-grader-results"
for f in $files; do
    grep -q "<pl-file-editor file-name=\"$f\"" "$q/question.html" || missing+=" editor for $f"
    [ -s "$q/clientFilesQuestion/$f" ] || missing+=" skeleton $f"
done
leaks=$(find $T/dist/prairielearn/serverFilesCourse -path '*/solutions/*' -type f ! -path '*/solutions/*/tests/*')
[ -z "$missing$leaks" ] && ok "make prairielearn: info.json, question.html (an editor per file), the kit; no solution code" \
    || bad "the PrairieLearn question" "missing: $missing" "$leaks"
timeout_s=$(jq .externalGradingOptions.timeout "$q/info.json")
entry=$(jq -r .externalGradingOptions.entrypoint "$q/info.json")
# Docker's default capabilities, which PrairieLearn's grading containers
# get: no CAP_SYS_ADMIN, so no network namespace (the container has no
# network anyway), but still root, so student code runs as a user of its own.
caps=-all,+chown,+dac_override,+fowner,+fsetid,+kill,+setgid,+setuid,+setpcap,+net_bind_service
caps+=,+net_raw,+sys_chroot,+mknod,+audit_write,+setfcap
docker_caps=()
[ "$(id -u)" = 0 ] && command -v setpriv > /dev/null && docker_caps=(setpriv --bounding-set "$caps" --)

# pl CASE [VAR=VALUE...]: grade $FIRST_LAB's files from $P/pl-CASE-student
# in a fresh /grade tree; prints how long it took.
pl() {
    local case=$1 g=$P/pl-$1/grade start
    shift
    mkdir -p "$g/student"
    cp -r $T/dist/prairielearn/serverFilesCourse "$g/"
    cp "$P/pl-$case-student"/* "$g/student/"
    start=$(date +%s)
    env PL_ROOT="$g" "$kit_build" "$@" "${docker_caps[@]}" ${entry//\/grade\//$g/} > "$P/pl-$case.log" 2>&1 || true
    echo "$(( $(date +%s) - start ))"
}
# verdict CASE: check_platform's word on the case's results.json.
verdict() { "$T/tools/check_platform" prairielearn "$P/pl-$1/grade/results/results.json" || true; }

for case in reference skeleton broken hang forge lacking; do
    mkdir -p "$P/pl-$case-student"
    for f in $files; do
        cp "$([ $case = skeleton ] || [ $case = forge ] && echo labs || echo solutions)/$FIRST_LAB/$f" "$P/pl-$case-student/"
    done
done
first=$(first_file "$FIRST_LAB")
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
terminal=$P/pl-reference/grade/results/terminal.txt
check=$(verdict reference)
size=$(stat -c %s "$res" 2>/dev/null || echo 0)
grep -q "^ok: score 1.0000" <<< "$check" && [ "$size" -le 1000000 ] \
    && ok "PrairieLearn, the reference: $check, $size bytes (≤ 1 MB), in $seconds s" \
    || bad "PrairieLearn, the reference: $check ($size bytes)" "$(tail -5 "$terminal")"
grep -q "runs as an unprivileged user" "$terminal" 2>/dev/null \
    && ok "PrairieLearn: student code ran as a user of its own under Docker's capabilities ($(tail -1 "$terminal" | tr -d '()'))" \
    || bad "PrairieLearn: student code did not run unprivileged" "$(tail -1 "$terminal")"
if command -v gnuplot > /dev/null; then
    grep -q ", 1 images" <<< "$check" && ok "PrairieLearn: the lab's chart is in the results (gnuplot is installed)" \
        || bad "PrairieLearn: no chart although gnuplot is installed" "$(head -5 "$P/pl-reference/grade/results/plots.txt")"
fi

pl skeleton PASSES=tests > /dev/null
check=$(verdict skeleton)
grep -q "^ok: score 0.0000" <<< "$check" && ok "PrairieLearn, the skeleton: $check" \
    || bad "PrairieLearn, the skeleton: $check"

pl broken PASSES=tests > /dev/null
res=$P/pl-broken/grade/results/results.json
check=$(verdict broken)
grep -q "^ok: score 0.0000" <<< "$check" && grep -q '"gradable": true' "$res" &&
    grep -q '"message": "0/[0-9]* points.*did not compile.*error:' "$res" \
    && ok "PrairieLearn, a build failure: gradable, score 0, the compiler's errors in the message" \
    || bad "PrairieLearn, a build failure: $check" "$(head -c 600 "$res")"

# The build refuses a forger, so nothing runs, and the student reads why
# in the message and in every test.
pl forge PASSES=tests > /dev/null
res=$P/pl-forge/grade/results/results.json
check=$(verdict forge)
grep -q "^ok: score 0.0000" <<< "$check" && grep -q '"message": "0/[0-9]* points.\\n'"$FIRST_LAB"': flagged, 0 for the whole lab' "$res" &&
    grep -q "a constructor (lab code may not run before main)" "$res" \
    && ok "PrairieLearn, a skeleton that forges records: score 0, flagged in the message and every test" \
    || bad "PrairieLearn, the forging skeleton: $check" "$(head -c 600 "$res")"

# An image without what the kit needs (here: pkg-config finds neither Check
# nor jansson) is not gradable, which costs the student no attempt.
pl lacking PKG_CONFIG_LIBDIR=/nonexistent PASSES=tests > /dev/null 2>&1 || true
check=$(verdict lacking)
grep -q "^ok: not gradable: The grading image lacks" <<< "$check" \
    && ok "PrairieLearn, an image without Check and jansson: $check" \
    || bad "PrairieLearn, an image that lacks what the kit needs: $check"

[ -n "$pl_hang" ] || exit 0
wait "$pl_hang" || true
seconds=$(cat "$P/pl-hang.seconds")
res=$P/pl-hang/grade/results/results.json
check=$(verdict hang)
grep -q "^ok: score 0.0000" <<< "$check" && grep -q "timed out after" "$res" && [ "$seconds" -lt "$timeout_s" ] \
    && ok "PrairieLearn, a hang ($hung): bounded, $seconds s of the job's $timeout_s s, 'timed out' in the feedback" \
    || bad "PrairieLearn, a hang: $check in $seconds s" "$(head -c 600 "$res")"
# /instructor-only
