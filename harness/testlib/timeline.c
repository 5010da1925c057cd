/*
 * timeline.c - a schedule run's record in words (timeline.h).
 *
 * Runs in the runner, after the test's process is gone.  The record holds
 * code addresses relative to the program (sched.c), which places.c turns
 * into function, file and line (one addr2line run, the same table the
 * diagnosis uses); an atomic's step carries its own
 * function, file and line from the shim.  Threads are named by the
 * function they run, objects by the expression the code wrote where it
 * first used them (`b->not_full`, `&l->ready`), as diagnose.c names locks.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "places.h"
#include "timeline.h"

enum { NAME = 96, PLACE = 160, COLLAPSE = 6 };

static const struct sched_record *rec;
static char thread_name[SCHED_MAX_THREADS][NAME];
static char object_name[SCHED_MAX_OBJECTS][NAME];

/* ---- places ----------------------------------------------------------------- */

/* src into dst, cut to fit. */
static void copy(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* "buffer_put (mutexes.c:152)", or the test's "the test's body (tests/3-buffer.c:40)". */
static void place_of(const struct sched_step *s, char *out, size_t size)
{
    struct place atomic;
    const struct place *pl = NULL;
    if (s->file) {
        copy(atomic.fn, sizeof atomic.fn, s->fn ? s->fn : "?");
        copy(atomic.file, sizeof atomic.file, s->file);
        atomic.line = s->line;
        pl = &atomic;
    } else {
        pl = places_at(s->at);
    }
    if (pl)
        places_describe(pl, out, size);
    else
        snprintf(out, size, "%s", "");
}

/* The student's function a step is in, or NULL. */
static const char *students_function(const struct sched_step *s)
{
    if (s->file)
        return places_is_students(s->file) ? s->fn : NULL;
    const struct place *pl = places_at(s->at);
    return pl && places_is_students(pl->file) ? pl->fn : NULL;
}

/* ---- names ------------------------------------------------------------------ */

/* Line `line` of `file`, relative paths from the kit's root. */
static bool source_line(const char *file, int line, char *out, size_t size)
{
    FILE *f = places_open(file);
    bool ok = false;
    for (int n = 1; f && fgets(out, (int)size, f); n++)
        if (n == line) {
            ok = true;
            break;
        }
    if (f)
        fclose(f);
    return ok;
}

/* The index-th argument of the first call on `text` to a function whose
 * name contains `call`, without a leading '&'. */
static bool argument_of(const char *text, const char *call, int index, char *out, size_t size)
{
    for (const char *p = strstr(text, call); p; p = strstr(p + 1, call)) {
        const char *open = p + strspn(p, "abcdefghijklmnopqrstuvwxyz_0123456789");
        if (*open != '(')
            continue;
        const char *a = open + 1;
        for (int i = 0, depth = 0; *a && i < index; a++) {
            depth += *a == '(' || *a == '[';
            depth -= *a == ')' || *a == ']';
            i += depth == 0 && *a == ',';
        }
        while (*a == ' ' || *a == '&')
            a++;
        size_t len = argument_length(a);
        if (len && len < size) {
            snprintf(out, size, "%.*s", (int)len, a);
            return true;
        }
    }
    return false;
}

static const char *call_for(int op)
{
    switch (op) {
    case OP_LOCK: case OP_TRYLOCK: case OP_UNLOCK: return "pthread_mutex_";
    case OP_WAIT: case OP_WOKEN: return "pthread_cond_";
    case OP_SIGNAL: case OP_BROADCAST: return "pthread_cond_";
    case OP_SEM_WAIT: case OP_SEM_POST: return "sem_";
    case OP_BARRIER: case OP_BARRIER_DONE: return "pthread_barrier_";
    default: return "atomic";
    }
}

/* The first step, taken or pending, that names object number k + 1. */
static const struct sched_step *first_use(int k)
{
    for (int i = (int)rec->objects[k].first_step; i < rec->nsteps; i++)
        if (rec->steps[i].obj == k + 1 || rec->steps[i].obj2 == k + 1)
            return &rec->steps[i];
    for (int i = 0; i < rec->nthreads; i++)
        if (rec->pending[i].obj == k + 1 || rec->pending[i].obj2 == k + 1)
            return &rec->pending[i];
    return NULL;
}

/* Name object k from the code at the step that first used it. */
static void name_object(int k)
{
    const struct sched_object_info *o = &rec->objects[k];
    char *out = object_name[k], text[1024];
    const char *kind = o->kind == 'm' ? "mutex" : o->kind == 'c' ? "condition variable"
                     : o->kind == 's' ? "semaphore" : o->kind == 'b' ? "barrier" : "atomic";
    snprintf(out, NAME, "%s %c", kind, 'A' + k % 26);
    const struct sched_step *s = first_use(k);
    if (!s)
        return;
    const struct resolved *r = s->file ? NULL : places_find(s->at);
    const char *file = s->file ? s->file : r && r->depth ? r->chain[0].file : NULL;
    int line = s->file ? s->line : r && r->depth ? r->chain[0].line : 0;
    if (file && source_line(file, line, text, sizeof text))
        argument_of(text, call_for(s->op), s->obj2 == k + 1 ? 1 : 0, out, NAME);
}

/* Two objects named alike (one line locks either of two accounts): #1, #2. */
static void tell_apart(void)
{
    for (int k = 0; k < rec->nobjects; k++) {
        int same = 0;
        for (int j = 0; j < rec->nobjects; j++)
            same += j != k && !strcmp(object_name[j], object_name[k]);
        if (!same)
            continue;
        char base[NAME];
        copy(base, sizeof base, object_name[k]);
        for (int j = k, n = 1; j < rec->nobjects; j++)
            if (!strcmp(object_name[j], base))
                snprintf(object_name[j], NAME, "%.80s#%d", base, n++);
    }
}

static const char *obj(int number)
{
    return number > 0 && number <= rec->nobjects ? object_name[number - 1] : "?";
}

static const char *thread(int id)
{
    return id >= 0 && id < rec->nthreads ? thread_name[id] : "a thread";
}

void timeline_load(const struct sched_record *r, const char *student_files)
{
    rec = r;
    places_reset(student_files);   /* the diagnosis, if any, is done with its places */
    for (int i = 0; i < r->nsteps; i++)
        places_add(r->steps[i].at);
    for (int i = 0; i < r->nthreads; i++) {
        places_add(r->pending[i].at);
        places_add(r->threads[i].start);
    }
    places_resolve();
    snprintf(thread_name[0], NAME, "T0 (the test)");
    for (int i = 1; i < r->nthreads; i++) {
        const struct resolved *s = places_find(r->threads[i].start);
        snprintf(thread_name[i], NAME, "T%d (%.80s)", i, s && s->depth ? s->chain[0].fn : "?");
    }
    for (int k = 0; k < r->nobjects; k++)
        name_object(k);
    tell_apart();
}

/* ---- a step in words -------------------------------------------------------- */

static void describe(const struct sched_step *s, int n, char *out, size_t size)
{
    const char *how = s->flags & SF_SPURIOUS ? "woken spuriously" : s->flags & SF_FAILED
                      ? "timed out" : "woken";
    switch (s->op) {
    case OP_START: snprintf(out, size, "starts"); break;
    case OP_EXIT: snprintf(out, size, "ends"); break;
    case OP_CREATE: snprintf(out, size, "starts %s", thread(s->other)); break;
    case OP_JOIN: snprintf(out, size, "joins %s", thread(s->other)); break;
    case OP_LOCK:
        if (s->since + 1 < (uint32_t)n)
            snprintf(out, size, "locks %s (waited since step %u)", obj(s->obj), s->since);
        else
            snprintf(out, size, "%s %s", s->flags & SF_FAILED ? "gives up locking" : "locks",
                     obj(s->obj));
        break;
    case OP_TRYLOCK:
        snprintf(out, size, "trylock %s: %s", obj(s->obj), s->flags & SF_FAILED ? "busy" : "got it");
        break;
    case OP_UNLOCK: snprintf(out, size, "unlocks %s", obj(s->obj)); break;
    case OP_WAIT: snprintf(out, size, "waits on %s, unlocking %s", obj(s->obj), obj(s->obj2)); break;
    case OP_WOKEN:
        if (s->other != SCHED_NOBODY && !(s->flags & (SF_SPURIOUS | SF_FAILED)))
            snprintf(out, size, "%s (by %.20s), relocks %s", how, thread(s->other), obj(s->obj2));
        else
            snprintf(out, size, "%s on %s, relocks %s", how, obj(s->obj), obj(s->obj2));
        break;
    case OP_SIGNAL:
        if (s->other == SCHED_NOBODY)
            snprintf(out, size, "signals %s: nobody waits", obj(s->obj));
        else
            snprintf(out, size, "signals %s: wakes %s", obj(s->obj), thread(s->other));
        break;
    case OP_BROADCAST: snprintf(out, size, "broadcasts %s: wakes %d", obj(s->obj), s->other); break;
    case OP_SEM_WAIT: snprintf(out, size, "takes %s", obj(s->obj)); break;
    case OP_SEM_POST: snprintf(out, size, "posts %s", obj(s->obj)); break;
    case OP_BARRIER: snprintf(out, size, "arrives at %s", obj(s->obj)); break;
    case OP_BARRIER_DONE: snprintf(out, size, "leaves %s", obj(s->obj)); break;
    case OP_SLEEP: snprintf(out, size, "sleeps"); break;
    case OP_SLEPT: snprintf(out, size, "wakes up"); break;
    case OP_YIELD: snprintf(out, size, "yields"); break;
    case OP_LOAD: snprintf(out, size, "loads %s%s", obj(s->obj), s->flags & SF_SPIN ? " again" : ""); break;
    case OP_STORE: snprintf(out, size, "stores %s", obj(s->obj)); break;
    case OP_RMW: snprintf(out, size, "updates %s (read-modify-write)", obj(s->obj)); break;
    case OP_FORK: snprintf(out, size, "forks"); break;
    case OP_END: snprintf(out, size, "ends the run (every thread has ended)"); break;
    case OP_SETTLE: snprintf(out, size, "waited until the other threads wait"); break;
    default: snprintf(out, size, "?"); break;
    }
}

/* One line of the timeline; '>' in the margin where the scheduler chose to
 * switch although the thread before could have gone on. */
static int step_line(char *out, size_t size, int n)
{
    const struct sched_step *s = &rec->steps[n];
    char what[200], where[PLACE];
    describe(s, n, what, sizeof what);
    place_of(s, where, sizeof where);
    return snprintf(out, size, "%c %5d  %-18.18s %-46s %s\n", s->flags & SF_CHOSEN ? '>' : ' ', n,
                    thread(s->thread), what, where);
}

/* ---- the listing --------------------------------------------------------------- */

struct lines {
    char **line;
    int n, cap;
};

static void add_line(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_line(struct lines *l, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->line = realloc(l->line, (size_t)l->cap * sizeof *l->line);
    }
    l->line[l->n++] = strdup(buf);
}

static void free_lines(struct lines *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->line[i]);
    free(l->line);
}

