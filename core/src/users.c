/*
 * Writing users: create, update, delete.
 *
 * Rules live here exactly once: field validation, cn/sn defaults, uidNumber
 * allocation inside the insert's BEGIN IMMEDIATE transaction, and the first
 * user becoming an active sysadmin.  Logins are in users_login.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterdb/passwd.h>
#include <clusterdb/settings.h>
#include <clusterdb/validate.h>

#include "directory_internal.h"

#define USERNAME_RULE "must be a POSIX login name: [a-z_][a-z0-9_.-]{0,31}"
#define TEXT_RULE "must be at most 256 bytes of UTF-8 text without control characters"

/* The values a user row will hold once a create or an update is applied. */
struct user_values {
    char *username;
    char *cn;
    char *sn;
    char *given_name;
    char *mail;
    char *ssh_public_key;
    char *user_password;
    char *login_shell;
    char *home_directory;
    cdb_user_status status;
};

static void user_values_clear(struct user_values *v)
{
    free(v->username);
    free(v->cn);
    free(v->sn);
    free(v->given_name);
    free(v->mail);
    free(v->ssh_public_key);
    cdb_free_secret(v->user_password);
    free(v->login_shell);
    free(v->home_directory);
    memset(v, 0, sizeof *v);
}

/* Replace *slot with a copy of value (NULL allowed). */
static int set_string(cdb *db, char **slot, const char *value)
{
    char *copy = NULL;

    if (value != NULL && (copy = strdup(value)) == NULL)
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    free(*slot);
    *slot = copy;
    return CDB_OK;
}

/* Optional text: "" means unset, like NULL. */
static const char *optional(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

/*
 * Normalise an sshPublicKey text: strip trailing CR/blanks of each line, drop
 * empty lines, join with '\n'.  *out is NULL when no key remains.  Fails with
 * CDB_ERR_INVALID (errfield "sshPublicKey") naming the bad line.
 */
static int cdb_ssh_keys_normalize(cdb *db, const char *text, char **out)
{
    size_t in_len, used = 0, line_no = 0;
    const char *p;
    char *buf;

    if (text == NULL) {
        *out = NULL;
        return CDB_OK;
    }
    in_len = strnlen(text, CDB_SSH_KEYS_MAX + 1);
    if (in_len > CDB_SSH_KEYS_MAX)
        return cdb_fail(db, CDB_ERR_INVALID, "sshPublicKey",
                        "sshPublicKey must be at most %d bytes in total", CDB_SSH_KEYS_MAX);
    buf = malloc(in_len + 1);
    if (buf == NULL)
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    for (p = text; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);

        line_no++;
        /* Pasted keys often carry CRLF or trailing blanks: not part of a key. */
        while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n > 0) {
            if (used > 0)
                buf[used++] = '\n';
            memcpy(buf + used, p, n);
            buf[used + n] = '\0';
            if (!cdb_valid_ssh_key(buf + used)) {
                free(buf);
                return cdb_fail(db, CDB_ERR_INVALID, "sshPublicKey",
                                "sshPublicKey line %zu is not an OpenSSH public key"
                                " (\"<type> <base64> [comment]\" with a supported type)",
                                line_no);
            }
            used += n;
        }
        p += nl ? (size_t)(nl - p) + 1 : strlen(p);
    }
    buf[used] = '\0';
    if (used == 0) {
        free(buf);
        buf = NULL;
    }
    *out = buf;
    return CDB_OK;
}

/* Validate one field of the input; `field` is the LDAP/column name. */
static int check_text(cdb *db, const char *field, const char *value)
{
    if (value != NULL && !cdb_valid_text(value, CDB_NAME_TEXT_MAX))
        return cdb_fail(db, CDB_ERR_INVALID, field, "%s " TEXT_RULE, field);
    return CDB_OK;
}

