/*
 * Groups and memberships.
 *
 * A group is read with its members in one statement (LEFT JOIN), so the
 * member list and the group row come from the same snapshot.  A reader that
 * needs no members, or only some (a search, slapd-module/search.c), says so
 * and the statement reads no more than that.  Membership
 * changes bump updatedAt of both entries through the schema's triggers
 * (UserGroups_insert_touch / UserGroups_delete_touch).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <clusterdb/validate.h>

#include "directory_internal.h"

/* The columns every group read returns: the group's (0-4), then one member's
 * uidNumber and username (5-6; NULL for a group with none), one row per
 * member read.  group_from_row / add_member_from_row read them. */
#define GROUP_SELECT                                                                      \
    "SELECT g.gidNumber, g.cn, g.isAdministrator, g.createdAt, g.updatedAt,"              \
    " u.uidNumber, u.username"                                                             \
    " FROM Groups AS g"

#define GROUP_COLUMNS                                                                     \
    GROUP_SELECT                                                                          \
    " LEFT JOIN UserGroups AS ug ON ug.gidNumber = g.gidNumber"                           \
    " LEFT JOIN Users AS u ON u.uidNumber = ug.uidNumber"

/* Only the members named in ?2 (a JSON array of usernames), found by the
 * username index (NOCASE, as the candidate query's memberUid term) and the
 * membership primary key: a group's other members are never visited.  Both
 * sides say NOCASE: on SQLite the column's collation would do, on the
 * servers only the words make the comparison lower() = lower(), the
 * expression their unique index is on. */
#define GROUP_COLUMNS_NAMED                                                               \
    GROUP_SELECT                                                                          \
    " LEFT JOIN (UserGroups AS ug JOIN Users AS u ON u.uidNumber = ug.uidNumber"          \
    " AND u.username COLLATE NOCASE IN (SELECT value COLLATE NOCASE FROM json_each(?2)))" \
    " ON ug.gidNumber = g.gidNumber"

/* No member: the same columns, the member ones NULL, no join. */
#define GROUP_COLUMNS_NONE                                                                \
    "SELECT g.gidNumber, g.cn, g.isAdministrator, g.createdAt, g.updatedAt, NULL, NULL"   \
    " FROM Groups AS g"

#define GROUP_ORDER " ORDER BY g.gidNumber, u.username COLLATE BINARY, u.uidNumber"
#define GROUP_ORDER_NONE " ORDER BY g.gidNumber"

#define GROUP_IDS_IN " WHERE g.gidNumber IN (SELECT CAST(value AS INTEGER) FROM json_each(?1))"

#define GROUP_NAME_RULE "must be a POSIX group name: [a-z_][a-z0-9_.-]{0,31}"

#define BATCH_IDS 1000

void cdb_group_free(cdb_group *group)
{
    size_t i;

    if (group == NULL)
        return;
    free(group->cn);
    free(group->created_at);
    free(group->updated_at);
    for (i = 0; i < group->n_members; i++)
        free(group->member_usernames[i]);
    free(group->member_usernames);
    free(group->member_uids);
    free(group);
}

void cdb_group_array_free(cdb_group **groups, size_t n)
{
    size_t i;

    if (groups == NULL)
        return;
    for (i = 0; i < n; i++)
        cdb_group_free(groups[i]);
    free(groups);
}

static int group_from_row(cdb *db, cdb_sql_stmt *stmt, cdb_group **out)
{
    cdb_group *group = calloc(1, sizeof *group);

    if (group == NULL)
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory reading a group");
    group->gid_number = cdb_col_int64(stmt, 0);
    group->is_administrator = cdb_col_int(stmt, 2) != 0;
    if (cdb_column_strdup(stmt, 1, &group->cn) || cdb_column_strdup(stmt, 3, &group->created_at) ||
        cdb_column_strdup(stmt, 4, &group->updated_at)) {
        cdb_group_free(group);
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory reading a group");
    }
    *out = group;
    return CDB_OK;
}

