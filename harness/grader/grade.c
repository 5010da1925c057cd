/*
 * grade.c - the grader.  It never links student code: it runs each lab's
 * test programs in a sandbox and believes only
 *   - the test table printed by `list`, a binary built from kit code alone,
 *   - the records each test program writes on its record channel.
 * Whatever a submission prints on stdout is never parsed.
 *
 *   grade --build DIR --out DIR [--only T1,T2] [--show-hidden] [--autolab]
 *         [--handouts DIR] [--jobs N] LAB...
 *
 * --only grades just the named tests; --passes runs just the named passes
 * (tests, tests-tsan, tests-asan).  The kit's mutant checks use both.
 * --handouts (labs/): where a lab's handout says how many hidden tests it
 * has, for a kit that does not hold them (a student's handout).  --jobs:
 * how many labs are graded side by side (default_jobs() unless said).
 *
 * A lab whose code the build refused (vet.c: a constructor, a call into the
 * runner, ...), or whose records were not the runner's own, scores 0 on
 * every test, flagged, with what was found and where.
 *
 * A test earns its points only if it passes in every pass: the plain build,
 * the ThreadSanitizer build and the AddressSanitizer build (with
 * LeakSanitizer).  A racy solution that passes by luck in the plain pass is
 * caught by the second; a leak or a use-after-free by the third, and it costs
 * the test in which it happened, not the whole lab.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "grade.h"
#include "labstate.h"
#include "names.h"
#include "sandbox.h"
#include "testkit.h"

struct pass {
    const char *binary;     /* in $(BUILD)/LAB/ */
    const char *label;      /* prefixed to its failures; "" for the plain pass */
    double timeout_scale;   /* sanitizers slow code down several times */
    bool sanitizer;
};

static const char *only;         /* --only: comma-separated test names, or NULL */
static const char *pass_names;   /* --passes: comma-separated binaries, or NULL */

static const struct pass passes[] = {
    {"tests", "", 1.0, false},
    {"tests-tsan", "ThreadSanitizer pass", 4.0, true},
    {"tests-asan", "AddressSanitizer pass", 2.0, true},
};

static _Noreturn void die(const char *what)
{
    fprintf(stderr, "grade: cannot grade: %s%s%s\n", what, errno ? ": " : "",
            errno ? strerror(errno) : "");
    exit(2);
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        die("out of memory");
    return d;
}

static char *xprintf(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    snprintf(s, n, fmt, a, b);
    return s;
}

/* The first max_lines lines of a file, or NULL. */
static char *head_of_file(const char *path, int max_lines)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 8192, len = 0;
    char *text = calloc(1, cap);
    char line[1024];
    for (int n = 0; n < max_lines && fgets(line, sizeof line, f); n++) {
        size_t l = strlen(line);
        if (len + l + 1 > cap)
            text = realloc(text, cap *= 2);
        memcpy(text + len, line, l + 1);
        len += l;
    }
    if (fgets(line, sizeof line, f) && len + 32 < cap)
        strcat(text, "[... more in the log]\n");
    fclose(f);
    return text;
}

/* The lines of a file that start with `prefix`, without it, joined with
 * newlines; NULL if there are none. */
static char *lines_starting(const char *path, const char *prefix)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t len = 0, n = strlen(prefix);
    char *text = NULL, line[2048];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, prefix, n) != 0)
            continue;
        size_t l = strlen(line + n);
        text = realloc(text, len + l + 2);
        memcpy(text + len, line + n, l + 1);
        len += l;
        if (len && text[len - 1] != '\n')
            text[len++] = '\n', text[len] = '\0';
    }
    fclose(f);
    return text;
}

/* Append to *list each line of `lines` that it does not hold yet; with
 * `by_finding`, lines that say the same after their "file:line: " are one
 * (a call the optimiser moved names another line in another pass). */
static void add_new_lines(char **list, const char *lines, bool by_finding)
{
    for (const char *p = lines; p && *p;) {
        size_t n = strcspn(p, "\n");
        char *line = strndup(p, n);
        const char *key = by_finding && strstr(line, ": ") ? strstr(line, ": ") + 2 : line;
        char *at = *list ? strstr(*list, key) : NULL;
        bool known = at && (by_finding || at == *list || at[-1] == '\n') && at[strlen(key)] == '\n';
        if (!known) {
            size_t len = *list ? strlen(*list) : 0;
            *list = realloc(*list, len + n + 2);
            memcpy(*list + len, line, n);
            (*list)[len + n] = '\n';
            (*list)[len + n + 1] = '\0';
        }
        free(line);
        p += n + (p[n] == '\n');
    }
}

