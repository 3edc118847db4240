/*
 * Shared between the directory model files (users.c, users_read.c,
 * groups.c, query.c).  Not installed.
 */
#ifndef CLUSTERDB_DIRECTORY_INTERNAL_H
#define CLUSTERDB_DIRECTORY_INTERNAL_H

#include <clusterdb/directory.h>

#include "internal.h"

/* Largest uidNumber / gidNumber we hand out or accept (POSIX ids are
 * unsigned 32-bit, but many tools still treat them as signed). */
#define CDB_MAX_ID INT64_C(2147483647)

/* Total size of a user's sshPublicKey text. */
#define CDB_SSH_KEYS_MAX (64 * 1024)

/* Longest cn / sn / givenName accepted. */
#define CDB_NAME_TEXT_MAX 256

/*
 * identity.c: the next uidNumber / gidNumber to allocate, after the highest
 * ever used (never one of a deleted user or group), at least CDB_FIRST_UID /
 * CDB_FIRST_GID.  Call inside the inserting write transaction.
 * *first_user_ever (may be NULL) is set when no user has ever existed.
 */
int cdb_next_uid(cdb *db, int64_t *uid, int *first_user_ever);
int cdb_next_gid(cdb *db, int64_t *gid);

/* Fetch one user by a query of users_read.c's shape; NOTFOUND when absent. */
int cdb_user_load_by_id(cdb *db, int64_t uid_number, cdb_user **out);

/* Build a JSON array "[1,2,3]" of n ids (for json_each); NULL on ENOMEM. */
char *cdb_ids_json(const int64_t *ids, size_t n);

/* Build a JSON array of n strings (for json_each), each escaped so that
 * json_each gives back its bytes; NULL on ENOMEM. */
char *cdb_texts_json(const char *const *texts, size_t n);

/*
 * Rows fetched by id in batches come back in the store's order, and a
 * repeated id may fetch a row twice.  keys[i] is the id of fetched row i.
 * On success *pick_out lists fetched-row indexes in the order of ids, each
 * row and each requested id at most once; rows left unpicked (repeats)
 * are the caller's to free.  *pick_out is released with free().
 */
int cdb_pick_in_request_order(cdb *db, const int64_t *keys, size_t n_keys, const int64_t *ids,
                              size_t n, size_t **pick_out, size_t *n_pick_out);

#endif
