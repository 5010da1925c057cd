#!/usr/bin/env bash
# measure.sh KEY... - measure figures on this machine and write each into
# solutions/figures.tsv, the one record of the kit's measured figures, with
# the command, the machine, the load and the date; then
# `tests/tools/figures.sh write` puts them into every document that gives
# them.  Measure on an idle machine: each row keeps the load average before
# and after and /proc/stat's busy share during the run.
#   measure.sh list              the keys it can measure, with their commands
#   measure.sh all               every one of them (about an hour on 2 cores)
#   measure.sh KEY...            those (a group's keys are measured together:
#                                bench.05 writes bench.05.python, .glib, ...)
#   measure.sh set KEY FIGURE    a figure measured by hand (this machine, now)
# Each measurement works under build/measure/; nothing else is touched.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
. harness/scripts/tsv.sh
record=solutions/figures.tsv
M=$PWD/build/measure
mkdir -p "$M"
cores=$(harness/scripts/cores.sh)

# now: seconds since the epoch, with fractions.
now() { date +%s.%N; }
# took START: seconds since START, one decimal.
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# busy_mark / busy_since MARK: the share of CPU time not idle since MARK.
busy_mark() { awk 'NR == 1 { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6 }' /proc/stat; }
busy_since() { busy_mark | awk -v b="$1" '{ split(b, s, " "); t = $1 - s[1]; if (t > 0) printf "%d%%", 100 * (t - ($2 - s[2])) / t }'; }
machine() {
    local cpu
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
    echo "${cpu:-unknown CPU}, $(nproc) CPUs, $(uname -sr)"
}
loadavg() { cut -d' ' -f1 /proc/loadavg; }

# put KEY FIGURE LOAD: write KEY's figure, date, machine and load into the
# record (what an earlier run measured, its "was", is git's to keep).
put() {
    local when
    when=$(date -u '+%Y-%m-%d %H:%M UTC')
    grep -q "^$1	" "$record" || { echo "measure.sh: $1 is not a row of $record" >&2; return 1; }
    awk -F'\t' -v OFS='\t' -v k="$1" -v f="$2" -v w="$when" -v m="$(machine)" -v l="$3" \
        'NR > 1 && $1 == k { $2 = f; $3 = w; $4 = m; $5 = l; $8 = "" } { print }' "$record" > "$record.new" &&
        mv "$record.new" "$record"
    echo "measure.sh: $1 = $2 ($3)"
}
# around CMD...: run CMD with the load noted; sets LOAD for put.
around() {
    local before mark
    before=$(loadavg) mark=$(busy_mark)
    "$@"
    LOAD="load average $before before, $(loadavg) after; $(busy_since "$mark") busy"
}

# grade_time SRC [ARGS]: seconds make grade-now takes (after its build).
grade_time() {
    make -s --no-print-directory build SRC="$1" BUILD="$M/build-$(basename "$1")" "${@:2}" > /dev/null 2>&1
    local t0
    t0=$(now)
    make -s --no-print-directory grade-now SRC="$1" BUILD="$M/build-$(basename "$1")" GRADE_OUT="$M/grade" "${@:2}" \
        > "$M/grade.out" 2>&1
    took "$t0"
}
m_grade_reference() { local a b; around eval 'a=$(grade_time solutions); b=$(grade_time solutions)'
                      put grade.reference "$a s and $b s (two runs in a row)" "$LOAD"; }
m_grade_skeleton() { local a; around eval 'a=$(grade_time labs)'; put grade.skeleton "$a s" "$LOAD"; }

m_build_student() {
    make -s --no-print-directory kit > /dev/null 2>&1
    rm -rf "$M/b"
    local t0 t
    around eval 't0=$(now); make -s -j"$cores" --no-print-directory build SRC=solutions BUILD="$M/b" > /dev/null 2>&1; t=$(took "$t0")'
    put build.student "$t s" "$LOAD"
}

# m_maketest: make test in a fresh clone; its last line says how it went.
m_maketest() {
    local k=$M/clone last
    rm -rf "$k" && git clone -q . "$k" || return 1
    around eval '(cd "$k" && make test > "$M/maketest.out" 2>&1)'
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$M/maketest.out" | tail -1)
    # "N passed, M failed  (S s; the machine was P% busy)"
    put maketest "$(sed -E 's/^([0-9]+ passed, [0-9]+ failed) *\(([0-9]+ s); the machine was ([0-9]+%) busy\)/\2 (\1, the machine \3 busy)/' <<< "$last")" "$LOAD"
    rm -rf "$k"
}

m_platforms() { local t0 t; around eval 't0=$(now); tests/platforms.sh > "$M/platforms.out" 2>&1; t=$(took "$t0")'
                put platforms "$t s ($(grep -c '^  ✓' "$M/platforms.out") checks passed, $(grep -c '^  ✗' "$M/platforms.out") failed)" "$LOAD"; }

