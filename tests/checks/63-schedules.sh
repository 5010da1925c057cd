#!/usr/bin/env bash
# 63-schedules.sh - the scheduler (harness/testlib/sched*.c): its own tests
# and mutants (tests/sched/), and a failure's replay line, taken from its
# feedback, run as a student would run it.
# Lane: schedules
# instructor-only
. "$(dirname "$0")/../lib.sh"
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

# chart_blocks CHART: "" when gnuplot reads each block of a replay's chart
# data (locks held, waits, choices, wakeups, spurious wakeups) with as many
# rows as the file holds under its heading; else the first that differs (an
# empty block once vanished, and the waits were drawn as locks held).
chart_blocks() {
    local k want got
    for k in 1 2 3 4 5; do
        want=$(awk -v k=$k '/^# / { b++ } b == k + 1 && NF && !/^#/ && $1 != "NaN" { n++ } END { print n + 0 }' "$1")
        got=$(gnuplot -e "set print '-'; stats '$1' index $k using 1 nooutput; print STATS_records" 2>/dev/null || true)
        [ "${got:-0}" = "$want" ] || { echo "block $k: $want rows in the file, gnuplot read ${got:-0}"; return; }
    done
}

# check_replay LAB MUTANT TEST WORDS: grade the mutant, take the replay line
# from its feedback, and run it in the plain and ThreadSanitizer passes: the
# same failure each time, every step listed, a chart drawn under build/;
# the reference, replayed under that schedule, says where it diverged.
check_replay() {
    local lab=$1 bug=$2 test=$3 words=$4 r=$T/replay tree line pass out wrong
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
            [ $pass = plain ] && command -v gnuplot > /dev/null || continue
            wrong=$(chart_blocks "build/replay/$lab/tests/$test.chart")
            [ -z "$wrong" ] && ok "$lab/$bug: the chart draws every block of its data where it belongs" \
                || bad "$lab/$bug: the chart's data is misread" "$wrong"
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
check_replay 03-mutexes get-wakes-putter-only-when-full buffer_under_schedules "stuck:"
# A schedule that holds no lock: its chart has an empty block.
check_replay 01-threads claim-load-then-store workers_under_schedules "two workers took the same task"
# /instructor-only
