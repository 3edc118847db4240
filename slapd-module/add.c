/*
 * add.c: LDAP add of users (uid=<name>,ou=people) and groups
 * (cn=<name>,ou=groups), through core's public API, whose rules
 * (validation, uid/gid allocation, the first user, status, protected groups)
 * apply exactly as for the CLI.  A user an administrator adds is active; one
 * added by anybody else through an ACL grant is pending until an
 * administrator activates it.
 *
 * slapd's frontend does no schema check on add (back-mdb calls
 * entry_schema_check itself): the entry is checked here against what the
 * store can hold, so that an add without uidNumber (allocated by core) is
 * accepted although posixAccount requires it.
 *
 * Nothing is half-written: each entry is one core call and one transaction.
 */
#include "portable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "back-clusterdb.h"

static int cdbm_bv_is(struct berval *v, const char *s)
{
    size_t len = strlen(s);

    return v->bv_len == len && strncasecmp(v->bv_val, s, len) == 0;
}

static int cdbm_bv_number(struct berval *v, int64_t *out)
{
    char buf[24], *end;
    long long n;

    if (v->bv_len == 0 || v->bv_len >= sizeof(buf))
        return -1;
    memcpy(buf, v->bv_val, v->bv_len);
    buf[v->bv_len] = '\0';
    n = strtoll(buf, &end, 10);
    if (*end != '\0' || n < 0)
        return -1;
    *out = n;
    return 0;
}

/* Whether the objectClass values are all among allowed and include every
 * one of required. */
static int cdbm_classes_ok(Attribute *a, ObjectClass *const *allowed, size_t n_allowed,
                           ObjectClass *const *required, size_t n_required)
{
    size_t i, j;
    unsigned k;

    for (k = 0; k < a->a_numvals; k++) {
        ObjectClass *oc = oc_bvfind(&a->a_nvals[k]);

        for (j = 0; oc != NULL && j < n_allowed; j++)
            if (oc == allowed[j])
                break;
        if (oc == NULL || j == n_allowed)
            return 0;
    }
    for (i = 0; i < n_required; i++) {
        for (k = 0; k < a->a_numvals; k++)
            if (oc_bvfind(&a->a_nvals[k]) == required[i])
                break;
        if (k == a->a_numvals)
            return 0;
    }
    return 1;
}

/* The uidNumber core will allocate next is `given`: no user at or above it,
 * and either given - 1 is a user or no user exists and given is the first. */
static int cdbm_is_next_uid(cdb *db, int64_t given, int *is_next)
{
    cdb_query q;
    int64_t *ids = NULL, count = 0;
    size_t n = 0;
    int st;

    memset(&q, 0, sizeof(q));
    q.op = CDB_Q_GE;
    q.field = CDB_QF_UID_NUMBER;
    q.number = given;
    st = cdb_user_find(db, &q, INT64_MIN, 1, &ids, &n);
    cdb_free(ids);
    ids = NULL;
    if (st != CDB_OK)
        return st;
    if (n > 0) {
        *is_next = 0;
        return CDB_OK;
    }
    if ((st = cdb_user_count(db, &count)) != CDB_OK)
        return st;
    if (count == 0) {
        *is_next = given == CDB_FIRST_UID;
        return CDB_OK;
    }
    q.op = CDB_Q_EQ;
    q.number = given - 1;
    st = cdb_user_find(db, &q, INT64_MIN, 1, &ids, &n);
    cdb_free(ids);
    if (st == CDB_OK)
        *is_next = n == 1;
    return st;
}

/* The RDN value of dn (not normalized) as a C string in tmp memory, when the
 * RDN is a single ad=value; NULL otherwise. */
static char *cdbm_raw_rdn_name(Operation *op, struct berval *dn, AttributeDescription *ad)
{
    struct berval rdn, value = BER_BVNULL;
    char *s = NULL;

    dnRdn(dn, &rdn);
    if (!cdbm_rdn_value(op, &rdn, ad, &value))
        return NULL;
    if (memchr(value.bv_val, '\0', value.bv_len) == NULL) {
        s = op->o_tmpalloc(value.bv_len + 1, op->o_tmpmemctx);
        memcpy(s, value.bv_val, value.bv_len);
        s[value.bv_len] = '\0';
    }
    op->o_tmpfree(value.bv_val, op->o_tmpmemctx);
    return s;
}

static int cdbm_refuse(SlapReply *rs, int code, const char *text)
{
    rs->sr_err = code;
    rs->sr_text = text;
    return -1;
}

