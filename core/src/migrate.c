/*
 * migrate.c: the schema version of a file and the migration runner.
 *
 * Migrations are migrations/NNNN_name.sql for SQLite and
 * migrations/ENGINE/NNNN_name.sql for the others, embedded at build time
 * (scripts/embed-migrations.sh); the handle's engine says which list.  Each
 * one runs in its own write transaction together with its row in
 * SchemaMigrations, so a database is always at exactly one version.  The pending check is repeated inside the
 * transaction: when two processes migrate at once, the second waits for the
 * write lock, then sees the version already applied and skips it.
 *
 * A migration file must not contain BEGIN/COMMIT.  On SQLite foreign keys
 * are switched off while it runs (SQLite's recipe for rebuilding a table),
 * and PRAGMA foreign_key_check must come back empty before it commits.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "internal.h"
#include "store_engine.h"
#include "store_sqlite.h"

/* An engine without embedded steps knows none. */
static size_t steps_of(const cdb_engine *engine)
{
    return engine->n_migrations != NULL ? *engine->n_migrations : 0;
}

static int known_version(const cdb_engine *engine)
{
    int known = 0;

    for (size_t i = 0; i < steps_of(engine); i++)
        if (engine->migrations[i].version > known)
            known = engine->migrations[i].version;
    return known;
}

/* Version of the open file: 0 for a file without SchemaMigrations. */
static int current_version(cdb *db, int *out)
{
    cdb_sql_stmt *stmt;
    int exists = 0;
    int rc = cdb_table_exists(db, "SchemaMigrations", &exists);

    if (rc != CDB_OK)
        return rc;
    if (!exists) {
        *out = 0;
        return CDB_OK;
    }
    /* Not cached: the table may not have existed when the cache was built,
     * and this runs only at open and migrate time. */
    rc = cdb_stmt_once(db, "SELECT coalesce(max(version), 0) FROM \"SchemaMigrations\"", &stmt);
    if (rc != CDB_OK)
        return rc;
    rc = cdb_step(stmt);
    if (rc == CDB_SQL_ROW) {
        *out = cdb_col_int(stmt, 0);
        rc = CDB_OK;
    } else {
        rc = cdb_fail_sql(db, rc, "reading the schema version");
    }
    cdb_stmt_done(stmt);
    return rc;
}

int cdb_schema_version(cdb *db, int *current, int *known)
{
    int version = 0;
    int rc = current_version(db, &version);

    if (rc != CDB_OK)
        return rc;
    *current = version;
    *known = known_version(cdb_engine_of(db));
    return CDB_OK;
}

static int set_foreign_keys(cdb *db, int on)
{
    int rc = sqlite3_exec(cdb_sqlite(db), on ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF",
                          NULL, NULL, NULL);

    return rc == SQLITE_OK ? CDB_OK : cdb_fail_sql(db, rc, "switching foreign keys");
}

/* Inside the migration's transaction: any row now violating a foreign key? */
static int foreign_keys_intact(cdb *db, const struct cdb_migration *m)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(cdb_sqlite(db), "PRAGMA foreign_key_check", -1, &stmt, NULL);

    if (rc != SQLITE_OK)
        return cdb_fail_sql(db, rc, "checking foreign keys");
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const unsigned char *table = sqlite3_column_text(stmt, 0);
        rc = cdb_fail(db, CDB_ERR_CONSTRAINT, NULL,
                      "migration %s leaves rows of %s violating a foreign key", m->name,
                      table ? (const char *)table : "?");
    } else if (rc == SQLITE_DONE) {
        rc = CDB_OK;
    } else {
        rc = cdb_fail_sql(db, rc, "checking foreign keys");
    }
    sqlite3_finalize(stmt);
    return rc;
}