/* The compiler's and linker's warnings in a build log, one line each, a
 * file named without its folder: "threads.c:28:9: warning: unused ...". */
static char *warnings_in(const char *log)
{
    FILE *f = fopen(log, "r");
    if (!f)
        return NULL;
    char *list = NULL, line[2048];
    while (fgets(line, sizeof line, f)) {
        char *w = strstr(line, ": warning: ");
        if (!w)
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *colon = strchr(line, ':'), *start = line;
        for (char *c = line; c < colon && colon < w + 1; c++)
            if (*c == '/')
                start = c + 1;   /* the folder is the build's, not the student's business */
        add_new_lines(&list, start, false);
    }
    fclose(f);
    return list;
}

static void mkdirs(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    mkdir(p, 0755);
    free(p);
}

/* Read the test table of one lab from its kit-only `list` binary; true if
 * the table has hidden tests (whether or not --only keeps them). */
static bool load_table(struct lab *lab, const char *build)
{
    bool hidden = false;
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s/%s/list' --list", build, lab->name);
    FILE *p = popen(cmd, "r");
    if (!p)
        die("cannot run the test table");
    char line[2048];
    int cap = 16;
    lab->tests = calloc((size_t)cap, sizeof *lab->tests);
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        char *f[5];
        char *rest = line;
        for (int i = 0; i < 5; i++)
            f[i] = strsep(&rest, "\t");
        hidden |= f[3] && atoi(f[3]) != 0;
        if (!f[4] || (only && !name_in_list(f[0], only)))
            continue;
        if (lab->ntests == cap)
            lab->tests = realloc(lab->tests, (size_t)(cap *= 2) * sizeof *lab->tests);
        struct test *t = &lab->tests[lab->ntests++];
        memset(t, 0, sizeof *t);
        t->name = xstrdup(f[0]);
        t->points = atoi(f[1]);
        t->timeout_s = atof(f[2]);
        t->hidden = atoi(f[3]) != 0;
        t->look_at = xstrdup(f[4]);
        t->passed = true;   /* until a pass says otherwise */
    }
    if (pclose(p) != 0 || (lab->ntests == 0 && !only)) {
        errno = 0;
        fprintf(stderr, "grade: %s/%s/list printed no tests\n", build, lab->name);
        die("the kit's test table is missing; run make test to see why");
    }
    return hidden;
}

/* A handout's hidden tests, which a student's copy of the kit does not
 * hold: its points table's row "| 3 hidden tests | 10 |" says how many and
 * what they are worth (tests/tools/handout_facts.sh checks it against the
 * hidden tests where they are).  Nothing when the table has its own. */
static void handout_hidden(struct lab *lab, const char *handouts, bool table_has_hidden)
{
    char path[4096], line[1024];
    snprintf(path, sizeof path, "%s/%s/README.md", handouts, lab->name);
    FILE *f = table_has_hidden ? NULL : fopen(path, "r");
    if (!f)
        return;
    int n, points;
    char *bar;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "| %d hidden test", &n) == 1 && (bar = strchr(line + 1, '|')) &&
            sscanf(bar, "| %d |", &points) == 1 && n > 0) {
            lab->handout_hidden_tests = n;
            lab->handout_hidden_points = points;
            break;
        }
    fclose(f);
}

static struct test *find_test(struct lab *lab, const char *name)
{
    for (int i = 0; i < lab->ntests; i++)
        if (!strcmp(lab->tests[i].name, name))
            return &lab->tests[i];
    return NULL;
}

static void fail(struct test *t, const struct pass *pass, const char *message)
{
    if (!t->passed)
        return;   /* keep the first reason: it is the one to fix first */
    t->passed = false;
    t->output = *pass->label ? xprintf("[%s] %s", pass->label, message)
                             : xstrdup(message);
}

