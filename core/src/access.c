/*
 * access.c: who may enter which container and who gets sudo there (the rule
 * is stated in <clusterdb/access.h>), and the ContainerAccessGrants table
 * that extends it.  The rule is written once, as the SQL fragments below;
 * every query here (by user, by container, by host name) selects through it.
 */
#include <stdlib.h>
#include <string.h>

#include <clusterdb/access.h>
#include <clusterdb/settings.h>

#include "cluster_internal.h"

/* ------------------------------------------------------------ the rule */

/* Rows u (Users), c (Containers), n (c's Nodes row), s (n's Sites row). */
#define ACCESS_FROM                                                                         \
    " FROM Users u CROSS JOIN Containers c JOIN Nodes n ON n.id = c.nodeId"                 \
    " JOIN Sites s ON s.id = n.siteId"
#define ACCESS_OWNER "(c.username = u.username)"
#define ACCESS_ADMINISTRATOR_GROUP "gr.isAdministrator = 1"
#define ACCESS_ADMINISTRATOR                                                                \
    "EXISTS (SELECT 1 FROM UserGroups ug JOIN Groups gr ON gr.gidNumber = ug.gidNumber"     \
    " WHERE ug.uidNumber = u.uidNumber AND " ACCESS_ADMINISTRATOR_GROUP ")"
/* Driven from the subject (the user's few grants, by index), not from the
 * container: a site's grants are many, and this runs once per container. */
#define ACCESS_GRANT_SCOPE "(a.containerId = c.id OR a.siteId = n.siteId)"
#define ACCESS_GRANTED                                                                      \
    "(EXISTS (SELECT 1 FROM ContainerAccessGrants a"                                        \
    "  WHERE a.uidNumber = u.uidNumber AND " ACCESS_GRANT_SCOPE ")"                         \
    " OR EXISTS (SELECT 1 FROM UserGroups ug JOIN ContainerAccessGrants a"                  \
    "  ON a.gidNumber = ug.gidNumber WHERE ug.uidNumber = u.uidNumber AND "                 \
    ACCESS_GRANT_SCOPE "))"
/* Columns owner, administrator, granted, sudo; ?9 is the sudo policy (1 when
 * owners get sudo on their own). */
#define ACCESS_COLUMNS                                                                      \
    ACCESS_OWNER " AS owner, " ACCESS_ADMINISTRATOR " AS administrator, " ACCESS_GRANTED    \
    " AS granted, (" ACCESS_ADMINISTRATOR " OR (?9 <> 0 AND " ACCESS_OWNER ")) AS sudo"
/* The expressions again, not the column names: only SQLite lets WHERE name
 * the result columns (and it expands them there the same way). */
#define ACCESS_ALLOWED                                                                      \
    " u.status = 'active' AND (" ACCESS_OWNER " OR " ACCESS_ADMINISTRATOR " OR "            \
    ACCESS_GRANTED ")"
/* The containers user ?1 may possibly enter, by index: those owned, every
 * one for an administrator, those the user's and its groups' grants name,
 * alone or by site.  Only narrows what ACCESS_ALLOWED then decides, so a
 * user's host list costs its own rows, not a pass over every container. */
#define ACCESS_GRANTS_OF_USER_1                                                             \
    " FROM ContainerAccessGrants a WHERE a.uidNumber = ?1"                                  \
    " OR a.gidNumber IN (SELECT gidNumber FROM UserGroups WHERE uidNumber = ?1)"
#define ACCESS_GRANTS_OF_GROUP_1 " FROM ContainerAccessGrants a WHERE a.gidNumber = ?1"
/* The containers some grants (FROM ... a WHERE ...) name: their own, and
 * every container of their sites. */
#define ACCESS_GRANTED_CONTAINERS(grants)                                                   \
    "SELECT a.containerId" grants                                                           \
    " UNION SELECT cs.id FROM Containers cs JOIN Nodes ns ON ns.id = cs.nodeId"             \
    " WHERE ns.siteId IN (SELECT a.siteId" grants ")"