/* The student's functions among steps [from, to), for a collapsed run. */
static void functions_in(int from, int to, char *out, size_t size)
{
    out[0] = '\0';
    for (int i = from, shown = 0; i < to && shown < 3; i++) {
        const char *fn = students_function(&rec->steps[i]);
        if (fn && !strstr(out, fn)) {
            size_t used = strlen(out);
            snprintf(out + used, size - used, "%s%s", shown++ ? ", " : " in ", fn);
        }
    }
}

/* How the run ended, after its last step. */
static void ending(struct lines *l)
{
    int n = rec->nsteps;
    if (rec->failed)
        add_line(l, "x %5d  %-18.18s the test's check fails (%s:%d)\n", n,
                 thread(rec->failed_thread), source_name(rec->failed_file), rec->failed_line);
    else if (rec->verdict == SV_BUDGET)
        add_line(l, "x %5d  the run is stopped: its budget of steps is spent\n", n);
    else if (rec->verdict == SV_STUCK)
        add_line(l, "x %5d  no thread can go on: the run is stopped\n", n);
    else if (rec->verdict != SV_NONE)
        add_line(l, "x %5d  the scheduler stops the run\n", n);
    else
        add_line(l, "x %5d  the test's process ends here (a crash, or a sanitizer's report)\n", n);
}

