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
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
# TEST_LABS="01-threads 02-races" limits the suite to some labs.
LABS=${TEST_LABS:-$(cd labs && ls -d [0-9][0-9]-* | tr '\n' ' ')}
LABS=${LABS% }
START=$(date +%s)

ok() { echo "  ✓ $1"; passed=$((passed + 1)); }
bad() { echo "  ✗ $1"; shift; [ $# -gt 0 ] && printf '%s\n' "$@" | head -25 | sed 's/^/      /'; failed=$((failed + 1)); }
section() { echo; echo "$1  [$(($(date +%s) - START)) s]"; }

# grade NAME ARGS...: run the real `make grade` into $T/NAME; keep its terminal output.
grade() {
    local name=$1; shift
    rm -rf "$T/$name/grade"
    make -s --no-print-directory grade-now BUILD="$T/$name/build" GRADE_OUT="$T/$name/grade" \
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
for compiler in gcc clang; do
    if ! command -v $compiler > /dev/null; then bad "$compiler is not installed"; continue; fi
    for src in solutions labs; do
        b=$T/cc-$compiler-$src
        if ! out=$(make -s --no-print-directory build CC=$compiler SRC=$src BUILD=$b \
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

section "The reference solutions score full marks, ThreadSanitizer pass included"
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
grade spurious SRC=solutions STUDENT_EXTRA="-include harness/spurious.h harness/spurious.c" \
    KIT_BUILD="$T/kit-spurious"
failing=$(awk -F'\t' '$5 == "failed" { print $1 ": " $2 }' "$T/spurious/grade/results.tsv" 2>/dev/null)
if [ -s "$T/spurious/grade/results.tsv" ] && [ -z "$failing" ]; then
    ok "full marks with condition waits that return early one time in three"
else
    bad "the reference lost points to spurious wakeups" "$failing"
fi

section "The skeletons score 0, with clear messages, and the grader completes"
if grade skeleton SRC=labs; then ok "make grade exits 0 on the skeletons"
else bad "make grade failed on the skeletons" "$(tail -5 "$T/skeleton.out")"; fi
passing=$(count skeleton passed)
[ "$passing" -eq 0 ] && [ "$(count skeleton failed)" -gt 0 ] && ok "no test passes on a skeleton" \
    || bad "$passing tests pass on a skeleton" "$(awk -F'\t' '$5 == "passed"' "$T/skeleton/grade/results.tsv")"
out=$("$T/tools/check_results" "$T/skeleton/grade/results.json") && ok "results.json parses ($out)" \
    || bad "results.json is invalid" "$out"
grep -q "not implemented: thread_start (labs/01-threads/threads.c:" "$T/skeleton.out" \
    && ok "feedback names the missing function and its file:line" \
    || bad "no 'not implemented: thread_start (file:line)' in the feedback"
grep -q "hidden tests\? (.* points) will be graded after the deadline" "$T/skeleton.out" \
    && ok "the terminal says hidden tests exist, without showing them" \
    || bad "the terminal does not mention the hidden tests"
! grep -q "countdown_stopped_at_once" "$T/skeleton.out" \
    && ok "hidden test names stay out of the terminal" || bad "a hidden test's name was printed"
grep -q '"visibility": "after_published"' "$T/skeleton/grade/results.json" \
    && ok "hidden tests are in results.json as after_published" || bad "no after_published test in results.json"

section "Selecting labs and sources"
grade one-lab SRC=solutions LAB=threads
[ "$(cut -f1 "$T/one-lab/grade/results.tsv" | sort -u)" = 01-threads ] \
    && ok "LAB=threads grades 01-threads only" || bad "LAB=threads graded: $(cut -f1 "$T/one-lab/grade/results.tsv" | sort -u)"
if out=$(make -s --no-print-directory grade-now LAB=nonsense 2>&1); then bad "LAB=nonsense was accepted"
else grep -q "is not a lab" <<< "$out" && ok "an unknown LAB is refused with the list of labs" || bad "LAB=nonsense: $out"; fi

section "A submission that does not compile costs that lab only"
tree=$(mktemp -d)
cp -r solutions/. "$tree/"
rm -f "$tree"/*/hidden_tests.c
sed -i 's/return t->result;/return t->result/' "$tree/01-threads/threads.c"
grade broken-01 SUBMISSION="$tree"
rm -rf "$tree"
[ "$(awk -F'\t' '$1 == "01-threads" && $5 == "passed"' "$T/broken-01/grade/results.tsv" | wc -l)" -eq 0 ] \
    && grep -q "did not compile" "$T/broken-01.out" && grep -q "threads.c:[0-9]*:[0-9]*: error: expected" "$T/broken-01.out" \
    && ok "01-threads scores 0 and shows the compiler's error" \
    || bad "01-threads was not reported as a build failure" "$(head -20 "$T/broken-01.out")"
others=$(awk -F'\t' '$1 != "01-threads" && $5 == "failed"' "$T/broken-01/grade/results.tsv" | wc -l)
graded=$(awk -F'\t' '$1 != "01-threads"' "$T/broken-01/grade/results.tsv" | cut -f1 | sort -u | wc -l)
if [ "$graded" -ne $(($(wc -w <<< "$LABS") - 1)) ]; then bad "only $graded other labs were graded"
elif [ "$others" -eq 0 ]; then ok "every other lab is still graded, at full marks"
else bad "$others tests of other labs failed"; fi

section "Buggy implementations (tests/mutants) lose the points of the tests named for them"
for lab in $LABS; do ls tests/mutants/$lab/*.patch 2>/dev/null; done |
    xargs -r -P "$JOBS" -n 1 tests/mutant.sh > "$T/mutants.out" 2>&1
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

section "make plots draws every chart"
rm -f plots/*.png
if out=$(PLOTS_QUICK=1 make -s --no-print-directory plots-now SRC=solutions BUILD=$T/solutions/build \
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
