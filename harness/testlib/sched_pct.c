/*
 * sched_pct.c - the strategy: PCT, probabilistic concurrency testing
 * (Burckhardt, Kothari, Musuvathi and Nagarakatte, ASPLOS 2010).
 *
 * Every thread gets a random priority when it starts, above d; the highest
 * priority thread that can proceed always runs.  At d-1 steps drawn at
 * random from 1..k (the change points) the thread that took the step before
 * drops to priority 1..d-1, below every starting priority.  A bug that needs
 * d particular orderings between n threads in a run of k steps is found by
 * one run with probability at least 1/(n k^(d-1)): a few dozen runs of
 * depth 2 or 3 find most bugs of these labs (sched_explore.c's counts, and
 * the figures behind them, are in harness/README.md).
 *
 * Beyond the paper: a thread that spins (yields, or loads the same atomic
 * again with nobody having stored to it) drops below every other while it
 * spins, so that a spin-wait cannot starve the thread it waits for; and in half the runs a
 * condition wait may end spuriously, as POSIX allows (pct_spurious).
 *
 * A schedule is named by its token, pct<d>-<k>-<seed>: with the same code,
 * the same token gives the same run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_int.h"

/* splitmix64 (Steele, Lea and Flood 2014): a good stream from any seed. */
static uint64_t next_random(void)
{
    uint64_t z = (sched_run.rng += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

uint32_t pct_random(uint32_t bound)
{
    return bound ? (uint32_t)(next_random() % bound) : 0;
}

void pct_token(char *out, size_t size, int depth, int horizon, uint32_t seed)
{
    snprintf(out, size, "pct%d-%d-%06x", depth, horizon, seed & 0xFFFFFFu);
}

bool pct_parse(const char *token, int *depth, int *horizon, uint32_t *seed)
{
    unsigned s;
    int used = 0;
    if (sscanf(token, "pct%d-%d-%6x%n", depth, horizon, &s, &used) != 3 ||
        token[used] != '\0' || *depth < 1 || *depth > 8 || *horizon < 0 ||
        *horizon > SCHED_MAX_STEPS)
        return false;
    *seed = s;
    return true;
}

/* Draw the run's moves from its token: d-1 change points in 1..k, and
 * whether its condition waits may end spuriously (pct_spurious). */
void pct_begin(const char *token)
{
    int depth = 1, horizon = 0;
    uint32_t seed = 0;
    pct_parse(token, &depth, &horizon, &seed);
    sched_run.depth = depth;
    sched_run.horizon = horizon;
    sched_run.seed = seed;
    sched_run.rng = seed * 0x2545F4914F6CDD1Du + 1;
    sched_run.nchange = 0;
    sched_run.low = 0;
    for (int i = 0; horizon > 0 && i < depth - 1 && i < 8; i++)
        sched_run.change[sched_run.nchange++] = 1 + (int)pct_random((uint32_t)horizon);
    sched_run.spurious = (int)pct_random(2);
}

long long pct_new_priority(void)
{
    return sched_run.depth + 1 + (long long)pct_random(1u << 30);
}

bool pct_change_point(struct sthread *t, int step)
{
    bool any = false;
    for (int i = 0; i < sched_run.nchange; i++)
        if (sched_run.change[i] == step) {
            t->prio = i + 1;   /* below every starting priority (> depth) */
            t->unspun_prio = 0;   /* for good: no spin ending restores it */
            any = true;
        }
    return any;
}

void pct_lower(struct sthread *t)
{
    if (!t->unspun_prio)
        t->unspun_prio = t->prio;
    t->prio = --sched_run.low;
}

void pct_restore(struct sthread *t)
{
    if (t->unspun_prio)
        t->prio = t->unspun_prio;
    t->unspun_prio = 0;
}

int pct_spurious(int step)
{
    if (!sched_run.spurious || pct_random(4) != 0)
        return -1;
    return step + 1 + (int)pct_random(4);
}
