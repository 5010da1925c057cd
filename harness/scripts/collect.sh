#!/usr/bin/env bash
# collect.sh FROM TREE LAB... - lay a submission found anywhere under FROM (a
# repository, a folder per lab, or loose files) out as TREE/LAB/FILE, as the
# grader wants it.  For each file a student edits, a copy inside a folder
# named for the lab wins, else any copy; symbolic links are never followed.
# Run from the kit's folder.  Prints the files it did not find, on one line.
set -euo pipefail
from=$1 tree=$2
shift 2
missing=""
for lab in "$@"; do
    mkdir -p "$tree/$lab"
    for name in $(harness/scripts/student_files.sh "$lab"); do
        found=$(find "$from" -type f -name "$name" -path "*$lab*" 2>/dev/null | head -1 || true)
        [ -n "$found" ] || found=$(find "$from" -type f -name "$name" 2>/dev/null | head -1 || true)
        if [ -n "$found" ]; then cp "$found" "$tree/$lab/$name"; else missing+=" $lab/$name"; fi
    done
done
echo "${missing# }"