static int check_username(cdb *db, const char *username)
{
    if (username == NULL || username[0] == '\0')
        return cdb_fail(db, CDB_ERR_INVALID, "username", "username is required");
    if (!cdb_valid_username(username))
        return cdb_fail(db, CDB_ERR_INVALID, "username", "username " USERNAME_RULE);
    if (cdb_reserved_system_name(username))
        return cdb_fail(db, CDB_ERR_INVALID, "username",
                        "username '%s' is a Debian system account or group name (reserved)",
                        username);
    return CDB_OK;
}

static int check_mail(cdb *db, const char *mail)
{
    if (mail != NULL && !cdb_valid_mail(mail))
        return cdb_fail(db, CDB_ERR_INVALID, "mail",
                        "mail must be an address like user@example.com (ASCII local part,"
                        " dotted domain, at most 254 bytes)");
    return CDB_OK;
}

/* loginShell / homeDirectory: NULL (after optional()) is the default. */
static int check_login_path(cdb *db, const char *field, const char *value)
{
    if (value != NULL && !cdb_valid_login_path(value, CDB_LOGIN_PATH_MAX))
        return cdb_fail(db, CDB_ERR_INVALID, field,
                        "%s must be an absolute path of at most %d printable ASCII characters"
                        " without ':' (or empty for the default)",
                        field, CDB_LOGIN_PATH_MAX);
    return CDB_OK;
}

static int check_status(cdb *db, int status)
{
    if (status < CDB_USER_PENDING || status > CDB_USER_SUSPENDED)
        return cdb_fail(db, CDB_ERR_INVALID, "status",
                        "status must be pending, active or suspended");
    return CDB_OK;
}

/* The password policy, the one place every plaintext password passes
 * through (create, update: CLI, LDAP add and modify, password modify). */
static int check_password_policy(cdb *db, const char *password)
{
    size_t min_length;
    int rc;

    /* LDAP treats a simple bind with an empty password as anonymous. */
    if (password[0] == '\0')
        return cdb_fail(db, CDB_ERR_INVALID, "userPassword",
                        "userPassword must not be empty (give no password instead)");
    if ((rc = cdb_password_min_length(db, &min_length)) != CDB_OK)
        return rc;
    if (cdb_utf8_length(password, strlen(password)) < min_length)
        return cdb_fail(db, CDB_ERR_INVALID, "userPassword",
                        "userPassword must be at least %zu characters (setting "
                        CDB_SETTING_PASSWORD_MIN_LENGTH ")",
                        min_length);
    return CDB_OK;
}

/* The PHC string to store: hash a plaintext or check an imported hash (a
 * hash cannot be measured, so the policy is for plaintext only). */
static int resolve_password(cdb *db, const char *password, const char *password_hash,
                            int use_plain, char **out)
{
    int rc;

    *out = NULL;
    if (use_plain) {
        if (password == NULL)
            return CDB_OK;
        if ((rc = check_password_policy(db, password)) != CDB_OK)
            return rc;
        rc = cdb_password_hash(password, strlen(password), NULL, out);
        if (rc != CDB_OK)
            return cdb_fail(db, rc, "userPassword", "hashing the password failed");
        return CDB_OK;
    }
    if (password_hash == NULL)
        return CDB_OK;
    if (!cdb_password_is_phc(password_hash))
        return cdb_fail(db, CDB_ERR_INVALID, "userPassword",
                        "userPassword hash must be an argon2 PHC string"
                        " ($argon2id$v=19$m=...,t=...,p=...$salt$hash)");
    *out = strdup(password_hash);
    return *out ? CDB_OK : cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
}

/* cn: "givenName sn" when both are set, otherwise the username. */
static int default_cn(cdb *db, struct user_values *v, const char *given_name, const char *sn)
{
    size_t given_len, sn_len;
    char *cn;

    if (given_name == NULL || sn == NULL)
        return set_string(db, &v->cn, v->username);
    given_len = strlen(given_name);
    sn_len = strlen(sn);
    cn = malloc(given_len + 1 + sn_len + 1);
    if (cn == NULL)
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    memcpy(cn, given_name, given_len);
    cn[given_len] = ' ';
    memcpy(cn + given_len + 1, sn, sn_len + 1);
    free(v->cn);
    v->cn = cn;
    return CDB_OK;
}

