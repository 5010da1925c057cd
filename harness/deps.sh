#!/usr/bin/env bash
# deps.sh [--for-tests|--for-instructors] - install what the kit needs and is
# missing, from Debian's packages.  As root it uses apt-get; otherwise sudo
# when there is one; otherwise it stops and prints the one command to run.
# --for-tests adds what the kit's own tests need: clang (every lab must build
# under both compilers) with its sanitizer runtime, git (mutants are
# patches), zip/unzip (handout and Gradescope bundles are tested) and
# python3-yaml (the GitHub workflow is parsed).
# --for-instructors adds zip and unzip, for Gradescope bundles and .zip
# submissions.
set -u

missing=()
if [ "${1:-}" = --for-tests ]; then
    command -v clang >/dev/null 2>&1 || missing+=(clang)
    ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.tsan-x86_64.a >/dev/null 2>&1 \
        || [ "$(uname -m)" != x86_64 ] || missing+=(libclang-rt-dev)
    command -v git >/dev/null 2>&1 || missing+=(git)
    # The GitHub workflow is checked by parsing it (tests/platforms.sh).
    { python3 -c 'import yaml' || /usr/bin/python3 -c 'import yaml'; } >/dev/null 2>&1 || missing+=(python3-yaml)
fi
if [ "${1:-}" = --for-tests ] || [ "${1:-}" = --for-instructors ]; then
    command -v zip >/dev/null 2>&1 || missing+=(zip)
    command -v unzip >/dev/null 2>&1 || missing+=(unzip)
fi
command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists check 2>/dev/null || missing+=(check)
command -v gnuplot >/dev/null 2>&1 || missing+=(gnuplot-nox)

# ThreadSanitizer's runtime ships with gcc on Debian; check it links.
tsan_ok() {
    local out; out=$(mktemp -d) || return 1
    printf 'int main(void){return 0;}\n' > "$out/t.c"
    ${CC:-cc} -fsanitize=thread "$out/t.c" -o "$out/t" >/dev/null 2>&1
    local ok=$?; rm -rf "$out"; return $ok
}
if command -v "${CC:-cc}" >/dev/null 2>&1 && ! tsan_ok; then
    case "$(${CC:-cc} --version 2>/dev/null)" in
        *clang*) missing+=(libclang-rt-dev) ;;
        *) missing+=(libtsan2) ;;
    esac
fi

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
if ! { run apt-get update -qq && run $cmd -qq; } >/tmp/concurrency-labs-apt.log 2>&1; then
    echo "deps: the install failed (log: /tmp/concurrency-labs-apt.log). Run:" >&2
    echo "    sudo apt-get update && sudo $cmd" >&2
    exit 1
fi
echo "deps: installed ${missing[*]}"
