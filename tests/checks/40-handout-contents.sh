#!/usr/bin/env bash
# 40-handout-contents.sh - `make handout` writes what students get, unpacked
# into $T/handout/ for the next checks of its lane: no solutions/, hidden
# tests or mutants, no mention of solutions/, no line of solution code, no
# seed that does not exist nor tracker word, and the GitHub workflow.
# Lane: handout
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "make handout: what students get works, holds no reference, and never touches their work"
ho=$(fresh handout)
made handout DIST=$T/dist BUILD=$T/handout-build LABS="$LABS"
tar -xzf $T/dist/concurrency-labs-student.tar.gz -C "$ho"
hd=$ho/concurrency-labs
[ ! -e "$hd/solutions" ] && ! grep -rlq --include='*.c' '^HIDDEN_TEST(' "$ho" && ! find "$ho" -name '*.patch' | grep -q . \
    && ok "no solutions/, hidden tests or mutants in the handout" || bad "instructor files in the handout"
# "solutions" as a path, a value or a word in code: nothing a student gets
# may point at a tree they do not have.  Prose ("no better solutions that
# ...", a seed's words) may say the word.
mentions=$(grep -rnIw solutions "$hd" | grep -vE '[a-z] solutions [a-z]' | sed "s|$hd/||" | head -5 || true)
[ -z "$mentions" ] && ok "nothing in the handout refers to solutions/" || bad "the handout refers to solutions/" "$mentions"
if words=$(tests/tools/handout_words.sh "$hd" 2>&1); then
    ok "every seed the handout cites is in README's seed table, and no tracker word reaches it"
else
    bad "the handout cites a seed that does not exist or carries a tracker word" "$words"
fi
# No whole line of solution code (or hidden test), at least 35 characters
# long and not also in the kit's own code, may appear in the handout.
leaked=""
cat $(find harness -type f) $(find labs -type f -name '*.[ch]') 2>/dev/null | sed 's/^[[:space:]]*//' > "$T/kit-lines" || true
find "$ho" -type f -exec cat {} + | sed 's/^[[:space:]]*//' > "$T/handout-lines"
for lab in $LABS; do
    for f in solutions/$lab/*.c solutions/$lab/tests/*.c; do
        [ -f "$f" ] || continue
        sed 's/^[[:space:]]*//' "$f" | grep -vxFf "$T/kit-lines" | awk 'length($0) >= 35' > "$T/solution-lines" || true
        [ -s "$T/solution-lines" ] || continue
        hit=$(grep -xFf "$T/solution-lines" "$T/handout-lines" | head -2 || true)
        [ -z "$hit" ] || leaked+="$f: $hit"$'\n'
    done
done
[ -z "$leaked" ] && ok "no line of solution code appears in the handout" || bad "solution text in the handout" "$leaked"
cmp -s harness/scripts/github/grade.yml "$hd/.github/workflows/grade.yml" \
    && ok "the handout carries the GitHub Actions workflow (.github/workflows/grade.yml)" \
    || bad "no GitHub Actions workflow in the handout"
# /instructor-only
