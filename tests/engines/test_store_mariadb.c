/*
 * The store's statement interface on the MariaDB engine, against a real
 * server.  Run by tests/integration/store_mariadb.sh, which starts a
 * throwaway MariaDB and passes its URI in CLUSTERDB_TEST_MARIADB_URI, a
 * command that restarts it in CLUSTERDB_TEST_MARIADB_RESTART and the
 * sql_mode the sessions must have in CLUSTERDB_TEST_MARIADB_SQL_MODE.
 *
 * What is checked is what the models rely on from every engine, as
 * tests/engines/test_store_postgresql.c checks it on PostgreSQL: the same
 * placeholders, the same result codes, the same error mapping (the key of a
 * unique violation as the field), the write lock of a write transaction,
 * one snapshot per read transaction, and a lost connection costing one
 * operation, not the handle.
 */
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

#include <clusterdb/clusterdb.h>

#include "internal.h"

static const char *env(const char *name)
{
    const char *v = getenv(name);

    if (v == NULL || v[0] == '\0')
        fail_msg("%s is not set: run tests/integration/store_mariadb.sh", name);
    return v;
}

static const char *uri(void)
{
    return env("CLUSTERDB_TEST_MARIADB_URI");
}

static cdb *open_mariadb_at(const char *name, unsigned flags)
{
    cdb *db = NULL;
    int rc = cdb_open(name, flags | CDB_OPEN_ANY_VERSION, &db);

    if (rc != CDB_OK)
        fail_msg("cdb_open: %d %s", rc, cdb_errmsg(db));
    assert_string_equal(cdb_engine_name(db), "mariadb");
    return db;
}

static cdb *open_mariadb(unsigned flags)
{
    return open_mariadb_at(uri(), flags);
}

static int exec_sql(cdb *db, const char *sql)
{
    cdb_sql_stmt *stmt;
    int rc = cdb_stmt(db, sql, &stmt);

    if (rc != CDB_OK)
        return rc;
    while ((rc = cdb_step(stmt)) == CDB_SQL_ROW)
        ;
    rc = rc == CDB_SQL_DONE ? CDB_OK : cdb_fail_sql(db, rc, "test");
    cdb_stmt_done(stmt);
    return rc;
}

static int64_t query_int(cdb *db, const char *sql)
{
    cdb_sql_stmt *stmt;
    int64_t value = -1;

    assert_int_equal(cdb_stmt(db, sql, &stmt), CDB_OK);
    if (cdb_step(stmt) == CDB_SQL_ROW)
        value = cdb_col_int64(stmt, 0);
    cdb_stmt_done(stmt);
    return value;
}

