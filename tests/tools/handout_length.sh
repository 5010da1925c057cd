#!/usr/bin/env bash
# handout_length.sh [ROOT] - a newcomer reads README.md in minutes and a
# lab's handout in one sitting: README.md at most 1,500 words, and each
# labs/*/README.md at most 2,500 on the student's path (the idea, the tasks,
# how it is graded, the chart: everything before "## Going further", with the
# lines a student's copy cuts left out).  A word is a run of characters
# between spaces with a letter or a digit in it: code and tables count, a
# table's "|" does not.  Prints each file's count; exits 1 if one is over.
set -uo pipefail
cd "${1:-$(dirname "$0")/../..}" || exit 2
status=0
marker='^[[:space:]]*(<!--|#|/\*)[[:space:]]*'
# path FILE: the student's path through FILE.
path() {
    sed -E "\\%${marker}instructor-only[[:space:]]*(-->|\\*/)?[[:space:]]*\$%,\\%${marker}/instructor-only%d" "$1" |
        awk '/^## Going further/ { exit } { print }'
}
check() {   # check FILE LIMIT WORDS
    if [ "$3" -le "$2" ]; then echo "$1: $3 words (at most $2)"
    else echo "$1: $3 words, over $2: move a deep dive under \"## Going further\" or to the instructors' guide"; status=1; fi
}
words() { tr -s ' \t' '\n\n' | grep -c '[[:alnum:]]'; }
check README.md 1500 "$(words < README.md)"
for f in labs/*/README.md; do check "$f" 2500 "$(path "$f" | words)"; done
exit $status
