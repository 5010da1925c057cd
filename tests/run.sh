#!/usr/bin/env bash
# run.sh - the kit's own tests; `make test` runs this.
#
# Each check prints ✓ or ✗ with the reason; the last line counts them.
# Everything it writes goes under build/test/: its gradings, builds, charts
# and bundles.  It never writes to labs/ or plots/ (a student's work and
# charts), and the last check proves it.
set -euo pipefail
# A command that fails unexpectedly stops the suite: say where, not just "Error 1".
trap 'echo "  ✗ tests/run.sh stopped at line $LINENO: $BASH_COMMAND"' ERR
cd "$(dirname "$0")/.."
. harness/scripts/tsv.sh
T=build/test
mkdir -p "$T"
# The kit's own checks use pristine skeletons: labs/ in the kit, and in a
# student's handout the copies it keeps in tests/skeletons/ (the student
# edits labs/, and make test must pass however far they have got).
SKELETONS=labs
[ -d tests/skeletons ] && SKELETONS=tests/skeletons
fingerprint() { find labs plots -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum | sha256sum || true; }
UNTOUCHED=$(fingerprint)
# Every build here, the mutants' and the bundles' included, shares one
# compiler and one copy of the kit's objects.
export CC=gcc KIT_BUILD=$T/kit-gcc
passed=0
failed=0
JOBS=${JOBS:-$(harness/scripts/cores.sh)}
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
# busy: the share of the machine's CPU time that was not idle since START
# (/proc/stat: every process's, the sandboxed tests' included).
busy_since() { awk 'NR == 1 { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6 }' /proc/stat; }
BUSY0=$(busy_since)
busy() { busy_since | awk -v b="$BUSY0" '{ split(b, s, " "); t = $1 - s[1]; if (t > 0) printf "%d%%", 100 * (t - ($2 - s[2])) / t }'; }
section() { echo; echo "$1  [$(($(date +%s) - START)) s]"; }
# replay NAME PID FILE: wait for a lane and print its lines, counting its
# checks; a lane that stopped early (a command failed) is a failure too.
replay() {
    local lane_status=0
    wait "$2" || lane_status=$?
    cat "$3"
    passed=$((passed + $(grep -c '^  ✓' "$3" || true)))
    failed=$((failed + $(grep -c '^  ✗' "$3" || true)))
    [ "$lane_status" -eq 0 ] || bad "the $1 lane stopped early (exit $lane_status): see its last lines above"
}

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
    tsv_awk -v s="$2" 'status == s { n++ } END { print n + 0 }' "$T/$1/grade/results.tsv"
}

section "Building the kit's tools"
mkdir -p "$T/tools"
for tool in check_results check_xml; do
    cc -std=c11 -O2 -Wall -Wextra -Werror tests/tools/$tool.c -o "$T/tools/$tool" || exit 2
done
ok "check_results and check_xml"

section "Every lab builds warning-free under gcc and clang (-Wall -Wextra), and the vetting finds nothing"
# HANDOUT_QUICK=1 (the handout check inside the kit's own tests): gcc only.
for compiler in gcc $([ "${HANDOUT_QUICK:-0}" = 1 ] || echo clang); do
    if ! command -v $compiler > /dev/null; then bad "$compiler is not installed"; continue; fi
    for src in $REFERENCE $SKELETONS; do
        # gcc builds where the gradings below will look; only the plain and
        # ThreadSanitizer binaries are checked here (gcc's warnings depend on
        # the optimiser, so both).  clang's come from its front end, the same
        # at any -O and with any sanitizer: its plain build is the check.
        name=$([ "$src" = "$REFERENCE" ] && echo reference || echo skeleton)
        b=$T/$name/build
        passes="tests tests-tsan"
        [ $compiler = gcc ] || { b=$T/cc-$compiler-$name; passes=tests; }
        if ! out=$(make -s -j"$JOBS" --no-print-directory build CC=$compiler SRC=$src BUILD=$b \
                   KIT_BUILD=$T/kit-$compiler LABS="$LABS" PASSES="$passes" 2>&1); then
            bad "$compiler: the kit itself does not build" "$out"; continue
        fi
        # The student's files compile without -Werror (a warning is feedback,
        # not a zero), so their warnings are read from the build logs; the
        # vetting (harness/grader/vet.c) must find nothing, not even for review.
        missing=""
        for lab in $LABS; do
            for bin in $passes; do
                [ -x "$b/$lab/$bin" ] && [ ! -s "$b/$lab/$bin.log" ] && [ ! -s "$b/$lab/$bin.vet" ] ||
                    missing+="$lab/$bin: $(head -c 400 "$b/$lab/$bin.log" "$b/$lab/$bin.vet" 2>/dev/null || true)"$'\n'
            done
        done
        if [ -z "$missing" ]; then ok "$compiler: $src compile cleanly, nothing vetted"
        else bad "$compiler: $src do not compile cleanly, or the vetting flagged them" "$missing"; fi
        # The first build of the kit's objects is the one that would print.
        [ $compiler != gcc ] || [ "$src" != "${REFERENCE:-$SKELETONS}" ] || {
            [ -z "$out" ] && ok "make -s prints nothing while it builds" || bad "make -s printed" "$(head -5 <<< "$out")"; }
    done
done

