/*
 * Unit tests of container access (core/src/access.c): owners, administrators
 * and grants enter, others do not; grants per container and per site, to a
 * user or a group; sudo follows the policy setting; bad grants name the
 * field and change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <clusterdb/access.h>
#include <clusterdb/clusterdb.h>
#include <clusterdb/cluster.h>
#include <clusterdb/directory.h>
#include <clusterdb/settings.h>

#include "tmpdir_fixture.h"

static int64_t count_grants(cdb *db)
{
    return sql_int(db, "SELECT count(*) FROM ContainerAccessGrants");
}

#define OK(db, call)                                                                        \
    do {                                                                                    \
        int rc_ = (call);                                                                   \
        if (rc_ != CDB_OK)                                                                  \
            fail_msg("%s: %d %s", #call, rc_, cdb_errmsg(db));                              \
    } while (0)

typedef struct ids {
    int64_t admin, alice, bob, carol, suspended, devs;
    int64_t web, db1, lab1; /* containers: web and db1 on site Main, lab1 on site Lab */
} ids;
static ids g;

static int64_t add_user(cdb *db, const char *name, int status)
{
    cdb_user_input in = {.username = name, .status = status};
    int64_t uid = 0;

    OK(db, cdb_user_create(db, &in, 1, &uid));
    return uid;
}

static int64_t add_node(cdb *db, int64_t site, const char *name, const char *ip)
{
    cdb_node_input in = {.name = name, .ipv4_address = ip, .api_url = "https://pve:8006",
                         .api_token_id_or_username = "root@pam!t",
                         .api_token_secret_or_password = "secret", .site_id = site};
    int64_t id = 0;

    OK(db, cdb_node_create(db, &in, &id));
    return id;
}

static int64_t add_container(cdb *db, int64_t node, const char *hostname, const char *owner)
{
    cdb_container_input in = {.hostname = hostname, .username = owner, .status = -1,
                              .node_id = node};
    int64_t id = 0;

    OK(db, cdb_container_create(db, &in, &id));
    return id;
}

static int setup(void **state)
{
    struct fixture *fx;
    cdb_site_input main_site = {.name = "Main", .internal_domain = "cluster.internal"};
    cdb_site_input lab_site = {.name = "Lab", .internal_domain = "lab.internal"};
    int64_t main_id = 0, lab_id = 0, n1, n2;

    if (tmpdir_setup_open(state, "cdb-access") != 0)
        return -1;
    fx = *state;
    g.admin = add_user(fx->db, "root_admin", -1); /* the first user: a sysadmin */
    g.alice = add_user(fx->db, "alice", -1);
    g.bob = add_user(fx->db, "bob", -1);
    g.carol = add_user(fx->db, "carol", -1);
    g.suspended = add_user(fx->db, "sam", CDB_USER_SUSPENDED);
    g.devs = 0;
    OK(fx->db, cdb_group_create(fx->db, "devs", 0, 0, &g.devs));
    OK(fx->db, cdb_membership_add(fx->db, g.carol, g.devs));
    OK(fx->db, cdb_site_create(fx->db, &main_site, &main_id));
    OK(fx->db, cdb_site_create(fx->db, &lab_site, &lab_id));
    n1 = add_node(fx->db, main_id, "pve1", "192.168.1.10");
    n2 = add_node(fx->db, lab_id, "pve2", "192.168.2.10");
    g.web = add_container(fx->db, n1, "web", "alice");
    g.db1 = add_container(fx->db, n1, "db1", "sam");
    g.lab1 = add_container(fx->db, n2, "lab1", "bob");
    return 0;
}

static int teardown(void **state)
{
    return tmpdir_teardown(state);
}

/* The hostnames a user may enter, "a,b,c" ("" for none); sudo ones marked '*'. */
static void hosts_of(cdb *db, int64_t uid, char *buf, size_t size)
{
    cdb_access_host **hosts = NULL;
    size_t n = 0;

    OK(db, cdb_access_hosts_for_user(db, uid, &hosts, &n));
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strncat(buf, ",", size - strlen(buf) - 1);
        strncat(buf, hosts[i]->hostname, size - strlen(buf) - 1);
        if (hosts[i]->sudo)
            strncat(buf, "*", size - strlen(buf) - 1);
    }
    cdb_access_host_array_free(hosts, n);
}

