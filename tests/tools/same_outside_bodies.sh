#!/usr/bin/env bash
# same_outside_bodies.sh SKELETON SOLUTION - do the two files differ only
# inside function bodies?  The kit's style puts a function's braces alone on
# their own lines at column 0, so a body is what lies between "{" and "}".
set -euo pipefail
strip() { awk '/^\{$/ { inside = 1; print "{ ...body... }"; next }
               /^\}$/ && inside { inside = 0; next }
               !inside' "$1"; }
diff <(strip "$1") <(strip "$2") > /dev/null && exit 0
echo "$1 and $2 differ outside function bodies:"
diff <(strip "$1") <(strip "$2") | head -20 || true
exit 1
