#!/usr/bin/env bash
# 01-compile.sh - every lab builds warning-free under gcc and clang, the
# reference and the skeletons, and the vetting (harness/grader/vet.c) finds
# nothing in them, not even for review.  The gcc builds are where the
# gradings of later checks look ($T/reference/build, $T/skeleton/build).
. "$(dirname "$0")/../lib.sh"
section "Every lab builds warning-free under gcc and clang (-Wall -Wextra), and the vetting finds nothing"

# unclean DIR PASSES: each binary that did not build, or whose log or
# vetting says anything (the student's files compile without -Werror: a
# warning is feedback, not a zero, so it is read from the build's logs).
unclean() {
    local lab bin
    for lab in $LABS; do
        for bin in $2; do
            [ -x "$1/$lab/$bin" ] && [ ! -s "$1/$lab/$bin.log" ] && [ ! -s "$1/$lab/$bin.vet" ] ||
                echo "$lab/$bin: $(head -c 400 "$1/$lab/$bin.log" "$1/$lab/$bin.vet" 2>/dev/null || true)"
        done
    done
}

# HANDOUT_QUICK=1 (the handout check inside the kit's own tests): gcc only.
for compiler in gcc $([ "${HANDOUT_QUICK:-0}" = 1 ] || echo clang); do
    if ! command -v $compiler > /dev/null; then bad "$compiler is not installed"; continue; fi
    for src in $REFERENCE $SKELETONS; do
        # gcc builds where the gradings will look; only the plain and
        # ThreadSanitizer binaries are checked here (gcc's warnings depend on
        # the optimiser, so both).  clang's come from its front end, the same
        # at any -O and with any sanitizer: its plain build is the check.
        name=$([ "$src" = "$REFERENCE" ] && echo reference || echo skeleton)
        b=$T/$name/build passes="tests tests-tsan"
        [ $compiler = gcc ] || { b=$T/cc-$compiler-$name; passes=tests; }
        if ! out=$(make -s -j"$JOBS" --no-print-directory build CC=$compiler SRC=$src BUILD=$b \
                   KIT_BUILD=$T/kit-$compiler LABS="$LABS" PASSES="$passes" 2>&1); then
            bad "$compiler: the kit itself does not build" "$out"; continue
        fi
        missing=$(unclean "$b" "$passes")
        if [ -z "$missing" ]; then ok "$compiler: $src compile cleanly, nothing vetted"
        else bad "$compiler: $src do not compile cleanly, or the vetting flagged them" "$missing"; fi
        # The first build of the kit's objects is the one that would print.
        [ $compiler != gcc ] || [ "$src" != "${REFERENCE:-$SKELETONS}" ] || {
            [ -z "$out" ] && ok "make -s prints nothing while it builds" || bad "make -s printed" "$(head -5 <<< "$out")"; }
    done
done
