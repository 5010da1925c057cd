#!/usr/bin/env bash
# plots_agree.sh [--strict] DIR1 DIR2 - do two `make plots` runs tell the same story?
#
# DIR1 and DIR2 are the data folders of two runs (PLOTS_DIR=/tmp/p1 make plots
# writes /tmp/p1/data; /tmp/p1 itself will do).  For every lab's data file in either,
# every panel drawn from rounds (a block harness/testlib/benchkit.c wrote: median,
# smallest, largest of each point) and every point of it: the two runs agree
# on the point when each run's median lies inside the other run's spread
# (smallest to largest), widened by the table's resolution (the "# resolution:"
# line: differences a timer cannot tell apart; --strict ignores it).  Blocks
# that are not medians of rounds (an ideal, published figures, one-run
# pictures) are not compared.
#
# Prints, per lab and panel (a data block, gnuplot's index, named by its title), "agree" or "DISAGREE" with the points that do
# not; exits 0 if every point of every panel agrees, 1 if any does not (or a
# lab, panel or point is in one run only), 2 on a usage error.
set -u
strict=0
[ "${1:-}" = --strict ] && { strict=1; shift; }
if [ $# -ne 2 ] || [ ! -d "$1" ] || [ ! -d "$2" ]; then
    echo "usage: plots_agree.sh [--strict] DIR1 DIR2   (two runs' data folders, e.g. /tmp/p1/data)" >&2
    exit 2
fi
d1=$1 d2=$2
# A run's PLOTS_DIR will do too: its data folder is meant.
[ -d "$d1/data" ] && ! ls "$d1"/*.dat > /dev/null 2>&1 && d1=$d1/data
[ -d "$d2/data" ] && ! ls "$d2"/*.dat > /dev/null 2>&1 && d2=$d2/data
status=0
labs=$( (cd "$d1" && ls -- *.dat 2>/dev/null; cd - > /dev/null; cd "$d2" && ls -- *.dat 2>/dev/null) |
        sort -u)
[ -n "$labs" ] || { echo "plots_agree.sh: no .dat files in $d1 or $d2" >&2; exit 2; }
for f in $labs; do
    lab=${f%.dat}
    if [ ! -f "$d1/$f" ] || [ ! -f "$d2/$f" ]; then
        echo "$lab: only in $([ -f "$d1/$f" ] && echo "$d1" || echo "$d2"): DISAGREE"
        status=1
        continue
    fi
    # Both files through one awk: file 1 fills the tables, file 2 is compared.
    awk -v lab="$lab" -v strict=$strict '
    function reset() { inblock = 0; ncols = 0 }
    FNR == 1 { file++; block = 0; blank = 0; reset() }
    /^[ \t]*$/ { blank++; next }
    {
        # Two blank lines end a gnuplot block (index): the next line starts one.
        if (blank >= 2 && seen_data) { block++; reset(); seen_data = 0 }
        blank = 0
    }
    /^# .*: median of the rounds, smallest, largest, untrusted$/ {
        t = $0; sub(/^# /, "", t); sub(/: median of the rounds, smallest, largest, untrusted$/, "", t)
        title[file, block] = t; inblock = 1; res[file, block] = 0; next
    }
    inblock && /^# resolution: / { res[file, block] = $3 + 0; next }
    inblock && /^# / && ncols == 0 {
        # "# x_name | series | series": the names of the columns.
        line = $0; sub(/^# /, "", line)
        ncols = split(line, part, / \| /)
        xname[file, block] = part[1]
        for (s = 1; s < ncols; s++) name[file, block, s] = part[s + 1]
        nseries[file, block] = ncols - 1
        next
    }
    /^#/ { next }
    {
        seen_data = 1
        if (!inblock) next
        x = $1
        if (!((file, block, x) in hasx)) { hasx[file, block, x] = 1; xs[file, block] = xs[file, block] " " x }
        for (s = 1; s <= nseries[file, block]; s++) {
            k = file SUBSEP block SUBSEP x SUBSEP s
            med[k] = $(4 * s - 2); lo[k] = $(4 * s - 1); hi[k] = $(4 * s)
        }
        if (!((file, block) in isblock)) { isblock[file, block] = 1; blocks[file] = blocks[file] " " block }
    }
    # Is median m inside [l - tol, h + tol]?  (1e-6 relative: the files keep 6 digits.)
    function inside(m, l, h, tol,   e) {
        e = 1e-6 * ((m < 0 ? -m : m) + (l < 0 ? -l : l) + (h < 0 ? -h : h))
        return m >= l - tol - e && m <= h + tol + e
    }
    function cell(k) { return sprintf("%.4g (%.4g-%.4g)", med[k], lo[k], hi[k]) }
    END {
        bad_lab = 0
        nb = split(blocks[1] " " blocks[2], bl, " ")
        for (i = 1; i <= nb; i++) {
            b = bl[i]
            if (b in done) continue
            done[b] = 1
            label = sprintf("%s, data block %d, %s", lab, b,
                            ((1, b) in title) ? title[1, b] : title[2, b])
            if (!((1, b) in isblock) || !((2, b) in isblock)) {
                printf "%s: DISAGREE: in one run only\n", label; bad_lab = 1; continue
            }
            tol = strict ? 0 : (res[1, b] > res[2, b] ? res[1, b] : res[2, b])
            n = 0; nbad = 0; out = ""
            nx = split(xs[1, b] " " xs[2, b], xl, " ")
            delete xdone
            for (j = 1; j <= nx; j++) {
                x = xl[j]
                if (x in xdone) continue
                xdone[x] = 1
                for (s = 1; s <= nseries[1, b]; s++) {
                    k1 = 1 SUBSEP b SUBSEP x SUBSEP s; k2 = 2 SUBSEP b SUBSEP x SUBSEP s
                    n++
                    what = sprintf("%s = %s, %s", xname[1, b], x, name[1, b, s])
                    if (!(k1 in med) || !(k2 in med)) {
                        nbad++; out = out sprintf("    %s: in one run only\n", what); continue
                    }
                    if (!inside(med[k1], lo[k2], hi[k2], tol) || !inside(med[k2], lo[k1], hi[k1], tol)) {
                        nbad++
                        out = out sprintf("    %s: run 1 %s, run 2 %s\n", what, cell(k1), cell(k2))
                    }
                }
            }
            tolnote = tol > 0 ? sprintf(", resolution %g", tol) : ""
            if (nbad == 0)
                printf "%s: agree (%d points%s)\n", label, n, tolnote
            else {
                printf "%s: DISAGREE at %d of %d points%s (median of one run outside the other'"'"'s spread):\n%s", \
                       label, nbad, n, tolnote, out
                bad_lab = 1
            }
        }
        exit bad_lab
    }' "$d1/$f" "$d2/$f" || status=1
done
if [ $status -eq 0 ]; then
    echo "every panel agrees: the two runs tell the same story"
else
    echo "some panels disagree (see DISAGREE above)"
fi
exit $status
