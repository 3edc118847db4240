/* Settings (key/value) and SessionSecrets.  Conventions as in clusterdb.h. */
#ifndef CLUSTERDB_SETTINGS_H
#define CLUSTERDB_SETTINGS_H

#include <clusterdb/clusterdb.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CDB_SETTING_PUSH_URL "push_notification_url"
#define CDB_SETTING_PUSH_ENABLED "push_notification_enabled"
/* The ports no transport service may use as its externalPort (either
 * protocol): what the site's own nginx (80, 443), dnsmasq (53, DHCP 67), sshd
 * (22) and slapd (389, 636) listen on.  Value: comma-separated ports and
 * ranges, e.g. "22,53,67,80,389,443,636,8000-8099"; validated when set; while
 * unset, CDB_DEFAULT_RESERVED_PORTS applies. */
#define CDB_SETTING_RESERVED_PORTS "transport_reserved_ports"
#define CDB_DEFAULT_RESERVED_PORTS "22,53,67,80,389,443,636"
/* The fewest characters (UTF-8 code points) a password may have, for every
 * password set through the library (CLI, LDAP add and modify, the password
 * modify extended operation).  Value: an integer from
 * CDB_PASSWORD_MIN_LENGTH_LOWEST to CDB_PASSWORD_MIN_LENGTH_HIGHEST; while
 * unset, CDB_DEFAULT_PASSWORD_MIN_LENGTH applies.  An argon2 hash given as is
 * (imports, {ARGON2} values) is outside the policy: it cannot be measured. */
#define CDB_SETTING_PASSWORD_MIN_LENGTH "password_min_length"
#define CDB_DEFAULT_PASSWORD_MIN_LENGTH 12
#define CDB_PASSWORD_MIN_LENGTH_LOWEST 8
#define CDB_PASSWORD_MIN_LENGTH_HIGHEST 256

/* *value_out is released with cdb_free(); CDB_ERR_NOTFOUND if the key is absent. */
int cdb_setting_get(cdb *db, const char *key, char **value_out);
/* Create or update.  Keys: 1-255 characters of [A-Za-z0-9_.-]. */
int cdb_setting_set(cdb *db, const char *key, const char *value);
int cdb_setting_delete(cdb *db, const char *key);
/* The password policy in force: the setting, or the default while unset.
 * CDB_ERR_INVALID (naming the setting) if the stored value is out of range,
 * which only plain SQL can write. */
int cdb_password_min_length(cdb *db, size_t *out);

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
