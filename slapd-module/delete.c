/*
 * delete.c: LDAP delete of a user or group entry through core (which keeps
 * the default groups and refuses to lose a row others depend on).
 */
#include "portable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "back-clusterdb.h"

int cdbm_back_delete(Operation *op, SlapReply *rs)
{
    cdbm_info *info = op->o_bd->be_private;
    cdbm_result_detail detail;
    Entry *e = NULL, *parent = NULL;
    cdbm_dn_kind kind = CDBM_DN_NONE;
    int64_t id = 0;
    cdb *db;
    int temporary = 0, st;

    memset(&detail, 0, sizeof(detail));
    db = cdbm_handle_get(op, info, &temporary);
    if (db == NULL) {
        send_ldap_error(op, rs, LDAP_UNAVAILABLE, "database unavailable");
        return rs->sr_err;
    }
    rs->sr_err = LDAP_SUCCESS;
    if (cdbm_sudoers_write_refused(info, &op->o_req_ndn, rs))
        goto send;
    e = cdbm_write_target(op, rs, info, db, &kind, &id, &parent);
    if (e == NULL) {
        if (rs->sr_err == LDAP_SUCCESS && (kind == CDBM_DN_SERVICE || kind == CDBM_DN_SERVICES ||
                                           kind == CDBM_DN_ROOTDN)) {
            rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
            rs->sr_text = "the rootdn's entry and service accounts come from slapd's configuration";
        } else if (rs->sr_err == LDAP_SUCCESS) {
            /* The suffix, ou=people, ou=groups: ou=groups always holds the
             * default groups, and none of them can go even when empty. */
            rs->sr_err = LDAP_NOT_ALLOWED_ON_NONLEAF;
            rs->sr_text = "the suffix, ou=people and ou=groups are part of the directory's "
                          "fixed tree";
        }
        goto send;
    }
    if (!cdbm_write_allowed(op, rs, info, db, parent, e, ACL_WDEL, NULL))
        goto send;
    if (kind == CDBM_DN_GROUP && (id == CDB_GID_LDAPUSERS || id == CDB_GID_SYSADMINS)) {
        /* core refuses too; answered here without a write attempt. */
        rs->sr_err = LDAP_UNWILLING_TO_PERFORM;
        rs->sr_text = "the default groups ldapusers and sysadmins cannot be deleted";
        goto send;
    }
    if (op->o_noop) {
        rs->sr_err = LDAP_X_NO_OPERATION;
        goto send;
    }
    st = kind == CDBM_DN_USER ? cdb_user_delete(db, id) : cdb_group_delete(db, id);
    detail.db = db;
    detail.rdn_key = kind == CDBM_DN_USER ? "username" : "cn";
    rs->sr_err = cdbm_ldap_result(st, &detail, &rs->sr_text);
    if (st == CDB_ERR_NOTFOUND)
        rs->sr_matched = parent->e_name.bv_val; /* deleted meanwhile */
    if (st != CDB_OK)
        Debug(LDAP_DEBUG_TRACE, "back-clusterdb: delete %s: %s\n", op->o_req_dn.bv_val,
              cdb_errmsg(db));

send:
    send_ldap_result(op, rs);
    rs->sr_matched = NULL;
    if (e != NULL)
        entry_free(e);
    if (parent != NULL)
        entry_free(parent);
    cdbm_handle_put(db, temporary);
    return rs->sr_err;
}
