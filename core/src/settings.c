/*
 * settings.c: the Settings key/value table (push-notification switches and
 * whatever later features need).
 */
#include <stdlib.h>
#include <string.h>

#include <clusterdb/access.h>
#include <clusterdb/settings.h>

#include <clusterdb/validate.h>

#include "internal.h"

#define MAX_KEY_LEN 255

static int check_key(cdb *db, const char *key)
{
    size_t len;

    if (key == NULL || key[0] == '\0')
        return cdb_fail(db, CDB_ERR_INVALID, "key", "a setting key must not be empty");
    len = strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");
    if (key[len] != '\0')
        return cdb_fail(db, CDB_ERR_INVALID, "key",
                        "a setting key may only hold letters, digits, '_', '.' and '-'");
    if (len > MAX_KEY_LEN)
        return cdb_fail(db, CDB_ERR_INVALID, "key", "a setting key is at most %d characters",
                        MAX_KEY_LEN);
    return CDB_OK;
}

/* Look one key up; *value_out is NULL when the key is absent. */
static int lookup(cdb *db, const char *key, char **value_out)
{
    cdb_sql_stmt *stmt;
    char *value = NULL;
    int rc;

    rc = cdb_stmt(db, "SELECT value FROM Settings WHERE key = ?", &stmt);
    if (rc != CDB_OK)
        return rc;
    cdb_bind_text(stmt, 1, key);
    rc = cdb_step(stmt);
    if (rc == CDB_SQL_ROW) {
        rc = cdb_column_strdup(stmt, 0, &value) == 0
                 ? CDB_OK
                 : cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory reading a setting");
    } else if (rc == CDB_SQL_DONE) {
        rc = CDB_OK;
    } else {
        rc = cdb_fail_sql(db, rc, "reading a setting");
    }
    cdb_stmt_done(stmt);
    if (rc == CDB_OK)
        *value_out = value;
    return rc;
}

int cdb_setting_get(cdb *db, const char *key, char **value_out)
{
    char *value = NULL;
    int rc = check_key(db, key);

    if (rc != CDB_OK)
        return rc;
    rc = lookup(db, key, &value);
    if (rc != CDB_OK)
        return rc;
    if (value == NULL)
        return cdb_fail(db, CDB_ERR_NOTFOUND, "key", "no setting %s", key);
    *value_out = value;
    return CDB_OK;
}

/* http:// to this machine only: nothing on a network sees the request. */
static int loopback_http(const char *url)
{
    static const char *const hosts[] = {"http://127.0.0.1", "http://[::1]", "http://localhost"};

    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        size_t n = strlen(hosts[i]);
        if (strncmp(url, hosts[i], n) == 0 && (url[n] == ':' || url[n] == '/' || url[n] == '\0'))
            return 1;
    }
    return 0;
}

#define MIN_LENGTH_RULE                                                                      \
    CDB_SETTING_PASSWORD_MIN_LENGTH " must be a whole number of characters from %d to %d"      \
    " (delete the setting for the default, %d)",                                              \
        CDB_PASSWORD_MIN_LENGTH_LOWEST, CDB_PASSWORD_MIN_LENGTH_HIGHEST,                        \
        CDB_DEFAULT_PASSWORD_MIN_LENGTH

/* Decimal digits only (no sign, no blanks), within the policy's bounds. */
static int parse_min_length(const char *value, size_t *out)
{
    size_t n = 0, i;

    for (i = 0; value[i] >= '0' && value[i] <= '9' && i < 4; i++)
        n = n * 10 + (size_t)(value[i] - '0');
    if (i == 0 || value[i] != '\0' || n < CDB_PASSWORD_MIN_LENGTH_LOWEST ||
        n > CDB_PASSWORD_MIN_LENGTH_HIGHEST)
        return -1;
    if (out != NULL)
        *out = n;
    return 0;
}

