#!/usr/bin/env bash
# chart_figures.sh PLOTS_DIR [MACHINE] - write the reference's chart figures
# into the handouts and README.md from one `make plots` run.
#
# Each handout (labs/NN-name/README.md) keeps its figures between the lines
# "<!-- chart figures: begin ... -->" and "<!-- chart figures: end -->": this
# replaces what is between them with the table that run printed for the lab
# (PLOTS_DIR/data/NN-name.txt), under a line giving the command, the machine,
# the time and the run's own note on the load.  README.md's block of the same
# name gets a few headline figures read from the data files (median, and the
# smallest-largest of the rounds).  Nothing outside the markers changes, so
# replacing busy figures with idle ones is: two idle runs that
# tests/tools/plots_agree.sh says agree, then this on one of them.
# MACHINE defaults to what this machine says it is.
# (The students' handout gets only this header: harness/scripts/handout.sh cuts the
# script between the markers, and the figures are the reference's.)
# instructor-only
# For example:
#   PLOTS_DIR=/tmp/p1 make plots SRC=solutions
#   tests/tools/chart_figures.sh /tmp/p1 "the kit's 2-core development machine"
set -u
dir=${1:?usage: chart_figures.sh PLOTS_DIR [MACHINE]}
data=$(cd "$dir/data" 2>/dev/null && pwd) ||
    { echo "chart_figures.sh: no $dir/data (run PLOTS_DIR=$dir make plots SRC=solutions)" >&2; exit 2; }
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
machine=${2:-"$(nproc) cores (${cpu:-unknown CPU}), $(uname -sr)"}
cd "$(dirname "$0")/../.." || exit 2
begin='<!-- chart figures: begin'
end='<!-- chart figures: end -->'

# replace FILE BLOCKFILE: put BLOCKFILE's lines between FILE's markers.
replace() {
    if ! grep -q "^$begin" "$1" || ! grep -q "^$end" "$1"; then
        echo "chart_figures.sh: $1 has no chart figures markers: skipped" >&2
        return 1
    fi
    awk -v b="$begin" -v e="$end" -v blk="$2" '
        index($0, b) == 1 { print; while ((getline l < blk) > 0) print l; skip = 1; next }
        index($0, e) == 1 { skip = 0 }
        !skip' "$1" > "$1.new" && mv "$1.new" "$1"
}

# when FILE: the run's time, from the data file.
when() { date -u -r "$1" '+%Y-%m-%d %H:%M UTC'; }
# note FILE: the run's busy note.
note() { sed -n 's/^# note: //p' "$1" | head -n 1; }

