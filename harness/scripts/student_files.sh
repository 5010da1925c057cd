#!/usr/bin/env bash
# student_files.sh LAB - the files a student writes for LAB, one name a line:
# every .c file directly in labs/LAB except bench.c, the timing driver (the
# tests live in labs/LAB/tests/).  The one place this rule is written: lab.mk
# and every script ask here.
set -euo pipefail
cd "$(dirname "$0")/../.."
for f in labs/"$1"/*.c; do
    if [ -e "$f" ] && [ "${f##*/}" != bench.c ]; then echo "${f##*/}"; fi
done
