/* Users, groups, memberships and logins against a real migrated database. */
#include "directory_fixture.h"

#include <time.h>

#include <clusterdb/passwd.h>
#include <clusterdb/settings.h>
#include <clusterdb/validate.h>

#define KEY_ED25519                                                                   \
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMEIBFtsrSm1eSZa6PEl7/0BMEeyuJbfg+YniQhCs6em"
#define KEY_SK_ED25519                                                                \
    "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAABAgMEBQY" \
    "HCAkKCwwNDg8QERITFBUWFxgZGhscHR4fAAAABHNzaDo="

static void test_first_user_and_status_defaults(void **state)
{
    struct fixture *f = *state;
    cdb_user *u = NULL;
    cdb_user_input in;
    int64_t uid;
    int admin = -1;

    uid = add_user(f->db, "alice", 0);
    assert_int_equal(uid, CDB_FIRST_UID);
    assert_int_equal(cdb_user_get(f->db, uid, &u), CDB_OK);
    assert_int_equal(u->status, CDB_USER_ACTIVE);
    assert_int_equal(u->n_groups, 1);
    assert_int_equal(u->groups[0].gid_number, CDB_GID_SYSADMINS);
    assert_string_equal(u->groups[0].cn, "sysadmins");
    /* inetOrgPerson needs cn and sn: both default to the username. */
    assert_string_equal(u->cn, "alice");
    assert_string_equal(u->sn, "alice");
    assert_null(u->given_name);
    assert_null(u->mail);
    assert_null(u->user_password);
    assert_non_null(u->created_at);
    assert_int_equal(strlen(u->created_at), 24);
    cdb_user_free(u);
    assert_int_equal(cdb_user_is_administrator(f->db, uid, &admin), CDB_OK);
    assert_int_equal(admin, 1);

    /* Later users: pending by default, active when an admin creates them. */
    uid = add_user(f->db, "bob", 0);
    assert_int_equal(uid, CDB_FIRST_UID + 1);
    assert_int_equal(cdb_user_get(f->db, uid, &u), CDB_OK);
    assert_int_equal(u->status, CDB_USER_PENDING);
    assert_int_equal(u->n_groups, 0);
    cdb_user_free(u);
    assert_int_equal(cdb_user_is_administrator(f->db, uid, &admin), CDB_OK);
    assert_int_equal(admin, 0);

    uid = add_user(f->db, "carol", 1);
    assert_int_equal(cdb_user_get(f->db, uid, &u), CDB_OK);
    assert_int_equal(u->status, CDB_USER_ACTIVE);
    assert_int_equal(u->n_groups, 0);
    cdb_user_free(u);

    in = user_input("dave");
    in.status = CDB_USER_SUSPENDED;
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_OK);
    assert_int_equal(cdb_user_get(f->db, uid, &u), CDB_OK);
    assert_int_equal(u->status, CDB_USER_SUSPENDED);
    cdb_user_free(u);
    assert_int_equal(cdb_user_is_administrator(f->db, 999999, &admin), CDB_ERR_NOTFOUND);
    assert_integrity(f->db);
}

static void test_create_get_update_delete(void **state)
{
    struct fixture *f = *state;
    cdb_user_input in = user_input("erin");
    cdb_user *u = NULL;
    int64_t uid = 0, count = 0;
    char *created = NULL;

    add_user(f->db, "root_admin", 0); /* the first user, out of the way */
    in.given_name = "Erin";
    in.sn = "Ülker";
    in.mail = "Erin@Example.com";
    in.ssh_public_key = KEY_ED25519 " erin@laptop\r\n\n  \n" KEY_SK_ED25519 "\n";
    in.password = "pw-erin-00000";
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_OK);
    assert_int_equal(cdb_user_get_by_name(f->db, "erin", &u), CDB_OK);
    assert_int_equal(u->uid_number, uid);
    assert_string_equal(u->cn, "Erin Ülker");
    assert_string_equal(u->sn, "Ülker");
    assert_string_equal(u->given_name, "Erin");
    assert_string_equal(u->mail, "Erin@Example.com");
    /* Keys normalised: one per line, no CR, no blank lines, no final newline. */
    assert_string_equal(u->ssh_public_key, KEY_ED25519 " erin@laptop\n" KEY_SK_ED25519);
    assert_non_null(u->user_password);
    assert_true(strncmp(u->user_password, "$argon2id$", 10) == 0);
    assert_int_equal(cdb_password_verify(u->user_password, "pw-erin-00000", 13), CDB_OK);
    created = strdup(u->created_at);
    cdb_user_free(u);
    /* get_by_name is exact. */
    assert_int_equal(cdb_user_get_by_name(f->db, "Erin", &u), CDB_ERR_NOTFOUND);
    assert_int_equal(cdb_user_get_by_name(f->db, "eri", &u), CDB_ERR_NOTFOUND);

    /* Update: rename, clear mail, reset cn to its default, new keys. */
    next_millisecond();
    in = user_input("erin2");
    in.mail = NULL;
    in.cn = NULL;
    in.ssh_public_key = "";
    assert_int_equal(cdb_user_update(f->db, uid,
                                     CDB_UF_USERNAME | CDB_UF_MAIL | CDB_UF_CN |
                                         CDB_UF_SSH_PUBLIC_KEY,
                                     &in),
                     CDB_OK);
    assert_int_equal(cdb_user_get(f->db, uid, &u), CDB_OK);
    assert_string_equal(u->username, "erin2");
    assert_null(u->mail);
    assert_null(u->ssh_public_key);
    assert_string_equal(u->cn, "Erin Ülker");
    assert_string_equal(u->sn, "Ülker");
    assert_string_equal(u->created_at, created);
    assert_true(strcmp(u->updated_at, created) > 0);
    assert_non_null(u->user_password); /* untouched */
    cdb_user_free(u);

    in = user_input(NULL);
    in.cn = "Dr. Erin";
    in.given_name = NULL;
    in.status = CDB_USER_SUSPENDED;
    assert_int_equal(cdb_user_update(f->db, uid, CDB_UF_CN | CDB_UF_GIVEN_NAME | CDB_UF_STATUS |
                                                     CDB_UF_PASSWORD,
                                     &in),
                     CDB_OK);
    assert_int_equal(cdb_user_get(f->db, uid, &u), CDB_OK);
    assert_string_equal(u->cn, "Dr. Erin");
    assert_null(u->given_name);
    assert_int_equal(u->status, CDB_USER_SUSPENDED);
    assert_null(u->user_password); /* PASSWORD with NULL clears it */
    cdb_user_free(u);

    assert_int_equal(cdb_user_count(f->db, &count), CDB_OK);
    assert_int_equal(count, 2);
    assert_int_equal(cdb_user_delete(f->db, uid), CDB_OK);
    assert_int_equal(cdb_user_get(f->db, uid, &u), CDB_ERR_NOTFOUND);
    assert_string_equal(cdb_errfield(f->db), "uidNumber");
    assert_int_equal(cdb_user_delete(f->db, uid), CDB_ERR_NOTFOUND);
    assert_int_equal(cdb_user_update(f->db, uid, CDB_UF_CN, &in), CDB_ERR_NOTFOUND);
    assert_int_equal(cdb_user_count(f->db, &count), CDB_OK);
    assert_int_equal(count, 1);
    /* Never reused: with the highest user gone, the next number still
     * follows it (a reused uidNumber hands the deleted user's files on every
     * container host to the new one). */
    assert_int_equal(add_user(f->db, "frank", 0), uid + 1);
    free(created);
    assert_integrity(f->db);
}

