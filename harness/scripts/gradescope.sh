#!/usr/bin/env bash
# gradescope.sh LAB... - write $DIST/gradescope-autograder.zip (dist/): setup.sh and
# run_autograder at its root, and the kit in kit/ - skeleton headers and
# tests, hidden tests, the harness - but no solution code.
set -euo pipefail
dist=${DIST:-dist}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$dist"
cp harness/scripts/gradescope/setup.sh harness/scripts/gradescope/run_autograder "$stage/"
harness/scripts/kit_copy.sh "$stage/kit" "$@"
echo "$*" > "$stage/kit/LABS"
zip=$(cd "$dist" && pwd)/gradescope-autograder.zip
rm -f "$zip"
(cd "$stage" && zip -qr "$zip" .)
echo "gradescope: $dist/gradescope-autograder.zip for $*: upload it as the autograder" \
     "(Ubuntu or Debian base image)"
