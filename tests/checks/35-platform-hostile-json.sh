#!/usr/bin/env bash
# 35-platform-hostile-json.sh - whatever bytes a test prints, every file a
# platform parses is valid JSON.  A stand-in test program (as in
# 21-records.sh, in the runner's form, so believed) reports a failure whose
# message is 16 MiB of every byte but NUL, tab and newline (control bytes,
# bytes that are no UTF-8, quotes, backslashes), and prints the same bytes
# before it stops without a result for the next test.  The grader's
# results.json, Gradescope's, PrairieLearn's (under 1 MB) and Classroom
# 50's, and each platform's "could not grade" file made from the same
# bytes, must each be read by jansson (check_platform) and by Python's json
# module, which parse JSON strictly and apart; junit.xml must be
# well-formed and the markdown summary UTF-8.
# Lane: bundles
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "Hostile output (control bytes, invalid UTF-8, 16 MiB) gives valid JSON for every platform"
h=$(fresh platforms/hostile-json)
mkdir -p "$h/build/$FIRST_LAB" && chmod -R 755 "$h"
table "$FIRST_LAB" > /dev/null   # the test table the grader reads
cp "$T/reference/build/$FIRST_LAB/list" "$h/build/$FIRST_LAB/"
python3 -c '
import sys
block = bytes(b for b in range(1, 256) if b not in (9, 10)) + "\\n\\t\xc3\x28\xed\xa0\x80\xf4\x90\x80\x80".encode("latin-1")
size = 16 << 20
sys.stdout.buffer.write((block * (size // len(block) + 1))[:size])' > "$h/bytes"
chmod 644 "$h/bytes"
cat > "$h/build/$FIRST_LAB/tests" <<FAKE
#!/usr/bin/env bash
# The last argument is the --only list: the tests to run, in order.
IFS=, read -r -a names <<< "\${!#}"
{ printf '%s\tfail\t0.01\t' "\${names[0]}"; cat "$h/bytes"; echo; } >&3
head -c 100000 "$h/bytes"
exit 1
FAKE
chmod 755 "$h/build/$FIRST_LAB/tests"
build/harness/grade --build "$h/build" --out "$h/grade" --passes tests "$FIRST_LAB" > "$h/terminal.txt" 2>&1 || true
bytes=$(stat -c %s "$h/grade/results.json" 2>/dev/null || echo 0)

# valid KIND FILE: jansson's and Python's verdicts on a platform's file; "" if both accept it.
valid() {
    "$T/tools/check_platform" "$1" "$2" | grep -v '^ok: ' || true
    python3 -c 'import json, sys; json.load(open(sys.argv[1], encoding="utf-8", errors="strict"))' "$2" 2>&1 |
        tail -1 || true
}
rejected=""
export CLASSROOM=c ASSIGNMENT=a SUBMISSION_TAG=t COMMIT_URL=u RELEASE_URL=r
for platform in gradescope classroom50 prairielearn; do
    build/harness/convert $platform "$h/grade/results.json" > "$h/$platform.json" 2> "$h/$platform.err" ||
        rejected+="convert $platform: $(head -c 300 "$h/$platform.err")"$'\n'
    why=$(valid $platform "$h/$platform.json")
    [ -z "$why" ] || rejected+="$platform: $why"$'\n'
done
for platform in gradescope prairielearn; do
    build/harness/convert failed $platform "$h/bytes" > "$h/failed-$platform.json" || rejected+="convert failed $platform"$'\n'
    why=$(valid $platform "$h/failed-$platform.json")
    [ -z "$why" ] || rejected+="$platform, could not grade: $why"$'\n'
done
why=$(valid gradescope "$h/grade/results.json")
[ -z "$why" ] || rejected+="the grader's results.json: $why"$'\n'
build/harness/convert summary "$h/grade/results.json" | iconv -f UTF-8 -t UTF-8 > /dev/null 2>&1 ||
    rejected+="the markdown summary is not UTF-8"$'\n'
xml=$(xml_ok "$h/grade/junit.xml") || rejected+="junit.xml: $xml"$'\n'
pl_size=$(stat -c %s "$h/prairielearn.json" 2>/dev/null || echo 0)
[ "$pl_size" -le 1000000 ] || rejected+="PrairieLearn's results.json is $pl_size bytes, over 1 MB"$'\n'
grep -q '"output": ".*\\u0001\\u0002.*\\"' "$h/grade/results.json" || rejected+="no escaped control bytes in results.json"$'\n'
[ "$bytes" -gt $((16 << 20)) ] || rejected+="results.json is only $bytes bytes: the 16 MiB message was not kept"$'\n'
[ -z "$rejected" ] \
    && ok "16 MiB of hostile bytes: the grader's results.json ($((bytes >> 20)) MiB), Gradescope's, Classroom 50's, PrairieLearn's ($pl_size bytes) and both \"could not grade\" files are valid JSON to jansson and Python; junit.xml well-formed, the summary UTF-8" \
    || bad "hostile output broke a platform's file" "$rejected"
rm -f "$h/bytes" "$h"/*.json
# /instructor-only
