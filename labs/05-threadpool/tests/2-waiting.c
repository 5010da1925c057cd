/* 2-waiting.c - lab 05, Part 2: waiting for many futures. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

TEST(as_completed_yields_done_first_then_in_finish_order, 3, 10,
     "as_completed, as_completed_next, watch, notify_waiter")
{
    struct executor *ex = new_pool(4);
    struct future *d1 = submit(ex, double_it, (void *)1);
    struct future *d2 = submit(ex, double_it, (void *)2);
    ck_assert_named_eq(future_result(d1, 5.0, NULL, NULL), RESULT_OK, status_name);
    ck_assert_named_eq(future_result(d2, 5.0, NULL, NULL), RESULT_OK, status_name);
    struct gate g[3] = {GATE_INIT, GATE_INIT, GATE_INIT};
    struct future *p[3];
    for (int i = 0; i < 3; i++)
        p[i] = submit(ex, wait_at_gate, &g[i]);

    /* Repeats on purpose: each future must come out once. */
    struct future *fs[] = {p[0], d1, p[1], p[1], d2, p[2], d1};
    struct as_completed *it = as_completed(fs, 7, 5.0);
    ck_assert_msg(it != NULL, "as_completed returned NULL");
    struct future *want[] = {d1, d2, p[1], p[2], p[0]};
    const char *names[] = {"done future 1", "done future 2", "the 2nd pending one",
                           "the 3rd pending one", "the 1st pending one"};
    static const int open_before[] = {-1, -1, 1, 2, 0};
    for (int k = 0; k < 5; k++) {
        if (open_before[k] >= 0)
            gate_open(&g[open_before[k]]);
        struct future *got = NULL;
        int rc = as_completed_next(it, &got);
        bool again = false;
        for (int j = 0; j < k; j++)
            again |= got == want[j];
        ck_assert_msg(!again, "as_completed, yield %d: a future already yielded came out "
                      "again: a future passed twice is yielded once", k + 1);
        ck_assert_msg(rc == RESULT_OK && got == want[k], "as_completed, yield %d: expected %s "
                      "(the futures already done come first, in the order given, then the "
                      "others as they finish), got %s and %s", k + 1, names[k],
                      status_name(rc), got == NULL ? "no future" : "another future");
    }
    struct future *end = (struct future *)1;
    int rc = as_completed_next(it, &end);
    ck_assert_msg(rc == RESULT_OK && end == NULL, "after all 5 distinct futures, expected "
                  "RESULT_OK and NULL (the end), got %s and %s: was a repeated future "
                  "yielded twice?", status_name(rc), end ? "a future" : "NULL");
    as_completed_free(it);
    future_release(d1);
    future_release(d2);
    for (int i = 0; i < 3; i++)
        future_release(p[i]);
    executor_free(ex);
}

TEST(as_completed_deadline_is_fixed, 3, 10, "as_completed, as_completed_next")
{
    /* One worker runs five 30 ms tasks behind a gate the test opens only
     * after calling as_completed: they finish at least 30, 60, 90, 120 and
     * 150 ms after the call, however late a loaded machine runs the test.
     * With a 100 ms timeout the iterator must give up at 100 ms.  A timeout
     * restarted at each next() never expires (each wait is only 30 ms) and
     * yields all five. */
    struct executor *ex = new_pool(1);
    struct gate g = GATE_INIT;
    struct future *held = submit(ex, wait_at_gate, &g);
    struct future *fs[5];
    for (int i = 0; i < 5; i++)
        fs[i] = submit(ex, sleep_and_double, (void *)1);
    double start = now_s();
    struct as_completed *it = as_completed(fs, 5, 0.1);
    gate_open(&g);
    ck_assert_msg(it != NULL, "as_completed returned NULL");
    int yielded = 0, rc;
    struct future *f;
    while ((rc = as_completed_next(it, &f)) == RESULT_OK && f)
        yielded++;
    double took = now_s() - start;
    ck_assert_msg(rc == RESULT_TIMEOUT, "expected RESULT_TIMEOUT from as_completed_next after "
                  "the 100 ms deadline, got %s after %d futures and %.0f ms: the deadline is "
                  "fixed when as_completed is called, not restarted at each next",
                  status_name(rc), yielded, took * 1e3);
    ck_assert_msg(took >= 0.1 - 0.001, "as_completed timed out after %.1f ms, before its "
                  "100 ms deadline", took * 1e3);
    ck_assert_msg(yielded < 5, "yielded all 5 futures although the last one cannot finish "
                  "before 150 ms");
    as_completed_free(it);
    executor_shutdown(ex, true, true);   /* no need to sleep through the rest */
    future_release(held);
    for (int i = 0; i < 5; i++)
        future_release(fs[i]);
    executor_free(ex);
}

