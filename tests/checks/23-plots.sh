#!/usr/bin/env bash
# 23-plots.sh - `make plots` on the skeletons names, for every lab, the
# function to write first.
. "$(dirname "$0")/../lib.sh"
section "make plots on skeletons says which function is missing"
out=$(PLOTS_QUICK=1 PLOTS_DIR=$T/plots-skeleton make -s --no-print-directory plots-now SRC=$SKELETONS \
      BUILD=$T/skeleton/build LABS="$LABS" 2>&1 || true)
[ "$(grep -c "your code is not finished: not implemented" <<< "$out")" -eq "$(wc -w <<< "$LABS")" ] \
    && ok "for every lab, make plots names the function to write first" \
    || bad "make plots on skeletons" "$out"