static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && r[1]) {
            r++;
            *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* Apply one record line "name\tstatus\tseconds\tmessage" to the table. */
static void apply_record(struct lab *lab, const struct pass *pass, char *line,
                         bool *seen)
{
    char *f[4];
    char *rest = line;
    for (int i = 0; i < 4; i++)
        f[i] = strsep(&rest, "\t");
    if (!f[3])
        return;
    struct test *t = find_test(lab, f[0]);
    if (!t || seen[t - lab->tests])
        return;   /* unknown or repeated: only the first record counts */
    seen[t - lab->tests] = true;
    if (!*pass->label)
        t->seconds = atof(f[2]);
    unescape(f[3]);
    if (!*pass->label && !strcmp(f[1], "timeout")) {
        /* Sanitizer passes run only what passed here, and saying so spares
         * the student wondering why the hang has no sanitizer report. */
        char *why = xprintf("%s%s", f[3], "\n(Not run again under ThreadSanitizer and "
                            "AddressSanitizer: a test that hangs would only hang there too, "
                            "more slowly.)");
        fail(t, pass, why);
        free(why);
    } else if (strcmp(f[1], "pass") != 0)
        fail(t, pass, f[3]);
    else if (*f[3] && !t->note)
        t->note = xstrdup(f[3]);   /* what a passing test could not measure */
}

static char *describe_exit(const struct sandbox_result *r)
{
    char buf[256];
    if (r->timed_out)
        snprintf(buf, sizeof buf, "it ran past the lab's overall time limit "
                                  "(%.0f s) and was killed", r->seconds);
    else if (WIFSIGNALED(r->exit_status))
        snprintf(buf, sizeof buf, "it was killed by signal %d (%s)",
                 WTERMSIG(r->exit_status), strsignal(WTERMSIG(r->exit_status)));
    else
        snprintf(buf, sizeof buf, "it exited with status %d",
                 WEXITSTATUS(r->exit_status));
    return xstrdup(buf);
}

/* "a,b,c": the tests that have passed every pass so far. */
static char *passing_tests(const struct lab *lab)
{
    size_t n = 1;
    for (int i = 0; i < lab->ntests; i++)
        n += strlen(lab->tests[i].name) + 1;
    char *list = calloc(1, n);
    for (int i = 0; i < lab->ntests; i++)
        if (lab->tests[i].passed) {
            if (*list)
                strcat(list, ",");
            strcat(list, lab->tests[i].name);
        }
    return list;
}

/* Score every test of the lab 0 for what its code did: `flag` is
 * "refused" or "tampered", `found` what and where, a finding a line.  The
 * same words head every test's feedback, so every platform shows them. */
static void flag_lab(struct lab *lab, const char *flag, const char *found)
{
    if (lab->flagged)
        return;
    lab->flag = flag;
    lab->flagged = xstrdup(found);
    size_t n = strcspn(found, "\n"), size = 2 * strlen(found) + 1024;
    char *msg = malloc(size);
    int len = snprintf(msg, size, "flagged, 0 for the whole lab: %.*s\n", (int)n, found);
    if (!strcmp(flag, "refused"))
        len += snprintf(msg + len, size - (size_t)len, "The kit would not run this lab's code: "
                        "it does what no lab needs, and what could reach the grader's records. "
                        "Every test of the lab scores 0. What the kit found:\n");
    else
        len += snprintf(msg + len, size - (size_t)len, "Only the records the kit's runner writes "
                        "give points, and this lab's were not all its own, so every test of the "
                        "lab scores 0. What the grader found:\n");
    for (const char *p = found; *p;) {
        size_t l = strcspn(p, "\n");
        len += snprintf(msg + len, size - (size_t)len, "  %.*s\n", (int)l, p);
        p += l + (p[l] == '\n');
    }
    snprintf(msg + len, size - (size_t)len, "Your instructor's report lists this lab as flagged; "
             "if it is a mistake, tell them.");
    for (int i = 0; i < lab->ntests; i++) {
        struct test *t = &lab->tests[i];
        t->passed = false;
        free(t->output);
        t->output = xstrdup(msg);
        t->note = NULL;
    }
    free(msg);
}

/* The records of one pass must be the runner's own: one a test, for the
 * tests it was asked to run (those still passing) in the table's order,
 * each well formed, nothing after the last.  A last line without its
 * newline is the program killed while writing it: not counted, not
 * tampering.  Returns what is wrong, or NULL. */
static char *forged_records(const struct lab *lab, const char *records, size_t len)
{
    static const char *statuses[] = {"pass", "fail", "timeout", "crash", "exit"};
    char why[1024];
    if (strlen(records) != len)
        return xstrdup("the record channel held a NUL byte, which the runner never writes");
    int next = 0, number = 0;
    for (const char *p = records, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(nl - p < 200 ? nl - p : 200), p);
        number++;
        /* Shown with its fields apart, each tab a " | ". */
        char shown[1024], *w = shown;
        for (const char *c = line; *c && w < shown + sizeof shown - 4; c++)
            w = *c == '\t' ? memcpy(w, " | ", 3), w + 3 : (*w = *c, w + 1);
        *w = '\0';
        while (next < lab->ntests && !lab->tests[next].passed)
            next++;
        size_t name_len = strcspn(line, "\t");
        const char *status = line[name_len] ? line + name_len + 1 : "";
        size_t status_len = strcspn(status, "\t");
        char *end = NULL;
        double seconds = status[status_len] ? strtod(status + status_len + 1, &end) : -1;
        bool known = false;
        for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++)
            known |= strlen(statuses[i]) == status_len && !strncmp(status, statuses[i], status_len);
        if (next == lab->ntests)
            snprintf(why, sizeof why, "the record channel held a record after the last test's: "
                     "record %d, \"%.100s\"", number, shown);
        else if (strlen(lab->tests[next].name) != name_len ||
                 strncmp(line, lab->tests[next].name, name_len) != 0)
            snprintf(why, sizeof why, "record %d of the record channel names \"%.*s\" where the "
                     "runner's next test was %s", number, (int)(name_len < 80 ? name_len : 80),
                     line, lab->tests[next].name);
        else if (!known || !end || *end != '\t' || !(seconds >= 0))
            snprintf(why, sizeof why, "record %d of the record channel (for %s) is not in the "
                     "runner's form: \"%.100s\"", number, lab->tests[next].name, shown);
        else {
            next++;
            continue;
        }
        return xstrdup(why);
    }
    return NULL;
}

