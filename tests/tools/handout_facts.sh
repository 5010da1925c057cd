#!/usr/bin/env bash
# handout_facts.sh [--fix] LAB... - the facts a handout copies from elsewhere
# must match their one source:
#  - the paragraph between `<!-- grading.md -->` and `<!-- /grading.md -->`
#    in each labs/LAB/README.md is harness/grading.md, word for word, and the
#    section between `<!-- schedules.md -->` and `<!-- /schedules.md -->` is
#    harness/schedules.md (--fix writes them in);
#  - the points table under "## How it is graded" lists the TEST (and
#    SCHEDULE_TEST) lines of
#    labs/LAB/tests/*.c, in the order they run (file by file), with their
#    points, and ends with the hidden tests' row ("| N hidden tests | P |"),
#    checked against the hidden tests where the reference is there;
#  - each test file N-name.c is named for Part N of "## Your tasks" (a line
#    "N. **...**"), and each hidden test file for a visible one.
# Prints one line per problem; exits 1 if there is any.  FACTS_ROOT=DIR
# checks a copy of the kit in DIR (the kit's tests break one on purpose).
set -euo pipefail
cd "${FACTS_ROOT:-$(dirname "$0")/../..}"
fix=no
[ "${1:-}" = --fix ] && { fix=yes; shift; }
status=0
problem() { echo "$1: $2"; status=1; }

# shared_block README NAME WHAT: README's block between `<!-- NAME -->` and
# `<!-- /NAME -->` is harness/NAME, word for word (with --fix, written in);
# WHAT names the block in the problem.
shared_block() {
    local readme=$1 name=$2 what=$3 source=harness/$2
    if ! grep -qx "<!-- $name -->" "$readme" || ! grep -qx "<!-- /$name -->" "$readme"; then
        problem "$readme" "no <!-- $name --> ... <!-- /$name --> block under 'How it is graded'"
    elif [ $fix = yes ]; then
        awk -v first="<!-- $name -->" -v last="<!-- /$name -->" '
             FNR == NR { text = text $0 "\n"; next }
             $0 == first { printf "%s\n%s", $0, text; skip = 1; next }
             $0 == last { skip = 0 }
             !skip' "$source" "$readme" > "$readme.tmp" && mv "$readme.tmp" "$readme"
    elif ! diff -q <(awk -v first="<!-- $name -->" -v last="<!-- /$name -->" '
                         $0 == last { on = 0 } on; $0 == first { on = 1 }' "$readme") \
                   "$source" > /dev/null; then
        problem "$readme" "$what differs from $source (tests/tools/handout_facts.sh --fix $lab)"
    fi
}

for lab in "$@"; do
    readme=labs/$lab/README.md
    shared_block "$readme" grading.md "the grading paragraph"
    shared_block "$readme" schedules.md "the schedules section"

    # The points table: "| `name` | points | ..." rows, then the hidden row.
    table=$(awk '/^## How it is graded/ { on = 1; next } /^## / { on = 0 } on && /^\| `[a-z0-9_]+` \| [0-9]+ \|/' "$readme" |
            awk -F'|' '{ gsub(/[ `]/, "", $2); gsub(/ /, "", $3); print $2, $3 }')
    tests=$(LC_ALL=C; cat "labs/$lab"/tests/*.c | sed -nE 's/^(SCHEDULE_)?TEST\(([a-z0-9_]+), *([0-9]+),.*/\2 \3/p')
    if [ "$table" != "$tests" ]; then
        problem "$readme" "the points table does not match the TEST lines of labs/$lab/tests/:
$(diff <(echo "$table") <(echo "$tests") | sed -n 's/^</    table:/p; s/^>/    tests:/p')"
    fi

    # A test file a Part: N-name.c for a Part N of "Your tasks".
    parts=$(awk '/^## Your tasks/ { on = 1; next } /^## / { on = 0 } on' "$readme" |
            sed -nE 's/^([0-9]+)\. \*\*.*/\1/p')
    for f in "labs/$lab"/tests/[0-9]*.c; do
        n=${f##*/}; n=${n%%-*}
        grep -qx "$n" <<< "$parts" ||
            problem "$readme" "$f is named for Part $n, which 'Your tasks' does not have"
    done
    hidden_row=$(awk '/^## How it is graded/ { on = 1; next } /^## / { on = 0 }
                      on && /^\| [0-9]+ hidden tests? \| [0-9]+ \|/' "$readme" |
                 awk -F'|' '{ split($2, w, " "); gsub(/ /, "", $3); print w[1], $3 }')
    # instructor-only
    hidden=solutions/$lab/tests
    if [ -d "$hidden" ]; then
        want=$(cat "$hidden"/*.c | sed -nE 's/^HIDDEN_(SCHEDULE_)?TEST\([a-z0-9_]+, *([0-9]+),.*/\2/p' |
               awk '{ n++; s += $1 } END { print n + 0, s + 0 }')
        [ "$hidden_row" = "$want" ] ||
            problem "$readme" "the hidden row says '${hidden_row:-nothing}' (tests, points); $hidden/ has '$want'"
        for f in "$hidden"/*.c; do
            [ -e "labs/$lab/tests/${f##*/}" ] ||
                problem "$readme" "$f has no visible namesake in labs/$lab/tests/: name it for its Part"
        done
    fi
    # /instructor-only
    visible=$(awk '{ s += $2 } END { print s + 0 }' <<< "$tests")
    total=$((visible + ${hidden_row##* }))
    [ "$total" = 100 ] || problem "$readme" "visible ($visible) and hidden (${hidden_row##* }) points add up to $total, not 100"
done
exit $status