#define ASSERT_HOSTS(db, uid, want)                                                         \
    do {                                                                                    \
        char got_[256];                                                                     \
        hosts_of((db), (uid), got_, sizeof got_);                                           \
        assert_string_equal(got_, (want));                                                  \
    } while (0)

static void test_owner_and_administrators(void **state)
{
    struct fixture *fx = *state;
    cdb_access_host **hosts = NULL;
    size_t n = 0;

    ASSERT_HOSTS(fx->db, g.admin, "db1*,lab1*,web*");
    ASSERT_HOSTS(fx->db, g.alice, "web*");
    ASSERT_HOSTS(fx->db, g.bob, "lab1*");
    ASSERT_HOSTS(fx->db, g.carol, "");
    /* A suspended owner enters nothing. */
    ASSERT_HOSTS(fx->db, g.suspended, "");
    ASSERT_HOSTS(fx->db, 999999, "");

    OK(fx->db, cdb_access_hosts_for_user(fx->db, g.alice, &hosts, &n));
    assert_int_equal(n, 1);
    assert_string_equal(hosts[0]->domain, "cluster.internal");
    assert_true(hosts[0]->owner);
    assert_false(hosts[0]->administrator);
    assert_false(hosts[0]->granted);
    cdb_access_host_array_free(hosts, n);
}

static void test_sudo_policy_setting(void **state)
{
    struct fixture *fx = *state;
    int yes = -1;

    OK(fx->db, cdb_access_owners_get_sudo(fx->db, &yes));
    assert_int_equal(yes, 1);
    OK(fx->db, cdb_setting_set(fx->db, CDB_SETTING_SUDO_OWNERS, "no"));
    ASSERT_HOSTS(fx->db, g.alice, "web");
    ASSERT_HOSTS(fx->db, g.admin, "db1*,lab1*,web*");
    /* Refused when set through the library, naming the value ... */
    assert_int_equal(cdb_setting_set(fx->db, CDB_SETTING_SUDO_OWNERS, "maybe"), CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(fx->db), "value");
    ASSERT_HOSTS(fx->db, g.alice, "web");
    /* ... and when another writer stored it anyway, reading names the setting. */
    sql_exec(fx->db, "UPDATE Settings SET value = 'maybe' WHERE key = '" CDB_SETTING_SUDO_OWNERS "'");
    {
        cdb_access_host **hosts = NULL;
        size_t n = 0;
        assert_int_equal(cdb_access_hosts_for_user(fx->db, g.alice, &hosts, &n), CDB_ERR_INVALID);
        assert_string_equal(cdb_errfield(fx->db), CDB_SETTING_SUDO_OWNERS);
    }
    OK(fx->db, cdb_setting_set(fx->db, CDB_SETTING_SUDO_OWNERS, "yes"));
    ASSERT_HOSTS(fx->db, g.alice, "web*");
}

static void test_grants_user_group_site(void **state)
{
    struct fixture *fx = *state;
    cdb_grant_input to_bob = {.username = "bob", .container = "web"};
    cdb_grant_input devs_lab = {.group = "devs", .site = "Lab"};
    cdb_grant **grants = NULL;
    size_t n = 0;
    int64_t id = 0;
    int allowed = -1;

    OK(fx->db, cdb_grant_add(fx->db, &to_bob, &id));
    assert_true(id > 0);
    /* A grant gives entry, not sudo. */
    ASSERT_HOSTS(fx->db, g.bob, "lab1*,web");
    assert_int_equal(cdb_grant_add(fx->db, &to_bob, NULL), CDB_ERR_CONFLICT);

    OK(fx->db, cdb_grant_add(fx->db, &devs_lab, NULL));
    ASSERT_HOSTS(fx->db, g.carol, "lab1");
    OK(fx->db, cdb_access_may_enter(fx->db, "carol", "lab1.lab.internal", &allowed));
    assert_int_equal(allowed, 1);
    OK(fx->db, cdb_access_may_enter(fx->db, "carol", "LAB1", &allowed));
    assert_int_equal(allowed, 1);
    OK(fx->db, cdb_access_may_enter(fx->db, "carol", "lab1.cluster.internal", &allowed));
    assert_int_equal(allowed, 0); /* the FQDN is under the container's own site */
    OK(fx->db, cdb_access_may_enter(fx->db, "carol", "web", &allowed));
    assert_int_equal(allowed, 0);

    OK(fx->db, cdb_grant_list_for_container(fx->db, g.lab1, &grants, &n));
    assert_int_equal(n, 1);
    assert_null(grants[0]->username);
    assert_string_equal(grants[0]->group, "devs");
    assert_string_equal(grants[0]->site, "Lab");
    assert_null(grants[0]->container);
    cdb_grant_array_free(grants, n);

    /* Leaving the group ends the group's grant for the user. */
    OK(fx->db, cdb_membership_remove(fx->db, g.carol, g.devs));
    ASSERT_HOSTS(fx->db, g.carol, "");
    OK(fx->db, cdb_membership_add(fx->db, g.carol, g.devs));

    OK(fx->db, cdb_grant_remove(fx->db, &to_bob));
    ASSERT_HOSTS(fx->db, g.bob, "lab1*");
    assert_int_equal(cdb_grant_remove(fx->db, &to_bob), CDB_ERR_NOTFOUND);
}

