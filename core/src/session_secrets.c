/*
 * session_secrets.c: SessionSecrets, the random secrets that sign web
 * sessions.  They come from the kernel's CSPRNG (getrandom) and are never
 * written to logs or error messages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <clusterdb/settings.h>

#include "internal.h"

#define SECRET_MIN_LEN 32
#define SECRET_MAX_LEN 64

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static int fill_random(unsigned char *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

/* `length` characters drawn uniformly from the 62-letter alphabet. */
static int random_secret(char *out, size_t length)
{
    /* 248 = 4 * 62: bytes at or above it are rejected, so that every
     * letter is equally likely (no modulo bias). */
    enum { LIMIT = 4 * (sizeof alphabet - 1) };
    unsigned char pool[128];
    size_t filled = 0;

    while (filled < length) {
        if (fill_random(pool, sizeof pool) != 0)
            return -1;
        for (size_t i = 0; i < sizeof pool && filled < length; i++)
            if (pool[i] < LIMIT)
                out[filled++] = alphabet[pool[i] % (sizeof alphabet - 1)];
    }
    out[length] = '\0';
    explicit_bzero(pool, sizeof pool);
    return 0;
}

int cdb_session_secret_create(cdb *db, size_t length, int64_t *id_out)
{
    char secret[SECRET_MAX_LEN + 1];
    cdb_sql_stmt *stmt;
    char now[32];
    int rc;

    if (length == 0)
        length = SECRET_MAX_LEN;
    if (length < SECRET_MIN_LEN || length > SECRET_MAX_LEN)
        return cdb_fail(db, CDB_ERR_INVALID, "length", "a session secret has %d to %d characters",
                        SECRET_MIN_LEN, SECRET_MAX_LEN);
    if (random_secret(secret, length) != 0)
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "the system random source failed: %s",
                        strerror(errno));
    cdb_now_iso(now);
    rc = cdb_stmt(db, "INSERT INTO SessionSecrets (secret, createdAt, updatedAt) VALUES (?1, ?2, ?2)",
                  &stmt);
    if (rc != CDB_OK)
        goto done;
    cdb_bind_text(stmt, 1, secret);
    cdb_bind_text(stmt, 2, now);
    rc = cdb_step(stmt);
    if (rc == CDB_SQL_DONE) {
        *id_out = cdb_last_insert_id(db);
        rc = CDB_OK;
    } else {
        rc = cdb_fail_sql(db, rc, "storing a session secret");
    }
    cdb_stmt_done(stmt);
done:
    explicit_bzero(secret, sizeof secret);
    return rc;
}

void cdb_session_secret_array_free(cdb_session_secret *secrets, size_t n)
{
    if (secrets == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        cdb_free_secret(secrets[i].secret);
        free(secrets[i].created_at);
    }
    free(secrets);
}

int cdb_session_secret_list(cdb *db, cdb_session_secret **out, size_t *n_out)
{
    cdb_sql_stmt *stmt;
    cdb_session_secret *list = NULL;
    size_t n = 0, cap = 0;
    int rc;

    rc = cdb_stmt(db, "SELECT id, secret, createdAt FROM SessionSecrets ORDER BY id", &stmt);
    if (rc != CDB_OK)
        return rc;
    while ((rc = cdb_step(stmt)) == CDB_SQL_ROW) {
        cdb_session_secret *item;
        if (n == cap) {
            size_t new_cap = cap ? cap * 2 : 4;
            cdb_session_secret *grown = realloc(list, new_cap * sizeof *grown);
            if (grown == NULL)
                goto nomem;
            list = grown;
            cap = new_cap;
        }
        item = &list[n++];
        item->id = cdb_col_int64(stmt, 0);
        item->secret = NULL;
        item->created_at = NULL;
        if (cdb_column_strdup(stmt, 1, &item->secret) != 0 ||
            cdb_column_strdup(stmt, 2, &item->created_at) != 0)
            goto nomem;
    }
    if (rc != CDB_SQL_DONE) {
        rc = cdb_fail_sql(db, rc, "listing session secrets");
        goto fail;
    }
    cdb_stmt_done(stmt);
    *out = list;
    *n_out = n;
    return CDB_OK;
nomem:
    rc = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory listing session secrets");
fail:
    cdb_stmt_done(stmt);
    cdb_session_secret_array_free(list, n);
    return rc;
}

int cdb_session_secret_delete(cdb *db, int64_t id)
{
    cdb_sql_stmt *stmt;
    int rc = cdb_stmt(db, "DELETE FROM SessionSecrets WHERE id = ?", &stmt);

    if (rc != CDB_OK)
        return rc;
    cdb_bind_int64(stmt, 1, id);
    rc = cdb_step(stmt);
    if (rc != CDB_SQL_DONE)
        rc = cdb_fail_sql(db, rc, "deleting a session secret");
    else if (cdb_changes(db) == 0)
        rc = cdb_fail(db, CDB_ERR_NOTFOUND, "id", "no session secret %lld", (long long)id);
    else
        rc = CDB_OK;
    cdb_stmt_done(stmt);
    return rc;
}