static int add_member_from_row(cdb *db, cdb_sql_stmt *stmt, cdb_group *group, size_t *cap)
{
    if (cdb_col_is_null(stmt, 5))
        return CDB_OK;
    if (group->n_members == *cap) {
        size_t new_cap = *cap ? *cap * 2 : 4;
        char **names = realloc(group->member_usernames, new_cap * sizeof *names);
        int64_t *uids;

        if (names == NULL)
            return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory reading members");
        group->member_usernames = names;
        uids = realloc(group->member_uids, new_cap * sizeof *uids);
        if (uids == NULL)
            return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory reading members");
        group->member_uids = uids;
        *cap = new_cap;
    }
    group->member_uids[group->n_members] = cdb_col_int64(stmt, 5);
    if (cdb_column_strdup(stmt, 6, &group->member_usernames[group->n_members]))
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory reading members");
    group->n_members++;
    return CDB_OK;
}

/* Step a bound statement of GROUP_SELECT's columns, ordered by gidNumber;
 * always finishes it. */
static int collect_groups(cdb *db, cdb_sql_stmt *stmt, cdb_group ***groups, size_t *n,
                          size_t *cap)
{
    cdb_group *current = NULL;
    size_t member_cap = 0;
    int rc, step;

    while ((step = cdb_step(stmt)) == CDB_SQL_ROW) {
        int64_t gid = cdb_col_int64(stmt, 0);

        if (current == NULL || current->gid_number != gid) {
            if (*n == *cap) {
                size_t new_cap = *cap ? *cap * 2 : 8;
                cdb_group **grown = realloc(*groups, new_cap * sizeof *grown);
                if (grown == NULL) {
                    rc = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory reading groups");
                    goto done;
                }
                *groups = grown;
                *cap = new_cap;
            }
            rc = group_from_row(db, stmt, &current);
            if (rc != CDB_OK)
                goto done;
            (*groups)[(*n)++] = current;
            member_cap = 0;
        }
        rc = add_member_from_row(db, stmt, current, &member_cap);
        if (rc != CDB_OK)
            goto done;
    }
    rc = step == CDB_SQL_DONE ? CDB_OK : cdb_fail_sql(db, step, "reading groups");
done:
    cdb_stmt_done(stmt);
    return rc;
}

static int load_one(cdb *db, const char *sql, int64_t id, const char *name, cdb_group **out)
{
    cdb_sql_stmt *stmt;
    cdb_group **groups = NULL;
    size_t n = 0, cap = 0;
    int rc;

    rc = cdb_stmt(db, sql, &stmt);
    if (rc != CDB_OK)
        return rc;
    rc = name ? cdb_bind_text(stmt, 1, name) : cdb_bind_int64(stmt, 1, id);
    if (rc != CDB_SQL_OK) {
        cdb_stmt_done(stmt);
        return cdb_fail_sql(db, rc, "binding a group key");
    }
    rc = collect_groups(db, stmt, &groups, &n, &cap);
    if (rc == CDB_OK && n == 0) {
        rc = name ? cdb_fail(db, CDB_ERR_NOTFOUND, "cn", "no group named \"%s\"", name)
                  : cdb_fail(db, CDB_ERR_NOTFOUND, "gidNumber",
                             "no group with gidNumber %" PRId64, id);
    }
    if (rc == CDB_OK) {
        *out = groups[0];
        groups[0] = NULL;
    }
    cdb_group_array_free(groups, n);
    return rc;
}

int cdb_group_get(cdb *db, int64_t gid_number, cdb_group **out)
{
    if (db == NULL || out == NULL)
        return CDB_ERR_INVALID;
    return load_one(db, GROUP_COLUMNS " WHERE g.gidNumber = ?1" GROUP_ORDER, gid_number, NULL,
                    out);
}

/* Group names are matched like LDAP's cn (caseIgnore): names are stored in
 * lower case, so the one row found is the one a DN or filter names. */
int cdb_group_get_by_name(cdb *db, const char *cn, cdb_group **out)
{
    if (db == NULL || out == NULL)
        return CDB_ERR_INVALID;
    if (cn == NULL)
        return cdb_fail(db, CDB_ERR_INVALID, "cn", "a group name is required");
    return load_one(db, GROUP_COLUMNS " WHERE g.cn COLLATE NOCASE = ?1 COLLATE NOCASE" GROUP_ORDER,
                    0, cn, out);
}

int cdb_group_get_many(cdb *db, const int64_t *ids, size_t n, cdb_group ***out, size_t *n_out)
{
    return cdb_group_get_many_members(db, ids, n, CDB_MEMBERS_ALL, NULL, 0, out, n_out);
}