/* Grants as host values change them: one transaction per call, either name
 * of a container, refusals that change nothing. */
static void test_grant_user_hosts(void **state)
{
    struct fixture *fx = *state;
    const char *web_fqdn[] = {"WEB.cluster.internal"}, *lab[] = {"lab1"};
    const char *web_and_nohost[] = {"web", "nohost"}, *wrong_domain[] = {"lab1.cluster.internal"};
    const char *web[] = {"web"}, *db1[] = {"db1"};

    OK(fx->db, cdb_grant_user_hosts(fx->db, g.carol, web_fqdn, 1, NULL, 0));
    ASSERT_HOSTS(fx->db, g.carol, "web");
    /* Held already: no second row. */
    OK(fx->db, cdb_grant_user_hosts(fx->db, g.carol, web, 1, NULL, 0));
    assert_int_equal(count_grants(fx->db), 1);

    assert_int_equal(cdb_grant_user_hosts(fx->db, g.carol, lab, 1, web_and_nohost, 2),
                     CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(fx->db), "host");
    assert_non_null(strstr(cdb_errmsg(fx->db), "nohost"));
    ASSERT_HOSTS(fx->db, g.carol, "web"); /* lab1 not added, web not removed */
    assert_int_equal(cdb_grant_user_hosts(fx->db, g.carol, wrong_domain, 1, NULL, 0),
                     CDB_ERR_INVALID);

    /* Replace web by lab1 in one call. */
    OK(fx->db, cdb_grant_user_hosts(fx->db, g.carol, lab, 1, web, 1));
    ASSERT_HOSTS(fx->db, g.carol, "lab1");

    /* alice owns web: no grant of hers can take it away. */
    assert_int_equal(cdb_grant_user_hosts(fx->db, g.alice, NULL, 0, web, 1), CDB_ERR_CONSTRAINT);
    assert_string_equal(cdb_errfield(fx->db), "host");
    assert_non_null(strstr(cdb_errmsg(fx->db), "as its owner"));
    assert_int_equal(cdb_grant_user_hosts(fx->db, g.admin, NULL, 0, web, 1), CDB_ERR_CONSTRAINT);
    assert_non_null(strstr(cdb_errmsg(fx->db), "as an administrator"));
    /* A refused removal undoes the grants added before it in the call. */
    assert_int_equal(cdb_grant_user_hosts(fx->db, g.alice, db1, 1, web, 1), CDB_ERR_CONSTRAINT);
    ASSERT_HOSTS(fx->db, g.alice, "web*");
    assert_int_equal(count_grants(fx->db), 1);

    /* A suspended user's grants are kept and apply once active. */
    OK(fx->db, cdb_grant_user_hosts(fx->db, g.suspended, web, 1, NULL, 0));
    ASSERT_HOSTS(fx->db, g.suspended, "");
    assert_int_equal(count_grants(fx->db), 2);
    assert_int_equal(cdb_grant_user_hosts(fx->db, 424242, web, 1, NULL, 0), CDB_ERR_CONSTRAINT);
}

