/*
 * argon2 password hashing.  Hashes are PHC strings
 * ("$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>").  Thread-safe.
 */
#ifndef CLUSTERDB_PASSWD_H
#define CLUSTERDB_PASSWD_H

#include <clusterdb/clusterdb.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cdb_argon2_params {
    uint32_t m_cost_kib;   /* default 65536 */
    uint32_t t_cost;       /* default 3 */
    uint32_t parallelism;  /* default 4 */
} cdb_argon2_params;

/* The defaults, overridden by CLUSTERDB_ARGON2="m=...,t=...,p=..." when set
 * (tests and benchmarks use cheap parameters). */
void cdb_argon2_default_params(cdb_argon2_params *out);

/* Hash with a fresh random salt; *phc_out released with cdb_free().
 * params NULL means the defaults. */
int cdb_password_hash(const char *password, size_t len, const cdb_argon2_params *params,
                      char **phc_out);
/* CDB_OK on a match, CDB_ERR_DENIED on a mismatch, CDB_ERR_INVALID if phc is
 * not a valid argon2 (i, d or id) PHC string, CDB_ERR_BUSY when too many
 * argon2 runs are under way (cdb_password_set_concurrency). */
int cdb_password_verify(const char *phc, const char *password, size_t len);
/* At most max_concurrent argon2 runs (hash or verify) at once in this
 * process; a run past the bound waits up to wait_ms, then the hash or verify
 * fails with CDB_ERR_BUSY.  0 for either means the default (the number of
 * online CPUs, at least 2; 10 s).  Process-wide: memory is. */
void cdb_password_set_concurrency(unsigned max_concurrent, long wait_ms);
/* The most argon2 runs there have been at once in this process. */
unsigned cdb_password_peak_concurrency(void);
/* The fewest characters cdb_password_generate makes, whatever the policy. */
#define CDB_GENERATED_PASSWORD_MIN 16
/* A new random password of `length` characters (at least
 * CDB_GENERATED_PASSWORD_MIN) from the OS CSPRNG, letters, digits, '-' and
 * '_' (6 bits each, shell-safe); *out released with cdb_free_secret(). */
int cdb_password_generate(size_t length, char **out);
/* Wipe and free a secret string; NULL is allowed. */
void cdb_free_secret(char *secret);
/* Whether s is a well-formed argon2 PHC string. */
int cdb_password_is_phc(const char *s);

/* Overwrite memory in a way the compiler may not elide. */
void cdb_wipe(void *ptr, size_t len);

#ifdef __cplusplus
}
#endif
#endif