/* The single value of a, or NULL (and rs set) when it has several. */
static struct berval *cdbm_one(SlapReply *rs, Attribute *a, const char *text)
{
    if (a->a_numvals != 1) {
        cdbm_refuse(rs, LDAP_CONSTRAINT_VIOLATION, text);
        return NULL;
    }
    return &a->a_vals[0];
}

static void cdbm_add_user(Operation *op, SlapReply *rs, cdbm_info *info, cdb *db,
                          const char *username, int admin, cdbm_result_detail *detail)
{
    ObjectClass *const allowed[] = {
        cdbm_ad.oc_top, oc_find("person"), oc_find("organizationalPerson"),
        cdbm_ad.oc_inet_org_person, cdbm_ad.oc_posix_account, cdbm_ad.oc_shadow_account,
        cdbm_ad.oc_ldap_public_key, cdbm_ad.oc_clusterdb_account, cdbm_ad.oc_host_object};
    ObjectClass *const required[] = {cdbm_ad.oc_inet_org_person, cdbm_ad.oc_posix_account};
    cdb_user_input in;
    cdbm_copies copies;
    Attribute *a;
    struct berval *v, *gecos = NULL;
    int64_t uid_given = -1, uid = 0, n;
    unsigned fields = 0;
    int have_oc = 0, st;

    (void)info;
    memset(&in, 0, sizeof(in));
    memset(&copies, 0, sizeof(copies));
    in.status = -1;
    in.username = username;

    for (a = op->ora_e->e_attrs; a != NULL; a = a->a_next) {
        AttributeDescription *ad = a->a_desc;

        /* entryUUID, creatorsName, createTimestamp, structuralObjectClass
         * and the like: the frontend adds them, the store keeps its own. */
        if (is_at_operational(ad->ad_type))
            continue;
        if (ad == cdbm_ad.object_class) {
            have_oc = 1;
            if (!cdbm_classes_ok(a, allowed, sizeof(allowed) / sizeof(allowed[0]), required,
                                 sizeof(required) / sizeof(required[0]))) {
                cdbm_refuse(rs, LDAP_OBJECT_CLASS_VIOLATION,
                            "a user is objectClass inetOrgPerson and posixAccount (also allowed: "
                            "top, person, organizationalPerson, shadowAccount, ldapPublicKey, "
                            "clusterdbAccount, hostObject)");
                goto done;
            }
        } else if (ad == cdbm_ad.uid) {
            if ((v = cdbm_one(rs, a, "uid holds one value")) == NULL)
                goto done;
            if (!cdbm_bv_is(v, username)) {
                cdbm_refuse(rs, LDAP_NAMING_VIOLATION, "uid must equal the RDN's uid");
                goto done;
            }
        } else if (ad == cdbm_ad.cn || ad == cdbm_ad.sn || ad == cdbm_ad.given_name ||
                   ad == cdbm_ad.mail) {
            const char **slot = ad == cdbm_ad.cn ? &in.cn
                              : ad == cdbm_ad.sn ? &in.sn
                              : ad == cdbm_ad.given_name ? &in.given_name
                                                         : &in.mail;

            if ((v = cdbm_one(rs, a, "cn, sn, givenName and mail hold one value each")) == NULL)
                goto done;
            if ((*slot = cdbm_copy(op, &copies, v->bv_val, v->bv_len, 0)) == NULL) {
                cdbm_refuse(rs, LDAP_INVALID_SYNTAX, "value cannot be stored");
                goto done;
            }
        } else if (ad == cdbm_ad.ssh_public_key) {
            in.ssh_public_key = cdbm_join_keys(op, &copies, a->a_vals, a->a_numvals);
            if (in.ssh_public_key == NULL) {
                cdbm_refuse(rs, LDAP_INVALID_SYNTAX, "sshPublicKey: one key per value");
                goto done;
            }
        } else if (ad == cdbm_ad.user_password) {
            if ((v = cdbm_one(rs, a, "userPassword holds one value")) == NULL ||
                cdbm_password_value(op, rs, &copies, v, &fields, &in) != 0)
                goto done;
        } else if (ad == cdbm_ad.uid_number) {
            if ((v = cdbm_one(rs, a, "uidNumber holds one value")) == NULL)
                goto done;
            if (cdbm_bv_number(v, &uid_given) != 0) {
                cdbm_refuse(rs, LDAP_INVALID_SYNTAX, "uidNumber: not a number");
                goto done;
            }
        } else if (ad == cdbm_ad.gid_number) {
            if ((v = cdbm_one(rs, a, "gidNumber holds one value")) == NULL)
                goto done;
            if (cdbm_bv_number(v, &n) != 0 || n != CDB_PRIMARY_GID) {
                cdbm_refuse(rs, LDAP_UNWILLING_TO_PERFORM,
                            "gidNumber: every user's primary group is ldapusers (2000)");
                goto done;
            }
        } else if (ad == cdbm_ad.home_directory || ad == cdbm_ad.login_shell) {
            /* Stored as given; core checks the path (its defaults apply
             * when the attribute is left out). */
            const char **slot = ad == cdbm_ad.login_shell ? &in.login_shell : &in.home_directory;

            if ((v = cdbm_one(rs, a, "homeDirectory and loginShell hold one value each")) == NULL)
                goto done;
            if ((*slot = cdbm_copy(op, &copies, v->bv_val, v->bv_len, 0)) == NULL) {
                cdbm_refuse(rs, LDAP_INVALID_SYNTAX, "value cannot be stored");
                goto done;
            }
        } else if (ad == cdbm_ad.gecos) {
            if ((gecos = cdbm_one(rs, a, "gecos holds one value")) == NULL)
                goto done;
        } else if (ad == cdbm_ad.status) {
            cdb_user_status status;

            if ((v = cdbm_one(rs, a, "clusterdbStatus holds one value")) == NULL)
                goto done;
            /* Otherwise core's rule: active when an administrator adds. */
            if (!admin) {
                cdbm_refuse(rs, LDAP_INSUFFICIENT_ACCESS,
                            "clusterdbStatus: only administrators set a user's status");
                goto done;
            }
            if (cdbm_status_value(op, &copies, v, &status) != 0) {
                cdbm_refuse(rs, LDAP_INVALID_SYNTAX,
                            "clusterdbStatus: one of pending, active, suspended");
                goto done;
            }
            in.status = (int)status;
        } else if (ad == cdbm_ad.host) {
            cdbm_refuse(rs, LDAP_UNWILLING_TO_PERFORM, CDBM_HOST_READ_ONLY);
            goto done;
        } else {
            snprintf(detail->text, sizeof(detail->text),
                     "%s cannot be stored (a user has objectClass, uid, cn, sn, givenName, mail, "
                     "sshPublicKey, userPassword, uidNumber, gidNumber, homeDirectory, "
                     "loginShell, gecos, clusterdbStatus)",
                     ad->ad_cname.bv_val);
            cdbm_refuse(rs, LDAP_UNWILLING_TO_PERFORM, detail->text);
            goto done;
        }
    }
    if (!have_oc) {
        cdbm_refuse(rs, LDAP_OBJECT_CLASS_VIOLATION, "objectClass is required");
        goto done;
    }
    /* gecos is served as the cn: anything else would not be kept. */
    if (gecos != NULL) {
        const char *cn = in.cn ? in.cn : username;

        if (gecos->bv_len != strlen(cn) || memcmp(gecos->bv_val, cn, gecos->bv_len) != 0) {
            cdbm_refuse(rs, LDAP_UNWILLING_TO_PERFORM, "gecos is the cn");
            goto done;
        }
    }
    if (uid_given >= 0) {
        int is_next = 0;

        st = cdbm_is_next_uid(db, uid_given, &is_next);
        if (st != CDB_OK) {
            detail->db = db;
            rs->sr_err = cdbm_ldap_result(st, detail, &rs->sr_text);
            goto done;
        }
        if (!is_next) {
            cdbm_refuse(rs, LDAP_UNWILLING_TO_PERFORM,
                        "uidNumber is allocated by clusterdb (leave it out)");
            goto done;
        }
    }
    if (op->o_noop) {
        rs->sr_err = LDAP_X_NO_OPERATION;
        goto done;
    }
    /* The number is checked again inside core's transaction: a writer that
     * took it meanwhile makes this add fail, never a second user with it. */
    if (uid_given >= 0)
        in.uid_number = uid_given;
    st = cdb_user_create(db, &in, admin, &uid);
    detail->db = db;
    rs->sr_err = cdbm_ldap_result(st, detail, &rs->sr_text);
    if (st != CDB_OK) {
        Debug(LDAP_DEBUG_TRACE, "back-clusterdb: add %s: %s\n", op->o_req_dn.bv_val,
              cdb_errmsg(db));
        goto done;
    }
done:
    cdbm_copies_free(op, &copies);
}

