#!/usr/bin/env python3
"""Classroom 50 autograder for the concurrency labs, written by `make classroom50`.

Classroom 50's runner starts this in the student's checkout with CLASSROOM,
ASSIGNMENT, SUBMISSION_TAG, COMMIT_URL, RELEASE_URL and REVIEW_URL set; it
must leave ./result.json (schema classroom50/result/v1) and exit 0 whenever
grading ran (foundation50/classroom50, wiki/Advanced-Autograding.md).  The
work is the kit's: kit/harness/scripts/classroom50/grade.sh, beside this file.
"""
import pathlib
import subprocess
import sys

grade = pathlib.Path(__file__).resolve().parent / "kit" / "harness" / "scripts" / "classroom50" / "grade.sh"
sys.exit(subprocess.run(["bash", str(grade)], check=False).returncode)