/* The hostnames a group's grants name, "a,b,c" ("" for none). */
static void group_hosts_of(cdb *db, int64_t gid, char *buf, size_t size)
{
    cdb_access_host **hosts = NULL;
    size_t n = 0;

    OK(db, cdb_access_hosts_for_group(db, gid, &hosts, &n));
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strncat(buf, ",", size - strlen(buf) - 1);
        strncat(buf, hosts[i]->hostname, size - strlen(buf) - 1);
        assert_true(hosts[i]->granted && !hosts[i]->owner && !hosts[i]->administrator &&
                    !hosts[i]->sudo);
    }
    cdb_access_host_array_free(hosts, n);
}

#define ASSERT_GROUP_HOSTS(db, gid, want)                                                   \
    do {                                                                                    \
        char got_[256];                                                                     \
        group_hosts_of((db), (gid), got_, sizeof got_);                                     \
        assert_string_equal(got_, (want));                                                  \
    } while (0)

/* A group's grants as its host values change them: as for users, and the
 * group's site grants and the administrator groups refuse what would not
 * change the values as asked. */
static void test_grant_group_hosts(void **state)
{
    struct fixture *fx = *state;
    const char *web_fqdn[] = {"WEB.cluster.internal"}, *lab[] = {"lab1"}, *web[] = {"web"};
    const char *web_and_nohost[] = {"web", "nohost"}, *wrong_domain[] = {"lab1.cluster.internal"};
    const char *lab_and_web[] = {"lab1", "web"};
    cdb_grant_input devs_main = {.group = "devs", .site = "Main"};
    cdb_grant_input bob_lab = {.username = "bob", .container = "lab1"};
    cdb_grant_input sysadmins_web = {.group = "sysadmins", .container = "web"};

    ASSERT_GROUP_HOSTS(fx->db, g.devs, "");
    OK(fx->db, cdb_grant_group_hosts(fx->db, g.devs, web_fqdn, 1, NULL, 0));
    ASSERT_GROUP_HOSTS(fx->db, g.devs, "web");
    ASSERT_HOSTS(fx->db, g.carol, "web"); /* its member enters through it */
    OK(fx->db, cdb_grant_group_hosts(fx->db, g.devs, web, 1, NULL, 0));
    assert_int_equal(count_grants(fx->db), 1);

    assert_int_equal(cdb_grant_group_hosts(fx->db, g.devs, lab, 1, web_and_nohost, 2),
                     CDB_ERR_INVALID);
    assert_string_equal(cdb_errfield(fx->db), "host");
    assert_non_null(strstr(cdb_errmsg(fx->db), "nohost"));
    ASSERT_GROUP_HOSTS(fx->db, g.devs, "web");
    assert_int_equal(cdb_grant_group_hosts(fx->db, g.devs, wrong_domain, 1, NULL, 0),
                     CDB_ERR_INVALID);

    OK(fx->db, cdb_grant_group_hosts(fx->db, g.devs, lab, 1, web, 1));
    ASSERT_GROUP_HOSTS(fx->db, g.devs, "lab1");
    ASSERT_HOSTS(fx->db, g.carol, "lab1");

    /* A site grant lists the site's containers; they go only with it. */
    OK(fx->db, cdb_grant_add(fx->db, &devs_main, NULL));
    ASSERT_GROUP_HOSTS(fx->db, g.devs, "db1,lab1,web");
    assert_int_equal(cdb_grant_group_hosts(fx->db, g.devs, NULL, 0, web, 1), CDB_ERR_CONSTRAINT);
    assert_string_equal(cdb_errfield(fx->db), "host");
    assert_non_null(strstr(cdb_errmsg(fx->db), "every container of site Main"));
    /* Refused whole: lab1's own grant, removed first, is back. */
    assert_int_equal(cdb_grant_group_hosts(fx->db, g.devs, NULL, 0, lab_and_web, 2),
                     CDB_ERR_CONSTRAINT);
    assert_int_equal(count_grants(fx->db), 2);
    OK(fx->db, cdb_grant_remove(fx->db, &devs_main));
    ASSERT_GROUP_HOSTS(fx->db, g.devs, "lab1");

    /* Only the group's own grant goes: bob keeps his. */
    OK(fx->db, cdb_grant_add(fx->db, &bob_lab, NULL));
    OK(fx->db, cdb_grant_group_hosts(fx->db, g.devs, NULL, 0, lab, 1));
    ASSERT_GROUP_HOSTS(fx->db, g.devs, "");
    assert_int_equal(count_grants(fx->db), 1);
    ASSERT_HOSTS(fx->db, g.carol, "");

    /* An administrator group gains nothing from a grant; one it holds may go. */
    assert_int_equal(cdb_grant_group_hosts(fx->db, CDB_GID_SYSADMINS, web, 1, NULL, 0),
                     CDB_ERR_CONSTRAINT);
    assert_string_equal(cdb_errfield(fx->db), "host");
    assert_non_null(strstr(cdb_errmsg(fx->db), "administrator group"));
    assert_int_equal(count_grants(fx->db), 1);
    OK(fx->db, cdb_grant_add(fx->db, &sysadmins_web, NULL));
    ASSERT_GROUP_HOSTS(fx->db, CDB_GID_SYSADMINS, "web");
    OK(fx->db, cdb_grant_group_hosts(fx->db, CDB_GID_SYSADMINS, NULL, 0, web, 1));
    ASSERT_GROUP_HOSTS(fx->db, CDB_GID_SYSADMINS, "");

    assert_int_equal(cdb_grant_group_hosts(fx->db, 424242, web, 1, NULL, 0), CDB_ERR_CONSTRAINT);
    assert_string_equal(cdb_errfield(fx->db), "gidNumber");
    ASSERT_GROUP_HOSTS(fx->db, 424242, "");
    assert_int_equal(count_grants(fx->db), 1);
}