static char *query_text(cdb *db, const char *sql)
{
    cdb_sql_stmt *stmt;
    char *value = NULL;

    assert_int_equal(cdb_stmt(db, sql, &stmt), CDB_OK);
    assert_int_equal(cdb_step(stmt), CDB_SQL_ROW);
    assert_int_equal(cdb_column_strdup(stmt, 0, &value), 0);
    cdb_stmt_done(stmt);
    return value;
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int setup(void **state)
{
    cdb *db = open_mariadb(0);

    /* A schema of the shapes the real one uses (migrations/mysql/): quoted
     * camelCase names, a case-insensitive unique key of its own name, a
     * foreign key, a CHECK, a trigger signalling a field's rule. */
    assert_int_equal(exec_sql(db, "DROP TABLE IF EXISTS \"Members\", \"People\""), CDB_OK);
    assert_int_equal(exec_sql(db, "CREATE TABLE \"People\" ("
                                  " id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                                  " \"userName\" VARCHAR(255) COLLATE utf8mb4_unicode_nopad_ci NOT NULL,"
                                  " mail VARCHAR(255) UNIQUE,"
                                  " status VARCHAR(20) NOT NULL DEFAULT 'active'"
                                  "  CHECK (status IN ('active', 'suspended')),"
                                  " flag TINYINT NOT NULL DEFAULT 0,"
                                  " note TEXT,"
                                  " UNIQUE KEY \"People_userName\" (\"userName\"))"),
                     CDB_OK);
    assert_int_equal(exec_sql(db, "CREATE TABLE \"Members\" ("
                                  " \"personId\" BIGINT NOT NULL REFERENCES \"People\" (id)"
                                  "  ON DELETE RESTRICT,"
                                  " \"groupName\" VARCHAR(255) NOT NULL,"
                                  " UNIQUE (\"personId\", \"groupName\"))"),
                     CDB_OK);
    assert_int_equal(exec_sql(db, "CREATE TRIGGER \"People_note_guard\" BEFORE INSERT ON \"People\""
                                  " FOR EACH ROW IF NEW.note = 'forbidden' THEN"
                                  "  SIGNAL SQLSTATE '23000' SET MYSQL_ERRNO = 4025,"
                                  "   MESSAGE_TEXT = 'People.note: must not be forbidden';"
                                  " END IF"),
                     CDB_OK);
    *state = db;
    return 0;
}

static int teardown(void **state)
{
    cdb_close(*state);
    return 0;
}

static void test_session(void **state)
{
    cdb *db = *state;
    char *text;

    /* The mode the migrations are written for, UTC, utf8mb4, and the
     * matched-rows count. */
    text = query_text(db, "SELECT @@SESSION.sql_mode");
    assert_string_equal(text, env("CLUSTERDB_TEST_MARIADB_SQL_MODE"));
    free(text);
    text = query_text(db, "SELECT @@SESSION.time_zone");
    assert_string_equal(text, "+00:00");
    free(text);
    text = query_text(db, "SELECT @@SESSION.character_set_client");
    assert_string_equal(text, "utf8mb4");
    free(text);
    assert_int_equal(query_int(db, "SELECT @@SESSION.innodb_lock_wait_timeout"), 10);
    cdb_set_busy_timeout(db, 2500);
    assert_int_equal(query_int(db, "SELECT @@SESSION.innodb_lock_wait_timeout"), 3);
}

static void test_binds_columns_placeholders(void **state)
{
    cdb *db = *state;
    cdb_sql_stmt *stmt;
    char *copy = NULL;
    char long_text[3001];

    assert_int_equal(cdb_stmt(db, "INSERT INTO \"People\" (\"userName\", mail) VALUES (?1, ?2)",
                              &stmt),
                     CDB_OK);
    assert_int_equal(cdb_bind_text(stmt, 1, "alice"), CDB_SQL_OK);
    assert_int_equal(cdb_bind_text(stmt, 2, "alice@example.org"), CDB_SQL_OK);
    assert_int_equal(cdb_stmt_exec(db, stmt, "insert"), CDB_OK);
    assert_int_equal(cdb_changes(db), 1);
    assert_int_equal(cdb_last_insert_id(db), 1);
    /* The same cached statement again, a NULL bound. */
    assert_int_equal(cdb_stmt(db, "INSERT INTO \"People\" (\"userName\", mail) VALUES (?1, ?2)",
                              &stmt),
                     CDB_OK);
    assert_int_equal(cdb_bind_text(stmt, 1, "bob"), CDB_SQL_OK);
    assert_int_equal(cdb_bind_null(stmt, 2), CDB_SQL_OK);
    assert_int_equal(cdb_stmt_exec(db, stmt, "insert"), CDB_OK);
    assert_int_equal(cdb_last_insert_id(db), 2);
    /* Out of order. */
    assert_int_equal(cdb_stmt(db, "INSERT INTO \"People\" (mail, \"userName\") VALUES (?2, ?1)",
                              &stmt),
                     CDB_OK);
    assert_int_equal(cdb_bind_text(stmt, 1, "carol"), CDB_SQL_OK);
    assert_int_equal(cdb_bind_text(stmt, 2, "carol@example.org"), CDB_SQL_OK);
    assert_int_equal(cdb_stmt_exec(db, stmt, "insert"), CDB_OK);
    assert_int_equal(cdb_last_insert_id(db), 3);
    assert_int_equal(query_int(db, "SELECT id FROM \"People\" WHERE mail = 'carol@example.org'"
                                   " AND \"userName\" = 'carol'"),
                     3);

    /* A number used twice (?1), bare ? after it, a ? inside a string literal,
     * a quoted identifier and comments left alone; 0/1 and NULL read as the
     * models expect. */
    assert_int_equal(cdb_stmt(db, "SELECT id, \"userName\", mail, flag, '?', 'it''s ?' /* ? */"
                                  " FROM \"People\" -- ?\n"
                                  " WHERE id >= ?1 AND (id = ?1 OR \"userName\" = ?) AND id < 3"
                                  " ORDER BY id",
                              &stmt),
                     CDB_OK);
    assert_int_equal(cdb_col_count(stmt), 6);
    assert_int_equal(cdb_bind_int64(stmt, 1, 1), CDB_SQL_OK);
    assert_int_equal(cdb_bind_text(stmt, 2, "bob"), CDB_SQL_OK);
    assert_int_equal(cdb_step(stmt), CDB_SQL_ROW);
    assert_int_equal(cdb_col_int64(stmt, 0), 1);
    assert_string_equal(cdb_col_text(stmt, 1), "alice");
    assert_int_equal(cdb_col_bytes(stmt, 1), 5);
    assert_int_equal(cdb_col_int(stmt, 3), 0);
    assert_string_equal(cdb_col_text(stmt, 4), "?");
    assert_string_equal(cdb_col_text(stmt, 5), "it's ?");
    assert_int_equal(cdb_step(stmt), CDB_SQL_ROW);
    assert_int_equal(cdb_col_int64(stmt, 0), 2);
    assert_true(cdb_col_is_null(stmt, 2));
    assert_null(cdb_col_text(stmt, 2));
    assert_int_equal(cdb_column_strdup(stmt, 2, &copy), 0);
    assert_null(copy);
    assert_int_equal(cdb_column_strdup(stmt, 1, &copy), 0);
    assert_string_equal(copy, "bob");
    free(copy);
    assert_int_equal(cdb_step(stmt), CDB_SQL_DONE);
    cdb_stmt_done(stmt);
    /* Unbound is NULL, as on SQLite. */
    assert_int_equal(cdb_stmt(db, "SELECT ?1 IS NULL", &stmt), CDB_OK);
    assert_int_equal(cdb_step(stmt), CDB_SQL_ROW);
    assert_int_equal(cdb_col_int(stmt, 0), 1);
    cdb_stmt_done(stmt);
    assert_int_equal(cdb_stmt(db, "SELECT ?1", &stmt), CDB_OK);
    assert_int_not_equal(cdb_bind_int64(stmt, 2, 1), CDB_SQL_OK); /* no such parameter */
    cdb_stmt_done(stmt);

    /* UTF-8 both ways (|| concatenates: PIPES_AS_CONCAT). */
    assert_int_equal(cdb_stmt(db, "SELECT ?1 || '!'", &stmt), CDB_OK);
    assert_int_equal(cdb_bind_text(stmt, 1, "J\xc3\xbcrgen \xf0\x9f\x90\xa7"), CDB_SQL_OK);
    assert_int_equal(cdb_step(stmt), CDB_SQL_ROW);
    assert_string_equal(cdb_col_text(stmt, 0), "J\xc3\xbcrgen \xf0\x9f\x90\xa7!");
    cdb_stmt_done(stmt);
    /* A value longer than the first buffer, in two rows: read whole. */
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    long_text[0] = 'a';
    assert_int_equal(cdb_stmt(db, "UPDATE \"People\" SET note = ?1 WHERE id IN (1, 2)", &stmt),
                     CDB_OK);
    assert_int_equal(cdb_bind_text(stmt, 1, long_text), CDB_SQL_OK);
    assert_int_equal(cdb_stmt_exec(db, stmt, "update"), CDB_OK);
    assert_int_equal(cdb_stmt(db, "SELECT note, id FROM \"People\" WHERE id IN (1, 2) ORDER BY id",
                              &stmt),
                     CDB_OK);
    for (int row = 0; row < 2; row++) {
        assert_int_equal(cdb_step(stmt), CDB_SQL_ROW);
        assert_int_equal(cdb_col_bytes(stmt, 0), sizeof long_text - 1);
        assert_string_equal(cdb_col_text(stmt, 0), long_text);
        assert_int_equal(cdb_col_int64(stmt, 1), row + 1);
    }
    assert_int_equal(cdb_step(stmt), CDB_SQL_DONE);
    cdb_stmt_done(stmt);

    /* UPDATE counts the rows it matched, changed or not (as SQLite). */
    assert_int_equal(exec_sql(db, "UPDATE \"People\" SET flag = 1"), CDB_OK);
    assert_int_equal(cdb_changes(db), 3);
    assert_int_equal(exec_sql(db, "UPDATE \"People\" SET flag = 1"), CDB_OK);
    assert_int_equal(cdb_changes(db), 3);
    assert_int_equal(query_int(db, "SELECT count(*) FROM \"People\" WHERE flag"), 3);
    assert_int_equal(cdb_changes(db), 3); /* a SELECT changes nothing */
    /* Two statements in one text are refused; a syntax error is internal. */
    assert_int_not_equal(cdb_stmt(db, "SELECT 1; SELECT 2", &stmt), CDB_OK);
    assert_int_equal(cdb_stmt(db, "SELEKT 1", &stmt), CDB_ERR_INTERNAL);
}

static void test_error_mapping(void **state)
{
    cdb *db = *state;

    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\", mail)"
                                  " VALUES ('carol', 'c@example.org')"),
                     CDB_OK);
    /* A unique column: the key named as on SQLite. */
    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\", mail)"
                                  " VALUES ('dave', 'c@example.org')"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(db), "People.mail");
    assert_null(strstr(cdb_errmsg(db), "c@example.org")); /* values never in messages */
    /* The case-insensitive key, by its columns. */
    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\") VALUES ('CAROL')"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(db), "People.userName");
    assert_null(strstr(cdb_errmsg(db), "CAROL"));
    /* An UPDATE, found the same way. */
    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\") VALUES ('dave')"), CDB_OK);
    assert_int_equal(exec_sql(db, "UPDATE \"People\" SET mail = 'c@example.org'"
                                  " WHERE \"userName\" = 'dave'"),
                     CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(db), "People.mail");
    /* A key over two columns. */
    assert_int_equal(exec_sql(db, "INSERT INTO \"Members\" VALUES (1, 'ops')"), CDB_OK);
    assert_int_equal(exec_sql(db, "INSERT INTO \"Members\" VALUES (1, 'ops')"), CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(db), "Members.personId,groupName");
    assert_null(strstr(cdb_errmsg(db), "ops"));
    /* Foreign keys: a missing parent, a parent still referenced. */
    assert_int_equal(exec_sql(db, "INSERT INTO \"Members\" VALUES (999, 'ops')"),
                     CDB_ERR_CONSTRAINT);
    assert_int_equal(exec_sql(db, "DELETE FROM \"People\" WHERE id = 1"), CDB_ERR_CONSTRAINT);
    /* CHECK and NOT NULL: invalid, naming the column; a trigger's rule. */
    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\", status)"
                                  " VALUES ('erin', 'gone')"),
                     CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(db), "People.status");
    assert_null(strstr(cdb_errmsg(db), "gone"));
    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (mail) VALUES ('x@example.org')"),
                     CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(db), "People.userName");
    assert_null(strstr(cdb_errmsg(db), "x@example.org"));
    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\", mail)"
                                  " VALUES (NULL, 'x@example.org')"),
                     CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(db), "People.userName");
    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\", note)"
                                  " VALUES ('frank', 'forbidden')"),
                     CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(db), "People.note");
    assert_non_null(strstr(cdb_errmsg(db), "must not be forbidden"));
    /* A value strict mode refuses: its text is not repeated. */
    assert_int_equal(exec_sql(db, "UPDATE \"People\" SET flag = 's3cretvalue' WHERE id = 1"),
                     CDB_ERR_INTERNAL);
    assert_null(strstr(cdb_errmsg(db), "s3cretvalue"));
    /* Errors of SQL itself are internal, and nothing above was written. */
    assert_int_equal(exec_sql(db, "SELECT nosuchcolumn FROM \"People\""), CDB_ERR_INTERNAL);
    assert_int_equal(query_int(db, "SELECT count(*) FROM \"People\""), 2);
}

