/*
 * test_settings: the Settings key/value API and SessionSecrets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <clusterdb/settings.h>

#include "tmpdir_fixture.h"

static int setup(void **state)
{
    return tmpdir_setup_open(state, "test_settings");
}

static int teardown(void **state)
{
    return tmpdir_teardown(state);
}

static void assert_setting(cdb *db, const char *key, const char *expected)
{
    char *value = NULL;
    int rc = cdb_setting_get(db, key, &value);

    if (rc != CDB_OK)
        fail_msg("get %s: %d %s", key, rc, cdb_errmsg(db));
    assert_string_equal(value, expected);
    cdb_free(value);
}

static void test_seeded_and_get(void **state)
{
    struct fixture *fx = *state;
    char *value = (char *)"untouched";

    assert_setting(fx->db, CDB_SETTING_PUSH_URL, "");
    assert_setting(fx->db, CDB_SETTING_PUSH_ENABLED, "false");
    assert_int_equal(cdb_setting_get(fx->db, "no_such_key", &value), CDB_ERR_NOTFOUND);
    assert_string_equal(value, "untouched"); /* out-parameters only on success */
    assert_string_equal(cdb_errfield(fx->db), "key");
}

static void test_set_update_delete(void **state)
{
    struct fixture *fx = *state;
    char *value = NULL;

    assert_int_equal(cdb_setting_set(fx->db, CDB_SETTING_PUSH_URL, "https://push.example.com"), CDB_OK);
    assert_setting(fx->db, CDB_SETTING_PUSH_URL, "https://push.example.com");
    assert_int_equal(cdb_setting_set(fx->db, CDB_SETTING_PUSH_ENABLED, "true"), CDB_OK);
    assert_setting(fx->db, CDB_SETTING_PUSH_ENABLED, "true");
    /* A new key, with a value holding quotes and non-ASCII text. */
    assert_int_equal(cdb_setting_set(fx->db, "site.motd-1", "it's \"fine\" \xc3\xa9"), CDB_OK);
    assert_setting(fx->db, "site.motd-1", "it's \"fine\" \xc3\xa9");
    assert_int_equal(cdb_setting_set(fx->db, "site.motd-1", ""), CDB_OK);
    assert_setting(fx->db, "site.motd-1", "");
    assert_int_equal(cdb_setting_delete(fx->db, "site.motd-1"), CDB_OK);
    assert_int_equal(cdb_setting_get(fx->db, "site.motd-1", &value), CDB_ERR_NOTFOUND);
    assert_int_equal(cdb_setting_delete(fx->db, "site.motd-1"), CDB_ERR_NOTFOUND);
    /* Updating keeps createdAt and moves updatedAt. */
    sql_exec(fx->db, "UPDATE Settings SET createdAt = '2001-01-01T00:00:00.000Z',"
                     " updatedAt = '2001-01-01T00:00:00.000Z'");
    assert_int_equal(cdb_setting_set(fx->db, CDB_SETTING_PUSH_ENABLED, "false"), CDB_OK);
    {
        char *created = sql_text(fx->db, "SELECT createdAt FROM Settings"
                                         " WHERE key = '" CDB_SETTING_PUSH_ENABLED "'");
        assert_non_null(created);
        assert_string_equal(created, "2001-01-01T00:00:00.000Z");
        free(created);
        assert_int_equal(sql_int(fx->db, "SELECT updatedAt > createdAt FROM Settings"
                                         " WHERE key = '" CDB_SETTING_PUSH_ENABLED "'"),
                         1);
    }
}

static void test_list_and_get_multiple(void **state)
{
    struct fixture *fx = *state;
    const char *keys[] = {"zeta", CDB_SETTING_PUSH_ENABLED, "missing", "alpha"};
    cdb_setting *list = NULL;
    size_t n = 0;

    assert_int_equal(cdb_setting_set(fx->db, "zeta", "26"), CDB_OK);
    assert_int_equal(cdb_setting_set(fx->db, "alpha", "1"), CDB_OK);
    assert_int_equal(cdb_setting_list(fx->db, &list, &n), CDB_OK);
    assert_int_equal(n, 4);
    /* Ordered by key. */
    assert_string_equal(list[0].key, "alpha");
    assert_string_equal(list[0].value, "1");
    assert_string_equal(list[1].key, CDB_SETTING_PUSH_ENABLED);
    assert_string_equal(list[2].key, CDB_SETTING_PUSH_URL);
    assert_string_equal(list[2].value, "");
    assert_string_equal(list[3].key, "zeta");
    cdb_setting_array_free(list, n);

    list = NULL;
    assert_int_equal(cdb_setting_get_multiple(fx->db, keys, 4, &list), CDB_OK);
    /* In the order asked for; a missing key has value NULL. */
    assert_string_equal(list[0].key, "zeta");
    assert_string_equal(list[0].value, "26");
    assert_string_equal(list[1].key, CDB_SETTING_PUSH_ENABLED);
    assert_string_equal(list[1].value, "false");
    assert_string_equal(list[2].key, "missing");
    assert_null(list[2].value);
    assert_string_equal(list[3].value, "1");
    cdb_setting_array_free(list, 4);

    list = NULL;
    assert_int_equal(cdb_setting_get_multiple(fx->db, keys, 0, &list), CDB_OK);
    cdb_setting_array_free(list, 0);
    cdb_setting_array_free(NULL, 3);

    /* One bad key fails the whole call and returns nothing. */
    {
        const char *bad[] = {"alpha", "bad key"};
        list = NULL;
        assert_int_equal(cdb_setting_get_multiple(fx->db, bad, 2, &list), CDB_ERR_INVALID);
        assert_null(list);
    }
}

