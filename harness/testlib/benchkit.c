/* benchkit.c - rounds, medians, spreads and the busy note (see benchkit.h). */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "benchkit.h"
#include "testkit.h"

static int rounds_run;
static double share[BENCH_MAX_ROUNDS];   /* CPU share of the cores, per round */
static double load_before;
static bool any_untrusted;

/* BENCH_PASS=J/N (see benchkit.h): this process is pass J of N, and keeps its
 * rounds in DATAFILE.passJ for the passes after it. */
static int pass, passes = 1;
static char pass_path[4096 + 16];
static const char *data_path;

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

/* Reads BENCH_PASS=J/N; false if it is set but malformed. */
static bool read_pass(void)
{
    const char *p = getenv("BENCH_PASS");
    int j, n;
    char end;
    if (!p || !*p)
        return true;
    if (sscanf(p, "%d/%d%c", &j, &n, &end) != 2 || n < 1 || j < 0 || j >= n)
        return false;
    pass = j, passes = n;
    return true;
}

/* The file where pass j keeps its rounds. */
static void pass_file(char *buf, size_t size, int j)
{
    snprintf(buf, size, "%s.pass%d", data_path, j);
}

/* Append one line to this pass's file (only when there are several passes). */
static void pass_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void pass_note(const char *fmt, ...)
{
    if (passes == 1)
        return;
    FILE *f = fopen(pass_path, "a");
    if (!f)
        return;   /* the later passes then miss these rounds: fewer rounds, not wrong ones */
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
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
    if (!read_pass()) {
        fprintf(stderr, "%s: BENCH_PASS=%s is not J/N with 0 <= J < N\n", argv[0],
                getenv("BENCH_PASS"));
        exit(2);
    }
    struct bench_run run = {.quick = bench_quick(), .last_pass = pass == passes - 1};
    /* Read the load average before this run adds to it. */
    int total = bench_begin(run.quick ? quick_rounds : rounds);
    /* Pass J runs rounds J, J + N, J + 2N, ...: possibly none. */
    run.rounds = pass < total ? (total - pass + passes - 1) / passes : 0;
    if (!(run.out = fopen(argv[1], "w"))) {
        perror(argv[1]);
        exit(1);
    }
    data_path = argv[1];
    pass_file(pass_path, sizeof pass_path, pass);
    if (passes > 1) {
        FILE *f = fopen(pass_path, "w");   /* a fresh file: this pass's rounds only */
        if (f)
            fclose(f);
        pass_note("load\t%.17g\n", load_before);
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

/* How many of n sorted rounds to leave out at each end so that what is left,
 * v[k] to v[n-1-k], holds the true median with at least 95 % confidence:
 * the largest k with P(Binomial(n, 1/2) <= k) <= 2.5 %.  Free of any
 * assumption about the shape of the spread: each round falls below the
 * median with probability one half.  5 for 21 rounds; 0 for 8 or fewer
 * (with 5 or fewer even all of them fall short of 95 %). */
static int outside_the_median_range(int n)
{
    double p = 1;   /* P(X = 0) = 2^-n, built up without underflow for n <= 1000 */
    for (int i = 0; i < n; i++)
        p /= 2;
    double at_most = p;   /* P(X <= k) */
    int k = 0;
    while (k + 1 < n / 2) {
        p = p * (n - k) / (k + 1);   /* P(X = k + 1) from P(X = k) */
        if (at_most + p > 0.025)
            break;
        at_most += p;
        k++;
    }
    return at_most <= 0.025 ? k : 0;
}

/* A point's median, spread and verdict (see BENCH_UNTRUSTED_SPREAD). */
static double point(const struct bench_table *t, int s, int i, double *lo, double *hi,
                    bool *untrusted)
{
    double v[BENCH_MAX_ROUNDS];
    int n = t->n[s][i];
    memcpy(v, t->v[s][i], sizeof v);
    double m = median_of(v, n, lo, hi);
    int k = outside_the_median_range(n);
    double width = n ? v[n - 1 - k] - v[k] : 0, size = m < 0 ? -m : m;
    *untrusted = !t->spread_is_the_point && width > BENCH_UNTRUSTED_SPREAD * size &&
                 width > t->resolution;
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

/* Calls seen(line, arg) for every line of the earlier passes' files, in order. */
static void earlier_passes(void (*seen)(const char *line, void *arg), void *arg)
{
    for (int j = 0; j < pass; j++) {
        char path[sizeof pass_path], line[1024];
        pass_file(path, sizeof path, j);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;   /* that pass failed: its rounds are missing, the others stand */
        while (fgets(line, sizeof line, f))
            seen(line, arg);
        fclose(f);
    }
}

struct recall {
    const char *name;
    double *value;
    bool found;
};

/* A "keep" line of an earlier pass: the first one under the name wins. */
static void find_kept(const char *line, void *arg)
{
    struct recall *r = arg;
    size_t len = strlen(r->name);
    if (!r->found && strncmp(line, "keep\t", 5) == 0 && strncmp(line + 5, r->name, len) == 0 &&
        line[5 + len] == '\t' && sscanf(line + 6 + len, "%lf", r->value) == 1)
        r->found = true;
}

bool bench_recall(const char *name, double *value)
{
    struct recall r = {name, value, false};
    earlier_passes(find_kept, &r);
    return r.found;
}

void bench_keep(const char *name, double value)
{
    pass_note("keep\t%s\t%.17g\n", name, value);
}

/* A "value" line of an earlier pass: add it to the table it names. */
static void add_earlier_value(const char *line, void *arg)
{
    struct bench_table *t = arg;
    size_t len = strlen(t->title);
    int series;
    double x, value;
    if (strncmp(line, "value\t", 6) == 0 && strncmp(line + 6, t->title, len) == 0 &&
        line[6 + len] == '\t' &&
        sscanf(line + 7 + len, "%d\t%lf\t%lf", &series, &x, &value) == 3)
        bench_add(t, series, x, value);
}

/* Keep this pass's rounds of t for the later passes, then add the earlier
 * passes' rounds to t: from here on t holds every pass's rounds. */
static void merge_passes(struct bench_table *t)
{
    if (passes == 1 || t->merged)
        return;
    t->merged = true;
    int ns = series_count(t);
    for (int s = 0; s < ns; s++)
        for (int i = 0; i < t->nx; i++)
            for (int r = 0; r < t->n[s][i]; r++)
                pass_note("value\t%s\t%d\t%.17g\t%.17g\n", t->title, s, t->x[i], t->v[s][i][r]);
    earlier_passes(add_earlier_value, t);
}

void bench_write(FILE *out, struct bench_table *t)
{
    merge_passes(t);
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

/* A "load" or "share" line of an earlier pass: the first pass's load average
 * before, and every round's share of the cores. */
struct shares {
    double *got;
    int *n;
    bool load_seen;
};

static void add_earlier_share(const char *line, void *arg)
{
    struct shares *acc = arg;
    double v;
    if (sscanf(line, "share\t%lf", &v) == 1 && *acc->n < BENCH_MAX_ROUNDS)
        acc->got[(*acc->n)++] = v;
    else if (sscanf(line, "load\t%lf", &v) == 1 && !acc->load_seen)
        load_before = v, acc->load_seen = true;
}

void bench_end(FILE *out)
{
    double load_after = load_average(), got[BENCH_MAX_ROUNDS], lo = 0, hi = 0;
    int n = rounds_run;
    if (n == 0 && passes == 1)
        share[n++] = cpu_share();   /* a driver without rounds: one look */
    for (int r = 0; r < n; r++)
        pass_note("share\t%.17g\n", share[r]);
    memcpy(got, share, sizeof got);
    struct shares acc = {got, &n, false};
    earlier_passes(add_earlier_share, &acc);
    if (n == 0)
        got[n++] = cpu_share();   /* no pass ran a round: one look */
    double median = median_of(got, n, &lo, &hi);
    bool busy = median < BENCH_BUSY_SHARE;
    /* Fewer than 3 rounds (PLOTS_QUICK=1) give no median worth the name: a
     * point is whatever one round caught, and an effect that needs two cores
     * at once may not show.  The chart's face says so, not just the terminal
     * (no underscore in it: gnuplot takes one for a subscript). */
    char sketch[80] = "";
    if (n < 3)
        snprintf(sketch, sizeof sketch, "A SKETCH, %d round%s a point (quick mode); ", n,
                 n == 1 ? "" : "s");
    /* Short enough for one line of the chart's title. */
    char note[280];
    snprintf(note, sizeof note,
             "%s%s load average %.1f before, %.1f after; this run got %s%.2f of the %d cores "
             "(worst round %.2f)", sketch, busy ? "BUSY MACHINE:" : "machine not busy:",
             load_before, load_after, busy ? "only " : "", median, usable_cores(), lo);
    printf("%s\n", note);
    printf("(the share of the cores is measured by spinning a thread on each between rounds)\n");
    if (busy)
        printf("Other programs took the CPU: points are slower and noisier than on an idle "
               "machine, and a curve's shape may not be the code's.\n");
    if (any_untrusted)
        printf("? marks a point whose median is uncertain by more than %.0f%% of it (its "
               "middle rounds spread that wide; circled on the chart): do not trust it.\n",
               100 * BENCH_UNTRUSTED_SPREAD);
    fprintf(out, "# note: %s\n# busy: %d\n# untrusted: %d\n", note, busy, any_untrusted);
}
