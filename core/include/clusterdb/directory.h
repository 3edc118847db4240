/*
 * The directory: Users, Groups and UserGroups, and the rules that govern them.
 * Conventions (return codes, ownership, threads) as in clusterdb.h.
 */
#ifndef CLUSTERDB_DIRECTORY_H
#define CLUSTERDB_DIRECTORY_H

#include <clusterdb/clusterdb.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CDB_FIRST_UID 2000
#define CDB_FIRST_GID 2000
/* The default groups the first migration seeds. */
#define CDB_GID_LDAPUSERS 2000
#define CDB_GID_SYSADMINS 2001
/* Every user's primary group (posixAccount gidNumber): the schema has no
 * per-user primary group, and ldapusers is the "standard access" group. */
#define CDB_PRIMARY_GID CDB_GID_LDAPUSERS
/* What a user without a stored loginShell / homeDirectory gets: the shell,
 * and the prefix the username is appended to.  Read them through
 * cdb_user_login_shell() and cdb_user_home_directory(), never copy them. */
#define CDB_DEFAULT_LOGIN_SHELL "/bin/bash"
#define CDB_DEFAULT_HOME_PREFIX "/home/"
/* Longest loginShell or homeDirectory the store takes (bytes). */
#define CDB_LOGIN_PATH_MAX 255

typedef enum cdb_user_status {
    CDB_USER_PENDING = 0,
    CDB_USER_ACTIVE = 1,
    CDB_USER_SUSPENDED = 2
} cdb_user_status;

const char *cdb_user_status_name(cdb_user_status status);
/* Parse "pending" / "active" / "suspended"; CDB_ERR_INVALID otherwise. */
int cdb_user_status_parse(const char *text, cdb_user_status *out);

typedef struct cdb_user_group {
    int64_t gid_number;
    char *cn;
} cdb_user_group;

typedef struct cdb_user {
    int64_t uid_number;
    char *username;
    char *cn;               /* NULL when unset, likewise below */
    char *sn;
    char *given_name;
    char *mail;
    char *ssh_public_key;   /* one OpenSSH key per line, no trailing newline */
    char *user_password;    /* argon2 PHC string, NULL when the user has none */
    char *login_shell;      /* NULL: the default (cdb_user_login_shell) */
    char *home_directory;   /* NULL: the default (cdb_user_home_directory) */
    cdb_user_status status;
    char *created_at;       /* ISO-8601 UTC, "2026-11-26T22:16:04.123Z" */
    char *updated_at;
    cdb_user_group *groups; /* memberships in ascending gidNumber order */
    size_t n_groups;
} cdb_user;

void cdb_user_free(cdb_user *user);
/* The shell a user logs in with: the stored one or CDB_DEFAULT_LOGIN_SHELL.
 * Points into user or at a constant. */
const char *cdb_user_login_shell(const cdb_user *user);
/* The user's home directory, the stored one or CDB_DEFAULT_HOME_PREFIX +
 * username, written into buf (NUL-terminated, truncated to size).  Returns
 * the full length, as snprintf does. */
size_t cdb_user_home_directory(const cdb_user *user, char *buf, size_t size);
void cdb_user_array_free(cdb_user **users, size_t n);

int cdb_user_get(cdb *db, int64_t uid_number, cdb_user **out);
/* Exact match on the stored username (usernames are ASCII; compared as stored). */
int cdb_user_get_by_name(cdb *db, const char *username, cdb_user **out);
/*
 * Fetch many users at once, in the order of ids.  Ids that no longer exist are
 * skipped, so *n_out may be smaller than n.  One query per batch, not per id.
 */
int cdb_user_get_many(cdb *db, const int64_t *ids, size_t n, cdb_user ***out, size_t *n_out);

typedef struct cdb_user_input {
    const char *username;        /* required */
    const char *cn;              /* optional; defaults to "givenName sn" or username */
    const char *sn;              /* optional; defaults to username */
    const char *given_name;
    const char *mail;
    const char *ssh_public_key;  /* one key per line */
    const char *password;        /* plaintext, hashed by the library; or NULL.  Must meet
                                  * the policy (cdb_password_min_length) */
    const char *password_hash;   /* an argon2 PHC string to store as is (imports); the
                                  * policy cannot apply to a hash */
    const char *login_shell;     /* an absolute path; NULL or "": the default */
    const char *home_directory;  /* an absolute path; NULL or "": the default */
    int status;                  /* a cdb_user_status, or -1 for the default rule */
    /* cdb_user_create only (zero: the defaults): */
    int administrator;           /* also join sysadmins, in the same transaction */
    int64_t uid_number;          /* this uidNumber instead of the next; CONFLICT if taken */
} cdb_user_input;

