#!/usr/bin/env bash
# 51-handout-words.sh - every "seed NNN" a student's file cites is in
# README's seed table, and no word of the kit's own issue tracker reaches a
# student (tests/tools/handout_words.sh); and that check catches both,
# planted.
. "$(dirname "$0")/../lib.sh"
section "Handouts cite seeds that exist and carry no tracker words"
if out=$(tests/tools/handout_words.sh); then
    ok "every \"seed NNN\" in a student's file is in README's seed table; no \"issue N\" or \"#N\""
else
    bad "a student's file cites a seed that does not exist or carries a tracker word" "$out"
fi
# The check must catch both: a copy of README and a handout with a citation
# of a seed numbered 007 and the word for the kit's tracker's sixth issue
# planted (each spelt in two halves here, so that this file carries neither).
plant=$(mktemp -d)
trap 'rm -rf "$plant"' EXIT
mkdir -p "$plant/labs/$FIRST_LAB"
cp README.md "$plant/"
cp "labs/$FIRST_LAB/README.md" "$plant/labs/$FIRST_LAB/"
bad_seed="se""ed 007" tracker_word="iss""ue 6"
printf '\nAs %s says, this was %s.\n' "$bad_seed" "$tracker_word" >> "$plant/labs/$FIRST_LAB/README.md"
out=$(tests/tools/handout_words.sh "$plant" 2>&1 || true)
grep -qF "cites $bad_seed" <<< "$out" && grep -qF "a tracker word, \"$tracker_word\"" <<< "$out" \
    && ok "a planted citation of a seed that does not exist ($bad_seed) and a planted tracker word ($tracker_word) are both caught" \
    || bad "handout_words.sh missed a planted citation or tracker word" "$out"
