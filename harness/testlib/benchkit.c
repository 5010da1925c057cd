/* benchkit.c - rounds, medians, spreads and the busy note (see benchkit.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "benchkit.h"
#include "testkit.h"

static int rounds_run;
static double share[BENCH_MAX_ROUNDS];   /* CPU share of the cores, per round */
static double load_before;
static bool any_untrusted;

bool bench_quick(void)
{
    const char *q = getenv("PLOTS_QUICK");
    return q && *q == '1';
}

/* The 1-minute load average, or -1 where there is no /proc. */
static double load_average(void)
{
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1)
            load = -1;
        fclose(f);
    }
    return load;
}

int bench_begin(int rounds)
{
    load_before = load_average();
    return rounds < 1 ? 1 : rounds > BENCH_MAX_ROUNDS ? BENCH_MAX_ROUNDS : rounds;
}

struct bench_run bench_start(int argc, char **argv, int rounds, int quick_rounds,
                             int (*compare)(int nargs, char **args), const char *compare_args)
{
    if (compare && argc >= 2 && strcmp(argv[1], "--compare") == 0)
        exit(compare(argc - 2, argv + 2));
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: %s DATAFILE\n", argv[0]);
        if (compare)
            fprintf(stderr, "       %s --compare %s\n", argv[0], compare_args ? compare_args : "");
        exit(2);
    }
    struct bench_run run = {.quick = bench_quick()};
    /* Read the load average before this run adds to it. */
    run.rounds = bench_begin(run.quick ? quick_rounds : rounds);
    if (!(run.out = fopen(argv[1], "w"))) {
        perror(argv[1]);
        exit(1);
    }
    return run;
}

static double probe_until;

static void *spin(void *arg)
{
    (void)arg;
    while (now_s() < probe_until)
        ;
    return NULL;
}

/* Spin one thread per core for a few ms: CPU time got / (wall time x cores).
 * On an idle machine that is about 1; others' work takes its share away. */
static double cpu_share(void)
{
    enum { MAX_PROBES = 64 };
    pthread_t t[MAX_PROBES];
    int cores = usable_cores() < MAX_PROBES ? usable_cores() : MAX_PROBES, started = 0;
    double wall = now_s(), cpu = cpu_s();
    probe_until = wall + (bench_quick() ? 0.01 : 0.03);
    for (int i = 0; i < cores; i++)
        started += pthread_create(&t[started], NULL, spin, NULL) == 0;
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    wall = now_s() - wall;
    cpu = cpu_s() - cpu;
    return wall > 0 ? cpu / (wall * cores) : 0;
}

void bench_round(int r)
{
    if (r >= 0 && r < BENCH_MAX_ROUNDS) {
        share[r] = cpu_share();
        rounds_run = r + 1 > rounds_run ? r + 1 : rounds_run;
    }
}

static int row_of(const struct bench_table *t, double x)
{
    for (int i = 0; i < t->nx; i++)
        if (t->x[i] == x)
            return i;
    return -1;
}

static int series_count(const struct bench_table *t)
{
    int n = 0;
    while (n < BENCH_MAX_SERIES && t->names[n])
        n++;
    return n;
}