/*
 * Create a user.  In one write transaction: validate, allocate the next
 * uidNumber (after the highest ever used, never below CDB_FIRST_UID, never
 * one of a deleted user) unless in->uid_number names one, insert, and if this
 * is the first user ever (not merely the only one now), make it active and a
 * member of sysadmins.  Otherwise the status is in->status, or when that is
 * -1: active if by_admin, else pending.  in->administrator adds the user to
 * sysadmins in the same transaction.
 */
int cdb_user_create(cdb *db, const cdb_user_input *in, int by_admin, int64_t *uid_out);

enum cdb_user_fields {
    CDB_UF_USERNAME = 1 << 0,
    CDB_UF_CN = 1 << 1,
    CDB_UF_SN = 1 << 2,
    CDB_UF_GIVEN_NAME = 1 << 3,
    CDB_UF_MAIL = 1 << 4,
    CDB_UF_SSH_PUBLIC_KEY = 1 << 5,
    CDB_UF_PASSWORD = 1 << 6,      /* plaintext in .password, hashed */
    CDB_UF_PASSWORD_HASH = 1 << 7, /* PHC string in .password_hash */
    CDB_UF_STATUS = 1 << 8,
    CDB_UF_LOGIN_SHELL = 1 << 9,     /* NULL or "": back to the default */
    CDB_UF_HOME_DIRECTORY = 1 << 10  /* NULL or "": back to the default */
};

/* Change the fields named in `fields`; a NULL value clears an optional field.
 * All or nothing: on any failure the row is unchanged.  Bumps updatedAt. */
int cdb_user_update(cdb *db, int64_t uid_number, unsigned fields, const cdb_user_input *in);
int cdb_user_delete(cdb *db, int64_t uid_number);

/*
 * Check a password for a login.  CDB_OK only if the user exists, is active,
 * has a hash and the password matches.  Unknown users verify a dummy hash so
 * that timing does not tell them apart; every failure is CDB_ERR_DENIED.
 * On success and when out is not NULL, the user is returned.
 */
int cdb_user_authenticate(cdb *db, const char *username, const char *password,
                          size_t password_len, cdb_user **out);

typedef struct cdb_group {
    int64_t gid_number;
    char *cn;
    int is_administrator;
    char *created_at;
    char *updated_at;
    char **member_usernames;   /* ascending by username */
    int64_t *member_uids;      /* parallel to member_usernames */
    size_t n_members;
} cdb_group;

void cdb_group_free(cdb_group *group);
void cdb_group_array_free(cdb_group **groups, size_t n);

int cdb_group_get(cdb *db, int64_t gid_number, cdb_group **out);
int cdb_group_get_by_name(cdb *db, const char *cn, cdb_group **out);
int cdb_group_get_many(cdb *db, const int64_t *ids, size_t n, cdb_group ***out, size_t *n_out);

/*
 * Which members cdb_group_get_many_members() reads with each group: all of
 * them, none (n_members is 0 whatever the group holds), or only those whose
 * username is one of the given names, matched as the candidate query matches
 * a member's username (ASCII case-insensitively).  A caller that does not
 * need a group's whole member list then pays neither for the join nor for
 * the names.
 */
typedef enum cdb_member_selection {
    CDB_MEMBERS_ALL = 0,
    CDB_MEMBERS_NONE,
    CDB_MEMBERS_NAMED
} cdb_member_selection;

/* cdb_group_get_many with the members `which` selects; usernames (n_usernames
 * of them) only for CDB_MEMBERS_NAMED. */
int cdb_group_get_many_members(cdb *db, const int64_t *ids, size_t n, cdb_member_selection which,
                               const char *const *usernames, size_t n_usernames,
                               cdb_group ***out, size_t *n_out);

/* cdb_group_create flags. */
#define CDB_GROUP_ADMINISTRATOR 1   /* isAdministrator */
#define CDB_GROUP_ALLOW_SYSTEM_ID 2 /* accept a gid_number below CDB_FIRST_NON_SYSTEM_ID */
/*
 * gid_number 0 allocates the next one (after the highest ever used, at least
 * CDB_FIRST_GID); a given one must be free and, unless flags allow it, not
 * in Debian's system range (below 1000: gid 27 is sudo on every host).  A
 * name that is a Debian system group or account is refused.
 */
