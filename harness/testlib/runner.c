/*
 * runner.c - main() of every lab's test program.
 *
 *   tests --list                  print the test table: name, points, timeout,
 *                                 hidden, look_at (tab-separated, one a line)
 *   tests --run --records-fd N --outdir DIR [--timeout-scale X] [--only NAME,...]
 *                                 run every test, each in its own process, and
 *                                 write one record a test to fd N
 *   tests --run ... --only NAME --replay SEED [--expect FILE]
 *                                 run one schedule of a schedule test again
 *                                 (make replay): its feedback and its whole
 *                                 timeline on stdout, its chart's data in DIR
 *
 * The grader (grade.c) runs this program and trusts nothing it prints on
 * stdout: points come from the records on fd N, matched against the table of
 * a --list binary built from kit code alone.  Each record is
 *
 *   name <TAB> status <TAB> seconds <TAB> message
 *
 * with status one of pass, fail, timeout, crash, exit, and the message
 * escaped (\n, \t, \\) so a record is always one line.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cause.h"
#include "diagnose.h"
#include "intercept.h"
#include "lab_test.h"
#include "names.h"
#include "reap.h"
#include "sanitizer.h"
#include "scheduler.h"
#include "testkit.h"
#include "timeline.h"
#include "todo.h"
#include "watch.h"

#ifndef LAB_NAME
#define LAB_NAME "lab"
#endif
#ifndef LAB_STUDENT_FILES
#define LAB_STUDENT_FILES "your source files"
#endif

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
/* The pass a replay line names: the one this program is. */
#if defined(__SANITIZE_THREAD__)
#define REPLAY_PASS " PASS=tsan"
#elif defined(__SANITIZE_ADDRESS__)
#define REPLAY_PASS " PASS=asan"
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define REPLAY_PASS " PASS=tsan"
#elif __has_feature(address_sanitizer)
#define REPLAY_PASS " PASS=asan"
#endif
#endif
#ifndef REPLAY_PASS
#define REPLAY_PASS ""
#endif

#ifdef UNDER_SANITIZER
void __sanitizer_set_report_path(const char *path);
enum { SAMPLE_STACKS = 0 };   /* their runtimes defer and police signal handlers */
#else
enum { SAMPLE_STACKS = 1 };
#endif


/* A test's files may grow to OUTPUT_FILE_LIMIT: that bounds a flood of
 * output, and leaves room for Check's own record of every passing assertion,
 * which it keeps in a temporary file under the same limit. */
enum { OUTPUT_FILE_LIMIT = 16 << 20, OUTPUT_SHOWN = 1500, REPORT_SHOWN = 2500 };

static struct lab_test *registered;
static int record_fd = -1;
static const char *outdir = ".";
static double current_timeout;   /* the running test's, scaled: the watcher's deadline */
static const char *replaying;    /* --replay: the schedule */

/* Written by the test's own process, read by the runner after it ends:
 * fork mode means a plain global would stay in the child's copy. */
static volatile struct {
    int finished;
    int stopped;      /* enum watch_stop: the watcher ended the test */
    int not_implemented;   /* not_implemented() was reached: a skeleton's TODO */
    char note[512];   /* lab_test_note() */
} *shared;

/* How the test's process ended: the status Check's waitpid reaped it with
 * (intercept.c hands it to test_reaped), so that the runner classifies an
 * outcome from the kernel's answer, not from Check's wording of it. */
static struct {
    bool seen;
    int status;
} test_end;

static void test_reaped(pid_t pid, int status)
{
    (void)pid;   /* the only child Check's run reaps is its test's */
    if (!test_end.seen)
        test_end.seen = true, test_end.status = status;
}

void lab_test_register(struct lab_test *test)
{
    test->next = registered;
    registered = test;
}

/* Visible tests first, then hidden ones; each group in source order. */
static int by_position(const void *a, const void *b)
{
    const struct lab_test *x = *(struct lab_test *const *)a;
    const struct lab_test *y = *(struct lab_test *const *)b;
    if (x->hidden != y->hidden)
        return x->hidden - y->hidden;
    int by_file = strcmp(x->file, y->file);
    return by_file ? by_file : x->line - y->line;
}

static int sorted_tests(struct lab_test ***out)
{
    int n = 0;
    for (struct lab_test *t = registered; t; t = t->next)
        n++;
    struct lab_test **all = calloc((size_t)n + 1, sizeof *all);
    int i = 0;
    for (struct lab_test *t = registered; t; t = t->next)
        all[i++] = t;
    qsort(all, (size_t)n, sizeof *all, by_position);
    *out = all;
    return n;
}

