#!/usr/bin/env bash
# figures.sh check|write - one source per figure.  A document gives a figure
# inline, as
#     <!--fig:KEY-->VALUE<!--/fig-->
# (invisible markers once rendered), or in a block that this script writes,
# between "<!-- figures: NAME begin -->" and "<!-- figures: NAME end -->".
# KEY is either a row of solutions/figures.tsv, the record of measured
# figures (tests/tools/measure.sh writes each row with its command, machine,
# load and date), or a count the code decides:
#     count.labs, count.labs.word           labs/NN-name folders ("six")
#     count.tests.visible, .hidden, count.tests      TEST-like lines
#     count.points.visible, .hidden, count.points    their points
#     count.mutants, count.hostile          tests/mutants, tests/hostile patches
# Blocks:
#     labs      README.md's lab table: each row from its handout's line
#               "<!-- README's lab table: YOU BUILD | YOU MEASURE -->",
#               with the lab's visible and hidden tests and points
#     selftest  the guide's tests, points and mutants per lab
#     table     the guide's table of every measured figure, from the record
# check: every marker and block must hold what `write` would put there, and
# README.md and the guide (solutions/README.md) may give no figure outside
# them (see lint below).  Prints FILE:LINE: what; exits 1 if anything is
# off.  write: rewrites every marker and block.  FIGURES_ROOT=DIR works on a
# copy of the kit (make test plants a contradiction in one).
set -uo pipefail
mode=${1:-check}
case $mode in check|write) ;; *) echo "usage: figures.sh check|write" >&2; exit 2 ;; esac
cd "${FIGURES_ROOT:-$(dirname "$0")/../..}" || exit 2
record=solutions/figures.tsv
[ -s "$record" ] || { echo "figures.sh: no $record (the instructors' kit keeps it)" >&2; exit 2; }
docs=(README.md solutions/README.md harness/README.md plots/README.md labs/*/README.md)
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
status=0
. harness/scripts/tsv.sh

# tests DIR PATTERN: "lab name points" for each test declared in DIR/*/tests/*.c.
tests_in() {
    local lab
    for lab in $(cd labs && ls -d [0-9][0-9]-*); do
        cat "$1/$lab"/tests/*.c 2>/dev/null |
            sed -nE "s/^($2)\(([a-z0-9_]+), *([0-9]+),.*/$lab \2 \3/p"
    done
}

# counts: "KEY<TAB>VALUE" for every count.* key, and per lab for the blocks.
counts() {
    tests_in labs 'TEST|SCHEDULE_TEST' > "$tmp/visible"
    tests_in solutions 'HIDDEN_TEST|HIDDEN_SCHEDULE_TEST' > "$tmp/hidden"
    local n
    n=$(cd labs && ls -d [0-9][0-9]-* | wc -l)
    printf 'count.labs\t%s\n' "$n"
    printf 'count.labs.word\t%s\n' "$(awk -v n="$n" 'BEGIN { split("one two three four five six seven eight nine ten eleven twelve", w, " "); print (n in w) ? w[n] : n }')"
    awk -v k=visible '{ n++; p += $3 } END { printf "count.tests.%s\t%d\ncount.points.%s\t%d\n", k, n, k, p }' "$tmp/visible"
    awk -v k=hidden '{ n++; p += $3 } END { printf "count.tests.%s\t%d\ncount.points.%s\t%d\n", k, n, k, p }' "$tmp/hidden"
    cat "$tmp/visible" "$tmp/hidden" | awk '{ n++; p += $3 } END { printf "count.tests\t%d\ncount.points\t%d\n", n, p }'
    printf 'count.mutants\t%s\n' "$(ls tests/mutants/*/*.patch 2>/dev/null | wc -l)"
    printf 'count.hostile\t%s\n' "$(ls tests/hostile/*/*.patch 2>/dev/null | wc -l)"
}

# per_lab LAB: "visible_tests visible_points hidden_tests hidden_points mutants".
per_lab() {
    echo "$(awk -v l="$1" '$1 == l { n++; p += $3 } END { print n + 0, p + 0 }' "$tmp/visible")" \
         "$(awk -v l="$1" '$1 == l { n++; p += $3 } END { print n + 0, p + 0 }' "$tmp/hidden")" \
         "$(ls tests/mutants/"$1"/*.patch 2>/dev/null | wc -l)"
}

# block_labs: README's lab table.
block_labs() {
    local lab row vt vp ht hp
    echo "| lab | you build | you measure | tests (points) |"
    echo "|---|---|---|---|"
    for lab in $(cd labs && ls -d [0-9][0-9]-*); do
        row=$(sed -n "s/^<!-- README's lab table: \(.*\) -->$/\1/p" "labs/$lab/README.md" | head -1)
        [ -n "$row" ] || { echo "labs/$lab/README.md: no \"<!-- README's lab table: YOU BUILD | YOU MEASURE -->\" line" >&2; status=1; }
        read -r vt vp ht hp _ <<< "$(per_lab "$lab")"
        echo "| [$lab](labs/$lab/README.md) | $row | $vt visible ($vp), $ht hidden ($hp) |"
    done
}

# block_selftest: the guide's table of what the kit tests itself with.
block_selftest() {
    local lab vt vp ht hp m
    echo "| lab | visible tests (points) | hidden tests (points) | mutants |"
    echo "|---|---|---|---|"
    for lab in $(cd labs && ls -d [0-9][0-9]-*); do
        read -r vt vp ht hp m <<< "$(per_lab "$lab")"
        echo "| $lab | $vt ($vp) | $ht ($hp) | $m |"
    done
    echo "| all <!--fig:count.labs--><!--/fig--> | <!--fig:count.tests.visible--><!--/fig--> (<!--fig:count.points.visible--><!--/fig-->) | <!--fig:count.tests.hidden--><!--/fig--> (<!--fig:count.points.hidden--><!--/fig-->) | <!--fig:count.mutants--><!--/fig--> |"
}

