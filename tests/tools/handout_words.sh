#!/usr/bin/env bash
# handout_words.sh [ROOT] - words a student's files must not carry.
#
#  - Every citation of a seed ("seed NNN", "seeds NNN, NNN and NNN", a test
#    named seed_NNN_...) names a seed that exists.  The seeds themselves are
#    course notes kept outside the kit; the one list of them is the table
#    under "## The seeds" in ROOT/README.md (a row "| NNN | ... |" each).
#  - No word from the kit's own issue tracker: "issue N" or "issues N" must
#    name the project whose tracker it is (CPython, libuv, ...) a few words
#    before it, on the same line, and a bare "#N" (not "owner/repo#N") may
#    not appear in prose, scripts or charts.  (C files are left out of the
#    "#N" rule: a sanitizer's stack frames are "#0", "#1", ...)
#
# ROOT is a copy of the kit or an unpacked handout (default: this kit); the
# files checked are those `make handout` gives a student.  Prints one line
# per problem, FILE:LINE: what; exits 1 if there is any, 2 if ROOT has no
# seed table.
set -uo pipefail
root=${1:-$(dirname "$0")/../..}
cd "$root" || exit 2
seeds=$(awk '/^## / { on = $0 == "## The seeds" } on' README.md 2>/dev/null |
        sed -nE 's/^\| ([0-9]{3}) \|.*/\1/p' | sort -u)
if [ -z "$seeds" ]; then
    echo "handout_words.sh: no seed table (\"## The seeds\", rows \"| NNN | ...\") in $root/README.md" >&2
    exit 2
fi
paths=()
for p in Makefile README.md plots/README.md tests/run.sh harness tests/tools tests/skeletons labs .github; do
    [ -e "$p" ] && paths+=("$p")
done
status=0

# Seed citations: each three-digit number of a citation must be in the table.
while IFS= read -r hit; do
    where=$(cut -d: -f1,2 <<< "$hit")
    cited=$(cut -d: -f3- <<< "$hit")
    for n in $(grep -oE '[0-9]{3}' <<< "$cited"); do
        if ! grep -qx "$n" <<< "$seeds"; then
            echo "$where: \"$cited\" cites seed $n, which is not in README.md's seed table ($(echo $seeds))"
            status=1
        fi
    done
done < <(grep -rnIoiE 'seeds?[ _][0-9]{3}\b((,? and |, | or )[0-9]{3}\b)*' "${paths[@]}")

# Tracker words.  A project's own tracker is fine when the line names it
# within a few words before: "CPython issue 94777", "CPython (issues ...".
projects='(CPython|Python|libuv|glibc|Linux|GCC|LLVM|Check|gnuplot)'
while IFS= read -r hit; do
    line=${hit#*:*:}
    stripped=$(sed -E "s/${projects}[^.;:]{0,40}[Ii]ssues? #?[0-9]+//g" <<< "$line")
    if grep -qE '\b[Ii]ssues? #?[0-9]+' <<< "$stripped"; then
        echo "$(cut -d: -f1,2 <<< "$hit"): a tracker word, \"$(grep -oE '\b[Ii]ssues? #?[0-9]+' <<< "$stripped" | head -1)\": name the project whose tracker it is, or say what it was"
        status=1
    fi
done < <(grep -rnIE '\b[Ii]ssues? #?[0-9]+' "${paths[@]}")
while IFS= read -r hit; do
    echo "$(cut -d: -f1,2 <<< "$hit"): a bare tracker reference, \"$(grep -oE '#[0-9]+' <<< "$(cut -d: -f3- <<< "$hit")" | head -1)\": name the project (owner/repo#N) or say what it was"
    status=1
done < <(grep -rnIE '(^|[[:space:](])#[0-9]+\b' --exclude='*.c' --exclude='*.h' "${paths[@]}")
exit $status
