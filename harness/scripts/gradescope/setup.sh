#!/usr/bin/env bash
# setup.sh - Gradescope runs this once, as root, when it builds the image:
# install the Debian packages, then build the kit's side of every test.
set -euo pipefail
cd /autograder/source/kit
harness/scripts/deps.sh
make -s kit
