/*
 * back_clusterdb: a slapd backend that serves the clusterdb directory
 * (Users, Groups, UserGroups) from libclusterdb.
 *
 * Shape (after back-passwd): the backend turns an LDAP operation into core
 * calls, builds slapd Entry structures from the rows, and lets slapd's own
 * machinery decide (test_filter, access control, send_search_entry).
 *
 * Everything here is internal to the module; the linker version script
 * exports init_module only.  Module-wide names carry the prefix cdbm_.
 *
 * Threads: slapd runs operations on a pool of worker threads.  Each thread
 * gets its own libclusterdb handle (handle.c); the only shared mutable state
 * is struct cdbm_info's dbfile/generation, guarded by its mutex, and the
 * attribute descriptions in cdbm_ad, written once while slapd configures
 * databases (single-threaded, or with the pool paused under cn=config).
 */
#ifndef BACK_CLUSTERDB_H
#define BACK_CLUSTERDB_H

#include <stdint.h>

#include "slap.h"
#include "slap-config.h"

#include <clusterdb/access.h>
#include <clusterdb/clusterdb.h>
#include <clusterdb/directory.h>

LDAP_BEGIN_DECL

/* What the suffix entry is, by the attribute type of the suffix's RDN. */
typedef enum cdbm_suffix_kind {
    CDBM_SUFFIX_DC,  /* dc=x: dcObject + organization (o: x) */
    CDBM_SUFFIX_O,   /* o=x: organization */
    CDBM_SUFFIX_OU   /* ou=x: organizationalUnit */
} cdbm_suffix_kind;

/* A read-only service account (directive "service"): a non-posix entry
 * cn=<name>,ou=services,<suffix> that can bind with its stored argon2 hash
 * and read what the ACLs grant, but is no user: no uidNumber, no login, no
 * push second factor. */
typedef struct cdbm_service {
    struct berval dn, ndn;
    struct berval name;         /* the cn value */
    char *hash;                 /* argon2 PHC string (without {ARGON2}) */
} cdbm_service;

/* Per database (be_private). */
typedef struct cdbm_info {
    /* The database's name (dbfile's path or dburi's URI) and generation
     * change together, under mutex.  A per-thread handle remembers the
     * generation it was opened for and reopens when the database's
     * generation moved on (the name changed through cn=config). */
    ldap_pvt_thread_mutex_t mutex;
    char *database;
    int database_directive; /* which directive named it (config.c) */
    unsigned long generation;
    /* The file the handles were opened on (under mutex): another inode at
     * the database's path means a restored file was moved over it (handle.c). */
    int file_known;
    dev_t file_dev;
    ino_t file_ino;
    /* Set while the handles on a replaced file are dropped (pool paused):
     * the first one empties that file's -wal first (handle.c). */
    int swap_checkpoint_pending;
    int opened;                 /* between db_open and db_close */
    /* push-max-waiting, push-max-waiting-per-user, push-timeout (0: default) */
    unsigned push_max_waiting, push_max_waiting_per_user, push_timeout_s;
    /* hash-max-concurrent, hash-max-wait (0: core's default) */
    unsigned hash_max_concurrent, hash_max_wait_s;

    /* Fixed parts of the tree, set at db_open from the suffix. */
    cdbm_suffix_kind suffix_kind;
    struct berval suffix_rdn_value;  /* "cluster" of dc=cluster,dc=internal */
    struct berval people_dn, people_ndn;
    struct berval groups_dn, groups_ndn;
    struct berval services_dn, services_ndn;
    struct berval sudoers_dn, sudoers_ndn;
    /* The suffix, ou=people, ou=groups and ou=SUDOers entries (they depend
     * only on the suffix), built at db_open: a subtree search tests its
     * filter on these and builds its own copy only when one matches.
     * Read-only until db_close. */
    Entry *fixed_probe[4];

    /* Service accounts and the groups whose members the push second factor
     * spares.  Changed only while slapd configures (single-threaded, or the
     * pool paused for a cn=config change), so operations read them without
     * the mutex. */
    cdbm_service *services;
    size_t n_services;
    char **push_exempt_groups;
    size_t n_push_exempt_groups;
} cdbm_info;

/* Attribute descriptions and object classes the module uses, resolved at
 * db_open (the schema must be loaded by then). */
