# Concurrency labs: threads, races, locks, the GIL, thread and process pools.
# `make` installs what is missing, builds and grades; `make help` lists the rest.

SHELL := /bin/bash
.DEFAULT_GOAL := all

ALL_LABS := $(sort $(notdir $(wildcard labs/[0-9][0-9]-*)))

# What to grade: SRC is a tree laid out like labs/ (labs, solutions, or any
# folder); SUBMISSION=DIR is the same for instructors, DIR anywhere.
SRC ?= labs
ifdef SUBMISSION
SRC := $(abspath $(SUBMISSION))
BUILD ?= build/submission
endif
BUILD ?= build/$(SRC)
GRADE_OUT ?= build/grade

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
CORES := $(shell harness/cores.sh)
comma := ,
GRADER := build/harness/grade
GRADER_SRC := harness/grade.c harness/report.c harness/sandbox.c harness/rlimits.c harness/cgroup.c harness/reap.c
GRADER_FLAGS := $(if $(AUTOLAB),--autolab) $(if $(filter show,$(HIDDEN)),--show-hidden) \
                $(if $(ONLY),--only $(ONLY)) --passes $(subst $(eval) ,$(comma),$(strip $(PASSES)))

.PHONY: all help deps grade build kit test plots bench stress batch handout gradescope clean grade-now plots-now bench-now

# Targets that need the packages run deps first, then make themselves again:
# pkg-config can only report check's flags once check is installed.
all: grade


help: ## list the targets
	@echo "usage: make [target] [LAB=01-threads|threads] [SRC=labs|solutions] [SUBMISSION=DIR]"
	@echo
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | \
	  awk -F'\t' '{ printf "  make %-12s %s\n", $$1, $$2 }'
	@echo
	@echo "  AUTOLAB=1 also prints Autolab's score line; HIDDEN=show prints hidden tests."

deps: ## install missing Debian packages (check, gnuplot, pkg-config)
	@harness/deps.sh

$(GRADER): $(GRADER_SRC) harness/grade.h harness/sandbox.h harness/rlimits.h harness/cgroup.h harness/reap.h harness/testkit.h
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -O2 -Iharness $(GRADER_SRC) -o $@

build: $(lab_binaries) $(GRADER) ## build every lab's test programs without grading

# grade-now, plots-now and bench-now are the work of grade, plots and bench
# once the packages are known to be there.

kit: $(kit_objects) $(GRADER) ## build the kit's side of every test program (before parallel grading)

grade: deps ## install what is missing, build and grade: feedback, results.json, junit.xml
	@$(MAKE) --no-print-directory grade-now

grade-now: build
	@$(GRADER) --build $(BUILD) --out $(GRADE_OUT) $(GRADER_FLAGS) $(LABS)

test: ## run the kit's own tests (tests/), installing clang for them if missing
	@harness/deps.sh --for-tests
	@$(MAKE) --no-print-directory build/harness/grade
	@tests/run.sh

plots: deps ## run each lab's timing driver and draw its chart in plots/
	@$(MAKE) --no-print-directory plots-now

plots-now: $(foreach lab,$(LABS),$(BUILD)/$(lab)/bench)
	@harness/plots.sh "$(BUILD)" "$(SRC)" "$(CORES)" $(LABS)

# The benchmark measures the reference unless SRC= says otherwise.
BENCH_SRC := $(if $(filter file,$(origin SRC))$(wildcard solutions),solutions,$(SRC))
BENCH_LABS := $(foreach lab,$(LABS),$(if $(wildcard labs/$(lab)/compare.sh),$(lab)))

bench: deps ## benchmark the reference against its peers (Python, GLib) and print ratios
	@$(MAKE) --no-print-directory bench-now SRC=$(BENCH_SRC)

bench-now: $(foreach lab,$(BENCH_LABS),$(BUILD)/$(lab)/bench)
	@for lab in $(BENCH_LABS); do echo "== $$lab"; labs/$$lab/compare.sh $(BUILD)/$$lab || exit 1; done

handout: deps ## write dist/concurrency-labs-student.tar.gz: skeletons, visible tests, no solutions
	@$(MAKE) --no-print-directory $(foreach lab,$(LABS),$(BUILD)/$(lab)/list) SRC=labs
	@harness/handout.sh build/labs $(LABS)

gradescope: deps ## write dist/gradescope-autograder.zip (setup.sh, run_autograder, hidden tests)
	@harness/deps.sh --for-instructors
	@harness/gradescope.sh $(LABS)

batch: deps ## grade a class: SUBMISSIONS=DIR [JOBS=N] -> build/batch/gradebook.csv
	@[ -n "$(SUBMISSIONS)" ] || { echo "usage: make batch SUBMISSIONS=DIR [JOBS=N]" >&2; exit 2; }
	@harness/deps.sh --for-instructors
	@$(MAKE) --no-print-directory kit
	@harness/batch.sh "$(SUBMISSIONS)" "$(or $(JOBS),$(CORES))" $(LABS)

stress: deps ## grade the reference N times (N=100) with every core busy; count false failures
	@$(MAKE) --no-print-directory build SRC=solutions
	@harness/stress.sh $(or $(N),100)

clean: ## remove build outputs (build/, dist/, plots/*.png, plots/data/)
	rm -rf build dist plots/*.png plots/data