# block_table: every row of the record, for the guide.
block_table() {
    echo "| what | figure | measured | command |"
    echo "|---|---|---|---|"
    tsv_awk '{ when = measured == "to be measured" ? "to be measured idle" : measured ", " machine ", " load
               if (was != "") when = when "; before: " was
               printf "| %s | <!--fig:%s--><!--/fig--> | %s | `%s` |\n", what, key, when, command }' "$record"
}

# render FILE: FILE with every marker and block filled from values and blocks.
render() {
    awk -v file="$1" -v dir="$tmp" '
        BEGIN { FS = "\t"
                while ((getline l < (dir "/values")) > 0) { split(l, kv, "\t"); val[kv[1]] = kv[2] } }
        function fill(s,   out, i, j, key) {
            out = ""
            while ((i = index(s, "<!--fig:")) > 0) {
                j = index(substr(s, i), "-->"); key = substr(s, i + 8, j - 9)
                out = out substr(s, 1, i - 1) "<!--fig:" key "-->"
                s = substr(s, i + j + 2)
                if (key !~ /^[a-z0-9._]+$/) continue     # prose about markers: "<!--fig:KEY-->"
                if ((j = index(s, "<!--/fig-->")) == 0) { print file ":" FNR ": <!--fig:" key "--> has no <!--/fig-->" > "/dev/stderr"; bad = 1; return out s }
                if (key in val) out = out val[key]
                else { out = out substr(s, 1, j - 1); print file ":" FNR ": no figure " key " (neither a row of solutions/figures.tsv nor a count)" > "/dev/stderr"; bad = 1 }
                s = substr(s, j)
            }
            return out s
        }
        /^<!-- figures: [a-z]+ begin -->$/ {
            print; name = $0; sub(/^<!-- figures: /, "", name); sub(/ begin -->$/, "", name)
            if ((getline l < (dir "/block." name)) <= 0) { print file ":" FNR ": no block " name > "/dev/stderr"; bad = 1 }
            else { do print fill(l); while ((getline l < (dir "/block." name)) > 0) }
            skip = 1; next }
        /^<!-- figures: [a-z]+ end -->$/ { skip = 0 }
        !skip { print fill($0) }
        END { exit bad }' "$1"
}

# lint FILE: figures outside markers and blocks (a ratio, a score, a count
# of the kit's things, seconds), in prose: code, markers and blocks removed.
lint() {
    awk '/^```/ { code = !code; next } /^<!-- figures: [a-z]+ begin -->$/ { blk = 1 }
         /^<!-- figures: [a-z]+ end -->$/ { blk = 0; next }
         { line = $0; gsub(/<!--fig:[^>]*-->[^<]*<!--\/fig-->/, "", line); gsub(/`[^`]*`/, "", line) }
         !code && !blk { print FILENAME ":" FNR ": " line }' "$1" |
        grep -E '[0-9] ?×|[0-9]x as fast|\b[0-9]+/[0-9]+\b|\b[0-9][0-9,]* (visible |hidden |more )?(tests?|mutants?|fixtures?|labs?|checks?|points?)\b|\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) (labs|mutants|fixtures)\b|\b[0-9][0-9.]* ?(s|seconds?|min|minutes?)\b' |
        sed 's/$/   <- a figure outside the record: mark it <!--fig:KEY-->...<!--\/fig-->/'
}

# limits: the guide's `GRADE_LIMIT_X=N` are harness/grader/rlimits.c's defaults, every one.
limits() {
    sed -nE 's/.*setting\("(GRADE_LIMIT_[A-Z]+)", *([0-9]+)[ul]*( *<< *([0-9]+))?\).*/\1 \2 \4/p' \
        harness/grader/rlimits.c | awk '{ printf "%s=%.0f\n", $1, $2 * 2 ^ ($3 + 0) }' | sort > "$tmp/limits.code"
    grep -oE '`GRADE_LIMIT_[A-Z]+=[0-9]+`' solutions/README.md | tr -d '`' | sort -u > "$tmp/limits.guide"
    diff "$tmp/limits.guide" "$tmp/limits.code" | sed -n 's/^< /solutions\/README.md: the limits table says /p; s/^> /solutions\/README.md: harness\/grader\/rlimits.c says /p'
}

{ counts; tsv_awk '{ print key "\t" figure }' "$record"; } > "$tmp/values"
block_labs > "$tmp/block.labs"
block_selftest > "$tmp/block.selftest"
block_table > "$tmp/block.table"
for f in "${docs[@]}"; do
    [ -f "$f" ] || continue
    render "$f" > "$tmp/new" || status=1
    if ! cmp -s "$f" "$tmp/new"; then
        if [ "$mode" = write ]; then
            cat "$tmp/new" > "$f" && echo "figures.sh: $f"
        else
            diff --unchanged-line-format= --old-line-format="$f:%dn: here:   %L" \
                 --new-line-format="$f:%dn: source: %L" "$f" "$tmp/new"
            echo "$f: differs from its sources (tests/tools/figures.sh write puts them in)"
            status=1
        fi
    fi
done
for f in README.md solutions/README.md; do
    [ -f "$f" ] || continue
    out=$(lint "$f")
    [ -z "$out" ] || { echo "$out"; status=1; }
done
out=$(limits)
[ -z "$out" ] || { echo "$out"; status=1; }
exit $status
