/*
 * modify.c: LDAP modify.
 *  - of a user: add, delete and replace of mail, givenName (both may be
 *    cleared), cn, sn (required), sshPublicKey (one value per key),
 *    loginShell and homeDirectory (cleared: core's defaults) and
 *    userPassword (an {ARGON2} PHC value is stored as is, a value without a
 *    {SCHEME} is hashed by core, other schemes are refused); the whole
 *    modification list is applied to a copy of the entry with slapd's value
 *    matching first, then written as ONE core update;
 *  - of a user's or a group's host, by administrators only: its own grants
 *    of the containers named (cdbm_hosts_apply), in a modify of its own;
 *  - of a group: add, delete and replace of memberUid, as membership changes
 *    (names resolved first; a failure undoes the changes made).
 * Validation and uniqueness are core's (cdb_user_update); its status maps
 * to an LDAP result through cdbm_ldap_result() only.  Access control is
 * slapd's: write access on every modified attribute (acl_check_modlist),
 * unless the requester administers the directory (admin.c).
 */
#include "portable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "back-clusterdb.h"

/* A memberUid value as a C string (tmp memory), NULL if it holds a NUL. */
static char *cdbm_copy_name(Operation *op, struct berval *v)
{
    char *s;

    if (memchr(v->bv_val, '\0', v->bv_len) != NULL)
        return NULL;
    s = op->o_tmpalloc(v->bv_len + 1, op->o_tmpmemctx);
    memcpy(s, v->bv_val, v->bv_len);
    s[v->bv_len] = '\0';
    return s;
}

/* Apply one modification to the entry copy with slapd's own value matching
 * (so add of a present value, delete of an absent one and the like answer
 * as any backend does). */
static int cdbm_apply_mod(Entry *e, Modifications *ml, SlapReply *rs, char *textbuf,
                          size_t textlen)
{
    Modification *mod = &ml->sml_mod;

    switch (mod->sm_op & LDAP_MOD_OP) {
    case LDAP_MOD_ADD:
        return modify_add_values(e, mod, 0, &rs->sr_text, textbuf, textlen);
    case LDAP_MOD_DELETE:
        return modify_delete_values(e, mod, 0, &rs->sr_text, textbuf, textlen);
    case LDAP_MOD_REPLACE:
        return modify_replace_values(e, mod, 0, &rs->sr_text, textbuf, textlen);
    default:
        rs->sr_text = "only add, delete and replace modifications are supported";
        return LDAP_UNWILLING_TO_PERFORM;
    }
}

/* The single value of ad in e: 0 none, 1 one (in *out), -1 several. */
static int cdbm_single(Entry *e, AttributeDescription *ad, struct berval **out)
{
    Attribute *a = attr_find(e->e_attrs, ad);

    if (a == NULL || a->a_numvals == 0)
        return 0;
    if (a->a_numvals > 1)
        return -1;
    *out = &a->a_vals[0];
    return 1;
}

/* A user's changed entry (after) turned into one core update of the fields
 * the modifications touched. */