int cdb_password_min_length(cdb *db, size_t *out)
{
    char *value = NULL;
    size_t n;
    int rc = lookup(db, CDB_SETTING_PASSWORD_MIN_LENGTH, &value);

    if (rc != CDB_OK)
        return rc;
    if (value == NULL) {
        *out = CDB_DEFAULT_PASSWORD_MIN_LENGTH;
        return CDB_OK;
    }
    rc = parse_min_length(value, &n);
    free(value);
    if (rc != 0)
        return cdb_fail(db, CDB_ERR_INVALID, CDB_SETTING_PASSWORD_MIN_LENGTH, MIN_LENGTH_RULE);
    *out = n;
    return CDB_OK;
}

/* The values of the settings clusterdb itself reads (the rest are the
 * cluster manager's own, stored as given). */
static int check_known_value(cdb *db, const char *key, const char *value)
{
    if (strcmp(key, "push_notification_enabled") == 0 && strcmp(value, "true") != 0 &&
        strcmp(value, "false") != 0)
        return cdb_fail(db, CDB_ERR_INVALID, "value",
                        "push_notification_enabled must be true or false");
    if (strcmp(key, "push_notification_url") == 0 && value[0] != '\0' &&
        (!cdb_valid_url(value) || (strncmp(value, "https://", 8) != 0 && !loopback_http(value))))
        return cdb_fail(db, CDB_ERR_INVALID, "value",
                        "push_notification_url must be an https:// URL (http:// only to this"
                        " machine: 127.0.0.1, [::1], localhost), or empty (off)");
    if (strcmp(key, CDB_SETTING_RESERVED_PORTS) == 0) {
        cdb_port_set ports;
        if (cdb_port_set_parse(value, &ports) != 0)
            return cdb_fail(db, CDB_ERR_INVALID, "value",
                            CDB_SETTING_RESERVED_PORTS " must be a comma-separated list of ports"
                            " and ranges from 1 to 65535, e.g. " CDB_DEFAULT_RESERVED_PORTS
                            ",8000-8099 (delete the setting for the default)");
    }
    if (strcmp(key, CDB_SETTING_PASSWORD_MIN_LENGTH) == 0 && parse_min_length(value, NULL) != 0)
        return cdb_fail(db, CDB_ERR_INVALID, "value", MIN_LENGTH_RULE);
    if (strcmp(key, CDB_SETTING_SUDO_OWNERS) == 0 && strcmp(value, "yes") != 0 &&
        strcmp(value, "no") != 0)
        return cdb_fail(db, CDB_ERR_INVALID, "value", CDB_SETTING_SUDO_OWNERS " must be yes or no");
    return CDB_OK;
}

int cdb_setting_set(cdb *db, const char *key, const char *value)
{
    cdb_sql_stmt *stmt;
    char now[32];
    int rc = check_key(db, key);

    if (rc != CDB_OK)
        return rc;
    if (value == NULL)
        return cdb_fail(db, CDB_ERR_INVALID, "value", "a setting value must not be NULL");
    if ((rc = check_known_value(db, key, value)) != CDB_OK)
        return rc;
    cdb_now_iso(now);
    /* Update, else insert, in one write transaction: the engines spell an
     * upsert three ways, and this is the same on all of them. */
    if ((rc = cdb_tx_begin(db)) != CDB_OK)
        return rc;
    rc = cdb_stmt(db, "UPDATE Settings SET value = ?2, updatedAt = ?3 WHERE key = ?1", &stmt);
    if (rc == CDB_OK) {
        cdb_bind_text(stmt, 1, key);
        cdb_bind_text(stmt, 2, value);
        cdb_bind_text(stmt, 3, now);
        rc = cdb_stmt_exec(db, stmt, "writing a setting");
    }
    if (rc == CDB_OK && cdb_changes(db) == 0 &&
        (rc = cdb_stmt(db, "INSERT INTO Settings (key, value, createdAt, updatedAt)"
                           " VALUES (?1, ?2, ?3, ?3)", &stmt)) == CDB_OK) {
        cdb_bind_text(stmt, 1, key);
        cdb_bind_text(stmt, 2, value);
        cdb_bind_text(stmt, 3, now);
        rc = cdb_stmt_exec(db, stmt, "writing a setting");
    }
    if (rc != CDB_OK) {
        cdb_tx_rollback(db);
        return rc;
    }
    return cdb_tx_commit(db);
}

