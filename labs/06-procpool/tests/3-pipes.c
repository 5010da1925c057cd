/* 3-pipes.c - lab 06, Part 3: bytes through pipes (big messages, signals). */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static void fill_pattern(unsigned char *buf, size_t len, unsigned seed)
{
    uint64_t x = 88172645463325252ull ^ seed;
    for (size_t i = 0; i + 8 <= len; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(buf + i, &x, 8);
    }
}

/* Where two buffers first differ (len if nowhere). */
static size_t first_wrong_byte(const unsigned char *got, const unsigned char *want, size_t len)
{
    size_t i = 0;
    if (memcmp(got, want, len) != 0)
        while (got[i] == want[i])
            i++;
    else
        i = len;
    return i;
}

/* `rounds` x 2 tasks of 1 MiB each way, every byte checked; then a map whose
 * chunks are 200 KiB each way. */
static void big_messages(struct procpool *p, int rounds, const char *during, const char *hint)
{
    enum { BIG = PROCPOOL_MAX_RESULT, ITEM = 100 * 1024, ITEMS = 6 };
    unsigned char *arg = malloc(BIG), *want[2] = {malloc(BIG), malloc(BIG)};
    unsigned char *items = malloc(ITEM * ITEMS), *out = malloc(ITEM * ITEMS),
                  *want_out = malloc(ITEM * ITEMS);
    for (int r = 0; r < rounds; r++) {
        struct future *f[2];
        for (int k = 0; k < 2; k++) {
            fill_pattern(arg, BIG, (unsigned)(2 * r + k));
            flip_reverse(arg, BIG, want[k], BIG);
            int err = procpool_submit(p, "flip_reverse", arg, BIG, &f[k]);
            ck_assert_msg(err == PROCPOOL_OK, "%ssubmit of a 1 MiB task returned %d (%s)%s",
                          during, err, procpool_strerror(err), hint);
        }
        for (int k = 0; k < 2; k++) {
            const void *data = NULL;
            size_t len = 0;
            int status = future_result(f[k], 5, &data, &len);
            ck_assert_msg(status == PROCPOOL_OK, "%sa 1 MiB task failed: %d (%s)%s", during,
                          status, procpool_strerror(status), hint);
            ck_assert_msg(len == BIG, "%sa 1 MiB task returned %zu bytes", during, len);
            size_t bad = first_wrong_byte(data, want[k], BIG);
            ck_assert_msg(bad == BIG, "%sa 1 MiB message came back wrong from byte %zu on: "
                          "a pipe takes at most 64 KiB at a time, so write and read in a loop "
                          "until every byte is through", during, bad);
            future_release(f[k]);
        }
    }
    fill_pattern(items, ITEM * ITEMS, 99);
    for (int i = 0; i < ITEMS; i++)
        flip_reverse(items + i * ITEM, ITEM, want_out + i * ITEM, ITEM);
    int err = procpool_map(p, "flip_reverse", items, ITEM, out, ITEM, ITEMS, 2);
    ck_assert_msg(err == PROCPOOL_OK, "%sa procpool_map of 100 KiB items returned %d (%s)%s",
                  during, err, procpool_strerror(err), hint);
    size_t bad = first_wrong_byte(out, want_out, ITEM * ITEMS);
    ck_assert_msg(bad == ITEM * ITEMS, "%sitem %zu of a procpool_map of 100 KiB items came back "
                  "wrong at byte %zu", during, bad / ITEM, bad % ITEM);
    free(arg);
    free(want[0]);
    free(want[1]);
    free(items);
    free(out);
    free(want_out);
}

TEST(big_messages_cross_pipes_intact, 5, 20, "write_all, read_all, worker_main, collect_one")
{
    register_all();
    struct procpool *p = new_pool(2);
    big_messages(p, 3, "", "");
    procpool_shutdown(p, true, false);
}

static void on_signal(int sig) { (void)sig; }

struct signaller {
    pid_t targets[3];
    atomic_bool stop;
    atomic_int sent;
};

/* Send SIGUSR1 to the workers and to the pool's own threads, over and over. */
static void *signal_everyone(void *arg)
{
    struct signaller *s = arg;
    while (!atomic_load(&s->stop)) {
        for (int i = 0; i < 3; i++)
            kill(s->targets[i], SIGUSR1);
        atomic_fetch_add(&s->sent, 1);
        sleep_s(0.0002);
    }
    return NULL;
}

TEST(signals_interrupt_pipe_io_harmlessly, 5, 30, "write_all, read_all, collector")
{
    /* A handler without SA_RESTART: a signal makes a blocked read, write or
     * poll return EINTR, or a write return early with part of its bytes
     * written.  The workers inherit the handler when they are forked. */
    register_all();
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    struct procpool *p = new_pool(2);

    /* Block SIGUSR1 in this thread and the signaller, so the signals sent to
     * the process land on the pool's helper threads. */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    static struct signaller s;
    s = (struct signaller){.targets = {getpid(), procpool_worker_pid(p, 0), procpool_worker_pid(p, 1)}};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, signal_everyone, &s), 0);

    big_messages(p, 4, "with signals arriving, ", ": a read, write or poll that fails with "
                 "EINTR must simply be tried again, and a write that a signal cut short must "
                 "go on with the rest");
    enum { N = 3000 };
    static int64_t in[N], out[N];
    for (int i = 0; i < N; i++)
        in[i] = i;
    int err = procpool_map(p, "double_it", in, 8, out, 8, N, 7);
    atomic_store(&s.stop, true);
    pthread_join(t, NULL);
    ck_assert_msg(err == PROCPOOL_OK, "with signals arriving, a map returned %d (%s): a "
                  "read or write that fails with EINTR must simply be tried again", err,
                  procpool_strerror(err));
    int i = 0;
    while (i < N && out[i] == 2 * i)
        i++;
    ck_assert_msg(i == N, "with signals arriving, procpool_map's result %d was %ld", i, (long)out[i % N]);
    procpool_shutdown(p, true, false);
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
    signal(SIGUSR1, SIG_IGN);
    ck_assert_msg(s.sent > 10, "the test sent only %d rounds of signals", s.sent);
}
