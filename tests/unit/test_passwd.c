/* argon2 hashing: round trips, every argon2 variant, malformed PHC strings. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <argon2.h>

#include <clusterdb/passwd.h>

#include "internal.h" /* cdb_hash_gate_enter/leave: to hold the gate */

static const cdb_argon2_params cheap = {.m_cost_kib = 1024, .t_cost = 1, .parallelism = 1};

static void test_round_trip(void **state)
{
    char *phc = NULL;

    (void)state;
    assert_int_equal(cdb_password_hash("correct horse", 13, &cheap, &phc), CDB_OK);
    assert_non_null(phc);
    assert_true(strncmp(phc, "$argon2id$v=19$m=1024,t=1,p=1$", 30) == 0);
    assert_true(cdb_password_is_phc(phc));
    assert_int_equal(cdb_password_verify(phc, "correct horse", 13), CDB_OK);
    assert_int_equal(cdb_password_verify(phc, "correct horsE", 13), CDB_ERR_DENIED);
    assert_int_equal(cdb_password_verify(phc, "correct hors", 12), CDB_ERR_DENIED);
    assert_int_equal(cdb_password_verify(phc, "", 0), CDB_ERR_DENIED);
    cdb_free(phc);
}

static void test_salt_is_random(void **state)
{
    char *a = NULL, *b = NULL;

    (void)state;
    assert_int_equal(cdb_password_hash("same", 4, &cheap, &a), CDB_OK);
    assert_int_equal(cdb_password_hash("same", 4, &cheap, &b), CDB_OK);
    assert_string_not_equal(a, b);
    cdb_free(a);
    cdb_free(b);
}

/* The length is what counts: embedded NUL bytes and empty passwords work. */
static void test_binary_and_empty(void **state)
{
    char *phc = NULL;
    const char pw[] = {'a', '\0', 'b'};

    (void)state;
    assert_int_equal(cdb_password_hash(pw, sizeof pw, &cheap, &phc), CDB_OK);
    assert_int_equal(cdb_password_verify(phc, pw, sizeof pw), CDB_OK);
    assert_int_equal(cdb_password_verify(phc, "a", 1), CDB_ERR_DENIED);
    cdb_free(phc);
    assert_int_equal(cdb_password_hash("", 0, &cheap, &phc), CDB_OK);
    assert_int_equal(cdb_password_verify(phc, "", 0), CDB_OK);
    assert_int_equal(cdb_password_verify(phc, "x", 1), CDB_ERR_DENIED);
    cdb_free(phc);
}

static void test_default_params(void **state)
{
    cdb_argon2_params p;
    char *phc = NULL;

    (void)state;
    assert_int_equal(setenv("CLUSTERDB_ARGON2", "m=2048,t=2,p=2", 1), 0);
    cdb_argon2_default_params(&p);
    assert_int_equal(p.m_cost_kib, 2048);
    assert_int_equal(p.t_cost, 2);
    assert_int_equal(p.parallelism, 2);
    assert_int_equal(cdb_password_hash("pw", 2, NULL, &phc), CDB_OK);
    assert_true(strncmp(phc, "$argon2id$v=19$m=2048,t=2,p=2$", 30) == 0);
    cdb_free(phc);
    assert_int_equal(unsetenv("CLUSTERDB_ARGON2"), 0);
    cdb_argon2_default_params(&p);
    assert_int_equal(p.m_cost_kib, 65536);
    assert_int_equal(p.t_cost, 3);
    assert_int_equal(p.parallelism, 4);
    /* Garbage in the variable leaves the defaults alone. */
    assert_int_equal(setenv("CLUSTERDB_ARGON2", "m=lots", 1), 0);
    cdb_argon2_default_params(&p);
    assert_int_equal(p.m_cost_kib, 65536);
    assert_int_equal(setenv("CLUSTERDB_ARGON2", "m=1024,t=1,p=1", 1), 0);
}