# instructor-only
# The mutants and the hostile fixtures are most of make test's work, and
# they only have to fail their tests, which load cannot prevent.  They grade
# in the background while the sections below run beside them (a load the
# reference must bear anyway); their verdicts come last.
# Every kit object they link is built first, so no two makes write one file.
# The hostile fixtures' labs too: they run whatever TEST_LABS says.
pool_labs=$( (echo $LABS | tr ' ' '\n'; ls -d tests/hostile/*/ | xargs -n 1 basename) | sort -u | tr '\n' ' ')
make -s --no-print-directory kit LABS="$pool_labs" > "$T/kit.out" 2>&1 || bad "make kit failed" "$(tail -5 "$T/kit.out")"
# An Exact patch must leave every other test passing; the reach map (which
# tests enter which functions, from one instrumented run of the reference)
# lets it regrade only the tests that can run the code it changes.
export REACH=$T/reach
(
    exact_labs=$(grep -l '^Exact: *yes' $(for lab in $pool_labs; do ls tests/mutants/$lab/*.patch tests/hostile/$lab/*.patch 2>/dev/null; done) |
                 xargs -r -n 1 dirname | xargs -r -n 1 basename | sort -u || true)
    tests/tools/reach.sh "$REACH" $exact_labs > "$T/reach.out" 2>&1 || true   # no map: every test regrades
    # One queue, two gradings a core (most of a grading is waiting for a
    # test's deadline), the longest first so that no core idles at the end:
    # the fixtures (hangs waited out), then the labs from the last (whose
    # tests take longest).  Each line lands in hostile.out or mutants.out.
    : > "$T/hostile.out"; : > "$T/mutants.out"
    { ls tests/hostile/*/*.patch
      for lab in $(tr ' ' '\n' <<< "$LABS" | sort -r); do ls tests/mutants/$lab/*.patch 2>/dev/null || true; done
    } | xargs -r -P "$((2 * JOBS))" -I{} bash -c \
        'kind=$(basename "$(dirname "$(dirname "$1")")"); tests/mutant.sh "$1" >> "$2/$kind.out" 2>&1' _ {} "$T" || true
) &
POOL=$!
# /instructor-only

# instructor-only
# The packaging checks (batch, platforms, Gradescope) and the handout's run
# in two lanes beside the sections below: each waits mostly on gradings
# that sleep, and the reference must bear the load anyway (students grade on
# busy laptops).  Their lines are kept and printed in their place.
lane_packaging() {
section "make batch grades a class, each submission on its own ($FEW_LABS)"
class=$(mktemp -d)
mkdir -p "$class/pack/ref-tar" "$class/broken/labs"
for lab in $FEW_LABS; do cp -r "solutions/$lab" "$class/pack/ref-tar/"; done
rm -rf "$class"/pack/ref-tar/*/tests
cp -r "$class/pack/ref-tar/." "$class/broken/labs/"
tar -czf "$class/ref-tar.tar.gz" -C "$class/pack" ref-tar && rm -rf "$class/pack"
(cd labs && zip -qr "$class/skeleton-zip.zip" $FEW_LABS)
for f in "$class/broken/labs/$FIRST_LAB"/*.c; do echo 'int broken = ;' >> "$f"; done
# A student who forges records in one lab (the forging attack, tests/hostile/forge-records.c) and not the other.
mkdir -p "$class/forger"
for lab in $FEW_LABS; do cp -r "labs/$lab" "$class/forger/"; done
cat tests/hostile/forge-records.c >> "$class/forger/$FIRST_LAB/$(harness/scripts/student_files.sh "$FIRST_LAB" | head -1)"
if out=$(make -s --no-print-directory batch SUBMISSIONS="$class" BATCH_OUT=$T/batch LABS="$FEW_LABS" JOBS=2 2>&1); then
    book=$T/batch/gradebook.csv
    full=$(($(wc -w <<< "$FEW_LABS") * 100))
    total_column=$(($(wc -w <<< "$FEW_LABS") + 2))
    row() { grep "^$1," "$book" | cut -d, -f$total_column; }
    [ "$(head -1 "$book")" = "student,${FEW_LABS// /,},total,flagged" ] \
        && ok "gradebook.csv has a column per lab, a total and the flagged labs" \
        || bad "gradebook header: $(head -1 "$book")"
    forger=$(grep "^forger," "$book" || true)
    [ "$(row forger)" = 0 ] && [ "${forger##*,}" = "$FIRST_LAB refused" ] &&
        awk -F'\t' -v lab="$FIRST_LAB" '$1 == "forger" && $2 == lab && $3 == "refused" && $4 ~ /a constructor \(lab code may not run before main\)/ { f = 1 } END { exit !f }' "$T/batch/flagged.txt" \
        && ok "a forging student scores 0, flagged in the gradebook and in flagged.txt: $(grep '^forger' "$T/batch/flagged.txt")" \
        || bad "the forging student: $forger" "$(cat "$T/batch/flagged.txt" 2>/dev/null)"
    [ "$(grep -c . "$T/batch/flagged.txt")" = 1 ] && ok "flagged.txt lists only the forger" \
        || bad "flagged.txt lists others" "$(cat "$T/batch/flagged.txt")"
    [ "$(row ref-tar)" = "$full" ] && ok "the reference, as a .tar.gz of one folder, scores $full/$full" \
        || bad "the reference scored $(row ref-tar) of $full" "$(cat "$book")"
    [ "$(row skeleton-zip)" = 0 ] && ok "a skeleton (.zip) scores 0" || bad "the skeleton scored $(row skeleton-zip)"
    broken_first=$(grep "^broken," "$book" | cut -d, -f2 || true)
    [ "$broken_first" = 0 ] && [ "$(row broken)" = $((full - 100)) ] \
        && ok "a build failure in $FIRST_LAB (a folder holding labs/) costs that lab only ($(row broken)/$full)" \
        || bad "the broken submission scored $(grep "^broken," "$book")"
    for s in ref-tar skeleton-zip broken forger; do
        [ -s "$T/batch/students/$s/results.json" ] && [ -s "$T/batch/students/$s/feedback.txt" ] || missing_files+=" $s"
    done
    [ -z "${missing_files:-}" ] && ok "every student has results.json and feedback.txt" || bad "missing files for:$missing_files"
    again=$(make -s --no-print-directory batch SUBMISSIONS="$class" BATCH_OUT=$T/batch LABS="$FEW_LABS" JOBS=2 2>&1 | tr '\r' '\n' | grep "submissions in" || true)
    grep -q "0 graded, 4 unchanged" <<< "$again" && ok "a re-run grades nothing unchanged ($again)" \
        || bad "a re-run regraded unchanged submissions" "$again"
else
    bad "make batch failed" "$out"
fi
rm -rf "$class"

section "Instructor platforms: GitHub Actions, PrairieLearn and Classroom 50 bundles, each simulated"
. tests/platforms.sh

section "make gradescope: the bundle grades a submission in a simulated /autograder ($FEW_LABS)"
zip=$T/dist/gradescope-autograder.zip
if out=$(make -s --no-print-directory gradescope DIST=$T/dist LABS="$FEW_LABS" 2>&1) && [ -s $zip ]; then
    listing=$(unzip -Z1 $zip)
    grep -qx setup.sh <<< "$listing" && grep -qx run_autograder <<< "$listing" \
        && ok "setup.sh and run_autograder are at the zip's root" || bad "zip root" "$listing"
    leaks=$(grep '^kit/solutions/' <<< "$listing" | grep -v '/$' | grep -v '^kit/solutions/[^/]*/tests/' || true)
    [ -z "$leaks" ] && ok "the bundle holds hidden tests but no solution code" || bad "solution files in the bundle" "$leaks"
    for case in reference broken forge; do
        ag=$(mktemp -d)
        chmod 755 "$ag"
        mkdir -p "$ag/source" "$ag/submission/repo/labs"
        (cd "$ag/source" && unzip -q "$OLDPWD/$zip")
        # The broken upload needs only the lab it breaks; the others grade
        # as the skeletons they fall back to, in a second instead of 30.
        for lab in $([ $case = reference ] && echo "$FEW_LABS" || echo "$FIRST_LAB"); do
            cp -r "$([ $case = forge ] && echo labs || echo solutions)/$lab" "$ag/submission/repo/labs/"
        done
        first=$ag/submission/repo/labs/$FIRST_LAB/$(harness/scripts/student_files.sh "$FIRST_LAB" | head -1)
        [ $case = broken ] && echo 'int broken = ;' >> "$first"
        [ $case = forge ] && cat tests/hostile/forge-records.c >> "$first"
        AUTOGRADER_ROOT=$ag "$ag/source/run_autograder" || true
        res=$("$T/tools/check_results" "$ag/results/results.json" 2>&1 || true)
        if [ $case = reference ]; then
            grep -q "ok: $full/$full" <<< "$res" && ok "a repository upload of the reference: $res" \
                || bad "reference on Gradescope: $res" \
                       "$(grep -A4 '  ✗ ' "$ag/results/terminal.txt" | head -20)"
            grep -q '"output_format": "md"' "$ag/results/results.json" \
                && ok "Gradescope renders the feedback as markdown (output_format md)" \
                || bad "results.json does not ask Gradescope for markdown"
            grep -q "runs as an unprivileged user" "$ag/results/terminal.txt" \
                && ok "student code ran as a non-root user" || bad "student code ran as root" "$(tail -2 "$ag/results/terminal.txt")"
            for lab in $FEW_LABS; do
                grep -q '^# Leaderboard:' "labs/$lab/compare.sh" 2>/dev/null || continue
                entry=$(grep -o "{\"name\": \"$lab: tasks/s[^}]*}" "$ag/results/results.json" || true)
                [ -n "$entry" ] && ok "a full-marks $lab gets an ungraded leaderboard entry: $entry" \
                    || bad "no leaderboard entry for $lab" "$(grep -A3 leaderboard "$ag/results/results.json")"
            done
        elif [ $case = broken ]; then
            grep -q "^ok:" <<< "$res" && grep -q "did not compile" "$ag/results/results.json" \
                && ok "a build failure still writes results.json, with the compiler's errors" \
                || bad "a build failure on Gradescope: $res"
        else
            grep -q "^ok: 0/" <<< "$res" && grep -q '"output": "```text\\n'"$FIRST_LAB"': flagged, 0 for the whole lab' \
                "$ag/results/results.json" && grep -q "a constructor (lab code may not run before main)" "$ag/results/results.json" \
                && ok "a skeleton that forges records scores 0 on Gradescope, flagged above the tests and in each: $res" \
                || bad "the forging skeleton on Gradescope: $res" "$(head -c 600 "$ag/results/results.json")"
        fi
        rm -rf "$ag"
    done
else
    bad "make gradescope failed" "$out"
fi

return 0
}
lane_handout() {
section "make handout: what students get works, holds no reference, and never touches their work"
if out=$(make -s --no-print-directory handout DIST=$T/dist BUILD=$T/handout-build LABS="$LABS" 2>&1) &&
   [ -s $T/dist/concurrency-labs-student.tar.gz ]; then
    ho=$(mktemp -d)
    tar -xzf $T/dist/concurrency-labs-student.tar.gz -C "$ho"
    hd=$ho/concurrency-labs
    [ ! -e "$hd/solutions" ] && ! grep -rlq --include='*.c' '^HIDDEN_TEST(' "$ho" && ! find "$ho" -name '*.patch' | grep -q . \
        && ok "no solutions/, hidden tests or mutants in the handout" || bad "instructor files in the handout"
    # "solutions" as a path, a value or a word in code: nothing a student
    # gets may point at a tree they do not have.  Prose ("no better
    # solutions that ...", a seed's words) may say the word.
    mentions=$(grep -rnIw solutions "$hd" | grep -vE '[a-z] solutions [a-z]' | sed "s|$hd/||" | head -5 || true)
    [ -z "$mentions" ] && ok "nothing in the handout refers to solutions/" \
        || bad "the handout refers to solutions/" "$mentions"
    if words=$(tests/tools/handout_words.sh "$hd" 2>&1); then
        ok "every seed the handout cites is in README's seed table, and no tracker word reaches it"
    else
        bad "the handout cites a seed that does not exist or carries a tracker word" "$words"
    fi
    # No whole line of solution code (or hidden test), at least 35
    # characters long and not also in the kit's own code, may appear in the
    # handout.
    leaked=""
    cat $(find harness -type f) $(find labs -type f -name '*.[ch]') 2>/dev/null | sed 's/^[[:space:]]*//' > "$T/kit-lines" || true
    for lab in $LABS; do
        for f in solutions/$lab/*.c solutions/$lab/tests/*.c; do
            [ -f "$f" ] || continue
            sed 's/^[[:space:]]*//' "$f" | grep -vxFf "$T/kit-lines" |
                awk 'length($0) >= 35' > "$T/solution-lines" || true
            [ -s "$T/solution-lines" ] || continue
            hit=$(find "$ho" -type f -exec cat {} + | sed 's/^[[:space:]]*//' |
                  grep -xFf "$T/solution-lines" | head -2 || true)
            [ -n "$hit" ] && leaked+="$f: $hit"$'\n'
        done
    done
    [ -z "$leaked" ] && ok "no line of solution code appears in the handout" || bad "solution text in the handout" "$leaked"
    cmp -s harness/scripts/github/grade.yml "$hd/.github/workflows/grade.yml" \
        && ok "the handout carries the GitHub Actions workflow (.github/workflows/grade.yml)" \
        || bad "no GitHub Actions workflow in the handout"
    # The skeleton with one unused variable: a warning is feedback with its
    # line, never a zero, and the hidden tests the handout does not hold are
    # counted from its points table, so 0/90 cannot read as 0/100 (nor 90/90
    # as full marks).
    first=$hd/labs/$FIRST_LAB/$(harness/scripts/student_files.sh "$FIRST_LAB" | head -1)
    printf '\nint warning_probe(void)\n{\n    int unused;\n    return 0;\n}\n' >> "$first"
    probe_line=$(( $(wc -l < "$first") - 2 ))
    hidden_row=$(sed -n 's/^| \([0-9]*\) hidden tests\{0,1\} | \([0-9]*\) |.*/\1 \2/p' "labs/$FIRST_LAB/README.md")
    read -r hidden_n hidden_p <<< "$hidden_row"
    if (cd "$hd" && make LAB=$FIRST_LAB > "$OLDPWD/$T/handout-make.out" 2>&1) &&
       grep -q "^TOTAL 0/[0-9]* visible; $hidden_p more points in $hidden_n hidden tests" "$T/handout-make.out"; then
        ok "make in the unpacked handout grades a skeleton at 0 ($FIRST_LAB): $(grep -o '^TOTAL [^ ]* [^ ]* [^,]*' "$T/handout-make.out" | head -1)"
    else
        bad "make in the handout" "$(tail -15 "$T/handout-make.out")"
    fi
    grep -q "hidden tests\? worth $hidden_p points, graded on submission" "$T/handout-make.out" \
        && ok "the handout's terminal counts the hidden tests it does not hold ($hidden_n, $hidden_p points)" \
        || bad "the handout's terminal does not count its hidden tests" "$(grep -i hidden "$T/handout-make.out")"
    grep -q "compiler warning: it costs no points" "$T/handout-make.out" &&
        grep -q "$(basename "$first"):$probe_line:[0-9]*: warning: unused variable" "$T/handout-make.out" &&
        ! grep -q "did not compile" "$T/handout-make.out" \
        && ok "an unused variable is a warning with its line, not a zero: $(grep -o "$(basename "$first"):$probe_line:.*" "$T/handout-make.out" | head -1)" \
        || bad "the unused variable's warning" "$(grep -A3 -i "warning\|did not compile" "$T/handout-make.out" | head -8)"
    # A student who has solved every lab: their charts, then the kit's own
    # tests, which must pass on their tree and leave it as it was.
    for lab in $LABS; do
        for f in $(harness/scripts/student_files.sh "$lab"); do cp "solutions/$lab/$f" "$hd/labs/$lab/"; done
    done
    if out=$(cd "$hd" && PLOTS_QUICK=1 make -s --no-print-directory plots 2>&1); then
        charts=$(ls "$hd"/plots/*.png 2>/dev/null | wc -l || true)
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
              sed -n 's/^[<>] [0-9a-f]*  //p' | sort -u | head -5 || true)
    [ -z "$changed" ] && ok "make test left the student's labs/ and plots/ byte for byte as they were" \
        || bad "make test changed the student's files" "$changed"
    # make bench, one round: every lab's benchmark prints what its
    # compare.sh promises ("# Prints: ..."), and calls the code the student's.
    if out=$(cd "$hd" && ROUNDS=1 make -s --no-print-directory bench 2>&1); then
        for lab in $LABS; do
            [ -x "labs/$lab/compare.sh" ] || continue
            want=$(sed -n 's/^# Prints: //p' "labs/$lab/compare.sh" || true)
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
who=$(make -n --no-print-directory bench LABS="$LABS" 2>/dev/null | grep -o "BENCH_WHO=\"[^\"]*\"" | sort -u || true)
[ "$who" = 'BENCH_WHO="this lab'"'"'s reference"' ] && ok "in the kit, make bench measures the reference" \
    || bad "in the kit, make bench would measure: ${who:-nothing}"
return 0
}
# The scheduler (harness/testlib/sched*.c): its own tests, its mutants, and a
# failure's replay line run as a student would run it.
lane_schedules() {
section "The scheduler: its own tests and mutants, and a failure replayed from its feedback"
if out=$(tests/sched/run.sh "$T/sched" 2>&1); then
    ok "tests/sched: each planted bug is found, each verdict right, each seed replays its run"
else
    bad "tests/sched failed" "$(grep -E '✗|error' <<< "$out" | head -10)"
fi
for p in tests/sched/mutants/*.patch; do
    name=$(basename "$p" .patch) says=$(sed -n 's/^Says: *//p' "$p")
    out=$(SCHED_PATCH=$p tests/sched/run.sh "$T/sched-$name" 2>&1 || true)
    if grep -qF -- "$says" <<< "$out"; then ok "scheduler mutant $name: caught ($says)"
    else bad "scheduler mutant $name escaped: no \"$says\"" "$(tail -5 <<< "$out")"; fi
done
check_replay 03-mutexes get-wakes-putter-only-when-full buffer_under_schedules "stuck:"
}
# check_replay LAB MUTANT TEST WORDS: grade the mutant, take the replay line
# from its feedback, and run it in the plain and ThreadSanitizer passes: the
# same failure each time, every step listed, a chart drawn under build/;
# the reference, replayed under that schedule, says where it diverged.
check_replay() {
    local lab=$1 bug=$2 test=$3 words=$4 r=$T/replay tree line pass out
    rm -rf "$r"; mkdir -p "$r"
    tree=$(mktemp -d); mkdir -p "$tree/$lab"; cp solutions/$lab/*.c "$tree/$lab/"
    (cd "$tree/$lab" && git apply -p1 "$OLDPWD/tests/mutants/$lab/$bug.patch")
    make -s --no-print-directory grade-now SUBMISSION="$tree" BUILD="$r/build" GRADE_OUT="$r/grade" \
        LAB=$lab ONLY=$test PASSES="tests tests-tsan" > "$r/grade.log" 2>&1 || true
    line=$(grep -o 'make replay LAB=[^"\\]*' "$r/grade/results.json" 2>/dev/null | head -1 || true)
    [ -n "$line" ] || { bad "$lab/$bug: no replay line in its feedback" "$(tail -5 "$r/grade.log")"; return; }
    for pass in plain tsan; do
        out=$(make -s --no-print-directory ${line#make replay } replay-now SUBMISSION="$tree" BUILD="$r/build" \
              GRADE_OUT="$r/grade" PASS=$pass PLOTS_DIR="$r/plots" 2>&1 | sed 's/^make: .*//' || true)
        if grep -q "FAILED" <<< "$out" && grep -qF "$words" <<< "$out" && grep -q "^ *[0-9]* *T0 (the test)" <<< "$out" &&
           ! grep -q "diverged" <<< "$out" && { ! command -v gnuplot > /dev/null || [ -s "$r/plots/replay-$lab-$test.png" ]; }; then
            ok "$lab/$bug: \"${line}\" fails again in the $pass pass, every step listed, the chart drawn"
        else
            bad "$lab/$bug: its replay line ($pass) did not fail the same way" "$(head -20 <<< "$out")"
        fi
    done
    cp solutions/$lab/*.c "$tree/$lab/"   # the reference now: it takes other steps
    out=$(make -s --no-print-directory ${line#make replay } replay-now SUBMISSION="$tree" BUILD="$r/build" \
          GRADE_OUT="$r/grade" PLOTS_DIR="$r/plots" 2>&1 || true)
    grep -q "The schedule diverged at step [0-9]*: your code changed" <<< "$out" &&
        ok "the reference replayed under that schedule says where it diverged" ||
        bad "a changed program replayed under a recorded schedule said nothing of diverging" "$(head -8 <<< "$out")"
    rm -rf "$tree"
}
lane_schedules > "$T/lane-schedules.out" 2>&1 &
LANE_SCHEDULES=$!
lane_packaging > "$T/lane-packaging.out" 2>&1 &
LANE_PACKAGING=$!
lane_handout > "$T/lane-handout.out" 2>&1 &
LANE_HANDOUT=$!
# /instructor-only


# instructor-only
section "Skeletons differ from solutions only inside function bodies"
for lab in $LABS; do
    for name in $(harness/scripts/student_files.sh "$lab"); do f=labs/$lab/$name
        if out=$(tests/tools/same_outside_bodies.sh "$f" "solutions/$lab/$name"); then
            ok "$lab/$name"
        else
            bad "$lab/$name" "$out"
        fi
    done
done

section "The reference solutions score full marks in all three passes (plain, ThreadSanitizer, AddressSanitizer)"
grade reference SRC=solutions || true
for lab in $LABS; do
    failing=$(tsv_awk -v l="$lab" 'lab == l && status == "failed" { print test }' "$T/reference/grade/results.tsv" || true)
    if [ -z "$failing" ] && tsv_awk -v l="$lab" 'lab == l { f = 1 } END { exit !f }' "$T/reference/grade/results.tsv"; then
        ok "$lab: $(tsv_awk -v l="$lab" 'lab == l { s += score; m += max } END { print s "/" m }' "$T/reference/grade/results.tsv")"
    else
        bad "$lab: the reference lost points in: $failing" "$(grep -A6 '✗' "$T/reference.out")"
    fi
done
if out=$("$T/tools/check_results" "$T/reference/grade/results.json"); then ok "results.json parses and adds up ($out)"
else bad "results.json is invalid" "$out"; fi
if out=$("$T/tools/check_xml" "$T/reference/grade/junit.xml"); then ok "junit.xml parses ($out)"
else bad "junit.xml is invalid" "$out"; fi

section "The reference survives spurious wakeups, which POSIX allows"
# Spurious wakeups are about waiting logic: the plain and ThreadSanitizer
# passes exercise it; the AddressSanitizer pass would add time, not coverage.
grade spurious SRC=solutions STUDENT_EXTRA="-include harness/testlib/spurious.h harness/testlib/spurious.c" \
    PASSES="tests tests-tsan" || true
failing=$(tsv_awk 'status == "failed" { print lab ": " test }' "$T/spurious/grade/results.tsv" 2>/dev/null || true)
if [ -s "$T/spurious/grade/results.tsv" ] && [ -z "$failing" ]; then
    ok "full marks with condition waits that return early one time in three"
else
    bad "the reference lost points to spurious wakeups" "$failing"
fi
# /instructor-only

# instructor-only
section "A skeleton that forges records (tests/hostile/forge-records.c) scores 0 on every lab, flagged"
# The forging attack, one source appended to each lab's first student file:
# a constructor that writes a pass for every test to the record channel.
# Every pass's build must refuse it, and the grading must say where.
forged=$T/forged
rm -rf "$forged" && mkdir -p "$forged/src"
for lab in $LABS; do
    mkdir -p "$forged/src/$lab"
    for f in $(harness/scripts/student_files.sh "$lab"); do cp "labs/$lab/$f" "$forged/src/$lab/"; done
    cat tests/hostile/forge-records.c >> "$forged/src/$lab/$(harness/scripts/student_files.sh "$lab" | sed -n 1p)"
done
chmod -R a+rX "$forged"
grade forged SRC="$forged/src" || true   # builds in $forged/build
# The line of the constructor in the appended file, and its name for each lab.
ctor_line=$(grep -n '__attribute__((constructor))' tests/hostile/forge-records.c | cut -d: -f1)
for lab in $LABS; do
    first=$(harness/scripts/student_files.sh "$lab" | sed -n 1p)
    want="$first:$(( $(wc -l < "labs/$lab/$first") + ctor_line )): a constructor (lab code may not run before main)"
    # The grading built all three passes (each refused, none linked).
    refused=0
    for bin in tests tests-tsan tests-asan; do
        [ ! -e "$forged/build/$lab/$bin" ] && grep -qF "refused: $want" "$forged/build/$lab/$bin.vet" 2>/dev/null &&
            refused=$((refused + 1))
    done
    scores=$(tsv_awk -v l="$lab" 'lab == l { s += score; n++; if (flag == "refused") f++ } END { print s + 0, n + 0, f + 0 }' \
             "$T/forged/grade/results.tsv" 2>/dev/null || echo "? 0 0")
    read -r score tests flagged <<< "$scores"
    if [ "$score" = 0 ] && [ "$tests" -gt 0 ] && [ "$flagged" = "$tests" ] && [ $refused = 3 ] &&
       grep -qF "$want" "$T/forged.out"; then
        ok "$lab: 0 on all $tests tests, flagged, refused in all three builds: $want"
    else
        bad "$lab: the forging skeleton scored $score over $tests tests ($flagged flagged, $refused of 3 builds refused)" \
            "$(grep -A3 "^$lab" "$T/forged.out")"
    fi
done
book=$(grep '^TOTAL' "$T/forged.out" || true)
grep -q "^TOTAL 0/" <<< "$book" && ok "the terminal's total: $book" || bad "the forged total: $book"
# /instructor-only

section "The skeletons score 0, with clear messages, and the grader completes"
# No test passes a skeleton's plain pass, so its sanitizer passes run nothing:
# the binaries the build check made will do, and no AddressSanitizer build.
if grade skeleton SRC=$SKELETONS PASSES="tests tests-tsan"; then ok "make grade exits 0 on the skeletons"
else bad "make grade failed on the skeletons" "$(tail -5 "$T/skeleton.out")"; fi
passing=$(count skeleton passed)
[ "$passing" -eq 0 ] && [ "$(count skeleton failed)" -gt 0 ] && ok "no test passes on a skeleton" \
    || bad "$passing tests pass on a skeleton" "$(tsv_select "$T/skeleton/grade/results.tsv" 'status == "passed"')"
out=$("$T/tools/check_results" "$T/skeleton/grade/results.json") && ok "results.json parses ($out)" \
    || bad "results.json is invalid" "$out"
grep -q "not implemented: [a-z_]* ($SKELETONS/$FIRST_LAB/[a-z_]*\.c:[0-9]*)" "$T/skeleton.out" \
    && ok "feedback names the missing function and its file:line" \
    || bad "no 'not implemented: FUNCTION ($SKELETONS/$FIRST_LAB/FILE.c:LINE)' in the feedback"
# instructor-only
grep -q "hidden tests\? worth .* points\?, graded on submission" "$T/skeleton.out" \
    && ok "the terminal says hidden tests exist, without showing them" \
    || bad "the terminal does not mention the hidden tests"
hidden_names=$(for lab in $LABS; do
    cat "solutions/$lab"/tests/*.c 2>/dev/null | sed -n 's/^HIDDEN_TEST(\([a-z0-9_]*\),.*/\1/p' || true; done)
printed=$(grep -oFf <(echo "$hidden_names") "$T/skeleton.out" | sort -u || true)
[ -n "$hidden_names" ] && [ -z "$printed" ] && ok "hidden test names stay out of the terminal" \
    || bad "hidden test names printed (or none found): ${printed:-none found}"
grep -q '"visibility": "after_published"' "$T/skeleton/grade/results.json" \
    && ok "hidden tests are in results.json as after_published" || bad "no after_published test in results.json"
# /instructor-only

section "Points come only from the runner's own records: any other stream is flagged, never believed"
# A stand-in for a test program writes records as something other than the
# runner would: one a test, in the order asked, is the only form believed.
# (No route to the channel is left open for lab code; this is the check
# behind that, on the streams a forger would produce.)
fake=$T/fake-runner
rm -rf "$fake" && mkdir -p "$fake/build/$FIRST_LAB" && chmod -R 755 "$fake"
cp "$T/skeleton/build/$FIRST_LAB/list" "$fake/build/$FIRST_LAB/"
cat > "$fake/build/$FIRST_LAB/tests" <<'FAKE'
#!/usr/bin/env bash
# The last argument is the --only list: the tests to run, in order.
IFS=, read -r -a names <<< "${!#}"
rec() { printf '%s\t%s\t0.01\t%s' "$1" "$2" "$3" >&3; }
case $FAKE_RUNNER in
    honest) for n in "${names[@]}"; do rec "$n" fail "no" && echo >&3; done ;;
    twice) rec "${names[0]}" pass ok && echo >&3; for n in "${names[@]}"; do rec "$n" fail no && echo >&3; done ;;
    after) for n in "${names[@]}"; do rec "$n" fail no && echo >&3; done; rec "${names[0]}" pass ok && echo >&3 ;;
    status) rec "${names[0]}" passed ok && echo >&3 ;;
    cut) rec "${names[0]}" fail no && echo >&3; rec "${names[1]}" pass "ok" ;;   # killed mid-record