m_plots_reference() { local t0 t; around eval 't0=$(now); PLOTS_DIR="$M/plots" make -s plots SRC=solutions > /dev/null 2>&1; t=$(took "$t0")'
                      put plots.reference "$t s" "$LOAD"; }

m_bench_02() {
    local f=$M/bench02.out ns
    around eval 'make -s --no-print-directory bench LAB=02 > "$f" 2>&1'
    ns() { awk -v w="$1" 'index($0, w) { for (i = 1; i <= NF; i++) if ($(i + 1) == "ns") { print $i; exit } }' "$f"; }
    put bench.02 "Python $(ns 'Python') ns; C $(ns 'C racy') ns, $(ns 'C atomic') ns and $(ns 'C confined') ns" "$LOAD"
}

# m_bench_05: three `make bench LAB=05` in a row, each table in $M/bench05-N.out.
m_bench_05() {
    local i f py="" glib="" naive="" ceiling="" rate=""
    around eval 'for i in 1 2 3; do make -s --no-print-directory bench LAB=05 > "$M/bench05-$i.out" 2>&1; done'
    for i in 1 2 3; do
        f=$M/bench05-$i.out
        py+="${py:+, }$(grep 'Python ThreadPoolExecutor' "$f" | grep -oE '[0-9.]+x as fast' | sed 's/x as fast/×/')"
        glib+="${glib:+, }$(grep 'GLib GThreadPool' "$f" | grep -oE '[0-9.]+x as fast' | sed 's/x as fast/×/')"
        naive+="${naive:+, }$(grep 'naive pool' "$f" | grep -oE '[0-9.]+x as fast' | sed 's/x as fast/×/')"
        ceiling+="${ceiling:+, }$(grep 'ceiling:' "$f" | grep -oE '[0-9]+% of it' | sed 's/% of it/ %/')"
        rate+="${rate:+, }$(awk '/reference \(futures\)/ { print $5, $6; exit }' "$f")"
    done
    put bench.05.python "$py" "$LOAD"; put bench.05.glib "$glib" "$LOAD"
    put bench.05.naive "$naive" "$LOAD"; put bench.05.ceiling "$ceiling" "$LOAD"
    put bench.05.rate "$rate" "$LOAD"
}

# rate N: tasks/s as "255 k", "2.2 M".
rate() { awk -v r="$1" 'BEGIN { if (r >= 1e6) printf "%.1f M", r / 1e6; else if (r >= 1e4) printf "%.0f k", r / 1e3; else printf "%.1f k", r / 1e3 }'; }
m_bench_06() {
    local cs n c py ratio rs="" cr="" pr=""
    around eval 'make -s --no-print-directory bench LAB=06 > "$M/bench06.out" 2>&1'
    while read -r cs n c py ratio _; do
        rs+="${rs:+ / }${ratio%x}×" cr+="${cr:+ / }$(rate "$c")" pr+="${pr:+ / }$(rate "$py")"
    done < <(grep -E '^(1|10|100|1000) +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+x' "$M/bench06.out")
    put bench.06.ratio "$rs" "$LOAD"; put bench.06.c "$cr" "$LOAD"; put bench.06.python "$pr" "$LOAD"
}

