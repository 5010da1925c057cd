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
# /proc/<grader>/fd out of its reach (without it, this fixture's skeleton
# scored 90/90 visible).  The programs are graded from copies in $d.
bin_dir=build/hostile/$lab/forges-records-through-the-grader/build/$lab
[ -x "$bin_dir/tests" ] || exit 0
mkdir -p "$d/build/$lab" "$d/out" && cp "$bin_dir/tests" "$bin_dir/list" "$d/build/$lab/" &&
    cp build/harness/grade "$d/grade" && chmod -R a+rwX "$d"
GRADE_NO_NAMESPACES=1 "${as_user[@]}" "$d/grade" --build "$d/build" --out "$d/out" --passes tests "$lab" \
    > "$d/terminal" 2>&1 || true
total=$(grep -o '^TOTAL [0-9]*/[0-9]*' "$d/terminal" || true)
printed=$(cat "$d/out/$lab/tests/$first_test.out" 2>/dev/null || true)
[ "${total%%/*}" = "TOTAL 0" ] && grep -q "cannot open /proc/[0-9]*/fd/[0-9]*: Permission denied" <<< "$printed" \
    && ok "as a plain user outside any namespace, a test cannot reach the grader's end of the channel either: $total, $(grep -o 'cannot open.*' <<< "$printed" | head -1)" \
    || bad "as a plain user outside any namespace, the grader's end of the channel (${total:-no total})" "$printed" "$(tail -3 "$d/terminal")"
# /instructor-only
