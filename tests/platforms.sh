#!/usr/bin/env bash
# platforms.sh - the instructor platforms' bundles alone, each in a
# simulated environment (tests/checks/3N-platform-*.sh): GitHub Actions,
# PrairieLearn, Classroom 50, Gradescope, and hostile output through them
# all.  `make test` runs them with everything else.
exec "$(dirname "$0")/run.sh" 00-tools platform