typedef struct cdbm_schema {
    AttributeDescription *uid, *cn, *sn, *given_name, *mail;
    AttributeDescription *uid_number, *gid_number, *home_directory, *login_shell, *gecos;
    AttributeDescription *ssh_public_key, *user_password, *shadow_expire, *member_of;
    AttributeDescription *member_uid, *dc, *o, *ou;
    AttributeDescription *object_class, *structural_object_class, *entry_uuid;
    AttributeDescription *create_timestamp, *modify_timestamp;
    AttributeDescription *status;    /* clusterdbStatus (schema-ldif/clusterdb.schema) */
    AttributeDescription *host;      /* cosine; carried through hostObject (ldapns.schema) */
    /* sudo.schema */
    AttributeDescription *sudo_user, *sudo_host, *sudo_command, *sudo_run_as_user,
        *sudo_run_as_group;
    ObjectClass *oc_clusterdb_account, *oc_application_process, *oc_simple_security_object, *oc_organizational_role;
    ObjectClass *oc_top, *oc_inet_org_person, *oc_posix_account, *oc_shadow_account;
    ObjectClass *oc_ldap_public_key, *oc_posix_group, *oc_organization, *oc_dc_object;
    ObjectClass *oc_organizational_unit;
    ObjectClass *oc_host_object, *oc_sudo_role;
} cdbm_schema;

extern cdbm_schema cdbm_ad;

/* init.c */
int cdbm_back_initialize(BackendInfo *bi);

/* config.c */
int cdbm_config_init(BackendInfo *bi);
/* Every configured service DN must be cn=<name>,ou=services,<suffix>: 0, or
 * -1 with the reason in msg.  Needs services_ndn (db_open). */
int cdbm_services_check(BackendDB *be, cdbm_info *info, char *msg, size_t msg_size);
/* Release the service accounts and push-exempt groups (db_destroy). */
void cdbm_config_free(cdbm_info *info);
/* Hand the push bounds to core (db_open and their changes). */
void cdbm_push_bounds_apply(cdbm_info *info);

/* handle.c: the calling thread's handle for this database.
 * cdbm_handle_get() returns a handle or NULL (and logs why); when *temporary
 * is set on return the handle belongs to the caller, who passes it to
 * cdbm_handle_put() when done (operations without a thread context). */
cdb *cdbm_handle_get(Operation *op, cdbm_info *info, int *temporary);
void cdbm_handle_put(cdb *db, int temporary);
/* Open the file as the module does (no create, no migration); on failure
 * writes a message for people into msg. */
int cdbm_handle_try_open(const char *path, char *msg, size_t msg_size);
/* Remember which file dbfile names now (db_open, dbfile changes). */
void cdbm_handle_note_file(cdbm_info *info);
/* Close every thread's handle of this database (pool paused, or shutdown). */
void cdbm_handle_purge(cdbm_info *info);

/* entry.c: build slapd entries.  All return an Entry from entry_alloc()
 * (released with entry_free) or NULL when memory runs out or the name
 * cannot be a DN. */
Entry *cdbm_entry_suffix(Operation *op, cdbm_info *info);
Entry *cdbm_entry_people(Operation *op, cdbm_info *info);
Entry *cdbm_entry_groups(Operation *op, cdbm_info *info);
/* info->fixed_probe: built at db_open, freed at db_close/db_destroy. */
void cdbm_fixed_probes_build(BackendDB *be, cdbm_info *info);
void cdbm_fixed_probes_free(cdbm_info *info);
/* A user's entry, without host values: cdbm_entry_add_hosts() adds them
 * (every container the user may enter, core's rule) when the operation needs
 * them.  A CDB_ status; on failure the entry is left without host. */
Entry *cdbm_entry_user(Operation *op, cdbm_info *info, const cdb_user *user);
int cdbm_entry_add_hosts(Entry *e, cdb *db, int64_t uid_number);
/* A container's FQDN, hostname.domain (ch_malloc'ed), the name beside the
 * short one in host and sudoHost values; NULL when its site has no domain. */
char *cdbm_container_fqdn(const char *hostname, const char *domain);
/* A group's entry (objectClass hostObject), without host values:
 * cdbm_entry_add_group_hosts() adds them (the containers the group's grants
 * name) when the operation needs them.  A CDB_ status, as for users. */
Entry *cdbm_entry_group(Operation *op, cdbm_info *info, const cdb_group *group);
int cdbm_entry_add_group_hosts(Entry *e, cdb *db, int64_t gid_number);
/* ou=services (NULL when no service account is configured), a service
 * account's entry, and the rootdn's own entry (NULL unless the rootdn is
 * cn=<name> right below the suffix: nslcd's pam_authc_search reads it). */