/* Reference vector of the argon2 reference implementation's test suite. */
static void test_known_vector(void **state)
{
    const char *phc =
        "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";

    (void)state;
    assert_true(cdb_password_is_phc(phc));
    assert_int_equal(cdb_password_verify(phc, "password", 8), CDB_OK);
    assert_int_equal(cdb_password_verify(phc, "Password", 8), CDB_ERR_DENIED);
}

/* Hashes made by other tools with argon2i and argon2d verify too. */
static void test_other_variants(void **state)
{
    const unsigned char salt[16] = "0123456789abcdef";
    char encoded[256];
    argon2_type types[] = {Argon2_i, Argon2_d, Argon2_id};
    const char *prefixes[] = {"$argon2i$", "$argon2d$", "$argon2id$"};
    size_t i;

    (void)state;
    for (i = 0; i < 3; i++) {
        assert_int_equal(argon2_hash(1, 256, 2, "s3cret", 6, salt, sizeof salt, NULL, 24,
                                     encoded, sizeof encoded, types[i], ARGON2_VERSION_13),
                         ARGON2_OK);
        assert_true(strncmp(encoded, prefixes[i], strlen(prefixes[i])) == 0);
        assert_true(cdb_password_is_phc(encoded));
        assert_int_equal(cdb_password_verify(encoded, "s3cret", 6), CDB_OK);
        assert_int_equal(cdb_password_verify(encoded, "s3creT", 6), CDB_ERR_DENIED);
    }
    /* Version 1.0 hashes carry no v= field. */
    assert_int_equal(argon2_hash(1, 64, 1, "old", 3, salt, sizeof salt, NULL, 32, encoded,
                                 sizeof encoded, Argon2_i, ARGON2_VERSION_10),
                     ARGON2_OK);
    assert_int_equal(cdb_password_verify(encoded, "old", 3), CDB_OK);
    assert_int_equal(cdb_password_verify(encoded, "new", 3), CDB_ERR_DENIED);
}

static void test_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "plaintext",
        "{ARGON2}$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        "$argon2x$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        "$argon2id$v=18$m=1024,t=1,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        "$argon2id$v=19$m=1024,t=0,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        "$argon2id$v=19$m=4,t=1,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        "$argon2id$v=19$m=1024,t=1,p=0$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        "$argon2id$v=19$m=99999999999,t=1,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$",
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA=",
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA$",
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$wWKIM!R9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        "$argon2id$v=19$t=1,m=1024,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        "$argon2id$v=19$m=01024,t=1,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        "$2b$12$abcdefghijklmnopqrstuuJ2H9Bqv0k6X5C3bq1E6gV1pTK7w9y2",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(cdb_password_is_phc(bad[i]));
        assert_int_equal(cdb_password_verify(bad[i], "password", 8), CDB_ERR_INVALID);
    }
    assert_false(cdb_password_is_phc(NULL));
    assert_int_equal(cdb_password_verify(NULL, "password", 8), CDB_ERR_INVALID);
}

/* Mutated PHC strings: refused or verified, never a crash or an over-read. */
static void test_mutated_phc(void **state)
{
    const char *good =
        "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";
    char buf[128];
    unsigned seed = 777;
    size_t len = strlen(good);
    int i, accepted = 0;

    (void)state;
    for (i = 0; i < 20000; i++) {
        memcpy(buf, good, len + 1);
        seed = seed * 1103515245u + 12345u;
        size_t at = (seed >> 8) % len;
        buf[at] = "$=,0123456789mtpv+/Aa\x80"[(seed >> 16) % 23];
        if (cdb_password_is_phc(buf))
            accepted++;
        seed = seed * 1103515245u + 12345u;
        buf[(seed >> 8) % len] = '\0';
        (void)cdb_password_is_phc(buf);
    }
    /* Some mutations keep the string well-formed (a changed salt letter). */
    assert_true(accepted > 0);
    assert_true(accepted < 20000);
}

static void test_wipe(void **state)
{
    char buf[16] = "secret-secret!!";
    size_t i;

    (void)state;
    cdb_wipe(buf, sizeof buf);
    for (i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0);
    cdb_wipe(NULL, 10); /* harmless */
}