/* Every validation failure: INVALID, the field named, nothing written. */
static void test_validation_failures(void **state)
{
    struct fixture *f = *state;
    struct counts before;
    cdb_user_input in;
    char *big;
    int64_t uid = 0, victim;
    size_t i;
    struct {
        const char *username, *cn, *sn, *given_name, *mail, *keys, *hash;
        int status;
        const char *field;
    } cases[] = {
        {"", NULL, NULL, NULL, NULL, NULL, NULL, -1, "username"},
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, "username"},
        {"Alice", NULL, NULL, NULL, NULL, NULL, NULL, -1, "username"},
        {"al ice", NULL, NULL, NULL, NULL, NULL, NULL, -1, "username"},
        {"al\xc3\xa9", NULL, NULL, NULL, NULL, NULL, NULL, -1, "username"},
        {"x", "bad\ncn", NULL, NULL, NULL, NULL, NULL, -1, "cn"},
        {"x", NULL, "\xc0\xaf", NULL, NULL, NULL, NULL, -1, "sn"},
        {"x", NULL, NULL, "tab\t", NULL, NULL, NULL, -1, "givenName"},
        {"x", NULL, NULL, NULL, "not-an-address", NULL, NULL, -1, "mail"},
        {"x", NULL, NULL, NULL, "a@localhost", NULL, NULL, -1, "mail"},
        {"x", NULL, NULL, NULL, NULL, "ssh-ed25519 AAAA", NULL, -1, "sshPublicKey"},
        {"x", NULL, NULL, NULL, NULL, KEY_ED25519 "\ngarbage", NULL, -1, "sshPublicKey"},
        {"x", NULL, NULL, NULL, NULL, NULL, "{SSHA}abcdef", -1, "userPassword"},
        {"x", NULL, NULL, NULL, NULL, NULL, "$argon2id$v=19$m=1,t=1,p=1$x$y", -1, "userPassword"},
        {"x", NULL, NULL, NULL, NULL, NULL, NULL, 3, "status"},
        {"x", NULL, NULL, NULL, NULL, NULL, NULL, -2, "status"},
        {"x", NULL, NULL, NULL, NULL, NULL, NULL, 1 << 30, "status"},
    };

    add_user(f->db, "admin", 0);
    victim = add_user(f->db, "victim", 1);
    before = take_counts(f->db);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        in = user_input(cases[i].username);
        in.cn = cases[i].cn;
        in.sn = cases[i].sn;
        in.given_name = cases[i].given_name;
        in.mail = cases[i].mail;
        in.ssh_public_key = cases[i].keys;
        in.password_hash = cases[i].hash;
        in.status = cases[i].status;
        uid = 0;
        assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_INVALID);
        assert_int_equal(uid, 0); /* out-params only on success */
        assert_non_null(cdb_errfield(f->db));
        assert_string_equal(cdb_errfield(f->db), cases[i].field);
        assert_non_null(strstr(cdb_errmsg(f->db), cases[i].field));
        assert_unchanged(f->db, before);
        /* The same values fail an update of an existing user as well. */
        if (cases[i].username != NULL && cases[i].username[0] != 'x') {
            assert_int_equal(cdb_user_update(f->db, victim, CDB_UF_USERNAME, &in),
                             CDB_ERR_INVALID);
            assert_string_equal(cdb_errfield(f->db), "username");
        }
    }
    /* Password and hash together; both update flags together; unknown flags. */
    in = user_input("x");
    in.password = "a";
    in.password_hash = "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_INVALID);
    assert_int_equal(cdb_user_update(f->db, victim, CDB_UF_PASSWORD | CDB_UF_PASSWORD_HASH, &in),
                     CDB_ERR_INVALID);
    assert_int_equal(cdb_user_update(f->db, victim, 1u << 20, &in), CDB_ERR_INVALID);
    in = user_input("x");
    in.password = "";
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(f->db), "userPassword");
    assert_int_equal(cdb_user_update(f->db, victim, CDB_UF_PASSWORD, &in), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(f->db), "userPassword");
    in = user_input("x");
    in.status = 9;
    assert_int_equal(cdb_user_update(f->db, victim, CDB_UF_STATUS, &in), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(f->db), "status");
    in = user_input(NULL);
    assert_int_equal(cdb_user_update(f->db, victim, CDB_UF_USERNAME, &in), CDB_ERR_INVALID);

    /* 1 MiB values. */
    big = malloc((1u << 20) + 1);
    assert_non_null(big);
    memset(big, 'a', 1u << 20);
    big[1u << 20] = '\0';
    in = user_input(big);
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(f->db), "username");
    in = user_input("x");
    in.cn = big;
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(f->db), "cn");
    in = user_input("x");
    in.ssh_public_key = big;
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(f->db), "sshPublicKey");
    in = user_input("x");
    in.mail = big;
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(f->db), "mail");
    free(big);
    /* Many valid keys adding up to more than 64 KiB. */
    {
        size_t line = strlen(KEY_ED25519) + 1, n = 65536 / line + 2, k;
        char *keys = malloc(n * line + 1);
        assert_non_null(keys);
        for (k = 0; k < n; k++) {
            memcpy(keys + k * line, KEY_ED25519, line - 1);
            keys[k * line + line - 1] = '\n';
        }
        keys[n * line] = '\0';
        in = user_input("x");
        in.ssh_public_key = keys;
        assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_INVALID);
        assert_string_equal(cdb_errfield(f->db), "sshPublicKey");
        free(keys);
    }
    assert_unchanged(f->db, before);
}

