/*
 * Writes the directory allows over LDAP, on user entries only:
 *  - modify: replace of mail, cn, sn, givenName, sshPublicKey (one value per
 *    key) and userPassword (an {ARGON2} PHC value is stored as is, a value
 *    without a {SCHEME} is hashed by core, other schemes are refused);
 *  - the password modify extended operation (RFC 3062), handled here so that
 *    core hashes the new password with its own argon2 parameters.
 * Validation and uniqueness are core's (cdb_user_update); its status maps
 * to an LDAP result through cdbm_ldap_result() only.  Access control is
 * slapd's: write access on every modified attribute (acl_check_modlist).
 * Copies of passwords are wiped before they are freed.
 */
#include "portable.h"

#include <string.h>

#include <clusterdb/passwd.h>

#include "back-clusterdb.h"

#define CDBM_ARGON2_PREFIX "{ARGON2}"

typedef struct cdbm_tmp_string {
    char *s;
    size_t len;
    int secret;
} cdbm_tmp_string;

/* Copies made for core (NUL-terminated), released together. */
typedef struct cdbm_copies {
    cdbm_tmp_string items[16];
    size_t n;
} cdbm_copies;

static char *cdbm_copy(Operation *op, cdbm_copies *c, const char *s, size_t len, int secret)
{
    char *out;

    if (c->n == sizeof(c->items) / sizeof(c->items[0]) || memchr(s, '\0', len) != NULL)
        return NULL;
    out = op->o_tmpalloc(len + 1, op->o_tmpmemctx);
    memcpy(out, s, len);
    out[len] = '\0';
    c->items[c->n].s = out;
    c->items[c->n].len = len;
    c->items[c->n].secret = secret;
    c->n++;
    return out;
}

static void cdbm_copies_free(Operation *op, cdbm_copies *c)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        if (c->items[i].secret)
            cdb_wipe(c->items[i].s, c->items[i].len);
        op->o_tmpfree(c->items[i].s, op->o_tmpmemctx);
    }
    c->n = 0;
}

static int cdbm_entry_uid_number(Entry *e, int64_t *out)
{
    Attribute *a = attr_find(e->e_attrs, cdbm_ad.uid_number);
    char buf[32];

    if (a == NULL || a->a_numvals < 1 || a->a_vals[0].bv_len >= sizeof(buf))
        return -1;
    memcpy(buf, a->a_vals[0].bv_val, a->a_vals[0].bv_len);
    buf[a->a_vals[0].bv_len] = '\0';
    *out = strtoll(buf, NULL, 10);
    return 0;
}

/* The user entry at the request DN, answering the client when there is
 * none.  *db is the handle to use. */
static Entry *cdbm_target_user(Operation *op, SlapReply *rs, cdbm_info *info, cdb *db,
                               int64_t *uid_number)
{
    Entry *e, *matched = NULL;
    struct berval name;
    cdbm_dn_kind kind, matched_kind;
    int rc;

    e = cdbm_entry_by_ndn(op, info, db, &op->o_req_ndn, &rc, &matched);
    if (e == NULL) {
        rs->sr_err = rc;
        if (rc == LDAP_NO_SUCH_OBJECT && matched != NULL &&
            access_allowed(op, matched, slap_schema.si_ad_entry, NULL, ACL_DISCLOSE, NULL))
            rs->sr_matched = ch_strdup(matched->e_name.bv_val);
        else if (rc != LDAP_NO_SUCH_OBJECT)
            rs->sr_text = "database error";
        if (matched != NULL)
            entry_free(matched);
        return NULL;
    }
    kind = cdbm_dn_classify(op, info, &op->o_req_ndn, &name, &matched_kind);
    if (!BER_BVISNULL(&name))
        op->o_tmpfree(name.bv_val, op->o_tmpmemctx);
    if (kind != CDBM_DN_USER || cdbm_entry_uid_number(e, uid_number) != 0) {
        entry_free(e);
        rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
        rs->sr_text = "only user entries can be changed over LDAP";
        return NULL;
    }
    return e;
}

/* A userPassword value for core: a PHC string or a plaintext. */
static int cdbm_password_value(Operation *op, SlapReply *rs, cdbm_copies *c, struct berval *v,
                               unsigned *fields, cdb_user_input *in)
{
    size_t plen = sizeof(CDBM_ARGON2_PREFIX) - 1;

    if (v->bv_len > plen && strncasecmp(v->bv_val, CDBM_ARGON2_PREFIX, plen) == 0) {
        char *phc = cdbm_copy(op, c, v->bv_val + plen, v->bv_len - plen, 1);

        if (phc == NULL || !cdb_password_is_phc(phc)) {
            rs->sr_err = LDAP_CONSTRAINT_VIOLATION;
            rs->sr_text = "userPassword: not an argon2 PHC string";
            return -1;
        }
        *fields |= CDB_UF_PASSWORD_HASH;
        in->password_hash = phc;
        return 0;
    }
    if (v->bv_len > 0 && v->bv_val[0] == '{' && memchr(v->bv_val, '}', v->bv_len) != NULL) {
        rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
        rs->sr_text = "userPassword: only {ARGON2} hashes or plaintext passwords can be stored";
        return -1;
    }
    in->password = cdbm_copy(op, c, v->bv_val, v->bv_len, 1);
    if (in->password == NULL) {
        rs->sr_err = LDAP_CONSTRAINT_VIOLATION;
        rs->sr_text = "userPassword: invalid value";
        return -1;
    }
    *fields |= CDB_UF_PASSWORD;
    return 0;
}

