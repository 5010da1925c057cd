#!/usr/bin/env bash
# plots.sh BUILD SRC CORES LAB... - run each lab's timing driver and draw its chart.
#
# For lab NN-name: $BUILD/NN-name/bench writes $PLOTS_DIR/data/NN-name.dat and
# prints its numbers as tables, with a note on how busy the machine was
# (harness/testlib/benchkit.c); this script shows them, then labs/NN-name/plot.gp draws
# the data twice: $PLOTS_DIR/NN-name.png (pngcairo) and the same chart as text
# in this terminal (dumb), for anyone on SSH.  plot.gp loads harness/scripts/chart.gp,
# gets `datafile`, `cores`, `source`, `note`, `untrusted` and `text`, and must
# not set a terminal; a line "# png size: W,H" or "# text size: COLUMNS,ROWS"
# in it asks for a bigger chart than 1200,800 or 120,40.  PLOTS_QUICK=1 asks the
# drivers for a short run (the kit's own tests use it, with PLOTS_DIR under
# build/ so that a student's charts are never replaced).
set -euo pipefail
build=$1 src=$2 cores=$3; shift 3
out=${PLOTS_DIR:-plots}
mkdir -p "$out/data"
status=0
# The drivers run in passes, the labs taking turns, each pass a new process
# with BENCH_PASS=J/N (harness/testlib/benchkit.h): a lab's rounds are spread
# over the whole run, so its spread includes the drift of a VM's speed over
# minutes and what differs from one process to the next, not a few seconds of
# one process.  Only the last pass's data file and tables are kept: they hold
# every pass's rounds.  PLOTS_QUICK=1 runs one pass; PLOTS_PASSES=N sets N
# (a driver has BENCH_ROUNDS = 21 rounds: with 21 passes, one a pass).
if [ "${PLOTS_QUICK:-}" = 1 ]; then default_passes=1; else default_passes=21; fi
passes=${PLOTS_PASSES:-$default_passes}
declare -A rc
for lab in "$@"; do
    rm -f "$out/data/$lab".dat.pass* "$out/data/$lab.log"
    [ -x "$build/$lab/bench" ] && rc[$lab]=0
done
for ((pass = 0; pass < passes; pass++)); do
    [ $passes -gt 1 ] && printf 'pass %d of %d:' $((pass + 1)) $passes
    for lab in "$@"; do
        [ "${rc[$lab]:-x}" = 0 ] || continue   # does not build, or an earlier pass failed
        [ $passes -gt 1 ] && printf ' %s' "${lab%%-*}"
        r=0
        BENCH_PASS=$pass/$passes "$build/$lab/bench" "$out/data/$lab.dat" > "$out/data/$lab.txt" \
            2>> "$out/data/$lab.log" || r=$?
        rc[$lab]=$r
    done
    [ $passes -gt 1 ] && echo
done
for lab in "$@"; do
    data=$out/data/$lab.dat png=$out/$lab.png log=$out/data/$lab.log bench=$build/$lab/bench
    table=$out/data/$lab.txt
    echo "== $lab"
    if [ ! -x "$bench" ] && grep -q '^refused: ' "$bench.vet" 2>/dev/null; then
        echo "   the kit will not run $src/$lab's code (harness/README.md, \"What a submission can do\"):"
        sed -n 's/^refused: /   /p' "$bench.vet" | head -8
        continue
    elif [ ! -x "$bench" ]; then
        echo "   $src/$lab does not compile yet, so there is nothing to time:"
        sed -n '1,8p' "$bench.log" 2>/dev/null | sed 's/^/   /' || true
        continue
    fi
    code=${rc[$lab]}
    cat "$table" >> "$log"
    if [ "$code" -eq 3 ]; then
        echo "   your code is not finished: $(grep -m1 'not implemented' "$log")"
        # instructor-only
        [ -d solutions/$lab ] && echo "   (make plots SRC=solutions draws the reference)"
        # /instructor-only
        continue
    elif [ "$code" -ne 0 ] || [ ! -s "$data" ]; then
        echo "   the timing driver failed (exit $code); its output:"
        tail -n 8 "$log" | sed 's/^/   /'
        status=1
        continue
    fi
    sed 's/^/   /' "$table"
    # The note goes inside gnuplot's quotes: keep quotes and backslashes out.
    note=$(sed -n 's/^# note: //p' "$data" | head -n 1 | tr -d "'\\\\")
    untrusted=$(sed -n 's/^# untrusted: \([01]\)$/\1/p' "$data" | head -n 1)
    vars="datafile='$data'; cores=$cores; source='$src'; note='$note'; untrusted=${untrusted:-0}"
    png_size=$(sed -n 's/^# png size: \([0-9]*,[0-9]*\)$/\1/p' labs/$lab/plot.gp | head -n 1)
    text_size=$(sed -n 's/^# text size: \([0-9]*,[0-9]*\)$/\1/p' labs/$lab/plot.gp | head -n 1)
    if ! gnuplot -e "set terminal pngcairo size ${png_size:-1200,800} font ',11'; set output '$png'; text=0; $vars" \
                 labs/$lab/plot.gp 2> "$out/data/$lab.gnuplot.log"; then
        echo "   gnuplot failed:"; sed 's/^/   /' "$out/data/$lab.gnuplot.log"; status=1; continue
    fi
    gnuplot -e "set terminal dumb size ${text_size:-120,40} noenhanced; text=1; $vars" labs/$lab/plot.gp 2>/dev/null || true
    echo "   chart: $png   data: $data"
done
exit $status
