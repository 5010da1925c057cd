#!/usr/bin/env bash
# mutant.sh PATCH... - check that each buggy implementation loses the points
# of the tests its header names (format: harness/README.md, "Mutants").
# Prints one line per patch; exits 1 if any mutant escaped.  With "Exact: yes"
# every test not named in Caught-by must still pass: the damage is contained.
set -u
cd "$(dirname "$0")/.."
escaped=0
for patch in "$@"; do
    lab=$(basename "$(dirname "$patch")")
    bug=$(basename "$patch" .patch)
    caught_by=$(sed -n 's/^Caught-by: *//p' "$patch" | tr -s ' ,' ',' | sed 's/,$//')
    says=$(sed -n 's/^Says: *//p' "$patch")
    exact=$(sed -n 's/^Exact: *//p' "$patch")   # yes: every other test must still pass
    out=build/mutants/$lab/$bug
    tree=$(mktemp -d)
    mkdir -p "$tree/$lab" "$out"
    cp solutions/"$lab"/*.c "$tree/$lab/"
    rm -f "$tree/$lab/hidden_tests.c"
    verdict=""
    if [ -z "$caught_by" ]; then
        verdict="has no Caught-by: line"
    elif ! (cd "$tree/$lab" && git apply -p1 "$OLDPWD/$patch") 2> "$out/apply.log"; then
        verdict="does not apply: $(head -c 300 "$out/apply.log")"
    else
        make -s --no-print-directory grade-now SUBMISSION="$tree" BUILD="$out/build" \
            GRADE_OUT="$out/grade" LAB="$lab" ONLY="$([ "$exact" = yes ] || echo "$caught_by")" \
            > "$out/grade.log" 2>&1
        for test in ${caught_by//,/ }; do
            row=$(awk -F'\t' -v t="$test" '$2 == t' "$out/grade/results.tsv" 2>/dev/null)
            if [ -z "$row" ]; then
                verdict="names $test, which is not a test of $lab"; break
            elif [ "$(cut -f5 <<< "$row")" != failed ]; then
                verdict="escaped: $test still passed"; break
            fi
        done
        if [ -z "$verdict" ] && [ "$exact" = yes ]; then
            extra=$(awk -F'\t' -v list=",$caught_by," '$5 == "failed" && index(list, "," $2 ",") == 0 { print $2 }' \
                    "$out/grade/results.tsv" | head -3 | tr '\n' ' ')
            [ -n "$extra" ] && verdict="cost more than it should: $extra also failed"
        fi
        if [ -z "$verdict" ] && [ -n "$says" ] && ! grep -qF -- "$says" "$out/grade/results.json"; then
            verdict="was caught, but no feedback says \"$says\""
        fi
    fi
    rm -rf "$tree"
    if [ -z "$verdict" ]; then
        echo "  ✓ $lab/$bug: caught by ${caught_by//,/, }"
    else
        echo "  ✗ $lab/$bug $verdict (log: $out/grade.log)"
        escaped=1
    fi
done
exit $escaped