# feedback_time LAB DIR: seconds `make grade LAB=LAB SUBMISSION=DIR` takes, build included.
feedback_time() {
    local t0
    rm -rf "$M/sub-build"
    t0=$(now)
    make -s --no-print-directory grade LAB="$1" SUBMISSION="$2" BUILD="$M/sub-build" GRADE_OUT="$M/sub-grade" \
        > "$M/feedback.out" 2>&1
    took "$t0"
}
# m_feedback LAB PATCH: feedback.NN.bug and .reference, the reference and
# the reference with tests/mutants/LAB/PATCH (a bug that hangs, or that only
# a schedule shows), two runs each.
m_feedback() {
    local lab=$1 n=${1%%-*} ref bug r1 r2 b1 b2 stuck
    ref=$M/ref$n bug=$M/bug$n   # a second statement: local's words are expanded before n is set
    rm -rf "$ref" "$bug" && mkdir -p "$ref/$lab" "$bug/$lab" && chmod 755 "$ref" "$bug"
    cp solutions/"$lab"/*.c "$ref/$lab/" && cp solutions/"$lab"/*.c "$bug/$lab/"
    (cd "$bug/$lab" && git apply -p1 "$OLDPWD/tests/mutants/$lab/$2") || return 1
    around eval 'r1=$(feedback_time $n "$ref"); b1=$(feedback_time $n "$bug"); stuck=$(grep -c "stuck:" "$M/feedback.out"); r2=$(feedback_time $n "$ref"); b2=$(feedback_time $n "$bug")'
    put "feedback.$n.bug" "$b1 s and $b2 s ($stuck feedback lines saying stuck:)" "$LOAD"
    put "feedback.$n.reference" "$r1 s and $r2 s" "$LOAD"
}

m_feedback_allhang() {
    local d=$M/hang t0 t stuck n
    rm -rf "$d" "$M/hang-build" && tests/tools/hang_everything.sh "$d" || return 1
    around eval 't0=$(now); NO_COLOR=1 make -s --no-print-directory grade SUBMISSION="$d" HIDDEN=show BUILD="$M/hang-build" GRADE_OUT="$M/hang-grade" > "$M/hang.out" 2>&1; t=$(took "$t0")'
    n=$(tsv_awk '{ n++ } END { print n + 0 }' "$M/hang-grade/results.tsv")
    # A test whose feedback says the verdict: "  ✗ name ...", then "      stuck: ..."
    # (after "probably the same cause as ..." for a follow-on).  The marks as
    # alternatives, not a bracket: mawk's brackets hold bytes, not characters.
    stuck=$(awk '/^  (✓|✗) / { t = 1; next } /^  [^ ]/ { t = 0 } t && $1 == "stuck:" { n++; t = 0 }
                 END { print n + 0 }' "$M/hang.out")
    put feedback.allhang "$t s, $stuck of $n tests stuck" "$LOAD"
}

m_batch_class() {
    local d=$M/class i t0 t book full
    rm -rf "$d" "$M/batch" && mkdir -p "$d"
    for i in $(seq -w 1 20); do
        mkdir -p "$d/ref$i" "$d/skel$i"
        for lab in $(cd labs && ls -d [0-9][0-9]-*); do
            cp -r "solutions/$lab" "$d/ref$i/" && rm -rf "$d/ref$i/$lab/tests"
            cp -r "labs/$lab" "$d/skel$i/"
        done
    done
    around eval 't0=$(now); make -s --no-print-directory batch SUBMISSIONS="$d" BATCH_OUT="$M/batch" JOBS=2 > "$M/batch.out" 2>&1; t=$(took "$t0")'
    book=$M/batch/gradebook.csv
    full=$(awk -F, 'NR > 1 && $1 ~ /^ref/ { print $(NF - 1) }' "$book" | sort -u | paste -sd' ')
    put batch.class "40 in $t s ($(awk -v t="$t" 'BEGIN { printf "%.1f", 40 * 60 / t }') a minute); the references scored $full, the skeletons $(awk -F, 'NR > 1 && $1 ~ /^skel/ { print $(NF - 1) }' "$book" | sort -u | paste -sd' ')" "$LOAD"
}

m_stress() {   # m_stress KEY [LAB=NN]
    # Inside around's eval, $2 would be around's own argument: take it first.
    local t0 t report lab=${2:-}
    rm -f build/stress/report.txt
    around eval 't0=$(now); make -s --no-print-directory stress N=20 $lab > "$M/stress.out" 2>&1; t=$(took "$t0")'
    [ -s build/stress/report.txt ] || { echo "measure.sh: make stress did not run: $(head -3 "$M/stress.out")" >&2; return 1; }
    report=$(sed -n 's/^False failures: //p' build/stress/report.txt)
    [ -n "$report" ] || report="$(cut -f1 build/stress/failures.tsv | sort -u | wc -l) runs of 20 with failures (build/stress/report.txt)"
    put "$1" "false failures: $report; $t s in all" "$LOAD"
}

KEYS="grade.reference grade.skeleton build.student maketest platforms plots.reference bench.02 bench.05 bench.06
      feedback.03 feedback.05 feedback.06 feedback.allhang batch.class stress.all stress.05"
measure() {
    case $1 in
        grade.reference) m_grade_reference ;;   grade.skeleton) m_grade_skeleton ;;
        build.student) m_build_student ;;       maketest) m_maketest ;;
        platforms) m_platforms ;;               plots.reference) m_plots_reference ;;
        bench.02) m_bench_02 ;;                 bench.05) m_bench_05 ;;
        bench.06) m_bench_06 ;;
        feedback.03) m_feedback 03-mutexes get-wakes-putter-only-when-full.patch ;;
        feedback.05) m_feedback 05-threadpool shutdown-signals-instead-of-broadcast.patch ;;
        feedback.06) m_feedback 06-procpool child-keeps-task-write-end.patch ;;
        feedback.allhang) m_feedback_allhang ;;
        batch.class) m_batch_class ;;           stress.all) m_stress stress.all ;;
        stress.05) m_stress stress.05 LAB=05 ;;
        *) echo "measure.sh: no measurement for $1 (measure.sh list; measure.sh set KEY FIGURE)" >&2; return 1 ;;
    esac
}

case ${1:-} in
    ''|-h|--help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    list) for k in $KEYS; do tsv_awk -v k="$k" 'key == k || index(key, k ".") == 1 { print key ": " command }' "$record"; done; exit 0 ;;
    set) [ $# -ge 3 ] || { echo "usage: measure.sh set KEY FIGURE" >&2; exit 2; }
         put "$2" "$3" "load average $(loadavg)" && tests/tools/figures.sh write; exit ;;
    all) set -- $KEYS ;;
esac
status=0
for key in "$@"; do measure "$key" || { echo "measure.sh: $key failed" >&2; status=1; }; done
tests/tools/figures.sh write
exit $status
