# Concurrency labs: threads, races, locks, the GIL, thread and process pools.
# `make` installs what is missing, builds and grades; `make help` lists the rest.

SHELL := /bin/bash
.DEFAULT_GOAL := all

ALL_LABS := $(sort $(notdir $(wildcard labs/[0-9][0-9]-*)))

# The variables a student may set; `make help` prints these lines, and a
# lab's own from its compare.sh.
#: LAB=01-threads    one lab only (LAB=threads and LAB=01 work too)
#: ONLY=test,...     only these tests: the quickest way to iterate on one
#: SRC=DIR           grade, plot or bench DIR, a tree laid out like labs/ (default: labs)
#: TEST_LABS="01-threads 02-races"   make test for some labs only
#: CC=clang          build with another compiler
#: NO_COLOR=1        feedback without colours
#: PLOTS_QUICK=1     make plots in seconds: one pass, few rounds (noisier charts)
#: PLOTS_PASSES=N    make plots: take the 21 rounds in N passes (default 21, one a pass)
#: SEED=pct2-40-1f3a9c   make replay: the schedule to run again (with LAB= and ONLY=)
#: PASS=tsan         make replay: replay in that pass (plain, tsan or asan; default plain)
# instructor-only
#: SUBMISSION=DIR    grade a submission anywhere (same as SRC=DIR, its own build folder)
#: HIDDEN=show       also print the hidden tests' feedback
#: AUTOLAB=1         end with Autolab's score line
#: SUBMISSIONS=DIR JOBS=N   make batch: a class, N submissions at a time
#: N=100             make stress: how many gradings
#: PASSES="tests tests-tsan"   build and run only these passes
#: LAB_JOBS=N        how many labs one grading takes side by side (default: two a core)
# /instructor-only

# What to grade: SRC is a tree laid out like labs/ (labs, or any folder).
SRC ?= labs
ifdef SUBMISSION
SRC := $(abspath $(SUBMISSION))
BUILD ?= build/submission
endif
BUILD ?= build/$(SRC)
GRADE_OUT ?= build/grade
# Where charts and bundles go; the kit's own tests point them into build/
# so that they never replace a student's charts or an instructor's bundles.
PLOTS_DIR ?= plots
DIST ?= dist
BATCH_OUT ?= build/batch

# LAB=01-threads, LAB=threads or LAB=01 grades one lab.
ifdef LAB
LABS := $(or $(filter $(LAB),$(ALL_LABS)),$(filter %-$(LAB),$(ALL_LABS)),$(filter $(LAB)-%,$(ALL_LABS)))
ifeq ($(LABS),)
$(error LAB=$(LAB) is not a lab; the labs are: $(ALL_LABS))
endif
else
LABS := $(ALL_LABS)
endif

include harness/lab.mk

# The CPUs this process may run on (its affinity mask), for charts, bench and batch.
CORES := $(shell harness/scripts/cores.sh)
comma := ,
GRADER := build/harness/grade
GRADER_SRC := harness/grader/grade.c harness/grader/labstate.c harness/grader/report.c harness/grader/jsontext.c harness/grader/sandbox.c \
              harness/grader/reachable.c harness/grader/rlimits.c harness/grader/cgroup.c harness/testlib/reap.c
# Every JSON file is read and written with jansson (Debian's libjansson-dev).
JANSSON_LIBS := $(or $(shell pkg-config --libs jansson 2>/dev/null),-ljansson)
GRADER_FLAGS := --handouts labs $(if $(AUTOLAB),--autolab) $(if $(filter show,$(HIDDEN)),--show-hidden) \
                $(if $(ONLY),--only $(ONLY)) --passes $(subst $(eval) ,$(comma),$(strip $(PASSES))) \
                $(if $(LAB_JOBS),--jobs $(LAB_JOBS))

.PHONY: all help deps grade build kit test plots bench stress batch handout gradescope clean grade-now plots-now bench-now \
        replay replay-now \
        summary prairielearn classroom50

# Targets that need the packages run deps first, then make themselves again:
# pkg-config can only report check's flags once check is installed.
all: grade


