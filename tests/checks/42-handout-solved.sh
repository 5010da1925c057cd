#!/usr/bin/env bash
# 42-handout-solved.sh - a student who has solved every lab, in the
# unpacked handout (40-handout-contents.sh): `make plots` draws every chart
# (saying the core count), `make test` passes on their tree (two labs) and
# leaves labs/ and plots/ as they were, and `make bench` prints each lab's
# table for their code.  Then, in the kit, `make bench` measures the reference.
# Lane: handout
# instructor-only
. "$(dirname "$0")/../lib.sh"
hd=$T/handout/concurrency-labs
tested=$PWD/$T/handout-test.out

# sums: a hash a line of every file in the handout's labs/ and plots/.
sums() { (cd "$hd" && find labs plots -type f -print0 | sort -z | xargs -0 sha256sum); }

if [ -d "$hd" ]; then
    for lab in $LABS; do
        for f in $(harness/scripts/student_files.sh "$lab"); do cp "solutions/$lab/$f" "$hd/labs/$lab/"; done
    done
    if out=$(cd "$hd" && PLOTS_QUICK=1 make -s --no-print-directory plots 2>&1); then
        charts=$(ls "$hd"/plots/*.png 2>/dev/null | wc -l || true)
        [ "$charts" -eq "$(wc -w <<< "$LABS")" ] && ok "make plots on solved labs draws $charts charts in plots/" \
            || bad "make plots on solved labs drew $charts charts" "$out"
        grep -q "[0-9] cores" <<< "$out" && ok "the charts say how many cores the machine had" \
            || bad "no chart mentions the core count"
    else
        bad "make plots failed on solved labs" "$out"
    fi
    before=$(sums)
    # Two labs show the handout's make test at work on a solved tree (the
    # kit's own checks build and grade every lab): all six would triple it.
    if (cd "$hd" && TEST_LABS="$FEW_LABS" HANDOUT_QUICK=1 make test > "$tested" 2>&1); then
        ok "make test in the solved handout: $(grep -E '^[0-9]+ passed' "$tested" | tail -1)"
    else
        bad "make test in the solved handout" "$(grep '✗' "$tested" | head -10)"
    fi
    changed=$(diff <(echo "$before") <(sums) | sed -n 's/^[<>] [0-9a-f]*  //p' | sort -u | head -5 || true)
    [ -z "$changed" ] && ok "make test left the student's labs/ and plots/ byte for byte as they were" \
        || bad "make test changed the student's files" "$changed"
    # make bench, one round: every lab's benchmark prints what its
    # compare.sh promises ("# Prints: ..."), and calls the code the student's.
    if out=$(cd "$hd" && ROUNDS=1 make -s --no-print-directory bench 2>&1); then
        for lab in $LABS; do
            [ -x "labs/$lab/compare.sh" ] || continue
            want=$(sed -n 's/^# Prints: //p' "labs/$lab/compare.sh" || true)
            got=$(awk -v lab="== $lab" '$0 == lab { on = 1; next } /^== / { on = 0 } on' <<< "$out")
            if [ -n "$want" ] && grep -qF "$want" <<< "$got" && grep -q "your code" <<< "$got" &&
               ! grep -qi "did not\|error" <<< "$got"; then
                ok "$lab: make bench prints its table, for your code ($(grep -c . <<< "$got") lines)"
            else
                bad "$lab: make bench printed no table naming your code (want \"${want:-# Prints: in compare.sh}\")" "$got"
            fi
        done
    else
        bad "make bench failed in the solved handout" "$out"
    fi
    rm -rf "$T/handout"
fi
who=$(make -n --no-print-directory bench LABS="$LABS" 2>/dev/null | grep -o "BENCH_WHO=\"[^\"]*\"" | sort -u || true)
[ "$who" = 'BENCH_WHO="this lab'"'"'s reference"' ] && ok "in the kit, make bench measures the reference" \
    || bad "in the kit, make bench would measure: ${who:-nothing}"
# /instructor-only
