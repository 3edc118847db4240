/*
 * identity.c: the next uidNumber and gidNumber.  Numbers are never given
 * twice: the next one follows the highest ever used (IdentityHighWater,
 * raised by triggers on every insert, plain-SQL ones included), not the
 * highest in use, so deleting the newest user does not hand its files on
 * every container host to the next one.
 */
#include "directory_internal.h"
#include "internal.h"

/* The highest number ever used for `name` ("uidNumber" or "gidNumber"), or
 * the highest in use if that is higher (it cannot be, while the triggers
 * stand; the second look costs one index probe). 0 when none ever was. */
static int highest_ever(cdb *db, const char *sql, const char *what, int64_t *out)
{
    cdb_sql_stmt *stmt;
    int rc, step;

    if ((rc = cdb_stmt(db, sql, &stmt)) != CDB_OK)
        return rc;
    step = cdb_step(stmt);
    if (step == CDB_SQL_ROW) {
        *out = cdb_col_int64(stmt, 0);
        rc = CDB_OK;
    } else {
        rc = cdb_fail_sql(db, step, what);
    }
    cdb_stmt_done(stmt);
    return rc;
}

/* Call inside the write transaction that inserts the number. */
static int next_number(cdb *db, const char *sql, const char *field, int64_t first, int64_t *next,
                       int *first_ever)
{
    int64_t highest = 0;
    int rc = highest_ever(db, sql, field, &highest);

    if (rc != CDB_OK)
        return rc;
    if (first_ever != NULL)
        *first_ever = highest == 0;
    *next = highest + 1 < first ? first : highest + 1;
    if (*next > CDB_MAX_ID)
        return cdb_fail(db, CDB_ERR_INVALID, field, "no %s is left to allocate", field);
    return CDB_OK;
}

int cdb_next_uid(cdb *db, int64_t *uid, int *first_user_ever)
{
    return next_number(db,
                       /* The aggregate max over a union: the same text on every engine. */
                       "SELECT coalesce(max(n), 0) FROM (SELECT value AS n FROM IdentityHighWater"
                       " WHERE name = 'uidNumber' UNION ALL SELECT max(uidNumber) FROM Users) AS t",
                       "uidNumber", CDB_FIRST_UID, uid, first_user_ever);
}

int cdb_next_gid(cdb *db, int64_t *gid)
{
    return next_number(db,
                       "SELECT coalesce(max(n), 0) FROM (SELECT value AS n FROM IdentityHighWater"
                       " WHERE name = 'gidNumber' UNION ALL SELECT max(gidNumber) FROM Groups) AS t",
                       "gidNumber", CDB_FIRST_GID, gid, NULL);
}