static int cdbm_user_update_from(Operation *op, SlapReply *rs, cdbm_copies *c, Entry *after,
                                 unsigned touched, unsigned *fields, cdb_user_input *in)
{
    static const struct {
        unsigned field;
        int required;
        const char *name;
    } text_fields[] = {
        {CDB_UF_CN, 1, "cn"},
        {CDB_UF_SN, 1, "sn"},
        {CDB_UF_GIVEN_NAME, 0, "givenName"},
        {CDB_UF_MAIL, 0, "mail"},
    };
    AttributeDescription *ads[4];
    const char **slots[4];
    size_t i;

    ads[0] = cdbm_ad.cn, slots[0] = &in->cn;
    ads[1] = cdbm_ad.sn, slots[1] = &in->sn;
    ads[2] = cdbm_ad.given_name, slots[2] = &in->given_name;
    ads[3] = cdbm_ad.mail, slots[3] = &in->mail;
    for (i = 0; i < 4; i++) {
        struct berval *v = NULL;
        int n;

        if (!(touched & text_fields[i].field))
            continue;
        n = cdbm_single(after, ads[i], &v);
        if (n < 0) {
            rs->sr_err = LDAP_CONSTRAINT_VIOLATION;
            rs->sr_text = "cn, sn, givenName and mail hold one value each";
            return -1;
        }
        if (n == 0 && text_fields[i].required) {
            rs->sr_err = LDAP_OBJECT_CLASS_VIOLATION;
            rs->sr_text = "cn and sn are required";
            return -1;
        }
        *slots[i] = n ? cdbm_copy(op, c, v->bv_val, v->bv_len, 0) : NULL;
        if (n && *slots[i] == NULL) {
            rs->sr_err = LDAP_INVALID_SYNTAX;
            rs->sr_text = "value cannot be stored";
            return -1;
        }
        *fields |= text_fields[i].field;
    }
    if (touched & (CDB_UF_LOGIN_SHELL | CDB_UF_HOME_DIRECTORY)) {
        /* Removing the value goes back to core's default, which is served. */
        int shell = (touched & CDB_UF_LOGIN_SHELL) != 0, home = (touched & CDB_UF_HOME_DIRECTORY) != 0;

        for (i = 0; i < 2; i++) {
            AttributeDescription *ad = i == 0 ? cdbm_ad.login_shell : cdbm_ad.home_directory;
            const char **slot = i == 0 ? &in->login_shell : &in->home_directory;
            struct berval *v = NULL;
            int n;

            if (!(i == 0 ? shell : home))
                continue;
            n = cdbm_single(after, ad, &v);
            if (n < 0) {
                rs->sr_err = LDAP_CONSTRAINT_VIOLATION;
                rs->sr_text = "loginShell and homeDirectory hold one value each";
                return -1;
            }
            *slot = n ? cdbm_copy(op, c, v->bv_val, v->bv_len, 0) : NULL;
            if (n && *slot == NULL) {
                rs->sr_err = LDAP_INVALID_SYNTAX;
                rs->sr_text = "value cannot be stored";
                return -1;
            }
            *fields |= i == 0 ? CDB_UF_LOGIN_SHELL : CDB_UF_HOME_DIRECTORY;
        }
    }
    if (touched & CDB_UF_SSH_PUBLIC_KEY) {
        Attribute *a = attr_find(after->e_attrs, cdbm_ad.ssh_public_key);
        unsigned n = a ? a->a_numvals : 0;

        *fields |= CDB_UF_SSH_PUBLIC_KEY;
        in->ssh_public_key = n ? cdbm_join_keys(op, c, a->a_vals, n) : NULL;
        if (n && in->ssh_public_key == NULL) {
            rs->sr_err = LDAP_INVALID_SYNTAX;
            rs->sr_text = "sshPublicKey: one key per value";
            return -1;
        }
    }
    if (touched & CDB_UF_STATUS) {
        struct berval *v = NULL;
        cdb_user_status status;
        int n = cdbm_single(after, cdbm_ad.status, &v);

        if (n <= 0) {
            rs->sr_err = n == 0 ? LDAP_OBJECT_CLASS_VIOLATION : LDAP_CONSTRAINT_VIOLATION;
            rs->sr_text = n == 0 ? "clusterdbStatus is required (pending, active or suspended)"
                                 : "clusterdbStatus holds one value";
            return -1;
        }
        if (cdbm_status_value(op, c, v, &status) != 0) {
            rs->sr_err = LDAP_INVALID_SYNTAX;
            rs->sr_text = "clusterdbStatus: one of pending, active, suspended";
            return -1;
        }
        in->status = (int)status;
        *fields |= CDB_UF_STATUS;
    }
    if (touched & CDB_UF_PASSWORD) {
        struct berval *v = NULL;
        int n = cdbm_single(after, cdbm_ad.user_password, &v);

        if (n <= 0) {
            rs->sr_err = n == 0 ? LDAP_UNWILLING_TO_PERFORM : LDAP_CONSTRAINT_VIOLATION;
            rs->sr_text = n == 0 ? "userPassword cannot be removed over LDAP"
                                 : "userPassword holds one value";
            return -1;
        }
        if (cdbm_password_value(op, rs, c, v, fields, in) != 0)
            return -1;
    }
    return 0;
}

/* Which core field a modification of a user entry touches (0: none, the
 * modification is refused with the text in *why). */
