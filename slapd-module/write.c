/*
 * Writes that change the tree's shape.  Creating, renaming and deleting
 * users and groups involves the directory's rules (uid allocation, the
 * first user, memberships) that live in core and its front ends; over LDAP
 * only modify (modify.c) and password modify are offered.
 */
#include "portable.h"

#include "back-clusterdb.h"

static int cdbm_unwilling(Operation *op, SlapReply *rs)
{
    send_ldap_error(op, rs, LDAP_UNWILLING_TO_PERFORM,
                    "users and groups are created, renamed and deleted with "
                    "the clusterdb command");
    return rs->sr_err;
}

int cdbm_back_modrdn(Operation *op, SlapReply *rs)
{
    return cdbm_unwilling(op, rs);
}

int cdbm_back_add(Operation *op, SlapReply *rs)
{
    return cdbm_unwilling(op, rs);
}

int cdbm_back_delete(Operation *op, SlapReply *rs)
{
    return cdbm_unwilling(op, rs);
}