status=0
tmp=$(mktemp) || exit 2
trap 'rm -f "$tmp"' EXIT
for readme in labs/*/README.md; do
    lab=$(basename "$(dirname "$readme")")
    grep -q "^$begin" "$readme" || continue
    if [ ! -s "$data/$lab.txt" ] || [ ! -s "$data/$lab.dat" ]; then
        echo "chart_figures.sh: no figures for $lab in $data: $readme left as it was" >&2
        status=1
        continue
    fi
    {
        echo "The reference solution, timed by \`make plots\` on $machine," \
             "$(when "$data/$lab.dat"); the run's own note: $(note "$data/$lab.dat")." \
             "What it printed:" | fmt -w 80
        # The command as an instructor types it; a student's handout has no reference.
        printf '%s\n' '<!-- instructor-only -->' \
            '(The command, in the instructors'"'"' kit: `make plots SRC=solutions`.)' \
            '<!-- /instructor-only -->'
        echo
        echo '```text'
        sed -e '/^(the share of the cores is measured/d' -e 's/[[:space:]]*$//' "$data/$lab.txt" |
            cat -s
        echo '```'
    } > "$tmp"
    replace "$readme" "$tmp" && echo "chart_figures.sh: $readme"
done

# pt LAB BLOCK X SERIES FORMAT: "median (smallest-largest)" of one point.
pt() {
    awk -v want="$2" -v x="$3" -v s="$4" -v f="$5" '
        /^[ \t]*$/ { blank++; next }
        { if (blank >= 2 && seen) { block++; seen = 0 } blank = 0 }
        /^#/ { next }
        { seen = 1 }
        block == want && $1 == x {
            printf f " (" f "-" f ")", $(4*s - 2), $(4*s - 1), $(4*s); found = 1; exit
        }
        END { if (!found) printf "?" }' "$data/$1.dat"
}
have() { [ -s "$data/$1.dat" ]; }
{
    first=$(ls "$data"/*.dat 2>/dev/null | head -n 1)
    echo "From one \`make plots SRC=solutions\` run on $machine, ${first:+$(when "$first")}:"
    echo "medians of the rounds, smallest-largest in brackets, and each lab's note on the load."
    echo "\`tests/tools/chart_figures.sh PLOTS_DIR\` rewrites this table and each handout's figures from a run."
    echo
    echo "| what | figure | load (the run's note) | command |"
    echo "|---|---|---|---|"
    if have 01-threads; then
        echo "| lab 01, I/O-bound wall time for K = 1, 2, 3, 4 (seed 003: 6, 3, 2, 2 units of 30 ms) | $(for k in 1 2 3 4; do pt 01-threads 0 $k 1 %.3f; [ $k -lt 4 ] && printf ', '; done) s | $(note "$data/01-threads.dat") | \`make plots SRC=solutions LAB=01\` |"
        echo "| lab 01, CPU-bound wall time, K = 1 and 2 (ideal: halves) | $(pt 01-threads 1 1 1 %.3f), $(pt 01-threads 1 2 1 %.3f) s | $(note "$data/01-threads.dat") | \`make plots SRC=solutions LAB=01\` |"
    fi
    if have 02-races; then
        echo "| lab 02, updates lost at 10^6 increments per thread, 2 and 4 threads | $(pt 02-races 0 1000000 1 %.1f) %, $(pt 02-races 1 1000000 1 %.1f) % | $(note "$data/02-races.dat") | \`make plots SRC=solutions LAB=02\` |"
    fi
    if have 03-mutexes; then
        echo "| lab 03, spinlock and mutex, 1 → 8 threads (million increments/s) | spinlock $(pt 03-mutexes 0 1 2 %.0f) → $(pt 03-mutexes 0 8 2 %.0f), mutex $(pt 03-mutexes 0 1 1 %.0f) → $(pt 03-mutexes 0 8 1 %.0f) | $(note "$data/03-mutexes.dat") | \`make plots SRC=solutions LAB=03\` |"
    fi
    if have 04-gil; then
        echo "| lab 04, I/O calls/s beside one CPU thread at a 5 ms interval (CPython 3.11: about 190) | $(pt 04-gil 1 0.005 2 %.0f) | $(note "$data/04-gil.dat") | \`make plots SRC=solutions LAB=04\` |"
        echo "| lab 04, one thread's CPU time with no GIL and atomic counts, over the new GIL's in the same round (PEP 703, biased counting: 1.05–1.10) | $(pt 04-gil 3 1 3 %.2f) | $(note "$data/04-gil.dat") | \`make plots SRC=solutions LAB=04\` |"
        echo "| lab 04, 2 threads' native calls, time over 1 thread's, GIL released and held (seed 001, 12.9 method 2: ideal 1 and 2 on 2 cores); 4 threads' 1 ms I/O calls (seeds 000, 004: ideal 1) | released $(pt 04-gil 4 2 2 %.2f), held $(pt 04-gil 4 2 3 %.2f); I/O $(pt 04-gil 4 4 1 %.2f) | $(note "$data/04-gil.dat") | \`make plots SRC=solutions LAB=04\` |"
    fi
    if have 06-procpool; then
        echo "| lab 06, map of no-op tasks on 2 workers, chunksize 1 and 1000 (thousand tasks/s) | $(pt 06-procpool 0 1 1 %.0f), $(pt 06-procpool 0 1000 1 %.0f) | $(note "$data/06-procpool.dat") | \`make plots SRC=solutions LAB=06\` |"
        echo "| lab 06, Python's ProcessPoolExecutor.map in the same rounds, chunksize 1 and 1000 (thousand tasks/s; 0 if python3 was missing) | $(pt 06-procpool 1 1 1 %.1f), $(pt 06-procpool 1 1000 1 %.0f) | $(note "$data/06-procpool.dat") | \`make plots SRC=solutions LAB=06\` |"
        echo "| lab 06, speed-up of 32 CPU-bound tasks at K = 2, processes and threads (ideal: 2) | $(pt 06-procpool 2 2 1 %.2f), $(pt 06-procpool 2 2 2 %.2f) | $(note "$data/06-procpool.dat") | \`make plots SRC=solutions LAB=06\` |"
    fi
} > "$tmp"
replace README.md "$tmp" && echo "chart_figures.sh: README.md"
exit $status
# /instructor-only
echo "chart_figures.sh: an instructors' tool (it writes the reference's figures); not in this kit" >&2
exit 2
