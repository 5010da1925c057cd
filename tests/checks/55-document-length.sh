#!/usr/bin/env bash
# 55-document-length.sh - README.md fits about 1,500 words and each
# handout's student path (everything before "## Going further") about
# 2,500 (tests/tools/handout_length.sh); the counts are on the ✓ line.
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "The documents are sized for their readers"
out=$(tests/tools/handout_length.sh 2>&1) && ok "README.md and each handout's path fit their budgets: $(sed -E 's/ words \(at most [0-9]+\)//; s|labs/([0-9]+)-[a-z]*/README.md|\1|' <<< "$out" | paste -sd' ')" \
    || bad "a document is over its budget" "$out"
# /instructor-only
