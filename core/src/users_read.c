/*
 * Reading users: by id, by name, many at once, counts.
 *
 * Each read is ONE statement (user columns LEFT JOINed with the memberships),
 * so a user and its groups come from one snapshot without an explicit read
 * transaction, and a batch of ids costs one query, not one per id.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterdb/passwd.h>

#include "directory_internal.h"

#define USER_COLUMNS                                                                      \
    "SELECT u.uidNumber, u.username, u.cn, u.sn, u.givenName, u.mail, u.sshPublicKey,"    \
    " u.userPassword, u.status, u.createdAt, u.updatedAt, g.gidNumber, g.cn,"             \
    " u.loginShell, u.homeDirectory"               \
    " FROM Users AS u"                                                                    \
    " LEFT JOIN UserGroups AS ug ON ug.uidNumber = u.uidNumber"                           \
    " LEFT JOIN Groups AS g ON g.gidNumber = ug.gidNumber"

#define USER_ORDER " ORDER BY u.uidNumber, g.gidNumber"

/* Ids per statement in cdb_user_get_many: bounds the JSON text and the rows held. */
#define BATCH_IDS 1000

static const char *const status_names[] = {"pending", "active", "suspended"};

const char *cdb_user_status_name(cdb_user_status status)
{
    if ((unsigned)status < sizeof status_names / sizeof status_names[0])
        return status_names[status];
    return "unknown";
}

int cdb_user_status_parse(const char *text, cdb_user_status *out)
{
    size_t i;

    for (i = 0; text != NULL && i < sizeof status_names / sizeof status_names[0]; i++) {
        if (strcmp(text, status_names[i]) == 0) {
            *out = (cdb_user_status)i;
            return CDB_OK;
        }
    }
    return CDB_ERR_INVALID;
}

void cdb_user_free(cdb_user *user)
{
    size_t i;

    if (user == NULL)
        return;
    free(user->username);
    free(user->cn);
    free(user->sn);
    free(user->given_name);
    free(user->mail);
    free(user->ssh_public_key);
    free(user->login_shell);
    free(user->home_directory);
    /* A hash is not the password, but it is what an attacker would crack. */
    cdb_free_secret(user->user_password);
    free(user->created_at);
    free(user->updated_at);
    for (i = 0; i < user->n_groups; i++)
        free(user->groups[i].cn);
    free(user->groups);
    free(user);
}

const char *cdb_user_login_shell(const cdb_user *user)
{
    return user->login_shell != NULL && user->login_shell[0] != '\0' ? user->login_shell
                                                                     : CDB_DEFAULT_LOGIN_SHELL;
}

size_t cdb_user_home_directory(const cdb_user *user, char *buf, size_t size)
{
    int n;

    if (user->home_directory != NULL && user->home_directory[0] != '\0')
        n = snprintf(buf, size, "%s", user->home_directory);
    else
        n = snprintf(buf, size, "%s%s", CDB_DEFAULT_HOME_PREFIX, user->username);
    return n < 0 ? 0 : (size_t)n;
}

void cdb_user_array_free(cdb_user **users, size_t n)
{
    size_t i;

    if (users == NULL)
        return;
    for (i = 0; i < n; i++)
        cdb_user_free(users[i]);
    free(users);
}

char *cdb_ids_json(const int64_t *ids, size_t n)
{
    /* "-9223372036854775808," is 21 bytes. */
    size_t cap = 2 + n * 21 + 1, len = 0, i;
    char *json = malloc(cap);

    if (json == NULL)
        return NULL;
    json[len++] = '[';
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(json + len, cap - len, "%s%" PRId64, i ? "," : "", ids[i]);
    json[len++] = ']';
    json[len] = '\0';
    return json;
}