TEST(as_completed_lets_go_of_what_it_yields, 3, 10,
     "as_completed, as_completed_next, hand_out, as_completed_free")
{
    /* CPython issue 14406: as_completed drops its reference to a future as it
     * yields it, so a caller that lets go of each future after using it
     * keeps only the ones not yet yielded.  Seen here as heap memory: the
     * test releases every future it is handed and measures what was freed
     * while the iterator still exists.  Nothing else allocates or frees
     * meanwhile (the pool is shut down), so an iterator that holds on frees
     * 0 bytes and one that lets go frees every future. */
    enum { N = 400 };
    static struct future *done[N], *later[N];
    struct executor *ex = new_pool(2);
    for (int i = 0; i < N; i++)
        done[i] = submit(ex, double_it, (void *)(intptr_t)i);
    executor_shutdown(ex, true, false);   /* all ran; the workers let go of them */
    for (int i = 0; i < N; i++) {
        later[i] = future_new(double_it, (void *)(intptr_t)i);
        ck_assert_msg(later[i] != NULL, "future_new returned NULL");
    }
    for (int phase = 0; phase < 2; phase++) {
        struct future **fs = phase == 0 ? done : later;
        const char *which = phase == 0 ? "done before as_completed was called"
                                       : "that finished while it watched them";
        struct as_completed *it = as_completed(fs, N, 5.0);
        ck_assert_msg(it != NULL, "as_completed returned NULL");
        for (int i = 0; phase == 1 && i < N; i++)
            future_run(later[i]);
        long long before = (long long)heap_in_use();
        int yielded = 0, rc;
        struct future *f;
        while ((rc = as_completed_next(it, &f)) == RESULT_OK && f) {
            yielded++;
            future_release(f);   /* our reference, the one we passed in: the last */
        }
        long long freed = before - (long long)heap_in_use();
        ck_assert_msg(rc == RESULT_OK && yielded == N, "as_completed over %d futures %s: "
                      "expected all %d, then the end; got %d, then %s", N, which, N, yielded,
                      status_name(rc));
        ck_assert_msg(freed >= (long long)(N * sizeof(struct future) / 2), "as_completed "
                      "kept the futures it had yielded: %d futures %s were yielded and the "
                      "caller released its reference to each, yet only %lld bytes were freed "
                      "while the iterator lived (a future is %zu bytes): release the "
                      "iterator's reference to a future as you yield it (CPython issue "
                      "14406), not in as_completed_free", N, which, freed,
                      sizeof(struct future));
        as_completed_free(it);
    }
    executor_free(ex);
}

static void check_sets(const char *call, struct future **got, size_t ngot,
                       struct future **want, size_t nwant, const char *which)
{
    bool same = ngot == nwant;
    for (size_t i = 0; same && i < ngot; i++)
        same = got[i] == want[i];
    ck_assert_msg(same, "%s: expected %zu future%s in %s (%s), got %zu", call, nwant,
                  nwant == 1 ? "" : "s", which, nwant ? "in the order given" : "none", ngot);
}

