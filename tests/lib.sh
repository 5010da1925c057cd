# lib.sh - what the kit's own checks share: tests/run.sh sources it, and so
# does each check in tests/checks/ (which can also run alone, after a
# `make test` built what it uses: `bash tests/checks/20-skeleton.sh`).
#
#   ok TEXT                   a check passed: one line "  ✓ TEXT"
#   bad TEXT [DETAIL...]      a check failed: "  ✗ TEXT", then the details, indented
#   section TITLE             a heading, with the seconds since make test began
#   grade NAME ARGS...        `make grade-now` into $T/NAME, its terminal in $T/NAME.out
#   count NAME passed|failed  how many tests of that grading ended so (-1: no results)
#
# The runner counts the ✓ and ✗ lines; nothing here keeps a count.  Every
# check runs under `set -euo pipefail`: a command whose failure is a finding
# ends in `|| ...`, and any other failure stops the check, which the runner
# reports as a ✗ with the line where it stopped.
set -euo pipefail
trap 'echo "  (stopped at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND)"' ERR
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. harness/scripts/tsv.sh

# What every check works on, set once by the runner (and here, for a check
# run alone).  Everything goes under build/test/.
export T=${T:-build/test}
# Every build, the mutants' and the bundles' included, shares one compiler
# and one copy of the kit's objects.
export CC=gcc KIT_BUILD=${KIT_BUILD:-build/test/kit-gcc}
export JOBS=${JOBS:-$(harness/scripts/cores.sh)}
export START=${START:-$(date +%s)}
# TEST_LABS="01-threads 02-races" limits the suite to some labs.
if [ -z "${LABS:-}" ]; then
    LABS=${TEST_LABS:-$(cd labs && ls -d [0-9][0-9]-* | tr '\n' ' ')}
    export LABS=${LABS% }
fi
export FIRST_LAB=${LABS%% *}   # the checks that need one lab take the first
# The bundle and class checks are about packaging, not about any one lab:
# two labs (the first and the last: the last has a leaderboard) show that a
# bundle grades several, at a fraction of the time.
FEW_LABS=$FIRST_LAB
[ "${LABS##* }" = "$FIRST_LAB" ] || FEW_LABS+=" ${LABS##* }"
export FEW_LABS
# The kit's own checks use pristine skeletons: labs/ in the kit, and in a
# student's handout the copies it keeps in tests/skeletons/ (the student
# edits labs/, and make test must pass however far they have got).
export SKELETONS=labs
[ -d tests/skeletons ] && SKELETONS=tests/skeletons
# In a student's handout the checks that need the reference are left out
# (harness/scripts/handout.sh), and so is this line.
export REFERENCE=""
# instructor-only
REFERENCE=solutions
# /instructor-only
mkdir -p "$T"

ok() { echo "  ✓ $1"; }
bad() { echo "  ✗ $1"; shift; [ $# -gt 0 ] && printf '%s\n' "$@" | sed -n '1,25s/^/      /p'; return 0; }
section() { echo; echo "$1  [$(($(date +%s) - START)) s]"; }

# grade NAME ARGS...: run the real `make grade` into $T/NAME; keep its
# terminal output.  Its gcc build is the one the compile check made, so
# nothing is built twice.
grade() {
    local name=$1; shift
    rm -rf "$T/$name/grade"
    make -s -j"$JOBS" --no-print-directory grade-now BUILD="$T/$name/build" GRADE_OUT="$T/$name/grade" \
        LABS="$LABS" "$@" > "$T/$name.out" 2>&1
}

# made TARGET ARGS...: `make TARGET` quietly; if it fails, a ✗ with its
# output, and the check ends (what follows needs what it makes).
made() {
    local out
    out=$(make -s --no-print-directory "$@" 2>&1) || { bad "make $1 failed" "$out"; exit 0; }
}

# fresh DIR: an empty folder $PWD/$T/DIR (for a check's own files), printed.
fresh() { rm -rf "${PWD:?}/$T/$1" && mkdir -p "$PWD/$T/$1" && echo "$PWD/$T/$1"; }

# count NAME passed|failed: how many tests of a grading ended so (-1: no results).
count() {
    [ -s "$T/$1/grade/results.tsv" ] || { echo -1; return; }
    tsv_awk -v s="$2" 'status == s { n++ } END { print n + 0 }' "$T/$1/grade/results.tsv"
}

# xml_ok FILE: "ok: N elements" if FILE is well-formed XML (libxml2's
# xmllint judges: tags, entities, UTF-8, no control bytes); else why not.
xml_ok() { xmllint --huge --noout "$1" 2>&1 | sed -n 1,5p && echo "ok: $(xmllint --huge --xpath 'count(//*)' "$1") elements"; }

# fingerprint: one hash of every file in labs/ and plots/ (a student's work and charts).
fingerprint() { find labs plots -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum | sha256sum || true; }

# first_file LAB: the lab's first student file (where an attack is appended).
first_file() { harness/scripts/student_files.sh "$1" | sed -n 1p; }

# instructor-only
# forger DIR LAB...: each lab's skeleton files in DIR/LAB, with a
# constructor that forges records (tests/hostile/forge-records.c) appended
# to its first file.
forger() {
    local dir=$1 lab f; shift
    for lab in "$@"; do
        mkdir -p "$dir/$lab"
        for f in $(harness/scripts/student_files.sh "$lab"); do cp "labs/$lab/$f" "$dir/$lab/"; done
        cat tests/hostile/forge-records.c >> "$dir/$lab/$(first_file "$lab")"
    done
    chmod -R a+rX "$dir"
}

# pool_labs: the labs the mutant pool grades (90-mutants.sh): those under
# test, and the hostile fixtures' (they run whatever TEST_LABS says).
pool_labs() { (echo $LABS | tr ' ' '\n'; ls -d tests/hostile/*/ | xargs -n 1 basename) | sort -u | tr '\n' ' '; }

# table LAB: the lab's test table (name, points, timeout, hidden, look at;
# hidden tests included), printed by the `list` program of the compile
# check's reference build (built here if a check runs alone).
table() {
    make -s --no-print-directory "$T/reference/build/$1/list" BUILD="$T/reference/build" LABS="$1" > /dev/null
    "$T/reference/build/$1/list" --list
}

# points LAB...: what the labs are worth, hidden tests included, from their
# test tables: no script counts a lab's points itself.
points() { local lab; for lab; do table "$lab"; done | awk -F'\t' '{ s += $2 } END { print s + 0 }'; }
# /instructor-only
