#!/usr/bin/env bash
# 91-hostile.sh - hostile and broken submissions (tests/hostile/, graded in
# 90-mutants.sh's queue) are contained: graded right, bounded, nothing left
# behind; and, as a plain user too, a test cannot reopen the runner's
# record channel through /proc, nor the grader's end of it.
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "Hostile and broken submissions are contained: graded right, bounded, nothing left behind"
while IFS= read -r line; do
    case $line in
        *"✓ "*) ok "${line#*✓ }" ;;
        *"✗ "*) bad "${line#*✗ }" ;;
    esac
done < "$T/hostile.out"
# The /proc route as a plain user: the grading above runs student code as a
# user of its own, whose test cannot open a pipe the grader (root) owns; a
# grader run by a plain user shares its user with the student's code, and
# there only the runner's undumpability closes /proc/<runner>/fd/3.  So run
# the fixture's program once as such a user, on a channel that user owns.
fixture=$(ls tests/hostile/*/forges-records-through-proc.patch 2>/dev/null | sed -n 1p || true)
[ -n "$fixture" ] || exit 0
lab=$(basename "$(dirname "$fixture")")
proc_bin=build/hostile/$lab/forges-records-through-proc/build/$lab/tests
first_test=$(table "$lab" | sed -n '1s/\t.*//p')
[ -x "$proc_bin" ] || exit 0
d=$(mktemp -d) && chmod 777 "$d"
trap 'rm -rf "$d"' EXIT
as_user=()
[ "$(id -u)" = 0 ] && as_user=(setpriv --reuid=54321 --regid=54321 --clear-groups --)
# The channel a FIFO of that user's (the runner ends its own children).  The
# program is run from a copy in $d: that user may not enter the folders
# above this kit (root's home).
cp "$proc_bin" "$d/tests"
"${as_user[@]}" bash -c 'mkfifo -m 600 "$2/channel" && { cat "$2/channel" > "$2/records" & } &&
    "$1" --run --records-fd 3 --outdir "$2" --only "$3" 3> "$2/channel"; wait' \
    _ "$d/tests" "$d" "$first_test" > /dev/null 2>&1 || true
printed=$(cat "$d/$first_test.out" 2>/dev/null || true)
grep -q "cannot open /proc/[0-9]*/fd/3: Permission denied" <<< "$printed" && [ "$(grep -c . "$d/records")" = 1 ] \
    && ok "as a plain user too, a test cannot reopen the runner's record channel: $(grep -o 'cannot open.*' <<< "$printed")" \
    || bad "as a plain user, the /proc route" "$printed" "$(cat "$d/records" 2>/dev/null)"
# The grader's end of the channel, graded as a plain user where no namespace
# is allowed (GRADE_NO_NAMESPACES=1): student code runs as that very user,
# outside any user namespace, and only the grader's own undumpability keeps
# /proc/<grader>/fd out of its reach.  The programs are graded from copies in
# $d; tests/grader/mutants/stays-dumpable.patch, a grader without that, must
# let the forgery through, or the check proves nothing.
bin_dir=build/hostile/$lab/forges-records-through-the-grader/build/$lab
[ -x "$bin_dir/tests" ] || { bad "no build of forges-records-through-the-grader (see the hostile fixtures above)"; exit 0; }
mkdir -p "$d/build/$lab" "$d/src" && cp "$bin_dir/tests" "$bin_dir/list" "$d/build/$lab/" &&
    cp build/harness/grade "$d/grade" && chmod -R a+rwX "$d"
# forge_as_user GRADER: grade the fixture with GRADER as that user; prints
# the terminal's total and what the test printed.
forge_as_user() {
    rm -rf "$d/out" && mkdir -m 777 "$d/out"
    GRADE_NO_NAMESPACES=1 "${as_user[@]}" "$1" --build "$d/build" --out "$d/out" --passes tests "$lab" \
        > "$d/terminal" 2>&1 || true
    grep -o '^TOTAL [0-9]*/[0-9]*' "$d/terminal" || echo "no total: $(tail -2 "$d/terminal")"
    cat "$d/out/$lab/tests/$first_test.out" 2>/dev/null || true
}
got=$(forge_as_user "$d/grade")
[ "$(sed -n '1s|/.*||p' <<< "$got")" = "TOTAL 0" ] && grep -q "cannot open /proc/[0-9]*/fd/[0-9]*: Permission denied" <<< "$got" \
    && ok "as a plain user outside any namespace, a test cannot reach the grader's end of the channel either: $(sed -n 1p <<< "$got"), $(grep -o 'cannot open.*' <<< "$got" | head -1)" \
    || bad "as a plain user outside any namespace, a test reached the grader's end of the channel" "$got"
mutant=tests/grader/mutants/stays-dumpable.patch
# Built by the Makefile's own rule, from its own list of the grader's
# sources, with those of harness/grader/ taken from the patched copy.
src=$(make -s --no-print-directory --eval 'grader-src: ; @echo $(GRADER_SRC)' grader-src | sed "s|harness/grader/|$d/src/|g")
cp harness/grader/*.c "$d/src/" && (cd "$d/src" && git apply -p1 "$OLDPWD/$mutant") &&
    make -s --no-print-directory "$d/grade-mutant" GRADER="$d/grade-mutant" GRADER_SRC="$src" &&
    chmod a+rx "$d/grade-mutant" || { bad "the grader mutant $(basename "$mutant" .patch) did not build"; exit 0; }
says=$(sed -n 's/^Says: *//p' "$mutant")
got=$(forge_as_user "$d/grade-mutant")
grep -qF "$says" <<< "$got" && ok "the same check fails on a grader that stays dumpable ($mutant): $(sed -n 1p <<< "$got")" \
    || bad "a grader that stays dumpable ($mutant) passed the check: no \"$says\"" "$got"
# /instructor-only