TEST(wait_first_completed_and_first_exception, 3, 10, "futures_wait, wait_is_over, watch")
{
    struct gate gb = GATE_INIT, gc = GATE_INIT;
    struct executor *ex = new_pool(3);
    struct future *a = submit(ex, sleep_and_double, (void *)1);   /* done after 30 ms */
    struct future *b = submit(ex, wait_at_gate, &gb);
    struct future *c = submit(ex, wait_at_gate, &gc);
    struct future *fs[3] = {a, b, c}, *done[3], *not_done[3];
    size_t nd, nn;

    double start = now_s();
    ck_assert_int_eq(futures_wait(fs, 3, 5.0, FIRST_COMPLETED, done, &nd, not_done, &nn), 0);
    double took = now_s() - start;
    struct future *want_done[] = {a}, *want_not[] = {b, c};
    check_sets("wait(FIRST_COMPLETED)", done, nd, want_done, 1, "done");
    check_sets("wait(FIRST_COMPLETED)", not_done, nn, want_not, 2, "not_done");
    /* A finishes after 30 ms; a wait that only returns at its 5 s timeout
     * is off by seconds, so 1 s is a safe bound on a loaded machine. */
    ck_assert_msg(took < 1.0, "wait(FIRST_COMPLETED) took %.2f s although a future finished "
                  "after 30 ms", took);

    /* FIRST_EXCEPTION: returns as soon as one future fails. */
    struct future *bad = submit(ex, fail_with_edom, NULL);
    fs[1] = bad;
    start = now_s();
    ck_assert_int_eq(futures_wait(fs, 3, 5.0, FIRST_EXCEPTION, done, &nd, not_done, &nn), 0);
    took = now_s() - start;
    struct future *want_done2[] = {a, bad}, *want_not2[] = {c};
    check_sets("wait(FIRST_EXCEPTION)", done, nd, want_done2, 2, "done");
    check_sets("wait(FIRST_EXCEPTION)", not_done, nn, want_not2, 1, "not_done");
    ck_assert_msg(took < 1.0, "wait(FIRST_EXCEPTION) took %.2f s although a task failed at "
                  "once: it must return at the first error", took);

    /* FIRST_EXCEPTION with no error at all behaves like ALL_COMPLETED. */
    gate_open(&gb);
    gate_open(&gc);
    struct future *ok[] = {a, c};
    ck_assert_int_eq(futures_wait(ok, 2, 5.0, FIRST_EXCEPTION, done, &nd, not_done, &nn), 0);
    check_sets("wait(FIRST_EXCEPTION) without errors", done, nd, ok, 2, "done");
    int rc = futures_wait(ok, 2, 5.0, (enum return_when)42, done, &nd, not_done, &nn);
    ck_assert_msg(rc == EINVAL, "futures_wait with an unknown return_when: expected EINVAL, "
                  "got %d", rc);

    future_release(a);
    future_release(b);
    future_release(bad);
    future_release(c);
    executor_free(ex);
}

TEST(wait_all_completed_and_timeout, 3, 10, "futures_wait, wait_is_over")
{
    struct gate g = GATE_INIT;
    struct executor *ex = new_pool(3);
    struct future *a = submit(ex, double_it, (void *)1);
    struct future *b = submit(ex, wait_at_gate, &g);
    struct future *fs[] = {a, b, a};   /* a repeated future counts once */
    struct future *done[3], *not_done[3];
    size_t nd = 9, nn = 9;

    double start = now_s();
    int rc = futures_wait(fs, 3, 0.05, ALL_COMPLETED, done, &nd, not_done, &nn);
    double took = now_s() - start;
    ck_assert_msg(rc == 0, "a timeout is not an error: expected futures_wait to return 0, "
                  "got %d", rc);
    ck_assert_msg(took >= 0.05 - 0.001, "wait(timeout=0.05) returned after %.1f ms",
                  took * 1e3);
    struct future *want_done[] = {a}, *want_not[] = {b};
    check_sets("wait(ALL_COMPLETED, timeout=0.05)", done, nd, want_done, 1, "done");
    check_sets("wait(ALL_COMPLETED, timeout=0.05)", not_done, nn, want_not, 1, "not_done");

    gate_open(&g);
    ck_assert_int_eq(futures_wait(fs, 3, 5.0, ALL_COMPLETED, done, &nd, not_done, &nn), 0);
    struct future *both[] = {a, b};
    check_sets("wait(ALL_COMPLETED)", done, nd, both, 2, "done");
    check_sets("wait(ALL_COMPLETED)", not_done, nn, NULL, 0, "not_done");

    ck_assert_int_eq(futures_wait(NULL, 0, NO_TIMEOUT, ALL_COMPLETED, done, &nd, not_done,
                                  &nn), 0);
    ck_assert_msg(nd == 0 && nn == 0, "waiting for no futures returns at once with two empty "
                  "sets");
    future_release(a);
    future_release(b);
    executor_free(ex);
}

