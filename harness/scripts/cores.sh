#!/usr/bin/env bash
# cores.sh - how many CPUs this process may run on: the kit's one count of
# "the cores" for shell and make (charts, benchmarks, make batch's JOBS,
# make stress, make test).  nproc reads the affinity mask, as Python 3.13's
# os.process_cpu_count() and the tests' usable_cores() (harness/testlib/testkit.h)
# do, so taskset and a container's cpuset count; the OpenMP variables that
# nproc also obeys are not about CPUs, so they are ignored.
set -euo pipefail
env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo 1