help: ## list the targets and the variables
	@echo "usage: make [target] [VARIABLE=value ...]"
	@echo
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | \
	  awk -F'\t' '{ printf "  make %-13s %s\n", $$1, $$2 }'
	@echo
	@echo "variables:"
	@sed -n 's/^#: /  /p' $(MAKEFILE_LIST) $(wildcard labs/*/compare.sh)

deps: ## install missing Debian packages (check, jansson, gnuplot, pkg-config)
	@harness/scripts/deps.sh

CONVERT := build/harness/convert
$(CONVERT): harness/grader/convert.c harness/grader/jsontext.c harness/grader/jsontext.h
	@mkdir -p $(@D)
	@$(KIT_ECHO) "  CC (kit) $@"
	@$(CC) $(BASE_CFLAGS) -O2 -Iharness/grader harness/grader/convert.c harness/grader/jsontext.c $(JANSSON_LIBS) -o $@

$(GRADER): $(GRADER_SRC) harness/grader/grade.h harness/grader/labstate.h harness/grader/jsontext.h harness/grader/sandbox.h harness/grader/reachable.h harness/grader/rlimits.h harness/grader/cgroup.h harness/testlib/reap.h harness/testlib/testkit.h harness/testlib/names.h
	@mkdir -p $(@D)
	@$(KIT_ECHO) "  CC (kit) $@"
	@$(CC) $(BASE_CFLAGS) -O2 -Iharness/grader -Iharness/testlib $(GRADER_SRC) $(JANSSON_LIBS) -lm -o $@

build: $(lab_binaries) $(GRADER) ## build every lab's test programs without grading
# grade-now, plots-now and bench-now are the work of grade, plots and bench
# once the packages are known to be there.

grade: deps ## install what is missing, build and grade: feedback, results.json, junit.xml
	@$(MAKE) --no-print-directory grade-now

grade-now: build
	@$(GRADER) --build $(BUILD) --out $(GRADE_OUT) $(GRADER_FLAGS) $(LABS)

test: ## run the kit's own tests (tests/), installing what they use (clang, the peers)
	@harness/scripts/deps.sh --for-tests
	@$(MAKE) --no-print-directory build/harness/grade $(VET)
	@tests/run.sh

# make replay LAB=03 ONLY=test SEED=...: one schedule of a schedule test again.
REPLAY_BINARY = $(if $(filter tsan,$(PASS)),tests-tsan,$(if $(filter asan,$(PASS)),tests-asan,tests))

replay: deps ## run a failing schedule again (LAB=, ONLY=, SEED=, PASS=): every step, and a chart in plots/
	@$(MAKE) --no-print-directory replay-now

replay-now:
	@[ -n "$(SEED)" ] && [ -n "$(ONLY)" ] && [ $(words $(LABS)) = 1 ] || \
	  { echo "usage: make replay LAB=NN ONLY=test SEED=pct2-40-1f3a9c [PASS=plain|tsan|asan]" >&2; exit 2; }
	@$(MAKE) --no-print-directory $(BUILD)/$(LABS)/$(REPLAY_BINARY) $(GRADER)
	@PLOTS_DIR="$(PLOTS_DIR)" harness/scripts/replay.sh "$(BUILD)" "$(GRADE_OUT)" $(LABS) $(ONLY) $(SEED) $(or $(PASS),plain)

plots: deps ## time your code and draw each lab's chart in plots/ (and in the terminal)
	@$(MAKE) --no-print-directory plots-now

plots-now: $(foreach lab,$(LABS),$(BUILD)/$(lab)/bench)
	@PLOTS_DIR="$(PLOTS_DIR)" harness/scripts/plots.sh "$(BUILD)" "$(SRC)" "$(CORES)" $(LABS)

# make bench times your code (labs/, or SRC=); in the instructors' kit it
# times the reference unless SRC= says otherwise.  BENCH_WHO labels its row.
# instructor-only
BENCH_DEFAULT := $(REFERENCE)
# /instructor-only
BENCH_SRC := $(if $(filter file,$(origin SRC)),$(or $(BENCH_DEFAULT),$(SRC)),$(SRC))
BENCH_WHO := $(if $(and $(REFERENCE),$(filter $(REFERENCE),$(SRC))),this lab's reference,your code ($(SRC)))
BENCH_LABS := $(foreach lab,$(LABS),$(if $(wildcard labs/$(lab)/compare.sh),$(lab)))

bench: deps ## time your code against its peers (Python, GLib) and print the ratios
	@harness/scripts/deps.sh --for-bench
	@$(MAKE) --no-print-directory bench-now SRC=$(BENCH_SRC)

bench-now: $(foreach lab,$(BENCH_LABS),$(BUILD)/$(lab)/bench)
	@for lab in $(BENCH_LABS); do echo "== $$lab"; \
	  BENCH_WHO="$(BENCH_WHO)" labs/$$lab/compare.sh $(BUILD)/$$lab || exit 1; done

summary: $(CONVERT) ## print build/grade/results.json as markdown tables (GitHub's job summary)
	@if [ -s $(GRADE_OUT)/results.json ]; then $(CONVERT) summary $(GRADE_OUT)/results.json; \
	 else echo "Grading could not run: no $(GRADE_OUT)/results.json (see make grade's output)."; exit 1; fi

# instructor-only
kit: $(kit_objects) $(GRADER) $(CONVERT) $(VET) ## build the kit's side of every test program (before parallel grading)

handout: deps ## write dist/concurrency-labs-student.tar.gz: skeletons, visible tests, no reference
	@$(MAKE) --no-print-directory $(foreach lab,$(LABS),$(BUILD)/$(lab)/list) SRC=labs
	@DIST="$(DIST)" harness/scripts/handout.sh $(BUILD) $(LABS)

gradescope: deps ## write dist/gradescope-autograder.zip (setup.sh, run_autograder, hidden tests)
	@harness/scripts/deps.sh --for-instructors
	@DIST="$(DIST)" harness/scripts/gradescope.sh $(LABS)

prairielearn: deps ## write dist/prairielearn/: a question per lab, the kit in serverFilesCourse/
	@harness/scripts/deps.sh --for-instructors
	@DIST="$(DIST)" harness/scripts/prairielearn.sh $(LABS)

classroom50: deps ## write dist/classroom50/: an autograder.py that writes Classroom 50's result.json
	@DIST="$(DIST)" harness/scripts/classroom50.sh $(LABS)

batch: deps ## grade a class: SUBMISSIONS=DIR [JOBS=N] -> build/batch/gradebook.csv
	@[ -n "$(SUBMISSIONS)" ] || { echo "usage: make batch SUBMISSIONS=DIR [JOBS=N]" >&2; exit 2; }
	@harness/scripts/deps.sh --for-instructors
	@$(MAKE) --no-print-directory kit
	@BATCH_OUT="$(BATCH_OUT)" harness/scripts/batch.sh "$(SUBMISSIONS)" "$(or $(JOBS),$(CORES))" $(LABS)

stress: deps ## grade the reference N times (N=100) with every core busy; count false failures
	@$(MAKE) --no-print-directory build SRC=$(REFERENCE)
	@harness/scripts/stress.sh $(or $(N),100)
# /instructor-only

clean: ## remove build outputs: build/, dist/ and your charts (plots/*.png, plots/data/)
	rm -rf build dist plots/*.png plots/data