/* ---- inside the test's own process ---------------------------------- */

void lab_test_begin(const char *name)
{
    char path[4096];

    intercept_reaped = NULL;   /* its own children are not the runner's question */
    if (record_fd > STDERR_FILENO)
        close(record_fd);   /* the code under test never sees the record channel */
    /* The runner made itself undumpable (main); its test is dumpable again,
     * so that the kit can read its /proc entries.  Only after the close:
     * from here on there is nothing of the channel's to reach. */
    prctl(PR_SET_DUMPABLE, 1);

    /* Bounded capture of whatever the student's code prints.  Past the
     * limit writes fail quietly (SIGXFSZ ignored) rather than killing the
     * test: printing a lot is not a reason to lose points. */
    snprintf(path, sizeof path, "%s/%s.out", outdir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit fsize = {OUTPUT_FILE_LIMIT, OUTPUT_FILE_LIMIT};
        setrlimit(RLIMIT_FSIZE, &fsize);
        fflush(stdout);
        fflush(stderr);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
#ifdef UNDER_SANITIZER
    snprintf(path, sizeof path, "%s/%s.san", outdir, name);
    __sanitizer_set_report_path(path);
#endif
    snprintf(path, sizeof path, "%s/%s.threads", outdir, name);
    static char snapshot[4096];   /* the watcher reads it later */
    memcpy(snapshot, path, sizeof snapshot);
    watch_start(snapshot, current_timeout, &shared->stopped, SAMPLE_STACKS);
}

void lab_test_end(void)
{
    shared->finished = 1;
}

void lab_test_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf((char *)shared->note, sizeof shared->note, fmt, ap);
    va_end(ap);
}

/* Every failed check of a test passes here first (lab.mk links the tests
 * with --wrap=_ck_assert_failed): threads still waiting when a check gives
 * up are often the reason it gave up, so snapshot them before Check ends the
 * process.  Check formats the message with its own buffer; so do we. */
_Noreturn void __real__ck_assert_failed(const char *file, int line, const char *expr,
                                        const char *msg, ...);
_Noreturn void __wrap__ck_assert_failed(const char *file, int line, const char *expr,
                                        const char *msg, ...);
_Noreturn void __wrap__ck_assert_failed(const char *file, int line, const char *expr,
                                        const char *msg, ...)
{
    static char text[8192];
    if (msg) {
        va_list ap;
        va_start(ap, msg);
        vsnprintf(text, sizeof text, msg, ap);
        va_end(ap);
    }
    sched_note_failure(file, line);
    sched_aside(true);   /* Check's lock as it reports: no step of the program */
    watch_failing();
    if (msg)
        __real__ck_assert_failed(file, line, expr, "%s", text, NULL);
    __real__ck_assert_failed(file, line, expr, NULL);
}

/* Every passing check passes here (lab.mk wraps Check's _mark_point):
 * Check records it under a lock of its own, which is no step of the
 * program under a schedule. */
void __real__mark_point(const char *file, int line);
void __wrap__mark_point(const char *file, int line);
void __wrap__mark_point(const char *file, int line)
{
    sched_aside(true);
    __real__mark_point(file, line);
    sched_aside(false);
}

void not_implemented(const char *function, const char *file, int line, ...)
{
    shared->not_implemented = 1;
    ck_abort_msg("not implemented: %s (%s:%d)", function, file, line);
    abort();   /* ck_abort_msg does not return; this tells the compiler so */
}

/* ---- reading what a test left behind --------------------------------- */

/* Append up to `limit` bytes of file `path` to buf, noting any cut. */
static void append_file(char *buf, size_t size, const char *path, size_t limit,
                        const char *heading)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char *chunk = malloc(limit + 1);
    size_t n = fread(chunk, 1, limit, f);
    chunk[n] = '\0';
    int more = fgetc(f) != EOF;
    fclose(f);
    if (n > 0) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "\n%s\n%s%s", heading, chunk,
                 more ? "\n[... cut: the rest is in " : "");
        if (more) {
            used = strlen(buf);
            snprintf(buf + used, size - used, "%s]", path);
        }
    }
    free(chunk);
}

/* ---- running one test ------------------------------------------------ */

/* The reports seen so far in this pass, by signature: the test that showed
 * each in full.  Returns that test, or NULL (and remembers this one). */