static void test_conflicts(void **state)
{
    struct fixture *f = *state;
    cdb_user_input in;
    struct counts before;
    int64_t uid = 0, alice, bob, gid = 0;

    alice = add_user(f->db, "alice", 0);
    in = user_input("bob");
    in.mail = "bob@example.com";
    assert_int_equal(cdb_user_create(f->db, &in, 1, &bob), CDB_OK);
    /* An imported row whose name differs only in case. */
    sql_exec(f->db, "INSERT INTO Users (uidNumber, username, sn, cn, status)"
                    " VALUES (3000, 'Carol', 'Carol', 'Carol', 'active')");
    before = take_counts(f->db);

    in = user_input("alice");
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(f->db), "Users.username");
    in = user_input("carol");
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(f->db), "Users.username");
    in = user_input("zed");
    in.mail = "BOB@Example.COM";
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(f->db), "Users.mail");
    assert_unchanged(f->db, before);
    /* A failed create did not use up a uidNumber. */
    assert_int_equal(add_user(f->db, "zed", 0), 3001);
    before = take_counts(f->db);

    in = user_input("bob");
    assert_int_equal(cdb_user_update(f->db, alice, CDB_UF_USERNAME, &in), CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(f->db), "Users.username");
    in = user_input(NULL);
    in.mail = "Bob@example.com";
    assert_int_equal(cdb_user_update(f->db, alice, CDB_UF_MAIL, &in), CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(f->db), "Users.mail");

    assert_int_equal(cdb_group_create(f->db, "sysadmins", 0, 0, &gid), CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(f->db), "Groups.cn");
    sql_exec(f->db, "INSERT INTO Groups (gidNumber, cn) VALUES (4000, 'Devs')");
    before = take_counts(f->db);
    assert_int_equal(cdb_group_create(f->db, "devs", 0, 0, &gid), CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(f->db), "Groups.cn");
    assert_int_equal(cdb_group_create(f->db, "other", 4000, 0, &gid), CDB_ERR_CONFLICT);
    assert_non_null(strstr(cdb_errfield(f->db), "gidNumber"));
    assert_int_equal(cdb_group_update(f->db, 2000, CDB_GF_CN, "sysadmins", 0), CDB_ERR_CONFLICT);
    assert_string_equal(cdb_errfield(f->db), "Groups.cn");
    assert_int_equal(gid, 0);
    assert_unchanged(f->db, before);
}

static void test_numbers_and_groups(void **state)
{
    struct fixture *f = *state;
    cdb_group *g = NULL;
    struct counts before;
    int64_t gid = 0, count = 0;

    before = take_counts(f->db);
    assert_int_equal(cdb_group_create(f->db, "neg", -1, 0, &gid), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(f->db), "gidNumber");
    assert_int_equal(cdb_group_create(f->db, "huge", INT64_C(1) << 40, 0, &gid), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(f->db), "gidNumber");
    assert_int_equal(cdb_group_create(f->db, "huge", INT64_MAX, 0, &gid), CDB_ERR_INVALID);
    assert_int_equal(cdb_group_create(f->db, "Bad Name", 0, 0, &gid), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(f->db), "cn");
    assert_int_equal(cdb_group_create(f->db, NULL, 0, 0, &gid), CDB_ERR_INVALID);
    assert_int_equal(cdb_group_update(f->db, 2000, CDB_GF_CN, "UPPER", 0), CDB_ERR_INVALID);
    assert_int_equal(cdb_group_update(f->db, 2000, 1u << 5, "x", 0), CDB_ERR_INVALID);
    assert_unchanged(f->db, before);
    assert_int_equal(gid, 0);

    assert_int_equal(cdb_group_get(f->db, -5, &g), CDB_ERR_NOTFOUND);
    assert_int_equal(cdb_group_get(f->db, INT64_MAX, &g), CDB_ERR_NOTFOUND);
    assert_int_equal(cdb_group_get(f->db, INT64_MIN, &g), CDB_ERR_NOTFOUND);
    assert_null(g);

    /* Allocation: max + 1 after the seeded 2000/2001; explicit numbers kept. */
    assert_int_equal(cdb_group_create(f->db, "devs", 0, 0, &gid), CDB_OK);
    assert_int_equal(gid, 2002);
    assert_int_equal(cdb_group_create(f->db, "ops", 5000, 1, &gid), CDB_OK);
    assert_int_equal(gid, 5000);
    assert_int_equal(cdb_group_create(f->db, "qa", 0, 7, &gid), CDB_OK);
    assert_int_equal(gid, 5001);
    assert_int_equal(cdb_group_get_by_name(f->db, "ops", &g), CDB_OK);
    assert_int_equal(g->gid_number, 5000);
    assert_int_equal(g->is_administrator, 1);
    assert_int_equal(g->n_members, 0);
    cdb_group_free(g);
    assert_int_equal(cdb_group_get(f->db, 5001, &g), CDB_OK);
    assert_int_equal(g->is_administrator, 1); /* any non-zero is true */
    cdb_group_free(g);

    assert_int_equal(cdb_group_update(f->db, 5001, CDB_GF_CN, "testers", 1), CDB_OK);
    assert_int_equal(cdb_group_get(f->db, 5001, &g), CDB_OK);
    assert_string_equal(g->cn, "testers");
    assert_int_equal(g->is_administrator, 1); /* not named in fields: kept */
    cdb_group_free(g);
    assert_int_equal(cdb_group_update(f->db, 5001, CDB_GF_IS_ADMINISTRATOR, NULL, 0), CDB_OK);
    assert_int_equal(cdb_group_get(f->db, 5001, &g), CDB_OK);
    assert_string_equal(g->cn, "testers");
    assert_int_equal(g->is_administrator, 0);
    cdb_group_free(g);
    assert_int_equal(cdb_group_update(f->db, 777, CDB_GF_CN, "nosuchgroup", 0), CDB_ERR_NOTFOUND);

    assert_int_equal(cdb_group_count(f->db, &count), CDB_OK);
    assert_int_equal(count, 5);

    /* Id space exhausted: refused and named, nothing written. */
    sql_exec(f->db, "INSERT INTO Users (uidNumber, username, status) VALUES (2147483647, 'top', 'active')");
    sql_exec(f->db, "INSERT INTO Groups (gidNumber, cn) VALUES (2147483647, 'topg')");
    before = take_counts(f->db);
    {
        cdb_user_input in = user_input("one_more");
        int64_t uid = 0;
        assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_ERR_INVALID);
        assert_string_equal(cdb_errfield(f->db), "uidNumber");
        assert_int_equal(uid, 0);
    }
    assert_int_equal(cdb_group_create(f->db, "one_more", 0, 0, &gid), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(f->db), "gidNumber");
    assert_unchanged(f->db, before);
    sql_exec(f->db, "DELETE FROM Users WHERE uidNumber = 2147483647");
    sql_exec(f->db, "DELETE FROM Groups WHERE gidNumber = 2147483647");
    assert_int_equal(cdb_group_delete(f->db, 5001), CDB_OK);
    assert_int_equal(cdb_group_delete(f->db, 5001), CDB_ERR_NOTFOUND);
    before = take_counts(f->db);
    assert_int_equal(cdb_group_delete(f->db, CDB_GID_SYSADMINS), CDB_ERR_CONSTRAINT);
    assert_int_equal(cdb_group_delete(f->db, CDB_GID_LDAPUSERS), CDB_ERR_CONSTRAINT);
    assert_unchanged(f->db, before);
}