/* Bind the row values to ?1..?8, ?11 and ?12 of an INSERT/UPDATE. */
static int bind_values(cdb *db, cdb_sql_stmt *stmt, const struct user_values *v)
{
    int rc = CDB_SQL_OK;

    if (rc == CDB_SQL_OK)
        rc = cdb_bind_text(stmt, 1, v->username);
    if (rc == CDB_SQL_OK)
        rc = cdb_bind_text(stmt, 2, v->cn);
    if (rc == CDB_SQL_OK)
        rc = cdb_bind_text(stmt, 3, v->sn);
    if (rc == CDB_SQL_OK)
        rc = cdb_bind_text(stmt, 4, v->given_name);
    if (rc == CDB_SQL_OK)
        rc = cdb_bind_text(stmt, 5, v->mail);
    if (rc == CDB_SQL_OK)
        rc = cdb_bind_text(stmt, 6, v->ssh_public_key);
    if (rc == CDB_SQL_OK)
        rc = cdb_bind_text(stmt, 7, v->user_password);
    if (rc == CDB_SQL_OK)
        rc = cdb_bind_text(stmt, 8, cdb_user_status_name(v->status));
    if (rc == CDB_SQL_OK)
        rc = cdb_bind_text(stmt, 11, v->login_shell);
    if (rc == CDB_SQL_OK)
        rc = cdb_bind_text(stmt, 12, v->home_directory);
    return rc == CDB_SQL_OK ? CDB_OK : cdb_fail_sql(db, rc, "binding user values");
}

static int insert_user(cdb *db, int64_t uid, const struct user_values *v)
{
    cdb_sql_stmt *stmt;
    char now[32];
    int rc;

    rc = cdb_stmt(db,
                  "INSERT INTO Users (username, cn, sn, givenName, mail, sshPublicKey,"
                  " userPassword, status, uidNumber, createdAt, updatedAt, loginShell,"
                  " homeDirectory)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12)",
                  &stmt);
    if (rc != CDB_OK)
        return rc;
    cdb_now_iso(now);
    rc = bind_values(db, stmt, v);
    if (rc == CDB_OK) {
        int bind_rc = cdb_bind_int64(stmt, 9, uid);
        if (bind_rc == CDB_SQL_OK)
            bind_rc = cdb_bind_text(stmt, 10, now);
        rc = cdb_fail_sql(db, bind_rc, "binding user values");
    }
    if (rc != CDB_OK) {
        cdb_stmt_done(stmt);
        return rc;
    }
    return cdb_stmt_exec(db, stmt, "creating the user");
}

static int add_to_sysadmins(cdb *db, int64_t uid)
{
    cdb_sql_stmt *stmt;
    char now[32];
    int rc;

    rc = cdb_stmt(db,
                  "INSERT INTO UserGroups (uidNumber, gidNumber, createdAt, updatedAt)"
                  " VALUES (?1, ?2, ?3, ?3)",
                  &stmt);
    if (rc != CDB_OK)
        return rc;
    cdb_now_iso(now);
    if (cdb_bind_int64(stmt, 1, uid) != CDB_SQL_OK ||
        cdb_bind_int64(stmt, 2, CDB_GID_SYSADMINS) != CDB_SQL_OK ||
        cdb_bind_text(stmt, 3, now) != CDB_SQL_OK) {
        cdb_stmt_done(stmt);
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    }
    return cdb_stmt_exec(db, stmt, "adding the first user to sysadmins");
}

/* A uidNumber given for a new user must never have been used: at least
 * `next` (what allocation would give), at most CDB_MAX_ID. */
static int check_given_uid(cdb *db, int64_t uid, int64_t next)
{
    if (uid > CDB_MAX_ID)
        return cdb_fail(db, CDB_ERR_INVALID, "uidNumber",
                        "uidNumber must be at most %" PRId64, CDB_MAX_ID);
    if (uid < next)
        return cdb_fail(db, CDB_ERR_CONFLICT, "uidNumber",
                        "uidNumber %" PRId64 " is or was in use (numbers are never reused;"
                        " the next free one is %" PRId64 ")", uid, next);
    return CDB_OK;
}

