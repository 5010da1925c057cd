#!/usr/bin/env bash
# 02-kit.sh - build the kit's side of every test program the later checks
# link (every lab and pass, the hostile fixtures' labs too), the grader and
# the converter, before they run side by side: so no two makes ever write
# one file.  Silent when it works.
# instructor-only
. "$(dirname "$0")/../lib.sh"
make -s --no-print-directory kit LABS="$(pool_labs)" > "$T/kit.out" 2>&1 || bad "make kit failed" "$(tail -5 "$T/kit.out")"
# /instructor-only