/* Where the test's thread runs alone to the end (the others have ended):
 * the first step of that last run, or nsteps if there is none. */
static int alone_from(void)
{
    int i = rec->nsteps;
    while (i > 0 && rec->steps[i - 1].thread == 0)
        i--;
    for (int k = 0; k < i; k++)
        if (rec->steps[k].op == OP_CREATE && rec->steps[k].other != SCHED_NOBODY) {
            bool ended = false;
            for (int j = k; j < i && !ended; j++)
                ended = rec->steps[j].op == OP_EXIT && rec->steps[j].thread == rec->steps[k].other;
            if (!ended)
                return rec->nsteps;
        }
    return i + 1 < rec->nsteps ? i : rec->nsteps;
}

/* A step a reader can skip: an uncontended lock or unlock, a load, a store,
 * a read-modify-write; never a wait, a wakeup, a signal, a thread starting
 * or ending, or a step where the scheduler chose. */
static bool uneventful(const struct sched_step *s, int n)
{
    bool plain = s->op == OP_UNLOCK || s->op == OP_LOAD || s->op == OP_STORE || s->op == OP_RMW ||
                 (s->op == OP_LOCK && s->since + 1 >= (uint32_t)n) ||
                 (s->op == OP_TRYLOCK && !(s->flags & SF_FAILED));
    return plain && !(s->flags & (SF_CHOSEN | SF_CHANGE | SF_SPURIOUS | SF_FAILED));
}