static void test_transactions(void **state)
{
    cdb *db = *state;
    cdb *other = open_mariadb(0);
    double started;

    /* A rolled-back write leaves nothing. */
    assert_int_equal(cdb_tx_begin(db), CDB_OK);
    assert_true(cdb_in_transaction(db));
    assert_int_equal(cdb_tx_begin(db), CDB_ERR_INTERNAL); /* no nesting */
    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\") VALUES ('tx')"), CDB_OK);
    /* The write lock: another writer waits, here no longer than 200 ms. */
    cdb_set_busy_timeout(other, 200);
    started = now_seconds();
    assert_int_equal(cdb_tx_begin(other), CDB_ERR_BUSY);
    assert_true(now_seconds() - started < 2.0);
    assert_false(cdb_in_transaction(other));
    cdb_tx_rollback(db);
    assert_false(cdb_in_transaction(db));
    assert_int_equal(query_int(db, "SELECT count(*) FROM \"People\" WHERE \"userName\" = 'tx'"), 0);
    /* Released with the transaction: the other writer gets it now. */
    assert_int_equal(cdb_tx_begin(other), CDB_OK);
    cdb_tx_rollback(other);

    /* A committed write is seen by the other handle's next statement, and
     * the commit released the lock. */
    assert_int_equal(cdb_tx_begin(db), CDB_OK);
    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\") VALUES ('tx')"), CDB_OK);
    assert_int_equal(cdb_tx_commit(db), CDB_OK);
    assert_false(cdb_in_transaction(db));
    assert_int_equal(query_int(other, "SELECT count(*) FROM \"People\" WHERE \"userName\" = 'tx'"), 1);
    assert_int_equal(cdb_tx_begin(other), CDB_OK);
    assert_int_equal(cdb_tx_commit(other), CDB_OK);

    /* A row lock held by a writer: a plain statement of the other handle
     * waits the busy timeout (whole seconds on MariaDB), then is busy. */
    assert_int_equal(cdb_tx_begin(db), CDB_OK);
    assert_int_equal(exec_sql(db, "UPDATE \"People\" SET flag = 1 WHERE \"userName\" = 'tx'"),
                     CDB_OK);
    cdb_set_busy_timeout(other, 1000);
    assert_int_equal(exec_sql(other, "UPDATE \"People\" SET flag = 2 WHERE \"userName\" = 'tx'"),
                     CDB_ERR_BUSY);
    assert_int_equal(cdb_tx_commit(db), CDB_OK);

    /* A read transaction reads one snapshot. */
    assert_int_equal(cdb_read_begin(other), CDB_OK);
    assert_true(cdb_in_transaction(other));
    assert_int_equal(query_int(other, "SELECT count(*) FROM \"People\""), 1);
    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\") VALUES ('later')"), CDB_OK);
    assert_int_equal(query_int(other, "SELECT count(*) FROM \"People\""), 1);
    /* ... and writes nothing. */
    assert_int_not_equal(exec_sql(other, "INSERT INTO \"People\" (\"userName\") VALUES ('r')"),
                         CDB_OK);
    cdb_read_end(other);
    assert_false(cdb_in_transaction(other));
    assert_int_equal(query_int(other, "SELECT count(*) FROM \"People\""), 2);

    /* A failed statement inside a write transaction fails the commit path
     * cleanly: the caller rolls back and the handle is usable again. */
    assert_int_equal(cdb_tx_begin(db), CDB_OK);
    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\") VALUES ('TX')"),
                     CDB_ERR_CONFLICT);
    cdb_tx_rollback(db);
    assert_int_equal(query_int(db, "SELECT count(*) FROM \"People\""), 2);
    cdb_close(other);
}

