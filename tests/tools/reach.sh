#!/usr/bin/env bash
# reach.sh OUT LAB... - which of the reference's functions each test reaches.
#
# Builds each lab's reference with -finstrument-functions and reach.c, runs
# its tests once (plain pass), and writes OUT/LAB.tsv: one "test<TAB>function"
# line per function a test entered, in its own threads and forked workers
# alike.  A test that did not pass here gets "test<TAB>*" (it may reach
# anything).  mutant.sh uses the map to regrade, for an Exact patch, only the
# tests that can run the code it changes.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1; shift
. harness/scripts/tsv.sh
mkdir -p "$out"
for lab in "$@"; do
    (
        b=$out/build/$lab g=$out/grade/$lab
        rm -rf "$g"
        make -s --no-print-directory build SRC=solutions BUILD="$b" LAB="$lab" PASSES=tests \
            STUDENT_EXTRA="-finstrument-functions $PWD/tests/tools/reach.c" > "$out/$lab.log" 2>&1
        # The tests run in the pass's own folder, so a relative path lands there.
        REACH_OUT=reach.lines make -s --no-print-directory grade-now SRC=solutions BUILD="$b" \
            GRADE_OUT="$g" LAB="$lab" PASSES=tests >> "$out/$lab.log" 2>&1 || true
        # nm gives link-time addresses; reach.c wrote offsets from the load
        # address, which is __executable_start's.
        {
            nm --defined-only "$b/$lab/tests" | awk '{ print "sym", $1, $3 }'
            cat "$g/$lab/tests/reach.lines" 2>/dev/null || true
        } | awk -F'[ \t]' '
            function hex(s,   i, v) { v = 0; s = tolower(s)
                for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
                return v }
            $1 == "sym" { name[hex($2)] = $3; if ($3 == "__executable_start") base = hex($2); next }
            { hit[$1 "\t" (hex($2) + base)] = 1 }
            END { for (h in hit) { split(h, p, "\t"); sub(/_check$/, "", p[1]); if ((p[2] + 0) in name) print p[1] "\t" name[p[2] + 0] } }' |
            sort -u > "$out/$lab.tsv.new"
        tsv_awk 'status != "passed" { print test "\t*" }' "$g/results.tsv" >> "$out/$lab.tsv.new" 2>/dev/null || true
        mv "$out/$lab.tsv.new" "$out/$lab.tsv"
    ) &
done
wait
