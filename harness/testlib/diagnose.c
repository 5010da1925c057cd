/*
 * diagnose.c - a stopped test's snapshot (written by watch.c) in words.
 *
 * Addresses become `function (file:line)` through addr2line from binutils,
 * which comes with gcc on Debian (harness/scripts/deps.sh checks): one run for the
 * whole snapshot.  Each thread is placed at its innermost frame in the
 * student's files; failing that, in the test's own file.  Locks and condition
 * variables are named by the argument of the call on the source line that
 * took or waited on them ("b->not_empty"), or by a letter when that source is
 * not readable.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagnose.h"

/* Every text here is cut to a fixed size on purpose: feedback is bounded. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#ifndef KIT_ROOT
#define KIT_ROOT "."
#endif

enum { MAX_THREADS = 256, MAX_LOCKS = 256, MAX_CONDS = 128, MAX_FRAMES = 40, MAX_ADDRS = 4096 };

struct thread {
    int number;
    char use[16], wait[16];
    int timed;
    double age;
    unsigned long at, start, created_at;
    char object[32], aux[32];
    int join_target;
    unsigned long frames[MAX_FRAMES];
    int nframes;
    char where[256];          /* "fn (file:line)" */
    char where_fn[96];
};

struct lock {
    char addr[32];
    int holder;
    unsigned long at;
    double age;
    char name[128];
};

struct cond {
    char addr[32];
    int waiters, last_kind, last_waiters;
    unsigned long last_at;
    long wakes;
    double last_age;
    char name[128];
};

/* One address, resolved: its inline chain, innermost first. */
struct place {
    char fn[96];
    char file[256];
    int line;
};
struct resolved {
    unsigned long addr;
    struct place chain[4];
    int depth;
};

static struct thread threads[MAX_THREADS];
static struct lock locks[MAX_LOCKS];
static struct cond conds[MAX_CONDS];
static int nthreads, nlocks, nconds;
static struct resolved addrs[MAX_ADDRS];
static int naddrs;
static char reason[16];
static unsigned long clock_at;   /* a timed wait on the wrong clock, or 0 */
static double clock_early;
static double elapsed;
static const char *students;
static int letters;
/* A failed check: only threads that had waited this long (with no deadline)
 * count as stuck; a helper waiting a moment for the test is not news. */
static double min_age;
enum { FAILED_MIN_AGE_S = 1 };

static void add_addr(unsigned long a)
{
    if (!a || naddrs == MAX_ADDRS)
        return;
    for (int i = 0; i < naddrs; i++)
        if (addrs[i].addr == a)
            return;
    memset(&addrs[naddrs], 0, sizeof addrs[naddrs]);   /* the runner diagnoses many tests */
    addrs[naddrs++].addr = a;
}

static struct resolved *find_addr(unsigned long a)
{
    for (int i = 0; a && i < naddrs; i++)
        if (addrs[i].addr == a)
            return &addrs[i];
    return NULL;
}

/* One addr2line run: "-a" prints each address first, then function and
 * file:line pairs, innermost inline first (-i). */
static void resolve_all(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || naddrs == 0)
        return;
    exe[n] = '\0';
    size_t cap = 64 + strlen(exe) + (size_t)naddrs * 20;
    char *cmd = malloc(cap);
    size_t used = (size_t)snprintf(cmd, cap, "addr2line -a -f -i -e '%s'", exe);
    for (int i = 0; i < naddrs; i++)
        used += (size_t)snprintf(cmd + used, cap - used, " %lx", addrs[i].addr);
    snprintf(cmd + used, cap - used, " 2>/dev/null");
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p)
        return;
    char line[1024], fn[1024];
    struct resolved *cur = NULL;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "0x", 2) == 0) {
            cur = find_addr(strtoul(line, NULL, 16));
            continue;
        }
        snprintf(fn, sizeof fn, "%s", line);
        if (!fgets(line, sizeof line, p))
            break;
        line[strcspn(line, "\n")] = '\0';
        if (!cur || cur->depth == 4)
            continue;
        struct place *pl = &cur->chain[cur->depth++];
        snprintf(pl->fn, sizeof pl->fn, "%s", fn);
        char *colon = strrchr(line, ':');
        pl->line = colon ? atoi(colon + 1) : 0;
        if (colon)
            *colon = '\0';
        snprintf(pl->file, sizeof pl->file, "%s", line);
    }
    pclose(p);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static bool is_student_file(const char *file)
{
    if (is_test_source(file))
        return false;
    const char *b = base_name(file);
    size_t len = strlen(b);
    for (const char *p = students; len && (p = strstr(p, b)); p += len) {
        bool starts = p == students || p[-1] == ' ' || p[-1] == '/';
        bool ends = p[len] == '\0' || p[len] == ' ';
        if (starts && ends)
            return true;
    }
    return false;
}