static void cdbm_add_group(Operation *op, SlapReply *rs, cdb *db, const char *cn,
                           cdbm_result_detail *detail)
{
    ObjectClass *const allowed[] = {cdbm_ad.oc_top, cdbm_ad.oc_posix_group,
                                    cdbm_ad.oc_host_object};
    ObjectClass *const required[] = {cdbm_ad.oc_posix_group};
    Attribute *a, *members = NULL;
    struct berval *v;
    int64_t gid_given = 0, gid = 0, *uids = NULL;
    size_t n_uids = 0, i, unknown_len = 0;
    int have_oc = 0, st = CDB_OK;

    detail->text[0] = '\0';
    for (a = op->ora_e->e_attrs; a != NULL; a = a->a_next) {
        AttributeDescription *ad = a->a_desc;

        if (is_at_operational(ad->ad_type))
            continue;
        if (ad == cdbm_ad.object_class) {
            have_oc = 1;
            if (!cdbm_classes_ok(a, allowed, 3, required, 1)) {
                cdbm_refuse(rs, LDAP_OBJECT_CLASS_VIOLATION,
                            "a group is objectClass posixGroup (also allowed: top, hostObject)");
                goto done;
            }
        } else if (ad == cdbm_ad.cn) {
            if ((v = cdbm_one(rs, a, "cn holds one value: the group's name")) == NULL)
                goto done;
            if (!cdbm_bv_is(v, cn)) {
                cdbm_refuse(rs, LDAP_NAMING_VIOLATION, "cn must equal the RDN's cn");
                goto done;
            }
        } else if (ad == cdbm_ad.gid_number) {
            if ((v = cdbm_one(rs, a, "gidNumber holds one value")) == NULL)
                goto done;
            if (cdbm_bv_number(v, &gid_given) != 0) {
                cdbm_refuse(rs, LDAP_INVALID_SYNTAX, "gidNumber: not a number");
                goto done;
            }
        } else if (ad == cdbm_ad.member_uid) {
            members = a;
        } else if (ad == cdbm_ad.host) {
            cdbm_refuse(rs, LDAP_UNWILLING_TO_PERFORM, CDBM_GROUP_HOST_READ_ONLY);
            goto done;
        } else {
            snprintf(detail->text, sizeof(detail->text),
                     "%s cannot be stored (a group has objectClass, cn, gidNumber, memberUid)",
                     ad->ad_cname.bv_val);
            cdbm_refuse(rs, LDAP_UNWILLING_TO_PERFORM, detail->text);
            goto done;
        }
    }
    if (!have_oc) {
        cdbm_refuse(rs, LDAP_OBJECT_CLASS_VIOLATION, "objectClass is required");
        goto done;
    }
    /* Every member resolved before anything is created. */
    if (members != NULL && members->a_numvals > 0) {
        uids = op->o_tmpalloc(members->a_numvals * sizeof(*uids), op->o_tmpmemctx);
        for (i = 0; i < members->a_numvals; i++) {
            struct berval *m = &members->a_vals[i];
            char *name = NULL;

            if (memchr(m->bv_val, '\0', m->bv_len) == NULL) {
                name = op->o_tmpalloc(m->bv_len + 1, op->o_tmpmemctx);
                memcpy(name, m->bv_val, m->bv_len);
                name[m->bv_len] = '\0';
                st = cdbm_find_id(db, CDBM_TABLE_USERS, name, &uids[n_uids]);
            } else {
                st = CDB_ERR_NOTFOUND;
            }
            if (st == CDB_ERR_NOTFOUND) {
                size_t room = sizeof(detail->text) - unknown_len;
                int w = snprintf(detail->text + unknown_len, room, "%s%s",
                                 unknown_len ? ", " : "memberUid: no such user: ",
                                 name ? name : "(invalid)");

                unknown_len = w < 0 || (size_t)w >= room ? sizeof(detail->text) - 1
                                                         : unknown_len + (size_t)w;
                st = CDB_OK;
            } else if (st == CDB_OK) {
                n_uids++;
            }
            if (name != NULL)
                op->o_tmpfree(name, op->o_tmpmemctx);
            if (st != CDB_OK) {
                detail->db = db;
                rs->sr_err = cdbm_ldap_result(st, detail, &rs->sr_text);
                goto done;
            }
        }
        if (unknown_len > 0) {
            cdbm_refuse(rs, LDAP_CONSTRAINT_VIOLATION, detail->text);
            goto done;
        }
    }
    if (op->o_noop) {
        rs->sr_err = LDAP_X_NO_OPERATION;
        goto done;
    }
    st = cdb_group_create(db, cn, gid_given, 0, &gid);
    for (i = 0; st == CDB_OK && i < n_uids; i++)
        st = cdb_membership_add(db, uids[i], gid);
    detail->db = db;
    rs->sr_err = cdbm_ldap_result(st, detail, &rs->sr_text);
    if (st != CDB_OK) {
        Debug(LDAP_DEBUG_TRACE, "back-clusterdb: add %s: %s\n", op->o_req_dn.bv_val,
              cdb_errmsg(db));
        /* The group exists with some members: take it away again (its
         * memberships go with it). */
        if (gid != 0 && cdb_group_delete(db, gid) != CDB_OK)
            Debug(LDAP_DEBUG_ANY, "back-clusterdb: add %s: undo failed\n", op->o_req_dn.bv_val);
    }
done:
    if (uids != NULL)
        op->o_tmpfree(uids, op->o_tmpmemctx);
}