static const char *seen_report(const char *signature, const char *test)
{
    enum { SEEN = 64 };
    static char signatures[SEEN][512], tests[SEEN][256];
    static int nseen;
    for (int i = 0; i < nseen; i++)
        if (!strcmp(signatures[i], signature))
            return tests[i];
    if (nseen < SEEN) {
        snprintf(signatures[nseen], sizeof signatures[nseen], "%s", signature);
        snprintf(tests[nseen++], sizeof tests[0], "%s", test);
    }
    return NULL;
}

static void record(const char *name, const char *status, double seconds,
                   const char *message)
{
    size_t len = strlen(message);
    char *line = malloc(strlen(name) + 64 + 2 * len);
    char *p = line + sprintf(line, "%s\t%s\t%.3f\t", name, status, seconds);
    for (const char *m = message; *m; m++) {
        switch (*m) {
        case '\n': *p++ = '\\'; *p++ = 'n'; break;
        case '\t': *p++ = '\\'; *p++ = 't'; break;
        case '\\': *p++ = '\\'; *p++ = '\\'; break;
        default: *p++ = *m;
        }
    }
    *p++ = '\n';
    for (const char *w = line; w < p;) {
        ssize_t n = write(record_fd, w, (size_t)(p - w));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        w += n;
    }
    free(line);
}

/* A failure under a schedule (the record has its token): its record is put
 * in words (timeline.c), and if the scheduler itself stopped the run, its
 * verdict replaces Check's words in msg, with the functions it names in
 * look.  Returns 0 (no schedule), 1, or 2 (the scheduler's verdict).  Not
 * when a sanitizer's report (`reported`) already says what happened. */
static int schedule_failure(const char **status, char *msg, size_t size, char *look,
                            size_t look_size, bool reported)
{
    char verdict[6144];
    if (!sched_record()->token[0] || !strcmp(*status, "pass"))
        return 0;
    timeline_load(sched_record(), LAB_STUDENT_FILES);
    if (reported || !timeline_verdict(verdict, sizeof verdict, look, look_size))
        return 1;
    snprintf(msg, size, "%s", verdict);
    *status = "fail";
    return 2;
}

/* After everything else in a failure under a schedule: the last steps
 * before it, and as the very last line the command that replays it.  The
 * run's steps are kept in DIR/NAME.schedule, for a replay to follow. */
static void schedule_ending(const struct lab_test *t, char *msg, size_t size)
{
    const struct sched_record *r = sched_record();
    char excerpt[4096], path[4096];
    timeline_excerpt(excerpt, sizeof excerpt, 10);
    size_t used = strlen(msg);
    snprintf(msg + used, size - used, "\nThe schedule that failed (%s, %d steps), its last steps:\n%s"
             "Replay it, with every step and a chart: make replay LAB=%.2s ONLY=%s SEED=%s%s",
             r->token, r->nsteps, excerpt, LAB_NAME, t->name, r->token, REPLAY_PASS);
    snprintf(path, sizeof path, "%s/%s.schedule", outdir, t->name);
    sched_save(path);
}

/* make replay: the feedback, then every step, then the chart's data. */
static void replay_report(const struct lab_test *t, const char *status, const char *msg)
{
    const struct sched_record *r = sched_record();
    char path[4096];
    if (!r->token[0]) {
        printf("%s is not a schedule test: there is no schedule to replay.\n", t->name);
        return;
    }
    if (r->diverged_at >= 0)
        printf("The schedule diverged at step %d: your code changed since it was recorded "
               "(from there on the same seed makes other choices).\n", r->diverged_at);
    printf("%s: %s\n%s\n\n", t->name, strcmp(status, "pass") ? "FAILED" : "passed under this schedule",
           msg);
    timeline_load(r, LAB_STUDENT_FILES);
    timeline_print(stdout);
    snprintf(path, sizeof path, "%s/%s.chart", outdir, t->name);
    timeline_chart(path);
}

enum { MSG = 16384 };

/* What became of one test: its status, its words, and what they rest on. */
struct outcome {
    const char *status;
    char *msg;                    /* MSG bytes */
    struct diagnosis *diag;       /* the snapshot's, if it said anything */
    struct san_report san;
    char report[1024];            /* the sanitizer's report file, if any */
    bool show_report;             /* shown in full here (the first test with it) */
    bool not_implemented;         /* a skeleton's TODO: its own cause, never a follow-on */
    struct failure cause;
    char sched_look[512];         /* the scheduler's verdict: the functions it names */
    char sched_word[32];          /* and its first word, as the cause's signature */
};

/* A sanitizer reported an error during the test: one bug, one full report,
 * shown with the first test that hit it. */