static void test_entrants(void **state)
{
    struct fixture *fx = *state;
    cdb_grant_input to_carol = {.username = "carol", .container = "web"};
    cdb_access_entrant **who = NULL;
    size_t n = 0;

    OK(fx->db, cdb_grant_add(fx->db, &to_carol, NULL));
    OK(fx->db, cdb_access_entrants(fx->db, g.web, &who, &n));
    assert_int_equal(n, 3);
    assert_string_equal(who[0]->username, "root_admin");
    assert_true(who[0]->administrator && who[0]->sudo);
    assert_string_equal(who[1]->username, "alice");
    assert_true(who[1]->owner && who[1]->sudo);
    assert_string_equal(who[2]->username, "carol");
    assert_true(who[2]->granted && !who[2]->sudo);
    cdb_access_entrant_array_free(who, n);
    assert_int_equal(cdb_access_entrants(fx->db, 424242, &who, &n), CDB_ERR_CONSTRAINT);
}

static void test_bad_grants_name_the_field(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        cdb_grant_input in;
        int status;
        const char *field;
    } cases[] = {
        {{.container = "web"}, CDB_ERR_INVALID, "username"},
        {{.username = "bob", .group = "devs", .container = "web"}, CDB_ERR_INVALID, "username"},
        {{.username = "bob"}, CDB_ERR_INVALID, "container"},
        {{.username = "bob", .container = "web", .site = "Main"}, CDB_ERR_INVALID, "container"},
        {{.username = "nobody", .container = "web"}, CDB_ERR_INVALID, "username"},
        {{.group = "nogroup", .container = "web"}, CDB_ERR_INVALID, "group"},
        {{.username = "bob", .container = "nohost"}, CDB_ERR_INVALID, "container"},
        {{.username = "bob", .site = "Nowhere"}, CDB_ERR_INVALID, "site"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(cdb_grant_add(fx->db, &cases[i].in, NULL), cases[i].status);
        assert_string_equal(cdb_errfield(fx->db), cases[i].field);
    }
    assert_int_equal(count_grants(fx->db), 0);
}

static void test_grants_go_with_their_subject_and_scope(void **state)
{
    struct fixture *fx = *state;
    cdb_grant_input to_bob = {.username = "bob", .container = "web"};
    cdb_grant_input devs_web = {.group = "devs", .container = "web"};

    OK(fx->db, cdb_grant_add(fx->db, &to_bob, NULL));
    OK(fx->db, cdb_grant_add(fx->db, &devs_web, NULL));
    OK(fx->db, cdb_group_delete(fx->db, g.devs));
    assert_int_equal(count_grants(fx->db), 1);
    OK(fx->db, cdb_container_delete(fx->db, g.web));
    assert_int_equal(count_grants(fx->db), 0);
}