static void test_memberships(void **state)
{
    struct fixture *f = *state;
    cdb_user *u = NULL;
    cdb_group *g = NULL;
    struct counts before;
    char *user_stamp = NULL, *group_stamp = NULL;
    int64_t zoe, adam, devs = 0;

    zoe = add_user(f->db, "zoe", 0); /* first user: in sysadmins */
    adam = add_user(f->db, "adam", 0);
    assert_int_equal(cdb_group_create(f->db, "devs", 0, 0, &devs), CDB_OK);
    assert_int_equal(cdb_group_get(f->db, devs, &g), CDB_OK);
    group_stamp = strdup(g->updated_at);
    cdb_group_free(g);
    assert_int_equal(cdb_user_get(f->db, zoe, &u), CDB_OK);
    user_stamp = strdup(u->updated_at);
    cdb_user_free(u);

    next_millisecond();
    assert_int_equal(cdb_membership_add(f->db, zoe, devs), CDB_OK);
    assert_int_equal(cdb_membership_add(f->db, adam, devs), CDB_OK);
    assert_int_equal(cdb_membership_add(f->db, adam, CDB_GID_LDAPUSERS), CDB_OK);

    /* Both entries changed: their modifyTimestamp moves. */
    assert_int_equal(cdb_user_get(f->db, zoe, &u), CDB_OK);
    assert_true(strcmp(u->updated_at, user_stamp) > 0);
    assert_int_equal(u->n_groups, 2);
    assert_int_equal(u->groups[0].gid_number, CDB_GID_SYSADMINS);
    assert_int_equal(u->groups[1].gid_number, devs);
    assert_string_equal(u->groups[1].cn, "devs");
    free(user_stamp);
    user_stamp = strdup(u->updated_at);
    cdb_user_free(u);
    assert_int_equal(cdb_group_get(f->db, devs, &g), CDB_OK);
    assert_true(strcmp(g->updated_at, group_stamp) > 0);
    assert_int_equal(g->n_members, 2);
    assert_string_equal(g->member_usernames[0], "adam"); /* ascending by name */
    assert_int_equal(g->member_uids[0], adam);
    assert_string_equal(g->member_usernames[1], "zoe");
    assert_int_equal(g->member_uids[1], zoe);
    free(group_stamp);
    group_stamp = strdup(g->updated_at);
    cdb_group_free(g);
    assert_int_equal(cdb_user_get(f->db, adam, &u), CDB_OK);
    assert_int_equal(u->n_groups, 2);
    assert_int_equal(u->groups[0].gid_number, CDB_GID_LDAPUSERS);
    assert_int_equal(u->groups[1].gid_number, devs);
    cdb_user_free(u);

    /* Errors: twice, missing rows; nothing written. */
    before = take_counts(f->db);
    assert_int_equal(cdb_membership_add(f->db, zoe, devs), CDB_ERR_CONFLICT);
    assert_int_equal(cdb_membership_add(f->db, 424242, devs), CDB_ERR_CONSTRAINT);
    assert_int_equal(cdb_membership_add(f->db, zoe, 424242), CDB_ERR_CONSTRAINT);
    assert_int_equal(cdb_membership_add(f->db, -1, -1), CDB_ERR_CONSTRAINT);
    assert_int_equal(cdb_membership_remove(f->db, adam, CDB_GID_SYSADMINS), CDB_ERR_NOTFOUND);
    assert_unchanged(f->db, before);

    next_millisecond();
    assert_int_equal(cdb_membership_remove(f->db, zoe, devs), CDB_OK);
    assert_int_equal(cdb_user_get(f->db, zoe, &u), CDB_OK);
    assert_true(strcmp(u->updated_at, user_stamp) > 0);
    assert_int_equal(u->n_groups, 1);
    cdb_user_free(u);
    assert_int_equal(cdb_group_get(f->db, devs, &g), CDB_OK);
    assert_true(strcmp(g->updated_at, group_stamp) > 0);
    assert_int_equal(g->n_members, 1);
    free(group_stamp);
    group_stamp = strdup(g->updated_at);
    cdb_group_free(g);

    /* Deleting a member changes the group; deleting a group changes the user. */
    next_millisecond();
    assert_int_equal(cdb_user_delete(f->db, adam), CDB_OK);
    assert_int_equal(cdb_group_get(f->db, devs, &g), CDB_OK);
    assert_int_equal(g->n_members, 0);
    assert_true(strcmp(g->updated_at, group_stamp) > 0);
    cdb_group_free(g);
    assert_int_equal(cdb_membership_add(f->db, zoe, devs), CDB_OK);
    assert_int_equal(cdb_group_delete(f->db, devs), CDB_OK);
    assert_int_equal(cdb_user_get(f->db, zoe, &u), CDB_OK);
    assert_int_equal(u->n_groups, 1);
    assert_int_equal(u->groups[0].gid_number, CDB_GID_SYSADMINS);
    cdb_user_free(u);
    free(user_stamp);
    free(group_stamp);
    assert_integrity(f->db);
}

static void test_get_many(void **state)
{
    struct fixture *f = *state;
    cdb_user **users = NULL;
    cdb_group **groups = NULL;
    size_t n = 99, i;
    int64_t a, b, c, *ids;
    int64_t gids[] = {2001, 7, 2000, 2001};

    a = add_user(f->db, "anna", 0);
    b = add_user(f->db, "ben", 0);
    c = add_user(f->db, "cleo", 0);
    assert_int_equal(cdb_membership_add(f->db, c, CDB_GID_LDAPUSERS), CDB_OK);
    {
        int64_t want[] = {c, 99999, a, c, b, -1};
        assert_int_equal(cdb_user_get_many(f->db, want, 6, &users, &n), CDB_OK);
        assert_int_equal(n, 3);
        assert_int_equal(users[0]->uid_number, c);
        assert_int_equal(users[1]->uid_number, a);
        assert_int_equal(users[2]->uid_number, b);
        assert_int_equal(users[0]->n_groups, 1);
        assert_int_equal(users[1]->n_groups, 1); /* anna, the first user: sysadmins */
        assert_string_equal(users[1]->groups[0].cn, "sysadmins");
        assert_int_equal(users[2]->n_groups, 0);
        cdb_user_array_free(users, n);
    }
    /* More ids than one batch holds, most of them missing. */
    ids = malloc(2500 * sizeof *ids);
    assert_non_null(ids);
    for (i = 0; i < 2500; i++)
        ids[i] = 10000 + (int64_t)i;
    ids[2499] = a;
    ids[1200] = b;
    ids[3] = b;
    assert_int_equal(cdb_user_get_many(f->db, ids, 2500, &users, &n), CDB_OK);
    assert_int_equal(n, 2);
    assert_int_equal(users[0]->uid_number, b);
    assert_int_equal(users[1]->uid_number, a);
    cdb_user_array_free(users, n);
    free(ids);
    assert_int_equal(cdb_user_get_many(f->db, NULL, 0, &users, &n), CDB_OK);
    assert_int_equal(n, 0);
    cdb_user_array_free(users, n);

    assert_int_equal(cdb_group_get_many(f->db, gids, 4, &groups, &n), CDB_OK);
    assert_int_equal(n, 2);
    assert_int_equal(groups[0]->gid_number, 2001);
    assert_int_equal(groups[0]->n_members, 1);
    assert_string_equal(groups[0]->member_usernames[0], "anna");
    assert_int_equal(groups[1]->gid_number, 2000);
    assert_int_equal(groups[1]->n_members, 1);
    assert_string_equal(groups[1]->member_usernames[0], "cleo");
    cdb_group_array_free(groups, n);
}