bool is_test_source(const char *file)
{
    const char *b = base_name(file);
    size_t folder = strlen("tests/");
    return (size_t)(b - file) >= folder && strncmp(b - folder, "tests/", folder) == 0 &&
           (b - file == (ptrdiff_t)folder || b[-folder - 1] == '/');
}

const char *source_name(const char *file)
{
    return is_test_source(file) ? base_name(file) - strlen("tests/") : base_name(file);
}

static void describe_place(const struct place *pl, char *out, size_t size)
{
    if (is_test_source(pl->file))
        snprintf(out, size, "the test's %s (%s:%d)", pl->fn, source_name(pl->file), pl->line);
    else
        snprintf(out, size, "%s (%s:%d)", pl->fn, base_name(pl->file), pl->line);
}

/* The innermost place among `n` addresses that passes `want`. */
static const struct place *first_place(const unsigned long *a, int n, bool (*want)(const char *))
{
    for (int i = 0; i < n; i++) {
        struct resolved *r = find_addr(a[i]);
        for (int d = 0; r && d < r->depth; d++)
            if (r->chain[d].line > 0 && want(r->chain[d].file))
                return &r->chain[d];
    }
    return NULL;
}

/* Where an address (or a stack) is, in the student's files first. */
static const struct place *best_place(const unsigned long *a, int n)
{
    const struct place *pl = first_place(a, n, is_student_file);
    return pl ? pl : first_place(a, n, is_test_source);
}

static void where_of(unsigned long a, char *out, size_t size, char *fn, size_t fn_size)
{
    const struct place *pl = best_place(&a, 1);
    if (!pl) {
        struct resolved *r = find_addr(a);
        pl = r && r->depth ? &r->chain[0] : NULL;
    }
    if (pl) {
        describe_place(pl, out, size);
        if (fn && is_student_file(pl->file))
            snprintf(fn, fn_size, "%s", pl->fn);
    } else {
        snprintf(out, size, "an unknown place");
    }
}

