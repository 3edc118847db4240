/*
 * Compare, entry fetch for the ACL engine (group=, set=, dnattr) and the
 * frontend, and the operational attribute the backend owns
 * (hasSubordinates; slapd's frontend adds entryDN and subschemaSubentry).
 *
 * userPassword compares as slapd compares it (octetStringMatch on the
 * stored "{ARGON2}<PHC>" value, under compare access): a plaintext never
 * matches and the hash is never sent.
 */
#include "portable.h"

#include "back-clusterdb.h"

int cdbm_back_compare(Operation *op, SlapReply *rs)
{
    cdbm_info *info = op->o_bd->be_private;
    Entry *e = NULL, *matched = NULL;
    cdb *db;
    int temporary = 0, rc;

    db = cdbm_handle_get(op, info, &temporary);
    if (db == NULL) {
        send_ldap_error(op, rs, LDAP_UNAVAILABLE, "database unavailable");
        return rs->sr_err;
    }
    e = cdbm_entry_by_ndn(op, info, db, &op->o_req_ndn, &rc, &matched);
    if (e == NULL) {
        rs->sr_err = rc;
        if (rc == LDAP_NO_SUCH_OBJECT && matched != NULL &&
            access_allowed(op, matched, slap_schema.si_ad_entry, NULL, ACL_DISCLOSE, NULL))
            rs->sr_matched = matched->e_name.bv_val;
        else if (rc != LDAP_NO_SUCH_OBJECT)
            rs->sr_text = "database error";
        send_ldap_result(op, rs);
        rs->sr_matched = NULL;
        goto done;
    }

    rs->sr_err = slap_compare_entry(op, e, op->orc_ava);
    send_ldap_result(op, rs);
    if (rs->sr_err == LDAP_COMPARE_TRUE || rs->sr_err == LDAP_COMPARE_FALSE)
        rs->sr_err = LDAP_SUCCESS;

done:
    if (e != NULL)
        entry_free(e);
    if (matched != NULL)
        entry_free(matched);
    cdbm_handle_put(db, temporary);
    return rs->sr_err;
}

int cdbm_back_entry_get(Operation *op, struct berval *ndn, ObjectClass *oc,
                        AttributeDescription *at, int rw, Entry **ent)
{
    cdbm_info *info = op->o_bd->be_private;
    Entry *e = NULL;
    cdb *db;
    int temporary = 0, rc;

    *ent = NULL;
    db = cdbm_handle_get(op, info, &temporary);
    if (db == NULL)
        return LDAP_UNAVAILABLE;
    e = cdbm_entry_by_ndn(op, info, db, ndn, &rc, NULL);
    cdbm_handle_put(db, temporary);
    if (e == NULL)
        return rc == LDAP_SUCCESS ? LDAP_NO_SUCH_OBJECT : rc;
    if (oc != NULL && !is_entry_objectclass(e, oc, 0)) {
        entry_free(e);
        return LDAP_NO_SUCH_ATTRIBUTE;
    }
    if (at != NULL && attr_find(e->e_attrs, at) == NULL) {
        entry_free(e);
        return LDAP_NO_SUCH_ATTRIBUTE;
    }
    *ent = e;
    return LDAP_SUCCESS;
}

int cdbm_back_entry_release(Operation *op, Entry *e, int rw)
{
    /* Entries are built per request and owned by whoever fetched them. */
    entry_free(e);
    return 0;
}

int cdbm_back_has_subordinates(Operation *op, Entry *e, int *has_subordinates)
{
    cdbm_info *info = op->o_bd->be_private;
    int64_t count = 0;
    cdb *db;
    int temporary = 0, st;

    if (dn_match(&e->e_nname, &info->sudoers_ndn)) {
        db = cdbm_handle_get(op, info, &temporary);
        if (db == NULL)
            return LDAP_OTHER;
        st = cdbm_sudoers_has_roles(db);
        cdbm_handle_put(db, temporary);
        if (st < 0)
            return LDAP_OTHER;
        *has_subordinates = st ? LDAP_COMPARE_TRUE : LDAP_COMPARE_FALSE;
        return LDAP_SUCCESS;
    }
    if (dn_match(&e->e_nname, &op->o_bd->be_nsuffix[0]) ||
        (info->n_services > 0 && dn_match(&e->e_nname, &info->services_ndn))) {
        /* ou=people and ou=groups; service accounts under ou=services */
        *has_subordinates = LDAP_COMPARE_TRUE;
        return LDAP_SUCCESS;
    }
    if (!dn_match(&e->e_nname, &info->people_ndn) && !dn_match(&e->e_nname, &info->groups_ndn)) {
        *has_subordinates = LDAP_COMPARE_FALSE;  /* users and groups are leaves */
        return LDAP_SUCCESS;
    }
    db = cdbm_handle_get(op, info, &temporary);
    if (db == NULL)
        return LDAP_OTHER;
    st = dn_match(&e->e_nname, &info->people_ndn) ? cdb_user_count(db, &count)
                                                  : cdb_group_count(db, &count);
    cdbm_handle_put(db, temporary);
    if (st != CDB_OK)
        return LDAP_OTHER;
    *has_subordinates = count > 0 ? LDAP_COMPARE_TRUE : LDAP_COMPARE_FALSE;
    return LDAP_SUCCESS;
}

int cdbm_back_operational(Operation *op, SlapReply *rs)
{
    Attribute **ap;
    int hs;

    for (ap = &rs->sr_operational_attrs; *ap != NULL; ap = &(*ap)->a_next) {
        if ((*ap)->a_desc == slap_schema.si_ad_hasSubordinates)
            return LDAP_SUCCESS;
    }
    if (rs->sr_entry == NULL)
        return LDAP_SUCCESS;
    if (!SLAP_OPATTRS(rs->sr_attr_flags) &&
        !ad_inlist(slap_schema.si_ad_hasSubordinates, rs->sr_attrs))
        return LDAP_SUCCESS;
    if (cdbm_back_has_subordinates(op, rs->sr_entry, &hs) == LDAP_SUCCESS)
        *ap = slap_operational_hasSubordinate(hs == LDAP_COMPARE_TRUE);
    return LDAP_SUCCESS;
}