Entry *cdbm_entry_services(Operation *op, cdbm_info *info);
Entry *cdbm_entry_service(Operation *op, cdbm_info *info, const cdbm_service *service);
Entry *cdbm_entry_rootdn(Operation *op, cdbm_info *info);
/* The service account whose entry is at ndn, or NULL. */
const cdbm_service *cdbm_service_by_ndn(cdbm_info *info, struct berval *ndn);
/* Whether the rootdn gets an entry of its own (see cdbm_entry_rootdn). */
int cdbm_rootdn_served(Operation *op);

/* The sources of entries a filter is narrowed for: the two tables, and the
 * sudoRole entries (sudo.c), for which only "none can match" matters. */
typedef enum cdbm_table { CDBM_TABLE_USERS, CDBM_TABLE_GROUPS, CDBM_TABLE_SUDO } cdbm_table;

/* Where a DN falls in the tree (the request DN, normalized). */
typedef enum cdbm_dn_kind {
    CDBM_DN_NONE,     /* under the suffix but nothing we serve; see matched */
    CDBM_DN_SUFFIX,
    CDBM_DN_PEOPLE,
    CDBM_DN_GROUPS,
    CDBM_DN_USER,     /* uid=<name>,ou=people: name in the out value */
    CDBM_DN_GROUP,    /* cn=<name>,ou=groups */
    CDBM_DN_SERVICES, /* ou=services (only with service accounts configured) */
    CDBM_DN_SERVICE,  /* cn=<name>,ou=services */
    CDBM_DN_ROOTDN,   /* the rootdn's entry, cn=<name>,<suffix> */
    CDBM_DN_SUDOERS,  /* ou=SUDOers */
    CDBM_DN_SUDO_ROLE /* cn=<name>,ou=SUDOers: name in the out value */
} cdbm_dn_kind;

/* entryUUID tables (entry.c: 5c1d8b00-cdb0-8TTT-8000-IIIIIIIIIIII, TTT the
 * table, I the row id); table 0 holds the fixed entries. */
enum {
    CDBM_UUID_FIXED = 0,
    CDBM_UUID_USERS = 1,
    CDBM_UUID_GROUPS = 2,
    CDBM_UUID_SERVICES = 3,
    CDBM_UUID_SUDO_ADMINS = 4, /* the administrators' sudoRole: id 1 */
    CDBM_UUID_SUDO_OWNERS = 5  /* an owner's sudoRole: the container's id */
};
enum {
    CDBM_FIXED_SUFFIX = 1,
    CDBM_FIXED_PEOPLE = 2,
    CDBM_FIXED_GROUPS = 3,
    CDBM_FIXED_SERVICES = 4,
    CDBM_FIXED_ROOTDN = 5,
    CDBM_FIXED_SUDOERS = 6
};

/* entry.c: the building blocks of entries (values normalized by slapd's
 * matching rules). */
int cdbm_add_value(Entry *e, AttributeDescription *ad, const char *s, size_t len);
int cdbm_add_str(Entry *e, AttributeDescription *ad, const char *s);
void cdbm_add_uuid(Entry *e, unsigned table, int64_t id);
/* An ISO-8601 time as stored -> GeneralizedTime to the second. */
void cdbm_add_timestamp(Entry *e, AttributeDescription *ad, const char *iso);
void cdbm_add_oc(Entry *e, ObjectClass *oc);
void cdbm_add_structural(Entry *e, ObjectClass *oc);
/* A new entry named <attr>=<value>,<parent> (NULL if not a valid DN). */
Entry *cdbm_entry_named(const char *attr, const char *value, struct berval *parent,
                        struct berval *nparent);
/* An organizationalUnit entry at dn (fixed entry number id). */
Entry *cdbm_entry_ou(struct berval *dn, struct berval *ndn, const char *ou, int64_t id);

/* Why host cannot be given on add. */
#define CDBM_HOST_READ_ONLY                                                                 \
    "host lists the containers the user may enter (owner, administrator or grant): an "     \
    "administrator grants them by modifying host once the entry exists"
#define CDBM_GROUP_HOST_READ_ONLY                                                           \
    "host lists the containers granted to the group: an administrator grants them by "      \
    "modifying host once the entry exists"

/* sudo.c: ou=SUDOers and its sudoRole entries, computed from the store by
 * core's rule (cdb_access_sudo_administrators, cdb_access_sudo_owners). */
