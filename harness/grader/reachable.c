/*
 * reachable.c - let the student's uid through folders closed to it: root
 * who clones the kit into its home (/root, mode 0700), as in a chroot or a
 * container.
 *
 * Student code runs as a uid of its own (sandbox.c), and that uid must reach
 * by path what a test program needs: the program, its output folder, and the
 * kit's sources, which the runner reads by the absolute path it was built
 * with (KIT_ROOT), as the sanitizers read the program by its own.  So no
 * path may change.  Instead, in a mount namespace of the test's own, each
 * closed folder on the way is covered by a tiny tmpfs that anyone may enter
 * and that holds only the way on: the real next folder, bound back under its
 * own name.  The student's uid sees the same paths, and of a closed folder
 * only the way through it; nothing changes outside the namespace, which ends
 * with its last process.
 */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reachable.h"

enum { MAX_COVERS = 8 };

/* A closed folder, and its one entry that leads on. */
static struct cover {
    char dir[PATH_MAX];
    char next[NAME_MAX + 1];
} covers[MAX_COVERS];
static int ncovers;

/* May uid:gid, with no other groups, enter dir?  The mode bits, as the kernel
 * applies them; an ACL that would let it in is not read (covering a folder
 * that was open costs nothing).  A missing folder has nothing to cover. */
static bool enterable(const char *dir, uid_t uid, gid_t gid)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return true;
    mode_t bit = st.st_uid == uid ? S_IXUSR : st.st_gid == gid ? S_IXGRP : S_IXOTH;
    return (st.st_mode & bit) != 0;
}

static bool planned(const char *dir, const char *next, size_t n)
{
    for (int i = 0; i < ncovers; i++)
        if (!strcmp(covers[i].dir, dir) && !strncmp(covers[i].next, next, n) &&
            covers[i].next[n] == '\0')
            return true;
    return false;
}

/* Each path's closed folders, from the top down: so a folder is always
 * covered before one below it, which is reached through its cover. */
int reachable_plan(const char *const paths[], uid_t uid, gid_t gid)
{
    ncovers = 0;
    for (; *paths; paths++) {
        char dir[PATH_MAX] = "/";
        const char *p = *paths + strspn(*paths, "/");
        while (*p) {
            size_t n = strcspn(p, "/"), len = strlen(dir);
            if (n > NAME_MAX || len + n + 2 > sizeof dir)
                return -1;
            if (!enterable(dir, uid, gid) && !planned(dir, p, n)) {
                if (ncovers == MAX_COVERS || !strcmp(dir, "/"))
                    return -1;   /* "/" itself closed: nothing to stand on */
                snprintf(covers[ncovers].dir, sizeof covers[0].dir, "%s", dir);
                snprintf(covers[ncovers++].next, sizeof covers[0].next, "%.*s", (int)n, p);
            }
            snprintf(dir + len, sizeof dir - len, "%s%.*s", len > 1 ? "/" : "", (int)n, p);
            p += n + strspn(p + n, "/");
        }
    }
    return ncovers;
}

static bool same_folder(const char *a, const char *b)
{
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* Make every mount of our namespace private, from its top, the working
 * folder.  In a chroot, "/" is a folder inside a mount and ".." stops there;
 * with the root moved aside (into /dev, which the working folder is not
 * under), ".." climbs on to the top, and the root is put back after. */
static bool private_from_the_top(void)
{
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    bool done = root >= 0 && chdir("/") == 0 && chroot("/dev") == 0;
    for (int up = 0; done && up < 4096 && !same_folder(".", ".."); up++)
        done = chdir("..") == 0;
    done = done && mount(NULL, ".", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
    bool back = root >= 0 && fchdir(root) == 0 && chroot(".") == 0 && chdir("/") == 0;
    if (root >= 0)
        close(root);
    return done && back;
}

/* A mount namespace of our own in which no mount propagates: a mount made on
 * a shared one would appear in the grader's namespace too, and outlive us. */
static bool private_namespace(void)
{
    if (unshare(CLONE_NEWNS) != 0)
        return false;
    return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 || private_from_the_top();
}

/* The real folder a cover leads to: dir/next. */
static bool way_on(const struct cover *c, char *path, size_t size)
{
    return (size_t)snprintf(path, size, "%s/%s", c->dir, c->next) < size;
}

/* Cover dir (once) and bind the real dir/next, open as fd, back into it. */
static bool cover(int i, int fd)
{
    char path[PATH_MAX + NAME_MAX + 2], source[64];
    bool first = true;
    for (int j = 0; j < i; j++)
        first &= strcmp(covers[j].dir, covers[i].dir) != 0;
    if (first && mount("reachable", covers[i].dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                       "mode=0755,size=16k,nr_inodes=64") != 0)
        return false;
    snprintf(source, sizeof source, "/proc/self/fd/%d", fd);
    return way_on(&covers[i], path, sizeof path) && mkdir(path, 0755) == 0 &&
           mount(source, path, NULL, MS_BIND | MS_REC, NULL) == 0;
}

bool reachable_make(void)
{
    if (ncovers <= 0)
        return ncovers == 0;
    if (!private_namespace())
        return false;
    /* Every real folder is opened before the first cover hides any. */
    int fds[MAX_COVERS];
    bool ok = true;
    for (int i = 0; i < ncovers; i++) {
        char path[PATH_MAX + NAME_MAX + 2];
        fds[i] = way_on(&covers[i], path, sizeof path) ? open(path, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
        ok &= fds[i] >= 0;
    }
    for (int i = 0; i < ncovers; i++) {
        ok = ok && cover(i, fds[i]);
        if (fds[i] >= 0)
            close(fds[i]);
    }
    return ok;
}