static void test_authenticate(void **state)
{
    struct fixture *f = *state;
    cdb_user_input in;
    cdb_user *u = NULL;
    int64_t uid;
    char *import = NULL;
    const cdb_argon2_params cheap = {1024, 1, 1};

    in = user_input("root_admin");
    in.password = "rootpw-000000";
    assert_int_equal(cdb_user_create(f->db, &in, 0, &uid), CDB_OK); /* active */
    in = user_input("pending_pat");
    in.password = "patpw-0000000";
    assert_int_equal(cdb_user_create(f->db, &in, 0, &uid), CDB_OK);
    in = user_input("sus");
    in.password = "suspw-0000000";
    in.status = CDB_USER_SUSPENDED;
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_OK);
    in = user_input("nohash");
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_OK);
    /* An imported argon2i hash logs in as well. */
    assert_int_equal(cdb_password_hash("imported", 8, &cheap, &import), CDB_OK);
    in = user_input("imp");
    in.password_hash =
        "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_OK);
    in = user_input("imp2");
    in.password_hash = import;
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_OK);
    cdb_free(import);

    assert_int_equal(cdb_user_authenticate(f->db, "root_admin", "rootpw-000000", 13, &u), CDB_OK);
    assert_non_null(u);
    assert_string_equal(u->username, "root_admin");
    assert_int_equal(u->n_groups, 1);
    cdb_user_free(u);
    /* The length counts, not a terminator. */
    assert_int_equal(cdb_user_authenticate(f->db, "root_admin", "rootpw-000000XYZ", 13, NULL), CDB_OK);
    assert_int_equal(cdb_user_authenticate(f->db, "imp", "password", 8, NULL), CDB_OK);
    assert_int_equal(cdb_user_authenticate(f->db, "imp2", "imported", 8, NULL), CDB_OK);
    assert_int_equal(cdb_user_authenticate(f->db, "imp2", "imported!", 9, NULL), CDB_ERR_DENIED);

    u = NULL;
    assert_int_equal(cdb_user_authenticate(f->db, "root_admin", "wrong", 5, &u), CDB_ERR_DENIED);
    assert_null(u);
    assert_int_equal(cdb_user_authenticate(f->db, "root_admin", "rootpw-000000", 12, &u), CDB_ERR_DENIED);
    assert_int_equal(cdb_user_authenticate(f->db, "root_admin", "", 0, &u), CDB_ERR_DENIED);
    assert_int_equal(cdb_user_authenticate(f->db, "ROOT_ADMIN", "rootpw-000000", 13, &u), CDB_ERR_DENIED);
    assert_int_equal(cdb_user_authenticate(f->db, "pending_pat", "patpw-0000000", 13, &u), CDB_ERR_DENIED);
    assert_int_equal(cdb_user_authenticate(f->db, "sus", "suspw-0000000", 13, &u), CDB_ERR_DENIED);
    assert_int_equal(cdb_user_authenticate(f->db, "nohash", "", 0, &u), CDB_ERR_DENIED);
    assert_int_equal(cdb_user_authenticate(f->db, "nobody", "x", 1, &u), CDB_ERR_DENIED);
    assert_int_equal(cdb_user_authenticate(f->db, "bad name*)(", "x", 1, &u), CDB_ERR_DENIED);
    assert_int_equal(cdb_user_authenticate(f->db, NULL, "x", 1, &u), CDB_ERR_DENIED);
    assert_null(u);
    /* The reason is not told apart. */
    assert_null(strstr(cdb_errmsg(f->db), "nobody"));

    /* Activating the pending user lets it in; a new password replaces the old. */
    in = user_input(NULL);
    in.status = CDB_USER_ACTIVE;
    in.password = "newpw-0000000";
    assert_int_equal(cdb_user_get_by_name(f->db, "pending_pat", &u), CDB_OK);
    uid = u->uid_number;
    cdb_user_free(u);
    assert_int_equal(cdb_user_update(f->db, uid, CDB_UF_STATUS | CDB_UF_PASSWORD, &in), CDB_OK);
    assert_int_equal(cdb_user_authenticate(f->db, "pending_pat", "patpw-0000000", 13, NULL),
                     CDB_ERR_DENIED);
    assert_int_equal(cdb_user_authenticate(f->db, "pending_pat", "newpw-0000000", 13, NULL), CDB_OK);
}

static int statements_run;

static int count_statement(unsigned type, void *ctx, void *p, void *x)
{
    (void)ctx;
    (void)p;
    (void)x;
    if (type == SQLITE_TRACE_STMT)
        statements_run++;
    return 0;
}

/* get and get_many cost one statement per batch, not one per id or group. */
static void test_one_statement_per_batch(void **state)
{
    struct fixture *f = *state;
    cdb_user **users = NULL;
    cdb_group **groups = NULL;
    cdb_user *u = NULL;
    int64_t ids[6];
    size_t n = 0, i;
    int64_t gids[] = {2000, 2001};

    for (i = 0; i < 6; i++) {
        char name[16];
        snprintf(name, sizeof name, "user%zu", i);
        ids[i] = add_user(f->db, name, 1);
        assert_int_equal(cdb_membership_add(f->db, ids[i], CDB_GID_LDAPUSERS), CDB_OK);
    }
    SKIP_UNLESS_SQLITE("statements are counted with SQLite's trace hook");
    assert_int_equal(sqlite3_trace_v2(cdb_sqlite(f->db), SQLITE_TRACE_STMT, count_statement,
                                      NULL),
                     SQLITE_OK);
    statements_run = 0;
    assert_int_equal(cdb_user_get_many(f->db, ids, 6, &users, &n), CDB_OK);
    assert_int_equal(n, 6);
    assert_int_equal(statements_run, 1);
    cdb_user_array_free(users, n);
    statements_run = 0;
    assert_int_equal(cdb_user_get(f->db, ids[0], &u), CDB_OK);
    assert_int_equal(u->n_groups, 2); /* sysadmins (first user) and ldapusers */
    assert_int_equal(statements_run, 1);
    cdb_user_free(u);
    statements_run = 0;
    assert_int_equal(cdb_group_get_many(f->db, gids, 2, &groups, &n), CDB_OK);
    assert_int_equal(n, 2);
    assert_int_equal(groups[0]->n_members, 6);
    assert_int_equal(statements_run, 1);
    cdb_group_array_free(groups, n);
    assert_int_equal(sqlite3_trace_v2(cdb_sqlite(f->db), 0, NULL, NULL), SQLITE_OK);
}

/* The text of the last statement run (traced), and its query plan. */
static char last_statement[2048];

