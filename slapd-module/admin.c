/*
 * admin.c: who may write.  The rootdn and active members of an
 * administrator group (the directory's own notion of an administrator) may
 * write anything; anyone else needs slapd's ACLs to grant it, checked as
 * back-mdb does (add: "children" of the parent and "entry" of the new entry
 * with ACL_WADD; delete: the same with ACL_WDEL; modrdn: "children" of the
 * parent and "entry" with ACL_WRITE; modify: acl_check_modlist).
 */
#include "portable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "back-clusterdb.h"

static int requester_is_admin(Operation *op, cdbm_info *info, cdb *db)
{
    struct berval name;
    cdbm_dn_kind kind, matched_kind;
    cdb_user *user = NULL;
    int64_t uid = 0;
    int admin = 0, st;
    char *s;

    if (be_isroot(op))
        return 1;
    if (BER_BVISEMPTY(&op->o_ndn))
        return 0;
    kind = cdbm_dn_classify(op, info, &op->o_ndn, &name, &matched_kind);
    if (kind != CDBM_DN_USER) {
        if (!BER_BVISNULL(&name))
            op->o_tmpfree(name.bv_val, op->o_tmpmemctx);
        return 0;
    }
    s = memchr(name.bv_val, '\0', name.bv_len) ? NULL
                                                : op->o_tmpalloc(name.bv_len + 1, op->o_tmpmemctx);
    if (s != NULL) {
        memcpy(s, name.bv_val, name.bv_len);
        s[name.bv_len] = '\0';
    }
    op->o_tmpfree(name.bv_val, op->o_tmpmemctx);
    if (s == NULL)
        return 0;
    st = cdbm_find_id(db, CDBM_TABLE_USERS, s, &uid);
    op->o_tmpfree(s, op->o_tmpmemctx);
    if (st == CDB_ERR_NOTFOUND)
        return 0;
    if (st == CDB_OK)
        st = cdb_user_get(db, uid, &user);
    /* A suspended or pending administrator administers nothing. */
    if (st == CDB_OK && user->status == CDB_USER_ACTIVE)
        st = cdb_user_is_administrator(db, uid, &admin);
    cdb_user_free(user);
    if (st == CDB_ERR_NOTFOUND)
        return 0;
    return st == CDB_OK ? (admin != 0) : -1;
}

int cdbm_requester_is_admin(Operation *op, SlapReply *rs, cdbm_info *info, cdb *db)
{
    int admin = requester_is_admin(op, info, db);

    if (admin < 0) {
        rs->sr_err = LDAP_OTHER;
        rs->sr_text = "database error";
    }
    return admin;
}

/* Administrators write anything; everyone else needs slapd's ACLs to grant
 * `level` on the parent's children and on the entry itself.  1 when the
 * write may go ahead; 0 with rs set when not.  *admin_out (if given) says
 * whether the requester administers the directory. */
int cdbm_write_allowed(Operation *op, SlapReply *rs, cdbm_info *info, cdb *db, Entry *parent,
                       Entry *e, slap_access_t level, int *admin_out)
{
    int admin = cdbm_requester_is_admin(op, rs, info, db);

    if (admin_out)
        *admin_out = admin > 0;
    if (admin != 0)
        return admin > 0;
    if (access_allowed(op, parent, slap_schema.si_ad_children, NULL, level, NULL) &&
        access_allowed(op, e, slap_schema.si_ad_entry, NULL, level, NULL))
        return 1;
    rs->sr_err = LDAP_INSUFFICIENT_ACCESS;
    rs->sr_text = "no write access";
    return 0;
}