#define CDBM_SUDO_ADMINS_CN "administrators"
Entry *cdbm_entry_sudoers(Operation *op, cdbm_info *info);
/* NULL when no group is an administrator group. */
Entry *cdbm_entry_sudo_admins(Operation *op, cdbm_info *info, const cdb_access_sudo_admins *a);
/* NULL for a container named like the administrators' rule (its DN is
 * taken) or when the name cannot be a DN. */
Entry *cdbm_entry_sudo_owner(Operation *op, cdbm_info *info, const cdb_access_sudo_owner *o);
/* The sudoRole of that cn (normalized RDN value); NULL with *rc. */
Entry *cdbm_entry_sudo_role_by_name(Operation *op, cdbm_info *info, cdb *db,
                                    struct berval *name, int *rc);
/* Whether ou=SUDOers has children now: 1, 0, or -1 the store failed. */
int cdbm_sudoers_has_roles(cdb *db);
/* Writes under ou=SUDOers (ndn, or newSuperior for modrdn): 1 with rs set to
 * unwillingToPerform and the reason; 0 for any other DN. */
int cdbm_sudoers_write_refused(cdbm_info *info, struct berval *ndn, SlapReply *rs);

/* Classify ndn.  For USER/GROUP, *name receives the unescaped RDN value
 * (op->o_tmpmemctx memory, the caller frees it with op->o_tmpfree).  For
 * NONE, *matched_kind is the deepest fixed entry above it (SUFFIX, PEOPLE or
 * GROUPS), or, when the DN lies under a possible user/group, USER/GROUP with
 * *name set to that user's or group's name. */
cdbm_dn_kind cdbm_dn_classify(Operation *op, cdbm_info *info, struct berval *ndn,
                              struct berval *name, cdbm_dn_kind *matched_kind);

/* The value of a single-AVA RDN whose type is ad (tmp memory, freed with
 * op->o_tmpfree): 1, or 0 when the RDN is not of that shape. */
int cdbm_rdn_value(Operation *op, struct berval *rdn, AttributeDescription *ad,
                   struct berval *value);

/* Find and build the entry of a user or group by RDN value; NULL with
 * *rc = LDAP_NO_SUCH_OBJECT when none, or another LDAP code on failure. */
Entry *cdbm_entry_user_by_name(Operation *op, cdbm_info *info, cdb *db,
                               struct berval *name, int *rc);
Entry *cdbm_entry_group_by_name(Operation *op, cdbm_info *info, cdb *db,
                                struct berval *name, int *rc);
/* The gidNumber of the group whose entry is at ndn: 1 found, 0 none,
 * -1 the store failed. */
int cdbm_group_gid_by_ndn(Operation *op, cdbm_info *info, cdb *db, struct berval *ndn,
                          int64_t *gid);
/* The entry at ndn whatever it is (search base, compare, bind, ACLs). */
Entry *cdbm_entry_by_ndn(Operation *op, cdbm_info *info, cdb *db, struct berval *ndn,
                         int *rc, Entry **matched);

/* The one mapping from core status codes to LDAP result codes (with a
 * text safe to send to clients).  detail is optional: writes pass the handle
 * that failed, so that the text names the field and rule core reported, and
 * the RDN key of the entry written ("username", "cn"), so that a conflict on
 * it is entryAlreadyExists; a conflict on another unique key (mail) is a
 * constraintViolation.  *text may point into detail->text. */
typedef struct cdbm_result_detail {
    const cdb *db;
    const char *rdn_key;
    char text[256];
} cdbm_result_detail;
int cdbm_ldap_result(int cdb_status, cdbm_result_detail *detail, const char **text);

/* The id of the user (username) or group (cn) of that name, compared as LDAP
 * does (without regard to case); CDB_ERR_NOTFOUND when none. */
int cdbm_find_id(cdb *db, cdbm_table table, const char *name, int64_t *id);

/* admin.c: whether the requester administers the directory: the rootdn, or
 * an active user in a group with isAdministrator.  -1 when the store failed,
 * with rs set to say so. */
int cdbm_requester_is_admin(Operation *op, SlapReply *rs, cdbm_info *info, cdb *db);
/* Whether an add, delete or modrdn may go ahead: administrators write
 * anything; everyone else needs slapd's ACLs to grant `level` on the parent's
 * children and on the entry itself.  1 when allowed; 0 with rs set when not.
 * *admin_out (if given) says whether the requester administers. */
int cdbm_write_allowed(Operation *op, SlapReply *rs, cdbm_info *info, cdb *db, Entry *parent,
                       Entry *e, slap_access_t level, int *admin_out);