/* What a build left for the student beside the program: the compiler's
 * warnings (they cost nothing) and what the vetting flagged for review. */
static void note_build(struct lab *lab, const char *bin)
{
    char path[4200];
    snprintf(path, sizeof path, "%s.log", bin);
    char *warnings = warnings_in(path);
    add_new_lines(&lab->warnings, warnings, false);
    free(warnings);
    snprintf(path, sizeof path, "%s.vet", bin);
    char *review = lines_starting(path, "review: ");
    add_new_lines(&lab->review, review, true);
    free(review);
}

/* The pass's binary did not build: flag the lab if the vetting refused it,
 * else fail every test with the compiler's first errors. */
static void no_binary(struct lab *lab, const struct pass *pass, const char *bin)
{
    char buildlog[4200];
    snprintf(buildlog, sizeof buildlog, "%s.vet", bin);
    char *refused = lines_starting(buildlog, "refused: ");
    if (refused) {
        flag_lab(lab, "refused", refused);
        free(refused);
        return;
    }
    snprintf(buildlog, sizeof buildlog, "%s.log", bin);
    char *errors = head_of_file(buildlog, 40);
    lab->build_errors = xprintf("%s%s", errors && *errors ? errors
                                : "(no compiler output: was the lab built?)\n", "");
    free(errors);
    for (int i = 0; i < lab->ntests; i++)
        fail(&lab->tests[i], pass, xprintf("did not compile, so no test "
             "could run. The compiler said:\n%s", lab->build_errors, ""));
}

/* Every test still passing that got no record this pass fails, saying how
 * the program ended and what it printed (the first lines of its log). */
static void fail_unrecorded(struct lab *lab, const struct pass *pass, const bool *seen,
                            const struct sandbox_result *r, const char *log)
{
    char *how = describe_exit(r);
    char *printed = head_of_file(log, 15);
    for (int i = 0; i < lab->ntests; i++) {
        if (seen[i] || !lab->tests[i].passed)
            continue;
        size_t n = 1024 + strlen(how) + (printed ? strlen(printed) : 0);
        char *msg = malloc(n);
        snprintf(msg, n, "no result: the test program stopped before this test "
                 "finished (%s). Code that runs outside any test, such as a "
                 "constructor, or a crash of the program itself, causes this.%s%s",
                 how, printed && *printed ? "\nIt printed:\n" : "",
                 printed ? printed : "");
        fail(&lab->tests[i], pass, msg);
        free(msg);
    }
    free(how);
    free(printed);
}