char *cdb_texts_json(const char *const *texts, size_t n)
{
    size_t cap = 3, len = 0, i;
    const unsigned char *c;
    char *json;

    /* A byte takes at most 6 (\u001f), a string 3 more (quotes, comma). */
    for (i = 0; i < n; i++)
        cap += 6 * strlen(texts[i]) + 3;
    json = malloc(cap);
    if (json == NULL)
        return NULL;
    json[len++] = '[';
    for (i = 0; i < n; i++) {
        if (i > 0)
            json[len++] = ',';
        json[len++] = '"';
        for (c = (const unsigned char *)texts[i]; *c != '\0'; c++) {
            if (*c == '"' || *c == '\\') {
                json[len++] = '\\';
                json[len++] = (char)*c;
            } else if (*c < 0x20) {
                len += (size_t)snprintf(json + len, cap - len, "\\u%04x", *c);
            } else {
                json[len++] = (char)*c;
            }
        }
        json[len++] = '"';
    }
    json[len++] = ']';
    json[len] = '\0';
    return json;
}

/* Fill the user columns of the current row into a new cdb_user. */
static int user_from_row(cdb *db, cdb_sql_stmt *stmt, cdb_user **out)
{
    cdb_user *user = calloc(1, sizeof *user);
    const char *status_text;
    cdb_user_status status;

    if (user == NULL)
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory reading a user");
    user->uid_number = cdb_col_int64(stmt, 0);
    if (cdb_column_strdup(stmt, 1, &user->username) || cdb_column_strdup(stmt, 2, &user->cn) ||
        cdb_column_strdup(stmt, 3, &user->sn) || cdb_column_strdup(stmt, 4, &user->given_name) ||
        cdb_column_strdup(stmt, 5, &user->mail) ||
        cdb_column_strdup(stmt, 6, &user->ssh_public_key) ||
        cdb_column_strdup(stmt, 7, &user->user_password) ||
        cdb_column_strdup(stmt, 9, &user->created_at) ||
        cdb_column_strdup(stmt, 10, &user->updated_at) ||
        cdb_column_strdup(stmt, 13, &user->login_shell) ||
        cdb_column_strdup(stmt, 14, &user->home_directory)) {
        cdb_user_free(user);
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory reading a user");
    }
    status_text = cdb_col_text(stmt, 8);
    if (cdb_user_status_parse(status_text, &status) != CDB_OK) {
        cdb_user_free(user);
        return cdb_fail(db, CDB_ERR_INTERNAL, "status", "user %" PRId64 " has an unknown status",
                        (int64_t)cdb_col_int64(stmt, 0));
    }
    user->status = status;
    *out = user;
    return CDB_OK;
}

/* Append the group columns of the current row, if the row has a group. */
static int add_group_from_row(cdb *db, cdb_sql_stmt *stmt, cdb_user *user)
{
    cdb_user_group *grown;

    if (cdb_col_is_null(stmt, 11))
        return CDB_OK;
    grown = realloc(user->groups, (user->n_groups + 1) * sizeof *grown);
    if (grown == NULL)
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory reading memberships");
    user->groups = grown;
    grown[user->n_groups].gid_number = cdb_col_int64(stmt, 11);
    if (cdb_column_strdup(stmt, 12, &grown[user->n_groups].cn))
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory reading memberships");
    user->n_groups++;
    return CDB_OK;
}

/*
 * Step a bound statement of USER_COLUMNS ... USER_ORDER and collect the users
 * (ascending uidNumber), appending to *users / *n.  Always finishes the
 * statement.
 */
static int collect_users(cdb *db, cdb_sql_stmt *stmt, cdb_user ***users, size_t *n,
                         size_t *cap)
{
    cdb_user *current = NULL;
    int rc, step;

    while ((step = cdb_step(stmt)) == CDB_SQL_ROW) {
        int64_t uid = cdb_col_int64(stmt, 0);

        if (current == NULL || current->uid_number != uid) {
            if (*n == *cap) {
                size_t new_cap = *cap ? *cap * 2 : 8;
                cdb_user **grown = realloc(*users, new_cap * sizeof *grown);
                if (grown == NULL) {
                    rc = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory reading users");
                    goto done;
                }
                *users = grown;
                *cap = new_cap;
            }
            rc = user_from_row(db, stmt, &current);
            if (rc != CDB_OK)
                goto done;
            (*users)[(*n)++] = current;
        }
        rc = add_group_from_row(db, stmt, current);
        if (rc != CDB_OK)
            goto done;
    }
    rc = step == CDB_SQL_DONE ? CDB_OK : cdb_fail_sql(db, step, "reading users");
done:
    cdb_stmt_done(stmt);
    return rc;
}

