/*
 * sched_explore.c - a schedule test's fixed list of schedules, and replay.
 *
 * The list is a function of the test's name alone: the same seeds in every
 * grading, every pass, every machine, so the same code always gets the same
 * verdict.  Run 0 has no change point (each thread runs until it blocks, in
 * an order drawn from the seed); the number of its steps that were choices
 * (two or more threads could go) is the k from which the others' change
 * points are drawn.  Then depths 2, 3 and 1 take turns (depth_for;
 * harness/README.md gives the figures behind the counts).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_int.h"

static char replay_token[SCHED_TOKEN];
static bool sanitizer_pass;

void sched_sanitizer_pass(bool on)
{
    sanitizer_pass = on;
}
static struct sched_step *expected;
static int nexpected;

/* FNV-1a of the name, then the index, mixed: 24 bits a schedule. */
static uint32_t seed_for(const char *test, int index)
{
    uint32_t h = 2166136261u;
    for (const char *p = test; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    h ^= (uint32_t)index * 0x9E3779B9u;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 12;
    return h & 0xFFFFFFu;
}

/* Run 0 has no change point; then depths 2, 3, 1, 2, 3, 1...: a test's own
 * set-up (sched_settle) often leaves a bug one priority order away (depth
 * 1), an atomicity violation needs one preemption (2), an ordering bug
 * between three threads two (3). */
static int depth_for(int index)
{
    static const int turns[3] = {2, 3, 1};
    return index == 0 ? 1 : turns[(index - 1) % 3];
}

/* One run of body under schedule `token`; returns how many of its steps
 * were choices (two or more threads could go). */
static int run_one(const char *token, int index, void (*body)(void))
{
    sched_begin(token, index);
    body();
    sched_end();
    return sched_run.choices;
}

void sched_explore(const char *test, int schedules, void (*body)(void))
{
    if (!sched_rec)
        ck_abort_msg("the kit's scheduler was not prepared (sched_prepare)");
    char token[SCHED_TOKEN];
    if (*replay_token) {
        int depth, horizon;
        uint32_t seed;
        if (!pct_parse(replay_token, &depth, &horizon, &seed))
            ck_abort_msg("SEED=%s is not a schedule: a schedule looks like pct2-180-1f3a9c",
                         replay_token);
        sched_run.expect = expected;
        sched_run.nexpect = nexpected;
        run_one(replay_token, -1, body);
        return;
    }
    pct_token(token, sizeof token, 1, 0, seed_for(test, 0));
    int k = run_one(token, 0, body);
    if (sanitizer_pass && schedules > SCHED_SANITIZER_RUNS)   /* see sched_sanitizer_pass */
        schedules = SCHED_SANITIZER_RUNS;
    for (int i = 1; i < schedules; i++) {
        pct_token(token, sizeof token, depth_for(i), k, seed_for(test, i));
        run_one(token, i, body);
    }
}

/* The recorded steps of a failed run, one a line: thread, operation and
 * object, what a replay must follow (sched.c's diverges). */
bool sched_save(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fprintf(f, "schedule %s %d\n", sched_rec->token, sched_rec->nsteps);
    for (int i = 0; i < sched_rec->nsteps; i++)
        fprintf(f, "%d %d %d\n", sched_rec->steps[i].thread, sched_rec->steps[i].op,
                sched_rec->steps[i].obj);
    return fclose(f) == 0;
}

/* Read a saved run of `token`; a file for another schedule is ignored. */
static void load_expected(const char *path, const char *token)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    char saved[SCHED_TOKEN];
    int n;
    if (!f)
        return;
    if (fscanf(f, "schedule %39s %d", saved, &n) == 2 && !strcmp(saved, token) && n >= 0 &&
        n <= SCHED_MAX_STEPS && (expected = calloc((size_t)n + 1, sizeof *expected))) {
        int thread, op, obj;
        while (nexpected < n && fscanf(f, "%d %d %d", &thread, &op, &obj) == 3)
            expected[nexpected++] = (struct sched_step){.thread = (uint8_t)thread,
                                                        .op = (uint8_t)op,
                                                        .obj = (uint16_t)obj};
    }
    fclose(f);
}

void sched_replay(const char *token, const char *expect)
{
    snprintf(replay_token, sizeof replay_token, "%s", token);
    load_expected(expect, token);
}
