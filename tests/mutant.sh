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
status=0
for patch in "$@"; do
    lab=$(basename "$(dirname "$patch")")
    kind=$(basename "$(dirname "$(dirname "$patch")")")
    bug=$(basename "$patch" .patch)
    caught_by=$(sed -n 's/^Caught-by: *//p' "$patch" | tr -s ' ,' ',' | sed 's/,$//')
    says=$(sed -n 's/^Says: *//p' "$patch")
    exact=$(sed -n 's/^Exact: *//p' "$patch")
    against=$(sed -n 's/^Against: *//p' "$patch")
    flagged=$(sed -n 's/^Flagged: *//p' "$patch")
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
    verdict="" only=""
    start=$(date +%s)
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
    # says_all FILE: every Says: line appears in FILE (results.json escapes
    # only quotes, backslashes and control characters, none of them in a Says).
    says_all() {
        local line
        while IFS= read -r line; do
            [ -z "$line" ] || grep -qF -- "$line" "$1" || { missing_says=$line; return 1; }
        done <<< "$says"
    }
    if [ -z "$caught_by" ] && [ "$exact" != yes ] && [ $every = no ]; then
        verdict="names no test in Caught-by: and is not Exact"
    elif ! (cd "$tree/$lab" && git apply -p1 "$OLDPWD/$patch") 2> "$out/apply.log"; then
        verdict="does not apply: $(head -c 300 "$out/apply.log")"
    else
        only=$caught_by
        [ "$exact" = yes ] && only=$(tests_reaching "$lab" "$tree/$lab" "$caught_by")
        # A mutant climbs the passes: plain first, then ThreadSanitizer, then
        # AddressSanitizer, and stops at the first grading that catches it and
        # says its Says: words.  Most bugs are caught in the plain pass, and
        # building a sanitizer binary for them would only cost time.  An Exact
        # mutant (a concurrency bug) is judged whole from the plain and
        # ThreadSanitizer passes, where its damage shows; a hostile fixture
        # (crashes, floods, memory) gets all three: nothing else may fail in any.
        ladder=("tests" "tests tests-tsan" "tests tests-tsan tests-asan")
        [ "$exact" = yes ] && ladder=("tests tests-tsan" "tests tests-tsan tests-asan")
        [ "$exact" = yes ] && [ "$kind" = hostile ] && ladder=("tests tests-tsan tests-asan")
        for passes in "${ladder[@]}"; do
            make -s --no-print-directory grade-now SUBMISSION="$tree" BUILD="$out/build" \
                GRADE_OUT="$out/grade" LAB="$lab" ONLY="$only" \
                PASSES="$passes" > "$out/grade.log" 2>&1 || true
            escaped=$(tsv_awk -v list=",$caught_by," -v every=$every \
                      'status == "passed" && (every == "yes" || index(list, "," test ","))' \
                      "$out/grade/results.tsv" 2>/dev/null || true)
            [ -z "$escaped" ] && says_all "$out/grade/results.json" && break
        done
        tsv=$out/grade/results.tsv
        if [ ! -s "$out/grade/results.json" ] || [ ! -s "$tsv" ]; then
            verdict="grading wrote no results"
        fi
        [ $every = yes ] && [ -z "$verdict" ] &&
            caught_by=$(tsv_awk '{ print test }' "$tsv" | paste -sd, -)
        # Flagged (a score of 0 for what the code did) exactly when the header says so.
        got_flag=$(tsv_awk 'flag != "" { print flag }' "$tsv" 2>/dev/null | sort -u | paste -sd, - || true)
        if [ -z "$verdict" ] && [ "${got_flag:-no}" != "${flagged:-no}" ]; then
            verdict="was flagged '${got_flag:-no}', not '${flagged:-no}': $(grep -m1 -o 'flagged, 0 for the whole lab: [^"]*' "$out/grade/results.json" | head -c 200)"
        fi
        for test in ${caught_by//,/ }; do
            [ -n "$verdict" ] && break
            row=$(tsv_awk -v t="$test" 'test == t { print status }' "$tsv" || true)
            if [ -z "$row" ]; then
                verdict="names $test, which is not a test of $lab"
            elif [ "$row" != failed ]; then
                verdict="escaped: $test still passed"
            fi
        done
        if [ -z "$verdict" ] && [ "$exact" = yes ]; then
            others_failed() {
                tsv_awk -v list=",$caught_by," 'status == "failed" && index(list, "," test ",") == 0 { print test }' "$1"
            }
            extra=$(others_failed "$tsv" || true)
            # Containment is judged under the suite's own load: a test beyond
            # Caught-by counts only if it fails again in a second grading.
            if [ -n "$extra" ]; then
                make -s --no-print-directory grade-now SUBMISSION="$tree" BUILD="$out/build" \
                    GRADE_OUT="$out/grade-again" LAB="$lab" ONLY="$only" PASSES="$passes" > "$out/grade-again.log" 2>&1 || true
                extra=$(comm -12 <(sort <<< "$extra") <(others_failed "$out/grade-again/results.tsv" | sort) |
                        head -3 | tr '\n' ' ' || true)
                [ -n "$extra" ] && verdict="cost more than it should: ${extra% } also failed, twice"
            fi
        fi
        # Under load a different check of the same test may fire first, with
        # other words; the verdict stands, so the wording gets one more try.
        if [ -z "$verdict" ] && [ -n "$says" ] && ! says_all "$out/grade/results.json"; then
            make -s --no-print-directory grade-now SUBMISSION="$tree" BUILD="$out/build" \
                GRADE_OUT="$out/grade-again" LAB="$lab" ONLY="$only" \
                PASSES="$passes" > "$out/grade-again.log" 2>&1 || true
            says_all "$out/grade-again/results.json" ||
                verdict="was caught, but no feedback says \"$missing_says\" (in two gradings)"
        fi
        # "test[s]" as a pattern: grep's own command line does not match it.
        left=$(grep -lsE -- "$PWD/$out/build/$lab/test[s]" /proc/[0-9]*/cmdline 2>/dev/null | wc -l || true)
        if [ -z "$verdict" ] && [ "$left" -gt 0 ]; then
            verdict="left $left process(es) behind"
        fi
    fi
    rm -rf "$tree"
    took=$(($(date +%s) - start))
    [ "$exact" = yes ] && [ -n "${only:-}" ] && took="$(tr , '\n' <<< "$only" | wc -l) tests reach it; $took"
    if [ -n "$verdict" ]; then
        echo "  ✗ $lab/$bug $verdict (log: $out/grade.log)"
        status=1
    elif [ $every = yes ]; then
        echo "  ✓ $lab/$bug: 0 on every test${flagged:+, flagged $flagged} (${took} s)"
    elif [ -n "$caught_by" ]; then
        echo "  ✓ $lab/$bug: caught by ${caught_by//,/, }${flagged:+, flagged $flagged} (${took} s)"
    else
        echo "  ✓ $lab/$bug: full marks, nothing else disturbed (${took} s)"
    fi
done
exit $status