static unsigned cdbm_user_field_of(AttributeDescription *desc, const char **why)
{
    if (desc == cdbm_ad.cn)
        return CDB_UF_CN;
    if (desc == cdbm_ad.sn)
        return CDB_UF_SN;
    if (desc == cdbm_ad.given_name)
        return CDB_UF_GIVEN_NAME;
    if (desc == cdbm_ad.mail)
        return CDB_UF_MAIL;
    if (desc == cdbm_ad.ssh_public_key)
        return CDB_UF_SSH_PUBLIC_KEY;
    if (desc == cdbm_ad.user_password)
        return CDB_UF_PASSWORD;
    if (desc == cdbm_ad.status)
        return CDB_UF_STATUS;
    if (desc == cdbm_ad.login_shell)
        return CDB_UF_LOGIN_SHELL;
    if (desc == cdbm_ad.home_directory)
        return CDB_UF_HOME_DIRECTORY;
    if (desc == cdbm_ad.uid)
        *why = "uid is the entry's name: rename the entry with modrdn";
    else
        *why = "this attribute cannot be changed over LDAP "
               "(mail, cn, sn, givenName, sshPublicKey, userPassword, loginShell, "
               "homeDirectory, clusterdbStatus can)";
    return 0;
}

/* Whether v is among vals (exact bytes: memberUid is caseExactIA5). */
static int cdbm_has_value(BerVarray vals, unsigned n, struct berval *v)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (vals[i].bv_len == v->bv_len && memcmp(vals[i].bv_val, v->bv_val, v->bv_len) == 0)
            return 1;
    return 0;
}

typedef struct cdbm_member_change {
    int64_t uid_number;
    int add;
} cdbm_member_change;

/*
 * memberUid changes of a group: the difference between the entry before and
 * after, applied as membership changes.  Every name is resolved before the
 * first change, and a failing change undoes those made before it, so a
 * refused modify leaves the group as it was.
 */
static void cdbm_group_members_apply(Operation *op, SlapReply *rs, cdb *db, int64_t gid,
                                     Entry *before, Entry *after, cdbm_result_detail *detail)
{
    Attribute *ab = attr_find(before->e_attrs, cdbm_ad.member_uid);
    Attribute *aa = attr_find(after->e_attrs, cdbm_ad.member_uid);
    unsigned nb = ab ? ab->a_numvals : 0, na = aa ? aa->a_numvals : 0, i;
    cdbm_member_change *changes;
    size_t n = 0, done, unknown_len = 0;
    char *unknown;
    int st = CDB_OK;

    changes = op->o_tmpalloc((nb + na + 1) * sizeof(*changes), op->o_tmpmemctx);
    unknown = op->o_tmpalloc(sizeof(detail->text), op->o_tmpmemctx);
    unknown[0] = '\0';
    for (i = 0; i < nb + na && st == CDB_OK; i++) {
        int add = i >= nb;
        struct berval *v = add ? &aa->a_vals[i - nb] : &ab->a_vals[i];
        char *name;

        if (add ? cdbm_has_value(nb ? ab->a_vals : NULL, nb, v)
                : cdbm_has_value(na ? aa->a_vals : NULL, na, v))
            continue;
        name = cdbm_copy_name(op, v);
        st = name ? cdbm_find_id(db, CDBM_TABLE_USERS, name, &changes[n].uid_number)
                  : CDB_ERR_NOTFOUND;
        if (st == CDB_ERR_NOTFOUND && (add || name == NULL)) {
            /* Collect every unknown name for one answer. */
            unknown_len += (size_t)snprintf(unknown + unknown_len,
                                            unknown_len < sizeof(detail->text)
                                                ? sizeof(detail->text) - unknown_len
                                                : 0,
                                            "%s%s", unknown_len ? ", " : "",
                                            name ? name : "(invalid)");
            if (unknown_len >= sizeof(detail->text))
                unknown_len = sizeof(detail->text) - 1;
            st = CDB_OK;
        } else if (st == CDB_OK) {
            changes[n++].add = add;
        } else if (st == CDB_ERR_NOTFOUND) {
            st = CDB_OK; /* a member removed whose user is gone already */
        }
        if (name != NULL)
            op->o_tmpfree(name, op->o_tmpmemctx);
    }
    if (st != CDB_OK) {
        detail->db = db;
        rs->sr_err = cdbm_ldap_result(st, detail, &rs->sr_text);
        goto done;
    }
    if (unknown[0] != '\0') {
        snprintf(detail->text, sizeof(detail->text), "memberUid: no such user: %s", unknown);
        rs->sr_err = LDAP_CONSTRAINT_VIOLATION;
        rs->sr_text = detail->text;
        goto done;
    }
    if (op->o_noop) {
        rs->sr_err = LDAP_X_NO_OPERATION;
        goto done;
    }
    for (done = 0; done < n; done++) {
        st = changes[done].add ? cdb_membership_add(db, changes[done].uid_number, gid)
                               : cdb_membership_remove(db, changes[done].uid_number, gid);
        if (st != CDB_OK)
            break;
    }
    detail->db = db;
    rs->sr_err = cdbm_ldap_result(st, detail, &rs->sr_text);
    if (st != CDB_OK) {
        Debug(LDAP_DEBUG_TRACE, "back-clusterdb: modify %s: %s\n", op->o_req_dn.bv_val,
              cdb_errmsg(db));
        while (done-- > 0) {
            int undo = changes[done].add ? cdb_membership_remove(db, changes[done].uid_number, gid)
                                         : cdb_membership_add(db, changes[done].uid_number, gid);
            if (undo != CDB_OK)
                Debug(LDAP_DEBUG_ANY,
                      "back-clusterdb: modify %s: undoing a membership change failed\n",
                      op->o_req_dn.bv_val);
        }
    }
done:
    op->o_tmpfree(unknown, op->o_tmpmemctx);
    op->o_tmpfree(changes, op->o_tmpmemctx);
}