static void test_read_only_handle(void **state)
{
    cdb *db = *state;
    cdb *ro = open_mariadb(CDB_OPEN_READONLY);

    (void)db;
    assert_int_equal(exec_sql(ro, "INSERT INTO \"People\" (\"userName\") VALUES ('ro')"),
                     CDB_ERR_READONLY);
    assert_non_null(strstr(cdb_errmsg(ro), "read-only"));
    assert_int_equal(cdb_tx_begin(ro), CDB_OK);
    assert_int_equal(exec_sql(ro, "INSERT INTO \"People\" (\"userName\") VALUES ('ro')"),
                     CDB_ERR_READONLY);
    cdb_tx_rollback(ro);
    assert_int_equal(query_int(ro, "SELECT count(*) FROM \"People\" WHERE \"userName\" = 'ro'"), 0);
    cdb_close(ro);
}

/* The server restarted under an open handle: a statement outside a
 * transaction that finds the connection gone reconnects and runs once more
 * (a read, or a write that never left), with its statements prepared again
 * and the session set up again; inside a transaction the transaction fails
 * (unavailable, not a crash) and the next one succeeds. */
static void test_reconnect(void **state)
{
    cdb *db = *state;
    const char *restart = env("CLUSTERDB_TEST_MARIADB_RESTART");
    int64_t before = query_int(db, "SELECT count(*) FROM \"People\"");
    cdb *other;
    char *text;
    int rc;

    assert_true(before >= 0);
    cdb_set_busy_timeout(db, 4000);
    assert_int_equal(system(restart), 0);
    rc = exec_sql(db, "SELECT count(*) FROM \"People\"");
    if (rc != CDB_OK)
        fail_msg("the first autocommit read after a restart: %d %s", rc, cdb_errmsg(db));
    assert_int_equal(query_int(db, "SELECT count(*) FROM \"People\""), before);
    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\") VALUES ('after')"), CDB_OK);
    assert_int_equal(query_int(db, "SELECT count(*) FROM \"People\""), before + 1);
    text = query_text(db, "SELECT @@SESSION.sql_mode");
    assert_string_equal(text, env("CLUSTERDB_TEST_MARIADB_SQL_MODE"));
    free(text);
    assert_int_equal(query_int(db, "SELECT @@SESSION.innodb_lock_wait_timeout"), 4);

    /* Lost inside a write transaction: that transaction fails as a whole,
     * and its write lock went with the session. */
    assert_int_equal(cdb_tx_begin(db), CDB_OK);
    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\") VALUES ('lost')"), CDB_OK);
    assert_int_equal(system(restart), 0);
    assert_int_not_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\") VALUES ('lost2')"),
                         CDB_OK);
    assert_int_not_equal(cdb_tx_commit(db), CDB_OK);
    cdb_tx_rollback(db);
    assert_false(cdb_in_transaction(db));
    assert_int_equal(query_int(db, "SELECT count(*) FROM \"People\" WHERE \"userName\" LIKE 'lost%'"),
                     0);
    /* Idle while the server restarted: the transaction that starts next
     * finds the connection dead at its first statement, when nothing has
     * been done yet, so it reconnects and succeeds (read and write). */
    assert_int_equal(system(restart), 0);
    assert_int_equal(cdb_read_begin(db), CDB_OK);
    assert_int_equal(query_int(db, "SELECT count(*) FROM \"People\""), before + 1);
    cdb_read_end(db);
    assert_int_equal(system(restart), 0);
    assert_int_equal(cdb_tx_begin(db), CDB_OK);
    assert_int_equal(exec_sql(db, "INSERT INTO \"People\" (\"userName\") VALUES ('idle')"), CDB_OK);
    assert_int_equal(cdb_tx_commit(db), CDB_OK);
    other = open_mariadb(0);
    cdb_set_busy_timeout(other, 200);
    assert_int_equal(cdb_tx_begin(other), CDB_OK);
    cdb_tx_rollback(other);
    cdb_close(other);
}

