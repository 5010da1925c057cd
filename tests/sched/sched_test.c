/*
 * sched_test.c - the scheduler's own tests (tests/sched/run.sh builds and
 * runs them; make test runs that).  Each case runs in a child process, as a
 * graded test does, and is judged from the shared record it leaves
 * (sched_record.h): whether a bug was found, by which schedule, with which
 * verdict, and whether the same seed gives the same steps.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"
#include "scheduler.h"

static int failures;

/* A failed check: what Check's would do in a graded test, minus Check. */
void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    sched_note_failure(__FILE__, __LINE__);
    _exit(1);
}

/* The scheduler stops a run through Check's failure call. */
_Noreturn void _ck_assert_failed(const char *file, int line, const char *expr, const char *msg, ...);
_Noreturn void _ck_assert_failed(const char *file, int line, const char *expr, const char *msg, ...)
{
    (void)file, (void)line, (void)expr, (void)msg;
    _exit(2);
}

static void (*current)(void);

static void (*case_named(const char *name))(void)
{
    return !strcmp(name, "lost_wakeup") ? case_lost_wakeup
           : !strcmp(name, "inversion") ? case_inversion
           : !strcmp(name, "buffer")    ? case_buffer
                                        : case_lost_update;
}
static void body(void) { current(); }

/* Run `schedules` schedules of fn (or replay `token`) in a child; returns
 * its exit status: 0 all passed, 1 a check failed, 2 the scheduler stopped it. */
static int run(const char *name, void (*fn)(void), int schedules, const char *token,
               const char *expect)
{
    fflush(NULL);
    sched_clear();
    pid_t pid = fork();
    if (pid == 0) {
        current = fn;
        if (token)
            sched_replay(token, expect);
        sched_explore(name, schedules, body);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

static void check(bool ok, const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("  %s %s: ", ok ? "✓" : "✗", what);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    failures += !ok;
}

/* A hash of a run's steps: who did what to which object, in order. */
static unsigned long steps_hash(void)
{
    const struct sched_record *r = sched_record();
    unsigned long h = 1469598103934665603UL;
    for (int i = 0; i < r->nsteps; i++)
        h = (h ^ (unsigned long)(r->steps[i].thread << 16 | r->steps[i].op << 8 |
                                 r->steps[i].obj)) * 1099511628211UL;
    return h;
}

static void finds_and_replays(const char *name, void (*fn)(void), int schedules, int want)
{
    const struct sched_record *r = sched_record();
    int st = run(name, fn, schedules, NULL, NULL);
    check(st == want && r->token[0], name, "exit %d (want %d) in schedule %d, %s, %d steps",
          st, want, r->index, r->token, r->nsteps);
    if (st != want)
        return;
    char token[SCHED_TOKEN], path[] = "/tmp/sched-test-XXXXXX";
    snprintf(token, sizeof token, "%s", r->token);
    int nsteps = r->nsteps, verdict = r->verdict, fd = mkstemp(path);
    close(fd);
    sched_save(path);
    unsigned long h = steps_hash();
    for (int i = 0; i < 3; i++) {
        int again = run(name, fn, 1, token, path);
        check(again == st && r->nsteps == nsteps && r->verdict == verdict && r->diverged_at < 0 &&
              steps_hash() == h, "  replay", "%s again: exit %d, %d steps, diverged at %d",
              token, again, r->nsteps, r->diverged_at);
    }
    unlink(path);
}

/* SCHED_DUMP=token: run lost_update under that schedule and print its steps. */
static void dump(const char *token)
{
    const struct sched_record *r = sched_record();
    const char *name = getenv("SCHED_CASE") ? getenv("SCHED_CASE") : "lost_update";
    int st = run(name, case_named(name), 1, token, NULL);
    printf("%s: exit %d\n", token, st);
    for (int i = 0; i < r->nsteps; i++)
        printf("  %3d T%d op %2d obj %d flags %x other %d\n", i, r->steps[i].thread,
               r->steps[i].op, r->steps[i].obj, r->steps[i].flags, r->steps[i].other);
}

int main(void)
{
    sched_prepare();
    sched_attach();
    if (getenv("SCHED_RATE")) {   /* SCHED_RATE="case pct2-6": failures in 200 seeds */
        char name[64], prefix[32];
        sscanf(getenv("SCHED_RATE"), "%63s %31s", name, prefix);
        int found = 0;
        for (int i = 1; i <= 200; i++) {
            char token[SCHED_TOKEN];
            snprintf(token, sizeof token, "%s-%06x", prefix, i * 7919);
            found += run(name, case_named(name), 1, token, NULL) != 0;
        }
        printf("%s %s: %d of 200\n", name, prefix, found);
        return 0;
    }
    if (getenv("SCHED_DUMP")) {
        dump(getenv("SCHED_DUMP"));
        return 0;
    }
    const struct sched_record *r = sched_record();
    printf("The scheduler finds each bug, and its seed replays it:\n");
    finds_and_replays("lost_update", case_lost_update, 60, 1);
    finds_and_replays("inversion", case_inversion, 40, 2);
    check(r->verdict == SV_STUCK, "  inversion's verdict", "%d", r->verdict);
    finds_and_replays("lost_wakeup", case_lost_wakeup, 40, 2);
    finds_and_replays("spin_forever", case_spin_forever, 1, 2);
    check(r->verdict == SV_BUDGET, "  spin_forever's verdict", "%d after %d steps", r->verdict,
          r->nsteps);

    printf("Correct code passes every schedule:\n");
    int st = run("buffer", case_buffer, 40, NULL, NULL);
    check(st == 0, "buffer", "exit %d at %s", st, r->token);
    st = run("timeout", case_timeout, 4, NULL, NULL);
    check(st == 0, "timeout", "exit %d: a 10 s wait ends on the virtual clock", st);
    st = run("spin", case_spin, 20, NULL, NULL);
    check(st == 0, "spin", "exit %d (%d steps): a spinner gives way", st, r->nsteps);
    st = run("spin_two", case_spin_two, 20, NULL, NULL);
    check(st == 0, "spin_two", "exit %d (%d steps): a spinner on two flags gives way", st,
          r->nsteps);

    printf("The seed decides the schedule:\n");
    unsigned long seen[20];
    int distinct = 0;
    for (int i = 0; i < 20; i++) {
        char token[SCHED_TOKEN];
        snprintf(token, sizeof token, "pct3-30-%06x", 0x1000 + i * 7919);
        run("buffer", case_buffer, 1, token, NULL);
        unsigned long h = steps_hash();
        int j = 0;
        while (j < distinct && seen[j] != h)
            j++;
        if (j == distinct)
            seen[distinct++] = h;
    }
    check(distinct >= 6, "20 seeds of one program", "%d distinct schedules", distinct);
    printf("%s\n", failures ? "FAILED" : "all passed");
    return failures != 0;
}