/*
 * host of a user: the containers the user may enter; of a group: the
 * containers its grants name; each by its hostname and its FQDN.  A
 * modification names containers, not strings: adding either name grants
 * the container (both names appear), deleting either revokes the entry's
 * own grant (both go), replace keeps the containers its values name.  The
 * list is followed by hostname (the first label, lower case, as core
 * compares it) through the modifications, and the difference becomes ONE
 * core call: grants added and removed in one transaction, refused whole
 * when a name is no container's or when a container to remove stays named
 * for another reason (a user's ownership, administration, a group's or a
 * site's grant; a group's site grant), or when an administrator group would
 * gain a grant.
 */
typedef struct cdbm_host_set {
    char **labels;
    char **values; /* the name given, for core's checks and messages */
    unsigned n;
} cdbm_host_set;

/* Every string made while following host modifications, freed at the end. */
typedef struct cdbm_host_pool {
    char **strings;
    unsigned n;
} cdbm_host_pool;

/* How the refusals name what the entry's host values mean. */
typedef struct cdbm_host_words {
    const char *none, *holds, *lacks; /* holds and lacks come before a name */
} cdbm_host_words;

static const cdbm_host_words cdbm_user_host_words = {
    "host: the user enters no container", "the user enters", "the user does not enter"};
static const cdbm_host_words cdbm_group_host_words = {
    "host: the group is granted no container", "the group is granted",
    "the group is not granted"};

/* The hostname by which core knows the container a value names; a value no
 * container can have stands for itself (core refuses it by name). */
static char *cdbm_host_label(Operation *op, cdbm_host_pool *pool, const char *name)
{
    char *label = op->o_tmpalloc(CDB_ACCESS_LABEL_SIZE, op->o_tmpmemctx);
    const char *domain;

    if (!cdb_access_host_split(name, label, &domain)) {
        op->o_tmpfree(label, op->o_tmpmemctx);
        label = op->o_tmpalloc(strlen(name) + 1, op->o_tmpmemctx);
        strcpy(label, name);
    }
    pool->strings[pool->n++] = label;
    return label;
}

static int cdbm_host_find(const cdbm_host_set *set, const char *label)
{
    for (unsigned i = 0; i < set->n; i++)
        if (strcmp(set->labels[i], label) == 0)
            return (int)i;
    return -1;
}

/* Add name's container unless present; 1 when added. */
static int cdbm_host_put(Operation *op, cdbm_host_pool *pool, cdbm_host_set *set, char *name)
{
    char *label = cdbm_host_label(op, pool, name);

    if (cdbm_host_find(set, label) >= 0)
        return 0;
    set->labels[set->n] = label;
    set->values[set->n++] = name;
    return 1;
}

static void cdbm_host_set_init(Operation *op, cdbm_host_set *set, unsigned cap)
{
    set->labels = op->o_tmpcalloc(cap + 1, sizeof(char *), op->o_tmpmemctx);
    set->values = op->o_tmpcalloc(cap + 1, sizeof(char *), op->o_tmpmemctx);
    set->n = 0;
}

