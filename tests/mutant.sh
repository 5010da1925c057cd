#!/usr/bin/env bash
# mutant.sh PATCH... - grade buggy or hostile implementations and check that
# each one costs exactly what its header says (format: harness/README.md).
#
#   Caught-by: t1, t2   these tests must score 0 ("none": no test may fail)
#   Exact: yes          every other test must still pass: the damage is contained
#                       (a mutant: in the plain and ThreadSanitizer passes;
#                       a hostile fixture: in all three)
#   Says: text          some feedback must contain this text (every Says: line)
#   Caught-by: all      every test of the lab, hidden ones too, must score 0
#   Against: skeleton   the patch applies to the lab's skeleton (labs/), not
#                       the reference: an attack with no answers to hide behind
#   Flagged: refused    the lab must be flagged so (refused or tampered: 0 on
#                       every test for what the code did); without this line
#                       it must not be flagged: an honest mistake never is
#
# For every patch it also checks that grading wrote results.json and left no
# process behind.  Prints one line per patch; exits 1 if any check failed.
#
# REACH=DIR (a map from tests/tools/reach.sh, as make test makes): an Exact
# patch's gradings run only the tests that can run the code it changes (its
# Caught-by tests, and those the map saw enter a function it changes).  A
# test that never enters changed code runs as it does on the reference, so
# grading it again could only repeat the reference's pass.  Without a map, or
# for a change beyond function bodies, every test runs.
set -euo pipefail
cd "$(dirname "$0")/.."
. harness/scripts/tsv.sh

# header PATCH FIELD: the value of the patch's "FIELD:" lines, one a line.
header() { sed -n "s/^$2: *//p" "$1"; }

# tests_reaching LAB TREE CAUGHT_BY: the tests an Exact grading must run,
# comma-separated ("": all of them; see REACH above).
tests_reaching() {
    local map=${REACH:-/nonexistent}/$1.tsv funcs
    [ -s "$map" ] || return 0
    funcs=$(tests/tools/changed_functions.sh "solutions/$1" "$2")
    [ -n "$funcs" ] && ! grep -qxF '*' <<< "$funcs" || return 0
    { tr ',' '\n' <<< "$3"
      awk -F'\t' 'NR == FNR { f[$1] = 1; next } ($2 in f) || $2 == "*" { print $1 }' <(echo "$funcs") "$map"
    } | grep . | sort -u | paste -sd, - || true
}

# says_all SAYS FILE: every line of SAYS appears in FILE (results.json
# escapes only quotes, backslashes and control characters, none of them in
# a Says); else prints the first that does not and fails.
says_all() {
    local line
    while IFS= read -r line; do
        [ -z "$line" ] || grep -qF -- "$line" "$2" || { echo "$line"; return 1; }
    done <<< "$1"
}

# grade_tree TREE LAB OUT ONLY PASSES GRADE_DIR: one grading of the mutated tree.
grade_tree() {
    make -s --no-print-directory grade-now SUBMISSION="$1" BUILD="$3/build" GRADE_OUT="$3/$6" LAB="$2" \
        ONLY="$4" PASSES="$5" > "$3/$6.log" 2>&1 || true
}

# escaped TSV CAUGHT_BY EVERY: the tests that should have failed and passed.
escaped() {
    tsv_awk -v list=",$2," -v every="$3" 'status == "passed" && (every == "yes" || index(list, "," test ","))' \
        "$1" 2>/dev/null || true
}

# others_failed TSV CAUGHT_BY: the tests beyond CAUGHT_BY that failed.
others_failed() {
    tsv_awk -v list=",$2," 'status == "failed" && index(list, "," test ",") == 0 { print test }' "$1" 2>/dev/null || true
}

# climb TREE LAB OUT ONLY: grade up the ladder of passes, plain first, then
# with ThreadSanitizer, then AddressSanitizer, and stop at the first grading
# that catches the patch with its Says: words; prints the passes it
# stopped at.  Most bugs are caught in the plain pass, and building a
# sanitizer binary for them would only cost time.  An Exact mutant (a
# concurrency bug) is judged whole from the plain and ThreadSanitizer
# passes, where its damage shows; a hostile fixture (crashes, floods,
# memory) gets all three: nothing else may fail in any.
climb() {
    local ladder=("tests" "tests tests-tsan" "tests tests-tsan tests-asan") passes
    [ "$exact" = yes ] && ladder=("tests tests-tsan" "tests tests-tsan tests-asan")
    [ "$exact" = yes ] && [ "$kind" = hostile ] && ladder=("tests tests-tsan tests-asan")
    for passes in "${ladder[@]}"; do
        grade_tree "$1" "$2" "$3" "$4" "$passes" grade
        [ -z "$(escaped "$3/grade/results.tsv" "$caught_by" "$every")" ] &&
            says_all "$says" "$3/grade/results.json" > /dev/null && break
    done
    echo "$passes"
}

