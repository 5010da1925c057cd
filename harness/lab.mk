# lab.mk - how every lab is built.  Adding a lab is adding a folder.
#
# A lab folder labs/NN-name/ holds:
#   README.md   the handout            *.h        the API (given)
#   *.c         the student's files    tests/     visible tests, a file a Part
#   bench.c     the timing driver      plot.gp    the chart
#   support/    given code the student does not edit (optional)
# instructor-only
# $(REFERENCE)/NN-name/ holds the same student files finished, and tests/,
# the hidden tests (a file per Part that has any, named as in labs/NN/tests/).
# A student's handout has no reference, and not these lines.
REFERENCE ?= solutions
# /instructor-only
#
# Only the student's .c files are taken from $(SRC); headers, tests, support
# code and the harness always come from this kit, so a submission cannot
# change what it is graded against.
#
# The kit's objects (runner, tests) do not depend on the tree being graded,
# so they are built once under $(KIT_BUILD) and shared by every submission.
KIT_BUILD ?= build/kit$(if $(filter-out cc,$(notdir $(CC))),-$(notdir $(CC)))

# For each lab this defines, under $(BUILD)/NN-name/:
#   list        the test table, linked from kit code only (no student code)
#   tests       the tests, plain build
#   tests-tsan  the tests under ThreadSanitizer
#   tests-asan  the tests under AddressSanitizer and LeakSanitizer
#   bench       the timing driver
# A student build that fails leaves no binary, only its log ($@.log, the
# compiler's messages: warnings are kept there when it succeeds) and the
# vetting's findings ($@.vet): the grader turns those into feedback instead
# of make stopping.

CC       ?= cc
# `make -s` is quiet: the kit's "CC (kit)" lines are for a plain `make`.
KIT_ECHO = $(if $(findstring s,$(firstword -$(MAKEFLAGS))),:,echo)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)
BASE_CFLAGS  := -std=c11 -g -Wall -Wextra -Werror -pthread -D_GNU_SOURCE
PLAIN_CFLAGS := -O2
TSAN_CFLAGS  := -O1 -fsanitize=thread
ASAN_CFLAGS  := -O1 -fsanitize=address -fno-omit-frame-pointer

# The vetting tool (harness/grader/vet.c): reads the student's objects before
# any is linked beside the kit.  Compiled like the grader, from kit code only,
# and put in place at once: parallel gradings may be running the old one.
VET := build/harness/vet
$(VET): harness/grader/vet.c
	@mkdir -p $(@D)
	@$(KIT_ECHO) "  CC (kit) $@"
	@$(CC) $(BASE_CFLAGS) -O2 $< -o $@.$$$$ && mv -f $@.$$$$ $@

# STUDENT_EXTRA: more flags and sources for the student's side of every test
# binary; the kit's tests use it to force in harness/testlib/spurious.h.
STUDENT_EXTRA ?=