static void test_names_and_passwords(void **state)
{
    char option_file[] = "/tmp/clusterdb-mariadb-XXXXXX";
    char name[1024];
    const char *socket_param;
    cdb *db = NULL;
    FILE *f;
    int fd;

    (void)state;
    /* A password in the URI is refused and never repeated. */
    assert_int_equal(cdb_open("mysql://u:s3cret@localhost/db", 0, &db), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(db), "database");
    assert_null(strstr(cdb_errmsg(db), "s3cret"));
    cdb_close(db);
    assert_int_equal(cdb_open("mariadb://u@localhost/db?socket=/nonexistent&password=s3cret", 0, &db),
                     CDB_ERR_INVALID);
    assert_null(strstr(cdb_errmsg(db), "s3cret"));
    cdb_close(db);
    /* Malformed names: the part named. */
    assert_int_equal(cdb_open("mariadb://u@localhost?socket=/x", 0, &db), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(db), "database");
    cdb_close(db);
    assert_int_equal(cdb_open("mariadb://u@localhost:99999/db", 0, &db), CDB_ERR_INVALID);
    cdb_close(db);
    assert_int_equal(cdb_open("mariadb://u@localhost/db?colour=blue", 0, &db), CDB_ERR_INVALID);
    assert_non_null(strstr(cdb_errmsg(db), "socket="));
    cdb_close(db);
    /* No server: unavailable, with the client's reason. */
    assert_int_equal(cdb_open("mysql://u@localhost/db?socket=/nonexistent", 0, &db), CDB_ERR_IO);
    assert_non_null(strstr(cdb_errmsg(db), "cannot connect"));
    cdb_close(db);

    /* The option file is read when named: its user is the one that logs in
     * (a user the server does not know is refused). */
    socket_param = strstr(uri(), "?socket=");
    assert_non_null(socket_param);
    fd = mkstemp(option_file);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fprintf(f, "[clusterdb]\nuser=nosuchuser\n");
    fclose(f);
    snprintf(name, sizeof name, "mariadb://localhost/clusterdb%s&option-file=%s", socket_param,
             option_file);
    assert_int_equal(cdb_open(name, CDB_OPEN_ANY_VERSION, &db), CDB_ERR_IO);
    assert_non_null(strstr(cdb_errmsg(db), "nosuchuser"));
    cdb_close(db);
    f = fopen(option_file, "w");
    assert_non_null(f);
    fprintf(f, "[client]\nuser=nosuchuser\n[clusterdb]\nuser=root\n");
    fclose(f);
    db = open_mariadb_at(name, 0);
    cdb_close(db);
    unlink(option_file);
    /* One that cannot be read is an error, not a connection without it. */
    assert_int_equal(cdb_open(name, CDB_OPEN_ANY_VERSION, &db), CDB_ERR_IO);
    assert_non_null(strstr(cdb_errmsg(db), "option file"));
    cdb_close(db);

    /* An empty database gets the whole schema, every step recorded; opened
     * again it is current, and the models' statements run on it. */
    db = open_mariadb(0);
    assert_int_equal(exec_sql(db, "DROP TABLE IF EXISTS \"Members\", \"People\""), CDB_OK);
    cdb_close(db);
    assert_int_equal(cdb_open(uri(), CDB_OPEN_MIGRATE, &db), CDB_OK);
    cdb_close(db);
    assert_int_equal(cdb_open(uri(), 0, &db), CDB_OK);
    {
        int current = 0, known = 0;
        assert_int_equal(cdb_schema_version(db, &current, &known), CDB_OK);
        assert_true(known >= 6);
        assert_int_equal(current, known);
        /* Bare names, "key" and Groups among them (reserved words). */
        assert_int_equal(exec_sql(db, "SELECT key, value FROM Settings ORDER BY key"), CDB_OK);
        assert_int_equal(query_int(db, "SELECT count(*) FROM Groups WHERE isAdministrator = 1"), 1);
    }
    cdb_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binds_columns_placeholders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
        cmocka_unit_test(test_names_and_passwords),
    };

    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