esac
FAKE
chmod 755 "$fake/build/$FIRST_LAB/tests"
for mode in honest twice after status cut; do
    FAKE_RUNNER=$mode build/harness/grade --build "$fake/build" --out "$fake/$mode" --passes tests \
        "$FIRST_LAB" > "$fake/$mode.out" 2>&1 || true
    flag=$(tsv_awk 'flag != "" { print flag }' "$fake/$mode/results.tsv" 2>/dev/null | sort -u || true)
    why=$(sed -n 's/.*"flagged": "\(.*\)", "warnings".*/\1/p' "$fake/$mode/results.json" 2>/dev/null |
          sed 's/\\n$//; s/\\"/"/g' || true)
    case $mode in
        honest|cut) [ -z "$flag" ] && [ -s "$fake/$mode/results.tsv" ] \
            && ok "$mode records: graded, not flagged" || bad "$mode records were flagged" "$why" ;;
        *) [ "$flag" = tampered ] && ! tsv_awk 'status == "passed" { f = 1 } END { exit !f }' "$fake/$mode/results.tsv" \
            && ok "$mode records: flagged, $why" || bad "$mode records were believed" "$(cat "$fake/$mode.out")" ;;
    esac
done

section "Selecting labs and sources"
short=${FIRST_LAB#*-}   # LAB= takes the name without its number
make -s --no-print-directory grade-now BUILD="$T/skeleton/build" GRADE_OUT="$T/one-lab/grade" LAB=$short \
    SRC=$SKELETONS > "$T/one-lab.out" 2>&1 || true
[ "$(tsv_select "$T/one-lab/grade/results.tsv" 1 lab | sort -u)" = "$FIRST_LAB" ] \
    && ok "LAB=$short grades $FIRST_LAB only" \
    || bad "LAB=$short graded: $(tsv_select "$T/one-lab/grade/results.tsv" 1 lab | sort -u | tr '\n' ' ')"
last=$(make -s --no-print-directory grade-now LAB=$short AUTOLAB=1 BUILD="$T/skeleton/build" \
       SRC=$SKELETONS GRADE_OUT="$T/autolab" 2>&1 | tail -1 || true)
[ "$last" = "{\"scores\": {\"$FIRST_LAB\": 0}}" ] && ok "AUTOLAB=1 ends with Autolab's score line: $last" \
    || bad "AUTOLAB=1's last line: $last"
if out=$(make -s --no-print-directory grade-now LAB=nonsense 2>&1); then bad "LAB=nonsense was accepted"
else grep -q "is not a lab" <<< "$out" && ok "an unknown LAB is refused with the list of labs" || bad "LAB=nonsense: $out"; fi


section "make plots on skeletons says which function is missing"
out=$(PLOTS_QUICK=1 PLOTS_DIR=$T/plots-skeleton make -s --no-print-directory plots-now SRC=$SKELETONS \
      BUILD=$T/skeleton/build LABS="$LABS" 2>&1 || true)
[ "$(grep -c "your code is not finished: not implemented" <<< "$out")" -eq "$(wc -w <<< "$LABS")" ] \
    && ok "for every lab, make plots names the function to write first" \
    || bad "make plots on skeletons" "$out"

# instructor-only
replay "Packaging" $LANE_PACKAGING "$T/lane-packaging.out"
replay "Handout" $LANE_HANDOUT "$T/lane-handout.out"
replay "Schedules" $LANE_SCHEDULES "$T/lane-schedules.out"
# /instructor-only

section "Handouts take their shared facts from one source"
if out=$(tests/tools/handout_facts.sh $LABS); then
    ok "every points table matches its TEST lines, every grading paragraph is harness/grading.md, every schedules section harness/schedules.md"
else
    bad "handouts disagree with their sources" "$out"
fi
# The check itself must catch drift: a copy with one test's points changed in
# its first test file and one word changed in the shared paragraph.
drift=$(mktemp -d)
mkdir -p "$drift/labs" "$drift/harness"
cp -r "labs/$FIRST_LAB" "$drift/labs/"
cp harness/grading.md harness/schedules.md "$drift/harness/"
sed -i '0,/^TEST(\([a-z0-9_]*\), *\([0-9]*\),/s//TEST(\1, 1\2,/' "$drift/labs/$FIRST_LAB"/tests/1-*.c
sed -i '0,/three passes/s//two passes/' "$drift/labs/$FIRST_LAB/README.md"
out=$(FACTS_ROOT=$drift tests/tools/handout_facts.sh "$FIRST_LAB" 2>&1 || true)
grep -q "points table does not match" <<< "$out" && grep -q "grading paragraph differs" <<< "$out" \
    && ok "a drifted points table and a reworded grading paragraph are both caught" \
    || bad "handout_facts.sh missed a planted drift" "$out"
rm -rf "$drift"

section "Handouts cite seeds that exist and carry no tracker words"
if out=$(tests/tools/handout_words.sh); then
    ok "every \"seed NNN\" in a student's file is in README's seed table; no \"issue N\" or \"#N\""
else
    bad "a student's file cites a seed that does not exist or carries a tracker word" "$out"
fi
# The check must catch both: a copy of README and a handout with a citation
# of a seed numbered 007 and the word for the kit's tracker's sixth issue
# planted (each spelt in two halves here, so that this file carries neither).
plant=$(mktemp -d)
mkdir -p "$plant/labs/$FIRST_LAB"
cp README.md "$plant/"
cp "labs/$FIRST_LAB/README.md" "$plant/labs/$FIRST_LAB/"
bad_seed="se""ed 007" tracker_word="iss""ue 6"
printf '\nAs %s says, this was %s.\n' "$bad_seed" "$tracker_word" >> "$plant/labs/$FIRST_LAB/README.md"
out=$(tests/tools/handout_words.sh "$plant" 2>&1 || true)
grep -qF "cites $bad_seed" <<< "$out" && grep -qF "a tracker word, \"$tracker_word\"" <<< "$out" \
    && ok "a planted citation of a seed that does not exist ($bad_seed) and a planted tracker word ($tracker_word) are both caught" \
    || bad "handout_words.sh missed a planted citation or tracker word" "$out"
rm -rf "$plant"

section "make help lists every target and every variable"
help=$(make -s --no-print-directory help)
missing=""
for target in $(grep -oE '^[a-z0-9-]+:.*## ' Makefile | cut -d: -f1); do
    grep -q "make $target " <<< "$help" || missing+=" $target"
done
[ -z "$missing" ] && ok "every documented target is in make help" || bad "missing from help:$missing"
undocumented=""
for var in $(sed -n 's/^#: \([A-Z_]*\)=.*/\1/p' Makefile); do
    grep -q "$var=" README.md || undocumented+=" $var"
done
[ -z "$undocumented" ] && ok "every variable in make help is in README.md" \
    || bad "variables in make help but not in README.md:$undocumented"

# instructor-only
section "Buggy implementations (tests/mutants) lose the points of the tests named for them"
wait $POOL || true   # a mutant that failed its check is reported below
for lab in $LABS; do
    total=$(ls tests/mutants/$lab/*.patch 2>/dev/null | wc -l || true)
    caught=$(grep -c "✓ $lab/" "$T/mutants.out" || true)
    if [ "$total" -ge 6 ] && [ "$caught" -eq "$total" ]; then
        ok "$lab: $caught/$total mutants caught (100%)"
    elif [ "$total" -lt 6 ]; then
        bad "$lab: only $total mutants (at least 6 wanted)"
    else
        bad "$lab: $caught/$total mutants caught" "$(grep "✗ $lab/" "$T/mutants.out")"
    fi
done

section "Hostile and broken submissions are contained: graded right, bounded, nothing left behind"
while IFS= read -r line; do
    case $line in
        *"✓ "*) ok "${line#*✓ }" ;;
        *"✗ "*) bad "${line#*✗ }" ;;
    esac
done < "$T/hostile.out"
# The /proc route as a plain user: the grading above runs student code as a
# user of its own, whose test cannot open a pipe the grader (root) owns; a
# grader run by a plain user shares its user with the student's code, and
# there only the runner's undumpability closes /proc/<runner>/fd/3.  So run
# the fixture's program once as such a user, on a channel that user owns.
proc_bin=build/hostile/01-threads/forges-records-through-proc/build/01-threads/tests
if [ -x "$proc_bin" ]; then
    d=$(mktemp -d) && chmod 777 "$d"
    as_user=()
    [ "$(id -u)" = 0 ] && as_user=(setpriv --reuid=54321 --regid=54321 --clear-groups --)
    # The channel a FIFO of that user's (the runner ends its own children).
    "${as_user[@]}" bash -c 'mkfifo -m 600 "$2/channel" && { cat "$2/channel" > "$2/records" & } &&
        "$1" --run --records-fd 3 --outdir "$2" --only start_runs_body_on_new_thread 3> "$2/channel"; wait' \
        _ "$PWD/$proc_bin" "$d" > /dev/null 2>&1 || true
    printed=$(cat "$d/start_runs_body_on_new_thread.out" 2>/dev/null || true)
    grep -q "cannot open /proc/[0-9]*/fd/3: Permission denied" <<< "$printed" && [ "$(grep -c . "$d/records")" = 1 ] \
        && ok "as a plain user too, a test cannot reopen the runner's record channel: $(grep -o 'cannot open.*' <<< "$printed")" \
        || bad "as a plain user, the /proc route" "$printed" "$(cat "$d/records" 2>/dev/null)"
    rm -rf "$d"
fi
# /instructor-only

section "make test wrote nothing in labs/ or plots/"
[ "$(fingerprint)" = "$UNTOUCHED" ] && ok "labs/ and plots/ are byte for byte as they were" \
    || bad "labs/ or plots/ changed during make test" "$(git status --short labs plots 2>/dev/null | head -5)"

echo
echo "$passed passed, $failed failed  ($(($(date +%s) - START)) s; the machine was $(busy) busy)"
[ "$failed" -eq 0 ] || exit 1