int cdb_group_get_many_members(cdb *db, const int64_t *ids, size_t n, cdb_member_selection which,
                               const char *const *usernames, size_t n_usernames,
                               cdb_group ***out, size_t *n_out)
{
    static const char *const sql[] = {
        [CDB_MEMBERS_ALL] = GROUP_COLUMNS GROUP_IDS_IN GROUP_ORDER,
        [CDB_MEMBERS_NONE] = GROUP_COLUMNS_NONE GROUP_IDS_IN GROUP_ORDER_NONE,
        [CDB_MEMBERS_NAMED] = GROUP_COLUMNS_NAMED GROUP_IDS_IN GROUP_ORDER,
    };
    cdb_group **found = NULL, **result = NULL;
    int64_t *keys = NULL;
    size_t *pick = NULL;
    size_t n_found = 0, cap = 0, n_pick = 0, start, i;
    char *names_json = NULL;
    int rc = CDB_OK;

    if (db == NULL || out == NULL || n_out == NULL || (ids == NULL && n > 0))
        return CDB_ERR_INVALID;
    if (which != CDB_MEMBERS_ALL && which != CDB_MEMBERS_NONE && which != CDB_MEMBERS_NAMED)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "unknown member selection %d", (int)which);
    if (which == CDB_MEMBERS_NAMED) {
        if (usernames == NULL && n_usernames > 0)
            return CDB_ERR_INVALID;
        for (i = 0; i < n_usernames; i++) {
            if (usernames[i] == NULL)
                return cdb_fail(db, CDB_ERR_INVALID, "memberUid", "a member name is missing");
        }
        names_json = cdb_texts_json(usernames, n_usernames);
        if (names_json == NULL)
            return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    }
    for (start = 0; start < n; start += BATCH_IDS) {
        size_t count = n - start < BATCH_IDS ? n - start : BATCH_IDS;
        cdb_sql_stmt *stmt;
        char *json = cdb_ids_json(ids + start, count);

        if (json == NULL) {
            rc = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
            goto done;
        }
        rc = cdb_stmt(db, sql[which], &stmt);
        if (rc == CDB_OK) {
            rc = cdb_bind_text(stmt, 1, json);
            if (rc == CDB_SQL_OK && names_json != NULL)
                rc = cdb_bind_text(stmt, 2, names_json);
            if (rc != CDB_SQL_OK) {
                cdb_stmt_done(stmt);
                rc = cdb_fail_sql(db, rc, "binding group ids");
            } else {
                rc = collect_groups(db, stmt, &found, &n_found, &cap);
            }
        }
        free(json);
        if (rc != CDB_OK)
            goto done;
    }
    /* Hand the rows out in the caller's order; a repeated id gets one copy,
     * and a row fetched twice is freed below with the rest of found. */
    keys = malloc((n_found ? n_found : 1) * sizeof *keys);
    if (keys == NULL) {
        rc = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
        goto done;
    }
    for (i = 0; i < n_found; i++)
        keys[i] = found[i]->gid_number;
    rc = cdb_pick_in_request_order(db, keys, n_found, ids, n, &pick, &n_pick);
    if (rc != CDB_OK)
        goto done;
    result = calloc(n_pick ? n_pick : 1, sizeof *result);
    if (result == NULL) {
        rc = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
        goto done;
    }
    for (i = 0; i < n_pick; i++) {
        result[i] = found[pick[i]];
        found[pick[i]] = NULL;
    }
    *out = result;
    *n_out = n_pick;
    result = NULL;
done:
    free(keys);
    free(pick);
    free(result);
    free(names_json);
    cdb_group_array_free(found, n_found);
    return rc;
}

static int check_group_name(cdb *db, const char *cn)
{
    if (cn == NULL || cn[0] == '\0')
        return cdb_fail(db, CDB_ERR_INVALID, "cn", "a group name (cn) is required");
    if (!cdb_valid_group_name(cn))
        return cdb_fail(db, CDB_ERR_INVALID, "cn", "cn " GROUP_NAME_RULE);
    if (cdb_reserved_system_name(cn))
        return cdb_fail(db, CDB_ERR_INVALID, "cn",
                        "cn '%s' is a Debian system group or account name (reserved)", cn);
    return CDB_OK;
}