/* sshPublicKey values joined one per line, as the store keeps them. */
static char *cdbm_join_keys(Operation *op, cdbm_copies *c, BerVarray vals, unsigned n)
{
    size_t len = 0, i, o = 0;
    char *joined, *out;

    for (i = 0; i < n; i++) {
        if (memchr(vals[i].bv_val, '\n', vals[i].bv_len) != NULL ||
            memchr(vals[i].bv_val, '\r', vals[i].bv_len) != NULL)
            return NULL;
        len += vals[i].bv_len + 1;
    }
    joined = op->o_tmpalloc(len + 1, op->o_tmpmemctx);
    for (i = 0; i < n; i++) {
        memcpy(joined + o, vals[i].bv_val, vals[i].bv_len);
        o += vals[i].bv_len;
        if (i + 1 < n)
            joined[o++] = '\n';
    }
    joined[o] = '\0';
    out = cdbm_copy(op, c, joined, o, 0);
    op->o_tmpfree(joined, op->o_tmpmemctx);
    return out;
}

/* Turn the modification list into a core update. */
static int cdbm_mods_to_update(Operation *op, SlapReply *rs, cdbm_copies *c, unsigned *fields,
                               cdb_user_input *in)
{
    Modifications *ml;

    for (ml = op->orm_modlist; ml != NULL; ml = ml->sml_next) {
        AttributeDescription *desc = ml->sml_desc;
        unsigned n = ml->sml_values ? ml->sml_numvals : 0;
        struct berval *v = n ? &ml->sml_values[0] : NULL;

        /* modifiersName, modifyTimestamp, entryCSN: kept by the store. */
        if ((ml->sml_flags & SLAP_MOD_INTERNAL) || is_at_no_user_mod(desc->ad_type))
            continue;
        if ((ml->sml_op & LDAP_MOD_OP) != LDAP_MOD_REPLACE) {
            rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
            rs->sr_text = "only replace modifications are supported";
            return -1;
        }
        if (desc == cdbm_ad.ssh_public_key) {
            *fields |= CDB_UF_SSH_PUBLIC_KEY;
            in->ssh_public_key = n ? cdbm_join_keys(op, c, ml->sml_values, n) : NULL;
            if (n && in->ssh_public_key == NULL) {
                rs->sr_err = LDAP_CONSTRAINT_VIOLATION;
                rs->sr_text = "sshPublicKey: one key per value";
                return -1;
            }
            continue;
        }
        if (n > 1) {
            rs->sr_err = LDAP_CONSTRAINT_VIOLATION;
            rs->sr_text = "only one value can be stored for this attribute";
            return -1;
        }
        if (desc == cdbm_ad.user_password) {
            if (n == 0) {
                rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
                rs->sr_text = "userPassword cannot be removed over LDAP";
                return -1;
            }
            if (cdbm_password_value(op, rs, c, v, fields, in) != 0)
                return -1;
            continue;
        }
        if (desc == cdbm_ad.mail || desc == cdbm_ad.given_name) {
            const char *s = n ? cdbm_copy(op, c, v->bv_val, v->bv_len, 0) : NULL;

            if (n && s == NULL)
                goto invalid;
            if (desc == cdbm_ad.mail) {
                *fields |= CDB_UF_MAIL;
                in->mail = s;
            } else {
                *fields |= CDB_UF_GIVEN_NAME;
                in->given_name = s;
            }
            continue;
        }
        if (desc == cdbm_ad.cn || desc == cdbm_ad.sn) {
            const char *s;

            if (n == 0) {
                rs->sr_err = LDAP_OBJECT_CLASS_VIOLATION;
                rs->sr_text = "cn and sn are required";
                return -1;
            }
            s = cdbm_copy(op, c, v->bv_val, v->bv_len, 0);
            if (s == NULL)
                goto invalid;
            if (desc == cdbm_ad.cn) {
                *fields |= CDB_UF_CN;
                in->cn = s;
            } else {
                *fields |= CDB_UF_SN;
                in->sn = s;
            }
            continue;
        }
        rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
        rs->sr_text = "this attribute cannot be changed over LDAP "
                      "(mail, cn, sn, givenName, sshPublicKey, userPassword can)";
        return -1;
    }
    return 0;
invalid:
    rs->sr_err = LDAP_INVALID_SYNTAX;
    rs->sr_text = "value cannot be stored";
    return -1;
}

