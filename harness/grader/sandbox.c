/*
 * sandbox.c - run an untrusted test program and always get control back.
 *
 * Student code may crash, hang, fork, flood output or ignore signals.  So:
 *  - it runs in its own process group under resource limits (rlimits.c);
 *  - the grader is a child subreaper: whatever the program leaves behind,
 *    daemons included, is re-parented to us and killed with SIGKILL, which
 *    no process can ignore;
 *  - the run has a hard deadline, after which everything is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "reachable.h"
#include "reap.h"
#include "rlimits.h"
#include "sandbox.h"
#include "testkit.h"

enum { RECORD_FD = 3 };

/* Root grading runs student code as an unprivileged uid of its own: no
 * account has it, and two gradings running side by side get different ones,
 * so one submission's fork bomb cannot eat the other's process limit. */
static uid_t student_uid;
static bool run_as_nobody;
static bool open_the_way;    /* folders above the kit are closed to that uid */
static const char *reach[4]; /* what it must reach: the kit, build, output */
static bool no_network;      /* a fresh network namespace can be made */
static bool use_cgroups;     /* a control group per run can be made */
static int runs;             /* names each run's control group */

/* Leave the network: a new network namespace has only a loopback that is
 * down.  Root can do it directly; anyone else inside a new user namespace
 * that maps their own uid and gid to themselves. */
static bool leave_network(void)
{
    if (getuid() == 0)
        return unshare(CLONE_NEWNET) == 0;
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
        return false;
    char map[64];
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    int ok = 1, fd;
    ok &= (fd = open("/proc/self/setgroups", O_WRONLY)) >= 0 && write(fd, "deny", 4) == 4;
    if (fd >= 0)
        close(fd);
    ok &= (fd = open("/proc/self/uid_map", O_WRONLY)) >= 0 && write(fd, map, strlen(map)) > 0;
    if (fd >= 0)
        close(fd);
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    ok &= (fd = open("/proc/self/gid_map", O_WRONLY)) >= 0 && write(fd, map, strlen(map)) > 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static bool become_nobody(void)
{
    return setgroups(0, NULL) == 0 && setgid(student_uid) == 0 && setuid(student_uid) == 0;
}

/* As the student's uid (through the folders opened for it, if need be),
 * can we read and enter each folder a test program needs? */
static bool student_reaches(void)
{
    if (open_the_way && !reachable_make())
        return false;
    if (!become_nobody())
        return false;
    for (int i = 0; reach[i]; i++)
        if (access(reach[i], R_OK | X_OK) != 0)
            return false;
    return true;
}

/* Try, in a throwaway child, what isolation this machine allows. */
static bool probe(bool (*step)(void))
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(step() ? 0 : 1);
    int status;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}

/* Root: student code runs as a uid of its own, which must reach the kit's
 * folders, opened for it where a folder above them is closed (reachable.c);
 * where even that is refused, it runs as root, and the summary says so. */
static void choose_user(const char *build, const char *out)
{
    static char cwd[4096];
    if (getuid() != 0 || !getcwd(cwd, sizeof cwd))
        return;
    reach[0] = cwd, reach[1] = build, reach[2] = out;
    int closed = reachable_plan(reach, student_uid, student_uid);
    open_the_way = closed > 0;
    run_as_nobody = closed >= 0 && probe(student_reaches);
}

const char *sandbox_init(const char *build, const char *out)
{
    static char description[240];
    /* The grader holds the read end of every record channel.  Where student
     * code runs as the grader's own user, outside any user namespace (a
     * plain user on a host that refuses them, as Ubuntu 24.04's AppArmor
     * does to unconfined programs), a test could open /proc/<grader>/fd/N
     * for writing, kill the runner and write passes for every test: the
     * kernel refuses that for an undumpable process, as for the runner. */
    prctl(PR_SET_DUMPABLE, 0);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    signal(SIGPIPE, SIG_IGN);
    student_uid = 200000 + (uid_t)getpid() % 100000;
    /* GRADE_NO_NAMESPACES=1 grades as such a host would (the kit's tests). */
    const char *no_ns = getenv("GRADE_NO_NAMESPACES");
    no_network = !(no_ns && !strcmp(no_ns, "1")) && probe(leave_network);
    struct cgroup cg;
    char name[64];
    snprintf(name, sizeof name, "concurrency-labs-%d-probe", (int)getpid());
    use_cgroups = cgroup_create(&cg, name, 10);
    cgroup_destroy(&cg);
    choose_user(build, out);
    snprintf(description, sizeof description, "student code runs as %s, %s, %s",
             run_as_nobody ? (open_the_way ? "an unprivileged user (through a mount namespace: "
             "a folder above this one is closed to others)" : "an unprivileged user")
             : getuid() == 0 ? "root (an unprivileged user cannot reach this folder)" : "you",
             no_network ? "without network" : "with network (no namespace allowed here)",
             use_cgroups ? "in a control group of its own" : "without a control group");
    return description;
}