static int record_migration(cdb *db, const struct cdb_migration *m)
{
    char now[32];
    cdb_sql_stmt *stmt = NULL;
    int rc;

    cdb_now_iso(now);
    rc = cdb_stmt_once(db,
                       "INSERT INTO \"SchemaMigrations\" (version, name, \"appliedAt\")"
                       " VALUES (?1, ?2, ?3)",
                       &stmt);
    if (rc != CDB_OK)
        return cdb_fail(db, rc, NULL, "recording a migration (does it create SchemaMigrations?): %s",
                        cdb_errmsg(db));
    if ((rc = cdb_bind_int(stmt, 1, m->version)) == CDB_SQL_OK &&
        (rc = cdb_bind_text(stmt, 2, m->name)) == CDB_SQL_OK)
        rc = cdb_bind_text(stmt, 3, now);
    if (rc == CDB_SQL_OK)
        return cdb_stmt_exec(db, stmt, "recording a migration");
    cdb_stmt_done(stmt);
    return cdb_fail_sql(db, rc, "recording a migration");
}

/* Apply one migration if the file is still below its version. */
static int apply_one(cdb *db, const struct cdb_migration *m, int known)
{
    int current = 0;
    int rc;

    rc = cdb_tx_begin(db);
    if (rc != CDB_OK)
        return rc;
    rc = current_version(db, &current);
    if (rc != CDB_OK)
        goto done;
    if (current > known) {
        rc = cdb_fail(db, CDB_ERR_VERSION, NULL,
                      "database schema version %d is newer than this library's version %d: "
                      "upgrade clusterdb",
                      current, known);
        goto done;
    }
    if (current >= m->version)  /* another process got here first */
        goto done;
    rc = cdb_engine_of(db)->exec_script(db, cdb_engine_conn(db), m->sql);
    if (rc != CDB_OK) {
        rc = cdb_fail(db, rc, NULL, "migration %s failed: %s", m->name, cdb_errmsg(db));
        goto done;
    }
    /* SQLite's recipe runs with foreign keys off: check them before commit.
     * The other engines check them on every statement. */
    if (cdb_sqlite(db) != NULL && (rc = foreign_keys_intact(db, m)) != CDB_OK)
        goto done;
    /* MariaDB's DDL commits implicitly: the step is in, record it on its
     * own (a failure between the two leaves the step unrecorded). */
    if (!cdb_in_transaction(db))
        return record_migration(db, m);
    rc = record_migration(db, m);
    if (rc != CDB_OK)
        goto done;
    return cdb_tx_commit(db);
done:
    if (rc == CDB_OK)
        rc = cdb_tx_commit(db);
    else
        cdb_tx_rollback(db);
    return rc;
}

int cdb_migrate(cdb *db)
{
    const cdb_engine *engine = cdb_engine_of(db);
    const struct cdb_migration *list = engine->migrations;
    size_t n = steps_of(engine);
    int known = known_version(engine);
    int previous = 0;
    int rc = CDB_OK;
    bool sqlite = cdb_sqlite(db) != NULL;

    if (engine->exec_script == NULL || n == 0)
        return cdb_fail(db, CDB_ERR_VERSION, NULL,
                        "this build cannot create or migrate the clusterdb schema on %s",
                        cdb_engine_name(db));
    if (sqlite && sqlite3_db_readonly(cdb_sqlite(db), "main") == 1)
        return cdb_fail(db, CDB_ERR_VERSION, NULL, "cannot migrate a database opened read-only");
    /* The embedded list must be strictly ascending: a build-time guarantee
     * checked here too, because applying out of order would corrupt a file. */
    for (size_t i = 0; i < n; i++) {
        if (list[i].version <= previous)
            return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "migration %s is out of order",
                            list[i].name);
        previous = list[i].version;
    }
    /* Outside any transaction, as SQLite requires; on again in every case. */
    if (sqlite && (rc = set_foreign_keys(db, 0)) != CDB_OK)
        return rc;
    for (size_t i = 0; i < n && rc == CDB_OK; i++)
        rc = apply_one(db, &list[i], known);
    if (sqlite && set_foreign_keys(db, 1) != CDB_OK && rc == CDB_OK)
        rc = CDB_ERR_INTERNAL;
    return rc;
}
