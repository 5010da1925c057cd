#!/usr/bin/env bash
# function_lengths.sh [LIMIT] [DIR...] - list every function longer than
# LIMIT lines (default 80) in the C and shell files under DIR (default
# harness and tests), longest first: "LINES FILE:FIRST-LAST NAME".  Exits 1
# if there is any.  A function's lines run from its name to its closing
# brace.
#
# C: universal-ctags finds each function and its last line.  Shell: ctags
# does not know where a shell function ends, so awk reads the kit's style:
# `name() {` at some indentation, closed by `}` alone at the same one (a
# one-line function is one line).
set -euo pipefail
limit=${1:-80}
[ $# -gt 0 ] && shift
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(harness tests)

c_files=$(find "${dirs[@]}" -name '*.[ch]' -type f | sort)
sh_files=$(find "${dirs[@]}" -type f \( -name '*.sh' -o -name run_autograder \) | sort)
{
    [ -z "$c_files" ] ||
        ctags -x --languages=C --kinds-C=f --fields=+ne --_xformat='%{line} %{end} %{input} %{name}' \
            $c_files | awk '$2 != "" { print $2 - $1 + 1, $3 ":" $1 "-" $2, $4 }'
    for f in $sh_files; do
        awk -v file="$f" '
            match($0, /^[ \t]*(function[ \t]+)?[A-Za-z_][A-Za-z0-9_]*[ \t]*\(\)[ \t]*\{/) && !open {
                indent = $0; sub(/[^ \t].*/, "", indent)
                name = $0; sub(/^[ \t]*(function[ \t]+)?/, "", name); sub(/[ \t]*\(.*/, "", name)
                first = NR
                if ($0 !~ /\}[ \t;]*$/) open = 1
                else print 1, file ":" NR "-" NR, name
                next
            }
            open && $0 == indent "}" { print NR - first + 1, file ":" first "-" NR, name; open = 0 }
        ' "$f"
    done
} | awk -v limit="$limit" '$1 > limit' | sort -rn | grep . && exit 1
exit 0
