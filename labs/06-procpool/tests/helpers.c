/* helpers.c - lab 06's shared test code (see helpers.h): the board, the
 * functions tasks call, and the test's side of a pool. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "helpers.h"

/* ---- the board: shared memory between the test and its workers ----------- */

struct board *board;
struct value *total;   /* the Value tasks add to, like the seed's global */

int64_t get_i64(const void *arg)
{
    int64_t x;
    memcpy(&x, arg, sizeof x);
    return x;
}

long put_i64(void *out, int64_t x)
{
    memcpy(out, &x, sizeof x);
    return sizeof x;
}

/* ---- the functions tasks call (registered before each pool) -------------- */

long double_it(const void *arg, size_t len, void *out, size_t cap)
{
    (void)len, (void)cap;
    return put_i64(out, 2 * get_i64(arg));
}

long whoami(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)cap;
    return put_i64(out, getpid());
}

/* Arrive, then wait (up to 3 s) until arg tasks have arrived.  Returns 1 if
 * they all met. */
long meet(const void *arg, size_t len, void *out, size_t cap)
{
    (void)len, (void)cap;
    atomic_fetch_add(&board->arrived, 1);
    return put_i64(out, count_reaches(&board->arrived, (int)get_i64(arg), 3.0));
}

/* Say we started, then wait (up to 10 s) for the test to open the gate. */
long wait_at_gate(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)cap;
    atomic_store(&board->last_pid, getpid());
    atomic_fetch_add(&board->started, 1);
    count_reaches(&board->gate_open, 1, 10.0);
    return put_i64(out, 1);
}

/* Seed 003: calculate(start, end) sleeps one unit per number, adds the sum
 * to the shared value under its lock, and returns the value it then sees. */
long calculate(const void *arg, size_t len, void *out, size_t cap)
{
    (void)len, (void)cap;
    struct partition part;
    memcpy(&part, arg, sizeof part);
    int n = part.end - part.start + 1;
    sleep_s(n * unit);
    int sum = 0;
    for (int i = 0; i < n; i++)
        sum += part.start + i;
    value_acquire(total);
    value_set(total, value_get(total) + sum);
    value_release(total);
    return put_i64(out, (int64_t)value_get(total));
}

/* Meet the other nine, then add 1 arg times, each under the lock with a
 * yield in the middle: the worst moment for another process to step in. */
long locked_increments(const void *arg, size_t len, void *out, size_t cap)
{
    (void)len, (void)cap;
    atomic_fetch_add(&board->arrived, 1);
    count_reaches(&board->arrived, 10, 3.0);
    for (int64_t i = 0; i < get_i64(arg); i++) {
        value_acquire(total);
        double seen = value_get(total);
        sched_yield();
        value_set(total, seen + 1);
        value_release(total);
    }
    return put_i64(out, 0);
}

/* Take the value's lock, half-update, and die holding it. */
long lock_and_die(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)out, (void)cap;
    value_acquire(total);
    value_set(total, 7);
    kill(getpid(), SIGKILL);
    return -1;
}

/* x -> x*x + 1; item 0 takes 20 ms, so the chunk holding it finishes last. */
long slow_first_square(const void *arg, size_t len, void *out, size_t cap)
{
    (void)len, (void)cap;
    int64_t x = get_i64(arg);
    if (x == 0)
        sleep_s(0.02);
    return put_i64(out, x * x + 1);
}

/* A big result from a big argument: its 8-byte words in reverse order, each
 * byte-swapped and flipped, so a lost, repeated or misplaced piece shows.
 * (Word by word: byte by byte is slow under ThreadSanitizer.) */
long flip_reverse(const void *arg, size_t len, void *out, size_t cap)
{
    if (len > cap || len % 8 != 0)
        return -1;
    const unsigned char *in = arg;
    unsigned char *o = out;
    for (size_t i = 0, n = len / 8; i < n; i++) {
        uint64_t w;
        memcpy(&w, in + 8 * (n - 1 - i), 8);
        w = ~__builtin_bswap64(w);
        memcpy(o + 8 * i, &w, 8);
    }
    return (long)len;
}

long checksum(const void *arg, size_t len, void *out, size_t cap)
{
    (void)cap;
    const unsigned char *in = arg;
    int64_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = sum * 31 + in[i];
    return put_i64(out, sum);
}

long always_fail(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)out, (void)cap;
    return -1;
}

