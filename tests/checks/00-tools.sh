#!/usr/bin/env bash
# 00-tools.sh - build the kit's checking tool into $T/tools: check_platform
# (is a results file valid JSON, complete for its platform, and do its
# scores add up; with jansson).  XML is libxml2's xmllint's to judge.
. "$(dirname "$0")/../lib.sh"
section "Building the kit's tools"
mkdir -p "$T/tools"
cc -std=c11 -O2 -Wall -Wextra -Werror tests/tools/check_platform.c $(pkg-config --libs jansson) -lm \
    -o "$T/tools/check_platform" || exit 2
ok "check_platform"
