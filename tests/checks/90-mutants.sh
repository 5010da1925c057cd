#!/usr/bin/env bash
# 90-mutants.sh - every buggy implementation (tests/mutants/LAB/*.patch)
# loses the points of the tests its header names, and says its words
# (tests/mutant.sh); a lab has at least 6.  The mutants and the hostile
# fixtures (tests/hostile/, judged in 91-hostile.sh) are most of make
# test's work and only have to fail their tests, which load cannot
# prevent: they grade in one queue, beside every other check.
# Lane: pool
# instructor-only
. "$(dirname "$0")/../lib.sh"
pool_labs=$(pool_labs)   # 02-kit.sh built every kit object they link
# An Exact patch must leave every other test passing; the reach map (which
# tests enter which functions, from one instrumented run of the reference)
# lets it regrade only the tests that can run the code it changes.
export REACH=$T/reach
exact_labs=$(grep -l '^Exact: *yes' $(for lab in $pool_labs; do ls tests/mutants/$lab/*.patch tests/hostile/$lab/*.patch 2>/dev/null; done) |
             xargs -r -n 1 dirname | xargs -r -n 1 basename | sort -u || true)
tests/tools/reach.sh "$REACH" $exact_labs > "$T/reach.out" 2>&1 || true   # no map: every test regrades
# One queue, two gradings a core (most of a grading is waiting for a
# test's deadline), the longest first so that no core idles at the end:
# the fixtures (hangs waited out), then the labs from the last (whose tests
# take longest).  Each line lands in hostile.out or mutants.out.
: > "$T/hostile.out"; : > "$T/mutants.out"
{ ls tests/hostile/*/*.patch
  for lab in $(tr ' ' '\n' <<< "$LABS" | sort -r); do ls tests/mutants/$lab/*.patch 2>/dev/null || true; done
} | xargs -r -P "$((2 * JOBS))" -I{} bash -c \
    'kind=$(basename "$(dirname "$(dirname "$1")")"); tests/mutant.sh "$1" >> "$2/$kind.out" 2>&1' _ {} "$T" || true

section "Buggy implementations (tests/mutants) lose the points of the tests named for them"
for lab in $LABS; do
    total=$(ls tests/mutants/$lab/*.patch 2>/dev/null | wc -l || true)
    caught=$(grep -c "✓ $lab/" "$T/mutants.out" || true)
    if [ "$total" -ge 6 ] && [ "$caught" -eq "$total" ]; then
        ok "$lab: $caught/$total mutants caught (100%)"
    elif [ "$total" -lt 6 ]; then
        bad "$lab: only $total mutants (at least 6 wanted)"
    else
        bad "$lab: $caught/$total mutants caught" "$(grep "✗ $lab/" "$T/mutants.out")"
    fi
done
# /instructor-only