/* Run a one-parameter user query and return the single user it finds. */
static int load_one(cdb *db, const char *sql, int64_t id, const char *name, cdb_user **out)
{
    cdb_sql_stmt *stmt;
    cdb_user **users = NULL;
    size_t n = 0, cap = 0;
    int rc;

    rc = cdb_stmt(db, sql, &stmt);
    if (rc != CDB_OK)
        return rc;
    if (name != NULL)
        rc = cdb_bind_text(stmt, 1, name);
    else
        rc = cdb_bind_int64(stmt, 1, id);
    if (rc != CDB_SQL_OK) {
        cdb_stmt_done(stmt);
        return cdb_fail_sql(db, rc, "binding a user key");
    }
    rc = collect_users(db, stmt, &users, &n, &cap);
    if (rc == CDB_OK && n == 0) {
        rc = name ? cdb_fail(db, CDB_ERR_NOTFOUND, "username", "no user named \"%s\"", name)
                  : cdb_fail(db, CDB_ERR_NOTFOUND, "uidNumber", "no user with uidNumber %" PRId64,
                             id);
    }
    if (rc == CDB_OK) {
        *out = users[0];
        users[0] = NULL;
    }
    cdb_user_array_free(users, n);
    return rc;
}

int cdb_user_load_by_id(cdb *db, int64_t uid_number, cdb_user **out)
{
    return load_one(db, USER_COLUMNS " WHERE u.uidNumber = ?1" USER_ORDER, uid_number, NULL,
                    out);
}

int cdb_user_get(cdb *db, int64_t uid_number, cdb_user **out)
{
    if (db == NULL || out == NULL)
        return CDB_ERR_INVALID;
    return cdb_user_load_by_id(db, uid_number, out);
}

int cdb_user_get_by_name(cdb *db, const char *username, cdb_user **out)
{
    if (db == NULL || out == NULL)
        return CDB_ERR_INVALID;
    if (username == NULL)
        return cdb_fail(db, CDB_ERR_INVALID, "username", "a username is required");
    /* The NOCASE comparison finds the row through the unique index; the
     * BINARY one keeps the documented exact match. */
    return load_one(db,
                    USER_COLUMNS " WHERE u.username = ?1 AND u.username = ?1 COLLATE BINARY"
                                 USER_ORDER,
                    0, username, out);
}

struct keyed_row {
    int64_t key;
    size_t row;
};

static int compare_keyed_rows(const void *a, const void *b)
{
    const struct keyed_row *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row; /* keep the first fetched copy first */
}

static int compare_key_to_row(const void *key, const void *element)
{
    int64_t k = *(const int64_t *)key;
    const struct keyed_row *r = element;

    return k < r->key ? -1 : k > r->key;
}

int cdb_pick_in_request_order(cdb *db, const int64_t *keys, size_t n_keys, const int64_t *ids,
                              size_t n, size_t **pick_out, size_t *n_pick_out)
{
    struct keyed_row *sorted = calloc(n_keys ? n_keys : 1, sizeof *sorted);
    unsigned char *taken = calloc(n_keys ? n_keys : 1, 1);
    size_t *pick = calloc(n_keys ? n_keys : 1, sizeof *pick);
    size_t n_sorted = 0, n_pick = 0, i;

    if (sorted == NULL || taken == NULL || pick == NULL) {
        free(sorted);
        free(taken);
        free(pick);
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    }
    for (i = 0; i < n_keys; i++)
        sorted[i] = (struct keyed_row){ keys[i], i };
    qsort(sorted, n_keys, sizeof *sorted, compare_keyed_rows);
    /* Drop later copies of a row fetched twice. */
    for (i = 0; i < n_keys; i++)
        if (n_sorted == 0 || sorted[n_sorted - 1].key != sorted[i].key)
            sorted[n_sorted++] = sorted[i];
    for (i = 0; i < n; i++) {
        struct keyed_row *hit = bsearch(&ids[i], sorted, n_sorted, sizeof *sorted, compare_key_to_row);
        if (hit != NULL && !taken[hit - sorted]) {
            taken[hit - sorted] = 1;
            pick[n_pick++] = hit->row;
        }
    }
    free(sorted);
    free(taken);
    *pick_out = pick;
    *n_pick_out = n_pick;
    return CDB_OK;
}

