/*
 * private-mount-ns COMMAND [ARG...]: run COMMAND in a new mount namespace
 * whose mounts are all private, also where `unshare -m --propagation private`
 * cannot make them so.
 *
 * unshare(1) makes the copied mounts private with mount("/", MS_REC|MS_PRIVATE),
 * which the kernel refuses (EINVAL, "cannot change root filesystem
 * propagation") when / is not the root of a mount: in a chroot such as a fresh
 * debootstrap root.  The mount that holds the chroot is then out of reach by
 * path, and it is usually shared with the host (systemd makes / shared), so a
 * mount the tests make over /etc or /run would show up on the host.  A user
 * namespace would reduce shared mounts to slaves, but the kernel refuses to
 * create one from a chrooted process.  So, inside the new namespace only, this
 * program steps out of the chroot to the namespace's real root, makes every
 * mount of the namespace private there, and goes back into the chroot through
 * a descriptor kept open on it.  Nothing outside the new namespace changes:
 * the propagation type set is that of the namespace's own copies.
 *
 * Exit status: COMMAND's (it is executed), or 125 with a message on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define FAIL_STATUS 125

static int fail(const char *what)
{
    fprintf(stderr, "private-mount-ns: %s: %s\n", what, strerror(errno));
    return FAIL_STATUS;
}

static int make_all_private(void)
{
    return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

/* Make the namespace private from its real root, then return into the chroot
 * (root_fd) and the working directory (cwd_fd) the caller had. */
static int make_private_from_outside_chroot(int root_fd, int cwd_fd)
{
    char step_dir[] = "/tmp/private-mount-ns.XXXXXX";
    if (!mkdtemp(step_dir))
        return fail("mkdtemp /tmp/private-mount-ns.XXXXXX");
    /* chroot into a subdirectory while the working directory stays at the
     * old root: ".." from there is no longer stopped by the process root. */
    if (chdir("/") != 0 || chroot(step_dir) != 0) {
        int rc = fail("chroot into a scratch directory");
        rmdir(step_dir);
        return rc;
    }
    struct stat here, parent;
    /* Climb until ".." is the directory itself: the namespace's root. */
    for (int depth = 0; depth < 4096; depth++) {
        if (stat(".", &here) != 0 || stat("..", &parent) != 0)
            return fail("stat while climbing to the namespace root");
        if (here.st_dev == parent.st_dev && here.st_ino == parent.st_ino)
            break;
        if (chdir("..") != 0)
            return fail("chdir ..");
    }
    if (chroot(".") != 0)
        return fail("chroot to the namespace root");
    if (make_all_private() != 0)
        return fail("make the mounts of the namespace private (from its root)");
    if (fchdir(root_fd) != 0 || chroot(".") != 0)
        return fail("return into the original root");
    /* step_dir is a path inside the original root again. */
    if (rmdir(step_dir) != 0)
        fprintf(stderr, "private-mount-ns: rmdir %s: %s\n", step_dir, strerror(errno));
    if (fchdir(cwd_fd) != 0)
        return fail("return to the working directory");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: private-mount-ns COMMAND [ARG...]\n");
        return 2;
    }
    if (unshare(CLONE_NEWNS) != 0)
        return fail("unshare(CLONE_NEWNS)");
    /* Opened after unshare: the root and working directory now name the new
     * namespace's copies of the mounts, which are the ones to return to. */
    int root_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int cwd_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0 || cwd_fd < 0)
        return fail("open / and the working directory");
    if (make_all_private() != 0) {
        if (errno != EINVAL)
            return fail("make the mounts of the namespace private");
        /* EINVAL: / is not a mount point (a chroot). */
        int rc = make_private_from_outside_chroot(root_fd, cwd_fd);
        if (rc != 0)
            return rc;
    }
    close(root_fd);
    close(cwd_fd);
    execvp(argv[1], argv + 1);
    fprintf(stderr, "private-mount-ns: %s: %s\n", argv[1], strerror(errno));
    return 127;
}
