/* Settings (key/value) and SessionSecrets.  Conventions as in clusterdb.h. */
#ifndef CLUSTERDB_SETTINGS_H
#define CLUSTERDB_SETTINGS_H

#include <clusterdb/clusterdb.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CDB_SETTING_PUSH_URL "push_notification_url"
#define CDB_SETTING_PUSH_ENABLED "push_notification_enabled"

/* *value_out is released with cdb_free(); CDB_ERR_NOTFOUND if the key is absent. */
int cdb_setting_get(cdb *db, const char *key, char **value_out);
/* Create or update.  Keys: 1-255 characters of [A-Za-z0-9_.-]. */
int cdb_setting_set(cdb *db, const char *key, const char *value);
int cdb_setting_delete(cdb *db, const char *key);

typedef struct cdb_setting {
    char *key;
    char *value;
} cdb_setting;
void cdb_setting_array_free(cdb_setting *settings, size_t n);
/* All settings, ordered by key. */
int cdb_setting_list(cdb *db, cdb_setting **out, size_t *n_out);
/* The named keys, in the order given; a missing key has value NULL. */
int cdb_setting_get_multiple(cdb *db, const char *const *keys, size_t n_keys,
                             cdb_setting **out);

typedef struct cdb_session_secret {
    int64_t id;
    char *secret;
    char *created_at;
} cdb_session_secret;
void cdb_session_secret_array_free(cdb_session_secret *secrets, size_t n);
/* A new random secret of `length` characters (32-64; 0 means 64) from the OS CSPRNG. */
int cdb_session_secret_create(cdb *db, size_t length, int64_t *id_out);
int cdb_session_secret_list(cdb *db, cdb_session_secret **out, size_t *n_out);
int cdb_session_secret_delete(cdb *db, int64_t id);

#ifdef __cplusplus
}
#endif
#endif