static void cdbm_host_set_free(Operation *op, cdbm_host_set *set)
{
    op->o_tmpfree(set->labels, op->o_tmpmemctx);
    op->o_tmpfree(set->values, op->o_tmpmemctx);
}

/* Follow one host modification through the set; an LDAP result. */
static int cdbm_host_mod(Operation *op, SlapReply *rs, cdbm_host_pool *pool, cdbm_host_set *now,
                         Modification *mod, const cdbm_host_words *words,
                         cdbm_result_detail *detail)
{
    int kind = mod->sm_op & LDAP_MOD_OP;

    if (kind != LDAP_MOD_ADD && kind != LDAP_MOD_DELETE && kind != LDAP_MOD_REPLACE) {
        rs->sr_text = "host: only add, delete and replace modifications are supported";
        return LDAP_UNWILLING_TO_PERFORM;
    }
    if (kind == LDAP_MOD_REPLACE || (kind == LDAP_MOD_DELETE && mod->sm_numvals == 0)) {
        if (kind == LDAP_MOD_DELETE && now->n == 0) {
            rs->sr_text = words->none;
            return LDAP_NO_SUCH_ATTRIBUTE;
        }
        now->n = 0;
    }
    for (unsigned k = 0; k < mod->sm_numvals; k++) {
        char *name = cdbm_copy_name(op, &mod->sm_values[k]);
        int at;

        if (name == NULL) {
            rs->sr_text = "host: a value holds a NUL byte";
            return LDAP_INVALID_SYNTAX;
        }
        pool->strings[pool->n++] = name;
        if (kind != LDAP_MOD_DELETE) {
            if (!cdbm_host_put(op, pool, now, name) && kind == LDAP_MOD_ADD) {
                snprintf(detail->text, sizeof(detail->text), "host: %s %s already", words->holds,
                         name);
                rs->sr_text = detail->text;
                return LDAP_TYPE_OR_VALUE_EXISTS;
            }
            continue;
        }
        at = cdbm_host_find(now, cdbm_host_label(op, pool, name));
        if (at < 0) {
            snprintf(detail->text, sizeof(detail->text), "host: %s %s", words->lacks, name);
            rs->sr_text = detail->text;
            return LDAP_NO_SUCH_ATTRIBUTE;
        }
        now->n--;
        now->labels[at] = now->labels[now->n];
        now->values[at] = now->values[now->n];
    }
    return LDAP_SUCCESS;
}

