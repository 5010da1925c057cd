#!/usr/bin/env bash
# handout.sh BUILD LAB... - write $DIST/concurrency-labs-student.tar.gz: what
# students get.  Skeletons, visible tests, the harness, Makefile and README,
# and a GitHub Actions workflow that grades each push;
# never the reference, hidden tests, mutants (they are patches of the
# reference) or anything an instructor marked as theirs.
#
# Two rules make a handout:
#  - the instructors' scripts (INSTRUCTOR_FILES below) are left out whole;
#  - in every other text file, the lines from a marker line `instructor-only`
#    to a marker line `/instructor-only` (as `<!-- ... -->`, `# ...` or
#    `/* ... */`, alone on its line) are cut; a check of the kit's own
#    tests (tests/checks/) that is then only comments (it needs the
#    reference) is left out.
# It also keeps a pristine copy of each skeleton in tests/skeletons/, for
# `make test`: the student edits labs/, and the kit's own checks must not
# depend on how far they have got.
set -euo pipefail
build=$1
shift
name=concurrency-labs
dist=${DIST:-dist}
stage_root=$(mktemp -d)
trap 'rm -rf "$stage_root"' EXIT
stage=$stage_root/$name
INSTRUCTOR_FILES="harness/scripts/batch.sh harness/scripts/kit_copy.sh harness/scripts/gradescope.sh harness/scripts/gradescope harness/scripts/handout.sh
                  harness/scripts/stress.sh harness/scripts/prairielearn.sh harness/scripts/prairielearn
                  harness/scripts/classroom50.sh harness/scripts/classroom50 harness/scripts/collect.sh
                  tests/tools/reach.sh tests/tools/reach.c tests/tools/changed_functions.sh
                  tests/tools/figures.sh tests/tools/figures_caught.sh tests/tools/measure.sh
                  tests/tools/handout_length.sh"
mkdir -p "$stage" "$dist"

# copy FILE...: into the stage, instructor-only lines cut from text files.
marker='^[[:space:]]*(<!--|#|/\*)[[:space:]]*'
copy() {
    local f
    for f in "$@"; do
        mkdir -p "$stage/$(dirname "$f")"
        if grep -Iq . "$f" 2>/dev/null; then
            sed -E "\\%${marker}instructor-only[[:space:]]*(-->|\\*/)?[[:space:]]*\$%,\\%${marker}/instructor-only%d" \
                "$f" > "$stage/$f"
            chmod --reference="$f" "$stage/$f"
            case $f in tests/checks/*) grep -qv '^#\|^[[:space:]]*$' "$stage/$f" || rm "$stage/$f" ;; esac
        else
            cp -p "$f" "$stage/$f"
        fi
    done
}
is_instructors() { local x; for x in $INSTRUCTOR_FILES; do case $1 in "$x"|"$x"/*) return 0 ;; esac; done; return 1; }

files=(Makefile .gitignore README.md plots/README.md tests/run.sh tests/lib.sh)
while IFS= read -r f; do is_instructors "$f" || files+=("$f"); done < <(find harness tests/tools tests/checks -type f | sort)
for lab in "$@"; do while IFS= read -r f; do files+=("$f"); done < <(find "labs/$lab" -type f | sort); done
copy "${files[@]}"

for lab in "$@"; do
    mkdir -p "$stage/tests/skeletons/$lab"
    for f in $(harness/scripts/student_files.sh "$lab"); do cp "labs/$lab/$f" "$stage/tests/skeletons/$lab/"; done
done
mkdir -p "$stage/.github/workflows"
cp harness/scripts/github/grade.yml "$stage/.github/workflows/grade.yml"

tar -czf "$dist/$name-student.tar.gz" -C "$stage_root" "$name"
echo "handout: $dist/$name-student.tar.gz ($(du -h "$dist/$name-student.tar.gz" | cut -f1)):" \
     "$(find "$stage" -type f | wc -l) files, no reference, no hidden tests"