int cdb_group_create(cdb *db, const char *cn, int64_t gid_number, int flags, int64_t *gid_out)
{
    cdb_sql_stmt *stmt;
    char now[32];
    int rc, in_tx = 0;

    if (db == NULL)
        return CDB_ERR_INVALID;
    if ((rc = check_group_name(db, cn)) != CDB_OK)
        return rc;
    if (gid_number < 0 || gid_number > CDB_MAX_ID)
        return cdb_fail(db, CDB_ERR_INVALID, "gidNumber",
                        "gidNumber must be 0 (allocate) or between 1 and %" PRId64, CDB_MAX_ID);
    if (gid_number != 0 && gid_number < CDB_FIRST_NON_SYSTEM_ID && !(flags & CDB_GROUP_ALLOW_SYSTEM_ID))
        return cdb_fail(db, CDB_ERR_INVALID, "gidNumber",
                        "gidNumber %" PRId64 " is in Debian's system range (below %d);"
                        " allow it explicitly if that is meant", gid_number, CDB_FIRST_NON_SYSTEM_ID);
    if ((rc = cdb_tx_begin(db)) != CDB_OK)
        return rc;
    in_tx = 1;
    if (gid_number == 0) {
        if ((rc = cdb_next_gid(db, &gid_number)) != CDB_OK)
            goto done;
        if (gid_number > CDB_MAX_ID) {
            rc = cdb_fail(db, CDB_ERR_INVALID, "gidNumber", "no gidNumber is left to allocate");
            goto done;
        }
    }
    rc = cdb_stmt(db,
                  "INSERT INTO Groups (gidNumber, cn, isAdministrator, createdAt, updatedAt)"
                  " VALUES (?1, ?2, ?3, ?4, ?4)",
                  &stmt);
    if (rc != CDB_OK)
        goto done;
    cdb_now_iso(now);
    if (cdb_bind_int64(stmt, 1, gid_number) != CDB_SQL_OK ||
        cdb_bind_text(stmt, 2, cn) != CDB_SQL_OK ||
        cdb_bind_int(stmt, 3, (flags & CDB_GROUP_ADMINISTRATOR) ? 1 : 0) != CDB_SQL_OK ||
        cdb_bind_text(stmt, 4, now) != CDB_SQL_OK) {
        cdb_stmt_done(stmt);
        rc = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
        goto done;
    }
    if ((rc = cdb_stmt_exec(db, stmt, "creating the group")) != CDB_OK)
        goto done;
    rc = cdb_tx_commit(db);
    in_tx = 0;
    if (rc == CDB_OK && gid_out != NULL)
        *gid_out = gid_number;
done:
    if (in_tx)
        cdb_tx_rollback(db);
    return rc;
}

int cdb_group_update(cdb *db, int64_t gid_number, unsigned fields, const char *cn,
                     int is_administrator)
{
    cdb_sql_stmt *stmt;
    char now[32];
    int rc, step;

    if (db == NULL)
        return CDB_ERR_INVALID;
    if (fields & ~(unsigned)(CDB_GF_CN | CDB_GF_IS_ADMINISTRATOR))
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "unknown group field flags 0x%x", fields);
    if ((fields & CDB_GF_CN) && (rc = check_group_name(db, cn)) != CDB_OK)
        return rc;
    /* One statement: unchanged fields keep their value through the CASE. */
    rc = cdb_stmt(db,
                  "UPDATE Groups SET cn = CASE WHEN ?2 THEN ?3 ELSE cn END,"
                  " isAdministrator = CASE WHEN ?4 THEN ?5 ELSE isAdministrator END,"
                  " updatedAt = ?6 WHERE gidNumber = ?1",
                  &stmt);
    if (rc != CDB_OK)
        return rc;
    cdb_now_iso(now);
    if (cdb_bind_int64(stmt, 1, gid_number) != CDB_SQL_OK ||
        cdb_bind_int(stmt, 2, (fields & CDB_GF_CN) != 0) != CDB_SQL_OK ||
        cdb_bind_text(stmt, 3, (fields & CDB_GF_CN) ? cn : NULL) != CDB_SQL_OK ||
        cdb_bind_int(stmt, 4, (fields & CDB_GF_IS_ADMINISTRATOR) != 0) != CDB_SQL_OK ||
        cdb_bind_int(stmt, 5, is_administrator ? 1 : 0) != CDB_SQL_OK ||
        cdb_bind_text(stmt, 6, now) != CDB_SQL_OK) {
        cdb_stmt_done(stmt);
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    }
    step = cdb_step(stmt);
    if (step != CDB_SQL_DONE)
        rc = cdb_fail_sql(db, step, "updating the group");
    else if (cdb_changes(db) == 0)
        rc = cdb_fail(db, CDB_ERR_NOTFOUND, "gidNumber", "no group with gidNumber %" PRId64,
                      gid_number);
    cdb_stmt_done(stmt);
    return rc;
}