/* The sudo rules: "host:user:fqdn ..." of the owners' rules, and the
 * administrators' groups. */
static void owners_of(cdb *db, const char *hostname, char *buf, size_t size)
{
    cdb_access_sudo_owner **o = NULL;
    size_t n = 0;

    OK(db, cdb_access_sudo_owners(db, hostname, INT64_MIN, 100, &o, &n));
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char item[128];

        snprintf(item, sizeof item, "%s%s:%s:%s", i ? " " : "", o[i]->hostname, o[i]->username,
                 o[i]->domain);
        strncat(buf, item, size - strlen(buf) - 1);
        assert_non_null(o[i]->created_at);
        assert_non_null(o[i]->updated_at);
        assert_true(strcmp(o[i]->updated_at, o[i]->created_at) >= 0);
    }
    cdb_access_sudo_owner_array_free(o, n);
}

static void test_sudo_rules(void **state)
{
    struct fixture *fx = *state;
    cdb_access_sudo_admins a;
    cdb_access_sudo_owner **o = NULL;
    char got[512];
    size_t n = 0;

    /* Owners' rules by container id; sam is suspended: no rule for db1. */
    owners_of(fx->db, NULL, got, sizeof got);
    assert_string_equal(got, "web:alice:cluster.internal lab1:bob:lab.internal");
    owners_of(fx->db, "lab1", got, sizeof got);
    assert_string_equal(got, "lab1:bob:lab.internal");
    owners_of(fx->db, "db1", got, sizeof got);
    assert_string_equal(got, "");
    /* Paging by id: after web, only lab1; limit 1 gives web. */
    OK(fx->db, cdb_access_sudo_owners(fx->db, NULL, g.web, 100, &o, &n));
    assert_int_equal(n, 1);
    assert_string_equal(o[0]->hostname, "lab1");
    cdb_access_sudo_owner_array_free(o, n);
    OK(fx->db, cdb_access_sudo_owners(fx->db, NULL, INT64_MIN, 1, &o, &n));
    assert_int_equal(n, 1);
    assert_string_equal(o[0]->hostname, "web");
    cdb_access_sudo_owner_array_free(o, n);
    /* The policy setting removes them all. */
    OK(fx->db, cdb_setting_set(fx->db, CDB_SETTING_SUDO_OWNERS, "no"));
    owners_of(fx->db, NULL, got, sizeof got);
    assert_string_equal(got, "");
    OK(fx->db, cdb_setting_set(fx->db, CDB_SETTING_SUDO_OWNERS, "yes"));

    /* Administrators: the seeded sysadmins, then devs too. */
    OK(fx->db, cdb_access_sudo_administrators(fx->db, &a));
    assert_int_equal(a.n_groups, 1);
    assert_string_equal(a.groups[0], "sysadmins");
    assert_non_null(a.created_at);
    assert_non_null(a.updated_at);
    cdb_access_sudo_admins_clear(&a);
    OK(fx->db, cdb_group_update(fx->db, g.devs, CDB_GF_IS_ADMINISTRATOR, NULL, 1));
    OK(fx->db, cdb_access_sudo_administrators(fx->db, &a));
    assert_int_equal(a.n_groups, 2);
    assert_string_equal(a.groups[0], "devs");
    assert_string_equal(a.groups[1], "sysadmins");
    cdb_access_sudo_admins_clear(&a);
    /* None: no rule. */
    OK(fx->db, cdb_group_update(fx->db, g.devs, CDB_GF_IS_ADMINISTRATOR, NULL, 0));
    OK(fx->db, cdb_group_update(fx->db, CDB_GID_SYSADMINS, CDB_GF_IS_ADMINISTRATOR, NULL, 0));
    OK(fx->db, cdb_access_sudo_administrators(fx->db, &a));
    assert_int_equal(a.n_groups, 0);
    assert_null(a.created_at);
    cdb_access_sudo_admins_clear(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_owner_and_administrators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sudo_policy_setting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sudo_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grants_user_group_site, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grant_user_hosts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grant_group_hosts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entrants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_grants_name_the_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grants_go_with_their_subject_and_scope, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
