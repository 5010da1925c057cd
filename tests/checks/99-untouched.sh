#!/usr/bin/env bash
# 99-untouched.sh - make test wrote nothing in labs/ or plots/: they are as
# the runner found them when it began ($T/fingerprint).
. "$(dirname "$0")/../lib.sh"
section "make test wrote nothing in labs/ or plots/"
[ "$(fingerprint)" = "$(cat "$T/fingerprint")" ] && ok "labs/ and plots/ are byte for byte as they were" \
    || bad "labs/ or plots/ changed during make test" "$(git status --short labs plots 2>/dev/null | head -5)"