long segfault(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)out, (void)cap;
    if (atomic_load(&board->hold_killers))
        count_reaches(&board->gate_open, 1, 10.0);
    /* The default action, not a sanitizer's report: the worker just dies. */
    signal(SIGSEGV, SIG_DFL);
    int *volatile nowhere = NULL;
    *(volatile int *)nowhere = 1;
    return -1;
}

long exit_3(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)out, (void)cap;
    if (atomic_load(&board->hold_killers))
        count_reaches(&board->gate_open, 1, 10.0);
    _exit(3);
}

/* Wait (up to 5 s) until the test opens the gate and one of this worker's
 * pipes holds at least 60 KiB, which means the parent is blocked writing a
 * big task into it; then crash: CPython issue 94777's moment. */
long crash_when_pipe_full(const void *arg, size_t len, void *out, size_t cap)
{
    double deadline = now_s() + 5.0;
    while (now_s() < deadline &&
           !(atomic_load(&board->fds_full) && atomic_load(&board->gate_open))) {
        for (int fd = 0; fd < 256; fd++) {
            int queued = 0;
            if (ioctl(fd, FIONREAD, &queued) == 0 && queued >= 60 * 1024)
                atomic_store(&board->fds_full, 1);
        }
        sleep_s(0.001);
    }
    return segfault(arg, len, out, cap);
}

long count_run(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)cap;
    atomic_fetch_add(&board->ran, 1);
    return put_i64(out, 1);
}

long late(const void *arg, size_t len, void *out, size_t cap)
{
    return double_it(arg, len, out, cap);
}

/* Say we started, wait (up to 10 s) at the gate, then return 10 * arg. */
long gate_then_tenfold(const void *arg, size_t len, void *out, size_t cap)
{
    wait_at_gate(arg, len, out, cap);
    return put_i64(out, 10 * get_i64(arg));
}

/* Recipe 12.8's third rule broken on purpose: a task with a side effect.
 * It sets its process's global to arg and returns what the global was. */
int64_t process_global;

long swap_global(const void *arg, size_t len, void *out, size_t cap)
{
    (void)len, (void)cap;
    int64_t was = process_global;
    process_global = get_i64(arg);
    return put_i64(out, was);
}