/* kind: CDBM_DN_USER (id a uidNumber) or CDBM_DN_GROUP (a gidNumber). */
static void cdbm_hosts_apply(Operation *op, SlapReply *rs, cdb *db, cdbm_dn_kind kind,
                             int64_t id, Entry *before, cdbm_result_detail *detail)
{
    const cdbm_host_words *words =
        kind == CDBM_DN_USER ? &cdbm_user_host_words : &cdbm_group_host_words;
    Attribute *a = attr_find(before->e_attrs, cdbm_ad.host);
    unsigned cap = a ? a->a_numvals : 0, i;
    cdbm_host_set was, now;
    cdbm_host_pool pool;
    const char **add, **remove;
    size_t n_add = 0, n_remove = 0;
    Modifications *ml;
    int st;

    for (ml = op->orm_modlist; ml != NULL; ml = ml->sml_next)
        if (ml->sml_desc == cdbm_ad.host)
            cap += ml->sml_numvals;
    cdbm_host_set_init(op, &was, cap);
    cdbm_host_set_init(op, &now, cap);
    pool.strings = op->o_tmpcalloc(3 * cap + 1, sizeof(char *), op->o_tmpmemctx);
    pool.n = 0;
    add = op->o_tmpcalloc(cap + 1, sizeof(char *), op->o_tmpmemctx);
    remove = op->o_tmpcalloc(cap + 1, sizeof(char *), op->o_tmpmemctx);

    for (i = 0; a != NULL && i < a->a_numvals; i++) {
        char *name = cdbm_copy_name(op, &a->a_vals[i]);

        if (name == NULL)
            continue; /* built from the store: never holds a NUL */
        pool.strings[pool.n++] = name;
        cdbm_host_put(op, &pool, &was, name);
    }
    for (i = 0; i < was.n; i++) {
        now.labels[i] = was.labels[i];
        now.values[i] = was.values[i];
    }
    now.n = was.n;
    rs->sr_err = LDAP_SUCCESS;
    for (ml = op->orm_modlist; ml != NULL && rs->sr_err == LDAP_SUCCESS; ml = ml->sml_next)
        if (ml->sml_desc == cdbm_ad.host)
            rs->sr_err = cdbm_host_mod(op, rs, &pool, &now, &ml->sml_mod, words, detail);
    if (rs->sr_err != LDAP_SUCCESS)
        goto done;
    for (i = 0; i < now.n; i++)
        if (cdbm_host_find(&was, now.labels[i]) < 0)
            add[n_add++] = now.values[i];
    for (i = 0; i < was.n; i++)
        if (cdbm_host_find(&now, was.labels[i]) < 0)
            remove[n_remove++] = was.labels[i];
    if (n_add == 0 && n_remove == 0)
        goto done;
    if (op->o_noop) {
        rs->sr_err = LDAP_X_NO_OPERATION;
        goto done;
    }
    st = kind == CDBM_DN_USER ? cdb_grant_user_hosts(db, id, add, n_add, remove, n_remove)
                              : cdb_grant_group_hosts(db, id, add, n_add, remove, n_remove);
    detail->db = db;
    rs->sr_err = cdbm_ldap_result(st, detail, &rs->sr_text);
    if (st != CDB_OK)
        Debug(LDAP_DEBUG_TRACE, "back-clusterdb: modify %s: %s\n", op->o_req_dn.bv_val,
              cdb_errmsg(db));
done:
    for (i = 0; i < pool.n; i++)
        op->o_tmpfree(pool.strings[i], op->o_tmpmemctx);
    op->o_tmpfree(pool.strings, op->o_tmpmemctx);
    op->o_tmpfree(remove, op->o_tmpmemctx);
    op->o_tmpfree(add, op->o_tmpmemctx);
    cdbm_host_set_free(op, &now);
    cdbm_host_set_free(op, &was);
}