#define ACCESS_CANDIDATES_OF_USER_1                                                         \
    "SELECT id FROM Containers WHERE username = (SELECT username FROM Users"                \
    " WHERE uidNumber = ?1)"                                                                \
    " UNION SELECT id FROM Containers WHERE EXISTS (SELECT 1 FROM UserGroups ug"            \
    " JOIN Groups gr ON gr.gidNumber = ug.gidNumber WHERE ug.uidNumber = ?1 AND "           \
    ACCESS_ADMINISTRATOR_GROUP ")"                                                          \
    " UNION " ACCESS_GRANTED_CONTAINERS(ACCESS_GRANTS_OF_USER_1)

int cdb_access_owners_get_sudo(cdb *db, int *yes)
{
    char *value = NULL;
    int status = cdb_setting_get(db, CDB_SETTING_SUDO_OWNERS, &value);

    if (status == CDB_ERR_NOTFOUND) {
        *yes = 1; /* the default: owners administer their own containers */
        return CDB_OK;
    }
    if (status != CDB_OK)
        return status;
    if (strcmp(value, "yes") == 0)
        *yes = 1;
    else if (strcmp(value, "no") == 0)
        *yes = 0;
    else
        status = cdb_fail(db, CDB_ERR_INVALID, CDB_SETTING_SUDO_OWNERS,
                          "setting " CDB_SETTING_SUDO_OWNERS " must be yes or no");
    cdb_free(value);
    return status;
}

/* Prepare sql, bind ?1 = key and ?9 = the sudo policy. */
static int prepare_access(cdb *db, const char *sql, int64_t key, cdb_sql_stmt **st)
{
    int owners_sudo = 1, brc = CDB_SQL_OK;
    int status = cdb_access_owners_get_sudo(db, &owners_sudo);

    if (status != CDB_OK || (status = cdb_stmt(db, sql, st)) != CDB_OK)
        return status;
    cm_bind(&brc, cdb_bind_int64(*st, 1, key));
    cm_bind(&brc, cdb_bind_int(*st, 9, owners_sudo));
    if ((status = cm_bind_status(db, brc)) != CDB_OK)
        cdb_stmt_done(*st);
    return status;
}

/* --------------------------------------------------------------- hosts */

static const cm_field host_fields[] = {
    CM_FIELD(CM_TEXT, cdb_access_host, hostname),
    CM_FIELD(CM_TEXT, cdb_access_host, domain),
    CM_FIELD(CM_BOOL, cdb_access_host, owner),
    CM_FIELD(CM_BOOL, cdb_access_host, administrator),
    CM_FIELD(CM_BOOL, cdb_access_host, granted),
    CM_FIELD(CM_BOOL, cdb_access_host, sudo),
};
static const cm_model host_model = CM_MODEL("container host", cdb_access_host, host_fields);
CM_MODEL_ARRAY_FREE_FUNCTION(host_model, cdb_access_host, cdb_access_host_array_free)

int cdb_access_hosts_for_user(cdb *db, int64_t uid_number, cdb_access_host ***out,
                              size_t *n_out)
{
    static const char sql[] = "SELECT c.hostname, s.internalDomain, " ACCESS_COLUMNS
                              ACCESS_FROM " WHERE u.uidNumber = ?1"
                              " AND c.id IN (" ACCESS_CANDIDATES_OF_USER_1 ") AND"
                              ACCESS_ALLOWED " ORDER BY c.hostname";
    cdb_sql_stmt *st = NULL;
    cm_vec vec = {0};
    int status = prepare_access(db, sql, uid_number, &st);

    if (status == CDB_OK)
        status = cm_collect(db, st, &host_model, &vec);
    if (status == CDB_OK)
        CM_VEC_EXPORT(db, vec, cdb_access_host, out, n_out, host_model, status);
    return status;
}

int cdb_access_hosts_for_group(cdb *db, int64_t gid_number, cdb_access_host ***out,
                               size_t *n_out)
{
    static const char sql[] = "SELECT c.hostname, s.internalDomain, 0, 0, 1, 0"
                              " FROM Containers c JOIN Nodes n ON n.id = c.nodeId"
                              " JOIN Sites s ON s.id = n.siteId WHERE c.id IN ("
                              ACCESS_GRANTED_CONTAINERS(ACCESS_GRANTS_OF_GROUP_1)
                              ") ORDER BY c.hostname";
    cm_vec vec = {0};
    int status = cm_list_id(db, sql, gid_number, &host_model, &vec);

    if (status == CDB_OK)
        CM_VEC_EXPORT(db, vec, cdb_access_host, out, n_out, host_model, status);
    return status;
}