/* Run one pass of one lab; returns false if its binary did not build or
 * the lab was flagged. */
static bool run_pass(struct lab *lab, const struct pass *pass, const char *build,
                     const char *out)
{
    char bin[4096], dir[4096], log[4200], scale[32];
    snprintf(bin, sizeof bin, "%s/%s/%s", build, lab->name, pass->binary);
    if (access(bin, X_OK) != 0) {
        no_binary(lab, pass, bin);
        return false;
    }

    note_build(lab, bin);
    snprintf(dir, sizeof dir, "%s/%s/%s", out, lab->name, pass->binary);
    mkdirs(dir);
    sandbox_share_dir(dir);
    char *rm = xprintf("rm -f '%s'/*.out '%s'/*.san.*", dir, dir);
    if (system(rm) != 0) { /* nothing stale to remove */ }
    free(rm);
    snprintf(log, sizeof log, "%s/program.log", dir);
    snprintf(scale, sizeof scale, "%g", pass->timeout_scale);

    double deadline = 10.0;
    for (int i = 0; i < lab->ntests; i++)
        if (lab->tests[i].passed)
            deadline += lab->tests[i].timeout_s * pass->timeout_scale + 0.5;

    /* After the first pass, run only the tests still passing: a failed test
     * cannot earn its points back, and re-running a hang costs its timeout. */
    char *still_passing = passing_tests(lab);
    char *argv[] = {bin, "--run", "--records-fd", "3", "--outdir", dir,
                    "--timeout-scale", scale, "--only", still_passing, NULL};
    struct sandbox_result r;
    /* Stop a test at its first report: the report is the verdict, and a race
     * that goes on to hang would otherwise cost the whole (4x) timeout. */
    setenv("TSAN_OPTIONS", "halt_on_error=1:second_deadlock_stack=1", 1);
    setenv("ASAN_OPTIONS", "halt_on_error=1:detect_leaks=1", 1);
    if (sandbox_run(argv, dir, log, deadline, pass->sanitizer, &r) != 0)
        die("cannot start a test program");

    free(still_passing);
    char *forged = forged_records(lab, r.records, r.records_len);
    if (forged) {
        flag_lab(lab, "tampered", forged);
        free(forged);
        free(r.records);
        return false;
    }
    bool *seen = calloc((size_t)lab->ntests, sizeof *seen);
    char *rest = r.records;
    for (char *line; (line = strsep(&rest, "\n"));)
        apply_record(lab, pass, line, seen);
    fail_unrecorded(lab, pass, seen, &r, log);
    free(seen);
    free(r.records);
    return true;
}

static bool any_passed(const struct lab *lab)
{
    for (int i = 0; i < lab->ntests; i++)
        if (lab->tests[i].passed)
            return true;
    return false;
}

/* How many labs to grade side by side unless --jobs says: two a core, as a
 * lab's tests keep less than one core busy (they wait on deadlines, sleeps
 * and one another: the six reference labs graded one after another kept 2
 * cores 47 % busy); but under a CPU quota, one a whole CPU of it and at
 * least one, as the grader did before it took labs side by side. */
static int default_jobs(void)
{
    double quota = cgroup_cpu_quota();
    if (quota > 0 && quota < usable_cores())
        return quota >= 2 ? (int)quota : 1;
    return 2 * usable_cores();
}

/* Grade one lab: its test table, then each pass in turn. */
static void grade_lab(struct lab *lab, const char *build, const char *out, const char *handouts)
{
    bool has_hidden = load_table(lab, build);
    if (handouts)
        handout_hidden(lab, handouts, has_hidden);
    for (size_t p = 0; p < sizeof passes / sizeof passes[0]; p++) {
        if (pass_names && !name_in_list(passes[p].binary, pass_names))
            continue;
        if (!run_pass(lab, &passes[p], build, out))
            break;
        if (!any_passed(lab))
            break;   /* nothing left for a sanitizer to take away */
    }
}

