/*
 * interleave.c - lab 02, part 1: every way `x += 1` on several threads can end.
 * The API and what each function must do are in races.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "races.h"

/* The simulated machine: one shared x, and each thread's register and the
 * number of steps it has run so far (its program counter). */
struct machine {
    long x;
    long reg[SIM_MAX_THREADS];
    int pc[SIM_MAX_THREADS];
};

/* How many steps the whole program has, or -1 if it is not a valid program. */
static int program_steps(const struct program *p)
{
    if (p->nthreads < 1 || p->nthreads > SIM_MAX_THREADS || p->updates < 1 ||
        p->updates > SIM_MAX_STEPS / STEPS_PER_UPDATE)
        return -1;
    int steps = p->nthreads * p->updates * STEPS_PER_UPDATE;
    return steps <= SIM_MAX_STEPS ? steps : -1;
}

static void machine_start(struct machine *m, const struct program *p)
{
    memset(m, 0, sizeof *m);
    m->x = p->x0;
}

/* Note that `schedule` ended at x.  Values stay sorted; the first schedule
 * seen for a value is kept as its witness, so exploring in alphabetical
 * order keeps the alphabetically first one.  Returns E2BIG when full. */
static int record_outcome(struct outcomes *out, long x, const char *schedule)
{
    out->schedules++;
    int i = 0;
    while (i < out->count && out->value[i] < x)
        i++;
    if (i < out->count && out->value[i] == x) {
        out->ways[i]++;
        return 0;
    }
    if (out->count == SIM_MAX_OUTCOMES)
        return E2BIG;
    int after = out->count - i;
    memmove(&out->value[i + 1], &out->value[i], (size_t)after * sizeof out->value[0]);
    memmove(&out->ways[i + 1], &out->ways[i], (size_t)after * sizeof out->ways[0]);
    memmove(&out->witness[i + 1], &out->witness[i], (size_t)after * sizeof out->witness[0]);
    out->value[i] = x;
    out->ways[i] = 1;
    snprintf(out->witness[i], sizeof out->witness[i], "%s", schedule);
    out->count++;
    return 0;
}

/* Thread t runs its next step: load, add or store, by where it is in its
 * three-step update.  The add works on the register alone, never on x:
 * that is what lets another thread's store slip in between. */
static void step(struct machine *m, const struct program *p, int t)
{
    switch (m->pc[t] % STEPS_PER_UPDATE) {
    case 0: m->reg[t] = m->x; break;
    case 1: m->reg[t] += p->delta[t]; break;
    case 2: m->x = m->reg[t]; break;
    }
    m->pc[t]++;
}

int run_schedule(const struct program *p, const char *schedule, long *final_x)
{
    int steps = program_steps(p);
    if (steps < 0 || strlen(schedule) != (size_t)steps)
        return EINVAL;
    int per_thread = p->updates * STEPS_PER_UPDATE;
    struct machine m;
    machine_start(&m, p);
    for (const char *c = schedule; *c; c++) {
        int t = *c - '0';
        if (t < 0 || t >= p->nthreads || m.pc[t] == per_thread)
            return EINVAL;
        step(&m, p, t);
    }
    /* The length matched and no thread ran too far, so every thread is done. */
    *final_x = m.x;
    return 0;
}

/* Depth-first over every schedule: at each point, let each thread that still
 * has steps run one, in thread order, and carry on from there.  The machine
 * is passed by value, so going back up the tree undoes the step for free. */
static int explore(const struct program *p, struct machine m, char *schedule,
                   int done, int steps, struct outcomes *out)
{
    if (done == steps) {
        schedule[done] = '\0';
        return record_outcome(out, m.x, schedule);
    }
    int per_thread = p->updates * STEPS_PER_UPDATE;
    for (int t = 0; t < p->nthreads; t++) {
        if (m.pc[t] == per_thread)
            continue;
        struct machine next = m;
        step(&next, p, t);
        schedule[done] = (char)('0' + t);
        int err = explore(p, next, schedule, done + 1, steps, out);
        if (err)
            return err;
    }
    return 0;
}

int explore_interleavings(const struct program *p, struct outcomes *out)
{
    int steps = program_steps(p);
    if (steps < 0)
        return EINVAL;
    memset(out, 0, sizeof *out);
    struct machine m;
    char schedule[SIM_MAX_STEPS + 1];
    machine_start(&m, p);
    return explore(p, m, schedule, 0, steps, out);
}