int cdb_user_create(cdb *db, const cdb_user_input *in, int by_admin, int64_t *uid_out)
{
    struct user_values v = {0};
    const char *given_name, *sn, *cn;
    int64_t uid;
    int rc, in_tx = 0, first_ever = 0;

    if (db == NULL || in == NULL)
        return CDB_ERR_INVALID;
    given_name = optional(in->given_name);
    sn = optional(in->sn);
    cn = optional(in->cn);
    /* Everything that can be checked without the database, before the write
     * lock: hashing takes a while and must not hold other writers up. */
    if ((rc = check_username(db, in->username)) != CDB_OK ||
        (rc = check_text(db, "cn", cn)) != CDB_OK || (rc = check_text(db, "sn", sn)) != CDB_OK ||
        (rc = check_text(db, "givenName", given_name)) != CDB_OK ||
        (rc = check_mail(db, optional(in->mail))) != CDB_OK ||
        (rc = check_login_path(db, "loginShell", optional(in->login_shell))) != CDB_OK ||
        (rc = check_login_path(db, "homeDirectory", optional(in->home_directory))) != CDB_OK)
        goto done;
    if (in->status != -1 && (rc = check_status(db, in->status)) != CDB_OK)
        goto done;
    if (in->password != NULL && in->password_hash != NULL) {
        rc = cdb_fail(db, CDB_ERR_INVALID, "userPassword",
                      "give either a password or a password hash, not both");
        goto done;
    }
    if ((rc = set_string(db, &v.username, in->username)) != CDB_OK ||
        (rc = set_string(db, &v.given_name, given_name)) != CDB_OK ||
        (rc = set_string(db, &v.mail, optional(in->mail))) != CDB_OK ||
        (rc = set_string(db, &v.login_shell, optional(in->login_shell))) != CDB_OK ||
        (rc = set_string(db, &v.home_directory, optional(in->home_directory))) != CDB_OK ||
        (rc = set_string(db, &v.sn, sn ? sn : in->username)) != CDB_OK)
        goto done;
    rc = cn ? set_string(db, &v.cn, cn) : default_cn(db, &v, given_name, sn);
    if (rc != CDB_OK)
        goto done;
    if ((rc = cdb_ssh_keys_normalize(db, in->ssh_public_key, &v.ssh_public_key)) != CDB_OK ||
        (rc = resolve_password(db, in->password, in->password_hash, in->password != NULL,
                               &v.user_password)) != CDB_OK)
        goto done;

    if ((rc = cdb_tx_begin(db)) != CDB_OK)
        goto done;
    in_tx = 1;
    if ((rc = cdb_next_uid(db, &uid, &first_ever)) != CDB_OK)
        goto done;
    if (in->uid_number != 0) {
        /* Given by the caller (imports, LDAP add with uidNumber): checked in
         * this transaction, so nobody takes it between the check and the insert. */
        if ((rc = check_given_uid(db, in->uid_number, uid)) != CDB_OK)
            goto done;
        uid = in->uid_number;
    }
    if (first_ever) {
        /* The first user: nobody else could approve it, so it administers. */
        v.status = CDB_USER_ACTIVE;
    } else if (in->status != -1) {
        v.status = (cdb_user_status)in->status;
    } else {
        v.status = by_admin ? CDB_USER_ACTIVE : CDB_USER_PENDING;
    }
    if ((rc = insert_user(db, uid, &v)) != CDB_OK)
        goto done;
    if ((first_ever || in->administrator) && (rc = add_to_sysadmins(db, uid)) != CDB_OK)
        goto done;
    rc = cdb_tx_commit(db);
    in_tx = 0;
    if (rc == CDB_OK && uid_out != NULL)
        *uid_out = uid;
done:
    if (in_tx)
        cdb_tx_rollback(db);
    user_values_clear(&v);
    return rc;
}