/* Every step; within one thread's run, a stretch of more than COLLAPSE
 * uneventful steps is shortened to its first and a line saying what was
 * left out.  `brief`: the test's thread alone at the end (joining,
 * checking) in one line, so that an excerpt keeps the interleaving in view. */
static void listing(struct lines *l, bool brief)
{
    char line[512], fns[200];
    int end = brief ? alone_from() : rec->nsteps;
    for (int i = 0; i < end;) {
        int j = i + 1;
        if (uneventful(&rec->steps[i], i))
            while (j < end && rec->steps[j].thread == rec->steps[i].thread &&
                   uneventful(&rec->steps[j], j))
                j++;
        step_line(line, sizeof line, i);
        add_line(l, "%s", line);
        if (j - i > COLLAPSE - 1) {
            functions_in(i + 1, j, fns, sizeof fns);
            add_line(l, "        %-18.18s ... %d more steps%s\n", thread(rec->steps[i].thread),
                     j - i - 1, fns);
        } else {
            for (int k = i + 1; k < j; k++) {
                step_line(line, sizeof line, k);
                add_line(l, "%s", line);
            }
        }
        i = j;
    }
    if (end < rec->nsteps) {
        step_line(line, sizeof line, end);
        add_line(l, "%s", line);
        add_line(l, "        %-18.18s ... %d more steps: the others have ended\n", thread(0),
                 rec->nsteps - end - 1);
    }
    ending(l);
}

static const char *header =
    "   step  thread             what                                           where\n";