/* filter.c: narrow an LDAP filter to a candidate query for one table.
 * The result lives in *arena until cdbm_query_arena_free(). */

typedef struct cdbm_query_arena {
    /* Optional: the gidNumber of the group entry at a normalized DN;
     * 1 found, 0 no such group, -1 unknown (then the assertion widens). */
    int (*group_gid)(void *ctx, struct berval *ndn, int64_t *gid);
    void *group_gid_ctx;
    cdb_query *nodes;
    size_t n_nodes, cap_nodes;
    const cdb_query **kids;
    size_t n_kids, cap_kids;
    char *text;
    size_t n_text, cap_text;
} cdbm_query_arena;

int cdbm_query_arena_init(cdbm_query_arena *arena, Filter *f);
void cdbm_query_arena_free(cdbm_query_arena *arena);
/* NULL when the arena is exhausted (cannot happen when sized by init). */
const cdb_query *cdbm_filter_to_query(cdbm_query_arena *arena, Filter *f, cdbm_table table);
/* Whether the filter asserts anything of ad (or of an attribute ad is a
 * subtype of, or of any attribute: extensible matches without one). */
int cdbm_filter_mentions(Filter *f, AttributeDescription *ad);
/* Whether an assertion value compares in the store exactly as LDAP compares
 * it after normalization (printable ASCII without spaces). */
int cdbm_plain_text(const struct berval *bv);

/* write.c: what the write operations share. */
/* The name (RDN value) of a user or group DN as a C string in tmp memory;
 * NULL for any other DN. */
char *cdbm_dn_name(Operation *op, cdbm_info *info, struct berval *ndn, cdbm_dn_kind *kind);
/* Whether another user or group (not the one with id self; 0 on add) has
 * the name, compared without regard to case; 1 with rs set
 * (entryAlreadyExists, or the store's failure). */
int cdbm_name_taken(Operation *op, SlapReply *rs, cdb *db, cdbm_dn_kind kind, const char *name,
                    int64_t self, cdbm_result_detail *detail);
/* The user or group entry at the request DN with its id and parent, or the
 * answer (noSuchObject with matchedDN, or a refusal for the fixed entries)
 * in rs. */
Entry *cdbm_write_target(Operation *op, SlapReply *rs, cdbm_info *info, cdb *db,
                         cdbm_dn_kind *kind, int64_t *id, Entry **parent);
typedef struct cdbm_tmp_string {
    char *s;
    size_t len;
    int secret;
} cdbm_tmp_string;

/* Copies made for core (NUL-terminated, op->o_tmpmemctx), released
 * together; secret ones are wiped first. */
typedef struct cdbm_copies {
    cdbm_tmp_string items[16];
    size_t n;
} cdbm_copies;

/* NULL when the value holds a NUL or the copies are exhausted. */
char *cdbm_copy(Operation *op, cdbm_copies *c, const char *s, size_t len, int secret);
void cdbm_copies_free(Operation *op, cdbm_copies *c);
/* The first value of a numeric attribute of e; -1 when absent. */
int cdbm_entry_number(Entry *e, AttributeDescription *ad, int64_t *out);
/* A userPassword value for core: {ARGON2}<PHC> is stored as is (sets
 * CDB_UF_PASSWORD_HASH), a value without a {SCHEME} is a plaintext core
 * hashes (CDB_UF_PASSWORD); other schemes are refused.  -1 with rs set. */
int cdbm_password_value(Operation *op, SlapReply *rs, cdbm_copies *c, struct berval *v,
                        unsigned *fields, cdb_user_input *in);
/* A clusterdbStatus value (any case) as a status: 0, or -1 if it names none. */
int cdbm_status_value(Operation *op, cdbm_copies *c, struct berval *v, cdb_user_status *out);
/* sshPublicKey values joined one per line; NULL if a value spans lines. */
char *cdbm_join_keys(Operation *op, cdbm_copies *c, BerVarray vals, unsigned n);

/* Operations. */
BI_op_search cdbm_back_search;
BI_op_bind cdbm_back_bind;
BI_op_compare cdbm_back_compare;
BI_op_modify cdbm_back_modify;
BI_op_modrdn cdbm_back_modrdn;
BI_op_add cdbm_back_add;
BI_op_delete cdbm_back_delete;
BI_op_extended cdbm_back_extended;
BI_entry_get_rw cdbm_back_entry_get;
BI_entry_release_rw cdbm_back_entry_release;
BI_has_subordinates cdbm_back_has_subordinates;
BI_operational cdbm_back_operational;

LDAP_END_DECL

#endif
