/*
 * passwd.c: the password modify extended operation (RFC 3062), handled here
 * so that core hashes the new password with its own argon2 parameters.
 * Administrators set any user's password; a user sets their own and proves
 * the old one first.  Copies of passwords are wiped before they are freed.
 *
 * The frontend sends the response after the backend returns, so what the
 * response carries (the text, a generated password) lives in a callback
 * that the response passes through and that frees it afterwards.
 */
#include "portable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <clusterdb/passwd.h>
#include <clusterdb/settings.h>

#include "back-clusterdb.h"

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
    if (kind != CDBM_DN_USER || cdbm_entry_number(e, cdbm_ad.uid_number, uid_number) != 0) {
        entry_free(e);
        rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
        rs->sr_text = "only user entries can be changed over LDAP";
        return NULL;
    }
    return e;
}

/* What the response needs once cdbm_password_modify has returned. */
typedef struct cdbm_pwmod_reply {
    slap_callback cb;
    char *generated;   /* ours, stored; NULL when the client chose one */
    cdbm_result_detail detail;
} cdbm_pwmod_reply;

/* Replace the frontend's generated password (8 characters, never stored)
 * by ours, or drop it when nothing was stored. */
static int cdbm_pwmod_response(Operation *op, SlapReply *rs)
{
    cdbm_pwmod_reply *r = op->o_callback->sc_private;

    if (rs->sr_type != REP_EXTENDED || r->generated == NULL)
        return SLAP_CB_CONTINUE;
    if (rs->sr_rspdata != NULL) {
        cdb_wipe(rs->sr_rspdata->bv_val, rs->sr_rspdata->bv_len);
        ber_bvfree(rs->sr_rspdata);
        rs->sr_rspdata = NULL;
    }
    if (rs->sr_err == LDAP_SUCCESS) {
        struct berval gen;

        gen.bv_val = r->generated;
        gen.bv_len = strlen(r->generated);
        rs->sr_rspdata = slap_passwd_return(&gen);
        if (rs->sr_rspdata == NULL) {
            rs->sr_err = LDAP_OTHER;
            rs->sr_text = "the generated password could not be returned";
        }
    }
    return SLAP_CB_CONTINUE;
}

static int cdbm_pwmod_cleanup(Operation *op, SlapReply *rs)
{
    cdbm_pwmod_reply *r = op->o_callback->sc_private;

    (void)rs;
    /* The frontend frees the response data with ber_bvfree: wipe it first. */
    if (r->generated != NULL && rs->sr_rspdata != NULL)
        cdb_wipe(rs->sr_rspdata->bv_val, rs->sr_rspdata->bv_len);
    cdb_free_secret(r->generated);
    op->o_callback = r->cb.sc_next;
    ch_free(r);
    return SLAP_CB_CONTINUE;
}

/* Whether the request left the new password to the server: slapd's frontend
 * has generated one by now, so the request itself is asked. */
static int cdbm_pwmod_wants_generated(Operation *op)
{
    struct berval id = BER_BVNULL, old = BER_BVNULL, new_pw = BER_BVNULL;
    const char *text = NULL;

    return slap_passwd_parse(op->ore_reqdata, &id, &old, &new_pw, &text) == LDAP_SUCCESS &&
           BER_BVISNULL(&new_pw);
}

/*
 * Password modify (RFC 3062).  slapd's frontend has parsed the request and
 * chosen the target (the user named, or the bound user).  When no new
 * password was given, the frontend has generated one of 8 characters, short
 * of the policy: we generate our own (cdb_password_generate, at least the
 * policy's length) and return that instead.
 */
static int cdbm_password_modify(Operation *op, SlapReply *rs)
{
    cdbm_info *info = op->o_bd->be_private;
    req_pwdexop_s *qpw = &op->oq_pwdexop;
    cdb_user_input in;
    cdbm_copies copies;
    cdbm_pwmod_reply *reply;
    cdb_user *user = NULL;
    Entry *e = NULL;
    int64_t uid_number = 0;
    size_t min_length = 0;
    cdb *db;
    int temporary = 0, st, admin;

    memset(&in, 0, sizeof(in));
    memset(&copies, 0, sizeof(copies));
    in.status = -1;

    db = cdbm_handle_get(op, info, &temporary);
    if (db == NULL) {
        rs->sr_text = "database unavailable";
        return rs->sr_err = LDAP_UNAVAILABLE;
    }
    reply = ch_calloc(1, sizeof(*reply));
    reply->cb.sc_response = cdbm_pwmod_response;
    reply->cb.sc_cleanup = cdbm_pwmod_cleanup;
    reply->cb.sc_private = reply;
    e = cdbm_target_user(op, rs, info, db, &uid_number);
    if (e == NULL) {
        if (rs->sr_matched) {
            ch_free((char *)rs->sr_matched);
            rs->sr_matched = NULL;
        }
        goto done;
    }
    /* Administrators set passwords as they change any other value. */
    admin = cdbm_requester_is_admin(op, rs, info, db);
    if (admin < 0)
        goto done;
    if (!admin && !access_allowed(op, e, slap_schema.si_ad_userPassword, NULL, ACL_WRITE, NULL)) {
        rs->sr_err = LDAP_INSUFFICIENT_ACCESS;
        goto done;
    }
    /* Self-service: whoever is not an administrator proves the old
     * password, so that an open session alone cannot change it. */
    if (!admin && BER_BVISNULL(&qpw->rs_old)) {
        rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
        rs->sr_text = "the old password is required (ldappasswd -a OLD or -A)";
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
    if (cdbm_pwmod_wants_generated(op)) {
        st = cdb_password_min_length(db, &min_length);
        if (st == CDB_OK)
            st = cdb_password_generate(min_length > CDB_GENERATED_PASSWORD_MIN
                                           ? min_length
                                           : CDB_GENERATED_PASSWORD_MIN,
                                       &reply->generated);
        if (st != CDB_OK) {
            reply->detail.db = db;
            rs->sr_err = cdbm_ldap_result(st, &reply->detail, &rs->sr_text);
            goto done;
        }
        in.password = reply->generated;
    } else {
        in.password = cdbm_copy(op, &copies, qpw->rs_new.bv_val, qpw->rs_new.bv_len, 1);
    }
    if (in.password == NULL) {
        rs->sr_err = LDAP_CONSTRAINT_VIOLATION;
        rs->sr_text = "invalid new password";
        goto done;
    }
    st = cdb_user_update(db, uid_number, CDB_UF_PASSWORD, &in);
    /* With the handle: a refusal by the policy says which rule. */
    reply->detail.db = db;
    rs->sr_err = cdbm_ldap_result(st, &reply->detail, &rs->sr_text);
    /* unwillingToPerform would hand the request to the frontend's own
     * password change (see below). */
    if (rs->sr_err == LDAP_UNWILLING_TO_PERFORM)
        rs->sr_err = LDAP_CONSTRAINT_VIOLATION;

done:
    /* On unwillingToPerform the frontend tries the change itself and
     * replaces op->o_callback: the reply would be lost, and the texts of
     * those refusals are constants. */
    if (rs->sr_err == LDAP_UNWILLING_TO_PERFORM) {
        cdb_free_secret(reply->generated);
        ch_free(reply);
    } else {
        reply->cb.sc_next = op->o_callback;
        op->o_callback = &reply->cb;
    }
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
