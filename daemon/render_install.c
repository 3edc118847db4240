/*
 * Installing rendered files (render.h): each changed file of a group is
 * replaced atomically, the group validated, the old contents restored when
 * validation fails, and the service reloaded.
 */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clusterdbd.h"
#include "render.h"

/* The whole file; NULL with *exists = 0 when there is none, NULL with
 * *exists = 1 when it cannot be read. */
static char *read_file(const char *path, int *exists)
{
    FILE *f = fopen(path, "r");
    char *data = NULL;
    size_t len = 0;
    FILE *mem;
    int failed;

    *exists = f != NULL || errno != ENOENT;
    if (f == NULL)
        return NULL;
    mem = open_memstream(&data, &len);
    failed = mem == NULL;
    if (mem != NULL) {
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
            failed |= fwrite(chunk, 1, n, mem) != n;
        failed |= ferror(f) != 0;
        failed |= fclose(mem) != 0;
    }
    fclose(f);
    if (failed) {
        free(data);
        return NULL;
    }
    return data;
}

/* Replace path's content atomically: a temporary file in the same
 * directory, created with the final mode, flushed to disk, renamed over it. */
int install_file_atomically(const char *path, const char *content, size_t len, mode_t mode)
{
    char tmp[4096];
    int fd, ok;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.clusterdbd-tmp", path) >= sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    unlink(tmp); /* a leftover could carry a wider mode than the one asked for */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    ok = fchmod(fd, mode) == 0 && write(fd, content, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
        return -1;
    }
    return 0;
}

static int write_atomically(const char *path, const char *content)
{
    return install_file_atomically(path, content, strlen(content), 0644);
}

/* Run a command line with /bin/sh; CLUSTERDB_CONFIG names the file concerned. */
static int run_command(const char *command, const char *config_path)
{
    pid_t pid;
    int status;

    if (command == NULL || command[0] == '\0')
        return 0;
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setenv("CLUSTERDB_CONFIG", config_path, 1);
        execl("/bin/sh", "sh", "-c", command, (char *)NULL);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The content a validator last rejected, per file: not retried (and not
 * logged again) every poll until the database changes it. */
static struct {
    char *path;
    char *content;
} rejected[4];

static int was_rejected(const char *path, const char *content)
{
    for (size_t i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++)
        if (rejected[i].path && strcmp(rejected[i].path, path) == 0)
            return strcmp(rejected[i].content, content) == 0;
    return 0;
}

static void remember_rejected(const char *path, const char *content)
{
    size_t i, free_slot = sizeof(rejected) / sizeof(rejected[0]);
    for (i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++) {
        if (rejected[i].path && strcmp(rejected[i].path, path) == 0)
            break;
        if (!rejected[i].path && free_slot == sizeof(rejected) / sizeof(rejected[0]))
            free_slot = i;
    }
    if (i == sizeof(rejected) / sizeof(rejected[0]))
        i = free_slot;
    if (i == sizeof(rejected) / sizeof(rejected[0]))
        return;
    free(rejected[i].path);
    free(rejected[i].content);
    rejected[i].path = strdup(path);
    rejected[i].content = content ? strdup(content) : NULL;
    if (rejected[i].path == NULL || rejected[i].content == NULL) {
        free(rejected[i].path);
        free(rejected[i].content);
        rejected[i].path = rejected[i].content = NULL;
    }
}


/* nginx's http and stream fragments are one group: `nginx -t` tests them
 * together. */
int install_group(struct config_file *files, size_t n, const char *service,
                         const char *test_command, const char *reload_command)
{
    size_t changed = 0;
    int failed = 0;
    int all_known_bad = 1;

    for (size_t i = 0; i < n; i++)
        all_known_bad = all_known_bad && was_rejected(files[i].path, files[i].content);
    if (all_known_bad)
        return -1; /* the same rejected content as last time: said already */
    for (size_t i = 0; i < n; i++) {
        files[i].old = read_file(files[i].path, &files[i].existed);
        if (files[i].existed && files[i].old == NULL) {
            /* Without the old content a rejected file could not be put back. */
            dlog("error", "render: cannot read %s: %s", files[i].path, strerror(errno));
            for (size_t j = 0; j < i; j++)
                files[j].changed = 0; /* nothing written yet */
            return -1;
        }
        files[i].changed = !files[i].existed || strcmp(files[i].old ? files[i].old : "", files[i].content) != 0;
        if (!files[i].changed)
            continue;
        if (write_atomically(files[i].path, files[i].content) != 0) {
            dlog("error", "render: cannot write %s: %s", files[i].path, strerror(errno));
            failed = 1;
            break;
        }
        changed++;
    }
    if (!failed && changed > 0 && run_command(test_command, files[0].path) != 0) {
        dlog("error", "render: %s rejected the new configuration (%s); the previous files stay",
             service, test_command);
        failed = 1;
    }
    if (failed) {
        for (size_t i = 0; i < n; i++) {
            if (!files[i].changed)
                continue;
            if (files[i].existed ? write_atomically(files[i].path, files[i].old ? files[i].old : "")
                                 : unlink(files[i].path))
                dlog("error", "render: cannot restore %s: %s", files[i].path, strerror(errno));
        }
        for (size_t i = 0; i < n; i++)
            remember_rejected(files[i].path, files[i].content);
        return -1;
    }
    if (changed > 0) {
        dlog("info", "render: %s configuration updated (%zu file%s)", service, changed,
             changed == 1 ? "" : "s");
        if (run_command(reload_command, files[0].path) != 0) {
            dlog("error", "render: reloading %s failed (%s)", service, reload_command);
            return -1;
        }
    }
    return 0;
}