bool call_argument(const char *file, int line, const char *call, char *out, size_t size)
{
    char path[4096];
    if (file[0] == '/')
        snprintf(path, sizeof path, "%s", file);
    else
        snprintf(path, sizeof path, "%s/%s", KIT_ROOT, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char text[1024];
    bool found = false;
    for (int n = 1; fgets(text, sizeof text, f); n++) {
        if (n < line)
            continue;
        char *p = strstr(text, call);
        if (p && p[strlen(call)] == '(') {
            p += strlen(call) + 1;
            while (*p == ' ' || *p == '&')
                p++;
            size_t len = 0;
            int depth = 0;
            while (p[len] && !(depth == 0 && (p[len] == ',' || p[len] == ')'))) {
                depth += p[len] == '(' || p[len] == '[';
                depth -= p[len] == ')' || p[len] == ']';
                len++;
            }
            while (len && isspace((unsigned char)p[len - 1]))
                len--;
            if (len && len < size) {
                snprintf(out, size, "%.*s", (int)len, p);
                found = true;
            }
        }
        break;
    }
    fclose(f);
    return found;
}

/* A name for an object from the source line of `site`, else "mutex A". */
static void name_object(unsigned long site, const char *call, const char *kind, char *out,
                        size_t size)
{
    struct resolved *r = find_addr(site);
    char arg[120];
    if (r && r->depth && call_argument(r->chain[0].file, r->chain[0].line, call, arg, sizeof arg)) {
        snprintf(out, size, "%s", arg);
        return;
    }
    snprintf(out, size, "%s %c", kind, 'A' + letters++ % 26);
}

/* The lock as the waiting thread's own line spells it, else its name. */
static const char *waited_name(const struct thread *t, const struct lock *l, char *out, size_t size)
{
    struct resolved *r = find_addr(t->at);
    if (r && r->depth && call_argument(r->chain[0].file, r->chain[0].line, "pthread_mutex_lock",
                                       out, size))
        return out;
    return l->name;
}

static struct thread *thread_no(int number)
{
    for (int i = 0; i < nthreads; i++)
        if (threads[i].number == number)
            return &threads[i];
    return NULL;
}

static struct lock *lock_at(const char *addr)
{
    for (int i = 0; i < nlocks; i++)
        if (!strcmp(locks[i].addr, addr))
            return &locks[i];
    return NULL;
}

static struct cond *cond_at(const char *addr)
{
    for (int i = 0; i < nconds; i++)
        if (!strcmp(conds[i].addr, addr))
            return &conds[i];
    return NULL;
}

static void parse(FILE *f)
{
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "reason %15s", reason) == 1 || sscanf(line, "elapsed %lf", &elapsed) == 1 ||
            sscanf(line, "clock %lx %lf", &clock_at, &clock_early) == 2)
            continue;
        if (strncmp(line, "thread ", 7) == 0 && nthreads < MAX_THREADS) {
            struct thread *t = &threads[nthreads];
            memset(t, 0, sizeof *t);
            int used = 0;
            if (sscanf(line, "thread %d %15s %15s %d %lf %lx %lx %lx %31s %31s %d%n", &t->number,
                       t->use, t->wait, &t->timed, &t->age, &t->at, &t->start, &t->created_at,
                       t->object, t->aux, &t->join_target, &used) < 11)
                continue;
            for (char *p = line + used; t->nframes < MAX_FRAMES;) {
                char *end;
                unsigned long a = strtoul(p, &end, 16);
                if (end == p)
                    break;
                if (a)
                    t->frames[t->nframes++] = a;
                p = end;
            }
            nthreads++;
        } else if (strncmp(line, "lock ", 5) == 0 && nlocks < MAX_LOCKS) {
            struct lock *l = &locks[nlocks];
            memset(l, 0, sizeof *l);
            if (sscanf(line, "lock %31s %d %lx %lf", l->addr, &l->holder, &l->at, &l->age) == 4)
                nlocks++;
        } else if (strncmp(line, "cond ", 5) == 0 && nconds < MAX_CONDS) {
            struct cond *c = &conds[nconds];
            memset(c, 0, sizeof *c);
            if (sscanf(line, "cond %31s %d %d %lx %d %ld %lf", c->addr, &c->waiters, &c->last_kind,
                       &c->last_at, &c->last_waiters, &c->wakes, &c->last_age) == 7)
                nconds++;
        }
    }
}

