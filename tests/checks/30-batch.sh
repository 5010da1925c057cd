#!/usr/bin/env bash
# 30-batch.sh - `make batch` grades a class, each submission on its own: a
# column per lab, full marks for the reference (a .tar.gz of one folder),
# 0 for a skeleton (.zip), a build failure costing its lab only, a forger
# scoring 0 and flagged, files for every student, and a re-run that grades
# nothing unchanged.
# Lane: packaging
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "make batch grades a class, each submission on its own ($FEW_LABS)"
class=$(mktemp -d)
trap 'rm -rf "$class"' EXIT
mkdir -p "$class/pack/ref-tar" "$class/broken/labs"
for lab in $FEW_LABS; do cp -r "solutions/$lab" "$class/pack/ref-tar/"; done
rm -rf "$class"/pack/ref-tar/*/tests
cp -r "$class/pack/ref-tar/." "$class/broken/labs/"
tar -czf "$class/ref-tar.tar.gz" -C "$class/pack" ref-tar && rm -rf "$class/pack"
(cd labs && zip -qr "$class/skeleton-zip.zip" $FEW_LABS)
for f in "$class/broken/labs/$FIRST_LAB"/*.c; do echo 'int broken = ;' >> "$f"; done
# A student who forges records in one lab (the forging attack, tests/hostile/forge-records.c) and not the other.
mkdir -p "$class/forger"
for lab in $FEW_LABS; do cp -r "labs/$lab" "$class/forger/"; done
cat tests/hostile/forge-records.c >> "$class/forger/$FIRST_LAB/$(first_file "$FIRST_LAB")"
# The plain pass only: what is checked here is the class's handling (archives,
# a column a lab, flags, a re-run); 11-reference.sh grades every lab in all
# three passes, and 34-platform-gradescope.sh a whole bundle.
if ! out=$(make -s --no-print-directory batch SUBMISSIONS="$class" BATCH_OUT=$T/batch LABS="$FEW_LABS" JOBS=2 PASSES=tests 2>&1); then
    bad "make batch failed" "$out"
    exit 0
fi
book=$T/batch/gradebook.csv
full=$(points $FEW_LABS) first_max=$(points "$FIRST_LAB")
total_column=$(($(wc -w <<< "$FEW_LABS") + 2))
row() { grep "^$1," "$book" | cut -d, -f$total_column; }
[ "$(head -1 "$book")" = "student,${FEW_LABS// /,},total,flagged" ] \
    && ok "gradebook.csv has a column per lab, a total and the flagged labs" \
    || bad "gradebook header: $(head -1 "$book")"
forger=$(grep "^forger," "$book" || true)
[ "$(row forger)" = 0 ] && [ "${forger##*,}" = "$FIRST_LAB refused" ] &&
    awk -F'\t' -v lab="$FIRST_LAB" '$1 == "forger" && $2 == lab && $3 == "refused" && $4 ~ /a constructor \(lab code may not run before main\)/ { f = 1 } END { exit !f }' "$T/batch/flagged.txt" \
    && ok "a forging student scores 0, flagged in the gradebook and in flagged.txt: $(grep '^forger' "$T/batch/flagged.txt")" \
    || bad "the forging student: $forger" "$(cat "$T/batch/flagged.txt" 2>/dev/null)"
[ "$(grep -c . "$T/batch/flagged.txt")" = 1 ] && ok "flagged.txt lists only the forger" \
    || bad "flagged.txt lists others" "$(cat "$T/batch/flagged.txt")"
[ "$(row ref-tar)" = "$full" ] && ok "the reference, as a .tar.gz of one folder, scores $full/$full" \
    || bad "the reference scored $(row ref-tar) of $full" "$(cat "$book")"
[ "$(row skeleton-zip)" = 0 ] && ok "a skeleton (.zip) scores 0" || bad "the skeleton scored $(row skeleton-zip)"
broken_first=$(grep "^broken," "$book" | cut -d, -f2 || true)
[ "$broken_first" = 0 ] && [ "$(row broken)" = $((full - first_max)) ] \
    && ok "a build failure in $FIRST_LAB (a folder holding labs/) costs that lab only ($(row broken)/$full)" \
    || bad "the broken submission scored $(grep "^broken," "$book")"
missing_files=""
for s in ref-tar skeleton-zip broken forger; do
    [ -s "$T/batch/students/$s/results.json" ] && [ -s "$T/batch/students/$s/feedback.txt" ] || missing_files+=" $s"
done
[ -z "$missing_files" ] && ok "every student has results.json and feedback.txt" || bad "missing files for:$missing_files"
again=$(make -s --no-print-directory batch SUBMISSIONS="$class" BATCH_OUT=$T/batch LABS="$FEW_LABS" JOBS=2 PASSES=tests 2>&1 |
        tr '\r' '\n' | grep "submissions in" || true)
grep -q "0 graded, 4 unchanged" <<< "$again" && ok "a re-run grades nothing unchanged ($again)" \
    || bad "a re-run regraded unchanged submissions" "$again"
# /instructor-only