int cdbm_back_add(Operation *op, SlapReply *rs)
{
    cdbm_info *info = op->o_bd->be_private;
    cdbm_result_detail detail;
    Entry *parent = NULL;
    cdbm_dn_kind kind;
    char *name;
    cdb *db;
    int temporary = 0, admin;

    memset(&detail, 0, sizeof(detail));
    db = cdbm_handle_get(op, info, &temporary);
    if (db == NULL) {
        send_ldap_error(op, rs, LDAP_UNAVAILABLE, "database unavailable");
        return rs->sr_err;
    }
    name = cdbm_dn_name(op, info, &op->ora_e->e_nname, &kind);
    if (cdbm_sudoers_write_refused(info, &op->ora_e->e_nname, rs))
        goto send;
    if (kind == CDBM_DN_SUFFIX || kind == CDBM_DN_PEOPLE || kind == CDBM_DN_GROUPS ||
        kind == CDBM_DN_SERVICES || kind == CDBM_DN_ROOTDN) {
        rs->sr_err = LDAP_ALREADY_EXISTS;
        goto send;
    }
    if (kind == CDBM_DN_SERVICE) {
        rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
        rs->sr_text = "service accounts are configured in slapd (service-account directive)";
        goto send;
    }
    if (name == NULL) {
        rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
        rs->sr_text = "only users (uid=<name>,ou=people) and groups (cn=<name>,ou=groups) "
                      "can be added";
        goto send;
    }
    /* The name as the client wrote it (the normalized DN lower-cases it):
     * core refuses names outside its rule rather than have them changed. */
    op->o_tmpfree(name, op->o_tmpmemctx);
    name = cdbm_raw_rdn_name(op, &op->ora_e->e_name,
                             kind == CDBM_DN_USER ? cdbm_ad.uid : cdbm_ad.cn);
    if (name == NULL) {
        rs->sr_err = LDAP_NAMING_VIOLATION;
        rs->sr_text = "the RDN must be uid=<name> (users) or cn=<name> (groups)";
        goto send;
    }
    parent = kind == CDBM_DN_USER ? cdbm_entry_people(op, info) : cdbm_entry_groups(op, info);
    if (parent == NULL) {
        rs->sr_err = LDAP_OTHER;
        goto send;
    }
    if (!cdbm_write_allowed(op, rs, info, db, parent, op->ora_e, ACL_WADD, &admin))
        goto send;
    /* LDAP compares names without regard to case, and so does core's
     * uniqueness: an entry whose name differs only in case exists. */
    if (cdbm_name_taken(op, rs, db, kind, name, 0, &detail))
        goto send;
    rs->sr_err = LDAP_SUCCESS;
    if (kind == CDBM_DN_USER) {
        detail.rdn_key = "username";
        cdbm_add_user(op, rs, info, db, name, admin, &detail);
    } else {
        detail.rdn_key = "cn";
        cdbm_add_group(op, rs, db, name, &detail);
    }

send:
    send_ldap_result(op, rs);
    if (parent != NULL)
        entry_free(parent);
    if (name != NULL)
        op->o_tmpfree(name, op->o_tmpmemctx);
    cdbm_handle_put(db, temporary);
    return rs->sr_err;
}
