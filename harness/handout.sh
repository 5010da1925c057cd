#!/usr/bin/env bash
# handout.sh BUILD LAB... - write dist/concurrency-labs-student.tar.gz: what
# students get.  Skeletons, visible tests, harness, Makefile and README, plus
# a GitHub Actions workflow that grades each push; never solutions/, hidden tests, mutants (they
# are patches of the solutions) or instructor-only README sections.
set -eu
build=$1
shift
name=concurrency-labs
stage=build/handout/$name
rm -rf build/handout
mkdir -p "$stage" dist

cp Makefile .gitignore "$stage/"
cp -r harness "$stage/"
mkdir -p "$stage/labs"
for lab in "$@"; do cp -r "labs/$lab" "$stage/labs/"; done
mkdir -p "$stage/plots" "$stage/tests"
cp plots/README.md "$stage/plots/"
cp -r tests/run.sh tests/tools "$stage/tests/"
# README without the parts marked for instructors.
sed '/<!-- instructor-only -->/,/<!-- \/instructor-only -->/d' README.md > "$stage/README.md"
mkdir -p "$stage/.github/workflows"
cp harness/github/grade.yml "$stage/.github/workflows/grade.yml"

tar -czf "dist/$name-student.tar.gz" -C build/handout "$name"
echo "handout: dist/$name-student.tar.gz ($(du -h "dist/$name-student.tar.gz" | cut -f1)):" \
     "$(find "$stage" -type f | wc -l) files, no solutions, no hidden tests"