# judge TREE LAB OUT ONLY PASSES: what is wrong with the grading of a
# patch, in words; "" when it cost exactly what its header says.
judge() {
    local tree=$1 lab=$2 out=$3 only=$4 passes=$5 tsv=$3/grade/results.tsv got_flag test row extra missing left
    [ -s "$out/grade/results.json" ] && [ -s "$tsv" ] || { echo "grading wrote no results"; return; }
    [ $every = yes ] && caught_by=$(tsv_awk '{ print test }' "$tsv" | paste -sd, -)
    # Flagged (a score of 0 for what the code did) exactly when the header says so.
    got_flag=$(tsv_awk 'flag != "" { print flag }' "$tsv" 2>/dev/null | sort -u | paste -sd, - || true)
    if [ "${got_flag:-no}" != "${flagged:-no}" ]; then
        echo "was flagged '${got_flag:-no}', not '${flagged:-no}': $(grep -m1 -o 'flagged, 0 for the whole lab: [^"]*' "$out/grade/results.json" | head -c 200)"
        return
    fi
    for test in ${caught_by//,/ }; do
        row=$(tsv_awk -v t="$test" 'test == t { print status }' "$tsv" || true)
        [ -n "$row" ] || { echo "names $test, which is not a test of $lab"; return; }
        [ "$row" = failed ] || { echo "escaped: $test still passed"; return; }
    done
    # Containment is judged under the suite's own load: a test beyond
    # Caught-by counts only if it fails again in a second grading.
    if [ "$exact" = yes ] && [ -n "$(others_failed "$tsv" "$caught_by")" ]; then
        grade_tree "$tree" "$lab" "$out" "$only" "$passes" grade-again
        extra=$(comm -12 <(others_failed "$tsv" "$caught_by" | sort) \
                         <(others_failed "$out/grade-again/results.tsv" "$caught_by" | sort) | sed -n 1,3p | tr '\n' ' ')
        [ -z "$extra" ] || { echo "cost more than it should: ${extra% } also failed, twice"; return; }
    fi
    # Under load a different check of the same test may fire first, with
    # other words; the verdict stands, so the wording gets one more try.
    if [ -n "$says" ] && ! says_all "$says" "$out/grade/results.json" > /dev/null; then
        grade_tree "$tree" "$lab" "$out" "$only" "$passes" grade-again
        missing=$(says_all "$says" "$out/grade-again/results.json") ||
            { echo "was caught, but no feedback says \"$missing\" (in two gradings)"; return; }
    fi
    # "test[s]" as a pattern: grep's own command line does not match it.
    left=$(grep -lsE -- "$PWD/$out/build/$lab/test[s]" /proc/[0-9]*/cmdline 2>/dev/null | wc -l || true)
    [ "$left" -eq 0 ] || echo "left $left process(es) behind"
}

# check_patch PATCH: grade one patch; print its line; fail if it did not
# cost what its header says.
check_patch() {
    local patch=$1 lab kind bug out tree verdict="" only="" passes start took
    lab=$(basename "$(dirname "$patch")")
    kind=$(basename "$(dirname "$(dirname "$patch")")")
    bug=$(basename "$patch" .patch)
    caught_by=$(header "$patch" Caught-by | tr -s ' ,' ',' | sed 's/,$//')
    says=$(header "$patch" Says) exact=$(header "$patch" Exact)
    against=$(header "$patch" Against) flagged=$(header "$patch" Flagged)
    [ "$caught_by" = none ] && caught_by=""
    every=no
    [ "$caught_by" = all ] && { every=yes; caught_by=""; }
    out=build/$kind/$lab/$bug
    tree=$(mktemp -d)
    chmod 755 "$tree"   # as a student's tree is: the sandboxed tests read its source lines to name locks
    mkdir -p "$tree/$lab" "$out"
    rm -rf "$out/grade"
    if [ "$against" = skeleton ]; then
        for f in $(harness/scripts/student_files.sh "$lab"); do cp "labs/$lab/$f" "$tree/$lab/"; done
    else
        cp solutions/"$lab"/*.c "$tree/$lab/"
    fi
    start=$(date +%s)
    if [ -z "$caught_by" ] && [ "$exact" != yes ] && [ $every = no ]; then
        verdict="names no test in Caught-by: and is not Exact"
    elif ! (cd "$tree/$lab" && git apply -p1 "$OLDPWD/$patch") 2> "$out/apply.log"; then
        verdict="does not apply: $(head -c 300 "$out/apply.log")"
    else
        only=$caught_by
        [ "$exact" = yes ] && only=$(tests_reaching "$lab" "$tree/$lab" "$caught_by")
        passes=$(climb "$tree" "$lab" "$out" "$only")
        verdict=$(judge "$tree" "$lab" "$out" "$only" "$passes")
    fi
    rm -rf "$tree"
    took=$(($(date +%s) - start))
    [ "$exact" = yes ] && [ -n "$only" ] && took="$(tr , '\n' <<< "$only" | wc -l) tests reach it; $took"
    if [ -n "$verdict" ]; then
        echo "  ✗ $lab/$bug $verdict (log: $out/grade.log)"
        return 1
    elif [ $every = yes ]; then
        echo "  ✓ $lab/$bug: 0 on every test${flagged:+, flagged $flagged} (${took} s)"
    elif [ -n "$caught_by" ]; then
        echo "  ✓ $lab/$bug: caught by ${caught_by//,/, }${flagged:+, flagged $flagged} (${took} s)"
    else
        echo "  ✓ $lab/$bug: full marks, nothing else disturbed (${took} s)"
    fi
}

status=0
for patch in "$@"; do check_patch "$patch" || status=1; done
exit $status