static void sanitizer_outcome(const struct lab_test *t, struct outcome *o)
{
    o->status = "fail";
    const char *same_as = seen_report(o->san.signature, t->name);
    if (same_as)
        snprintf(o->msg, MSG, "%s: same %s as in %s: %s.\n%s; its full report is shown "
                 "with %s.", o->san.tool, o->san.kind, same_as, o->san.headline,
                 san_advice(o->san.kind), same_as);
    else
        snprintf(o->msg, MSG, "%s: %s.\n%s.", o->san.tool, o->san.headline,
                 san_advice(o->san.kind));
    o->show_report = !same_as;
    o->cause = (struct failure){t->name, CAUSE_REPORT, o->san.signature, o->san.headline,
                                o->san.look_at, t->look_at, false};
}

/* The watcher stopped the test: its snapshot says why. */
static void stopped_outcome(const char *snapshot, double seconds, double timeout,
                            struct outcome *o)
{
    o->status = "timeout";
    o->diag = calloc(1, sizeof *o->diag);
    if (!diagnose(snapshot, LAB_STUDENT_FILES, o->diag))
        snprintf(o->diag->verdict, sizeof o->diag->verdict, "timed out: likely deadlock, lost "
                 "wakeup or infinite loop (no snapshot of its threads could be read)");
    if (shared->stopped == WATCH_STUCK)
        snprintf(o->msg, MSG, "%s\n(Stopped after %.2g s of its %.4g s: these waits can "
                 "never end, so waiting longer could not change anything.)",
                 o->diag->verdict, seconds, timeout);
    else
        snprintf(o->msg, MSG, "%s\n(Stopped at its timeout, %.4g s.)", o->diag->verdict, timeout);
}

/* The test's process died before its checks ended: a signal (Check's own
 * timer's SIGKILL, its backstop 2 s past the watcher's deadline, or a
 * crash) or an exit, told apart by the status it was reaped with. */
static void ended_outcome(const struct lab_test *t, double seconds, double timeout,
                          struct outcome *o)
{
    int st = test_end.status;
    if (!test_end.seen) {   /* cannot happen while Check reaps through waitpid */
        o->status = "crash";
        snprintf(o->msg, MSG, "the test's process ended without a result, and the kit could "
                 "not tell how.");
    } else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && seconds >= timeout + 1) {
        o->status = "timeout";
        snprintf(o->msg, MSG, "timed out after %.4g s: likely deadlock, lost wakeup or infinite "
                 "loop in %s", timeout, t->name);
    } else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE) {
        o->status = "crash";
        snprintf(o->msg, MSG, "crashed: signal %d (%s). Something wrote to a pipe or socket "
                 "whose reading end was closed; ignore or block SIGPIPE and handle EPIPE "
                 "instead.", SIGPIPE, strsignal(SIGPIPE));
    } else if (WIFSIGNALED(st)) {
        o->status = "crash";
        snprintf(o->msg, MSG, "crashed: signal %d (%s). Look for a NULL, freed or "
                 "out-of-bounds pointer, or an abort().", WTERMSIG(st), strsignal(WTERMSIG(st)));
    } else {
        o->status = "exit";
        snprintf(o->msg, MSG, "the test's process exited early (with return value %d): "
                 "something called exit() before the test finished.", WEXITSTATUS(st));
    }
}

/* A check failed: its words, with the threads it left waiting for good
 * (if any) first. */
static void failed_check_outcome(TestResult *r, const char *snapshot, struct outcome *o)
{
    const char *check_msg = tr_msg(r);
    o->status = "fail";
    o->diag = calloc(1, sizeof *o->diag);
    if (diagnose(snapshot, LAB_STUDENT_FILES, o->diag) && *o->diag->verdict) {
        snprintf(o->msg, MSG, "%s\nThe test says: %s\n(the check is at %s:%d)",
                 o->diag->verdict, check_msg, tr_lfile(r), tr_lno(r));
    } else {
        free(o->diag);
        o->diag = NULL;
        snprintf(o->msg, MSG, "%s\n(the check is at %s:%d)", check_msg, tr_lfile(r), tr_lno(r));
    }
}

/* Check's verdict, classified by structured data, never by Check's message
 * text: its result type (a pass, a failed check, an error), the test's own
 * record (the body returned, a TODO was reached) and how its process ended:
 * an exit, a skeleton's TODO, a failed check, or a death. */
