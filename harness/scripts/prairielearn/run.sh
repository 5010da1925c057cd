#!/usr/bin/env bash
# run.sh LAB - PrairieLearn's entrypoint for one question, that is one lab
# (docs/externalGrading.md: the student's files are in /grade/student, and
# /grade/results/results.json must exist when this ends).
#
# Lays the student's files out as the grader wants them, grades them with the
# kit, draws the lab's chart from the student's own code where gnuplot is
# installed, and always writes results.json: a build failure is feedback
# (gradable, the compiler's errors in the message); a grading image that
# lacks what the kit needs is "not gradable", which costs the student no
# attempt.  PL_ROOT (default /grade) lets the kit's tests run this anywhere.
set -euo pipefail
lab=$1
root=${PL_ROOT:-/grade}
kit_src=$(cd "$(dirname "$0")/../../.." && pwd)
results=$root/results
mkdir -p "$results"

# not_gradable MESSAGE: the one file PrairieLearn reads, when we cannot
# grade: "not gradable", which costs the student no attempt.  The kit's
# converter writes it, saying MESSAGE; before the converter is built (an
# image that lacks what builds it), a fixed file says what the image needs.
not_gradable() {
    printf '%s\n' "$1" > "$results/not-gradable.txt"
    echo "not gradable: $1" >> "$results/terminal.txt"
    if [ -x "${convert:-}" ] && "$convert" failed prairielearn "$results/not-gradable.txt" > "$results/results.json.tmp"; then
        mv "$results/results.json.tmp" "$results/results.json"
    else
        cp "$kit_src/harness/scripts/prairielearn/image-lacks.json" "$results/results.json"
    fi
    exit 0
}

# Work in a copy the unprivileged user that runs student code can reach
# (the sandbox checks it); /grade may not be.
work=$(mktemp -d "${TMPDIR:-/tmp}/concurrency-labs.XXXXXX") || not_gradable "no temporary folder"
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
cp -rp "$kit_src" "$work/kit" && chmod -R a+rX "$work/kit" && cd "$work/kit" ||
    not_gradable "cannot copy the kit"
. harness/scripts/tsv.sh

lacking=""
for tool in cc make pkg-config; do command -v $tool > /dev/null || lacking+=" $tool,"; done
pkg-config --exists check 2> /dev/null || lacking+=" Check (libcheck and its pkg-config file),"
pkg-config --exists jansson 2> /dev/null || lacking+=" jansson (libjansson-dev),"
printf 'int main(void) { return 0; }\n' > "$work/probe.c"
cc -fsanitize=thread "$work/probe.c" -o "$work/probe" 2> /dev/null || lacking+=" ThreadSanitizer's runtime,"
[ -z "$lacking" ] || not_gradable "The grading image lacks${lacking%,}: build it from the course's Dockerfile (concurrency-labs/Dockerfile)."
make -s --no-print-directory build/harness/convert > /dev/null 2>&1 ||
    not_gradable "The kit's converter does not build here."
convert=$PWD/build/harness/convert

tree=$work/submission
missing=$(harness/scripts/collect.sh "$root/student" "$tree" "$lab")
NO_COLOR=1 make -s --no-print-directory grade-now SUBMISSION="$tree" BUILD="$work/build" \
    GRADE_OUT="$work/grade" LABS="$lab" > "$results/terminal.txt" 2>&1 || true
[ -s "$work/grade/results.json" ] ||
    not_gradable "The autograder could not grade this submission: $(tail -c 1500 "$results/terminal.txt")"

# The chart: the student's code timed by the lab's driver, run as a user of
# its own (it is untrusted code, now outside the grader's sandbox), bounded in
# time, and its PNG read back as that user, so a planted link cannot make us
# embed a file only root can read.  Everything that user started is killed.
note="" images=()
[ -n "$missing" ] && note="Not in the submission: $missing."
if ! command -v gnuplot > /dev/null; then
    note+=" No chart: gnuplot is not in the grading image."
elif tsv_awk 'status == "failed" { f = 1 } END { exit !f }' "$work/grade/results.tsv"; then
    # The timing driver assumes working code: a hang there would only spend
    # the job's time again.
    note+=" The chart of your code is drawn once every test passes."
elif make -s --no-print-directory "$work/build/$lab/bench" SUBMISSION="$tree" BUILD="$work/build" \
        LABS="$lab" > /dev/null 2>&1 && [ -x "$work/build/$lab/bench" ]; then
    uid=$((300000 + $$ % 100000))
    as_student() { "$@"; }
    if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
        as_student() { setpriv --reuid=$uid --regid=$uid --clear-groups -- "$@"; }
    fi
    mkdir -p plots/data
    [ "$(id -u)" = 0 ] && chown -R $uid:$uid plots
    PLOTS_QUICK=1 as_student timeout -s KILL 60 harness/scripts/plots.sh "$work/build" "your code" \
        "$(nproc 2> /dev/null || echo 1)" "$lab" > "$results/plots.txt" 2>&1 || true
    as_student cat "plots/$lab.png" > "$work/chart.png" 2> /dev/null || true
    # The converter embeds the PNG as base64, which coreutils writes.
    [ -s "$work/chart.png" ] && base64 -w0 "$work/chart.png" > "$work/chart.b64"
    [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null &&
        { setpriv --reuid=$uid --regid=$uid --clear-groups -- kill -KILL -1 2> /dev/null || true; }
    if [ -s "$work/chart.png" ]; then
        images=(--image "$lab: your code, timed by make plots=$work/chart.b64")
    else
        note+=" No chart: $(grep -m1 -v '^==' "$results/plots.txt" | sed 's/^ *//' || true)"
    fi
fi

"$convert" prairielearn "$work/grade/results.json" "${images[@]}" --note "${note# }" \
    > "$results/results.json.tmp" 2>> "$results/terminal.txt" &&
    mv "$results/results.json.tmp" "$results/results.json" ||
    not_gradable "The kit's converter failed: $(tail -c 500 "$results/terminal.txt")"
exit 0