/* Read the stored values of one user inside the update's transaction. */
static int load_values(cdb *db, int64_t uid, struct user_values *v)
{
    cdb_user *user = NULL;
    int rc = cdb_user_load_by_id(db, uid, &user);

    if (rc != CDB_OK)
        return rc;
    v->username = user->username;
    v->cn = user->cn;
    v->sn = user->sn;
    v->given_name = user->given_name;
    v->mail = user->mail;
    v->ssh_public_key = user->ssh_public_key;
    v->user_password = user->user_password;
    v->login_shell = user->login_shell;
    v->home_directory = user->home_directory;
    v->status = user->status;
    user->username = user->cn = user->sn = user->given_name = user->mail = NULL;
    user->ssh_public_key = user->user_password = NULL;
    user->login_shell = user->home_directory = NULL;
    cdb_user_free(user);
    return CDB_OK;
}

#define CDB_UF_ALL                                                                          \
    (CDB_UF_USERNAME | CDB_UF_CN | CDB_UF_SN | CDB_UF_GIVEN_NAME | CDB_UF_MAIL |           \
     CDB_UF_SSH_PUBLIC_KEY | CDB_UF_PASSWORD | CDB_UF_PASSWORD_HASH | CDB_UF_STATUS |       \
     CDB_UF_LOGIN_SHELL | CDB_UF_HOME_DIRECTORY)

