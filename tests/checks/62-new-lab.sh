#!/usr/bin/env bash
# 62-new-lab.sh - a new lab is folders only: harness/README.md's "Adding a
# lab", walked step by step in a copy of the kit that holds one lab, the
# smallest there is (tests/new-lab: one student file, one test, a mutant, a
# timing driver and its chart), numbered after the kit's last: its folders
# go in, and then it builds warning-free and unvetted, its handout's facts
# hold, its skeleton differs from its solution only in bodies, the
# reference scores full marks and the skeleton 0, its mutant is caught, its
# chart is drawn, it is packaged (make handout, a Gradescope bundle), and
# tests/tools/figures.sh puts it into README's lab table and the counts.
# The copy is removed at the end; nothing outside the three folders was
# told of the lab.
# Lane: new-lab
# instructor-only
. "$(dirname "$0")/../lib.sh"
last=$(cd labs && ls -d [0-9][0-9]-* | tail -1)
lab=$(printf '%02d-sum' $((10#${last%%-*} + 1)))
section "A new lab is folders only: harness/README.md's checklist, walked for $lab in a copy of the kit"
k=$PWD/$T/new-lab
rm -rf "$k" && mkdir -p "$k/labs" "$k/solutions" "$k/tests/mutants" "$k/plots"
cp -r Makefile README.md .gitignore harness "$k/"
cp plots/README.md "$k/plots/"
cp solutions/README.md solutions/figures.tsv "$k/solutions/"   # the guide and the record
cp -r tests/run.sh tests/lib.sh tests/mutant.sh tests/tools "$k/tests/"
# Step 1-3: the lab's three folders, and nothing else.
cp -r tests/new-lab/labs/sum "$k/labs/$lab"
cp -r tests/new-lab/solutions/sum "$k/solutions/$lab"
cp -r tests/new-lab/tests/mutants/sum "$k/tests/mutants/$lab"
chmod -R a+rX "$k"
cd "$k"
export T=build/test KIT_BUILD=build/kit-gcc LABS=$lab FIRST_LAB=$lab   # the copy's own

# step NAME COMMAND...: one step of the checklist, ✓ or ✗ with its output.
step() {
    local name=$1 out; shift
    if out=$("$@" 2>&1); then ok "$lab, $name"; else bad "$lab, $name" "$out"; fi
}
clean_build() {
    make -s --no-print-directory build SRC=solutions BUILD=build/ref LAB=$lab &&
        make -s --no-print-directory build BUILD=build/skel LAB=$lab PASSES=tests &&
        [ -x build/ref/$lab/tests ] && [ -x build/ref/$lab/tests-tsan ] && [ -x build/ref/$lab/tests-asan ] &&
        [ -x build/skel/$lab/tests ] &&
        ! grep -s . build/ref/$lab/*.log build/ref/$lab/*.vet build/skel/$lab/*.log build/skel/$lab/*.vet
}
# grades SRC BUILD WANT [ARGS...]: grade SRC; the terminal's TOTAL line begins "TOTAL WANT".
grades() {
    make -s --no-print-directory grade-now SRC=$1 BUILD=$2 GRADE_OUT=build/grade-$1 LAB=$lab "${@:4}" \
        > build/$1.out 2>&1 && grep "^TOTAL $3" build/$1.out || { tail -20 build/$1.out; return 1; }
}
skeleton_zero() {
    grades labs build/skel 0/100 PASSES=tests &&
        grep -q "not implemented: sum_on_threads (labs/$lab/sum.c:[0-9]*)" build/labs.out
}
charted() {
    PLOTS_QUICK=1 PLOTS_DIR=build/plots make -s --no-print-directory plots-now SRC=solutions BUILD=build/ref \
        LAB=$lab && [ -s build/plots/$lab.png ]
}
packaged() {
    local handout bundle
    make -s --no-print-directory handout DIST=build/dist BUILD=build/skel LAB=$lab &&
        make -s --no-print-directory gradescope DIST=build/dist LAB=$lab || return 1
    handout=$(tar -tzf build/dist/concurrency-labs-student.tar.gz) bundle=$(unzip -Z1 build/dist/gradescope-autograder.zip)
    grep -qx "concurrency-labs/labs/$lab/sum.c" <<< "$handout" && ! grep -q "solutions/" <<< "$handout" &&
        grep -qx "kit/labs/$lab/tests/1-sum.c" <<< "$bundle"
}
tests/tools/handout_facts.sh --fix $lab > /dev/null   # the checklist's way to fill in grading.md and schedules.md
# figures.sh write: the lab's row in README's lab table, and every count.
in_the_figures() {
    tests/tools/figures.sh write > /dev/null && tests/tools/figures.sh check &&
        grep -qF "| [$lab](labs/$lab/README.md) |" README.md && grep -qF "| $lab |" solutions/README.md
}
step "builds warning-free under gcc, nothing vetted" clean_build
step "its handout's points table and grading paragraph hold" tests/tools/handout_facts.sh $lab
step "figures.sh write puts it in README's lab table and the counts, and figures.sh check holds" in_the_figures
step "skeleton and solution differ only in bodies" tests/tools/same_outside_bodies.sh labs/$lab/sum.c solutions/$lab/sum.c
step "the reference scores full marks" grades solutions build/ref "100/100"
step "the skeleton scores 0, naming what to write" skeleton_zero
step "its mutant is caught" bash tests/mutant.sh tests/mutants/$lab/last-slice-short.patch
step "make plots draws its chart" charted
step "make handout and make gradescope package it" packaged
cd - > /dev/null
rm -rf "$k"
# /instructor-only