int cdb_group_create(cdb *db, const char *cn, int64_t gid_number, int flags,
                     int64_t *gid_out);
enum cdb_group_fields { CDB_GF_CN = 1 << 0, CDB_GF_IS_ADMINISTRATOR = 1 << 1 };
int cdb_group_update(cdb *db, int64_t gid_number, unsigned fields, const char *cn,
                     int is_administrator);
int cdb_group_delete(cdb *db, int64_t gid_number);

/* Membership changes bump updatedAt of both the user and the group. */
int cdb_membership_add(cdb *db, int64_t uid_number, int64_t gid_number);
int cdb_membership_remove(cdb *db, int64_t uid_number, int64_t gid_number);
/* Whether the user is in any group with isAdministrator. */
int cdb_user_is_administrator(cdb *db, int64_t uid_number, int *is_admin);

/*
 * Candidate queries.  A small closed language that an LDAP filter is narrowed
 * to; the caller still tests every returned row against the real filter.
 * Text comparisons on usernames, group names and mail are ASCII
 * case-insensitive (LDAP's caseIgnore matching for the values the store
 * accepts); GE/LE on text compare the same way.
 */
typedef enum cdb_qop {
    CDB_Q_TRUE,    /* every row */
    CDB_Q_FALSE,   /* no row */
    CDB_Q_AND,
    CDB_Q_OR,
    CDB_Q_EQ,
    CDB_Q_PREFIX,  /* text starts with .text */
    CDB_Q_GE,
    CDB_Q_LE,
    CDB_Q_PRESENT  /* the field is set (not NULL, not empty) */
} cdb_qop;

typedef enum cdb_qfield {
    /* users */
    CDB_QF_USERNAME,         /* text */
    CDB_QF_UID_NUMBER,       /* number */
    CDB_QF_MAIL,             /* text */
    CDB_QF_USER_MEMBER_OF,   /* number: gidNumber of a group the user is in */
    CDB_QF_USER_STATUS,      /* number: cdb_user_status */
    /* groups */
    CDB_QF_GROUP_CN,         /* text */
    CDB_QF_GID_NUMBER,       /* number */
    CDB_QF_GROUP_MEMBER,     /* text: username of a member */
    CDB_QF_GROUP_MEMBER_UID, /* number: uidNumber of a member */
    /* both */
    CDB_QF_UPDATED_AT,       /* text, ISO-8601 as stored */
    CDB_QF_CREATED_AT        /* text, ISO-8601 as stored */
} cdb_qfield;

/*
 * The largest tree the finders take; a bigger or deeper one fails with
 * CDB_ERR_INVALID.  Depth counts AND/OR levels below the root (a leaf may sit
 * at CDB_QUERY_MAX_DEPTH), nodes count every node.  Within them SQLite's
 * parser takes the SQL of any tree, in any nesting order and with the
 * costliest leaves (its parser stack, not the expression depth, is what
 * runs out first: about 25 levels of `(leaf OR (leaf AND (...)))`).
 */
#define CDB_QUERY_MAX_DEPTH 16
#define CDB_QUERY_MAX_NODES 256

typedef struct cdb_query {
    cdb_qop op;
    cdb_qfield field;                 /* for EQ, PREFIX, GE, LE, PRESENT */
    const char *text;                 /* for text fields */
    int64_t number;                   /* for number fields */
    const struct cdb_query *const *kids;  /* for AND / OR */
    size_t n_kids;
} cdb_query;

/*
 * Ids (uidNumber / gidNumber) of the rows the query selects, ascending, only
 * those greater than `after` (for resuming a paged enumeration; pass
 * INT64_MIN or 0 for all), at most `limit` of them (0: no limit).  A NULL
 * query means CDB_Q_TRUE.  A field that does not belong to the table makes the
 * call fail with CDB_ERR_INVALID.  *ids_out is released with cdb_free().
 * The SQL is built from fixed fragments with bound values and its prepared
 * statement is cached by shape, so repeated shapes cost no new prepare.
 */
int cdb_user_find(cdb *db, const cdb_query *query, int64_t after, size_t limit,
                  int64_t **ids_out, size_t *n_out);
int cdb_group_find(cdb *db, const cdb_query *query, int64_t after, size_t limit,
                   int64_t **ids_out, size_t *n_out);

/* Counts, for hasSubordinates and the like. */
int cdb_user_count(cdb *db, int64_t *count);
int cdb_group_count(cdb *db, int64_t *count);

#ifdef __cplusplus
}
#endif
#endif