int cdb_user_get_many(cdb *db, const int64_t *ids, size_t n, cdb_user ***out, size_t *n_out)
{
    cdb_user **found = NULL, **result = NULL;
    int64_t *keys = NULL;
    size_t *pick = NULL;
    size_t n_found = 0, cap = 0, n_pick = 0, start, i;
    int rc = CDB_OK;

    if (db == NULL || out == NULL || n_out == NULL || (ids == NULL && n > 0))
        return CDB_ERR_INVALID;
    for (start = 0; start < n; start += BATCH_IDS) {
        size_t count = n - start < BATCH_IDS ? n - start : BATCH_IDS;
        cdb_sql_stmt *stmt;
        char *json;

        json = cdb_ids_json(ids + start, count);
        if (json == NULL) {
            rc = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
            goto done;
        }
        rc = cdb_stmt(db,
                      USER_COLUMNS " WHERE u.uidNumber IN (SELECT CAST(value AS INTEGER) FROM json_each(?1))"
                                   USER_ORDER,
                      &stmt);
        if (rc == CDB_OK) {
            rc = cdb_bind_text(stmt, 1, json);
            if (rc != CDB_SQL_OK) {
                cdb_stmt_done(stmt);
                rc = cdb_fail_sql(db, rc, "binding user ids");
            } else {
                rc = collect_users(db, stmt, &found, &n_found, &cap);
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
        keys[i] = found[i]->uid_number;
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
    cdb_user_array_free(found, n_found);
    return rc;
}

static int count_rows(cdb *db, const char *sql, int64_t *count)
{
    cdb_sql_stmt *stmt;
    int rc, step;

    if (db == NULL || count == NULL)
        return CDB_ERR_INVALID;
    rc = cdb_stmt(db, sql, &stmt);
    if (rc != CDB_OK)
        return rc;
    step = cdb_step(stmt);
    if (step == CDB_SQL_ROW) {
        *count = cdb_col_int64(stmt, 0);
        rc = CDB_OK;
    } else {
        rc = cdb_fail_sql(db, step, "counting rows");
    }
    cdb_stmt_done(stmt);
    return rc;
}

int cdb_user_count(cdb *db, int64_t *count)
{
    return count_rows(db, "SELECT COUNT(*) FROM Users", count);
}

int cdb_group_count(cdb *db, int64_t *count)
{
    return count_rows(db, "SELECT COUNT(*) FROM Groups", count);
}

int cdb_user_is_administrator(cdb *db, int64_t uid_number, int *is_admin)
{
    cdb_sql_stmt *stmt;
    int rc, step;

    if (db == NULL || is_admin == NULL)
        return CDB_ERR_INVALID;
    rc = cdb_stmt(db,
                  "SELECT EXISTS (SELECT 1 FROM UserGroups AS ug"
                  " JOIN Groups AS g ON g.gidNumber = ug.gidNumber"
                  " WHERE ug.uidNumber = ?1 AND g.isAdministrator = 1),"
                  " EXISTS (SELECT 1 FROM Users WHERE uidNumber = ?1)",
                  &stmt);
    if (rc != CDB_OK)
        return rc;
    rc = cdb_bind_int64(stmt, 1, uid_number);
    step = rc == CDB_SQL_OK ? cdb_step(stmt) : rc;
    if (step != CDB_SQL_ROW)
        rc = cdb_fail_sql(db, step, "checking administrator membership");
    else if (!cdb_col_int(stmt, 1))
        rc = cdb_fail(db, CDB_ERR_NOTFOUND, "uidNumber", "no user with uidNumber %" PRId64,
                      uid_number);
    else {
        *is_admin = cdb_col_int(stmt, 0);
        rc = CDB_OK;
    }
    cdb_stmt_done(stmt);
    return rc;
}
