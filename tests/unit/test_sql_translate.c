/* The models' SQL as each server engine takes it (core/src/sql_translate.c):
 * every rewrite the header lists, on both dialects, and what must be left
 * alone (strings, quoted names, comments, SQLite spellings both engines
 * share). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sql_translate.h"

static const char *const names[] = {"Users", "uidNumber", "Groups", "key"};

/* The translation of sql into dialect; fails the test on an error. */
static char *translated(sql_dialect dialect, const char *sql, sql_translation *t)
{
    assert_int_equal(sql_translate(dialect, sql, names, sizeof names / sizeof names[0], t), 0);
    assert_non_null(t->text);
    return t->text;
}

static void expect(sql_dialect dialect, const char *sql, const char *want)
{
    sql_translation t;

    assert_string_equal(translated(dialect, sql, &t), want);
    sql_translation_free(&t);
}

#define PG SQL_DIALECT_POSTGRESQL
#define MY SQL_DIALECT_MARIADB

static void test_names_quoted_in_schema_spelling(void **state)
{
    (void)state;
    expect(PG, "SELECT uidnumber FROM users WHERE Key = 1", "SELECT \"uidNumber\" FROM \"Users\" WHERE \"key\" = 1");
    expect(MY, "SELECT g.cn FROM Groups AS g", "SELECT g.cn FROM \"Groups\" AS g");
    /* Only whole words: a longer name or a name inside a word stays. */
    expect(PG, "SELECT uidNumbers, xUsers FROM t", "SELECT uidNumbers, xUsers FROM t");
}

static void test_strings_names_comments_untouched(void **state)
{
    (void)state;
    expect(PG, "SELECT 'Users ?1 max(a, b)', \"Users\" -- Users ?2\nFROM t",
           "SELECT 'Users ?1 max(a, b)', \"Users\" -- Users ?2\nFROM t");
    expect(MY, "SELECT 'it''s Users' FROM t", "SELECT 'it''s Users' FROM t");
}

static void test_placeholders(void **state)
{
    sql_translation t;

    (void)state;
    /* PostgreSQL numbers them $N; repeated and out of order stay the same parameter. */
    assert_string_equal(translated(PG, "SELECT ?2, ?1, ?2", &t), "SELECT $2, $1, $2");
    assert_int_equal(t.n_params, 2);
    sql_translation_free(&t);
    /* Bare ? count on as SQLite counts them. */
    expect(PG, "SELECT ?, ?, ?1", "SELECT $1, $2, $1");
    /* MariaDB keeps them (its engine binds by position). */
    expect(MY, "SELECT ?2, ?1", "SELECT ?2, ?1");
}

static void test_null_test_gets_its_own_parameter(void **state)
{
    sql_translation t;

    (void)state;
    /* ?1 is typed by its comparison; its NULL test is a text parameter of its own. */
    assert_string_equal(translated(PG, "WHERE (?1 IS NULL OR c.hostname = ?1)", &t),
                        "WHERE ($2::text IS NULL OR c.hostname = $1)");
    assert_int_equal(t.n_params, 1);
    assert_int_equal(t.n_server, 2);
    assert_int_equal(t.source[0], 1);
    assert_int_equal(t.source[1], 1);
    sql_translation_free(&t);
    expect(MY, "WHERE ?1 IS NOT NULL", "WHERE ?1 IS NOT NULL");
}

static void test_engine_spellings(void **state)
{
    (void)state;
    expect(PG, "a IS ?3", "a IS NOT DISTINCT FROM $3");
    expect(MY, "a IS ?3", "a <=> ?3");
    expect(PG, "ORDER BY u.username COLLATE BINARY", "ORDER BY u.username COLLATE \"C\"");
    expect(MY, "ORDER BY u.username COLLATE BINARY", "ORDER BY u.username COLLATE utf8mb4_bin");
    expect(PG, "SELECT value FROM json_each(?2)", "SELECT value FROM json_array_elements_text($2)");
    expect(MY, "SELECT value FROM json_each(?2)",
           "SELECT value FROM JSON_TABLE(?2, '$[*]' COLUMNS (\"value\" LONGTEXT COLLATE "
           "utf8mb4_unicode_nopad_ci PATH '$')) AS json_each");
    expect(PG, "ifnull(a, 0)", "coalesce(a, 0)");
    expect(MY, "ifnull(a, 0)", "ifnull(a, 0)");
    expect(PG, "CAST(value AS INTEGER)", "CAST(value AS INTEGER)");
    expect(MY, "CAST(value AS INTEGER), CAST(x AS TEXT)", "CAST(value AS SIGNED), CAST(x AS CHAR)");
}

static void test_nocase(void **state)
{
    (void)state;
    /* A name, qualified or not, or a parameter: lower() of it on PostgreSQL. */
    expect(PG, "WHERE Users.username COLLATE NOCASE = ?1 COLLATE NOCASE AND x = 1",
           "WHERE lower(\"Users\".username) = lower($1) AND x = 1");
    expect(PG, "WHERE u.mail COLLATE NOCASE >= ? COLLATE NOCASE",
           "WHERE lower(u.mail) >= lower($1)");
    /* MariaDB: the column's collation does it. */
    expect(MY, "WHERE u.username COLLATE NOCASE = ?1 COLLATE NOCASE ORDER BY 1",
           "WHERE u.username = ?1 ORDER BY 1");
}

static void test_scalar_max_is_greatest(void **state)
{
    (void)state;
    /* SQLite's scalar max(a, b, ...) is GREATEST on both; max(x) is the aggregate. */
    expect(PG, "SELECT max(a, b), max(c) FROM t", "SELECT GREATEST(a, b), max(c) FROM t");
    expect(MY, "SELECT MAX(a, coalesce((SELECT max(x) FROM s), ''))",
           "SELECT GREATEST(a, coalesce((SELECT max(x) FROM s), ''))");
    /* A comma only inside a nested call or a string does not make it scalar. */
    expect(PG, "SELECT max(coalesce(a, 0)), max(',')", "SELECT max(coalesce(a, 0)), max(',')");
    /* Unbalanced input is copied, never read past its end. */
    expect(PG, "SELECT max(a", "SELECT max(a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_quoted_in_schema_spelling),
        cmocka_unit_test(test_strings_names_comments_untouched),
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_null_test_gets_its_own_parameter),
        cmocka_unit_test(test_engine_spellings),
        cmocka_unit_test(test_nocase),
        cmocka_unit_test(test_scalar_max_is_greatest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
