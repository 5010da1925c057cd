#!/usr/bin/env bash
# run.sh - the kit's own tests; `make test` runs this.
#
# Each check prints ✓ or ✗ with the reason; the last line counts them.
# Everything it writes goes under build/test/: its gradings, builds, charts
# and bundles.  It never writes to labs/ or plots/ (a student's work and
# charts), and the last check proves it.
set -u
cd "$(dirname "$0")/.."
T=build/test
mkdir -p "$T"
# The kit's own checks use pristine skeletons: labs/ in the kit, and in a
# student's handout the copies it keeps in tests/skeletons/ (the student
# edits labs/, and make test must pass however far they have got).
SKELETONS=labs
[ -d tests/skeletons ] && SKELETONS=tests/skeletons
fingerprint() { find labs plots -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum | sha256sum; }
UNTOUCHED=$(fingerprint)
# Every build here, the mutants' and the bundles' included, shares one
# compiler and one copy of the kit's objects.
export CC=gcc KIT_BUILD=$T/kit-gcc
passed=0
failed=0
JOBS=${JOBS:-$(harness/cores.sh)}
# TEST_LABS="01-threads 02-races" limits the suite to some labs.
LABS=${TEST_LABS:-$(cd labs && ls -d [0-9][0-9]-* | tr '\n' ' ')}
LABS=${LABS% }
FIRST_LAB=${LABS%% *}   # the checks that need one lab take the first
# The bundle and class checks are about packaging, not about any one lab:
# two labs (the first and the last: the last has a leaderboard) show that a
# bundle grades several, at a fraction of the time.
FEW_LABS=$FIRST_LAB
[ "${LABS##* }" = "$FIRST_LAB" ] || FEW_LABS+=" ${LABS##* }"
START=$(date +%s)
# In a student's handout the checks that need the reference are cut out
# (the instructor-only blocks below); what is left makes sense without it.
REFERENCE=""
# instructor-only
REFERENCE=solutions
# /instructor-only