void timeline_excerpt(char *out, size_t size, int lines)
{
    struct lines l = {0};
    listing(&l, true);
    size_t used = (size_t)snprintf(out, size, "%s", header);
    for (int i = l.n > lines ? l.n - lines : 0; i < l.n && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s", l.line[i]);
    free_lines(&l);
}

void timeline_print(FILE *f)
{
    struct lines l = {0};
    listing(&l, false);
    fprintf(f, "Schedule %s: %d steps (%d of them choices), %d threads. '>': the scheduler "
               "switched threads although the one before could have gone on.\n%s", rec->token,
            rec->nsteps, rec->choices, rec->nthreads, header);
    for (int i = 0; i < l.n; i++)
        fputs(l.line[i], f);
    free_lines(&l);
}

/* ---- the scheduler's verdicts ------------------------------------------------- */

static void add(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

static void look(char *look_at, size_t size, const char *fn)
{
    if (!fn || strstr(look_at, fn))
        return;
    add(look_at, size, "%s%s", *look_at ? ", " : "", fn);
}

/* The mutex thread i waits for (pending lock, or relock after a wakeup), or 0. */
static int waited_mutex(int i)
{
    const struct sched_step *p = &rec->pending[i];
    if (rec->blocked[i] != 1)
        return 0;
    if (p->op == OP_LOCK)
        return p->obj;
    return p->op == OP_WOKEN && p->other != SCHED_NOBODY ? p->obj2 : 0;
}

static int holder_of(int mutex)
{
    return mutex ? rec->holder[mutex - 1] - 1 : -1;
}

/* The step at which thread t last took mutex m, or -1. */
static int locked_at(int t, int m)
{
    for (int i = rec->nsteps - 1; i >= 0; i--) {
        const struct sched_step *s = &rec->steps[i];
        if (s->thread == t && ((s->op == OP_LOCK && s->obj == m) || (s->op == OP_WOKEN && s->obj2 == m) ||
                               (s->op == OP_TRYLOCK && s->obj == m && !(s->flags & SF_FAILED))))
            return i;
    }
    return -1;
}

/* "T1 (f) waits for M in g (x.c:1), held by T2 (f) since step 12 (h, x.c:2)" */
static void lock_wait(char *out, size_t size, char *look_at, size_t look_size, int t)
{
    char where[PLACE], there[PLACE] = "";
    int m = waited_mutex(t), h = holder_of(m), at = locked_at(h, m);
    place_of(&rec->pending[t], where, sizeof where);
    look(look_at, look_size, students_function(&rec->pending[t]));
    if (at >= 0) {
        place_of(&rec->steps[at], there, sizeof there);
        look(look_at, look_size, students_function(&rec->steps[at]));
    }
    add(out, size, "%s waits for %s in %s, held by %s", thread(t), obj(m), where,
        h == t ? "itself" : thread(h));
    if (at >= 0)
        add(out, size, " since step %d (%s)", at, there);
    if (rec->blocked[h] == 2 && h != t)
        add(out, size, ", which has ended without unlocking it");
}

/* A cycle of threads each waiting for a lock the next holds, a thread
 * waiting for its own lock, or for one an ended thread holds. */
static bool deadlock(char *out, size_t size, char *look_at, size_t look_size)
{
    for (int i = 0; i < rec->nthreads; i++) {
        int chain[SCHED_MAX_THREADS], n = 0, cur = i;
        while (n < rec->nthreads && waited_mutex(cur)) {
            chain[n++] = cur;
            int h = holder_of(waited_mutex(cur));
            if (h < 0)
                break;
            if (h == i || h == cur || rec->blocked[h] == 2) {
                add(out, size, "deadlock: ");
                for (int k = 0; k < n; k++) {
                    add(out, size, "%s", k ? "; " : "");
                    lock_wait(out, size, look_at, look_size, chain[k]);
                }
                add(out, size, ".\n");
                return true;
            }
            cur = h;
        }
    }
    return false;
}

/* Who signalled condition variable c for a thread waiting on it since step
 * `since`: a signal after that woke another; none after it, and the last
 * before it may have been lost (nobody waited then). */
static void last_wakeup(char *out, size_t size, char *look_at, size_t look_size, int c,
                        uint32_t since)
{
    for (int i = rec->nsteps - 1; i >= 0; i--) {
        const struct sched_step *s = &rec->steps[i];
        if ((s->op != OP_SIGNAL && s->op != OP_BROADCAST) || s->obj != c)
            continue;
        char where[PLACE];
        place_of(s, where, sizeof where);
        look(look_at, look_size, students_function(s));
        if ((uint32_t)i > since)
            add(out, size, "; the last signal of %s, at step %d by %s in %s, woke %s instead",
                obj(c), i, thread(s->thread), where, thread(s->other));
        else
            add(out, size, "; nothing signalled %s after that (its last %s, at step %d by %s in "
                "%s, came %s)", obj(c), s->op == OP_SIGNAL ? "signal" : "broadcast", i,
                thread(s->thread), where, s->other == (s->op == OP_SIGNAL ? SCHED_NOBODY : 0)
                ? "when nobody waited" : "before this wait");
        return;
    }
    add(out, size, "; nothing signalled %s in this run", obj(c));
}

/* What blocked thread t waits for, as one clause. */
static void wait_clause(char *out, size_t size, char *look_at, size_t look_size, int t)
{
    const struct sched_step *p = &rec->pending[t];
    char where[PLACE];
    place_of(p, where, sizeof where);
    look(look_at, look_size, students_function(p));
    if (waited_mutex(t))
        lock_wait(out, size, look_at, look_size, t);
    else if (p->op == OP_WOKEN) {
        add(out, size, "%s waits on %s in %s, since step %u", thread(t), obj(p->obj), where, p->since);
        last_wakeup(out, size, look_at, look_size, p->obj, p->since);
    } else if (p->op == OP_JOIN)
        add(out, size, "%s waits to join %s in %s", thread(t), thread(p->other), where);
    else if (p->op == OP_SETTLE)
        add(out, size, "%s waits for the other threads to wait", thread(t));
    else if (p->op == OP_END)
        add(out, size, "the test has finished and waits for every thread it started to end");
    else if (p->op == OP_BARRIER_DONE)
        add(out, size, "%s waits at %s in %s for the other parties", thread(t), obj(p->obj), where);
    else if (p->op == OP_SEM_WAIT)
        add(out, size, "%s waits to take %s in %s", thread(t), obj(p->obj), where);
    else
        add(out, size, "%s waits in %s", thread(t), where);
}

static void running_verdict(char *out, size_t size, char *look_at, size_t look_size)
{
    add(out, size, "still running: the run took all of its %d steps (its budget), and ", rec->nsteps);
    for (int t = 0, shown = 0; t < rec->nthreads; t++) {
        if (rec->blocked[t] != 0)
            continue;
        const struct sched_step *last = NULL;
        for (int i = rec->nsteps - 1; i >= 0 && !last; i--)
            last = rec->steps[i].thread == t ? &rec->steps[i] : NULL;
        char where[PLACE];
        place_of(last ? last : &rec->pending[t], where, sizeof where);
        look(look_at, look_size, students_function(last ? last : &rec->pending[t]));
        add(out, size, "%s%s was still going, in %s%s", shown++ ? "; " : "", thread(t), where,
            last && (last->flags & SF_SPIN) ? ", waiting in a loop for a value nobody changes" : "");
    }
    add(out, size, ".\nA correct run of this test takes far fewer steps: does a loop wait for "
                   "something that never happens?\n");
}

bool timeline_verdict(char *out, size_t size, char *look_at, size_t look_size)
{
    out[0] = look_at[0] = '\0';
    if (rec->verdict == SV_BUDGET) {
        running_verdict(out, size, look_at, look_size);
    } else if (rec->verdict == SV_STUCK) {
        if (!deadlock(out, size, look_at, look_size)) {
            add(out, size, "stuck: ");
            for (int t = 0, shown = 0; t < rec->nthreads; t++)
                if (rec->blocked[t] == 1) {
                    add(out, size, "%s", shown++ ? ";\n  " : "");
                    wait_clause(out, size, look_at, look_size, t);
                }
            add(out, size, ".\n");
        }
        add(out, size, "No thread could go on, so the scheduler stopped the run at step %d: "
                       "these waits could never end.", rec->nsteps);
    } else if (rec->verdict == SV_TOO_MANY) {
        add(out, size, "the scheduler gave up: the run used more than %d threads or %d "
                       "synchronisation objects", SCHED_MAX_THREADS, SCHED_MAX_OBJECTS);
    } else {
        return false;
    }
    return true;
}

/* ---- the chart's data ----------------------------------------------------------- */

static int lane(int thread_id)
{
    return rec->nthreads - 1 - thread_id;
}

static int category(int op)
{
    switch (op) {
    case OP_LOCK: case OP_TRYLOCK: case OP_UNLOCK: return 0;
    case OP_WAIT: case OP_WOKEN: case OP_SIGNAL: case OP_BROADCAST: return 1;
    case OP_LOAD: case OP_STORE: case OP_RMW: return 2;
    case OP_START: case OP_EXIT: case OP_CREATE: case OP_JOIN: case OP_END: return 3;
    default: return 4;
    }
}

/* Where each lock hold ends: the holder's unlock, or its wait on a
 * condition variable (which unlocks), or the end of the run. */
static int released_at(int from, int t, int m)
{
    for (int i = from + 1; i < rec->nsteps; i++) {
        const struct sched_step *s = &rec->steps[i];
        if (s->thread == t && ((s->op == OP_UNLOCK && s->obj == m) || (s->op == OP_WAIT && s->obj2 == m)))
            return i;
    }
    return rec->nsteps;
}

/* Start a block of the chart's data.  Its first row is NaNs, which gnuplot
 * skips: a block with no rows of its own would vanish (a run of blank lines
 * is one separator), and every later block's index would shift by one. */
static void chart_block(FILE *f, const char *title, const char *nans)
{
    fprintf(f, "\n\n# %s\n%s\n", title, nans);
}

static void chart_holds(FILE *f)
{
    chart_block(f, "locks held: lane from to name", "NaN NaN NaN \"\"");
    for (int i = 0; i < rec->nsteps; i++) {
        const struct sched_step *s = &rec->steps[i];
        int m = s->op == OP_LOCK || (s->op == OP_TRYLOCK && !(s->flags & SF_FAILED)) ? s->obj
                : s->op == OP_WOKEN ? s->obj2 : 0;
        if (m && !(s->op == OP_LOCK && s->flags & SF_FAILED))
            fprintf(f, "%d %d %d \"%s\"\n", lane(s->thread), i, released_at(i, s->thread, m), obj(m));
    }
}

static void chart_waits(FILE *f)
{
    chart_block(f, "waits: lane from to", "NaN NaN NaN");
    for (int i = 0; i < rec->nsteps; i++)
        if (rec->steps[i].since + 1 < (uint32_t)i)
            fprintf(f, "%d %u %d\n", lane(rec->steps[i].thread), rec->steps[i].since, i);
    for (int t = 0; t < rec->nthreads; t++)
        if (rec->blocked[t] == 1)
            fprintf(f, "%d %u %d\n", lane(t), rec->pending[t].since, rec->nsteps);
}

/* A signal or broadcast to the wakeup it caused: from step, lane to step, lane. */
static void chart_wakeups(FILE *f)
{
    chart_block(f, "wakeups: from to from_lane to_lane", "NaN NaN NaN NaN");
    for (int i = 0; i < rec->nsteps; i++) {
        const struct sched_step *w = &rec->steps[i];
        if (w->op != OP_WOKEN || w->other == SCHED_NOBODY || w->flags & (SF_SPURIOUS | SF_FAILED))
            continue;
        for (int k = i - 1; k >= 0; k--) {
            const struct sched_step *s = &rec->steps[k];
            if (s->thread == w->other && s->obj == w->obj &&
                (s->op == OP_SIGNAL || s->op == OP_BROADCAST)) {
                fprintf(f, "%d %d %d %d\n", k, i, lane(s->thread), lane(w->thread));
                break;
            }
        }
    }
}

bool timeline_chart(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fprintf(f, "# steps: step lane category (0 mutex, 1 condition variable, 2 atomic, 3 thread, 4 other)\n");
    for (int i = 0; i < rec->nsteps; i++)
        fprintf(f, "%d %d %d\n", i, lane(rec->steps[i].thread), category(rec->steps[i].op));
    chart_holds(f);
    chart_waits(f);
    chart_block(f, "the scheduler's choices: step lane", "NaN NaN");
    for (int i = 0; i < rec->nsteps; i++)
        if (rec->steps[i].flags & SF_CHOSEN)
            fprintf(f, "%d %d\n", i, lane(rec->steps[i].thread));
    chart_wakeups(f);
    chart_block(f, "spurious wakeups and timeouts (the scheduler's too): step lane kind (1 spurious, "
                "2 timed out)", "NaN NaN NaN");
    for (int i = 0; i < rec->nsteps; i++)
        if (rec->steps[i].op == OP_WOKEN && rec->steps[i].flags & (SF_SPURIOUS | SF_FAILED))
            fprintf(f, "%d %d %d\n", i, lane(rec->steps[i].thread),
                    rec->steps[i].flags & SF_SPURIOUS ? 1 : 2);
    fclose(f);
    /* The labels and the failure, as gnuplot settings for timeline.gp to load. */
    char gp[4200];
    snprintf(gp, sizeof gp, "%s.gp", path);
    if (!(f = fopen(gp, "w")))
        return false;
    fprintf(f, "lanes = %d\nfailstep = %d\nschedule = \"%s\"\nset ytics noenhanced (", rec->nthreads,
            rec->nsteps, rec->token);
    for (int t = 0; t < rec->nthreads; t++)
        fprintf(f, "%s\"%s\" %d", t ? ", " : "", thread(t), lane(t));
    fprintf(f, ")\nfailure = \"%s\"\n", rec->failed ? "the check fails" : rec->verdict == SV_STUCK
            ? "no thread can go on" : rec->verdict == SV_BUDGET ? "budget spent" : "the run ends");
    return fclose(f) == 0;
}