/* Grade every lab, up to jobs at a time, each in a process of its own.
 * Side by side the labs share the machine as they would share it with any
 * other load, which every test must bear anyway (make stress).  Each lab's
 * process returns its lab through a file of its own (labstate.c): where
 * none can be made, the labs are graded one after another.  A process that
 * dies without returning its lab has said why, and so does the grader. */
static void grade_labs(struct grading *g, const char *build, const char *out,
                       const char *handouts, int jobs)
{
    int probe = lab_state_file();
    if (probe >= 0)
        close(probe);
    if (jobs <= 1 || g->nlabs == 1 || probe < 0) {
        for (int i = 0; i < g->nlabs; i++)
            grade_lab(&g->labs[i], build, out, handouts);
        return;
    }
    pid_t *pids = calloc((size_t)g->nlabs, sizeof *pids);
    int *files = calloc((size_t)g->nlabs, sizeof *files);
    int next = 0, running = 0, done = 0;
    fflush(NULL);   /* nothing buffered may be written twice */
    while (done < g->nlabs) {
        while (running < jobs && next < g->nlabs) {
            if ((files[next] = lab_state_file()) < 0)
                die("cannot make a file for a lab's results");
            if ((pids[next] = fork()) < 0)
                die("cannot fork to grade a lab");
            if (pids[next] == 0) {
                sandbox_own_process();
                grade_lab(&g->labs[next], build, out, handouts);
                _exit(lab_state_save(&g->labs[next], files[next]) ? 0 : 2);
            }
            next++, running++;
        }
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0)
            die("lost a lab's grading");
        for (int i = 0; i < next; i++) {
            if (pids[i] != pid)
                continue;   /* an orphan re-parented to us: reaped, nothing more */
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
                !lab_state_load(&g->labs[i], files[i])) {
                errno = 0;
                die(xprintf("grading %s%s stopped early", g->labs[i].name, ""));
            }
            close(files[i]);
            pids[i] = 0;
            running--, done++;
        }
    }
    free(pids);
    free(files);
}

int main(int argc, char **argv)
{
    const char *build = NULL, *out = NULL, *handouts = NULL;
    bool autolab = false;
    int jobs = default_jobs();
    struct grading g = {0};
    g.labs = calloc((size_t)argc, sizeof *g.labs);

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--build") && i + 1 < argc)
            build = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--passes") && i + 1 < argc)
            pass_names = argv[++i];
        else if (!strcmp(argv[i], "--handouts") && i + 1 < argc)
            handouts = argv[++i];
        else if (!strcmp(argv[i], "--jobs") && i + 1 < argc)
            jobs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--show-hidden"))
            g.show_hidden = true;
        else if (!strcmp(argv[i], "--autolab"))
            autolab = true;
        else
            g.labs[g.nlabs++].name = argv[i];
    }
    if (!build || !out || g.nlabs == 0) {
        fprintf(stderr, "usage: grade --build DIR --out DIR [--only T1,T2] [--passes P1,P2] [--show-hidden] "
                        "[--autolab] [--handouts DIR] [--jobs N] LAB...\n");
        return 2;
    }
    mkdirs(out);
    const char *out_given = out;   /* as the user wrote it, for the summary */
    /* Absolute paths: test programs run inside their own output folder. */
    char *build_abs = realpath(build, NULL), *out_abs = realpath(out, NULL);
    if (!build_abs || !out_abs)
        die("the build or output folder is missing");
    build = build_abs;
    out = out_abs;
    g.sandbox = sandbox_init(build, out);
    double start = now_s();

    grade_labs(&g, build, out, handouts, jobs);
    g.seconds = now_s() - start;
    g.out = out_given;

    char path[4096];
    snprintf(path, sizeof path, "%s/results.json", out);
    if (write_results_json(&g, path) != 0)
        die("cannot write results.json");
    snprintf(path, sizeof path, "%s/results.tsv", out);
    if (write_results_tsv(&g, path) != 0)
        die("cannot write results.tsv");
    snprintf(path, sizeof path, "%s/junit.xml", out);
    if (write_junit_xml(&g, path) != 0)
        die("cannot write junit.xml");
    print_summary(&g);
    if (autolab)
        print_autolab(&g);
    return 0;
}
