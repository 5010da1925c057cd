#!/usr/bin/env bash
# deps.sh [--for-tests|--for-instructors|--for-bench] - install what the kit
# needs and is missing, from Debian's packages (the names are the same on
# Ubuntu).  As root it uses apt-get; otherwise sudo when there is one;
# otherwise it stops and prints the one command to run.
#   (none)             a C toolchain with the C library's headers, pkg-config,
#                      check, jansson (every JSON file the grader reads or
#                      writes) and gnuplot: what `make` and `make plots` need
#   --for-bench        adds the benchmarks' peers: python3 and GLib
#   --for-instructors  adds zip and unzip (bundles, .zip submissions) and jq
#                      (PrairieLearn's info.json)
#   --for-tests        all of the above, plus clang with its sanitizer
#                      runtime (every lab must build under both compilers),
#                      git (mutants are patches), python3-yaml (the GitHub
#                      workflow is parsed), jq (the checks read JSON fields),
#                      libxml2-utils (xmllint: is junit.xml well-formed) and
#                      universal-ctags (where each C function ends)
set -euo pipefail

want=${1:-}
missing=()
need() { missing+=("$@"); }
for_bench=no for_instructors=no
case $want in
    --for-tests) for_bench=yes for_instructors=yes
        command -v clang >/dev/null 2>&1 || need clang
        ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.tsan-x86_64.a >/dev/null 2>&1 \
            || [ "$(uname -m)" != x86_64 ] || need libclang-rt-dev
        command -v git >/dev/null 2>&1 || need git
        { python3 -c 'import yaml' || /usr/bin/python3 -c 'import yaml'; } >/dev/null 2>&1 || need python3-yaml
        command -v jq >/dev/null 2>&1 || need jq
        command -v xmllint >/dev/null 2>&1 || need libxml2-utils
        ctags --version 2>/dev/null | grep -q Universal || need universal-ctags ;;
    --for-bench) for_bench=yes ;;
    --for-instructors) for_instructors=yes ;;
    "") ;;
    *) echo "usage: deps.sh [--for-tests|--for-instructors|--for-bench]" >&2; exit 2 ;;
esac
if [ $for_instructors = yes ]; then
    command -v zip >/dev/null 2>&1 || need zip
    command -v unzip >/dev/null 2>&1 || need unzip
    command -v jq >/dev/null 2>&1 || need jq
fi
if [ $for_bench = yes ]; then
    command -v python3 >/dev/null 2>&1 || need python3
    pkg-config --exists glib-2.0 2>/dev/null || need libglib2.0-dev
fi

# A compiler is not a toolchain: Debian's gcc, installed without its
# recommends, comes without the C library's headers (libc6-dev), and then
# the first #include fails.  So compile a program that uses them.
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || need gcc
compiles() { # FLAGS...: does a threaded C11 program build with them?
    local dir rc; dir=$(mktemp -d) || return 1
    printf '#include <dirent.h>\n#include <pthread.h>\n#include <stdio.h>\nint main(void){return 0;}\n' > "$dir/t.c"
    "$cc" -std=c11 -pthread "$@" "$dir/t.c" -o "$dir/t" >/dev/null 2>&1 && rc=0 || rc=1
    rm -rf "$dir"; return $rc
}
if command -v "$cc" >/dev/null 2>&1; then
    compiles || need libc6-dev
    # ThreadSanitizer's runtime ships with gcc on Debian; check it links.
    if compiles && ! compiles -fsanitize=thread; then
        case "$("$cc" --version 2>/dev/null)" in
            *clang*) need libclang-rt-dev ;;
            *) need libtsan2 ;;
        esac
    fi
else
    need libc6-dev
fi
# The build merges and vets the student's objects (ld, objcopy), and
# feedback names lines (addr2line): binutils, which gcc brings along.
command -v objcopy >/dev/null 2>&1 && command -v addr2line >/dev/null 2>&1 || need binutils
command -v pkg-config >/dev/null 2>&1 || need pkg-config
pkg-config --exists check 2>/dev/null || need check
pkg-config --exists jansson 2>/dev/null || need libjansson-dev
command -v gnuplot >/dev/null 2>&1 || need gnuplot-nox

[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    run() { "$@"; }
elif command -v sudo >/dev/null 2>&1; then
    run() { sudo "$@"; }
else
    echo "deps: missing ${missing[*]}; as root, run:" >&2
    echo "    apt-get update && $cmd" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/concurrency-labs-apt.XXXXXX.log)
if ! { run apt-get update -qq && run $cmd -qq; } >"$log" 2>&1; then
    echo "deps: the install failed (log: $log). Run:" >&2
    echo "    sudo apt-get update && sudo $cmd" >&2
    exit 1
fi
rm -f "$log"
echo "deps: installed ${missing[*]}"