int cdbm_back_modify(Operation *op, SlapReply *rs)
{
    cdbm_info *info = op->o_bd->be_private;
    cdbm_result_detail detail;
    cdb_user_input in;
    cdbm_copies copies;
    Modifications *ml;
    Entry *e = NULL, *matched = NULL, *after = NULL;
    struct berval name;
    cdbm_dn_kind kind, matched_kind;
    char textbuf[SLAP_TEXT_BUFLEN];
    int64_t id = 0;
    unsigned fields = 0, touched = 0;
    cdb *db;
    int temporary = 0, st, rc, admin, hosts = 0, others = 0;

    memset(&in, 0, sizeof(in));
    memset(&copies, 0, sizeof(copies));
    memset(&detail, 0, sizeof(detail));
    in.status = -1;

    db = cdbm_handle_get(op, info, &temporary);
    if (db == NULL) {
        send_ldap_error(op, rs, LDAP_UNAVAILABLE, "database unavailable");
        return rs->sr_err;
    }
    if (cdbm_sudoers_write_refused(info, &op->o_req_ndn, rs))
        goto send;
    e = cdbm_entry_by_ndn(op, info, db, &op->o_req_ndn, &rc, &matched);
    if (e == NULL) {
        rs->sr_err = rc;
        if (rc == LDAP_NO_SUCH_OBJECT && matched != NULL &&
            access_allowed(op, matched, slap_schema.si_ad_entry, NULL, ACL_DISCLOSE, NULL)) {
            rs->sr_matched = ch_strdup(matched->e_name.bv_val);
            rs->sr_flags |= REP_MATCHED_MUSTBEFREED;
        } else if (rc != LDAP_NO_SUCH_OBJECT) {
            rs->sr_text = "database error";
        }
        goto send;
    }
    kind = cdbm_dn_classify(op, info, &op->o_req_ndn, &name, &matched_kind);
    if (!BER_BVISNULL(&name))
        op->o_tmpfree(name.bv_val, op->o_tmpmemctx);
    if ((kind != CDBM_DN_USER && kind != CDBM_DN_GROUP) ||
        cdbm_entry_number(e, kind == CDBM_DN_USER ? cdbm_ad.uid_number : cdbm_ad.gid_number,
                          &id) != 0) {
        rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
        rs->sr_text = "only user and group entries can be changed over LDAP";
        goto send;
    }
    admin = cdbm_requester_is_admin(op, rs, info, db);
    if (admin < 0)
        goto send;
    if (!admin && !acl_check_modlist(op, e, op->orm_modlist)) {
        rs->sr_err = LDAP_INSUFFICIENT_ACCESS;
        goto send;
    }

    /* Validate the whole change on a copy before anything is written. */
    after = entry_dup(e);
    for (ml = op->orm_modlist; ml != NULL; ml = ml->sml_next) {
        AttributeDescription *desc = ml->sml_desc;
        const char *why = NULL;

        /* modifiersName, modifyTimestamp, entryCSN: kept by the store. */
        if ((ml->sml_flags & SLAP_MOD_INTERNAL) || is_at_no_user_mod(desc->ad_type))
            continue;
        if (desc == cdbm_ad.host) {
            hosts = 1; /* grants, followed by cdbm_hosts_apply */
            continue;
        }
        others = 1;
        if (kind == CDBM_DN_USER) {
            unsigned f = cdbm_user_field_of(desc, &why);

            if (f == 0) {
                rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
                rs->sr_text = why;
                goto send;
            }
            touched |= f;
        } else if (desc != cdbm_ad.member_uid) {
            rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
            rs->sr_text = desc == cdbm_ad.cn
                              ? "cn is the group's name: rename the entry with modrdn"
                              : "only memberUid and host of a group can be changed over LDAP";
            goto send;
        }
        rs->sr_err = cdbm_apply_mod(after, ml, rs, textbuf, sizeof(textbuf));
        if (rs->sr_err != LDAP_SUCCESS)
            goto send;
        rs->sr_text = NULL;
    }

    /* A plain modify carries no old password to check: self-service
     * changes go through the password modify operation. */
    if ((touched & CDB_UF_PASSWORD) && !admin) {
        rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
        rs->sr_text = "userPassword: change it with the password modify operation "
                      "(ldappasswd -a OLD or -A), which checks the old password";
        goto send;
    }
    /* Approving, suspending and reactivating accounts is administration,
     * whatever the ACLs grant: an account's own status is not its to set. */
    if ((touched & CDB_UF_STATUS) && !admin) {
        rs->sr_err = LDAP_INSUFFICIENT_ACCESS;
        rs->sr_text = "clusterdbStatus: only administrators change a user's status";
        goto send;
    }
    if (hosts) {
        /* Who enters a container is administration, whatever the ACLs
         * grant; a grant and a field change are two transactions in core,
         * so one modify does one or the other. */
        if (!admin) {
            rs->sr_err = LDAP_INSUFFICIENT_ACCESS;
            rs->sr_text = "host: only administrators grant access to containers";
        } else if (others) {
            rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
            rs->sr_text = "host: change it in a modify of its own, without other attributes";
        } else {
            cdbm_hosts_apply(op, rs, db, kind, id, e, &detail);
        }
        goto send;
    }
    if (kind == CDBM_DN_GROUP) {
        detail.rdn_key = "cn";
        cdbm_group_members_apply(op, rs, db, id, e, after, &detail);
        goto send;
    }
    if (cdbm_user_update_from(op, rs, &copies, after, touched, &fields, &in) != 0)
        goto send;
    if (fields == 0) {
        rs->sr_err = LDAP_SUCCESS;
        goto send;
    }
    if (op->o_noop) {
        rs->sr_err = LDAP_X_NO_OPERATION;
        goto send;
    }
    st = cdb_user_update(db, id, fields, &in);
    detail.db = db;
    detail.rdn_key = "username";
    rs->sr_err = cdbm_ldap_result(st, &detail, &rs->sr_text);
    if (st != CDB_OK)
        Debug(LDAP_DEBUG_TRACE, "back-clusterdb: modify %s: %s\n", op->o_req_dn.bv_val,
              cdb_errmsg(db));

send:
    send_ldap_result(op, rs);
    cdbm_copies_free(op, &copies);
    if (after != NULL)
        entry_free(after);
    if (e != NULL)
        entry_free(e);
    if (matched != NULL)
        entry_free(matched);
    cdbm_handle_put(db, temporary);
    return rs->sr_err;
}
