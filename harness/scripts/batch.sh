#!/usr/bin/env bash
# batch.sh DIR JOBS LAB... - grade a whole class.
#
# Each DIR/<student>/ is laid out like labs/ (or holds a labs/ folder); it may
# also arrive as DIR/<student>.tar.gz, .tgz or .zip.  Every submission is
# graded on its own - own build folder, own sandbox, per-test timeouts and
# resource limits - JOBS at a time.  Results go to $BATCH_OUT (build/batch/):
#   gradebook.csv              one row per student, a column per lab, a total,
#                              and the labs flagged ("01-threads refused"): scored
#                              0 for what their code did (harness/README.md)
#   flagged.txt                every flagged lab of the batch, a line each:
#                              student, lab, refused|tampered|review, what was found
#                              (review: worth a look, costs no points)
#   students/<s>/results.json  Gradescope-format results
#   students/<s>/feedback.txt  what the student would have seen in a terminal
# A submission whose files (and the kit) have not changed since it was last
# graded is not graded again.
set -euo pipefail
. harness/scripts/tsv.sh
dir=$1 jobs=$2
shift 2
labs="$*"
out=${BATCH_OUT:-build/batch}
mkdir -p "$out/students" "$out/unpacked"

# The kit's own fingerprint: change a test and every student is regraded.
kit_hash=$( (cat $(find harness -name '*.[ch]' | sort) harness/lab.mk Makefile
             for lab in $labs; do cat labs/$lab/*.h labs/$lab/tests/* labs/$lab/support/* \
                                     solutions/$lab/tests/*; done; true) 2>/dev/null | sha256sum | cut -c1-16)

# grade_one STUDENT TREE: grade one submission unless it is unchanged.
grade_one() {
    local student=$1 tree=$2 s=$out/students/$1
    # A copy of a whole repository holds its labs in labs/.
    [ -d "$tree/labs" ] && tree=$tree/labs
    local hash
    # The passes too: a grading in fewer passes must not stand in for a full one.
    hash=$( (echo "$kit_hash $labs ${PASSES:-all}"; find "$tree" -type f -name '*.c' -printf '%P\n' | sort |
             while IFS= read -r f; do echo "$f"; cat "$tree/$f"; done) | sha256sum | cut -c1-16)
    if [ -s "$s/results.json" ] && [ "$(cat "$s/hash" 2>/dev/null)" = "$hash" ]; then
        echo skipped > "$s/status"
        return
    fi
    mkdir -p "$s"
    rm -f "$s/hash"
    # LAB_JOBS=1: the class is already graded JOBS submissions at a time.
    NO_COLOR=1 make -s --no-print-directory grade-now SUBMISSION="$(cd "$tree" && pwd)" \
        BUILD="$s/build" GRADE_OUT="$s/grade" LABS="$labs" LAB_JOBS=1 > "$s/feedback.txt" 2>&1 || true
    if [ -s "$s/grade/results.json" ]; then
        cp "$s/grade/results.json" "$s/results.json"
        cp "$s/grade/results.tsv" "$s/results.tsv"
        echo "$hash" > "$s/hash"
        echo graded > "$s/status"
    else
        echo "failed: the grader could not run (see feedback.txt)" > "$s/status"
    fi
}

# Find each submission; unpack archives into build/batch/unpacked/<student>.
list=$out/submissions.tsv
: > "$list"
for entry in "$dir"/*; do
    [ -e "$entry" ] || continue
    name=$(basename "$entry")
    case $name in
        *.tar.gz|*.tgz|*.zip) student=${name%.zip}; student=${student%.tgz}; student=${student%.tar.gz} ;;
        *) [ -d "$entry" ] || continue; student=$name ;;
    esac
    student=$(tr -c 'A-Za-z0-9._@+-' '_' <<< "$student" | sed 's/_$//')
    tree=$entry
    if [ ! -d "$entry" ]; then
        tree=$out/unpacked/$student
        stamp=$tree.stamp
        if [ ! -d "$tree" ] || [ "$entry" -nt "$stamp" ]; then
            rm -rf "$tree" && mkdir -p "$tree"
            case $name in
                *.zip) unzip -q -o "$entry" -d "$tree" ;;
                *) tar -xzf "$entry" -C "$tree" ;;
            esac || { echo "batch: cannot unpack $entry" >&2; continue; }
            touch "$stamp"
        fi
        # An archive of one folder: grade what is inside it.
        only=$(find "$tree" -mindepth 1 -maxdepth 1)
        if [ "$(wc -l <<< "$only")" -eq 1 ] && [ -d "$only" ] && ! ls -d "$tree"/[0-9][0-9]-* >/dev/null 2>&1; then
            tree=$only
        fi
    fi
    printf '%s\t%s\n' "$student" "$tree" >> "$list"
done
total=$(wc -l < "$list")
[ "$total" -gt 0 ] || { echo "batch: no submissions in $dir" >&2; exit 2; }

export -f grade_one
export out kit_hash labs
rm -f "$out"/students/*/status
start=$(date +%s)
cut -f1,2 "$list" | tr '\t' '\n' | xargs -d '\n' -n 2 -P "$jobs" bash -c 'grade_one "$0" "$1"' &
workers=$!
while kill -0 "$workers" 2>/dev/null; do
    done_count=$( (ls "$out"/students/*/status 2>/dev/null || true) | wc -l)
    printf '\rbatch: %d/%d submissions graded, %d at a time, %d s' "$done_count" "$total" "$jobs" \
        "$(($(date +%s) - start))"
    sleep 0.5
done
wait "$workers"
seconds=$(($(date +%s) - start))

# The gradebook: written to a temporary file, then renamed, so an LMS import
# never reads half of it.
book=$out/gradebook.csv
{
    printf 'student'
    for lab in $labs; do printf ',%s' "$lab"; done
    printf ',total,flagged\n'
    while IFS=$'\t' read -r student _; do
        tsv=$out/students/$student/results.tsv
        printf '%s' "$student"
        sum=0
        for lab in $labs; do
            points=$(tsv_awk -v l="$lab" 'lab == l { s += score } END { print s + 0 }' "$tsv" 2>/dev/null || echo 0)
            printf ',%s' "$points"
            sum=$((sum + points))
        done
        flags=$(tsv_awk 'flag != "" { print lab " " flag }' "$tsv" 2>/dev/null | sort -u | paste -sd';' - || true)
        printf ',%s,%s\n' "$sum" "${flags//;/; }"
    done < "$list"
} > "$book.tmp" && mv "$book.tmp" "$book"

# Every flagged lab of the batch, for the instructor to read: from each
# student's results.json, by the converter every platform uses.
make -s --no-print-directory build/harness/convert > /dev/null
while IFS=$'\t' read -r student _; do
    [ -s "$out/students/$student/results.json" ] || continue
    build/harness/convert flags "$out/students/$student/results.json" | sed "s/^/$student\t/"
done < "$list" > "$out/flagged.txt.tmp" && mv "$out/flagged.txt.tmp" "$out/flagged.txt"

graded=$( (grep -l graded "$out"/students/*/status 2>/dev/null || true) | wc -l)
skipped=$( (grep -l skipped "$out"/students/*/status 2>/dev/null || true) | wc -l)
failed=$( (grep -l failed "$out"/students/*/status 2>/dev/null || true) | wc -l)
printf '\rbatch: %d submissions in %d s: %d graded, %d unchanged since last time, %d could not be graded\n' \
    "$total" "$seconds" "$graded" "$skipped" "$failed"
echo "batch: gradebook $book; per-student results.json and feedback.txt in $out/students/"
flagged=$(awk -F'\t' '$3 != "review"' "$out/flagged.txt" | wc -l)
reviews=$(awk -F'\t' '$3 == "review"' "$out/flagged.txt" | wc -l)
[ $((flagged + reviews)) -eq 0 ] ||
    echo "batch: $flagged lab(s) flagged (scored 0 for what their code did), $reviews flagged for review: $out/flagged.txt"