static void check_outcome(const struct lab_test *t, TestResult *r, const char *snapshot,
                          double seconds, double timeout, struct outcome *o)
{
    o->status = "fail";
    if (tr_rtype(r) == CK_PASS) {
        o->status = "exit";
        snprintf(o->msg, MSG, "exit(0) was called inside the test, so its checks never ran to "
                 "the end: no points. Code under test must return, not exit.");
    } else if (tr_rtype(r) == CK_FAILURE && shared->not_implemented) {
        o->not_implemented = true;
        snprintf(o->msg, MSG, "%s", tr_msg(r));
    } else if (tr_rtype(r) == CK_FAILURE) {
        failed_check_outcome(r, snapshot, o);
    } else {
        ended_outcome(t, seconds, timeout, o);
    }
    o->cause = (struct failure){t->name, CAUSE_CHECK, NULL, tr_msg(r), NULL, t->look_at, false};
}

/* The rest of a failure's feedback: what it follows from, where to look,
 * the threads, the report and what the test printed. */
static void explain(const struct lab_test *t, struct outcome *o)
{
    char look[1024], verdict[32];
    if (o->diag && *o->diag->verdict) {   /* the threads' places, not the check's words */
        snprintf(verdict, sizeof verdict, "%.*s", (int)strcspn(o->diag->verdict, ": "),
                 o->diag->verdict);
        o->cause = (struct failure){t->name, CAUSE_VERDICT, verdict, o->diag->verdict,
                                    o->diag->look_at, t->look_at, o->diag->missing_waker};
    }
    /* A missing function is its own cause, however many tests it fails. */
    const char *earlier = o->not_implemented ? NULL : cause_follows(&o->cause);
    if (earlier) {   /* first, so the student reads that test's feedback first */
        char *joined = malloc(MSG);
        snprintf(joined, MSG, "probably the same cause as %s, which failed before it.\n%s",
                 earlier, o->msg);
        free(o->msg);
        o->msg = joined;
    }
    cause_look_at(&o->cause, look, sizeof look);
    size_t used = strlen(o->msg);
    snprintf(o->msg + used, MSG - used, "\nLook at: %s.", look);
    if (o->diag) {
        used = strlen(o->msg);
        snprintf(o->msg + used, MSG - used, "\n%s", o->diag->threads);
    }
    /* After "Look at": cutting a long report can never hide it. */
    if (o->show_report)
        append_file(o->msg, MSG, o->report, REPORT_SHOWN, "The sanitizer's report:");
    char out[4096];
    snprintf(out, sizeof out, "%s/%s.out", outdir, t->name);
    append_file(o->msg, MSG, out, OUTPUT_SHOWN, "What the test printed:");
}

/* A failure under a schedule: its words (schedule_failure) and, when the
 * scheduler's own verdict replaced the check's, what that rests on: the
 * functions the verdict names.  Returns what schedule_failure does, but 0
 * for a leak: found as the process ended, after every schedule, so there
 * is no schedule to replay; and 0 for a skeleton's TODO, no schedule's doing. */
static int schedule_outcome(const struct lab_test *t, struct outcome *o, bool reported)
{
    if (o->not_implemented)
        return 0;
    int scheduled = schedule_failure(&o->status, o->msg, MSG, o->sched_look,
                                     sizeof o->sched_look, reported);
    if (reported && strstr(o->san.kind, "leak"))
        return 0;
    if (scheduled == 2) {
        free(o->diag);
        o->diag = NULL;
        snprintf(o->sched_word, sizeof o->sched_word, "%.*s", (int)strcspn(o->msg, ": "), o->msg);
        o->cause = (struct failure){t->name, CAUSE_VERDICT, o->sched_word, o->msg, o->sched_look,
                                    t->look_at, false};
    }
    return scheduled;
}