/* ------------------------------------------------------------ entrants */

static const cm_field entrant_fields[] = {
    CM_FIELD(CM_INT64, cdb_access_entrant, uid_number),
    CM_FIELD(CM_TEXT, cdb_access_entrant, username),
    CM_FIELD(CM_BOOL, cdb_access_entrant, owner),
    CM_FIELD(CM_BOOL, cdb_access_entrant, administrator),
    CM_FIELD(CM_BOOL, cdb_access_entrant, granted),
    CM_FIELD(CM_BOOL, cdb_access_entrant, sudo),
};
static const cm_model entrant_model = CM_MODEL("entrant", cdb_access_entrant, entrant_fields);
CM_MODEL_ARRAY_FREE_FUNCTION(entrant_model, cdb_access_entrant, cdb_access_entrant_array_free)

int cdb_access_entrants(cdb *db, int64_t container_id, cdb_access_entrant ***out,
                        size_t *n_out)
{
    static const char sql[] = "SELECT u.uidNumber, u.username, " ACCESS_COLUMNS ACCESS_FROM
                              " WHERE c.id = ?1 AND" ACCESS_ALLOWED " ORDER BY u.uidNumber";
    cdb_sql_stmt *st = NULL;
    cm_vec vec = {0};
    int status = cm_require_row(db, "SELECT 1 FROM Containers WHERE id = ?1", container_id,
                                "container", "Containers");

    if (status == CDB_OK)
        status = prepare_access(db, sql, container_id, &st);
    if (status == CDB_OK)
        status = cm_collect(db, st, &entrant_model, &vec);
    if (status == CDB_OK)
        CM_VEC_EXPORT(db, vec, cdb_access_entrant, out, n_out, entrant_model, status);
    return status;
}

