#!/usr/bin/env bash
# changed_functions.sh OLD NEW - the functions of folder OLD's .c files that
# the same files in NEW change, one per line; "*" if the change may reach
# more than function bodies.  (Diffing the two trees, rather than reading a
# patch, gets the line numbers right however far git apply moved a hunk.)
#
# The kit's style puts a function's braces alone at column 0 (as
# same_outside_bodies.sh relies on), so a body is the lines from "{" to "}",
# and the function's name is the identifier before the "(" above its "{".
# A line changed or removed outside every body (a global, a type, a macro)
# may change any function: "*".  Lines added between functions are harmless
# when they only declare (an #include <...>, a prototype, a new function or
# variable, which only changed code can name), but not when they define a
# macro or a constructor, which reach code nobody changed: "*".
set -euo pipefail
old=$1 new=$2
for f in $( (cd "$old" && ls -- *.c; cd "$OLDPWD" && cd "$new" && ls -- *.c) | sort -u); do
    if [ ! -f "$old/$f" ] || [ ! -f "$new/$f" ]; then echo "*"; continue; fi
    echo "+++ $f"
    diff -U0 "$old/$f" "$new/$f" | tail -n +3 || true
done | awk -v dir="$old" '
    # bodies(file): fill lo[], hi[], fn[] with the file'"'"'s function bodies.
    function bodies(file,   line, n, k, head, name) {
        nb = 0; n = 0; head = ""
        while ((getline line < file) > 0) {
            n++
            if (line == "{") {
                name = head; sub(/\(.*/, "", name); sub(/.*[^A-Za-z0-9_]/, "", name)
                nb++; lo[nb] = n; fn[nb] = name
            } else if (line == "}" && nb && !hi[nb]) {
                hi[nb] = n
            } else if (line ~ /^[A-Za-z_].*\(/) {
                head = line
            }
        }
        close(file)
    }
    # body_of(n): the name of the function whose body holds line n, or "".
    function body_of(n,   k) {
        for (k = 1; k <= nb; k++) if (lo[k] <= n && n <= hi[k]) return fn[k]
        return ""
    }
    function touch(name) { if (name == "") everything = 1; else changed[name] = 1 }
    # An added line outside bodies: harmless unless it reaches unchanged code.
    function added_outside(text) {
        if (text ~ /^#[ \t]*(define|undef|pragma)/ || text ~ /constructor|destructor/ ||
            text ~ /^#[ \t]*include[ \t]*"/)
            everything = 1
    }
    $0 == "*" { everything = 1; next }   # a file added or removed
    /^\+\+\+ / { delete lo; delete hi; delete fn; bodies(dir "/" $2); next }
    # "@@ -A,B ...": lines A.. replaced, or (B = 0) lines inserted after A;
    # old is the last old line passed.
    /^@@ / { split($2, o, ","); old = -o[1] - (o[2] == "0" ? 0 : 1); next }
    /^ / { old++; next }
    /^-/ { old++; touch(body_of(old)); next }
    /^\+/ {
        # Inserted between old lines "old" and "old + 1": inside a body only
        # if both are in the same one.
        f = body_of(old)
        if (f != "" && f == body_of(old + 1)) touch(f)
        else added_outside(substr($0, 2))
        next
    }
    END {
        if (everything) { print "*"; exit }
        for (f in changed) print f
    }' | sort
