/*
 * Who may enter which container and who may become root there.  Conventions
 * as in clusterdb.h.
 *
 * A user may enter a container when the user is active and
 *   - owns it (Containers.username), or
 *   - is a member of a group with isAdministrator, or
 *   - holds a grant for it: to the user or to one of the user's groups, for
 *     the container itself or for every container of its site.
 * A user gets sudo (every command as every user) on a container when the
 * user is an administrator, or owns it and the setting
 * CDB_SETTING_SUDO_OWNERS is "yes" (the default; "no" keeps root to the
 * administrators).  Grants give entry, never sudo.
 */
#ifndef CLUSTERDB_ACCESS_H
#define CLUSTERDB_ACCESS_H

#include <clusterdb/clusterdb.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CDB_SETTING_SUDO_OWNERS "container_sudo_owners"

/* Whom and where a grant names: exactly one of username / group, exactly one
 * of container (a hostname) / site (a site name). */
typedef struct cdb_grant_input {
    const char *username;
    const char *group;     /* a group's cn */
    const char *container; /* a container's hostname */
    const char *site;      /* a site's name */
} cdb_grant_input;

typedef struct cdb_grant {
    int64_t id;
    char *username;  /* NULL for a group grant */
    char *group;     /* NULL for a user grant */
    char *container; /* hostname; NULL for a site grant */
    char *site;      /* site name; NULL for a container grant */
    char *created_at;
} cdb_grant;
void cdb_grant_free(cdb_grant *grant);
void cdb_grant_array_free(cdb_grant **grants, size_t n);

/* CDB_ERR_INVALID naming the field (username, group, container, site) when a
 * name is missing, doubled or unknown; CDB_ERR_CONFLICT when the same grant
 * exists. */
int cdb_grant_add(cdb *db, const cdb_grant_input *in, int64_t *id_out);
/* CDB_ERR_NOTFOUND when there is no such grant. */
int cdb_grant_remove(cdb *db, const cdb_grant_input *in);
/* A user's container grants changed as the directory's host values change
 * them, in one transaction: a grant for each container named in add (its
 * hostname, or its FQDN under its site's internal domain) unless the user
 * holds one, and the user's own grant removed for each container named in
 * remove.  CDB_ERR_INVALID (field "host") for a name that is no container's;
 * CDB_ERR_CONSTRAINT (field "host") when the user would still enter a
 * container to remove (as its owner, an administrator, or through a grant
 * to a group or a site), so the name would stay.  Nothing changes on a
 * failure. */
int cdb_grant_user_hosts(cdb *db, int64_t uid_number, const char *const *add, size_t n_add,
                         const char *const *remove, size_t n_remove);
/* The same for a group's own container grants (its host values,
 * cdb_access_hosts_for_group).  CDB_ERR_INVALID as above; CDB_ERR_CONSTRAINT
 * (field "host") when a container to remove stays named by the group's grant
 * for its site, and for any container to add to an administrator group
 * (its members enter every container without one); CDB_ERR_CONSTRAINT
 * naming gidNumber for no such group.  Nothing changes on a failure. */
int cdb_grant_group_hosts(cdb *db, int64_t gid_number, const char *const *add, size_t n_add,
                          const char *const *remove, size_t n_remove);
/* The grants that apply to a container: its own and its site's, by id. */
int cdb_grant_list_for_container(cdb *db, int64_t container_id, cdb_grant ***out,
                                 size_t *n_out);

/* A container a user may enter, why, and whether with sudo. */
typedef struct cdb_access_host {
    char *hostname;
    char *domain; /* the site's internal domain: hostname.domain is the FQDN */
    int owner;
    int administrator;
    int granted;
    int sudo;
} cdb_access_host;
void cdb_access_host_array_free(cdb_access_host **hosts, size_t n);
/* The containers an active user may enter, by hostname; none for a user who
 * is not active or does not exist. */
int cdb_access_hosts_for_user(cdb *db, int64_t uid_number, cdb_access_host ***out,
                              size_t *n_out);
/* The containers a group's grants name, by hostname: those granted to it
 * alone and every container of a site granted to it (granted 1, owner,
 * administrator and sudo 0).  What its members enter through it; an
 * administrator group's members enter every container besides, which this
 * does not list.  None for a group that does not exist. */
int cdb_access_hosts_for_group(cdb *db, int64_t gid_number, cdb_access_host ***out,
                               size_t *n_out);

/* A user who may enter a container, why, and whether with sudo. */
typedef struct cdb_access_entrant {
    int64_t uid_number;
    char *username;
    int owner;
    int administrator;
    int granted;
    int sudo;
} cdb_access_entrant;
void cdb_access_entrant_array_free(cdb_access_entrant **entrants, size_t n);
/* The active users who may enter a container, by uidNumber. */
int cdb_access_entrants(cdb *db, int64_t container_id, cdb_access_entrant ***out,
                        size_t *n_out);

/* A host name as containers are named by it: the hostname is its first
 * label in lower case (as hostnames are stored), *domain what follows the
 * first dot (NULL for a short name).  0 when no container can have it. */
#define CDB_ACCESS_LABEL_SIZE 64
int cdb_access_host_split(const char *host, char label[CDB_ACCESS_LABEL_SIZE],
                          const char **domain);

/* Whether an active user may enter the container of this hostname (a short
 * name, or the FQDN under its site's internal domain); 0 for an unknown
 * host or user. */
int cdb_access_may_enter(cdb *db, const char *username, const char *host, int *allowed);

/* The sudo policy: 1 when owners get sudo on their own containers. */
int cdb_access_owners_get_sudo(cdb *db, int *yes);

/* The sudo rules as the directory serves them (sudoRole entries).
 *
 * The administrators' rule: sudo everywhere for the members of every group
 * with isAdministrator.  groups are their cns (by cn), none when no group is
 * an administrator group; created_at is the earliest createdAt among them;
 * updated_at the latest updatedAt of any group (a group that stops being an
 * administrator group is touched too, so the value moves forward whenever
 * the rule may have changed). */
typedef struct cdb_access_sudo_admins {
    char **groups;
    size_t n_groups;
    char *created_at;
    char *updated_at;
} cdb_access_sudo_admins;
void cdb_access_sudo_admins_clear(cdb_access_sudo_admins *admins);
int cdb_access_sudo_administrators(cdb *db, cdb_access_sudo_admins *out);

/* An owner's rule: sudo on the owner's own container, for every container
 * whose owner is active while owners get sudo (none otherwise).  updated_at
 * is the latest updatedAt among the rows the rule is made of (the container,
 * its node and site, the owner, the sudo setting). */
typedef struct cdb_access_sudo_owner {
    int64_t container_id;
    char *hostname;
    char *domain; /* the site's internal domain */
    char *username;
    char *created_at; /* the container's */
    char *updated_at;
} cdb_access_sudo_owner;
void cdb_access_sudo_owner_array_free(cdb_access_sudo_owner **owners, size_t n);
/* By container id, those with an id above `after`, at most `limit`; only the
 * container of that hostname when hostname is not NULL. */
int cdb_access_sudo_owners(cdb *db, const char *hostname, int64_t after, size_t limit,
                           cdb_access_sudo_owner ***out, size_t *n_out);

#ifdef __cplusplus
}
#endif
#endif