TEST(cancelled_counts_as_done_at_once, 3, 15, "future_cancel, announce_done, futures_wait, "
     "as_completed_next, executor_shutdown")
{
    /* The worker is stuck on a task for the whole test, so nothing gets
     * dequeued: a cancelled future must count as done without any worker's
     * help.  CPython hangs in each of these cases (issues 92001, 109934 and
     * 87893). */
    struct gate g = GATE_INIT;
    struct executor *ex = new_pool(1);
    struct future *busy = submit(ex, wait_at_gate, &g);
    struct future *b = submit(ex, double_it, (void *)1);
    struct future *c = submit(ex, double_it, (void *)2);
    struct future *d = submit(ex, double_it, (void *)3);
    struct future *e = submit(ex, double_it, (void *)4);
    struct future *done[2], *not_done[2];
    size_t nd, nn;

    ck_assert_msg(future_cancel(b), "cancel of a queued future failed");
    struct future *just_b[] = {b};
    ck_assert_int_eq(futures_wait(just_b, 1, 2.0, ALL_COMPLETED, done, &nd, not_done, &nn), 0);
    ck_assert_msg(nd == 1 && nn == 0, "wait(ALL_COMPLETED) on a cancelled future said it was "
                  "not done (CPython issue 92001 hangs here): cancelled counts as done");

    struct future *bc[] = {c, b};
    ck_assert_int_eq(futures_wait(bc, 2, 2.0, FIRST_COMPLETED, done, &nd, not_done, &nn), 0);
    ck_assert_msg(nd == 1 && done[0] == b && nn == 1 && not_done[0] == c, "wait(FIRST_COMPLETED)"
                  " on [pending, cancelled]: expected done = [the cancelled one], not_done = "
                  "[the pending one], got %zu done and %zu not done (CPython issue 109934)",
                  nd, nn);

    struct future *de[] = {d, e};
    struct as_completed *it = as_completed(de, 2, 2.0);
    ck_assert_msg(it != NULL, "as_completed returned NULL");
    executor_shutdown(ex, false, true);   /* cancels d and e while it watches them */
    for (int k = 0; k < 2; k++) {
        struct future *got = NULL;
        int rc = as_completed_next(it, &got);
        ck_assert_msg(rc == RESULT_OK && got == de[k], "as_completed over 2 futures that "
                      "shutdown(cancel_futures=true) cancelled: yield %d was %s and %s "
                      "(CPython issue 87893): a cancel must notify watchers at once, not "
                      "when a worker dequeues the future", k + 1, status_name(rc),
                      got == de[k] ? "the right future" : got ? "the wrong future" : "none");
    }
    as_completed_free(it);
    gate_open(&g);
    future_release(busy);
    future_release(b);
    future_release(c);
    future_release(d);
    future_release(e);
    executor_free(ex);
}

/* ---- under the kit's scheduler ------------------------------------------ */

/* Two threads run a future each while the test iterates as_completed over
 * both (10 s, on the scheduler's virtual clock), under 150 schedules: a
 * thread may be stopped at any lock, wait, signal or atomic operation.
 * Both futures must come out, then the end.  A future that finishes
 * between as_completed looking at it and hooking itself on it is never
 * announced: in this test, as_completed_next times out. */
SCHEDULE_TEST(as_completed_under_schedules, 3, 20, "as_completed, as_completed_next, watch", 150)
{
    struct future *fs[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        fs[i] = future_new(double_it, (void *)(intptr_t)i);
        ck_assert_msg(fs[i] != NULL, "future_new returned NULL");
        ck_assert_int_eq(pthread_create(&t[i], NULL, run_future, fs[i]), 0);
    }
    struct as_completed *it = as_completed(fs, 2, 10);
    ck_assert_msg(it != NULL, "as_completed returned NULL");
    struct future *got[3] = {NULL, NULL, NULL};
    int rc = RESULT_OK, n = 0;
    while (n < 3 && (rc = as_completed_next(it, &got[n])) == RESULT_OK && got[n])
        n++;
    as_completed_free(it);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    ck_assert_msg(rc == RESULT_OK && n == 2 && got[0] != got[1], "as_completed over two "
                  "futures that two threads were running yielded %d of them, then %s: %s", n,
                  status_name(rc), rc == RESULT_TIMEOUT ? "a future finished and nobody told "
                  "the iterator. Check a future's state and hook the waiter on it under the "
                  "future's lock, the lock it announces under" : "expected both, then the end");
    for (int i = 0; i < 2; i++)
        future_release(fs[i]);
}
