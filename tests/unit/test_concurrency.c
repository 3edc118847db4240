/*
 * Writers racing on one file: two processes (and several threads), each with
 * its own handle, create users and groups at the same time.  Allocation inside
 * BEGIN IMMEDIATE must hand out every uidNumber/gidNumber once, with no
 * error returned to anyone.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/wait.h>

#include "directory_fixture.h"

#define PER_PROCESS 200
#define THREADS 4
#define PER_THREAD 50

/* Block until the parent closes the start pipe, so both begin together. */
static void wait_for_start(int fd)
{
    char c;

    while (read(fd, &c, 1) < 0 && errno == EINTR)
        ;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The child: its own handle, PER_PROCESS users, uids reported on out_fd.
 * Exit status 0 only if every call succeeded. */
static int child_main(const char *path, int start_fd, int out_fd, int which)
{
    cdb *db = NULL;
    int i, failures = 0;

    wait_for_start(start_fd);
    if (cdb_open(path, 0, &db) != CDB_OK) {
        fprintf(stderr, "# child %d: open: %s\n", which, cdb_errmsg(db));
        cdb_close(db);
        return 2;
    }
    for (i = 0; i < PER_PROCESS; i++) {
        char name[32];
        cdb_user_input in;
        int64_t uid = -1;
        int rc;

        snprintf(name, sizeof name, "p%d_user%03d", which, i);
        in = user_input(name);
        rc = cdb_user_create(db, &in, 0, &uid);
        if (rc != CDB_OK) {
            fprintf(stderr, "# child %d: create %s: %s\n", which, name, cdb_errmsg(db));
            failures++;
            continue;
        }
        if (write_all(out_fd, &uid, sizeof uid) != 0)
            failures++;
    }
    cdb_close(db);
    return failures ? 1 : 0;
}

static int compare_ids(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

static void test_two_processes(void **state)
{
    struct fixture *f = *state;
    int start[2], out[2], status, k;
    pid_t pids[2];
    int64_t uids[2 * PER_PROCESS + 1];
    size_t got = 0, i;
    ssize_t n;
    cdb_group *admins = NULL;

    /* The parent's handle must not be shared across fork: close it first. */
    cdb_close(f->db);
    f->db = NULL;
    assert_int_equal(pipe(start), 0);
    assert_int_equal(pipe(out), 0);
    for (k = 0; k < 2; k++) {
        pids[k] = fork();
        assert_true(pids[k] >= 0);
        if (pids[k] == 0) {
            close(start[1]);
            close(out[0]);
            _exit(child_main(f->path, start[0], out[1], k));
        }
    }
    close(start[0]);
    close(out[1]);
    close(start[1]); /* go */
    while ((n = read(out[0], (char *)uids + got, sizeof uids - got)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        assert_true(n > 0);
        got += (size_t)n;
    }
    close(out[0]);
    for (k = 0; k < 2; k++) {
        assert_int_equal(waitpid(pids[k], &status, 0), pids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(got, 2 * PER_PROCESS * sizeof(int64_t));
    qsort(uids, 2 * PER_PROCESS, sizeof uids[0], compare_ids);
    /* 400 distinct numbers, and with max + 1 allocation exactly 2000..2399. */
    for (i = 0; i < 2 * PER_PROCESS; i++)
        assert_int_equal(uids[i], CDB_FIRST_UID + (int64_t)i);

    assert_int_equal(cdb_open(f->path, 0, &f->db), CDB_OK);
    assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM Users"), 2 * PER_PROCESS);
    assert_int_equal(sql_int(f->db, "SELECT COUNT(DISTINCT uidNumber) FROM Users"),
                     2 * PER_PROCESS);
    /* Exactly one of them was the first user. */
    assert_int_equal(cdb_group_get(f->db, CDB_GID_SYSADMINS, &admins), CDB_OK);
    assert_int_equal(admins->n_members, 1);
    assert_int_equal(admins->member_uids[0], CDB_FIRST_UID);
    cdb_group_free(admins);
    assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM Users WHERE status = 'active'"), 1);
    assert_integrity(f->db);
}

struct thread_job {
    const char *path;
    int which;
    int failures;
    int64_t gids[PER_THREAD];
};

static pthread_barrier_t barrier;

/* One handle per thread, as clusterdb.h requires; groups this time. */
static void *thread_main(void *arg)
{
    struct thread_job *job = arg;
    cdb *db = NULL;
    int i;

    if (cdb_open(job->path, 0, &db) != CDB_OK) {
        job->failures = PER_THREAD;
        cdb_close(db);
        pthread_barrier_wait(&barrier);
        return NULL;
    }
    pthread_barrier_wait(&barrier);
    for (i = 0; i < PER_THREAD; i++) {
        char name[32];
        snprintf(name, sizeof name, "t%d_group%02d", job->which, i);
        if (cdb_group_create(db, name, 0, 0, &job->gids[i]) != CDB_OK) {
            fprintf(stderr, "# thread %d: %s\n", job->which, cdb_errmsg(db));
            job->failures++;
        }
    }
    cdb_close(db);
    return NULL;
}

static void test_threads(void **state)
{
    struct fixture *f = *state;
    struct thread_job jobs[THREADS];
    pthread_t threads[THREADS];
    int64_t all[THREADS * PER_THREAD];
    size_t n = 0, i;
    int t;

    assert_int_equal(pthread_barrier_init(&barrier, NULL, THREADS), 0);
    for (t = 0; t < THREADS; t++) {
        memset(&jobs[t], 0, sizeof jobs[t]);
        jobs[t].path = f->path;
        jobs[t].which = t;
        assert_int_equal(pthread_create(&threads[t], NULL, thread_main, &jobs[t]), 0);
    }
    for (t = 0; t < THREADS; t++) {
        assert_int_equal(pthread_join(threads[t], NULL), 0);
        assert_int_equal(jobs[t].failures, 0);
        for (i = 0; i < PER_THREAD; i++)
            all[n++] = jobs[t].gids[i];
    }
    pthread_barrier_destroy(&barrier);
    qsort(all, n, sizeof all[0], compare_ids);
    /* After the seeded 2000 and 2001: 2002 onwards, each once. */
    for (i = 0; i < n; i++)
        assert_int_equal(all[i], 2002 + (int64_t)i);
    assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM Groups"), 2 + THREADS * PER_THREAD);
    assert_integrity(f->db);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_two_processes),
        T(test_threads),
    };
    return cmocka_run_group_tests_name("concurrency", tests, NULL, NULL);
}