static int remember_statement(unsigned type, void *ctx, void *p, void *x)
{
    (void)ctx;
    if (type == SQLITE_TRACE_STMT)
        snprintf(last_statement, sizeof last_statement, "%s", sqlite3_sql((sqlite3_stmt *)p));
    (void)x;
    return 0;
}

static void plan_of(cdb *db, const char *sql, char *plan, size_t size)
{
    char eqp[2100];
    sqlite3_stmt *stmt;
    size_t len = 0;

    snprintf(eqp, sizeof eqp, "EXPLAIN QUERY PLAN %s", sql);
    assert_int_equal(sqlite3_prepare_v2(cdb_sqlite(db), eqp, -1, &stmt, NULL), SQLITE_OK);
    plan[0] = '\0';
    while (sqlite3_step(stmt) == SQLITE_ROW && len < size)
        len += (size_t)snprintf(plan + len, size - len, "%s\n",
                                (const char *)sqlite3_column_text(stmt, 3));
    sqlite3_finalize(stmt);
}

/* A member selection changes only the member list, never which groups come
 * back or their other fields; without members no membership is read, with
 * named ones only those (matched as the memberUid candidate term: NOCASE). */
static void test_get_many_members(void **state)
{
    struct fixture *f = *state;
    cdb_group **all = NULL, **got = NULL;
    size_t n_all = 0, n = 0, i;
    int64_t empty = 0, anna, ben, cleo;
    int64_t gids[] = {2001, 99999, 2000, 0, 2000};
    const char *names[] = {"BEN", "cleo", "zed", "cleo"};
    const char *odd[] = {"a\"b", "c\\d", "e\x01" "f", ""};
    char plan[4096];
    const int on_sqlite = fixture_on_sqlite();

    anna = add_user(f->db, "anna", 0);
    ben = add_user(f->db, "ben", 0);
    cleo = add_user(f->db, "cleo", 0);
    (void)add_user(f->db, "dora", 0);
    assert_int_equal(cdb_membership_add(f->db, ben, CDB_GID_LDAPUSERS), CDB_OK);
    assert_int_equal(cdb_membership_add(f->db, cleo, CDB_GID_LDAPUSERS), CDB_OK);
    assert_int_equal(cdb_membership_add(f->db, anna, CDB_GID_LDAPUSERS), CDB_OK);
    assert_int_equal(cdb_group_create(f->db, "nobody-in", 0, 0, &empty), CDB_OK);
    gids[3] = empty;

    assert_int_equal(cdb_group_get_many(f->db, gids, 5, &all, &n_all), CDB_OK);
    assert_int_equal(n_all, 3);
    assert_int_equal(all[1]->n_members, 3);

    /* The statements and their plans are SQLite's to show (trace hook,
     * EXPLAIN QUERY PLAN); what comes back is checked on every engine. */
    if (on_sqlite)
        assert_int_equal(sqlite3_trace_v2(cdb_sqlite(f->db), SQLITE_TRACE_STMT,
                                          remember_statement, NULL),
                         SQLITE_OK);

    /* ALL: what cdb_group_get_many gives. */
    assert_int_equal(cdb_group_get_many_members(f->db, gids, 5, CDB_MEMBERS_ALL, NULL, 0, &got, &n),
                     CDB_OK);
    assert_int_equal(n, n_all);
    for (i = 0; i < n; i++) {
        size_t k;
        assert_int_equal(got[i]->n_members, all[i]->n_members);
        for (k = 0; k < got[i]->n_members; k++) {
            assert_string_equal(got[i]->member_usernames[k], all[i]->member_usernames[k]);
            assert_int_equal(got[i]->member_uids[k], all[i]->member_uids[k]);
        }
    }
    cdb_group_array_free(got, n);

    /* NONE: the same groups, in the caller's order, without members; the
     * statement touches no membership or user row. */
    assert_int_equal(cdb_group_get_many_members(f->db, gids, 5, CDB_MEMBERS_NONE, NULL, 0, &got,
                                                &n),
                     CDB_OK);
    if (on_sqlite) {
        assert_null(strstr(last_statement, "UserGroups"));
        assert_null(strstr(last_statement, "Users"));
        assert_null(strstr(last_statement, "username"));
    }
    assert_int_equal(n, n_all);
    for (i = 0; i < n; i++) {
        assert_int_equal(got[i]->gid_number, all[i]->gid_number);
        assert_string_equal(got[i]->cn, all[i]->cn);
        assert_int_equal(got[i]->is_administrator, all[i]->is_administrator);
        assert_string_equal(got[i]->created_at, all[i]->created_at);
        assert_string_equal(got[i]->updated_at, all[i]->updated_at);
        assert_int_equal(got[i]->n_members, 0);
    }
    cdb_group_array_free(got, n);

    /* NAMED: only those members, case-insensitively, in username order; a
     * repeated or unknown name adds nothing.  Users are found by the
     * username index, not by scanning a group's memberships. */
    assert_int_equal(cdb_group_get_many_members(f->db, gids, 5, CDB_MEMBERS_NAMED, names, 4, &got,
                                                &n),
                     CDB_OK);
    if (on_sqlite) {
        plan_of(f->db, last_statement, plan, sizeof plan);
        assert_non_null(strstr(plan, "(username=?)"));
        assert_null(strstr(plan, "SCAN u\n"));
        assert_null(strstr(plan, "SCAN ug"));
    }
    assert_int_equal(n, 3);
    assert_int_equal(got[0]->gid_number, 2001);
    assert_int_equal(got[0]->n_members, 0); /* sysadmins: anna only */
    assert_int_equal(got[1]->gid_number, 2000);
    assert_int_equal(got[1]->n_members, 2);
    assert_string_equal(got[1]->member_usernames[0], "ben");
    assert_int_equal(got[1]->member_uids[0], ben);
    assert_string_equal(got[1]->member_usernames[1], "cleo");
    assert_int_equal(got[1]->member_uids[1], cleo);
    assert_int_equal(got[2]->gid_number, empty);
    assert_int_equal(got[2]->n_members, 0);
    assert_string_equal(got[2]->cn, "nobody-in");
    cdb_group_array_free(got, n);

    /* Names that need escaping are bound as they are (no JSON error). */
    assert_int_equal(cdb_group_get_many_members(f->db, gids, 5, CDB_MEMBERS_NAMED, odd, 4, &got,
                                                &n),
                     CDB_OK);
    assert_int_equal(n, 3);
    for (i = 0; i < n; i++)
        assert_int_equal(got[i]->n_members, 0);
    cdb_group_array_free(got, n);
    /* No names: no members. */
    assert_int_equal(cdb_group_get_many_members(f->db, gids, 5, CDB_MEMBERS_NAMED, NULL, 0, &got,
                                                &n),
                     CDB_OK);
    assert_int_equal(n, 3);
    assert_int_equal(got[1]->n_members, 0);
    cdb_group_array_free(got, n);
    if (on_sqlite)
        assert_int_equal(sqlite3_trace_v2(cdb_sqlite(f->db), 0, NULL, NULL), SQLITE_OK);

    /* Bad arguments. */
    got = NULL;
    assert_int_equal(cdb_group_get_many_members(f->db, gids, 5, (cdb_member_selection)7, NULL, 0,
                                                &got, &n),
                     CDB_ERR_INVALID);
    assert_int_equal(cdb_group_get_many_members(f->db, gids, 5, CDB_MEMBERS_NAMED, NULL, 2, &got,
                                                &n),
                     CDB_ERR_INVALID);
    assert_null(got);
    cdb_group_array_free(all, n_all);
}

