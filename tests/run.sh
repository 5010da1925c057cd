#!/usr/bin/env bash
# run.sh - the kit's own tests; `make test` runs this.
#
# Each check prints ✓ or ✗ with the reason; the last line counts them.  Every
# grading here goes to its own build/ and output folder, so a student's
# build/grade/ is left alone.
set -u
cd "$(dirname "$0")/.."
T=build/test
mkdir -p "$T"
passed=0
failed=0
JOBS=${JOBS:-$(harness/cores.sh)}
# TEST_LABS="01-threads 02-races" limits the suite to some labs.
LABS=${TEST_LABS:-$(cd labs && ls -d [0-9][0-9]-* | tr '\n' ' ')}
LABS=${LABS% }
FIRST_LAB=${LABS%% *}   # the checks that need one lab take the first
START=$(date +%s)
# In a student handout there are no solutions: only what makes sense without
# them runs (builds, skeletons at 0, the grader's behaviour, the charts).
HAVE_SOLUTIONS=$([ -d solutions ] && echo 1 || echo 0)

ok() { echo "  ✓ $1"; passed=$((passed + 1)); }
bad() { echo "  ✗ $1"; shift; [ $# -gt 0 ] && printf '%s\n' "$@" | head -25 | sed 's/^/      /'; failed=$((failed + 1)); }
section() { echo; echo "$1  [$(($(date +%s) - START)) s]"; }

# grade NAME ARGS...: run the real `make grade` into $T/NAME; keep its terminal output.
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

section "Building the kit's tools"
mkdir -p "$T/tools"
for tool in check_results check_xml; do
    cc -std=c11 -O2 -Wall -Wextra -Werror tests/tools/$tool.c -o "$T/tools/$tool" || exit 2
done
ok "check_results and check_xml"

section "Every lab builds warning-free under gcc and clang (-Wall -Wextra -Werror)"
# HANDOUT_QUICK=1 (the handout check inside the kit's own tests): gcc only.
for compiler in gcc $([ "${HANDOUT_QUICK:-0}" = 1 ] || echo clang); do
    if ! command -v $compiler > /dev/null; then bad "$compiler is not installed"; continue; fi
    for src in $([ "$HAVE_SOLUTIONS" = 1 ] && echo solutions) labs; do
        b=$T/cc-$compiler-$src
        if ! out=$(make -s -j"$JOBS" --no-print-directory build CC=$compiler SRC=$src BUILD=$b \
                   KIT_BUILD=$T/kit-$compiler LABS="$LABS" 2>&1); then
            bad "$compiler: the kit itself does not build" "$out"; continue
        fi
        missing=""
        for lab in $LABS; do
            for bin in tests tests-tsan; do
                [ -x "$b/$lab/$bin" ] || missing+="$lab/$bin: $(head -c 400 "$b/$lab/$bin.log")"$'\n'
            done
        done
        if [ -z "$missing" ]; then ok "$compiler: $src compile cleanly"
        else bad "$compiler: $src do not compile cleanly" "$missing"; fi
    done
done

if [ "$HAVE_SOLUTIONS" = 1 ]; then
section "Skeletons differ from solutions only inside function bodies"
for lab in $LABS; do
    for f in labs/$lab/*.c; do
        name=$(basename "$f")
        case $name in tests.c|bench.c) continue ;; esac
        if out=$(tests/tools/same_outside_bodies.sh "$f" "solutions/$lab/$name"); then
            ok "$lab/$name"
        else
            bad "$lab/$name" "$out"
        fi
    done
done

section "The reference solutions score full marks in all three passes (plain, ThreadSanitizer, AddressSanitizer)"
grade solutions SRC=solutions
for lab in $LABS; do
    failing=$(awk -F'\t' -v l="$lab" '$1 == l && $5 == "failed" { print $2 }' "$T/solutions/grade/results.tsv")
    if [ -z "$failing" ] && grep -q "^$lab	" "$T/solutions/grade/results.tsv"; then
        ok "$lab: $(awk -F'\t' -v l="$lab" '$1 == l { s += $3; m += $4 } END { print s "/" m }' "$T/solutions/grade/results.tsv")"
    else
        bad "$lab: the reference lost points in: $failing" "$(grep -A6 '✗' "$T/solutions.out")"
    fi
done
if out=$("$T/tools/check_results" "$T/solutions/grade/results.json"); then ok "results.json parses and adds up ($out)"
else bad "results.json is invalid" "$out"; fi
if out=$("$T/tools/check_xml" "$T/solutions/grade/junit.xml"); then ok "junit.xml parses ($out)"
else bad "junit.xml is invalid" "$out"; fi

section "The reference survives spurious wakeups, which POSIX allows"
# Spurious wakeups are about waiting logic: the plain and ThreadSanitizer
# passes exercise it; the AddressSanitizer pass would add time, not coverage.
grade spurious SRC=solutions STUDENT_EXTRA="-include harness/spurious.h harness/spurious.c" \
    PASSES="tests tests-tsan"
failing=$(awk -F'\t' '$5 == "failed" { print $1 ": " $2 }' "$T/spurious/grade/results.tsv" 2>/dev/null)
if [ -s "$T/spurious/grade/results.tsv" ] && [ -z "$failing" ]; then
    ok "full marks with condition waits that return early one time in three"
else
    bad "the reference lost points to spurious wakeups" "$failing"
fi

fi   # HAVE_SOLUTIONS

section "The skeletons score 0, with clear messages, and the grader completes"
if grade skeleton SRC=labs; then ok "make grade exits 0 on the skeletons"
else bad "make grade failed on the skeletons" "$(tail -5 "$T/skeleton.out")"; fi
passing=$(count skeleton passed)
[ "$passing" -eq 0 ] && [ "$(count skeleton failed)" -gt 0 ] && ok "no test passes on a skeleton" \
    || bad "$passing tests pass on a skeleton" "$(awk -F'\t' '$5 == "passed"' "$T/skeleton/grade/results.tsv")"
out=$("$T/tools/check_results" "$T/skeleton/grade/results.json") && ok "results.json parses ($out)" \
    || bad "results.json is invalid" "$out"
grep -q "not implemented: [a-z_]* (labs/$FIRST_LAB/[a-z_]*\.c:[0-9]*)" "$T/skeleton.out" \
    && ok "feedback names the missing function and its file:line" \
    || bad "no 'not implemented: FUNCTION (labs/$FIRST_LAB/FILE.c:LINE)' in the feedback"
if [ "$HAVE_SOLUTIONS" = 1 ]; then
    grep -q "hidden tests\? (.* points) will be graded after the deadline" "$T/skeleton.out" \
        && ok "the terminal says hidden tests exist, without showing them" \
        || bad "the terminal does not mention the hidden tests"
    hidden_names=$(for lab in $LABS; do
        sed -n 's/^HIDDEN_TEST(\([a-z0-9_]*\),.*/\1/p' "solutions/$lab/hidden_tests.c"; done)
    printed=$(grep -oFf <(echo "$hidden_names") "$T/skeleton.out" | sort -u)
    [ -n "$hidden_names" ] && [ -z "$printed" ] && ok "hidden test names stay out of the terminal" \
        || bad "hidden test names printed (or none found): ${printed:-none found}"
    grep -q '"visibility": "after_published"' "$T/skeleton/grade/results.json" \
        && ok "hidden tests are in results.json as after_published" || bad "no after_published test in results.json"
fi

section "Selecting labs and sources"
short=${FIRST_LAB#*-}   # LAB= takes the name without its number
make -s --no-print-directory grade-now BUILD="$T/one-lab/build" GRADE_OUT="$T/one-lab/grade" LAB=$short \
    > "$T/one-lab.out" 2>&1
[ "$(cut -f1 "$T/one-lab/grade/results.tsv" | sort -u)" = "$FIRST_LAB" ] \
    && ok "LAB=$short grades $FIRST_LAB only" \
    || bad "LAB=$short graded: $(cut -f1 "$T/one-lab/grade/results.tsv" | sort -u | tr '\n' ' ')"
last=$(make -s --no-print-directory grade-now LAB=$short AUTOLAB=1 BUILD="$T/skeleton/build" \
       GRADE_OUT="$T/autolab" 2>&1 | tail -1)
[ "$last" = "{\"scores\": {\"$FIRST_LAB\": 0}}" ] && ok "AUTOLAB=1 ends with Autolab's score line: $last" \
    || bad "AUTOLAB=1's last line: $last"
if out=$(make -s --no-print-directory grade-now LAB=nonsense 2>&1); then bad "LAB=nonsense was accepted"
else grep -q "is not a lab" <<< "$out" && ok "an unknown LAB is refused with the list of labs" || bad "LAB=nonsense: $out"; fi

if [ "$HAVE_SOLUTIONS" = 1 ]; then
section "Buggy implementations (tests/mutants) lose the points of the tests named for them"
# A mutant only has to fail its tests, which load cannot prevent, so they run
# more at a time than there are cores; most of their time is spent waiting.
for lab in $LABS; do ls tests/mutants/$lab/*.patch 2>/dev/null; done |
    xargs -r -P $((JOBS * 2)) -n 1 tests/mutant.sh > "$T/mutants.out" 2>&1
for lab in $LABS; do
    total=$(ls tests/mutants/$lab/*.patch 2>/dev/null | wc -l)
    caught=$(grep -c "✓ $lab/" "$T/mutants.out")
    if [ "$total" -ge 6 ] && [ "$caught" -eq "$total" ]; then
        ok "$lab: $caught/$total mutants caught (100%)"
    elif [ "$total" -lt 6 ]; then
        bad "$lab: only $total mutants (at least 6 wanted)"
    else
        bad "$lab: $caught/$total mutants caught" "$(grep "✗ $lab/" "$T/mutants.out")"
    fi
done

section "Hostile and broken submissions are contained: graded right, bounded, nothing left behind"
ls tests/hostile/*/*.patch | xargs -r -P "$JOBS" -n 1 tests/mutant.sh > "$T/hostile.out" 2>&1
while IFS= read -r line; do
    case $line in
        *"✓ "*) ok "${line#*✓ }" ;;
        *"✗ "*) bad "${line#*✗ }" ;;
    esac
done < "$T/hostile.out"

fi   # HAVE_SOLUTIONS

section "make plots draws every chart"
rm -f plots/*.png
if [ "$HAVE_SOLUTIONS" = 0 ]; then
    out=$(PLOTS_QUICK=1 make -s --no-print-directory plots-now SRC=labs BUILD=$T/skeleton/build LABS="$LABS" 2>&1)
    [ "$(grep -c "your code is not finished: not implemented" <<< "$out")" -eq "$(wc -w <<< "$LABS")" ] \
        && ok "on skeletons, make plots says which function is missing, for every lab" \
        || bad "make plots on skeletons" "$out"
elif out=$(PLOTS_QUICK=1 make -s --no-print-directory plots-now SRC=solutions BUILD=$T/solutions/build \
         LABS="$LABS" 2>&1); then
    for lab in $LABS; do
        png=plots/$lab.png
        if [ -s "$png" ] && [ "$(stat -c %s "$png")" -gt 10000 ] && [ -s plots/data/$lab.dat ]; then
            ok "$lab: $png ($(stat -c %s "$png") bytes) from plots/data/$lab.dat"
        else
            bad "$lab: no chart" "$(grep -A8 "== $lab" <<< "$out")"
        fi
    done
    grep -q "2 cores\|[0-9] cores" <<< "$out" && ok "charts say how many cores the machine had" \
        || bad "no chart mentions the core count"
else
    bad "make plots failed" "$out"
fi

if [ "$HAVE_SOLUTIONS" = 1 ]; then
section "make bench measures the references against their peers"
# One round each: this checks that every benchmark runs and prints its ratios;
# the figures themselves are the README's, from full runs.
bench_labs=$(for lab in $LABS; do [ -x "labs/$lab/compare.sh" ] && echo "$lab"; done)
if [ -z "$bench_labs" ]; then
    ok "no lab in this run has a benchmark"
elif out=$(ROUNDS=1 make -s --no-print-directory bench-now SRC=solutions BUILD=$T/solutions/build \
         LABS="$LABS" 2>&1); then
    for lab in $bench_labs; do
        section_out=$(awk -v lab="== $lab" '$0 == lab { on = 1; next } /^== / { on = 0 } on' <<< "$out")
        case $lab in
            05-threadpool) want="ceiling: ideal hand-off" ;;
            02-races) want="ns per update" ;;
            06-procpool) want="C/Python" ;;
            *) want="" ;;
        esac
        if [ -n "$section_out" ] && grep -q "$want" <<< "$section_out" \
           && ! grep -qi "did not\|error" <<< "$section_out"; then
            ok "$lab: make bench prints its table ($(grep -c . <<< "$section_out") lines)"
        else
            bad "$lab: make bench printed no table" "$section_out"
        fi
    done
else
    bad "make bench failed" "$out"
fi

section "make batch grades a class, each submission on its own"
class=$(mktemp -d)
mkdir -p "$class/pack/ref-tar" "$class/broken/labs"
for lab in $LABS; do cp -r "solutions/$lab" "$class/pack/ref-tar/"; done
rm -f "$class"/pack/ref-tar/*/hidden_tests.c
cp -r "$class/pack/ref-tar/." "$class/broken/labs/"
tar -czf "$class/ref-tar.tar.gz" -C "$class/pack" ref-tar && rm -rf "$class/pack"
(cd labs && zip -qr "$class/skeleton-zip.zip" $LABS)
for f in "$class/broken/labs/$FIRST_LAB"/*.c; do echo 'int broken = ;' >> "$f"; done
rm -rf build/batch
if out=$(make -s --no-print-directory batch SUBMISSIONS="$class" LABS="$LABS" JOBS=2 2>&1); then
    book=build/batch/gradebook.csv
    full=$(($(wc -w <<< "$LABS") * 100))
    row() { grep "^$1," "$book" | awk -F, '{ print $NF }'; }
    [ "$(head -1 "$book")" = "student,${LABS// /,},total" ] && ok "gradebook.csv has a column per lab and a total" \
        || bad "gradebook header: $(head -1 "$book")"
    [ "$(row ref-tar)" = "$full" ] && ok "the reference, as a .tar.gz of one folder, scores $full/$full" \
        || bad "the reference scored $(row ref-tar) of $full" "$(cat "$book")"
    [ "$(row skeleton-zip)" = 0 ] && ok "a skeleton (.zip) scores 0" || bad "the skeleton scored $(row skeleton-zip)"
    broken_first=$(grep "^broken," "$book" | cut -d, -f2)
    [ "$broken_first" = 0 ] && [ "$(row broken)" = $((full - 100)) ] \
        && ok "a build failure in $FIRST_LAB (a folder holding labs/) costs that lab only ($(row broken)/$full)" \
        || bad "the broken submission scored $(grep "^broken," "$book")"
    for s in ref-tar skeleton-zip broken; do
        [ -s "build/batch/students/$s/results.json" ] && [ -s "build/batch/students/$s/feedback.txt" ] || missing_files+=" $s"
    done
    [ -z "${missing_files:-}" ] && ok "every student has results.json and feedback.txt" || bad "missing files for:$missing_files"
    again=$(make -s --no-print-directory batch SUBMISSIONS="$class" LABS="$LABS" JOBS=2 2>&1 | tr '\r' '\n' | grep "submissions in")
    grep -q "0 graded, 3 unchanged" <<< "$again" && ok "a re-run grades nothing unchanged ($again)" \
        || bad "a re-run regraded unchanged submissions" "$again"
else
    bad "make batch failed" "$out"
fi
rm -rf "$class"

section "make gradescope: the bundle grades a submission in a simulated /autograder"
if out=$(make -s --no-print-directory gradescope LABS="$LABS" 2>&1) && [ -s dist/gradescope-autograder.zip ]; then
    listing=$(unzip -Z1 dist/gradescope-autograder.zip)
    grep -qx setup.sh <<< "$listing" && grep -qx run_autograder <<< "$listing" \
        && ok "setup.sh and run_autograder are at the zip's root" || bad "zip root" "$listing"
    leaks=$(grep '^kit/solutions/' <<< "$listing" | grep -v '/$' | grep -v '/hidden_tests.c$')
    [ -z "$leaks" ] && ok "the bundle holds hidden tests but no solution code" || bad "solution files in the bundle" "$leaks"
    for case in reference broken; do
        ag=$(mktemp -d)
        chmod 755 "$ag"
        mkdir -p "$ag/source" "$ag/submission/repo/labs"
        (cd "$ag/source" && unzip -q "$OLDPWD/dist/gradescope-autograder.zip")
        # The broken upload needs only the lab it breaks; the others grade
        # as the skeletons they fall back to, in a second instead of 30.
        for lab in $([ $case = reference ] && echo "$LABS" || echo "$FIRST_LAB"); do
            cp -r "solutions/$lab" "$ag/submission/repo/labs/"
        done
        [ $case = broken ] && echo 'int broken = ;' >> "$(ls "$ag"/submission/repo/labs/$FIRST_LAB/*.c | grep -v hidden | head -1)"
        AUTOGRADER_ROOT=$ag "$ag/source/run_autograder"
        res=$("$T/tools/check_results" "$ag/results/results.json" 2>&1)
        if [ $case = reference ]; then
            grep -q "ok: $full/$full" <<< "$res" && ok "a repository upload of the reference: $res" \
                || bad "reference on Gradescope: $res" \
                       "$(grep -A4 '  ✗ ' "$ag/results/terminal.txt" | head -20)"
            grep -q "runs as an unprivileged user" "$ag/results/terminal.txt" \
                && ok "student code ran as a non-root user" || bad "student code ran as root" "$(tail -2 "$ag/results/terminal.txt")"
        else
            grep -q "^ok:" <<< "$res" && grep -q "did not compile" "$ag/results/results.json" \
                && ok "a build failure still writes results.json, with the compiler's errors" \
                || bad "a build failure on Gradescope: $res"
        fi
        rm -rf "$ag"
    done
else
    bad "make gradescope failed" "$out"
fi

section "make handout: what students get works, and holds no solution"
if out=$(make -s --no-print-directory handout LABS="$LABS" 2>&1) && [ -s dist/concurrency-labs-student.tar.gz ]; then
    ho=$(mktemp -d)
    tar -xzf dist/concurrency-labs-student.tar.gz -C "$ho"
    [ ! -e "$ho/concurrency-labs/solutions" ] && ! find "$ho" -name 'hidden_tests.c' -o -name '*.patch' | grep -q . \
        && ok "no solutions/, hidden tests or mutants in the handout" || bad "instructor files in the handout"
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
    grep -q "autograding-command-grader" "$ho/concurrency-labs/.github/workflows/classroom.yml" \
        && ok "the handout carries a GitHub Classroom workflow, one step per visible test" \
        || bad "no Classroom workflow in the handout"
    if (cd "$ho/concurrency-labs" && make > "$OLDPWD/$T/handout-make.out" 2>&1) &&
       grep -q "^TOTAL 0/" "$T/handout-make.out"; then
        ok "make in the unpacked handout grades the skeletons at 0"
    else
        bad "make in the handout" "$(tail -15 "$T/handout-make.out")"
    fi
    if (cd "$ho/concurrency-labs" && TEST_LABS="$LABS" HANDOUT_QUICK=1 make test > "$OLDPWD/$T/handout-test.out" 2>&1); then
        ok "make test in the unpacked handout: $(grep -E '^[0-9]+ passed' "$T/handout-test.out" | tail -1)"
    else
        bad "make test in the handout" "$(grep '✗' "$T/handout-test.out" | head -10)"
    fi
    rm -rf "$ho"
else
    bad "make handout failed" "$out"
fi
fi   # HAVE_SOLUTIONS

section "make help lists every target"
help=$(make -s --no-print-directory help)
missing=""
for target in $(grep -oE '^[a-z-]+:.*## ' Makefile | cut -d: -f1); do
    grep -q "make $target " <<< "$help" || missing+=" $target"
done
[ -z "$missing" ] && ok "every documented target is in make help" || bad "missing from help:$missing"

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