void sandbox_own_process(void)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);   /* not inherited across fork */
    student_uid = 200000 + (uid_t)getpid() % 100000;
    runs = 0;
}

void sandbox_share_dir(const char *dir)
{
    if (run_as_nobody && chown(dir, student_uid, student_uid) != 0)
        run_as_nobody = false;   /* cannot hand it over: keep our own user */
}

/* Kill every process of the student uid at once: kill(-1) as that user
 * reaches all of them, including a fork bomb that is still forking, which
 * killing by parent or process group cannot catch up with. */
static void kill_student_processes(void)
{
    if (!run_as_nobody)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) == 0 && setgid(student_uid) == 0 && setuid(student_uid) == 0)
            for (int round = 0; round < 3; round++)
                kill(-1, SIGKILL);
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

static void child(char *const argv[], const char *workdir, int record_write,
                  const char *log_path, bool sanitizer, const struct cgroup *cg)
{
    setpgid(0, 0);
    if (cg->count && !cgroup_enter(cg))
        _exit(127);
    int null = open("/dev/null", O_RDONLY);
    int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (null < 0 || log < 0)
        _exit(127);
    dup2(null, STDIN_FILENO);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    dup2(record_write, RECORD_FD);
    if (no_network && !leave_network())
        _exit(127);
    if (run_as_nobody && ((open_the_way && !reachable_make()) || !become_nobody()))
        _exit(127);
    if (chdir(workdir) != 0)
        _exit(127);
    apply_limits(sanitizer, getuid());
    signal(SIGPIPE, SIG_DFL);
    signal(SIGXFSZ, SIG_IGN);   /* a flood of output is cut, not fatal */
    execv(argv[0], argv);
    _exit(127);
}

int sandbox_run(char *const argv[], const char *workdir, const char *log_path,
                double deadline_s, bool sanitizer, struct sandbox_result *result)
{
    int fds[2];
    memset(result, 0, sizeof *result);
    if (pipe2(fds, O_CLOEXEC) == -1)
        return -1;
    struct cgroup cg = {0};
    if (use_cgroups) {
        char name[64];
        const char *max = getenv("GRADE_LIMIT_NPROC");
        snprintf(name, sizeof name, "concurrency-labs-%d-%d", (int)getpid(), runs++);
        cgroup_create(&cg, name, max && *max ? atol(max) : 512);
    }
    double start = now_s();
    pid_t pid = fork();
    if (pid == -1)
        return -1;
    if (pid == 0) {
        close(fds[0]);
        /* dup2 clears O_CLOEXEC on fd 3 only: the program gets exactly
         * one record channel. */
        child(argv, workdir, fds[1], log_path, sanitizer, &cg);
    }
    setpgid(pid, pid);   /* also done in the child: whichever runs first */
    close(fds[1]);

    size_t cap = 1 << 16;
    result->records = malloc(cap);
    int status = 0, status_of_any, exited = 0, open_pipe = 1;
    while (!exited || open_pipe) {
        double left = deadline_s - (now_s() - start);
        if (left <= 0) {
            result->timed_out = 1;
            break;
        }
        if (open_pipe) {
            struct pollfd p = {fds[0], POLLIN, 0};
            int ms = exited ? 0 : (left < 0.1 ? (int)(left * 1000) + 1 : 100);
            if (poll(&p, 1, ms) > 0) {
                if (result->records_len + 4096 > cap)
                    result->records = realloc(result->records, cap *= 2);
                ssize_t n = read(fds[0], result->records + result->records_len, 4096);
                if (n > 0)
                    result->records_len += (size_t)n;
                else if (n == 0 || errno != EINTR)
                    open_pipe = 0;
            } else if (exited) {
                /* The program is gone and nothing is waiting to be read:
                 * a leftover descendant may hold the pipe open forever. */
                open_pipe = 0;
            }
        } else {
            sleep_s(0.01);
        }
        /* Reap everyone, not only the program: killed orphans re-parented
         * to us stay zombies until reaped, and zombies count against the
         * process limit of the next test. */
        for (pid_t w; (w = waitpid(-1, &status_of_any, WNOHANG)) > 0;)
            if (w == pid) {
                status = status_of_any;
                exited = 1;
            }
    }
    kill(-pid, SIGKILL);
    if (!exited && waitpid(pid, &status, 0) == pid)
        exited = 1;
    kill_student_processes();
    reap_all_children();
    cgroup_destroy(&cg);
    close(fds[0]);

    result->records = realloc(result->records, result->records_len + 1);
    result->records[result->records_len] = '\0';
    result->exit_status = result->timed_out ? -1 : status;
    result->seconds = now_s() - start;
    return 0;
}
