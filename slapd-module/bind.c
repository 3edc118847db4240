/*
 * Simple bind to a user entry: the password is checked by core
 * (cdb_user_authenticate: active users with a matching argon2 hash only;
 * unknown users cost the same as a wrong password), then the push second
 * factor when the Settings enable it (cdb_notify_second_factor, DESIGN.md
 * section 7) and the user is not in a push-exempt group.  A bind to a
 * service account (cn=<name>,ou=services) checks its configured hash and is
 * never asked the second factor: those are the identities nslcd, SSSD and
 * the keys helper read with, and a name lookup must not wait for a phone.
 * Every refusal is invalidCredentials.  The rootdn is slapd's
 * (be_rootdn_bind).
 *
 * Bind protocol: on success return 0 without sending (the frontend sends
 * the result); on failure send the result and return the code.
 */
#include "portable.h"

#include <string.h>

#include <clusterdb/notify.h>
#include <clusterdb/passwd.h>

#include "back-clusterdb.h"

/* Whether the push second factor is asked of this user (members of
 * a push-exempt group are spared; service accounts are never asked). */
static int cdbm_push_required(cdbm_info *info, const cdb_user *user)
{
    size_t i, j;

    for (i = 0; i < info->n_push_exempt_groups; i++)
        for (j = 0; j < user->n_groups; j++)
            if (user->groups[j].cn != NULL &&
                strcasecmp(user->groups[j].cn, info->push_exempt_groups[i]) == 0)
                return 0;
    return 1;
}

/* A service account's bind: its configured hash, and auth access on its
 * userPassword as for any entry. */
static void cdbm_service_bind(Operation *op, SlapReply *rs, cdbm_info *info)
{
    const cdbm_service *svc = cdbm_service_by_ndn(info, &op->o_req_ndn);
    Entry *e;

    int st;

    if (svc == NULL || op->orb_cred.bv_len == 0)
        return;
    st = cdb_password_verify(svc->hash, op->orb_cred.bv_val, op->orb_cred.bv_len);
    if (st == CDB_ERR_BUSY) {
        rs->sr_err = LDAP_BUSY;
        rs->sr_text = "too many password checks under way; try again";
        return;
    }
    if (st != CDB_OK)
        return;
    e = cdbm_entry_service(op, info, svc);
    if (e == NULL)
        return;
    if (access_allowed(op, e, slap_schema.si_ad_userPassword, NULL, ACL_AUTH, NULL)) {
        ber_dupbv(&op->orb_edn, &e->e_name);
        rs->sr_err = LDAP_SUCCESS;
    }
    entry_free(e);
}

int cdbm_back_bind(Operation *op, SlapReply *rs)
{
    cdbm_info *info = op->o_bd->be_private;
    struct berval name = BER_BVNULL;
    cdbm_dn_kind kind, matched_kind;
    cdb_user *user = NULL;
    Entry *e = NULL;
    char *username = NULL;
    cdb *db = NULL;
    int temporary = 0;
    int st;

    switch (be_rootdn_bind(op, rs)) {
    case LDAP_SUCCESS:
        return rs->sr_err = LDAP_SUCCESS;  /* the frontend sends the result */
    case SLAP_CB_CONTINUE:
        break;
    default:
        return rs->sr_err;  /* be_rootdn_bind sent the failure */
    }

    rs->sr_err = LDAP_INVALID_CREDENTIALS;
    if (op->orb_method != LDAP_AUTH_SIMPLE) {
        rs->sr_err = LDAP_AUTH_METHOD_NOT_SUPPORTED;
        rs->sr_text = "authentication method not supported";
        goto done;
    }

    kind = cdbm_dn_classify(op, info, &op->o_req_ndn, &name, &matched_kind);
    if (kind == CDBM_DN_SERVICE) {
        cdbm_service_bind(op, rs, info);
        goto done;
    }
    if (kind != CDBM_DN_USER || memchr(name.bv_val, '\0', name.bv_len) != NULL)
        goto done;
    username = op->o_tmpalloc(name.bv_len + 1, op->o_tmpmemctx);
    memcpy(username, name.bv_val, name.bv_len);
    username[name.bv_len] = '\0';

    db = cdbm_handle_get(op, info, &temporary);
    if (db == NULL) {
        rs->sr_err = LDAP_UNAVAILABLE;
        rs->sr_text = "database unavailable";
        goto done;
    }

    /* The credentials are slapd's buffer, passed by length: no copy of the
     * password exists here to wipe. */
    st = cdb_user_authenticate(db, username, op->orb_cred.bv_val, op->orb_cred.bv_len, &user);
    if (st != CDB_OK) {
        int code = cdbm_ldap_result(st, NULL, &rs->sr_text);

        /* Only the store's own trouble is worth telling apart. */
        if (code == LDAP_BUSY || code == LDAP_UNAVAILABLE) {
            Debug(LDAP_DEBUG_ANY, "back-clusterdb: bind: %s\n", cdb_errmsg(db));
            rs->sr_err = code;
        } else {
            rs->sr_text = NULL;
        }
        goto done;
    }

    e = cdbm_entry_user(op, info, user);
    if (e == NULL || !dn_match(&e->e_nname, &op->o_req_ndn))
        goto done;
    /* The whole entry for the ACLs, host values included. */
    if ((st = cdbm_entry_add_hosts(e, db, user->uid_number)) != CDB_OK) {
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: bind: %s\n", cdb_errmsg(db));
        rs->sr_err = cdbm_ldap_result(st, NULL, &rs->sr_text);
        goto done;
    }
    /* As slap_passwd_check(): the ACLs must grant auth on userPassword. */
    if (!access_allowed(op, e, slap_schema.si_ad_userPassword, NULL, ACL_AUTH, NULL))
        goto done;

    /* The push second factor, when Settings enable it: only after the
     * password verified, and only an explicit approval grants.  The wait
     * holds this worker thread; core bounds it and the number waiting. */
    st = cdbm_push_required(info, user)
             ? cdb_notify_second_factor(db, username,
                                        op->o_conn ? op->o_conn->c_peer_name.bv_val : NULL, 0,
                                        NULL)
             : CDB_OK;
    if (st != CDB_OK) {
        Debug(LDAP_DEBUG_STATS, "%s back-clusterdb: bind of \"%s\" refused by the second factor: %s\n",
              op->o_log_prefix, username, cdb_errmsg(db));
        goto done;
    }

    ber_dupbv(&op->orb_edn, &e->e_name);
    rs->sr_err = LDAP_SUCCESS;

done:
    if (e != NULL)
        entry_free(e);
    cdb_user_free(user);
    if (username != NULL)
        op->o_tmpfree(username, op->o_tmpmemctx);
    if (!BER_BVISNULL(&name))
        op->o_tmpfree(name.bv_val, op->o_tmpmemctx);
    cdbm_handle_put(db, temporary);
    if (rs->sr_err != LDAP_SUCCESS)
        send_ldap_result(op, rs);
    return rs->sr_err;
}