static void run_one(const struct lab_test *t, double timeout_scale)
{
    struct outcome o = {.status = "pass", .msg = calloc(1, MSG)};
    double timeout = t->timeout_s * timeout_scale;

    Suite *suite = suite_create(LAB_NAME);
    TCase *tc = tcase_create(t->name);
    /* The watcher stops the test at `timeout` with a snapshot; Check's own
     * timer is the backstop for a test so broken that the watcher cannot run. */
    current_timeout = timeout;
    tcase_set_timeout(tc, timeout + 2);
    tcase_add_test(tc, t->ttest);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_set_fork_status(sr, CK_FORK);

    shared->finished = 0;
    sched_clear();
    shared->stopped = WATCH_RUNNING;
    shared->note[0] = '\0';
    shared->not_implemented = 0;
    char snapshot[4096];
    snprintf(snapshot, sizeof snapshot, "%s/%s.threads", outdir, t->name);
    unlink(snapshot);
    double start = now_s();
    test_end.seen = false;
    intercept_reaped = test_reaped;
    srunner_run_all(sr, CK_SILENT);
    intercept_reaped = NULL;
    double seconds = now_s() - start;
    reap_all_children();   /* the next test starts with nothing left over */

    TestResult **results = srunner_results(sr);   /* ours to free, not its items */
    /* A thread leak is often the test's own failure seen from the exit (a
     * check that gave up, threads stuck for good): then that is the news. */
    bool failed = shared->stopped != WATCH_RUNNING ||
                  !(tr_rtype(results[0]) == CK_PASS && shared->finished);
    bool reported = san_find(outdir, t->name, o.report, sizeof o.report) &&
                    san_read(o.report, LAB_STUDENT_FILES, &o.san) &&
                    !(failed && !strcmp(o.san.kind, "thread leak"));
    if (reported)
        sanitizer_outcome(t, &o);
    else if (shared->stopped != WATCH_RUNNING)
        stopped_outcome(snapshot, seconds, timeout, &o);
    else if (tr_rtype(results[0]) == CK_PASS && shared->finished)
        snprintf(o.msg, MSG, "%s", (const char *)shared->note);
    else
        check_outcome(t, results[0], snapshot, seconds, timeout, &o);
    int scheduled = schedule_outcome(t, &o, reported);
    if (strcmp(o.status, "pass") != 0) {
        explain(t, &o);
        if (scheduled && !replaying)
            schedule_ending(t, o.msg, MSG);
    }
    if (replaying)
        replay_report(t, o.status, o.msg);
    record(t->name, o.status, seconds, o.msg);
    free(o.diag);
    free(results);
    srunner_free(sr);
    free(o.msg);
}

static int usage(void)
{
    fprintf(stderr, "usage: tests --list\n"
                    "       tests --run --records-fd N --outdir DIR "
                    "[--timeout-scale X] [--only NAME,...] [--replay SEED [--expect FILE]]\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct lab_test **tests;
    int n = sorted_tests(&tests);
    const char *only = NULL, *expect = NULL;
    double timeout_scale = 1.0;
    int list = 0, run = 0;

    for (int i = 1; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--list"))
            list = 1;
        else if (!strcmp(argv[i], "--run"))
            run = 1;
        else if (!strcmp(argv[i], "--records-fd") && next)
            record_fd = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--outdir") && next)
            outdir = argv[++i];
        else if (!strcmp(argv[i], "--timeout-scale") && next)
            timeout_scale = atof(argv[++i]);
        else if (!strcmp(argv[i], "--only") && next)
            only = argv[++i];
        else if (!strcmp(argv[i], "--replay") && next)
            replaying = argv[++i];
        else if (!strcmp(argv[i], "--expect") && next)
            expect = argv[++i];
        else
            return usage();
    }

    if (list) {
        for (int i = 0; i < n; i++)
            printf("%s\t%d\t%g\t%d\t%s\n", tests[i]->name, tests[i]->points,
                   tests[i]->timeout_s, tests[i]->hidden, tests[i]->look_at);
        return 0;
    }
    if (!run)
        return usage();
    if (record_fd < 0)
        record_fd = STDOUT_FILENO;   /* by hand: records on the terminal */

    /* Orphans of a test (daemons, a fork bomb's children) become ours, so
     * reap_all_children() can end them before the next test. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    /* Undumpable: a process of the same user (a test, and whatever it
     * starts) may not open /proc/<this pid>/fd/N, read our memory or
     * ptrace us, so the record channel stays ours (harness/README.md, "What
     * a submission can do"). */
    prctl(PR_SET_DUMPABLE, 0);
    watch_prepare();
    cause_prepare(LAB_STUDENT_FILES);
    sched_prepare();
    if (!sched_attach())
        fprintf(stderr, "runner: the scheduler could not attach to the interception layer\n");
    sched_sanitizer_pass(SAMPLE_STACKS == 0);
    if (replaying)
        sched_replay(replaying, expect);
    shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (int i = 0; i < n; i++)
        if (!only || name_in_list(tests[i]->name, only))
            run_one(tests[i], timeout_scale);
    /* Every record is written: nothing may follow them, and LeakSanitizer's
     * check at exit makes this process dumpable for a moment. */
    if (record_fd > STDERR_FILENO)
        close(record_fd);
    return 0;
}