void register_all(void)
{
    static const struct { const char *name; procpool_fn fn; } table[] = {
        {"double_it", double_it}, {"whoami", whoami}, {"meet", meet},
        {"wait_at_gate", wait_at_gate}, {"calculate", calculate},
        {"locked_increments", locked_increments}, {"lock_and_die", lock_and_die},
        {"slow_first_square", slow_first_square}, {"flip_reverse", flip_reverse},
        {"checksum", checksum}, {"fail", always_fail}, {"segfault", segfault},
        {"exit_3", exit_3}, {"crash_when_pipe_full", crash_when_pipe_full},
        {"count_run", count_run},
        {"gate_then_tenfold", gate_then_tenfold}, {"swap_global", swap_global},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        ck_assert_int_eq(procpool_register(table[i].name, table[i].fn), 0);
    board = mmap(NULL, sizeof *board, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert(board != MAP_FAILED);
}

/* ---- helpers for the test's side ----------------------------------------- */

struct procpool *new_pool(int nworkers)
{
    struct procpool *p = procpool_new(nworkers);
    ck_assert_msg(p != NULL, "procpool_new(%d) returned NULL (errno %d: %s)", nworkers, errno,
                  strerror(errno));
    return p;
}

struct future *submit(struct procpool *p, const char *fn, const void *arg, size_t len)
{
    struct future *f = NULL;
    int err = procpool_submit(p, fn, arg, len, &f);
    ck_assert_msg(err == PROCPOOL_OK && f != NULL, "procpool_submit(\"%s\") returned %d (%s)%s",
                  fn, err, procpool_strerror(err), f ? "" : " and no future");
    return f;
}

struct future *submit_i64(struct procpool *p, const char *fn, int64_t x)
{
    return submit(p, fn, &x, sizeof x);
}

/* The result of f as a number, waiting up to `within` s; fails the test
 * with `what` if there is none. */
int64_t result_i64(struct future *f, double within, const char *what)
{
    const void *data = NULL;
    size_t len = 0;
    int status = future_result(f, within, &data, &len);
    ck_assert_msg(status == PROCPOOL_OK, "%s: expected a result, got %d (%s)", what, status,
                  procpool_strerror(status));
    ck_assert_msg(len == sizeof(int64_t) && data, "%s: expected an 8-byte result, got %zu bytes",
                  what, len);
    return get_i64(data);
}

/* The first index where a and b differ, or n.  Loops find the difference
 * and the test checks once: Check records every check that passes, and a
 * million of them would overflow its message file. */
int first_difference(const int64_t *a, const int64_t *b, int n)
{
    int i = 0;
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

bool is_settled(void *f) { return future_done(f); }

/* The descriptors open in this process, but for those on /proc: the kit's
 * watcher thread reads /proc now and then while a test runs (to see who
 * holds which pipe, and to list /proc itself for strays), and one of its
 * reads open at the moment of a count
 * made the reference fail under a slow, loaded AddressSanitizer pass
 * ("8 ... before the pool and 9 after").  A pool's leaks are pipes, never
 * /proc, so nothing a student can leak is left uncounted. */
int count_open_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        char target[64];
        ssize_t len = e->d_name[0] == '.' ? -1
                      : readlinkat(dirfd(dir), e->d_name, target, sizeof target - 1);
        if (len < 0)
            continue;   /* ".", "..", or closed since the listing: not open now */
        target[len] = '\0';
        n += strcmp(target, "/proc") != 0 && strncmp(target, "/proc/", 6) != 0;
    }
    closedir(dir);
    return n;
}

/* Shut p down on a helper thread, waiting at most `within` s.  Returns the
 * seconds it took, or -1 if it had not returned by then. */

void *shutdown_body(void *arg)
{
    struct shutdown_call *call = arg;
    procpool_shutdown(call->p, call->wait, call->cancel_futures);
    atomic_store(&call->returned, true);
    return NULL;
}

bool has_returned(void *call) { return atomic_load(&((struct shutdown_call *)call)->returned); }

double shutdown_within(struct procpool *p, bool wait, bool cancel_futures, double within)
{
    static struct shutdown_call call;   /* outlives us if the shutdown hangs */
    call = (struct shutdown_call){p, wait, cancel_futures, false};
    pthread_t t;
    double start = now_s();
    ck_assert_int_eq(pthread_create(&t, NULL, shutdown_body, &call), 0);
    if (!eventually(has_returned, &call, within)) {
        pthread_detach(t);
        return -1;
    }
    pthread_join(t, NULL);
    return now_s() - start;
}

void open_fds(bool *open)
{
    for (int fd = 0; fd < MAX_FDS; fd++)
        open[fd] = fcntl(fd, F_GETFD) != -1;
}

/* Bytes written into pipes opened since `before` and not yet read: a pool's
 * task pipes hold what the feeder sent ahead.  (On a pipe, FIONREAD tells the
 * unread bytes through either end: the parent holds the writing end.) */
static int bytes_in_new_pipes(const bool *before)
{
    int total = 0;
    for (int fd = 0; fd < MAX_FDS; fd++) {
        struct stat st;
        int queued = 0;
        if (!before[fd] && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) &&
            ioctl(fd, FIONREAD, &queued) == 0)
            total += queued;
    }
    return total;
}

/* Wait (up to 5 s) until the pool's pipes hold at least `bytes` sent ahead.
 * Returns what they hold then; a pool that sends nothing ahead gets a note. */
int wait_until_fed(const bool *before, int bytes)
{
    double deadline = now_s() + 5.0;
    int held;
    while ((held = bytes_in_new_pipes(before)) < bytes && now_s() < deadline)
        sleep_s(0.0005);
    if (held < bytes)
        lab_test_note("the pool's pipes held %d bytes of tasks sent ahead, not %d: the "
                      "cancels below mostly reached the pool's own queue", held, bytes);
    return held;
}

/* No worker of p may be left running or a zombie once it is shut down. */
void check_reaped(const pid_t *pids, int n, const char *when)
{
    for (int i = 0; i < n; i++) {
        pid_t got = waitpid(pids[i], NULL, WNOHANG);
        ck_assert_msg(got != pids[i], "%s: worker %d (pid %d) was a zombie: the pool must "
                      "waitpid() every worker it forked", when, i, (int)pids[i]);
        ck_assert_msg(got == -1 && errno == ECHILD, "%s: worker %d (pid %d) was still "
                      "running after procpool_shutdown returned", when, i, (int)pids[i]);
    }
}

