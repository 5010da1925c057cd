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
    /* TODO: run thread t's next step, chosen by m->pc[t] % STEPS_PER_UPDATE:
     * 0 loads x into the thread's register, 1 adds p->delta[t] to the
     * register, 2 stores the register into x.  Then advance m->pc[t]. */
    NOT_IMPLEMENTED(m, p, t);
}

int run_schedule(const struct program *p, const char *schedule, long *final_x)
{
    /* TODO: return EINVAL unless the program is valid (program_steps) and the
     * schedule has exactly that many characters.  Start a machine
     * (machine_start), then for each character c run a step of thread c - '0',
     * returning EINVAL for a thread that does not exist or has no steps left.
     * Store the final x in *final_x and return 0. */
    NOT_IMPLEMENTED(p, schedule, final_x, program_steps, machine_start, step);
}

/* Depth-first over every schedule: at each point, let each thread that still
 * has steps run one, in thread order, and carry on from there.  The machine
 * is passed by value, so going back up the tree undoes the step for free. */
static int explore(const struct program *p, struct machine m, char *schedule,
                   int done, int steps, struct outcomes *out)
{
    /* TODO: depth-first search.  When all `steps` steps are done, end the
     * schedule string and record_outcome(out, m.x, schedule).  Otherwise, for
     * each thread t in order 0, 1, ... that has steps left: copy the machine,
     * run t's step on the copy, write '0' + t at schedule[done], and explore
     * from there.  Pass on the first error (E2BIG). */
    NOT_IMPLEMENTED(p, m, schedule, done, steps, out, record_outcome);
}

int explore_interleavings(const struct program *p, struct outcomes *out)
{
    /* TODO: return EINVAL for an invalid program; otherwise clear *out, start
     * a machine and explore from the empty schedule. */
    NOT_IMPLEMENTED(p, out, explore);
}
