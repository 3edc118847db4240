/*
 * Internal API of libclusterdb shared by the store and the models.
 * Not installed; never included outside core/.
 */
#ifndef CLUSTERDB_INTERNAL_H
#define CLUSTERDB_INTERNAL_H

#include <stdarg.h>

#include <clusterdb/clusterdb.h>

#include "sql.h"

/* Record a failure on the handle and return `status` (so callers can
 * `return cdb_fail(db, CDB_ERR_INVALID, "username", "must match ...")`).
 * field may be NULL.  The message must never contain a secret. */
int cdb_fail(cdb *db, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Write transactions hold the write lock from their start (SQLite's BEGIN
 * IMMEDIATE) so that allocations (uidNumber, ports) made inside cannot race
 * with another writer.  Nesting is not supported. */
int cdb_tx_begin(cdb *db);
int cdb_tx_commit(cdb *db);
void cdb_tx_rollback(cdb *db);  /* safe to call when no transaction is open */

/* Current time as ISO-8601 UTC with milliseconds ("2026-11-26T22:16:04.123Z"). */
void cdb_now_iso(char buf[32]);
/* The same shape for now + offset_ms (lease expiry times). */
void cdb_iso_from_now(char buf[32], long long offset_ms);

/* How many argon2 verifications this process has run (for tests). */
unsigned long cdb_password_verifications(void);

/* Wipe a NUL-terminated secret (password, token secret, API key, hash) with
 * cdb_wipe() and free it, so it does not linger in freed heap memory.
 * NULL is fine. */
void cdb_free_secret(char *secret);

/* strdup that returns NULL for NULL. */
char *cdb_strdup_or_null(const char *s);

/* hash_gate.c: take a slot for one argon2 run (CDB_OK), or CDB_ERR_BUSY
 * after the configured wait; every CDB_OK is paired with a leave. */
int cdb_hash_gate_enter(void);
void cdb_hash_gate_leave(void);

/* ------------------------------------------------ reserved ports */

/* A set of ports 1-65535, one bit each. */
typedef struct cdb_port_set {
    uint8_t bits[65536 / 8];
} cdb_port_set;

static inline int cdb_port_set_has(const cdb_port_set *set, int64_t port)
{
    return port > 0 && port < 65536 && (set->bits[port >> 3] >> (port & 7)) & 1;
}
/* Parse "22,53,8000-8099" (ports 1-65535, ranges low-high, spaces around
 * items allowed); 0, or -1 when text is empty or not such a list. */
int cdb_port_set_parse(const char *text, cdb_port_set *out);
/* The reserved transport ports (setting CDB_SETTING_RESERVED_PORTS, else the
 * default); *text_out (may be NULL) gets the list as text, freed with free(). */
int cdb_reserved_ports_load(cdb *db, cdb_port_set *out, char **text_out);

#endif