int cdb_access_host_split(const char *host, char label[CDB_ACCESS_LABEL_SIZE],
                          const char **domain)
{
    const char *dot = host ? strchr(host, '.') : NULL;
    size_t len = dot ? (size_t)(dot - host) : host ? strlen(host) : 0;

    if (len == 0 || len >= CDB_ACCESS_LABEL_SIZE)
        return 0;
    memcpy(label, host, len);
    label[len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (label[i] >= 'A' && label[i] <= 'Z')
            label[i] = (char)(label[i] - 'A' + 'a');
    *domain = dot ? dot + 1 : NULL;
    return 1;
}

/* The container a host name names (cdb_access_host_split); *container_id 0
 * when none does. */
static int container_by_host(cdb *db, const char *host, int64_t *container_id)
{
    static const char sql[] =
        "SELECT c.id FROM Containers c JOIN Nodes n ON n.id = c.nodeId"
        " JOIN Sites s ON s.id = n.siteId WHERE c.hostname = ?1"
        " AND (?2 IS NULL OR lower(s.internalDomain) = lower(?2))";
    cdb_sql_stmt *st = NULL;
    const char *domain;
    char label[CDB_ACCESS_LABEL_SIZE];
    int brc = CDB_SQL_OK, rc, status;

    *container_id = 0;
    if (!cdb_access_host_split(host, label, &domain))
        return CDB_OK;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        return status;
    cm_bind(&brc, cdb_bind_text(st, 1, label));
    cm_bind(&brc, cdb_bind_text(st, 2, domain));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    rc = cdb_step(st);
    if (rc == CDB_SQL_ROW)
        *container_id = cdb_col_int64(st, 0);
    else if (rc != CDB_SQL_DONE)
        status = cdb_fail_sql(db, rc, "looking up a container by host name");
    cdb_stmt_done(st);
    return status;
}

int cdb_access_may_enter(cdb *db, const char *username, const char *host, int *allowed)
{
    static const char sql[] = "SELECT " ACCESS_COLUMNS ACCESS_FROM
                              " WHERE c.id = ?1 AND u.username COLLATE NOCASE = ?2 COLLATE NOCASE"
                              " AND" ACCESS_ALLOWED;
    cdb_sql_stmt *st = NULL;
    int64_t container_id = 0;
    int rc, status;

    *allowed = 0;
    if (!username || !host)
        return cdb_fail(db, CDB_ERR_INVALID, username ? "host" : "username", "%s is required",
                        username ? "host" : "username");
    if ((status = container_by_host(db, host, &container_id)) != CDB_OK || container_id == 0)
        return status; /* no container has such a name */
    if ((status = prepare_access(db, sql, container_id, &st)) != CDB_OK)
        return status;
    if ((status = cm_bind_status(db, cdb_bind_text(st, 2, username))) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    rc = cdb_step(st);
    if (rc == CDB_SQL_ROW)
        *allowed = 1;
    else if (rc != CDB_SQL_DONE)
        status = cdb_fail_sql(db, rc, "checking container access");
    cdb_stmt_done(st);
    return status;
}

/* ---------------------------------------------------------- sudo rules */

void cdb_access_sudo_admins_clear(cdb_access_sudo_admins *admins)
{
    if (!admins)
        return;
    for (size_t i = 0; i < admins->n_groups; i++)
        cdb_free(admins->groups[i]);
    cdb_free(admins->groups);
    cdb_free(admins->created_at);
    cdb_free(admins->updated_at);
    memset(admins, 0, sizeof *admins);
}

int cdb_access_sudo_administrators(cdb *db, cdb_access_sudo_admins *out)
{
    static const char groups_sql[] = "SELECT gr.cn, gr.createdAt FROM Groups gr WHERE "
                                     ACCESS_ADMINISTRATOR_GROUP " ORDER BY gr.cn";
    static const char touched_sql[] = "SELECT max(updatedAt) FROM Groups";
    cdb_sql_stmt *st = NULL;
    size_t cap = 0;
    int rc, status;

    memset(out, 0, sizeof *out);
    if ((status = cdb_stmt(db, groups_sql, &st)) != CDB_OK)
        return status;
    while ((rc = cdb_step(st)) == CDB_SQL_ROW) {
        char *created = NULL;

        if (out->n_groups == cap) {
            size_t ncap = cap ? 2 * cap : 4;
            char **grown = realloc(out->groups, ncap * sizeof *grown);

            if (!grown) {
                status = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
                break;
            }
            out->groups = grown;
            cap = ncap;
        }
        if (cm_col(st, 0, &out->groups[out->n_groups]) != 0 || cm_col(st, 1, &created) != 0) {
            status = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        out->n_groups++;
        /* ISO-8601 UTC strings compare in time order. */
        if (created && (!out->created_at || strcmp(created, out->created_at) < 0)) {
            cdb_free(out->created_at);
            out->created_at = created;
        } else {
            cdb_free(created);
        }
    }
    if (status == CDB_OK && rc != CDB_SQL_DONE)
        status = cdb_fail_sql(db, rc, "listing the administrator groups");
    cdb_stmt_done(st);
    if (status == CDB_OK && (status = cdb_stmt(db, touched_sql, &st)) == CDB_OK) {
        rc = cdb_step(st);
        if (rc == CDB_SQL_ROW) {
            if (cm_col(st, 0, &out->updated_at) != 0)
                status = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
        } else {
            status = cdb_fail_sql(db, rc, "reading the groups' updatedAt");
        }
        cdb_stmt_done(st);
    }
    if (status != CDB_OK)
        cdb_access_sudo_admins_clear(out);
    return status;
}

static const cm_field sudo_owner_fields[] = {
    CM_FIELD(CM_INT64, cdb_access_sudo_owner, container_id),
    CM_FIELD(CM_TEXT, cdb_access_sudo_owner, hostname),
    CM_FIELD(CM_TEXT, cdb_access_sudo_owner, domain),
    CM_FIELD(CM_TEXT, cdb_access_sudo_owner, username),
    CM_FIELD(CM_TEXT, cdb_access_sudo_owner, created_at),
    CM_FIELD(CM_TEXT, cdb_access_sudo_owner, updated_at),
};
static const cm_model sudo_owner_model =
    CM_MODEL("owner sudo rule", cdb_access_sudo_owner, sudo_owner_fields);
CM_MODEL_ARRAY_FREE_FUNCTION(sudo_owner_model, cdb_access_sudo_owner,
                             cdb_access_sudo_owner_array_free)

int cdb_access_sudo_owners(cdb *db, const char *hostname, int64_t after, size_t limit,
                           cdb_access_sudo_owner ***out, size_t *n_out)
{
    /* From the containers (by id) to their owners: the rows of ACCESS_FROM
     * joined the other way round; the NOCASE equality only lets the owner
     * be found through Users' unique index, ACCESS_OWNER decides. */
    static const char sql[] =
        "SELECT c.id, c.hostname, s.internalDomain, u.username, c.createdAt,"
        /* The newest of five stamps (the setting may be absent: ''). */
        " max(c.updatedAt, n.updatedAt, s.updatedAt, u.updatedAt, coalesce((SELECT updatedAt"
        "  FROM Settings WHERE key = '" CDB_SETTING_SUDO_OWNERS "'), ''))"
        " FROM Containers c JOIN Users u ON u.username = c.username AND " ACCESS_OWNER
        " JOIN Nodes n ON n.id = c.nodeId JOIN Sites s ON s.id = n.siteId"
        " WHERE ?9 <> 0 AND u.status = 'active' AND c.id > ?1 AND (?2 IS NULL OR c.hostname = ?2)"
        " ORDER BY c.id LIMIT ?3";
    cdb_sql_stmt *st = NULL;
    cm_vec vec = {0};
    int brc = CDB_SQL_OK;
    int status = prepare_access(db, sql, after, &st);

    if (status != CDB_OK)
        return status;
    cm_bind(&brc, cdb_bind_text(st, 2, hostname));
    cm_bind(&brc, cdb_bind_int64(st, 3, limit > INT64_MAX ? INT64_MAX : (int64_t)limit));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    status = cm_collect(db, st, &sudo_owner_model, &vec);
    if (status == CDB_OK)
        CM_VEC_EXPORT(db, vec, cdb_access_sudo_owner, out, n_out, sudo_owner_model, status);
    return status;
}

/* -------------------------------------------------------------- grants */

#define GRANT_SELECT                                                                        \
    "SELECT a.id, u.username, g.cn, c.hostname, s.name, a.createdAt"                        \
    " FROM ContainerAccessGrants a LEFT JOIN Users u ON u.uidNumber = a.uidNumber"          \
    " LEFT JOIN Groups g ON g.gidNumber = a.gidNumber"                                      \
    " LEFT JOIN Containers c ON c.id = a.containerId LEFT JOIN Sites s ON s.id = a.siteId"

static const cm_field grant_fields[] = {
    CM_FIELD(CM_INT64, cdb_grant, id),
    CM_FIELD(CM_TEXT, cdb_grant, username),
    CM_FIELD(CM_TEXT, cdb_grant, group),
    CM_FIELD(CM_TEXT, cdb_grant, container),
    CM_FIELD(CM_TEXT, cdb_grant, site),
    CM_FIELD(CM_TEXT, cdb_grant, created_at),
};
static const cm_model grant_model = CM_MODEL("grant", cdb_grant, grant_fields);
CM_MODEL_FREE_FUNCTIONS(grant_model, cdb_grant, cdb_grant_free, cdb_grant_array_free)

int cdb_grant_list_for_container(cdb *db, int64_t container_id, cdb_grant ***out,
                                 size_t *n_out)
{
    static const char sql[] =
        GRANT_SELECT " WHERE a.containerId = ?1 OR a.siteId = (SELECT n.siteId FROM"
        " Containers ct JOIN Nodes n ON n.id = ct.nodeId WHERE ct.id = ?1) ORDER BY a.id";
    cm_vec vec = {0};
    int status = cm_require_row(db, "SELECT 1 FROM Containers WHERE id = ?1", container_id,
                                "container", "Containers");

    if (status == CDB_OK)
        status = cm_list_id(db, sql, container_id, &grant_model, &vec);
    if (status == CDB_OK)
        CM_VEC_EXPORT(db, vec, cdb_grant, out, n_out, grant_model, status);
    return status;
}

/* The ids a grant input names: *uid or *gid, *container or *site (0 for the
 * other of each pair; uid 0 is root, so which one is in *by_user). */
typedef struct grant_key {
    int by_user;
    int64_t uid, gid, container, site;
} grant_key;

/* One name of a pair: exactly one given. */
static int check_pair(cdb *db, const char *a, const char *a_field, const char *b,
                      const char *b_field)
{
    if (!a == !b)
        return cdb_fail(db, CDB_ERR_INVALID, a_field, "give exactly one of %s and %s", a_field,
                        b_field);
    return CDB_OK;
}

/* Look a name up: ?1 = name; the row's first column is the id. */
static int lookup_name(cdb *db, const char *sql, const char *name, const char *field,
                       const char *what, int64_t *id)
{
    cdb_sql_stmt *st = NULL;
    int rc, status;

    if ((status = cm_check_text(db, field, name, 1, 255)) != CDB_OK)
        return status;
    if ((status = cdb_stmt(db, sql, &st)) != CDB_OK)
        return status;
    if ((status = cm_bind_status(db, cdb_bind_text(st, 1, name))) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    rc = cdb_step(st);
    if (rc == CDB_SQL_ROW)
        *id = cdb_col_int64(st, 0);
    else if (rc == CDB_SQL_DONE)
        status = cdb_fail(db, CDB_ERR_INVALID, field, "%s '%s' is not a %s", field, name, what);
    else
        status = cdb_fail_sql(db, rc, what);
    cdb_stmt_done(st);
    return status;
}

static int resolve_grant(cdb *db, const cdb_grant_input *in, grant_key *key)
{
    int status;

    memset(key, 0, sizeof *key);
    if (!in)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "no grant given");
    if ((status = check_pair(db, in->username, "username", in->group, "group")) != CDB_OK ||
        (status = check_pair(db, in->container, "container", in->site, "site")) != CDB_OK)
        return status;
    key->by_user = in->username != NULL;
    if (in->username)
        status = lookup_name(db,
                             "SELECT uidNumber FROM Users"
                             " WHERE username COLLATE NOCASE = ?1 COLLATE NOCASE",
                             in->username, "username", "user", &key->uid);
    else
        status = lookup_name(db,
                             "SELECT gidNumber FROM Groups WHERE cn COLLATE NOCASE = ?1 COLLATE NOCASE",
                             in->group,
                             "group", "group", &key->gid);
    if (status != CDB_OK)
        return status;
    if (in->container)
        return lookup_name(db, "SELECT id FROM Containers WHERE hostname = ?1", in->container,
                           "container", "container", &key->container);
    return lookup_name(db, "SELECT id FROM Sites WHERE lower(name) = lower(?1)", in->site,
                       "site", "site", &key->site);
}

/* Bind ?1..?4 = uidNumber, gidNumber, containerId, siteId (NULL when unset). */
static int bind_key(cdb_sql_stmt *st, const grant_key *key)
{
    int brc = CDB_SQL_OK;

    cm_bind(&brc, key->by_user ? cdb_bind_int64(st, 1, key->uid) : cdb_bind_null(st, 1));
    cm_bind(&brc, key->by_user ? cdb_bind_null(st, 2) : cdb_bind_int64(st, 2, key->gid));
    cm_bind(&brc, cm_bind_id_or_null(st, 3, key->container));
    cm_bind(&brc, cm_bind_id_or_null(st, 4, key->site));
    return brc;
}

/* The grant's row id, 0 when there is none. */
static int find_grant(cdb *db, const grant_key *key, int64_t *id)
{
    static const char sql[] =
        "SELECT id FROM ContainerAccessGrants WHERE uidNumber IS ?1 AND gidNumber IS ?2"
        " AND containerId IS ?3 AND siteId IS ?4";
    cdb_sql_stmt *st = NULL;
    int rc, status = cdb_stmt(db, sql, &st);

    *id = 0;
    if (status != CDB_OK)
        return status;
    if ((status = cm_bind_status(db, bind_key(st, key))) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    rc = cdb_step(st);
    if (rc == CDB_SQL_ROW)
        *id = cdb_col_int64(st, 0);
    else if (rc != CDB_SQL_DONE)
        status = cdb_fail_sql(db, rc, "looking up the grant");
    cdb_stmt_done(st);
    return status;
}

/* Insert the grant a key names, inside the caller's transaction. */
static int insert_grant(cdb *db, const grant_key *key, int64_t *id_out)
{
    static const char sql[] =
        "INSERT INTO ContainerAccessGrants (uidNumber, gidNumber, containerId, siteId)"
        " VALUES (?1, ?2, ?3, ?4)";
    cdb_sql_stmt *st = NULL;
    int status = cdb_stmt(db, sql, &st);

    if (status != CDB_OK)
        return status;
    if ((status = cm_bind_status(db, bind_key(st, key))) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    if ((status = cm_exec(db, st, "inserting the grant")) == CDB_OK && id_out)
        *id_out = cdb_last_insert_id(db);
    return status;
}

static int delete_grant(cdb *db, int64_t id)
{
    return cm_exec_id(db, "DELETE FROM ContainerAccessGrants WHERE id = ?1", id,
                      "removing the grant", "ContainerAccessGrants");
}

int cdb_grant_add(cdb *db, const cdb_grant_input *in, int64_t *id_out)
{
    grant_key key;
    int64_t existing = 0, id = 0;
    int status;

    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = resolve_grant(db, in, &key)) != CDB_OK ||
        (status = find_grant(db, &key, &existing)) != CDB_OK)
        goto done;
    if (existing) {
        status = cdb_fail(db, CDB_ERR_CONFLICT, in->username ? "username" : "group",
                          "%s '%s' already holds that grant (id %lld)",
                          in->username ? "user" : "group", in->username ? in->username : in->group,
                          (long long)existing);
        goto done;
    }
    status = insert_grant(db, &key, &id);
done:
    status = cm_tx_end(db, status);
    if (status == CDB_OK && id_out)
        *id_out = id;
    return status;
}

int cdb_grant_remove(cdb *db, const cdb_grant_input *in)
{
    grant_key key;
    int64_t id = 0;
    int status;

    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    if ((status = resolve_grant(db, in, &key)) != CDB_OK ||
        (status = find_grant(db, &key, &id)) != CDB_OK)
        goto done;
    if (!id) {
        status = cdb_fail(db, CDB_ERR_NOTFOUND, in->username ? "username" : "group",
                          "%s '%s' holds no grant for %s '%s'", in->username ? "user" : "group",
                          in->username ? in->username : in->group,
                          in->container ? "container" : "site",
                          in->container ? in->container : in->site);
        goto done;
    }
    status = delete_grant(db, id);
done:
    return cm_tx_end(db, status);
}

/* ---------------------------------------------- grants as host values */

/* The container a host value names, or CDB_ERR_INVALID naming the value. */
static int resolve_host(cdb *db, const char *host, int64_t *container_id)
{
    int status = container_by_host(db, host, container_id);

    if (status == CDB_OK && *container_id == 0)
        status = cdb_fail(db, CDB_ERR_INVALID, "host",
                          "host '%s' is not a container's hostname or its FQDN under its site's "
                          "internal domain",
                          host);
    return status;
}

/* After the user's own grant for a container is gone: whether the user still
 * enters it, and why (whatever the account's status, which grants do not
 * change). */
static int still_enters(cdb *db, int64_t uid_number, int64_t container_id, const char *host)
{
    static const char sql[] = "SELECT " ACCESS_COLUMNS ", u.username" ACCESS_FROM
                              " WHERE u.uidNumber = ?1 AND c.id = ?2";
    cdb_sql_stmt *st = NULL;
    int rc, status = prepare_access(db, sql, uid_number, &st);

    if (status != CDB_OK)
        return status;
    if ((status = cm_bind_status(db, cdb_bind_int64(st, 2, container_id))) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    rc = cdb_step(st);
    if (rc == CDB_SQL_ROW && (cdb_col_int(st, 0) || cdb_col_int(st, 1) ||
                             cdb_col_int(st, 2))) {
        const char *name = cdb_col_text(st, 4);

        status = cdb_fail(db, CDB_ERR_CONSTRAINT, "host",
                          "host '%s': %s enters it %s: change that instead", host,
                          name ? name : "the user",
                          cdb_col_int(st, 0)   ? "as its owner"
                          : cdb_col_int(st, 1) ? "as an administrator"
                                                      : "through a grant to one of its groups "
                                                        "or to the container's site");
    } else if (rc != CDB_SQL_ROW && rc != CDB_SQL_DONE) {
        status = cdb_fail_sql(db, rc, "checking container access");
    }
    cdb_stmt_done(st);
    return status;
}

/* After the group's own grant for a container is gone: whether its other
 * grants (its site's) still name the container. */
static int still_granted_to_group(cdb *db, int64_t gid_number, int64_t container_id,
                                  const char *host)
{
    static const char sql[] =
        "SELECT g.cn, s.name FROM Groups g CROSS JOIN Containers c"
        " JOIN Nodes n ON n.id = c.nodeId JOIN Sites s ON s.id = n.siteId"
        " WHERE g.gidNumber = ?1 AND c.id = ?2 AND c.id IN ("
        ACCESS_GRANTED_CONTAINERS(ACCESS_GRANTS_OF_GROUP_1) ")";
    cdb_sql_stmt *st = NULL;
    int rc, brc = CDB_SQL_OK, status = cdb_stmt(db, sql, &st);

    if (status != CDB_OK)
        return status;
    cm_bind(&brc, cdb_bind_int64(st, 1, gid_number));
    cm_bind(&brc, cdb_bind_int64(st, 2, container_id));
    if ((status = cm_bind_status(db, brc)) != CDB_OK) {
        cdb_stmt_done(st);
        return status;
    }
    rc = cdb_step(st);
    if (rc == CDB_SQL_ROW)
        status = cdb_fail(db, CDB_ERR_CONSTRAINT, "host",
                          "host '%s': group %s is granted it with every container of site %s: "
                          "change that instead",
                          host, cdb_col_text(st, 0),
                          cdb_col_text(st, 1));
    else if (rc != CDB_SQL_DONE)
        status = cdb_fail_sql(db, rc, "checking the group's grants");
    cdb_stmt_done(st);
    return status;
}

/* The subject of a host change exists; an administrator group gains no
 * grant: its members enter every container, so one would change nothing
 * (and appear among its host values for no reason).  Removing a grant it
 * holds is allowed: that tidies up. */
static int check_host_subject(cdb *db, const grant_key *key, size_t n_add)
{
    int64_t administrator = 0;
    int status;

    if (key->by_user)
        return cm_require_row(db, "SELECT 1 FROM Users WHERE uidNumber = ?1", key->uid,
                              "uidNumber", "Users");
    status = cm_require_row(db, "SELECT 1 FROM Groups WHERE gidNumber = ?1", key->gid,
                            "gidNumber", "Groups");
    if (status == CDB_OK && n_add > 0)
        status = cm_count(db, "SELECT count(*) FROM Groups gr WHERE gr.gidNumber = ?1 AND "
                          ACCESS_ADMINISTRATOR_GROUP, key->gid, &administrator);
    if (status == CDB_OK && administrator)
        status = cdb_fail(db, CDB_ERR_CONSTRAINT, "host",
                          "host: the group is an administrator group: its members enter every "
                          "container without a grant");
    return status;
}

/* A subject's own container grants changed as its host values change them
 * (cdb_grant_user_hosts, cdb_grant_group_hosts), in one transaction. */
static int grant_hosts(cdb *db, grant_key *key, const char *const *add, size_t n_add,
                       const char *const *remove, size_t n_remove)
{
    int64_t id;
    int status;
    size_t i;

    if ((n_add && !add) || (n_remove && !remove))
        return cdb_fail(db, CDB_ERR_INVALID, "host", "no host names given");
    if ((status = cdb_tx_begin(db)) != CDB_OK)
        return status;
    status = check_host_subject(db, key, n_add);
    for (i = 0; status == CDB_OK && i < n_add; i++) {
        /* One grant per container, whatever name it was given by. */
        if ((status = resolve_host(db, add[i], &key->container)) == CDB_OK &&
            (status = find_grant(db, key, &id)) == CDB_OK && id == 0)
            status = insert_grant(db, key, NULL);
    }
    for (i = 0; status == CDB_OK && i < n_remove; i++) {
        if ((status = resolve_host(db, remove[i], &key->container)) == CDB_OK &&
            (status = find_grant(db, key, &id)) == CDB_OK && id != 0)
            status = delete_grant(db, id);
        if (status == CDB_OK)
            status = key->by_user
                         ? still_enters(db, key->uid, key->container, remove[i])
                         : still_granted_to_group(db, key->gid, key->container, remove[i]);
    }
    return cm_tx_end(db, status);
}

int cdb_grant_user_hosts(cdb *db, int64_t uid_number, const char *const *add, size_t n_add,
                         const char *const *remove, size_t n_remove)
{
    grant_key key = {.by_user = 1, .uid = uid_number};

    return grant_hosts(db, &key, add, n_add, remove, n_remove);
}

int cdb_grant_group_hosts(cdb *db, int64_t gid_number, const char *const *add, size_t n_add,
                          const char *const *remove, size_t n_remove)
{
    grant_key key = {.by_user = 0, .gid = gid_number};

    return grant_hosts(db, &key, add, n_add, remove, n_remove);
}
