#!/usr/bin/env bash
# gradescope.sh LAB... - write $DIST/gradescope-autograder.zip (dist/): setup.sh and
# run_autograder at its root, and the kit in kit/ - skeleton headers and
# tests, hidden tests, the harness - but no solution code.
set -eu
dist=${DIST:-dist}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/kit/labs" "$stage/kit/solutions" "$dist"
cp harness/gradescope/setup.sh harness/gradescope/run_autograder "$stage/"
cp Makefile "$stage/kit/"
cp -r harness "$stage/kit/"
for lab in "$@"; do
    cp -r "labs/$lab" "$stage/kit/labs/"
    if [ -f "solutions/$lab/hidden_tests.c" ]; then
        mkdir -p "$stage/kit/solutions/$lab"
        cp "solutions/$lab/hidden_tests.c" "$stage/kit/solutions/$lab/"
    fi
done
echo "$*" > "$stage/kit/LABS"
zip=$(cd "$dist" && pwd)/gradescope-autograder.zip
rm -f "$zip"
(cd "$stage" && zip -qr "$zip" .)
echo "gradescope: $dist/gradescope-autograder.zip for $*: upload it as the autograder" \
     "(Ubuntu or Debian base image)"
