#!/usr/bin/env bash
# 60-function-lengths.sh - no function in harness/ or tests/, C or shell,
# is over 80 lines (tests/tools/function_lengths.sh lists any that is).
. "$(dirname "$0")/../lib.sh"
section "No function over 80 lines in harness/ and tests/"
if out=$(tests/tools/function_lengths.sh 80 harness tests); then
    ok "every function in harness/ and tests/ fits in 80 lines"
else
    bad "functions over 80 lines (lines, where, name)" "$out"
fi