/* Append printf-style to a fixed buffer. */
static void add(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

static void add_look_at(struct diagnosis *d, const char *fn)
{
    if (!fn || !*fn)
        return;
    char padded[128];
    snprintf(padded, sizeof padded, ", %s,", fn);
    char have[600];
    snprintf(have, sizeof have, ", %s,", d->look_at);
    if (strstr(have, padded))
        return;
    add(d->look_at, sizeof d->look_at, "%s%s", *d->look_at ? ", " : "", fn);
}

static const char *thread_label(const struct thread *t, char *buf, size_t size)
{
    if (t->number == 1)
        return "thread 1 (the test)";
    struct resolved *r = find_addr(t->start);
    if (r && r->depth)   /* the outermost of an inline chain is the function itself */
        snprintf(buf, size, "thread %d (%s)", t->number, r->chain[r->depth - 1].fn);
    else
        snprintf(buf, size, "thread %d", t->number);
    return buf;
}

static struct lock *waited_lock(const struct thread *t)
{
    return strcmp(t->wait, "mutex") == 0 && !strcmp(t->use, "live") ? lock_at(t->object) : NULL;
}

/* Waits with no deadline, for long enough to count. */
static bool waits_for_good(const struct thread *t)
{
    return !strcmp(t->use, "live") && strcmp(t->wait, "running") && strcmp(t->wait, "sleep") &&
           !t->timed && t->age >= min_age;
}

static bool is_finished(const struct thread *t)
{
    return t && (!strcmp(t->use, "finished") || !strcmp(t->use, "joined"));
}

/* A mutex wait that can never end: a cycle, itself, or a finished holder. */
static bool find_deadlock(struct diagnosis *d)
{
    char label[128], label2[128], where[256], fn[96];
    for (int i = 0; i < nthreads; i++) {
        struct thread *t = &threads[i];
        struct lock *l = waited_lock(t);
        if (!l || !waits_for_good(t))
            continue;
        struct thread *h = thread_no(l->holder);
        char taken[256];
        where_of(l->at, taken, sizeof taken, fn, sizeof fn);
        if (h == t) {
            snprintf(d->verdict, sizeof d->verdict,
                     "deadlock: %s waits for %s, which it holds itself: it locked it in %s "
                     "and never unlocked it, and now locks it again in %s, so it waits for "
                     "itself forever. Is an unlock missing, or the same lock taken twice?",
                     thread_label(t, label, sizeof label), l->name, taken, t->where);
            add_look_at(d, fn);
            add_look_at(d, t->where_fn);
            return true;
        }
        if (is_finished(h)) {
            snprintf(d->verdict, sizeof d->verdict,
                     "deadlock: %s waits for %s in %s, but %s locked it in %s and finished "
                     "without unlocking it: nobody can unlock it now. Is an unlock missing "
                     "on some path?",
                     thread_label(t, label, sizeof label), l->name, t->where,
                     thread_label(h, label2, sizeof label2), taken);
            add_look_at(d, fn);
            add_look_at(d, t->where_fn);
            return true;
        }
        /* Follow holder -> what it waits for, until we come back to t. */
        struct thread *chain[MAX_THREADS];
        int n = 0;
        for (struct thread *c = t; c && n < MAX_THREADS;) {
            chain[n++] = c;
            struct lock *cl = waited_lock(c);
            c = cl ? thread_no(cl->holder) : NULL;
            if (c == t) {
                snprintf(d->verdict, sizeof d->verdict, "deadlock: a cycle of threads each "
                         "waiting for a lock the next one holds:");
                for (int k = 0; k < n; k++) {
                    struct lock *wl = waited_lock(chain[k]);
                    struct thread *next = chain[(k + 1) % n];
                    where_of(wl->at, where, sizeof where, fn, sizeof fn);
                    char nm[128];
                    add(d->verdict, sizeof d->verdict, "\n  %s waits for %s in %s; %s holds it, "
                        "locked in %s", thread_label(chain[k], label, sizeof label),
                        waited_name(chain[k], wl, nm, sizeof nm),
                        chain[k]->where, thread_label(next, label2, sizeof label2), where);
                    add_look_at(d, chain[k]->where_fn);
                    add_look_at(d, fn);
                }
                add(d->verdict, sizeof d->verdict, "\nThe same locks are taken in opposite "
                    "orders: take them in one fixed order everywhere.");
                return true;
            }
            for (int k = 1; k < n; k++)
                if (chain[k] == c)
                    c = NULL;   /* a cycle that does not include t: found from its members */
        }
    }
    return false;
}

static void stuck_verdict(struct diagnosis *d)
{
    char label[128], where[256], fn[96];
    snprintf(d->verdict, sizeof d->verdict, min_age > 0
             ? "stuck: when the test gave up, these threads had waited over %d s for "
               "something nobody was left to do:"
             : "stuck: every thread waits, and none is left that could wake the others.",
             FAILED_MIN_AGE_S);
    for (int c = 0; c < nconds; c++) {
        struct cond *cv = &conds[c];
        int waiting = 0;
        for (int i = 0; i < nthreads; i++)
            waiting += !strcmp(threads[i].wait, "cond") && !strcmp(threads[i].object, cv->addr) &&
                       waits_for_good(&threads[i]);
        if (!waiting)
            continue;
        add(d->verdict, sizeof d->verdict, "\n  %s: ", cv->name);
        int shown = 0;
        for (int i = 0; i < nthreads; i++) {
            struct thread *t = &threads[i];
            if (strcmp(t->wait, "cond") || strcmp(t->object, cv->addr) || !waits_for_good(t))
                continue;
            add(d->verdict, sizeof d->verdict, "%s%s waits in %s", shown++ ? ", " : "",
                thread_label(t, label, sizeof label), t->where);
            add_look_at(d, t->where_fn);
        }
        if (cv->last_kind == 0) {
            add(d->verdict, sizeof d->verdict, "; it was never signalled or broadcast: "
                "whoever changes what they wait for must signal (a lost wakeup); a wait "
                "for time to pass needs a deadline (pthread_cond_timedwait).");
        } else {
            where_of(cv->last_at, where, sizeof where, fn, sizeof fn);
            add(d->verdict, sizeof d->verdict, "; last %s in %s, when %d thread%s waiting",
                cv->last_kind == 1 ? "signalled" : "broadcast", where, cv->last_waiters,
                cv->last_waiters == 1 ? " was" : "s were");
            if (cv->last_kind == 1 && cv->last_waiters > 1)
                add(d->verdict, sizeof d->verdict, ": a signal wakes one waiter; "
                    "pthread_cond_broadcast wakes them all.");
            else if (cv->last_waiters == 0)
                add(d->verdict, sizeof d->verdict, ": that wakeup was lost, nobody waited yet. "
                    "Wait in a loop on the condition, checked under the lock.");
            else
                add(d->verdict, sizeof d->verdict, "; nothing has woken them since.");
            add_look_at(d, fn);
        }
    }
    for (int i = 0; i < nthreads; i++) {
        struct thread *t = &threads[i];
        if (!waits_for_good(t) || !strcmp(t->wait, "cond"))
            continue;
        if (!strcmp(t->wait, "join")) {
            add(d->verdict, sizeof d->verdict, "\n  %s waits in pthread_join for thread %d, in %s",
                thread_label(t, label, sizeof label), t->join_target, t->where);
        } else if (!strcmp(t->wait, "mutex")) {
            struct lock *l = lock_at(t->object);
            if (l)
                add(d->verdict, sizeof d->verdict, "\n  %s waits for %s (held by thread %d) in %s",
                    thread_label(t, label, sizeof label), l->name, l->holder, t->where);
            else
                add(d->verdict, sizeof d->verdict, "\n  %s waits for a mutex that no thread of "
                    "this process holds (a process that died holding it?) in %s",
                    thread_label(t, label, sizeof label), t->where);
        } else {
            add(d->verdict, sizeof d->verdict, "\n  %s waits on a %s in %s",
                thread_label(t, label, sizeof label),
                !strcmp(t->wait, "sem") ? "semaphore" : "barrier", t->where);
        }
        add_look_at(d, t->where_fn);
    }
}

static void running_verdict(struct diagnosis *d)
{
    char label[128];
    snprintf(d->verdict, sizeof d->verdict, "still running: timed out after %.3g s, and no "
             "thread is stuck for good:", elapsed);
    int shown = 0;
    for (int pass = 0; pass < 2; pass++)   /* the ones that never block first */
        for (int i = 0; i < nthreads; i++) {
            struct thread *t = &threads[i];
            bool running = !strcmp(t->wait, "running");
            if (strcmp(t->use, "live") || running != (pass == 0) ||
                (!running && !t->timed && strcmp(t->wait, "sleep")))
                continue;
            if (running)
                add(d->verdict, sizeof d->verdict, "\n  %s is running in %s, not waiting: a busy "
                    "loop, or a wait for something that never happens?",
                    thread_label(t, label, sizeof label), t->where);
            else
                add(d->verdict, sizeof d->verdict, "\n  %s %s with a deadline in %s, and keeps "
                    "coming back to it", thread_label(t, label, sizeof label),
                    !strcmp(t->wait, "sleep") ? "sleeps" : "waits", t->where);
            add_look_at(d, t->where_fn);
            shown++;
        }
    if (!shown)
        add(d->verdict, sizeof d->verdict, " each thread waits, but one may still be woken "
            "from outside (another process, or a thread the kit does not see)");
}

static void thread_lines(struct diagnosis *d)
{
    char label[128], where[256];
    snprintf(d->threads, sizeof d->threads, "Threads when the test %s (after %.2f s):",
             min_age > 0 ? "gave up" : "was stopped", elapsed);
    int shown = 0;
    for (int i = 0; i < nthreads; i++) {
        struct thread *t = &threads[i];
        bool live = !strcmp(t->use, "live") || !strcmp(t->use, "starting");
        int held = 0;
        for (int k = 0; k < nlocks; k++)
            held += locks[k].holder == t->number;
        if (!live && !held)
            continue;
        if (shown++ == 12) {
            add(d->threads, sizeof d->threads, "\n  [... more threads in the snapshot]");
            break;
        }
        add(d->threads, sizeof d->threads, "\n  %s: ", thread_label(t, label, sizeof label));
        if (!live)
            add(d->threads, sizeof d->threads, "finished");
        else if (!strcmp(t->wait, "running"))
            add(d->threads, sizeof d->threads, "running in %s", t->where);
        else if (!strcmp(t->wait, "mutex")) {
            struct lock *l = lock_at(t->object);
            if (l) {
                char nm[128];
                where_of(l->at, where, sizeof where, NULL, 0);
                add(d->threads, sizeof d->threads, "waits for %s in %s, for %.2f s; thread %d "
                    "holds it, locked in %s", waited_name(t, l, nm, sizeof nm), t->where, t->age,
                    l->holder, where);
            } else {
                add(d->threads, sizeof d->threads, "waits for a mutex in %s", t->where);
            }
        } else if (!strcmp(t->wait, "cond")) {
            struct cond *c = cond_at(t->object);
            add(d->threads, sizeof d->threads, "waits on %s%s in %s, for %.2f s",
                c ? c->name : "a condition variable", t->timed ? " with a deadline" : "",
                t->where, t->age);
        } else if (!strcmp(t->wait, "join")) {
            add(d->threads, sizeof d->threads, "waits in pthread_join for thread %d, in %s, "
                "for %.2f s", t->join_target, t->where, t->age);
        } else {
            add(d->threads, sizeof d->threads, "%s in %s, for %.2f s",
                !strcmp(t->wait, "sleep") ? "sleeps" : !strcmp(t->wait, "sem")
                ? "waits on a semaphore" : "waits at a barrier", t->where, t->age);
        }
        for (int k = 0; k < nlocks; k++)
            if (locks[k].holder == t->number) {
                where_of(locks[k].at, where, sizeof where, NULL, 0);
                add(d->threads, sizeof d->threads, "; holds %s (locked in %s)", locks[k].name, where);
            }
    }
}

/* A timed wait that ended long before its deadline: the wrong clock. */
static void wrong_clock(struct diagnosis *d)
{
    char where[256], fn[96] = "";
    where_of(clock_at, where, sizeof where, fn, sizeof fn);
    char note[1024];
    snprintf(note, sizeof note, "wrong clock: the timed wait in %s gave up %.3g s before its "
             "deadline. The deadline was computed on CLOCK_MONOTONIC, but the condition "
             "variable measures it on CLOCK_REALTIME (the default), where that moment is long "
             "past, so every such wait ends at once. Create it with a pthread_condattr_t set "
             "by pthread_condattr_setclock(&attr, CLOCK_MONOTONIC).", where, clock_early);
    if (*d->verdict)
        add(note, sizeof note, "\n%s", d->verdict);
    snprintf(d->verdict, sizeof d->verdict, "%s", note);
    char rest[sizeof d->look_at];
    snprintf(rest, sizeof rest, "%s", d->look_at);
    d->look_at[0] = '\0';
    add_look_at(d, fn);
    if (*rest)
        add(d->look_at, sizeof d->look_at, "%s%s", *d->look_at ? ", " : "", rest);
}

bool diagnose(const char *snapshot, const char *student_files, struct diagnosis *d)
{
    FILE *f = fopen(snapshot, "r");
    if (!f)
        return false;
    nthreads = nlocks = nconds = naddrs = letters = 0;
    reason[0] = '\0';
    elapsed = 0;
    clock_at = 0;
    memset(d, 0, sizeof *d);
    students = student_files;
    parse(f);
    fclose(f);
    min_age = 0;
    if (!strcmp(reason, "failed")) {
        min_age = FAILED_MIN_AGE_S;
        /* Only when the test's process was stuck but for the check that gave
         * up: a thread still running or sleeping means the waits may be the
         * test's own design (helpers parked while it measures something). */
        bool any = false;
        for (int i = 0; i < nthreads; i++) {
            const struct thread *t = &threads[i];
            if (t->number != 1 && !strcmp(t->use, "live") && !waits_for_good(t)) {
                any = false;
                break;
            }
            any |= waits_for_good(t);
        }
        if (!any && !clock_at)
            return true;   /* nothing was left waiting: the check's own words suffice */
        if (!any) {
            add_addr(clock_at);
            resolve_all();
            wrong_clock(d);
            return true;
        }
    }

    for (int i = 0; i < nthreads; i++) {
        add_addr(threads[i].at);
        add_addr(threads[i].start);
        add_addr(threads[i].created_at);
        for (int k = 0; k < threads[i].nframes; k++)
            add_addr(threads[i].frames[k]);
    }
    for (int i = 0; i < nlocks; i++)
        add_addr(locks[i].at);
    for (int i = 0; i < nconds; i++)
        add_addr(conds[i].last_at);
    add_addr(clock_at);
    resolve_all();

    /* Each thread's place: its sampled stack if it has one, else the call. */
    for (int i = 0; i < nthreads; i++) {
        struct thread *t = &threads[i];
        const struct place *pl = t->nframes ? best_place(t->frames, t->nframes) : NULL;
        if (!pl && strcmp(t->wait, "running"))
            pl = best_place(&t->at, 1);
        if (pl) {
            describe_place(pl, t->where, sizeof t->where);
            if (is_student_file(pl->file))
                snprintf(t->where_fn, sizeof t->where_fn, "%s", pl->fn);
        } else {
            snprintf(t->where, sizeof t->where, "code outside the lab's files");
        }
    }
    /* Names: a lock by its waiter's or holder's call, a condvar by a waiter's. */
    for (int i = 0; i < nlocks; i++) {
        unsigned long site = locks[i].at;
        for (int k = 0; k < nthreads; k++)
            if (!strcmp(threads[k].wait, "mutex") && !strcmp(threads[k].object, locks[i].addr))
                site = threads[k].at;
        name_object(site, "pthread_mutex_lock", "mutex", locks[i].name, sizeof locks[i].name);
    }
    for (int i = 0; i < nconds; i++) {
        unsigned long site = 0;
        const char *call = "pthread_cond_wait";
        for (int k = 0; k < nthreads && !site; k++)
            if (!strcmp(threads[k].wait, "cond") && !strcmp(threads[k].object, conds[i].addr)) {
                site = threads[k].at;
                call = threads[k].timed ? "pthread_cond_timedwait" : "pthread_cond_wait";
            }
        name_object(site, call, "condition variable", conds[i].name, sizeof conds[i].name);
    }

    if (!find_deadlock(d)) {
        if (!strcmp(reason, "stuck") || min_age > 0)
            stuck_verdict(d);
        else
            running_verdict(d);
    }
    if (clock_at)
        wrong_clock(d);
    thread_lines(d);
    return true;
}
