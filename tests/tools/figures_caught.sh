#!/usr/bin/env bash
# figures_caught.sh - tests/tools/figures.sh must catch a contradiction: in a
# copy of the kit's documents, record and counted files, plant one at a
# time and check that `figures.sh check` fails, saying where:
#   handout    a handout gives a measured figure the record does not
#   record     the record changes and the guide is not rewritten
#   count      README's lab table gives a lab one hidden test too many
#   mutant     a mutant is added and the guide's counts are not rewritten
#   stray      the guide gives a time outside the record
#   limit      the code's CPU limit changes and the guide's does not
# Prints "caught" or "missed" and figures.sh's first words for each; exits 1
# if one was missed (or the copy was not clean to begin with).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
base=$(mktemp -d) || exit 2
trap 'rm -rf "$base" "$base.work"' EXIT
mkdir -p "$base/tests" "$base/plots"
cp -r README.md solutions labs harness "$base/" && cp plots/README.md "$base/plots/" &&
    cp -r tests/mutants tests/hostile "$base/tests/" || exit 2
status=0
check() { FIGURES_ROOT=$1 tests/tools/figures.sh check 2>&1; }
if ! out=$(check "$base"); then
    echo "figures_caught.sh: the copy is not clean before anything is planted:"; echo "$out" | head -5
    exit 1
fi

# plant NAME EXPECT COMMAND...: run COMMAND in a fresh copy; figures.sh must
# fail with a line matching EXPECT (an extended regular expression).
plant() {
    local name=$1 expect=$2 w=$base.work
    shift 2
    rm -rf "$w" && cp -r "$base" "$w" && (cd "$w" && "$@") || { echo "missed $name: could not plant it"; status=1; return; }
    local out
    if out=$(check "$w"); then
        echo "missed $name: figures.sh check passed"; status=1
    elif grep -qE "$expect" <<< "$out"; then
        echo "caught $name: $(grep -E "$expect" <<< "$out" | head -1 | cut -c1-200)"
    else
        echo "missed $name: figures.sh failed, but not with /$expect/:"; echo "$out" | head -3; status=1
    fi
}
plant handout 'labs/05-threadpool/README.md:[0-9]+: here: .*125×, 136×, 129×' \
    sed -i 's|<!--fig:bench.05.python-->[^<]*<!--/fig-->|<!--fig:bench.05.python-->125×, 136×, 129×<!--/fig-->|' labs/05-threadpool/README.md
plant record 'solutions/README.md:[0-9]+: here: .*grade.reference' \
    sed -i 's|^grade\.reference\t[^\t]*\t|grade.reference\t26.7 s and 27.1 s\t|' solutions/figures.tsv
plant count 'README.md:[0-9]+: here: .*hidden' \
    sed -i '0,/ \([0-9]*\) hidden (/s// 9\1 hidden (/' README.md
plant mutant 'solutions/README.md:[0-9]+: here: .*mutants|solutions/README.md:[0-9]+: here: \| all' \
    cp "$(ls tests/mutants/*/*.patch | head -1)" "tests/mutants/$(ls tests/mutants | head -1)/planted.patch"
plant stray 'solutions/README.md:[0-9]+: .*43\.4 s.*a figure outside the record' \
    sed -i 's/^## Trust$/## Trust\n\nGrading every lab takes 43.4 s./' solutions/README.md
plant limit 'rlimits.c says GRADE_LIMIT_CPU=60' \
    sed -i 's/setting("GRADE_LIMIT_CPU", 120)/setting("GRADE_LIMIT_CPU", 60)/' harness/grader/rlimits.c
exit $status