int cdb_group_delete(cdb *db, int64_t gid_number)
{
    cdb_sql_stmt *stmt;
    int rc, step;

    if (db == NULL)
        return CDB_ERR_INVALID;
    /* The seeded groups carry meaning (primary group, administrators). */
    if (gid_number == CDB_GID_LDAPUSERS || gid_number == CDB_GID_SYSADMINS)
        return cdb_fail(db, CDB_ERR_CONSTRAINT, "gidNumber",
                        "the default groups ldapusers and sysadmins cannot be deleted");
    rc = cdb_stmt(db, "DELETE FROM Groups WHERE gidNumber = ?1", &stmt);
    if (rc != CDB_OK)
        return rc;
    if (cdb_bind_int64(stmt, 1, gid_number) != CDB_SQL_OK) {
        cdb_stmt_done(stmt);
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    }
    step = cdb_step(stmt);
    if (step != CDB_SQL_DONE)
        rc = cdb_fail_sql(db, step, "deleting the group");
    else if (cdb_changes(db) == 0)
        rc = cdb_fail(db, CDB_ERR_NOTFOUND, "gidNumber", "no group with gidNumber %" PRId64,
                      gid_number);
    cdb_stmt_done(stmt);
    return rc;
}

int cdb_membership_add(cdb *db, int64_t uid_number, int64_t gid_number)
{
    cdb_sql_stmt *stmt;
    char now[32];
    int rc;

    if (db == NULL)
        return CDB_ERR_INVALID;
    rc = cdb_stmt(db,
                  "INSERT INTO UserGroups (uidNumber, gidNumber, createdAt, updatedAt)"
                  " VALUES (?1, ?2, ?3, ?3)",
                  &stmt);
    if (rc != CDB_OK)
        return rc;
    cdb_now_iso(now);
    if (cdb_bind_int64(stmt, 1, uid_number) != CDB_SQL_OK ||
        cdb_bind_int64(stmt, 2, gid_number) != CDB_SQL_OK ||
        cdb_bind_text(stmt, 3, now) != CDB_SQL_OK) {
        cdb_stmt_done(stmt);
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    }
    rc = cdb_stmt_exec(db, stmt, "adding the membership");
    if (rc == CDB_ERR_CONSTRAINT)
        rc = cdb_fail(db, CDB_ERR_CONSTRAINT, NULL,
                      "no user %" PRId64 " or no group %" PRId64 " to join", uid_number,
                      gid_number);
    else if (rc == CDB_ERR_CONFLICT)
        rc = cdb_fail(db, CDB_ERR_CONFLICT, "UserGroups.uidNumber,gidNumber",
                      "user %" PRId64 " is already a member of group %" PRId64, uid_number,
                      gid_number);
    return rc;
}

int cdb_membership_remove(cdb *db, int64_t uid_number, int64_t gid_number)
{
    cdb_sql_stmt *stmt;
    int rc, step;

    if (db == NULL)
        return CDB_ERR_INVALID;
    rc = cdb_stmt(db, "DELETE FROM UserGroups WHERE uidNumber = ?1 AND gidNumber = ?2", &stmt);
    if (rc != CDB_OK)
        return rc;
    if (cdb_bind_int64(stmt, 1, uid_number) != CDB_SQL_OK ||
        cdb_bind_int64(stmt, 2, gid_number) != CDB_SQL_OK) {
        cdb_stmt_done(stmt);
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    }
    step = cdb_step(stmt);
    if (step != CDB_SQL_DONE)
        rc = cdb_fail_sql(db, step, "removing the membership");
    else if (cdb_changes(db) == 0)
        rc = cdb_fail(db, CDB_ERR_NOTFOUND, NULL,
                      "user %" PRId64 " is not a member of group %" PRId64, uid_number,
                      gid_number);
    cdb_stmt_done(stmt);
    return rc;
}
