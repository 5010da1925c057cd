#!/usr/bin/env bash
# 41-handout-skeleton.sh - `make` in the unpacked handout (40-handout-contents.sh)
# grades a skeleton with one unused variable at 0: the warning is feedback
# with its line, never a zero, and the hidden tests the handout does not
# hold are counted from its points table, so 0/90 cannot read as 0/100
# (nor 90/90 as full marks).
# Lane: handout
# instructor-only
. "$(dirname "$0")/../lib.sh"
hd=$T/handout/concurrency-labs
[ -d "$hd" ] || exit 0   # 40-handout-contents.sh said why
first=$hd/labs/$FIRST_LAB/$(first_file "$FIRST_LAB")
printf '\nint warning_probe(void)\n{\n    int unused;\n    return 0;\n}\n' >> "$first"
probe_line=$(( $(wc -l < "$first") - 2 ))
hidden_row=$(sed -n 's/^| \([0-9]*\) hidden tests\{0,1\} | \([0-9]*\) |.*/\1 \2/p' "labs/$FIRST_LAB/README.md")
read -r hidden_n hidden_p <<< "$hidden_row"
made=$PWD/$T/handout-make.out
if (cd "$hd" && make LAB=$FIRST_LAB > "$made" 2>&1) &&
   grep -q "^TOTAL 0/[0-9]* visible; $hidden_p more points in $hidden_n hidden tests" "$made"; then
    ok "make in the unpacked handout grades a skeleton at 0 ($FIRST_LAB): $(grep -o '^TOTAL [^ ]* [^ ]* [^,]*' "$made" | head -1)"
else
    bad "make in the handout" "$(tail -15 "$made")"
fi
grep -q "hidden tests\? worth $hidden_p points, graded on submission" "$made" \
    && ok "the handout's terminal counts the hidden tests it does not hold ($hidden_n, $hidden_p points)" \
    || bad "the handout's terminal does not count its hidden tests" "$(grep -i hidden "$made")"
grep -q "compiler warning: it costs no points" "$made" &&
    grep -q "$(basename "$first"):$probe_line:[0-9]*: warning: unused variable" "$made" &&
    ! grep -q "did not compile" "$made" \
    && ok "an unused variable is a warning with its line, not a zero: $(grep -o "$(basename "$first"):$probe_line:.*" "$made" | head -1)" \
    || bad "the unused variable's warning" "$(grep -A3 -i "warning\|did not compile" "$made" | head -8)"
# /instructor-only