void bench_add(struct bench_table *t, int series, double x, double value)
{
    int i = row_of(t, x);
    if (i < 0 && t->nx < BENCH_MAX_X)
        t->x[i = t->nx++] = x;
    if (i < 0 || series < 0 || series >= BENCH_MAX_SERIES || t->n[series][i] >= BENCH_MAX_ROUNDS)
        return;   /* a driver bug: more rows or rounds than planned; drop it */
    t->v[series][i][t->n[series][i]++] = value;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median, smallest and largest of n values (sorted in place). */
static double median_of(double *v, int n, double *lo, double *hi)
{
    if (n == 0)
        return *lo = *hi = 0;
    qsort(v, (size_t)n, sizeof *v, by_value);
    *lo = v[0], *hi = v[n - 1];
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A point's median, spread and verdict. */
static double point(const struct bench_table *t, int s, int i, double *lo, double *hi,
                    bool *untrusted)
{
    double v[BENCH_MAX_ROUNDS];
    memcpy(v, t->v[s][i], sizeof v);
    double m = median_of(v, t->n[s][i], lo, hi);
    double size = m < 0 ? -m : m;
    *untrusted = !t->spread_is_the_point && *hi - *lo > BENCH_UNTRUSTED_SPREAD * size &&
                 *hi - *lo > t->resolution;
    return m;
}

double bench_median(const struct bench_table *t, int series, double x)
{
    int i = row_of(t, x);
    double lo, hi;
    bool untrusted;
    return i < 0 || series < 0 || series >= BENCH_MAX_SERIES
               ? 0 : point(t, series, i, &lo, &hi, &untrusted);
}

void bench_write(FILE *out, const struct bench_table *t)
{
    int ns = series_count(t);
    fprintf(out, "# %s: median of the rounds, smallest, largest, untrusted\n# %s", t->title,
            t->x_name);
    for (int s = 0; s < ns; s++)
        fprintf(out, " | %s", t->names[s]);
    /* For tests/tools/plots_agree.sh: differences below this do not matter. */
    fprintf(out, "\n# resolution: %g\n", t->resolution);
    for (int i = 0; i < t->nx; i++) {
        fprintf(out, "%g", t->x[i]);
        for (int s = 0; s < ns; s++) {
            double lo, hi;
            bool untrusted;
            double m = point(t, s, i, &lo, &hi, &untrusted);
            fprintf(out, "  %.6g %.6g %.6g %d", m, lo, hi, untrusted);
        }
        fprintf(out, "\n");
    }
    fprintf(out, "\n\n");
}

void bench_print(const struct bench_table *t)
{
    enum { WIDTH = 26 };
    int ns = series_count(t), rounds = 0;
    for (int s = 0; s < ns; s++)
        for (int i = 0; i < t->nx; i++)
            rounds = t->n[s][i] > rounds ? t->n[s][i] : rounds;
    printf("%s (median of %d round%s, smallest-largest):\n%8s", t->title, rounds,
           rounds == 1 ? "" : "s", t->x_name);
    for (int s = 0; s < ns; s++)
        printf("  %*s", WIDTH, t->names[s]);
    printf("\n");
    for (int i = 0; i < t->nx; i++) {
        printf("%8.10g", t->x[i]);
        for (int s = 0; s < ns; s++) {
            double lo, hi;
            bool untrusted;
            double m = point(t, s, i, &lo, &hi, &untrusted);
            char cell[3][32], text[100];
            snprintf(cell[0], sizeof cell[0], t->format, m);
            snprintf(cell[1], sizeof cell[1], t->format, lo);
            snprintf(cell[2], sizeof cell[2], t->format, hi);
            snprintf(text, sizeof text, "%s (%s-%s)%s", cell[0], cell[1], cell[2],
                     untrusted ? " ?" : "  ");
            printf("  %*s", WIDTH, text);
            any_untrusted |= untrusted;
        }
        printf("\n");
    }
    printf("\n");
}

void bench_end(FILE *out)
{
    double load_after = load_average(), got[BENCH_MAX_ROUNDS], lo = 0, hi = 0;
    int n = rounds_run;
    if (n == 0)
        share[n++] = cpu_share();   /* a driver without rounds: one look */
    memcpy(got, share, sizeof got);
    double median = median_of(got, n, &lo, &hi);
    bool busy = median < BENCH_BUSY_SHARE;
    /* Short enough for one line of the chart's title. */
    char note[200];
    snprintf(note, sizeof note,
             "%s load average %.1f before, %.1f after; this run got %s%.2f of the %d cores "
             "(worst round %.2f)", busy ? "BUSY MACHINE:" : "machine not busy:", load_before,
             load_after, busy ? "only " : "", median, usable_cores(), lo);
    printf("%s\n", note);
    printf("(the share of the cores is measured by spinning a thread on each between rounds)\n");
    if (busy)
        printf("Other programs took the CPU: points are slower and noisier than on an idle "
               "machine, and a curve's shape may not be the code's.\n");
    if (any_untrusted)
        printf("? marks a point whose rounds spread over more than %.0f%% of its median "
               "(circled on the chart): do not trust it.\n", 100 * BENCH_UNTRUSTED_SPREAD);
    fprintf(out, "# note: %s\n# busy: %d\n# untrusted: %d\n", note, busy, any_untrusted);
}
