#!/usr/bin/env bash
# 31-platform-actions.sh - the GitHub Actions workflow: no trace of GitHub
# Classroom's retired autograding actions; the workflow parses as YAML,
# grades once, and always writes its summary and uploads the results; its
# summary step, run on a real results.json, shows a row per visible test and
# the total, flags a forging skeleton, and fails without results.
# Lane: packaging
# instructor-only
. "$(dirname "$0")/../lib.sh"
section "Instructor platforms: GitHub Actions"
P=$(fresh platforms/actions)
kit_build=KIT_BUILD=$PWD/$T/platforms-kit

# (the names are split so that this file does not contain them)
hits=$(git ls-files -z 2>/dev/null | xargs -0 grep -l -e "classroom-resources/""autograding" \
       -e "education/""autograding" -e "autograding-""command-grader" 2>/dev/null || true)
[ -z "$hits" ] && ok "no file refers to GitHub Classroom's autograding actions" \
    || bad "files still use Classroom's autograding actions" "$hits"

# python3 with yaml (deps.sh --for-tests installs python3-yaml): pyenv's may lack it, Debian's has it.
py=python3
python3 -c 'import yaml' 2>/dev/null || py=/usr/bin/python3
if ! out=$("$py" - harness/scripts/github/grade.yml "$P/summary-step.sh" <<'PY' 2>&1
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
steps = doc["jobs"]["grade"]["steps"]
uses = [s.get("uses", "") for s in steps]
assert any(u.startswith("actions/checkout@") for u in uses), "no checkout step"
upload = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
assert upload and "build/grade/" in upload[0]["with"]["path"] and "plots/" in upload[0]["with"]["path"], \
    "no upload of build/grade/ and the charts"
runs = [s.get("run", "") for s in steps]
assert any("deps.sh" in r for r in runs), "no step installs the packages"
assert sum("make grade" in r for r in runs) == 1, "grading does not run exactly once"
summary = [s for s in steps if "GITHUB_STEP_SUMMARY" in s.get("run", "")]
assert summary and summary[0].get("if") == "always()", "no summary step that always runs"
grade = [i for i, s in enumerate(steps) if "make grade" in s.get("run", "")][0]
for s in steps[grade + 1:]:
    assert s.get("if") == "always()", "a step after grading does not always run: " + s.get("name", "?")
open(sys.argv[2], "w").write(summary[0]["run"])
print(len(steps), "steps")
PY
); then
    bad "the workflow" "$out"
    exit 0
fi
ok "the workflow parses as YAML: $out, grades once, summary and artifacts always"

# summary GRADE_OUT MD: run the workflow's summary step; its exit status.
summary() { GITHUB_STEP_SUMMARY=$2 GRADE_OUT=$1 bash -e "$P/summary-step.sh" > "$P/step.log" 2>&1; }

# A real results.json: the reference's, plain pass (visible and hidden tests).
make -s --no-print-directory grade-now SRC=solutions BUILD="$P/gh-build" GRADE_OUT="$P/gh/grade" \
    LABS="$FIRST_LAB" PASSES=tests "$kit_build" > "$P/gh.log" 2>&1 || true
rc=0 && summary "$P/gh/grade" "$P/gh-summary.md" || rc=$?
visible=$(tsv_awk 'visibility == "visible" { n++ } END { print n + 0 }' "$P/gh/grade/results.tsv" || true)
total=$(tsv_awk 'visibility == "visible" { s += score; m += max } END { print s "/" m }' "$P/gh/grade/results.tsv" || true)
rows=$(grep -c '^| `' "$P/gh-summary.md" 2>/dev/null || true)
[ $rc = 0 ] && [ "$rows" = "$visible" ] && grep -q "^\*\*Total: $total\*\*" "$P/gh-summary.md" \
    && ok "the workflow's summary step on a real results.json: a row per visible test ($rows), Total: $total" \
    || bad "the summary step (exit $rc, $rows rows for $visible tests)" "$(cat "$P/step.log" "$P/gh-summary.md" | head -20)"

# The same step on a skeleton that forges records: the lab is flagged.
forger "$P/gh-forge" "$FIRST_LAB"
make -s --no-print-directory grade-now SRC="$P/gh-forge" BUILD="$P/gh-forge-build" GRADE_OUT="$P/gh-forge-grade" \
    LABS="$FIRST_LAB" PASSES=tests "$kit_build" > "$P/gh-forge.log" 2>&1 || true
rc=0 && summary "$P/gh-forge-grade" "$P/gh-forge.md" || rc=$?
[ $rc = 0 ] && grep -q "^\*\*Flagged: every test of this lab scores 0.\*\* .*a constructor" "$P/gh-forge.md" &&
    grep -q "^\*\*Total: 0/" "$P/gh-forge.md" \
    && ok "the summary step on a skeleton that forges records: Total 0, the lab flagged with what was found" \
    || bad "the summary step on the forging skeleton (exit $rc)" "$(head -12 "$P/gh-forge.md" 2>/dev/null)"

rc=0 && summary "$P/nowhere" "$P/gh-none.md" || rc=$?
[ $rc != 0 ] && grep -q "could not run" "$P/gh-none.md" \
    && ok "without results.json, the summary says grading could not run, and the step fails" \
    || bad "the summary step without results.json did not fail"
# /instructor-only
