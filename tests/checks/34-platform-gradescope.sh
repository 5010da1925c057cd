#!/usr/bin/env bash
# 34-platform-gradescope.sh - `make gradescope` writes a zip with setup.sh
# and run_autograder at its root and hidden tests but no solution code; in a
# simulated /autograder (inside a folder closed to other users) it grades a
# repository upload of the reference (full marks in all three passes,
# markdown feedback, student code unprivileged, a leaderboard entry where a
# lab has one), a build failure (results.json with the compiler's errors)
# and a forger (0, flagged above the tests and in each).
# Lane: bundles
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "make gradescope: the bundle grades a submission in a simulated /autograder ($FEW_LABS)"
zip=$T/dist/gradescope-autograder.zip
made gradescope DIST=$T/dist LABS="$FEW_LABS"
listing=$(unzip -Z1 $zip)
grep -qx setup.sh <<< "$listing" && grep -qx run_autograder <<< "$listing" \
    && ok "setup.sh and run_autograder are at the zip's root" || bad "zip root" "$listing"
leaks=$(grep '^kit/solutions/' <<< "$listing" | grep -v '/$' | grep -v '^kit/solutions/[^/]*/tests/' || true)
[ -z "$leaks" ] && ok "the bundle holds hidden tests but no solution code" || bad "solution files in the bundle" "$leaks"
full=$(points $FEW_LABS)

# As on Gradescope, the image is built once (setup.sh's `make kit`; its
# package step is the kit's own deps.sh, already run) and every submission
# starts from it, with a submission and results of its own.
# Inside a folder other users may not enter, as root's home is where a
# container or a chroot has the kit: the grader must still run student code
# as a user of its own (harness/grader/reachable.c opens the way).
mkdir -p "$T/platforms/closed" && chmod 700 "$T/platforms/closed"
ag=$PWD/$T/platforms/closed/gradescope
rm -rf "$ag" && mkdir -p "$ag/source" && chmod 755 "$ag"
(cd "$ag/source" && unzip -q "$OLDPWD/$zip")
(cd "$ag/source/kit" && make -s --no-print-directory kit > "$ag/setup.log" 2>&1) || { bad "setup.sh's make kit failed" "$(tail -5 "$ag/setup.log")"; exit 0; }

# upload CASE: grade a submission in a fresh /autograder; its results in $ag/results.
upload() {
    local lab first
    rm -rf "$ag/submission" "$ag/results" && mkdir -p "$ag/submission/repo/labs"
    # The broken upload needs only the lab it breaks; the others grade
    # as the skeletons they fall back to, in a second instead of 30.
    for lab in $([ $1 = reference ] && echo "$FEW_LABS" || echo "$FIRST_LAB"); do
        cp -r "$([ $1 = forge ] && echo labs || echo solutions)/$lab" "$ag/submission/repo/labs/"
    done
    first=$ag/submission/repo/labs/$FIRST_LAB/$(first_file "$FIRST_LAB")
    [ $1 = broken ] && echo 'int broken = ;' >> "$first"
    [ $1 = forge ] && cat tests/hostile/forge-records.c >> "$first"
    AUTOGRADER_ROOT=$ag "$ag/source/run_autograder" || true
    "$T/tools/check_platform" gradescope "$ag/results/results.json" 2>&1 || true
}
results=$ag/results/results.json

res=$(upload reference)
grep -q "ok: $full/$full" <<< "$res" && ok "a repository upload of the reference: $res" \
    || bad "reference on Gradescope: $res" "$(grep -A4 '  ✗ ' "$ag/results/terminal.txt" | head -20)"
[ "$(jq -r .output_format "$results")" = md ] \
    && ok "Gradescope renders the feedback as markdown (output_format md)" \
    || bad "results.json does not ask Gradescope for markdown"
grep -q "runs as an unprivileged user" "$ag/results/terminal.txt" \
    && ok "student code ran as a non-root user" || bad "student code ran as root" "$(tail -2 "$ag/results/terminal.txt")"
for lab in $FEW_LABS; do
    grep -q '^# Leaderboard:' "labs/$lab/compare.sh" 2>/dev/null || continue
    entry=$(jq -c --arg lab "$lab: tasks/s" '.leaderboard[]? | select(.name | startswith($lab))' "$results")
    [ -n "$entry" ] && ok "a full-marks $lab gets an ungraded leaderboard entry: $entry" \
        || bad "no leaderboard entry for $lab" "$(jq -c .leaderboard "$results")"
done

res=$(upload broken)
grep -q "^ok:" <<< "$res" && grep -q "did not compile" "$results" \
    && ok "a build failure still writes results.json, with the compiler's errors" \
    || bad "a build failure on Gradescope: $res"

res=$(upload forge)
grep -q "^ok: 0/" <<< "$res" && grep -q '"output": "```text\\n'"$FIRST_LAB"': flagged, 0 for the whole lab' "$results" &&
    grep -q "a constructor (lab code may not run before main)" "$results" \
    && ok "a skeleton that forges records scores 0 on Gradescope, flagged above the tests and in each: $res" \
    || bad "the forging skeleton on Gradescope: $res" "$(head -c 600 "$results")"
rm -rf "$ag"
# /instructor-only
