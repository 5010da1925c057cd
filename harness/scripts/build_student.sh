#!/usr/bin/env bash
# build_student.sh OUT VARIANT CFLAGS STUDENT GIVEN TESTS KIT LDFLAGS - build one
# program from the student's files and the kit's: a test program (one pass)
# or a timing driver.  lab.mk calls it; CC and VET come from the environment.
#
#   OUT      the program; the compiler's and linker's messages go to OUT.log,
#            the vetting's findings to OUT.vet
#   VARIANT  plain, tsan or asan (a test program's pass), or bench
#   CFLAGS   the kit's flags for this variant, -Werror included
#   STUDENT  the student's .c files: compiled without -Werror, so that a
#            warning is feedback (the grader shows OUT.log's), never a zero
#   GIVEN    the given code the student may call, and STUDENT_EXTRA: .c
#            files, compiled like the kit's; any flags apply to every file
#   TESTS    the lab's tests (or timing driver): objects, or .c files to
#            compile (-Werror); what they call of the student's is the API
#   KIT      the harness's side (runner, tracker; the driver's kit): the same,
#            and the student may call none of it but not_implemented and
#            sched_atomic (the scheduler's hook that sched_atomic.h adds)
#   LDFLAGS  the link's options and libraries
# SHARED_LIBS: the C library's and libm's shared objects (for the vetting).
#
# Nothing of the student's may run in the process that keeps the verdicts
# (harness/README.md, "What a submission can do"), so between compiling and
# linking:
#  1. vet (harness/grader/vet.c) reads the student's objects and refuses
#     constructors, destructors, ifuncs, reserved names and calls into the
#     runner, the tracker or another process: then there is no OUT, only
#     OUT.vet saying what and where, and the grader scores the lab 0, flagged;
#  2. the student's objects become one, whose only globals are the lab's API
#     (what the tests, the given code and the driver call): a student
#     function named write, srunner_run_all or index stays the student's own
#     and can never stand in for the C library's, Check's or the kit's.
# A failure leaves no OUT, only its reasons; the script still exits 0, so
# that make goes on to the other labs and the grader turns it into feedback.
set -uo pipefail
out=$1 variant=$2 cflags=$3 student=$4 given=$5 tests=$6 kit=$7 ldflags=$8
dir=$out.objects
rm -rf "$out" "$out.log" "$out.vet" "$dir"
mkdir -p "$dir"
log=$out.log
: > "$log"

# GIVEN's words: its .c files are given code, the rest are flags for all.
given_c=() extra=()
for w in $given; do case $w in *.c) given_c+=("$w") ;; *) extra+=("$w") ;; esac; done
student_flags=()
for w in $cflags; do [ "$w" = -Werror ] || student_flags+=("$w"); done

ok=1 student_o=() given_o=() kit_o=() n=0
for f in $student; do
    o=$dir/student-$(basename "$f" .c).o
    # shellcheck disable=SC2086  # flags are words
    $CC "${student_flags[@]}" "${extra[@]}" -c "$f" -o "$o" 2>> "$log" || ok=0
    student_o+=("$o")
done
for f in "${given_c[@]}"; do
    o=$dir/given-$((n += 1))-$(basename "$f" .c).o
    # shellcheck disable=SC2086
    $CC $cflags "${extra[@]}" -c "$f" -o "$o" 2>> "$log" || ok=0
    given_o+=("$o")
done
# kit_side LIST ARRAY: compile LIST's .c files (-Werror), keep its objects.
kit_side() {
    local -n into=$2
    local f o
    for f in $1; do
        case $f in
            *.c) o=$dir/kit-$((n += 1))-$(basename "$f" .c).o
                 # shellcheck disable=SC2086
                 $CC $cflags -c "$f" -o "$o" 2>> "$log" || ok=0
                 into+=("$o") ;;
            *) into+=("$f") ;;
        esac
    done
}
tests_o=()
kit_side "$tests" tests_o
kit_side "$kit" kit_o
[ $ok = 1 ] || exit 0

vet_args=(--variant "$variant" --api "$dir/api")
for o in "${tests_o[@]}"; do vet_args+=(--tests "$o"); done
for o in "${kit_o[@]}"; do vet_args+=(--kit "$o"); done
for o in "${given_o[@]}"; do vet_args+=(--given "$o"); done
# The shared C library and libm (SHARED_LIBS, from lab.mk): their names are
# never the lab's API.
for lib in ${SHARED_LIBS:-}; do [ -f "$lib" ] && vet_args+=(--lib "$lib"); done
rc=0
"$VET" "${vet_args[@]}" -- "${student_o[@]}" > "$out.vet" 2>> "$log" || rc=$?
if [ $rc = 2 ]; then
    echo "(the kit could not read these objects to vet them: see above)" >> "$log"
    exit 0
fi
[ $rc = 0 ] || exit 0

# One object (-d gives common symbols their space now, so that they can be
# made local), whose globals are the API's alone.
if [ ${#student_o[@]} -gt 1 ]; then
    ld -r -d -o "$dir/merged.o" "${student_o[@]}" 2>> "$log" || exit 0
else
    cp "${student_o[0]}" "$dir/merged.o"
fi
objcopy --keep-global-symbols="$dir/api" "$dir/merged.o" "$dir/student.o" 2>> "$log" || exit 0
# shellcheck disable=SC2086
$CC $cflags "$dir/student.o" "${given_o[@]}" "${tests_o[@]}" "${kit_o[@]}" $ldflags -o "$out" 2>> "$log" || rm -f "$out"
exit 0