/* Every refused login costs exactly one argon2 verification, whatever the
 * reason, so the time a refusal takes does not tell an unknown name from a
 * wrong password.  Counted, not timed: timings on a shared machine prove nothing. */
static void test_refusals_cost_one_verification(void **state)
{
    struct fixture *f = *state;
    cdb_user_input in = user_input("known");
    const char *refused[] = { "known", "nobody", "pending1", "hashless" };
    size_t i;

    in.password = "the-password";
    assert_int_equal(cdb_user_create(f->db, &in, 1, NULL), CDB_OK);
    in = user_input("pending1");
    in.password = "the-password";
    in.status = CDB_USER_PENDING;
    assert_int_equal(cdb_user_create(f->db, &in, 0, NULL), CDB_OK);
    in = user_input("hashless");
    assert_int_equal(cdb_user_create(f->db, &in, 1, NULL), CDB_OK);

    for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const char *password = i == 2 ? "the-password" : "not-the-password";
        unsigned long before = cdb_password_verifications();
        assert_int_equal(cdb_user_authenticate(f->db, refused[i], password, strlen(password), NULL),
                         CDB_ERR_DENIED);
        assert_int_equal(cdb_password_verifications() - before, 1);
    }
}

static void test_status_names(void **state)
{
    cdb_user_status s;

    (void)state;
    assert_string_equal(cdb_user_status_name(CDB_USER_PENDING), "pending");
    assert_string_equal(cdb_user_status_name(CDB_USER_ACTIVE), "active");
    assert_string_equal(cdb_user_status_name(CDB_USER_SUSPENDED), "suspended");
    assert_int_equal(cdb_user_status_parse("suspended", &s), CDB_OK);
    assert_int_equal(s, CDB_USER_SUSPENDED);
    assert_int_equal(cdb_user_status_parse("Active", &s), CDB_ERR_INVALID);
    assert_int_equal(cdb_user_status_parse("", &s), CDB_ERR_INVALID);
    assert_int_equal(cdb_user_status_parse(NULL, &s), CDB_ERR_INVALID);
    cdb_user_free(NULL);
    cdb_group_free(NULL);
    cdb_user_array_free(NULL, 3);
    cdb_group_array_free(NULL, 3);
}

/* The stored hash of a user, or NULL (caller frees). */
static char *stored_hash(cdb *db, int64_t uid)
{
    cdb_user *u = NULL;
    char *hash;

    assert_int_equal(cdb_user_get(db, uid, &u), CDB_OK);
    hash = u->user_password ? strdup(u->user_password) : NULL;
    cdb_user_free(u);
    return hash;
}

/* The policy: every plaintext password, on create and on update, counted in
 * code points; the first user is no exception; a refusal changes nothing. */