ok() { echo "  ✓ $1"; passed=$((passed + 1)); }
bad() { echo "  ✗ $1"; shift; [ $# -gt 0 ] && printf '%s\n' "$@" | head -25 | sed 's/^/      /'; failed=$((failed + 1)); }
section() { echo; echo "$1  [$(($(date +%s) - START)) s]"; }

# grade NAME ARGS...: run the real `make grade` into $T/NAME; keep its terminal output.
# Its gcc build is the one the compile check below made, so nothing is built twice.
grade() {
    local name=$1; shift
    rm -rf "$T/$name/grade"
    make -s -j"$JOBS" --no-print-directory grade-now BUILD="$T/$name/build" GRADE_OUT="$T/$name/grade" \
        LABS="$LABS" "$@" > "$T/$name.out" 2>&1
}
# count NAME passed|failed: how many tests of a grading ended so (-1: no results).
count() {
    [ -s "$T/$1/grade/results.tsv" ] || { echo -1; return; }
    awk -F'\t' -v s="$2" '$5 == s' "$T/$1/grade/results.tsv" | wc -l
}

section "make plots on skeletons says which function is missing"
out=$(PLOTS_QUICK=1 PLOTS_DIR=$T/plots-skeleton make -s --no-print-directory plots-now SRC=$SKELETONS \
      BUILD=$T/skeleton/build LABS="$LABS" 2>&1)
[ "$(grep -c "your code is not finished: not implemented" <<< "$out")" -eq "$(wc -w <<< "$LABS")" ] \
    && ok "for every lab, make plots names the function to write first" \
    || bad "make plots on skeletons" "$out"

# instructor-only
section "make handout: what students get works, holds no reference, and never touches their work"
if out=$(make -s --no-print-directory handout DIST=$T/dist BUILD=$T/handout-build LABS="$LABS" 2>&1) &&
   [ -s $T/dist/concurrency-labs-student.tar.gz ]; then
    ho=$(mktemp -d)
    tar -xzf $T/dist/concurrency-labs-student.tar.gz -C "$ho"
    hd=$ho/concurrency-labs
    [ ! -e "$hd/solutions" ] && ! find "$ho" -name 'hidden_tests.c' -o -name '*.patch' | grep -q . \
        && ok "no solutions/, hidden tests or mutants in the handout" || bad "instructor files in the handout"
    # "solutions" as a path, a value or a word in code: nothing a student
    # gets may point at a tree they do not have.  Prose ("no better
    # solutions that ...", a seed's words) may say the word.
    mentions=$(grep -rnIw solutions "$hd" | grep -vE '[a-z] solutions [a-z]' | sed "s|$hd/||" | head -5)
    [ -z "$mentions" ] && ok "nothing in the handout refers to solutions/" \
        || bad "the handout refers to solutions/" "$mentions"
    # No whole line of solution code (or hidden test), at least 35
    # characters long and not also in the kit's own code, may appear in the
    # handout.
    leaked=""
    cat harness/* labs/*/*.[ch] 2>/dev/null | sed 's/^[[:space:]]*//' > "$T/kit-lines"
    for lab in $LABS; do
        for f in solutions/$lab/*.c; do
            sed 's/^[[:space:]]*//' "$f" | grep -vxFf "$T/kit-lines" |
                awk 'length($0) >= 35' > "$T/solution-lines"
            [ -s "$T/solution-lines" ] || continue
            hit=$(find "$ho" -type f -exec cat {} + | sed 's/^[[:space:]]*//' |
                  grep -xFf "$T/solution-lines" | head -2)
            [ -n "$hit" ] && leaked+="$f: $hit"$'\n'
        done
    done
    [ -z "$leaked" ] && ok "no line of solution code appears in the handout" || bad "solution text in the handout" "$leaked"
    cmp -s harness/github/grade.yml "$hd/.github/workflows/grade.yml" \
        && ok "the handout carries the GitHub Actions workflow (.github/workflows/grade.yml)" \
        || bad "no GitHub Actions workflow in the handout"
    if (cd "$hd" && make LAB=$FIRST_LAB > "$OLDPWD/$T/handout-make.out" 2>&1) &&
       grep -q "^TOTAL 0/" "$T/handout-make.out"; then
        ok "make in the unpacked handout grades a skeleton at 0 ($FIRST_LAB)"
    else
        bad "make in the handout" "$(tail -15 "$T/handout-make.out")"
    fi
    # A student who has solved every lab: their charts, then the kit's own
    # tests, which must pass on their tree and leave it as it was.
    for lab in $LABS; do
        for f in solutions/$lab/*.c; do [ "${f##*/}" = hidden_tests.c ] || cp "$f" "$hd/labs/$lab/"; done
    done
    if out=$(cd "$hd" && PLOTS_QUICK=1 make -s --no-print-directory plots 2>&1); then
        charts=$(ls "$hd"/plots/*.png 2>/dev/null | wc -l)
        [ "$charts" -eq "$(wc -w <<< "$LABS")" ] && ok "make plots on solved labs draws $charts charts in plots/" \
            || bad "make plots on solved labs drew $charts charts" "$out"
        grep -q "[0-9] cores" <<< "$out" && ok "the charts say how many cores the machine had" \
            || bad "no chart mentions the core count"
    else
        bad "make plots failed on solved labs" "$out"
    fi
    before=$(cd "$hd" && find labs plots -type f -print0 | sort -z | xargs -0 sha256sum)
    if (cd "$hd" && TEST_LABS="$LABS" HANDOUT_QUICK=1 make test > "$OLDPWD/$T/handout-test.out" 2>&1); then
        ok "make test in the solved handout: $(grep -E '^[0-9]+ passed' "$T/handout-test.out" | tail -1)"
    else
        bad "make test in the solved handout" "$(grep '✗' "$T/handout-test.out" | head -10)"
    fi
    changed=$(diff <(echo "$before") <(cd "$hd" && find labs plots -type f -print0 | sort -z | xargs -0 sha256sum) |
              sed -n 's/^[<>] [0-9a-f]*  //p' | sort -u | head -5)
    [ -z "$changed" ] && ok "make test left the student's labs/ and plots/ byte for byte as they were" \
        || bad "make test changed the student's files" "$changed"
    # make bench, one round: every lab's benchmark prints what its
    # compare.sh promises ("# Prints: ..."), and calls the code the student's.
    if out=$(cd "$hd" && ROUNDS=1 make -s --no-print-directory bench 2>&1); then
        for lab in $LABS; do
            [ -x "labs/$lab/compare.sh" ] || continue
            want=$(sed -n 's/^# Prints: //p' "labs/$lab/compare.sh")
            got=$(awk -v lab="== $lab" '$0 == lab { on = 1; next } /^== / { on = 0 } on' <<< "$out")
            if [ -n "$want" ] && grep -qF "$want" <<< "$got" && grep -q "your code" <<< "$got" &&
               ! grep -qi "did not\|error" <<< "$got"; then
                ok "$lab: make bench prints its table, for your code ($(grep -c . <<< "$got") lines)"
            else
                bad "$lab: make bench printed no table naming your code (want \"${want:-# Prints: in compare.sh}\")" "$got"
            fi
        done
    else
        bad "make bench failed in the solved handout" "$out"
    fi
    rm -rf "$ho"
else
    bad "make handout failed" "$out"
fi
who=$(make -n --no-print-directory bench LABS="$LABS" 2>/dev/null | grep -o "BENCH_WHO=\"[^\"]*\"" | sort -u)
[ "$who" = 'BENCH_WHO="this lab'"'"'s reference"' ] && ok "in the kit, make bench measures the reference" \
    || bad "in the kit, make bench would measure: ${who:-nothing}"
# /instructor-only

section "Handouts take their shared facts from one source"
if out=$(tests/tools/handout_facts.sh $LABS); then
    ok "every points table matches its TEST lines, and every grading paragraph is harness/grading.md"
else
    bad "handouts disagree with their sources" "$out"
fi
# The check itself must catch drift: a copy with one test's points changed in
# tests.c and one word changed in the shared paragraph.
drift=$(mktemp -d)
mkdir -p "$drift/labs" "$drift/harness"
cp -r "labs/$FIRST_LAB" "$drift/labs/"
cp harness/grading.md "$drift/harness/"
sed -i '0,/^TEST(\([a-z0-9_]*\), *\([0-9]*\),/s//TEST(\1, 1\2,/' "$drift/labs/$FIRST_LAB/tests.c"
sed -i '0,/three passes/s//two passes/' "$drift/labs/$FIRST_LAB/README.md"
out=$(FACTS_ROOT=$drift tests/tools/handout_facts.sh "$FIRST_LAB" 2>&1)
grep -q "points table does not match" <<< "$out" && grep -q "grading paragraph differs" <<< "$out" \
    && ok "a drifted points table and a reworded grading paragraph are both caught" \
    || bad "handout_facts.sh missed a planted drift" "$out"
rm -rf "$drift"

echo; echo "passed=$passed failed=$failed"; [ $failed -eq 0 ]
