/*
 * The push-notification second factor against tests/pve-sim/push-sim.py:
 * only {"success":true,"action":"approve"} grants; every other answer, a
 * non-2xx status, bad JSON, a timeout or no service denies; the number of
 * waiters is bounded; the Settings switches are honoured.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <clusterdb/notify.h>
#include <clusterdb/settings.h>

#include "sim_spawn.h"

static sim_process push;
static char push_url[128];

static int group_setup(void **state)
{
    const char *args[] = {"--slow-seconds", "1.5", NULL};
    (void)state;
    if (cdb_notify_global_init() != CDB_OK)
        return -1;
    if (sim_scratch(&push) != 0 || sim_start(&push, "push-sim.py", args) != 0)
        return -1;
    /* A trailing slash must not double up in the request path. */
    snprintf(push_url, sizeof(push_url), "http://127.0.0.1:%d/", push.port);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    sim_stop(&push);
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static cdb_notify_result ask(const char *username, long timeout_ms, char *reason, size_t len)
{
    cdb_notify_request request = {.url = push_url, .username = username, .timeout_ms = timeout_ms};
    return cdb_notify_ask(&request, reason, len);
}

static void test_approve_grants(void **state)
{
    char reason[256];
    char *received = NULL;
    (void)state;
    assert_int_equal(ask("approve-alice", 5000, reason, sizeof(reason)), CDB_NOTIFY_APPROVED);
    assert_string_equal(reason, "approved");
    /* The server checks the shape (422 otherwise); the text says who. */
    assert_int_equal(sim_http(push.port, "/_sim/requests", NULL, &received), 0);
    assert_non_null(strstr(received, "\"body\": \"Approve the login of approve-alice?\""));
    assert_non_null(strstr(received, "\"content_type\": \"application/json\""));
    free(received);
}

static void test_everything_else_denies(void **state)
{
    static const struct {
        const char *username;
        cdb_notify_result expected;
        const char *reason;
    } cases[] = {
        {"reject-bob", CDB_NOTIFY_REJECTED, "rejected by the user"},
        {"timeout-carol", CDB_NOTIFY_TIMED_OUT, "nobody answered"},
        {"nosuccess-dave", CDB_NOTIFY_ERROR, "no success"},
        {"upper-erin", CDB_NOTIFY_ERROR, "unknown action"},
        {"strtrue-frank", CDB_NOTIFY_ERROR, "no success"},
        {"garbage-gina", CDB_NOTIFY_ERROR, "not a JSON object"},
        {"error500-hank", CDB_NOTIFY_ERROR, "HTTP 500"},
        {"unknown-ivan", CDB_NOTIFY_ERROR, "HTTP 400"},
    };
    char reason[256];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cdb_notify_result result = ask(cases[i].username, 5000, reason, sizeof(reason));
        if (result != cases[i].expected || strstr(reason, cases[i].reason) == NULL)
            fail_msg("%s: got %s (%s)", cases[i].username, cdb_notify_result_name(result), reason);
    }
}

static void test_client_timeout_denies(void **state)
{
    char reason[256];
    long long started = now_ms();
    (void)state;
    assert_int_equal(ask("slow-judy", 300, reason, sizeof(reason)), CDB_NOTIFY_ERROR);
    assert_true(now_ms() - started < 1400);
    assert_non_null(strstr(reason, "timed out after 300 ms"));
}

static void test_unreachable_or_bad_url_denies(void **state)
{
    cdb_notify_request request = {.url = "http://127.0.0.1:1", .username = "approve-kim",
                                  .timeout_ms = 2000};
    char reason[256];
    (void)state;
    assert_int_equal(cdb_notify_ask(&request, reason, sizeof(reason)), CDB_NOTIFY_ERROR);
    assert_non_null(strstr(reason, "unreachable"));
    request.url = "file:///etc/passwd";
    assert_int_equal(cdb_notify_ask(&request, reason, sizeof(reason)), CDB_NOTIFY_ERROR);
    request.url = NULL;
    assert_int_equal(cdb_notify_ask(&request, NULL, 0), CDB_NOTIFY_ERROR);
    request.url = push_url;
    request.username = "";
    assert_int_equal(cdb_notify_ask(&request, reason, sizeof(reason)), CDB_NOTIFY_ERROR);
}

static void *slow_asker(void *arg)
{
    cdb_notify_result *result = arg;
    *result = ask("slow-lee", 5000, NULL, 0);
    return NULL;
}