int cdbm_back_modify(Operation *op, SlapReply *rs)
{
    cdbm_info *info = op->o_bd->be_private;
    cdb_user_input in;
    cdbm_copies copies;
    Entry *e = NULL;
    int64_t uid_number = 0;
    unsigned fields = 0;
    cdb *db;
    int temporary = 0, st;

    memset(&in, 0, sizeof(in));
    memset(&copies, 0, sizeof(copies));
    in.status = -1;

    db = cdbm_handle_get(op, info, &temporary);
    if (db == NULL) {
        send_ldap_error(op, rs, LDAP_UNAVAILABLE, "database unavailable");
        return rs->sr_err;
    }
    e = cdbm_target_user(op, rs, info, db, &uid_number);
    if (e == NULL) {
        rs->sr_flags |= rs->sr_matched ? REP_MATCHED_MUSTBEFREED : 0;
        goto send;
    }
    if (!acl_check_modlist(op, e, op->orm_modlist)) {
        rs->sr_err = LDAP_INSUFFICIENT_ACCESS;
        goto send;
    }
    if (cdbm_mods_to_update(op, rs, &copies, &fields, &in) != 0)
        goto send;
    if (fields == 0) {
        rs->sr_err = LDAP_SUCCESS;
        goto send;
    }
    st = cdb_user_update(db, uid_number, fields, &in);
    rs->sr_err = cdbm_ldap_result(st, &rs->sr_text);
    if (st != CDB_OK)
        Debug(LDAP_DEBUG_TRACE, "back-clusterdb: modify %s: %s\n", op->o_req_dn.bv_val,
              cdb_errmsg(db));

send:
    send_ldap_result(op, rs);
    cdbm_copies_free(op, &copies);
    if (e != NULL)
        entry_free(e);
    cdbm_handle_put(db, temporary);
    return rs->sr_err;
}

/*
 * Password modify (RFC 3062).  slapd's frontend has parsed the request,
 * chosen the target (the user named, or the bound user) and, when no new
 * password was given, generated one it returns to the client.
 */
static int cdbm_password_modify(Operation *op, SlapReply *rs)
{
    cdbm_info *info = op->o_bd->be_private;
    req_pwdexop_s *qpw = &op->oq_pwdexop;
    cdb_user_input in;
    cdbm_copies copies;
    cdb_user *user = NULL;
    Entry *e = NULL;
    int64_t uid_number = 0;
    cdb *db;
    int temporary = 0, st;

    memset(&in, 0, sizeof(in));
    memset(&copies, 0, sizeof(copies));
    in.status = -1;

    db = cdbm_handle_get(op, info, &temporary);
    if (db == NULL) {
        rs->sr_text = "database unavailable";
        return rs->sr_err = LDAP_UNAVAILABLE;
    }
    e = cdbm_target_user(op, rs, info, db, &uid_number);
    if (e == NULL) {
        if (rs->sr_matched) {
            ch_free((char *)rs->sr_matched);
            rs->sr_matched = NULL;
        }
        goto done;
    }
    if (!access_allowed(op, e, slap_schema.si_ad_userPassword, NULL, ACL_WRITE, NULL)) {
        rs->sr_err = LDAP_INSUFFICIENT_ACCESS;
        goto done;
    }
    if (!BER_BVISNULL(&qpw->rs_old)) {
        /* The old password must verify against the stored hash. */
        st = cdb_user_get(db, uid_number, &user);
        if (st != CDB_OK || user->user_password == NULL ||
            cdb_password_verify(user->user_password, qpw->rs_old.bv_val, qpw->rs_old.bv_len) !=
                CDB_OK) {
            rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
            rs->sr_text = "unwilling to verify old password";
            goto done;
        }
    }
    in.password = cdbm_copy(op, &copies, qpw->rs_new.bv_val, qpw->rs_new.bv_len, 1);
    if (in.password == NULL) {
        rs->sr_err = LDAP_CONSTRAINT_VIOLATION;
        rs->sr_text = "invalid new password";
        goto done;
    }
    st = cdb_user_update(db, uid_number, CDB_UF_PASSWORD, &in);
    rs->sr_err = cdbm_ldap_result(st, &rs->sr_text);

done:
    cdbm_copies_free(op, &copies);
    cdb_user_free(user);
    if (e != NULL)
        entry_free(e);
    cdbm_handle_put(db, temporary);
    /* The frontend sends the extended response. */
    return rs->sr_err;
}

int cdbm_back_extended(Operation *op, SlapReply *rs)
{
    if (op->ore_reqoid.bv_len == sizeof(LDAP_EXOP_MODIFY_PASSWD) - 1 &&
        memcmp(op->ore_reqoid.bv_val, LDAP_EXOP_MODIFY_PASSWD, op->ore_reqoid.bv_len) == 0)
        return cdbm_password_modify(op, rs);
    return SLAP_CB_CONTINUE;
}