/* Worker of the gate tests: one verification of a correct password. */
struct verify_run {
    const char *phc;
    int status;
};

static void *verify_thread(void *arg)
{
    struct verify_run *run = arg;

    run->status = cdb_password_verify(run->phc, "correct horse", 13);
    return NULL;
}

/* Costly enough (8 MiB, 3 passes) that six runs overlap. */
static const cdb_argon2_params gated = {.m_cost_kib = 8192, .t_cost = 3, .parallelism = 1};

static void test_gate_bounds_concurrency(void **state)
{
    struct verify_run runs[6];
    pthread_t threads[6];
    char *phc = NULL;

    (void)state;
    assert_int_equal(cdb_password_hash("correct horse", 13, &gated, &phc), CDB_OK);
    cdb_password_set_concurrency(2, 60000);
    for (size_t i = 0; i < 6; i++) {
        runs[i].phc = phc;
        assert_int_equal(pthread_create(&threads[i], NULL, verify_thread, &runs[i]), 0);
    }
    for (size_t i = 0; i < 6; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(runs[i].status, CDB_OK); /* all waited their turn */
    }
    /* The earlier tests ran one at a time: the peak is this test's. */
    assert_true(cdb_password_peak_concurrency() <= 2);
    assert_true(cdb_password_peak_concurrency() >= 1);
    cdb_password_set_concurrency(0, 0);
    cdb_free(phc);
}

static void test_gate_busy_after_wait(void **state)
{
    char *phc = NULL, *other = NULL;

    (void)state;
    assert_int_equal(cdb_password_hash("correct horse", 13, &cheap, &phc), CDB_OK);
    cdb_password_set_concurrency(1, 50);
    assert_int_equal(cdb_hash_gate_enter(), CDB_OK); /* the one slot is taken */
    /* Right and wrong passwords alike: the gate says nothing about either. */
    assert_int_equal(cdb_password_verify(phc, "correct horse", 13), CDB_ERR_BUSY);
    assert_int_equal(cdb_password_verify(phc, "wrong", 5), CDB_ERR_BUSY);
    assert_int_equal(cdb_password_hash("x", 1, &cheap, &other), CDB_ERR_BUSY);
    assert_null(other);
    cdb_hash_gate_leave();
    assert_int_equal(cdb_password_verify(phc, "correct horse", 13), CDB_OK);
    cdb_password_set_concurrency(0, 0);
    cdb_free(phc);
}

static void test_gate_raised_bound_admits_waiter(void **state)
{
    struct verify_run run;
    pthread_t thread;
    char *phc = NULL;

    (void)state;
    assert_int_equal(cdb_password_hash("correct horse", 13, &cheap, &phc), CDB_OK);
    cdb_password_set_concurrency(1, 60000);
    assert_int_equal(cdb_hash_gate_enter(), CDB_OK);
    run.phc = phc;
    run.status = -1;
    assert_int_equal(pthread_create(&thread, NULL, verify_thread, &run), 0);
    /* The waiter is let in by the raised bound, not by the slot's release. */
    cdb_password_set_concurrency(2, 60000);
    pthread_join(thread, NULL);
    assert_int_equal(run.status, CDB_OK);
    cdb_hash_gate_leave();
    cdb_password_set_concurrency(0, 0);
    cdb_free(phc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_salt_is_random),
        cmocka_unit_test(test_binary_and_empty), cmocka_unit_test(test_default_params),
        cmocka_unit_test(test_known_vector),   cmocka_unit_test(test_other_variants),
        cmocka_unit_test(test_malformed),      cmocka_unit_test(test_wipe),
        cmocka_unit_test(test_mutated_phc),
        /* After the others: the peak must be the first gate test's. */
        cmocka_unit_test(test_gate_bounds_concurrency),
        cmocka_unit_test(test_gate_busy_after_wait),
        cmocka_unit_test(test_gate_raised_bound_admits_waiter),
    };
    return cmocka_run_group_tests_name("passwd", tests, NULL, NULL);
}
