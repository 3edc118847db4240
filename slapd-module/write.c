/*
 * Writes.  The directory's rules (uid allocation, validation, membership)
 * live in core and its front ends; LDAP writes are not offered yet.
 */
#include "portable.h"

#include "back-clusterdb.h"

static int cdbm_unwilling(Operation *op, SlapReply *rs)
{
    send_ldap_error(op, rs, LDAP_UNWILLING_TO_PERFORM,
                    "the clusterdb directory is read-only over LDAP; "
                    "use the clusterdb command");
    return rs->sr_err;
}

int cdbm_back_modify(Operation *op, SlapReply *rs)
{
    return cdbm_unwilling(op, rs);
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