# Which files are the student's: harness/scripts/student_files.sh says, once per lab.
$(foreach lab,$(LABS),$(eval STUDENT_NAMES_$(lab) := $(shell harness/scripts/student_files.sh $(lab))))
lab_student_names = $(STUDENT_NAMES_$(1))
lab_student_files = $(addprefix $(SRC)/$(1)/,$(call lab_student_names,$(1)))
lab_support_files = $(wildcard labs/$(1)/support/*.c)
lab_visible_tests = $(wildcard labs/$(1)/tests/*.c)
lab_hidden_tests  = $(if $(REFERENCE),$(wildcard $(REFERENCE)/$(1)/tests/*.c))
# Visible and hidden files may share a name (a Part's), so their objects
# live in tests/ and hidden/.
# The tracker's objects are the same for every lab: built once per variant.
common_kit_objects = $(addprefix $(KIT_BUILD)/common/$(1)/,$(TRACKER_OBJECTS) sched_client.o timeline.o) \
                     $(sched_objects)
lab_test_objects  = $(addprefix $(KIT_BUILD)/$(1)/$(2)/, \
                      $(patsubst labs/$(1)/%.c,%.o,$(call lab_visible_tests,$(1))) \
                      $(patsubst $(REFERENCE)/$(1)/tests/%.c,hidden/%.o,$(call lab_hidden_tests,$(1))))
lab_runner_objects = $(KIT_BUILD)/$(1)/$(2)/runner.o $(call common_kit_objects,$(2))
lab_kit_objects   = $(call lab_runner_objects,$(1),$(2)) $(call lab_test_objects,$(1),$(2))
lab_includes      = -Iharness/testlib -Ilabs/$(1) $(if $(wildcard labs/$(1)/support),-Ilabs/$(1)/support)
lab_headers       = $(wildcard labs/$(1)/*.h labs/$(1)/support/*.h) harness/testlib/lab_test.h harness/testlib/testkit.h harness/testlib/todo.h harness/testlib/clock.h
lab_test_headers  = $(call lab_headers,$(1)) $(wildcard labs/$(1)/tests/*.h)

# The calls the tracker sees (harness/testlib/intercept.c): every pthread
# call that blocks or hands over a lock, and every system call a lab blocks
# in (descriptors and children).  --wrap=F sends
# every call to F from the objects of the link (the student's, the tests',
# the kit's) to __wrap_F, which hands it to the tracker around the real one,
# __real_F; calls inside shared libraries (libc, Check, a sanitizer's
# runtime) are left alone.  Under a sanitizer __real_F is its interceptor, so
# both see every call.
WATCHED_CALLS := pthread_create pthread_join pthread_exit pthread_mutex_init \
  pthread_mutex_destroy pthread_mutex_lock pthread_mutex_trylock pthread_mutex_timedlock \
  pthread_mutex_unlock pthread_cond_wait pthread_cond_timedwait pthread_cond_signal \
  pthread_cond_broadcast pthread_barrier_wait sem_wait sem_timedwait nanosleep \
  clock_nanosleep usleep sleep fork read write close poll ppoll select pselect waitpid wait
# The scheduler's points beyond those: a post, a yield, a clock reading.
WATCHED_CALLS += sem_post sched_yield clock_gettime
# And Check's failed-check call, so the runner snapshots the threads first;
# and its passing-check call, which the scheduler must not take for the
# program's own steps (Check is linked in statically, and locks inside).
WATCH_LDFLAGS := $(foreach f,$(WATCHED_CALLS) _ck_assert_failed _mark_point,-Xlinker --wrap=$(f))

# $(call student_program,LAB,VARIANT,FLAGS,EXTRA,TESTS,KIT,LDFLAGS): build $@ from
# the lab's student files, its TESTS (or timing driver) and the harness's KIT
# (objects, or sources to compile)
# with harness/scripts/build_student.sh: the student's files compiled without
# -Werror (warnings are feedback, kept in $@.log), vetted (refusals in
# $@.vet), made one object whose only globals are the lab's API, then linked.
# EXTRA: flags and given sources beside the lab's support/ (STUDENT_EXTRA).
# A failure leaves no $@, only its reasons, and make carries on.
STUDENT_BUILD := harness/scripts/build_student.sh $(VET)
# The shared C library and libm, whose names are never a lab's API: asked of
# the compiler once a make, and only when a student program is built.
SHARED_LIBS = $(eval SHARED_LIBS := $(foreach l,libc.so.6 libm.so.6,$(shell $(CC) -print-file-name=$(l))))$(SHARED_LIBS)
define student_program
	@mkdir -p $(@D)
	@CC='$(CC)' VET=$(VET) SHARED_LIBS='$(SHARED_LIBS)' harness/scripts/build_student.sh $@ $(2) '$(BASE_CFLAGS) $(3) $(call lab_includes,$(1))' \
	  '$(call lab_student_files,$(1))' '$(call lab_support_files,$(1)) $(4)' '$(5)' '$(6)' '$(7)'
endef

# $(call kit_objects,LAB,VARIANT,FLAGS): the lab's side of the kit in a test binary -
# runner and tests - compiled on its own, so a kit bug stops make loudly
# instead of posing as the student's compile error.  runner.o names the
# student's files, so it also depends on the lab folder (a file added or
# removed changes the folder's time).
define kit_objects
$(KIT_BUILD)/$(1)/$(2)/runner.o: harness/testlib/runner.c harness/testlib/names.h harness/testlib/intercept.h harness/testlib/watch.h harness/testlib/diagnose.h harness/testlib/sanitizer.h harness/testlib/cause.h harness/testlib/scheduler.h harness/testlib/sched_record.h harness/testlib/timeline.h $(call lab_headers,$(1)) labs/$(1)
	@mkdir -p $$(@D)
	@$(KIT_ECHO) "  CC (kit) $$@"
	@$$(CC) $(BASE_CFLAGS) $(3) $(CHECK_CFLAGS) $(call lab_includes,$(1)) -DLAB_NAME='"$(1)"' \
	  -DLAB_STUDENT_FILES='"$(addprefix labs/$(1)/,$(call lab_student_names,$(1)))"' -c $$< -o $$@
$(KIT_BUILD)/$(1)/$(2)/tests/%.o: labs/$(1)/tests/%.c $(call lab_test_headers,$(1))
	@mkdir -p $$(@D)
	@$(KIT_ECHO) "  CC (kit) $$@"
	@$$(CC) $(BASE_CFLAGS) $(3) $(CHECK_CFLAGS) $(call lab_includes,$(1)) -Ilabs/$(1)/tests -c $$< -o $$@
ifdef REFERENCE
$(KIT_BUILD)/$(1)/$(2)/hidden/%.o: $(REFERENCE)/$(1)/tests/%.c $(call lab_test_headers,$(1))
	@mkdir -p $$(@D)
	@$(KIT_ECHO) "  CC (kit) $$@"
	@$$(CC) $(BASE_CFLAGS) $(3) $(CHECK_CFLAGS) $(call lab_includes,$(1)) -Ilabs/$(1)/tests -c $$< -o $$@
endif
endef

# The tracker and its diagnosis, the same for every lab: the interception
# (intercept.c) and its client the tracker (track.c), the watcher's policy
# (watcher.c), the snapshot (snapshot.c) with the kernel's view (procfs.c),
# the record both sides share (record.c), and the words (diagnose.c,
# sanitizer.c, with places.c for source lines and cause.c for what a
# failure follows from and where to look).
TRACKER_OBJECTS := reap.o intercept.o track.o watcher.o snapshot.o procfs.o record.o diagnose.o places.o \
                   sanitizer.o cause.o
TRACKER_HEADERS := $(addprefix harness/testlib/,intercept.h track.h watch.h snapshot.h procfs.h record.h \
                     diagnose.h places.h sanitizer.h cause.h reap.h testkit.h)

# $(call common_objects,VARIANT,FLAGS): the tracker's objects, which no lab changes.
define common_objects
$(KIT_BUILD)/common/$(1)/reap.o: harness/testlib/reap.c harness/testlib/reap.h harness/testlib/testkit.h
	@mkdir -p $$(@D)
	@$(KIT_ECHO) "  CC (kit) $$@"
	@$$(CC) $(BASE_CFLAGS) $(2) -Iharness/testlib -c $$< -o $$@
$(KIT_BUILD)/common/$(1)/%.o: harness/testlib/%.c $(TRACKER_HEADERS)
	@mkdir -p $$(@D)
	@$(KIT_ECHO) "  CC (kit) $$@"
	@$$(CC) $(BASE_CFLAGS) $(2) -Iharness/testlib -DKIT_ROOT='"$(CURDIR)"' -c $$< -o $$@
$(KIT_BUILD)/common/$(1)/timeline.o: harness/testlib/timeline.c harness/testlib/timeline.h harness/testlib/sched_record.h $(TRACKER_HEADERS)
	@mkdir -p $$(@D)
	@$(KIT_ECHO) "  CC (kit) $$@"
	@$$(CC) $(BASE_CFLAGS) $(2) -Iharness/testlib -DKIT_ROOT='"$(CURDIR)"' -c $$< -o $$@
$(KIT_BUILD)/common/$(1)/sched_client.o: harness/testlib/sched_client.c harness/testlib/scheduler.h harness/testlib/sched_record.h harness/testlib/intercept.h
	@mkdir -p $$(@D)
	@$(KIT_ECHO) "  CC (kit) $$@"
	@$$(CC) $(BASE_CFLAGS) $(2) -Iharness/testlib -c $$< -o $$@
endef
$(eval $(call common_objects,plain,$(PLAIN_CFLAGS)))
$(eval $(call common_objects,tsan,$(TSAN_CFLAGS)))
$(eval $(call common_objects,asan,$(ASAN_CFLAGS)))

# The scheduler (harness/testlib/sched*.c): built once, without sanitizers,
# for every variant: ThreadSanitizer must not see its hand-overs of the baton
# (they would order the program's threads for it and hide their races), and
# a schedule must take the same steps in every pass to replay in each.
# SCHED_CFLAGS makes every atomic operation of the student's files and the
# lab's given code a point where it may switch threads.
sched_objects = $(addprefix $(KIT_BUILD)/common/sched/,sched.o sched_model.o sched_pct.o sched_calls.o sched_explore.o)
SCHED_CFLAGS := -include harness/testlib/sched_atomic.h
$(KIT_BUILD)/common/sched/%.o: harness/testlib/%.c harness/testlib/sched_int.h harness/testlib/scheduler.h harness/testlib/sched_record.h
	@mkdir -p $(@D)
	@$(KIT_ECHO) "  CC (kit) $@"
	@$(CC) $(BASE_CFLAGS) $(PLAIN_CFLAGS) $(CHECK_CFLAGS) -Iharness/testlib -c $< -o $@

define lab_rules
$(call kit_objects,$(1),plain,$(PLAIN_CFLAGS))
$(call kit_objects,$(1),tsan,$(TSAN_CFLAGS))
$(call kit_objects,$(1),asan,$(ASAN_CFLAGS))

$(BUILD)/$(1)/list: $(call lab_kit_objects,$(1),plain)
	@mkdir -p $$(@D)
	@$$(CC) -no-pie -pthread $$^ -Wl,--unresolved-symbols=ignore-all $(CHECK_LIBS) -o $$@

$(BUILD)/$(1)/tests: $(call lab_kit_objects,$(1),plain) $(call lab_headers,$(1)) \
                     $(call lab_support_files,$(1)) $(wildcard $(call lab_student_files,$(1))) $(STUDENT_BUILD)
	$$(call student_program,$(1),plain,$(PLAIN_CFLAGS) $(SCHED_CFLAGS),$(STUDENT_EXTRA),$(call lab_test_objects,$(1),plain),$(call lab_runner_objects,$(1),plain),$(WATCH_LDFLAGS) $(CHECK_LIBS))

$(BUILD)/$(1)/tests-tsan: $(call lab_kit_objects,$(1),tsan) $(call lab_headers,$(1)) \
                          $(call lab_support_files,$(1)) $(wildcard $(call lab_student_files,$(1))) $(STUDENT_BUILD)
	$$(call student_program,$(1),tsan,$(TSAN_CFLAGS) $(SCHED_CFLAGS),$(STUDENT_EXTRA),$(call lab_test_objects,$(1),tsan),$(call lab_runner_objects,$(1),tsan),$(WATCH_LDFLAGS) $(CHECK_LIBS))

$(BUILD)/$(1)/tests-asan: $(call lab_kit_objects,$(1),asan) $(call lab_headers,$(1)) \
                          $(call lab_support_files,$(1)) $(wildcard $(call lab_student_files,$(1))) $(STUDENT_BUILD)
	$$(call student_program,$(1),asan,$(ASAN_CFLAGS) $(SCHED_CFLAGS),$(STUDENT_EXTRA),$(call lab_test_objects,$(1),asan),$(call lab_runner_objects,$(1),asan),$(WATCH_LDFLAGS) $(CHECK_LIBS))

$(BUILD)/$(1)/bench: labs/$(1)/bench.c harness/testlib/todo_exit.c harness/testlib/benchkit.c harness/testlib/benchkit.h \
                     $(call lab_headers,$(1)) \
                     $(call lab_support_files,$(1)) $(wildcard $(call lab_student_files,$(1))) $(STUDENT_BUILD)
	$$(call student_program,$(1),bench,$(PLAIN_CFLAGS),,labs/$(1)/bench.c,harness/testlib/todo_exit.c harness/testlib/benchkit.c,-lm)
endef

$(foreach lab,$(LABS),$(eval $(call lab_rules,$(lab))))

# PASSES: which test binaries to build and run (the kit's mutant checks
# start with the first two, which are faster).
PASSES ?= tests tests-tsan tests-asan
lab_binaries = $(foreach lab,$(LABS),$(addprefix $(BUILD)/$(lab)/,list $(PASSES)))
kit_objects  = $(foreach lab,$(LABS),$(foreach v,plain tsan asan,$(call lab_kit_objects,$(lab),$(v))))
