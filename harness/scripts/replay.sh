#!/usr/bin/env bash
# replay.sh BUILD GRADE_OUT LAB TEST SEED PASS - run one schedule of a schedule
# test again (make replay): its feedback and every step of it on the
# terminal, and its chart in $PLOTS_DIR/replay-LAB-TEST.png (never one of
# the labs' own charts).  If the last grading recorded this schedule
# (GRADE_OUT/LAB/BINARY/TEST.schedule), the replay says where the code no
# longer follows it.
set -euo pipefail
build=$1 graded=$2 lab=$3 test=$4 seed=$5 pass=${6:-plain}
case $pass in
    plain) bin=tests ;;
    tsan) bin=tests-tsan ;;
    asan) bin=tests-asan ;;
    *) echo "PASS=$pass: a pass is plain, tsan or asan" >&2; exit 2 ;;
esac
exe=$build/$lab/$bin
if [ ! -x "$exe" ]; then
    echo "$lab does not compile, so nothing can be replayed:"
    sed -n '1,20p' "$exe.log" 2>/dev/null | sed 's/^/   /'
    exit 1
fi
out=build/replay/$lab/$bin
mkdir -p "$out"
rm -f "$out/$test.chart" "$out/$test.chart.gp"
expect=()
[ -s "$graded/$lab/$bin/$test.schedule" ] && expect=(--expect "$graded/$lab/$bin/$test.schedule")
# As the grader runs it (harness/grader/grade.c): a sanitizer stops at its first report.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" ASAN_OPTIONS="halt_on_error=1:detect_leaks=1"
echo "Replaying $test under schedule $seed ($pass pass):"
"$exe" --run --only "$test" --replay "$seed" --outdir "$out" "${expect[@]}" --records-fd 3 3> /dev/null || true
[ -s "$out/$test.chart" ] || exit 0
plots=${PLOTS_DIR:-plots}
mkdir -p "$plots"
png=$plots/replay-$lab-$test.png
if ! command -v gnuplot > /dev/null; then
    echo "(no chart: gnuplot is not installed; make deps installs it)"
elif gnuplot -e "set terminal pngcairo size 1400,600 font ',10'; set output '$png'; datafile='$out/$test.chart'" \
        harness/scripts/timeline.gp 2> "$out/$test.gnuplot.log"; then
    echo "chart: $png"
else
    echo "(gnuplot could not draw the chart:"; sed 's/^/   /' "$out/$test.gnuplot.log"; echo ")"
fi