static void test_password_policy(void **state)
{
    struct fixture *f = *state;
    cdb_user_input in = user_input("first");
    struct counts before;
    size_t min_length = 0;
    int64_t uid = 0;
    char *hash, *gen = NULL;

    assert_int_equal(cdb_password_min_length(f->db, &min_length), CDB_OK);
    assert_int_equal(min_length, CDB_DEFAULT_PASSWORD_MIN_LENGTH);
    before = take_counts(f->db);
    in.password = "abc";
    assert_int_equal(cdb_user_create(f->db, &in, 0, &uid), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(f->db), "userPassword");
    assert_string_equal(cdb_errmsg(f->db), "userPassword must be at least 12 characters"
                                           " (setting password_min_length)");
    in.password = "elevenchars";
    assert_int_equal(cdb_user_create(f->db, &in, 0, &uid), CDB_ERR_INVALID);
    assert_unchanged(f->db, before);
    /* 12 code points in 24 bytes: enough; 11 in 22 bytes: not. */
    in.password = "ÄÖÜäöüßéèêëï";
    assert_int_equal(cdb_user_create(f->db, &in, 0, &uid), CDB_OK);
    hash = stored_hash(f->db, uid);
    in = user_input(NULL);
    in.password = "ÄÖÜäöüßéèêë";
    assert_int_equal(cdb_user_update(f->db, uid, CDB_UF_PASSWORD, &in), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(f->db), "userPassword");
    {
        char *now = stored_hash(f->db, uid);
        assert_string_equal(now, hash);
        free(now);
    }
    /* A hash given as is cannot be measured: outside the policy. */
    in.password = NULL;
    in.password_hash = hash;
    assert_int_equal(cdb_user_update(f->db, uid, CDB_UF_PASSWORD_HASH, &in), CDB_OK);
    free(hash);

    /* The setting: validated when set, then in force. */
    assert_int_equal(cdb_setting_set(f->db, CDB_SETTING_PASSWORD_MIN_LENGTH, "7"), CDB_ERR_INVALID);
    assert_int_equal(cdb_setting_set(f->db, CDB_SETTING_PASSWORD_MIN_LENGTH, "257"),
                     CDB_ERR_INVALID);
    assert_int_equal(cdb_setting_set(f->db, CDB_SETTING_PASSWORD_MIN_LENGTH, "12a"),
                     CDB_ERR_INVALID);
    assert_int_equal(cdb_setting_set(f->db, CDB_SETTING_PASSWORD_MIN_LENGTH, " 12"),
                     CDB_ERR_INVALID);
    assert_int_equal(cdb_setting_set(f->db, CDB_SETTING_PASSWORD_MIN_LENGTH, "20"), CDB_OK);
    in = user_input(NULL);
    in.password = "nineteen-characters";
    assert_int_equal(cdb_user_update(f->db, uid, CDB_UF_PASSWORD, &in), CDB_ERR_INVALID);
    assert_non_null(strstr(cdb_errmsg(f->db), "at least 20 characters"));
    in.password = "twenty--characters!!";
    assert_int_equal(cdb_user_update(f->db, uid, CDB_UF_PASSWORD, &in), CDB_OK);
    assert_int_equal(cdb_setting_set(f->db, CDB_SETTING_PASSWORD_MIN_LENGTH, "8"), CDB_OK);
    in.password = "eight-ch";
    assert_int_equal(cdb_user_update(f->db, uid, CDB_UF_PASSWORD, &in), CDB_OK);
    /* A value plain SQL wrote out of range refuses passwords, naming the setting. */
    sql_exec(f->db, "UPDATE Settings SET value = '3' WHERE key = 'password_min_length'");
    in.password = "long enough for any policy";
    assert_int_equal(cdb_user_update(f->db, uid, CDB_UF_PASSWORD, &in), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(f->db), CDB_SETTING_PASSWORD_MIN_LENGTH);

    /* Generated passwords: the length asked, the alphabet, never twice the same. */
    assert_int_equal(cdb_password_generate(15, &gen), CDB_ERR_INVALID);
    assert_int_equal(cdb_password_generate(CDB_GENERATED_PASSWORD_MIN, &gen), CDB_OK);
    assert_int_equal(strlen(gen), CDB_GENERATED_PASSWORD_MIN);
    assert_int_equal(strspn(gen, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     CDB_GENERATED_PASSWORD_MIN);
    {
        char *other = NULL;
        assert_int_equal(cdb_password_generate(40, &other), CDB_OK);
        assert_int_equal(strlen(other), 40);
        assert_true(strncmp(gen, other, CDB_GENERATED_PASSWORD_MIN) != 0);
        cdb_free_secret(other);
    }
    cdb_free_secret(gen);
}

/* loginShell / homeDirectory: NULL serves the defaults, values are checked,
 * "" goes back to the default, and a row plain SQL wrote keeps working. */
static void test_login_shell_home(void **state)
{
    struct fixture *f = *state;
    cdb_user_input in = user_input("shelly");
    struct counts before;
    cdb_user *u = NULL;
    char home[CDB_LOGIN_PATH_MAX + 1];
    int64_t uid = 0;
    static const char *const bad[] = {"bin/zsh", "", "/bin/z:sh", "/bin/zsh\n", "/bin/\tzsh",
                                      "/home/Ünï", "/bin/\x7f"};

    add_user(f->db, "root_admin", 0);
    in.login_shell = "/usr/bin/zsh";
    in.home_directory = "/srv/home/shelly";
    assert_int_equal(cdb_user_create(f->db, &in, 1, &uid), CDB_OK);
    assert_int_equal(cdb_user_get(f->db, uid, &u), CDB_OK);
    assert_string_equal(u->login_shell, "/usr/bin/zsh");
    assert_string_equal(cdb_user_login_shell(u), "/usr/bin/zsh");
    assert_int_equal(cdb_user_home_directory(u, home, sizeof home), 16);
    assert_string_equal(home, "/srv/home/shelly");
    cdb_user_free(u);

    before = take_counts(f->db);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        in = user_input(NULL);
        in.login_shell = bad[i];
        if (bad[i][0] == '\0')
            continue; /* "" is the default, not an error */
        assert_int_equal(cdb_user_update(f->db, uid, CDB_UF_LOGIN_SHELL, &in), CDB_ERR_INVALID);
        assert_string_equal(cdb_errfield(f->db), "loginShell");
        in.login_shell = NULL;
        in.home_directory = bad[i];
        assert_int_equal(cdb_user_update(f->db, uid, CDB_UF_HOME_DIRECTORY, &in), CDB_ERR_INVALID);
        assert_string_equal(cdb_errfield(f->db), "homeDirectory");
        assert_false(cdb_valid_login_path(bad[i], CDB_LOGIN_PATH_MAX));
    }
    {
        char longest[CDB_LOGIN_PATH_MAX + 2];
        memset(longest, 'a', sizeof longest);
        longest[0] = '/';
        longest[CDB_LOGIN_PATH_MAX] = '\0';
        assert_true(cdb_valid_login_path(longest, CDB_LOGIN_PATH_MAX));
        longest[CDB_LOGIN_PATH_MAX] = 'a';
        longest[CDB_LOGIN_PATH_MAX + 1] = '\0';
        in = user_input("toolong");
        in.home_directory = longest;
        assert_int_equal(cdb_user_create(f->db, &in, 1, NULL), CDB_ERR_INVALID);
        assert_string_equal(cdb_errfield(f->db), "homeDirectory");
    }
    assert_unchanged(f->db, before);
    assert_int_equal(cdb_user_get(f->db, uid, &u), CDB_OK);
    assert_string_equal(u->login_shell, "/usr/bin/zsh");
    cdb_user_free(u);

    /* "" and NULL: back to the defaults, stored as NULL. */
    in = user_input(NULL);
    in.login_shell = "";
    in.home_directory = NULL;
    assert_int_equal(cdb_user_update(f->db, uid, CDB_UF_LOGIN_SHELL | CDB_UF_HOME_DIRECTORY, &in),
                     CDB_OK);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM Users WHERE username = 'shelly'"
                                    " AND loginShell IS NULL AND homeDirectory IS NULL"),
                     1);
    assert_int_equal(cdb_user_get(f->db, uid, &u), CDB_OK);
    assert_null(u->login_shell);
    assert_string_equal(cdb_user_login_shell(u), CDB_DEFAULT_LOGIN_SHELL);
    assert_int_equal(cdb_user_home_directory(u, home, sizeof home), strlen("/home/shelly"));
    assert_string_equal(home, CDB_DEFAULT_HOME_PREFIX "shelly");
    /* Truncated like snprintf, the full length returned. */
    assert_int_equal(cdb_user_home_directory(u, home, 4), strlen("/home/shelly"));
    assert_string_equal(home, "/ho");
    cdb_user_free(u);

    /* A row the cluster manager inserts with plain SQL, naming no new column. */
    sql_exec(f->db, "INSERT INTO Users (uidNumber, username, cn, sn, status)"
                    " VALUES (4000, 'plainsql', 'plainsql', 'plainsql', 'active')");
    assert_int_equal(cdb_user_get_by_name(f->db, "plainsql", &u), CDB_OK);
    assert_string_equal(cdb_user_login_shell(u), "/bin/bash");
    cdb_user_home_directory(u, home, sizeof home);
    assert_string_equal(home, "/home/plainsql");
    cdb_user_free(u);
}

static void test_utf8_length(void **state)
{
    (void)state;
    assert_int_equal(cdb_utf8_length("", 0), 0);
    assert_int_equal(cdb_utf8_length("abc", 3), 3);
    assert_int_equal(cdb_utf8_length("äö€😀", strlen("äö€😀")), 4);
    /* Bytes that are not UTF-8 count one each. */
    assert_int_equal(cdb_utf8_length("\xff\xfe\xc3", 3), 3);
    assert_int_equal(cdb_utf8_length("a\xc3\xa4\xe2\x82", 5), 4);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_first_user_and_status_defaults),
        T(test_create_get_update_delete),
        T(test_validation_failures),
        T(test_conflicts),
        T(test_numbers_and_groups),
        T(test_memberships),
        T(test_get_many),
        T(test_authenticate),
        T(test_one_statement_per_batch),
        T(test_get_many_members),
        T(test_refusals_cost_one_verification),
        T(test_password_policy),
        T(test_login_shell_home),
        cmocka_unit_test(test_utf8_length),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests_name("directory", tests, NULL, NULL);
}
