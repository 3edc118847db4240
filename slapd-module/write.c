/*
 * write.c: what the write operations share: the names of their targets,
 * finding those targets, and the copies of values handed to core (secret
 * ones wiped before they are freed).
 */
#include "portable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <clusterdb/passwd.h>

#include "back-clusterdb.h"

#define CDBM_ARGON2_PREFIX "{ARGON2}"

/* The name (RDN value) of a user or group DN as a C string in tmp memory;
 * NULL for any other DN. */
char *cdbm_dn_name(Operation *op, cdbm_info *info, struct berval *ndn, cdbm_dn_kind *kind)
{
    struct berval name;
    cdbm_dn_kind matched_kind;
    char *s = NULL;

    *kind = cdbm_dn_classify(op, info, ndn, &name, &matched_kind);
    if ((*kind == CDBM_DN_USER || *kind == CDBM_DN_GROUP) &&
        memchr(name.bv_val, '\0', name.bv_len) == NULL) {
        s = op->o_tmpalloc(name.bv_len + 1, op->o_tmpmemctx);
        memcpy(s, name.bv_val, name.bv_len);
        s[name.bv_len] = '\0';
    }
    if (!BER_BVISNULL(&name))
        op->o_tmpfree(name.bv_val, op->o_tmpmemctx);
    return s;
}

/* Whether another user or group (not the one with id self) already has the
 * name, compared without regard to case; 1 with rs set (entryAlreadyExists,
 * or the store's failure). */
int cdbm_name_taken(Operation *op, SlapReply *rs, cdb *db, cdbm_dn_kind kind, const char *name,
                    int64_t self, cdbm_result_detail *detail)
{
    int64_t found = 0;
    int st = cdbm_find_id(db, kind == CDBM_DN_USER ? CDBM_TABLE_USERS : CDBM_TABLE_GROUPS, name,
                          &found);

    (void)op;
    if (st == CDB_ERR_NOTFOUND || (st == CDB_OK && found == self))
        return 0;
    if (st == CDB_OK) {
        rs->sr_err = LDAP_ALREADY_EXISTS;
        rs->sr_text = kind == CDBM_DN_USER ? "a user of that name exists"
                                           : "a group of that name exists";
        return 1;
    }
    detail->db = db;
    rs->sr_err = cdbm_ldap_result(st, detail, &rs->sr_text);
    return 1;
}

/* The user or group entry at the request DN with its id and parent, or the
 * answer (noSuchObject with matchedDN, or a refusal for the fixed entries)
 * in rs. */
Entry *cdbm_write_target(Operation *op, SlapReply *rs, cdbm_info *info, cdb *db,
                         cdbm_dn_kind *kind, int64_t *id, Entry **parent)
{
    Entry *e, *matched = NULL;
    char *name;
    int rc;

    *parent = NULL;
    name = cdbm_dn_name(op, info, &op->o_req_ndn, kind);
    if (name != NULL)
        op->o_tmpfree(name, op->o_tmpmemctx);
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
        if (matched != NULL)
            entry_free(matched);
        return NULL;
    }
    if (*kind != CDBM_DN_USER && *kind != CDBM_DN_GROUP) {
        entry_free(e);
        return NULL; /* the caller answers for the fixed entries */
    }
    if (cdbm_entry_number(e, *kind == CDBM_DN_USER ? cdbm_ad.uid_number : cdbm_ad.gid_number,
                          id) != 0) {
        entry_free(e);
        rs->sr_err = LDAP_OTHER;
        return NULL;
    }
    *parent = *kind == CDBM_DN_USER ? cdbm_entry_people(op, info) : cdbm_entry_groups(op, info);
    if (*parent == NULL) {
        entry_free(e);
        rs->sr_err = LDAP_OTHER;
        return NULL;
    }
    return e;
}

char *cdbm_copy(Operation *op, cdbm_copies *c, const char *s, size_t len, int secret)
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

void cdbm_copies_free(Operation *op, cdbm_copies *c)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        if (c->items[i].secret)
            cdb_wipe(c->items[i].s, c->items[i].len);
        op->o_tmpfree(c->items[i].s, op->o_tmpmemctx);
    }
    c->n = 0;
}

int cdbm_entry_number(Entry *e, AttributeDescription *ad, int64_t *out)
{
    Attribute *a = attr_find(e->e_attrs, ad);
    char buf[32];

    if (a == NULL || a->a_numvals < 1 || a->a_vals[0].bv_len >= sizeof(buf))
        return -1;
    memcpy(buf, a->a_vals[0].bv_val, a->a_vals[0].bv_len);
    buf[a->a_vals[0].bv_len] = '\0';
    *out = strtoll(buf, NULL, 10);
    return 0;
}

/* A userPassword value for core: a PHC string or a plaintext. */
int cdbm_password_value(Operation *op, SlapReply *rs, cdbm_copies *c, struct berval *v,
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

int cdbm_status_value(Operation *op, cdbm_copies *c, struct berval *v, cdb_user_status *out)
{
    char *text = cdbm_copy(op, c, v->bv_val, v->bv_len, 0);
    char *p;

    if (text == NULL)
        return -1;
    /* caseIgnoreMatch: any case names the status. */
    for (p = text; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return cdb_user_status_parse(text, out) == CDB_OK ? 0 : -1;
}

/* sshPublicKey values joined one per line, as the store keeps them. */
char *cdbm_join_keys(Operation *op, cdbm_copies *c, BerVarray vals, unsigned n)
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
