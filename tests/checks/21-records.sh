#!/usr/bin/env bash
# 21-records.sh - points come only from the runner's own records: a stand-in
# for a test program writes records as something other than the runner
# would, and only one a test, in the order asked, is believed; any other
# stream flags the lab (and a last record cut short is the program killed
# mid-write: not counted, not flagged).  No route to the channel is left
# open for lab code; this is the check behind that, on the streams a forger
# would produce.
. "$(dirname "$0")/../lib.sh"
section "Points come only from the runner's own records: any other stream is flagged, never believed"
fake=$T/fake-runner
rm -rf "$fake" && mkdir -p "$fake/build/$FIRST_LAB" && chmod -R 755 "$fake"
cp "$T/skeleton/build/$FIRST_LAB/list" "$fake/build/$FIRST_LAB/"
cat > "$fake/build/$FIRST_LAB/tests" <<'FAKE'
#!/usr/bin/env bash
# The last argument is the --only list: the tests to run, in order.
IFS=, read -r -a names <<< "${!#}"
rec() { printf '%s\t%s\t0.01\t%s' "$1" "$2" "$3" >&3; }
case $FAKE_RUNNER in
    honest) for n in "${names[@]}"; do rec "$n" fail "no" && echo >&3; done ;;
    twice) rec "${names[0]}" pass ok && echo >&3; for n in "${names[@]}"; do rec "$n" fail no && echo >&3; done ;;
    after) for n in "${names[@]}"; do rec "$n" fail no && echo >&3; done; rec "${names[0]}" pass ok && echo >&3 ;;
    status) rec "${names[0]}" passed ok && echo >&3 ;;
    cut) rec "${names[0]}" fail no && echo >&3; rec "${names[1]}" pass "ok" ;;   # killed mid-record
esac
FAKE
chmod 755 "$fake/build/$FIRST_LAB/tests"
for mode in honest twice after status cut; do
    FAKE_RUNNER=$mode build/harness/grade --build "$fake/build" --out "$fake/$mode" --passes tests \
        "$FIRST_LAB" > "$fake/$mode.out" 2>&1 || true
    flag=$(tsv_awk 'flag != "" { print flag }' "$fake/$mode/results.tsv" 2>/dev/null | sort -u || true)
    why=$(jq -r '.labs[0].flagged' "$fake/$mode/results.json" 2>/dev/null | head -1 || true)
    case $mode in
        honest|cut) [ -z "$flag" ] && [ -s "$fake/$mode/results.tsv" ] \
            && ok "$mode records: graded, not flagged" || bad "$mode records were flagged" "$why" ;;
        *) [ "$flag" = tampered ] && ! tsv_awk 'status == "passed" { f = 1 } END { exit !f }' "$fake/$mode/results.tsv" \
            && ok "$mode records: flagged, $why" || bad "$mode records were believed" "$(cat "$fake/$mode.out")" ;;
    esac
done
