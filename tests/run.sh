#!/usr/bin/env bash
# run.sh [NAME...] - the kit's own tests; `make test` runs this.  With
# NAMEs, only the checks whose file names contain one (`tests/run.sh
# platform` runs the platforms' bundles).
#
# Each check is a small script in tests/checks/, NN-name.sh, reported in
# the order of its number; it prints ✓ and ✗ lines (tests/lib.sh) and this
# counts them.  The checks numbered 0N build what the others use, and run
# first.  Then every check with a "# Lane: NAME" line starts in the
# background (the checks of one lane one after another: most of their time
# is gradings that wait for a test's deadline, and the reference must bear
# the load anyway, as it must on a student's busy laptop); the others run
# in order beside them, and each lane check is reported in its place.  A
# check that stops early (a command failed) counts as a ✗.
#
# Everything it writes goes under build/test/: gradings, builds, charts,
# bundles.  Never labs/ or plots/ (a student's work and charts): the last
# check proves it.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
out=$T/checks
rm -rf "$out" && mkdir -p "$out"
fingerprint > "$T/fingerprint"   # for the last check
passed=0 failed=0

# wanted FILE [NAME...]: is the check one of those asked for (all, without NAMEs)?
wanted() {
    local f=$1 name; shift
    [ $# -eq 0 ] && return 0
    for name; do [[ $(basename "$f") == *"$name"* ]] && return 0; done
    return 1
}
checks=()
for f in tests/checks/[0-9][0-9]-*.sh; do wanted "$f" "$@" && checks+=("$f"); done

# busy: the share of the machine's CPU time that was not idle since the
# start (/proc/stat: every process's, the sandboxed tests' included).
cpu_times() { awk 'NR == 1 { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6 }' /proc/stat; }
CPU0=$(cpu_times)
busy() { cpu_times | awk -v b="$CPU0" '{ split(b, s, " "); t = $1 - s[1]; if (t > 0) printf "%d%%", 100 * (t - ($2 - s[2])) / t }'; }

name_of() { basename "$1" .sh; }
lane_of() { sed -n 's/^# Lane: *//p' "$1"; }
# run_check FILE: run one check, its lines into $out/NAME.out; its exit
# status into $out/NAME.rc last, which says it is done.
# Its start and end (seconds since make test began) and CPU time go to
# $T/checks/times, to see which check the time goes to.
run_check() {
    local rc=0 t0 cpu; t0=$(($(date +%s) - START))
    # In a subshell, `times` gives the CPU seconds of the check's waited-for
    # processes alone (user and system, its second line).
    cpu=$( (bash "$1" > "$out/$(name_of "$1").out" 2>&1 || echo $? > "$out/$(name_of "$1").status"; times) | sed -n 2p)
    [ -e "$out/$(name_of "$1").status" ] && rc=$(cat "$out/$(name_of "$1").status")
    echo "$(name_of "$1") $t0 $(($(date +%s) - START)) $cpu" >> "$out/times"
    echo $rc > "$out/$(name_of "$1").rc"
}
# report FILE: wait until the check is done, print its lines and count them.
report() {
    local n; n=$(name_of "$1")
    while [ ! -e "$out/$n.rc" ]; do sleep 1; done
    cat "$out/$n.out"
    passed=$((passed + $(grep -c '^  ✓' "$out/$n.out" || true)))
    failed=$((failed + $(grep -c '^  ✗' "$out/$n.out" || true)))
    if [ "$(cat "$out/$n.rc")" != 0 ]; then
        echo "  ✗ $n stopped early (exit $(cat "$out/$n.rc")): see its last lines above"
        failed=$((failed + 1))
    fi
}
# start_lanes: each lane's checks, in order, in one background job.
start_lanes() {
    local lane f
    for lane in $(for f in "${checks[@]}"; do lane_of "$f"; done | sort -u); do
        ( for f in "${checks[@]}"; do [ "$(lane_of "$f")" != "$lane" ] || run_check "$f"; done ) &
    done
}

started=no
for f in "${checks[@]}"; do
    if [ $started = no ] && [[ $(name_of "$f") != 0[0-9]-* ]]; then start_lanes; started=yes; fi
    [ -n "$(lane_of "$f")" ] || run_check "$f"
    report "$f"
done
wait

echo
echo "$passed passed, $failed failed  ($(($(date +%s) - START)) s; the machine was $(busy) busy)"
[ "$failed" -eq 0 ]
