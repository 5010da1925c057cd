#!/usr/bin/env bash
# chart_figures.sh PLOTS_DIR [MACHINE] - write the reference's chart figures
# into the handouts and the instructors' guide from one `make plots` run.
#
# Each handout (labs/NN-name/README.md) keeps its figures between the lines
# "<!-- chart figures: begin ... -->" and "<!-- chart figures: end -->": this
# replaces what is between them with the table that run printed for the lab
# (PLOTS_DIR/data/NN-name.txt), under a line giving the command, the machine,
# the time and the run's own note on the load.  The guide's block of the
# same name gets a few headline figures read from the data files (median,
# and the smallest-largest of the rounds).  Nothing outside the markers changes, so
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
# rows LAB: the lab's rows of the table, from solutions/LAB/chart-figures.txt
# ("what | figure", each {BLOCK X SERIES FORMAT} a point of its data).
rows() {
    local what figure point n=${1%%-*}
    while IFS='|' read -r what figure; do
        while [[ $figure =~ \{([^}]*)\} ]]; do
            point=$(pt "$1" ${BASH_REMATCH[1]})
            figure=${figure/"${BASH_REMATCH[0]}"/$point}
        done
        echo "| lab $n, ${what% } |${figure} | $(note "$data/$1.dat") | \`make plots SRC=solutions LAB=$n\` |"
    done < <(grep -v '^#' "solutions/$1/chart-figures.txt")
}
{
    first=$(ls "$data"/*.dat 2>/dev/null | head -n 1)
    echo "From one \`make plots SRC=solutions\` run on $machine, ${first:+$(when "$first")}:"
    echo "medians of the rounds, smallest-largest in brackets, and each lab's note on the load."
    echo "\`tests/tools/chart_figures.sh PLOTS_DIR\` rewrites this table and each handout's figures from a run."
    echo
    echo "| what | figure | load (the run's note) | command |"
    echo "|---|---|---|---|"
    for lab in $(cd labs && ls -d [0-9][0-9]-*); do
        [ -s "$data/$lab.dat" ] && [ -s "solutions/$lab/chart-figures.txt" ] && rows "$lab"
    done
} > "$tmp"
replace solutions/README.md "$tmp" && echo "chart_figures.sh: solutions/README.md"
exit $status
# /instructor-only
echo "chart_figures.sh: an instructors' tool (it writes the reference's figures); not in this kit" >&2
exit 2
