/*
 * procfs.c - the kernel's view of the test's processes, read from /proc.
 *
 * Runs in the test's own process (the watcher, a failing check), so every
 * read here is __real_read: the tracker must not see its own calls.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intercept.h"
#include "procfs.h"

/* Up to size - 1 bytes of a small file, ended; -1 if unreadable. */
static ssize_t read_text(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = __real_read(fd, buf, size - 1);
    __real_close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

/* "pid (comm) S ppid ...": comm may hold spaces and parentheses, so the
 * fields are read from the last ')'.  The state letter, or '?'. */
static char stat_state(const char *path, int *ppid)
{
    char buf[512];
    if (read_text(path, buf, sizeof buf) <= 0)
        return '?';
    char *end = strrchr(buf, ')');
    if (!end || end[1] != ' ' || !end[2])
        return '?';
    if (ppid)
        *ppid = atoi(end + 4);
    return end[2];
}

char procfs_thread_state(pid_t pid, pid_t tid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    return stat_state(path, NULL);
}

bool procfs_dead(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    char state = stat_state(path, NULL);
    return state == '?' || state == 'Z' || state == 'X';
}

bool procfs_runs_us(pid_t pid)
{
    char path[64], ours[4096], theirs[4096];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t a = readlink("/proc/self/exe", ours, sizeof ours);
    ssize_t b = readlink(path, theirs, sizeof theirs);
    return a > 0 && a == b && memcmp(ours, theirs, (size_t)a) == 0;
}

/* fd's pipe inode in process pid, and which end it is; false if not a pipe. */
static bool pipe_end(pid_t pid, int fd, unsigned long long *inode, int *end)
{
    char path[96], link[64], info[512];
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n <= 0)
        return false;
    link[n] = '\0';
    if (sscanf(link, "pipe:[%llu]", inode) != 1)
        return false;
    snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", (int)pid, fd);
    const char *flags = read_text(path, info, sizeof info) > 0 ? strstr(info, "flags:") : NULL;
    if (!flags)
        return false;
    *end = (strtol(flags + 6, NULL, 8) & O_ACCMODE) == O_WRONLY ? END_WRITE : END_READ;
    return true;
}

int procfs_pipes(pid_t pid, int proc, struct rec_fd *out, int room)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *dir = opendir(path);
    int n = 0;
    for (struct dirent *e; dir && n < room && (e = readdir(dir));) {
        unsigned long long inode;
        int end;
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || !pipe_end(pid, atoi(e->d_name), &inode, &end))
            continue;
        out[n++] = (struct rec_fd){.proc = proc, .fd = atoi(e->d_name), .inode = inode,
                                   .end = (uint8_t)end};
    }
    if (dir)
        closedir(dir);
    return n;
}

bool procfs_stranger_child(const pid_t *pids, int n)
{
    DIR *proc = opendir("/proc");
    bool found = false;
    for (struct dirent *e; proc && !found && (e = readdir(proc));) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300];
        int ppid = 0, pid = atoi(e->d_name);
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        bool ours = false, parent_ours = false;
        for (int i = 0; i < n; i++)
            ours |= pids[i] == pid;
        if (ours || stat_state(path, &ppid) == '?')
            continue;
        for (int i = 0; i < n; i++)
            parent_ours |= pids[i] == ppid;
        found = parent_ours;
    }
    if (proc)
        closedir(proc);
    return found;
}