static void test_waiters_are_bounded(void **state)
{
    pthread_t threads[2];
    cdb_notify_result results[2] = {CDB_NOTIFY_ERROR, CDB_NOTIFY_ERROR};
    char reason[256];
    long long started;
    (void)state;

    cdb_notify_set_max_waiters(2);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, slow_asker, &results[i]), 0);
    for (int i = 0; i < 200 && cdb_notify_waiters() < 2; i++)
        usleep(10000);
    assert_int_equal(cdb_notify_waiters(), 2);
    /* A third request is refused at once, without waiting. */
    started = now_ms();
    assert_int_equal(ask("approve-mia", 5000, reason, sizeof(reason)), CDB_NOTIFY_BUSY);
    assert_true(now_ms() - started < 200);
    assert_non_null(strstr(reason, "too many"));
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    assert_int_equal(results[0], CDB_NOTIFY_APPROVED);
    assert_int_equal(results[1], CDB_NOTIFY_APPROVED);
    assert_int_equal(cdb_notify_waiters(), 0);
    /* Places are given back: it works again. */
    assert_int_equal(ask("approve-mia", 5000, NULL, 0), CDB_NOTIFY_APPROVED);
    cdb_notify_set_max_waiters(0);
}

/* One user's hanging requests do not take everybody's places. */
static void test_waiters_are_bounded_per_user(void **state)
{
    pthread_t threads[2];
    cdb_notify_result results[2] = {CDB_NOTIFY_ERROR, CDB_NOTIFY_ERROR};
    char reason[256];
    (void)state;

    cdb_notify_set_max_waiters(8);
    cdb_notify_set_max_waiters_per_user(2);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, slow_asker, &results[i]), 0);
    for (int i = 0; i < 200 && cdb_notify_waiters() < 2; i++)
        usleep(10000);
    assert_int_equal(cdb_notify_waiters(), 2);
    /* The same user (in another case) is refused, another user is served. */
    assert_int_equal(ask("SLOW-lee", 5000, reason, sizeof(reason)), CDB_NOTIFY_BUSY);
    assert_non_null(strstr(reason, "of this user"));
    assert_int_equal(ask("approve-mia", 5000, NULL, 0), CDB_NOTIFY_APPROVED);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    assert_int_equal(results[0], CDB_NOTIFY_APPROVED);
    assert_int_equal(results[1], CDB_NOTIFY_APPROVED);
    assert_int_equal(cdb_notify_waiters(), 0);
    cdb_notify_set_max_waiters(0);
    cdb_notify_set_max_waiters_per_user(0);
}

static void test_settings_drive_the_second_factor(void **state)
{
    char dir[] = "/tmp/clusterdb-notify.XXXXXX", path[64];
    cdb *db = NULL;
    cdb_notify_result result = CDB_NOTIFY_ERROR;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/test.db", dir);
    assert_int_equal(cdb_open(path, CDB_OPEN_CREATE | CDB_OPEN_MIGRATE, &db), CDB_OK);

    /* Off (absent, or anything but "true"): granted, nothing sent. */
    assert_int_equal(cdb_notify_second_factor(db, "reject-nick", NULL, 5000, NULL), CDB_OK);
    assert_int_equal(cdb_setting_set(db, CDB_SETTING_PUSH_ENABLED, "false"), CDB_OK);
    assert_int_equal(cdb_notify_second_factor(db, "reject-nick", NULL, 5000, NULL), CDB_OK);

    /* On without a URL: fail closed. */
    assert_int_equal(cdb_setting_set(db, CDB_SETTING_PUSH_ENABLED, "true"), CDB_OK);
    assert_int_equal(cdb_notify_second_factor(db, "approve-olga", NULL, 5000, NULL), CDB_ERR_DENIED);
    assert_non_null(strstr(cdb_errmsg(db), "push_notification_url is empty"));

    assert_int_equal(cdb_setting_set(db, CDB_SETTING_PUSH_URL, push_url), CDB_OK);
    assert_int_equal(cdb_notify_second_factor(db, "approve-olga", "10.1.2.3", 5000, &result), CDB_OK);
    assert_int_equal(result, CDB_NOTIFY_APPROVED);
    assert_int_equal(cdb_notify_second_factor(db, "reject-pat", NULL, 5000, &result), CDB_ERR_DENIED);
    assert_int_equal(result, CDB_NOTIFY_REJECTED);
    assert_non_null(strstr(cdb_errmsg(db), "reject-pat: rejected by the user"));
    {
        char *received = NULL;
        assert_int_equal(sim_http(push.port, "/_sim/requests", NULL, &received), 0);
        assert_non_null(strstr(received, "Approve the login of approve-olga from 10.1.2.3?"));
        free(received);
    }
    cdb_close(db);
    {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_approve_grants),
        cmocka_unit_test(test_everything_else_denies),
        cmocka_unit_test(test_client_timeout_denies),
        cmocka_unit_test(test_unreachable_or_bad_url_denies),
        cmocka_unit_test(test_waiters_are_bounded),
        cmocka_unit_test(test_waiters_are_bounded_per_user),
        cmocka_unit_test(test_settings_drive_the_second_factor),
    };
    return cmocka_run_group_tests_name("notify", tests, group_setup, group_teardown);
}