int cdb_user_update(cdb *db, int64_t uid_number, unsigned fields, const cdb_user_input *in)
{
    struct user_values v = {0};
    char *keys = NULL, *hash = NULL;
    cdb_sql_stmt *stmt;
    char now[32];
    int rc, in_tx = 0;

    if (db == NULL || in == NULL)
        return CDB_ERR_INVALID;
    if (fields & ~(unsigned)CDB_UF_ALL)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "unknown user field flags 0x%x",
                        fields & ~(unsigned)CDB_UF_ALL);
    if ((fields & CDB_UF_PASSWORD) && (fields & CDB_UF_PASSWORD_HASH))
        return cdb_fail(db, CDB_ERR_INVALID, "userPassword",
                        "give either a password or a password hash, not both");
    if (((fields & CDB_UF_USERNAME) && (rc = check_username(db, in->username)) != CDB_OK) ||
        ((fields & CDB_UF_CN) && (rc = check_text(db, "cn", optional(in->cn))) != CDB_OK) ||
        ((fields & CDB_UF_SN) && (rc = check_text(db, "sn", optional(in->sn))) != CDB_OK) ||
        ((fields & CDB_UF_GIVEN_NAME) &&
         (rc = check_text(db, "givenName", optional(in->given_name))) != CDB_OK) ||
        ((fields & CDB_UF_MAIL) && (rc = check_mail(db, optional(in->mail))) != CDB_OK) ||
        ((fields & CDB_UF_STATUS) && (rc = check_status(db, in->status)) != CDB_OK) ||
        ((fields & CDB_UF_LOGIN_SHELL) &&
         (rc = check_login_path(db, "loginShell", optional(in->login_shell))) != CDB_OK) ||
        ((fields & CDB_UF_HOME_DIRECTORY) &&
         (rc = check_login_path(db, "homeDirectory", optional(in->home_directory))) != CDB_OK))
        return rc;
    if ((fields & CDB_UF_SSH_PUBLIC_KEY) &&
        (rc = cdb_ssh_keys_normalize(db, in->ssh_public_key, &keys)) != CDB_OK)
        return rc;
    if ((fields & (CDB_UF_PASSWORD | CDB_UF_PASSWORD_HASH)) &&
        (rc = resolve_password(db, in->password, in->password_hash,
                               (fields & CDB_UF_PASSWORD) != 0, &hash)) != CDB_OK)
        goto done;

    if ((rc = cdb_tx_begin(db)) != CDB_OK)
        goto done;
    in_tx = 1;
    if ((rc = load_values(db, uid_number, &v)) != CDB_OK)
        goto done;
    if (((fields & CDB_UF_USERNAME) && (rc = set_string(db, &v.username, in->username))) ||
        ((fields & CDB_UF_GIVEN_NAME) &&
         (rc = set_string(db, &v.given_name, optional(in->given_name)))) ||
        ((fields & CDB_UF_MAIL) && (rc = set_string(db, &v.mail, optional(in->mail)))) ||
        ((fields & CDB_UF_LOGIN_SHELL) &&
         (rc = set_string(db, &v.login_shell, optional(in->login_shell)))) ||
        ((fields & CDB_UF_HOME_DIRECTORY) &&
         (rc = set_string(db, &v.home_directory, optional(in->home_directory)))))
        goto done;
    /* Cleared cn/sn fall back to their defaults: inetOrgPerson requires both. */
    if (fields & CDB_UF_SN) {
        const char *sn = optional(in->sn);
        if ((rc = set_string(db, &v.sn, sn ? sn : v.username)) != CDB_OK)
            goto done;
    }
    if (fields & CDB_UF_CN) {
        const char *cn = optional(in->cn);
        rc = cn ? set_string(db, &v.cn, cn) : default_cn(db, &v, v.given_name, v.sn);
        if (rc != CDB_OK)
            goto done;
    }
    if (fields & CDB_UF_SSH_PUBLIC_KEY) {
        free(v.ssh_public_key);
        v.ssh_public_key = keys;
        keys = NULL;
    }
    if (fields & (CDB_UF_PASSWORD | CDB_UF_PASSWORD_HASH)) {
        cdb_free_secret(v.user_password);
        v.user_password = hash;
        hash = NULL;
    }
    if (fields & CDB_UF_STATUS)
        v.status = (cdb_user_status)in->status;

    rc = cdb_stmt(db,
                  "UPDATE Users SET username = ?1, cn = ?2, sn = ?3, givenName = ?4, mail = ?5,"
                  " sshPublicKey = ?6, userPassword = ?7, status = ?8, updatedAt = ?10,"
                  " loginShell = ?11, homeDirectory = ?12 WHERE uidNumber = ?9",
                  &stmt);
    if (rc != CDB_OK)
        goto done;
    cdb_now_iso(now);
    rc = bind_values(db, stmt, &v);
    if (rc == CDB_OK && (cdb_bind_int64(stmt, 9, uid_number) != CDB_SQL_OK ||
                         cdb_bind_text(stmt, 10, now) != CDB_SQL_OK))
        rc = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    if (rc != CDB_OK) {
        cdb_stmt_done(stmt);
        goto done;
    }
    if ((rc = cdb_stmt_exec(db, stmt, "updating the user")) != CDB_OK)
        goto done;
    rc = cdb_tx_commit(db);
    in_tx = 0;
done:
    if (in_tx)
        cdb_tx_rollback(db);
    free(keys);
    cdb_free_secret(hash);
    user_values_clear(&v);
    return rc;
}

int cdb_user_delete(cdb *db, int64_t uid_number)
{
    cdb_sql_stmt *stmt;
    int rc, step;

    if (db == NULL)
        return CDB_ERR_INVALID;
    /* One statement is its own transaction; the memberships go by ON DELETE
     * CASCADE, and the schema's triggers bump the groups' updatedAt. */
    rc = cdb_stmt(db, "DELETE FROM Users WHERE uidNumber = ?1", &stmt);
    if (rc != CDB_OK)
        return rc;
    if (cdb_bind_int64(stmt, 1, uid_number) != CDB_SQL_OK) {
        cdb_stmt_done(stmt);
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    }
    step = cdb_step(stmt);
    if (step != CDB_SQL_DONE)
        rc = cdb_fail_sql(db, step, "deleting the user");
    else if (cdb_changes(db) == 0)
        rc = cdb_fail(db, CDB_ERR_NOTFOUND, "uidNumber", "no user with uidNumber %" PRId64,
                      uid_number);
    cdb_stmt_done(stmt);
    return rc;
}
