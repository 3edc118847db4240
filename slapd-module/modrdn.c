/*
 * modrdn.c: renaming a user or group within its ou (a new uid or cn, the
 * old RDN value deleted: an entry has one name) through core.
 */
#include "portable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "back-clusterdb.h"

int cdbm_back_modrdn(Operation *op, SlapReply *rs)
{
    cdbm_info *info = op->o_bd->be_private;
    cdbm_result_detail detail;
    Entry *e = NULL, *parent = NULL;
    cdbm_dn_kind kind = CDBM_DN_NONE;
    struct berval value = BER_BVNULL;
    int64_t id = 0;
    char *new_name = NULL;
    cdb *db;
    int temporary = 0, st;

    memset(&detail, 0, sizeof(detail));
    db = cdbm_handle_get(op, info, &temporary);
    if (db == NULL) {
        send_ldap_error(op, rs, LDAP_UNAVAILABLE, "database unavailable");
        return rs->sr_err;
    }
    rs->sr_err = LDAP_SUCCESS;
    if (cdbm_sudoers_write_refused(info, &op->o_req_ndn, rs) ||
        cdbm_sudoers_write_refused(info, op->orr_nnewSup, rs))
        goto send;
    e = cdbm_write_target(op, rs, info, db, &kind, &id, &parent);
    if (e == NULL) {
        if (rs->sr_err == LDAP_SUCCESS) {
            rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
            rs->sr_text = "only users and groups can be renamed (not the fixed tree, the "
                          "rootdn's entry or service accounts)";
        }
        goto send;
    }
    if (op->orr_nnewSup != NULL && !dn_match(op->orr_nnewSup, &parent->e_nname)) {
        rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
        rs->sr_text = "entries cannot move: users stay under ou=people, groups under ou=groups";
        goto send;
    }
    /* The name as the client wrote it (see add). */
    if (!cdbm_rdn_value(op, &op->orr_newrdn,
                        kind == CDBM_DN_USER ? cdbm_ad.uid : cdbm_ad.cn, &value) ||
        memchr(value.bv_val, '\0', value.bv_len) != NULL) {
        rs->sr_err = LDAP_NAMING_VIOLATION;
        rs->sr_text = kind == CDBM_DN_USER ? "a user's RDN is uid=<name>"
                                           : "a group's RDN is cn=<name>";
        goto send;
    }
    if (!op->orr_deleteoldrdn) {
        rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
        rs->sr_text = "deleteoldrdn must be set: an entry has one name";
        goto send;
    }
    if (!cdbm_write_allowed(op, rs, info, db, parent, e, ACL_WRITE, NULL))
        goto send;
    new_name = op->o_tmpalloc(value.bv_len + 1, op->o_tmpmemctx);
    memcpy(new_name, value.bv_val, value.bv_len);
    new_name[value.bv_len] = '\0';
    if (cdbm_name_taken(op, rs, db, kind, new_name, id, &detail))
        goto send;
    if (op->o_noop) {
        rs->sr_err = LDAP_X_NO_OPERATION;
        goto send;
    }
    if (kind == CDBM_DN_USER) {
        cdb_user_input in;

        memset(&in, 0, sizeof(in));
        in.status = -1;
        in.username = new_name;
        st = cdb_user_update(db, id, CDB_UF_USERNAME, &in);
        detail.rdn_key = "username";
    } else {
        st = cdb_group_update(db, id, CDB_GF_CN, new_name, 0);
        detail.rdn_key = "cn";
    }
    detail.db = db;
    rs->sr_err = cdbm_ldap_result(st, &detail, &rs->sr_text);
    if (st == CDB_ERR_NOTFOUND)
        rs->sr_matched = parent->e_name.bv_val;
    if (st != CDB_OK)
        Debug(LDAP_DEBUG_TRACE, "back-clusterdb: modrdn %s: %s\n", op->o_req_dn.bv_val,
              cdb_errmsg(db));

send:
    send_ldap_result(op, rs);
    rs->sr_matched = NULL;
    if (!BER_BVISNULL(&value))
        op->o_tmpfree(value.bv_val, op->o_tmpmemctx);
    if (new_name != NULL)
        op->o_tmpfree(new_name, op->o_tmpmemctx);
    if (e != NULL)
        entry_free(e);
    if (parent != NULL)
        entry_free(parent);
    cdbm_handle_put(db, temporary);
    return rs->sr_err;
}