int cdb_setting_delete(cdb *db, const char *key)
{
    cdb_sql_stmt *stmt;
    int rc = check_key(db, key);

    if (rc != CDB_OK)
        return rc;
    rc = cdb_stmt(db, "DELETE FROM Settings WHERE key = ?", &stmt);
    if (rc != CDB_OK)
        return rc;
    cdb_bind_text(stmt, 1, key);
    rc = cdb_step(stmt);
    if (rc != CDB_SQL_DONE)
        rc = cdb_fail_sql(db, rc, "deleting a setting");
    else if (cdb_changes(db) == 0)
        rc = cdb_fail(db, CDB_ERR_NOTFOUND, "key", "no setting %s", key);
    else
        rc = CDB_OK;
    cdb_stmt_done(stmt);
    return rc;
}

void cdb_setting_array_free(cdb_setting *settings, size_t n)
{
    if (settings == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(settings[i].key);
        free(settings[i].value);
    }
    free(settings);
}

int cdb_setting_list(cdb *db, cdb_setting **out, size_t *n_out)
{
    cdb_sql_stmt *stmt;
    cdb_setting *list = NULL;
    size_t n = 0, cap = 0;
    int rc;

    rc = cdb_stmt(db, "SELECT key, value FROM Settings ORDER BY key", &stmt);
    if (rc != CDB_OK)
        return rc;
    while ((rc = cdb_step(stmt)) == CDB_SQL_ROW) {
        if (n == cap) {
            size_t new_cap = cap ? cap * 2 : 8;
            cdb_setting *grown = realloc(list, new_cap * sizeof *grown);
            if (grown == NULL)
                goto nomem;
            list = grown;
            cap = new_cap;
        }
        list[n].key = NULL;
        list[n].value = NULL;
        n++;
        if (cdb_column_strdup(stmt, 0, &list[n - 1].key) != 0 ||
            cdb_column_strdup(stmt, 1, &list[n - 1].value) != 0)
            goto nomem;
    }
    if (rc != CDB_SQL_DONE) {
        rc = cdb_fail_sql(db, rc, "listing settings");
        goto fail;
    }
    cdb_stmt_done(stmt);
    *out = list;
    *n_out = n;
    return CDB_OK;
nomem:
    rc = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory listing settings");
fail:
    cdb_stmt_done(stmt);
    cdb_setting_array_free(list, n);
    return rc;
}

int cdb_setting_get_multiple(cdb *db, const char *const *keys, size_t n_keys, cdb_setting **out)
{
    cdb_setting *list;
    int rc = CDB_OK;

    if (keys == NULL && n_keys > 0)
        return cdb_fail(db, CDB_ERR_INVALID, "keys", "no keys given");
    for (size_t i = 0; i < n_keys; i++) {
        rc = check_key(db, keys[i]);
        if (rc != CDB_OK)
            return rc;
    }
    list = calloc(n_keys ? n_keys : 1, sizeof *list);
    if (list == NULL)
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory reading settings");
    for (size_t i = 0; i < n_keys; i++) {
        list[i].key = strdup(keys[i]);
        if (list[i].key == NULL) {
            rc = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory reading settings");
            break;
        }
        rc = lookup(db, keys[i], &list[i].value);
        if (rc != CDB_OK)
            break;
    }
    if (rc != CDB_OK) {
        cdb_setting_array_free(list, n_keys);
        return rc;
    }
    *out = list;
    return CDB_OK;
}