static void test_bad_keys(void **state)
{
    struct fixture *fx = *state;
    const char *bad[] = {"", "with space", "semi;colon", "quote'", "slash/", "uml\xc3\xa4ut", "new\nline"};
    char long_key[300];
    char *value = NULL;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(cdb_setting_set(fx->db, bad[i], "v"), CDB_ERR_INVALID);
        assert_string_equal(cdb_errfield(fx->db), "key");
        assert_int_equal(cdb_setting_get(fx->db, bad[i], &value), CDB_ERR_INVALID);
        assert_int_equal(cdb_setting_delete(fx->db, bad[i]), CDB_ERR_INVALID);
    }
    assert_int_equal(cdb_setting_set(fx->db, NULL, "v"), CDB_ERR_INVALID);
    assert_int_equal(cdb_setting_set(fx->db, "ok", NULL), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(fx->db), "value");

    /* 255 characters is the limit. */
    memset(long_key, 'k', 255);
    long_key[255] = '\0';
    assert_int_equal(cdb_setting_set(fx->db, long_key, "v"), CDB_OK);
    assert_setting(fx->db, long_key, "v");
    long_key[255] = 'k';
    long_key[256] = '\0';
    assert_int_equal(cdb_setting_set(fx->db, long_key, "v"), CDB_ERR_INVALID);
    /* Nothing of the refused writes arrived. */
    {
        cdb_setting *list = NULL;
        size_t n = 0;
        assert_int_equal(cdb_setting_list(fx->db, &list, &n), CDB_OK);
        assert_int_equal(n, 3);
        cdb_setting_array_free(list, n);
    }
}

static int alphabet_only(const char *s)
{
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == strlen(s);
}

static void test_session_secrets(void **state)
{
    struct fixture *fx = *state;
    enum { COUNT = 50 };
    cdb_session_secret *list = NULL;
    int64_t ids[COUNT], id = -1;
    size_t n = 0;
    int seen_upper = 0, seen_lower = 0, seen_digit = 0;

    assert_int_equal(cdb_session_secret_create(fx->db, 31, &id), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(fx->db), "length");
    assert_int_equal(cdb_session_secret_create(fx->db, 65, &id), CDB_ERR_INVALID);
    assert_int_equal(id, -1);
    assert_int_equal(cdb_session_secret_list(fx->db, &list, &n), CDB_OK);
    assert_int_equal(n, 0);
    cdb_session_secret_array_free(list, n);

    for (int i = 0; i < COUNT; i++) {
        size_t length = i == 0 ? 0 : (size_t)(32 + i % 33); /* 0 means 64 */
        assert_int_equal(cdb_session_secret_create(fx->db, length, &ids[i]), CDB_OK);
        assert_true(ids[i] > 0);
    }
    list = NULL;
    assert_int_equal(cdb_session_secret_list(fx->db, &list, &n), CDB_OK);
    assert_int_equal(n, COUNT);
    for (size_t i = 0; i < n; i++) {
        size_t want = i == 0 ? 64 : 32 + i % 33;
        assert_int_equal(list[i].id, ids[i]);
        assert_int_equal(strlen(list[i].secret), want);
        assert_true(alphabet_only(list[i].secret));
        assert_int_equal(strlen(list[i].created_at), 24);
        for (const char *p = list[i].secret; *p; p++) {
            seen_upper |= *p >= 'A' && *p <= 'Z';
            seen_lower |= *p >= 'a' && *p <= 'z';
            seen_digit |= *p >= '0' && *p <= '9';
        }
        /* All different (2,000+ random characters: a repeat means a broken source). */
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(list[i].secret, list[j].secret);
    }
    assert_true(seen_upper && seen_lower && seen_digit);
    cdb_session_secret_array_free(list, n);

    assert_int_equal(cdb_session_secret_delete(fx->db, ids[3]), CDB_OK);
    assert_int_equal(cdb_session_secret_delete(fx->db, ids[3]), CDB_ERR_NOTFOUND);
    list = NULL;
    assert_int_equal(cdb_session_secret_list(fx->db, &list, &n), CDB_OK);
    assert_int_equal(n, COUNT - 1);
    for (size_t i = 0; i < n; i++)
        assert_true(list[i].id != ids[3]);
    cdb_session_secret_array_free(list, n);
    cdb_session_secret_array_free(NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seeded_and_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_update_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_get_multiple, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_secrets, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
