/*
 * Fuzz target: argon2 PHC strings and passwords (core/src/passwd.c).
 *
 * Input: a PHC-like string, then '\n', then a password (any bytes, NUL
 * included).  Checked on every input:
 *  - cdb_password_is_phc never crashes, and what it refuses
 *    cdb_password_verify refuses as CDB_ERR_INVALID;
 *  - what it accepts, libargon2 accepts too: verifying it (only when its cost
 *    parameters are cheap, so the fuzzer stays fast) gives CDB_OK or
 *    CDB_ERR_DENIED, never CDB_ERR_INVALID or an internal error;
 *  - the CLUSTERDB_ARGON2 parser (cdb_argon2_default_params) fed the same
 *    string always yields parameters argon2 can use;
 *  - a hash of the password with cheap parameters is a PHC string that
 *    verifies with the password and with no other.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterdb/passwd.h>

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_passwd: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* Hashes cheap enough to verify thousands of times a second. */
static int cheap_params(const char *phc)
{
    const char *m = strstr(phc, "$m=");
    unsigned mem, t, p;

    if (m == NULL || sscanf(m, "$m=%u,t=%u,p=%u$", &mem, &t, &p) != 3)
        return 0;
    return mem <= 64 && t <= 2 && p <= 2;
}

static void check_phc(const char *phc, const char *password, size_t len)
{
    int is_phc = cdb_password_is_phc(phc);
    int rc;

    if (!is_phc) {
        rc = cdb_password_verify(phc, password, len);
        CHECK(rc == CDB_ERR_INVALID, "refused PHC string \"%s\" verified with %d", phc, rc);
        return;
    }
    CHECK(strlen(phc) <= 1024, "PHC string of %zu bytes accepted", strlen(phc));
    CHECK(strncmp(phc, "$argon2", 7) == 0, "\"%s\"", phc);
    if (!cheap_params(phc))
        return;
    rc = cdb_password_verify(phc, password, len);
    CHECK(rc == CDB_OK || rc == CDB_ERR_DENIED,
          "PHC string \"%s\" accepted by cdb_password_is_phc, verify says %d", phc, rc);
}

static void check_env_params(const char *spec)
{
    /* putenv() of one static buffer rewritten in place: setenv() would keep
     * every value ever set, and a long campaign would grow without bound. */
    static char env[2048] = "CLUSTERDB_ARGON2=";
    static const size_t name_len = sizeof "CLUSTERDB_ARGON2=" - 1;
    static int installed;
    cdb_argon2_params params;

    snprintf(env + name_len, sizeof env - name_len, "%s", spec);
    if (!installed && putenv(env) != 0)
        return;
    installed = 1;
    cdb_argon2_default_params(&params);
    CHECK(params.t_cost >= 1, "t=%u from \"%s\"", params.t_cost, spec);
    CHECK(params.parallelism >= 1 && params.parallelism <= 255, "p=%u from \"%s\"",
          params.parallelism, spec);
    CHECK((uint64_t)params.m_cost_kib >= 8ull * params.parallelism, "m=%u p=%u from \"%s\"",
          params.m_cost_kib, params.parallelism, spec);
}

static void check_roundtrip(const char *password, size_t len)
{
    static const cdb_argon2_params cheap = {.m_cost_kib = 8, .t_cost = 1, .parallelism = 1};
    char *phc = NULL;
    char *other;
    int rc;

    if (len > 256)
        len = 256;
    rc = cdb_password_hash(password, len, &cheap, &phc);
    CHECK(rc == CDB_OK, "hash: %d", rc);
    CHECK(cdb_password_is_phc(phc), "own hash \"%s\" is not a PHC string", phc);
    CHECK(cdb_password_verify(phc, password, len) == CDB_OK, "own hash does not verify");
    /* Any other password: one byte more, or the last byte changed. */
    other = malloc(len + 1);
    CHECK(other != NULL, "malloc");
    memcpy(other, password, len);
    other[len] = 'x';
    CHECK(cdb_password_verify(phc, other, len + 1) == CDB_ERR_DENIED, "longer password verifies");
    if (len > 0) {
        other[len - 1] ^= 0x01;
        CHECK(cdb_password_verify(phc, other, len) == CDB_ERR_DENIED, "changed password verifies");
    }
    free(other);
    cdb_wipe(phc, strlen(phc));
    free(phc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t phc_len = nl ? (size_t)(nl - data) : size;
    const char *password = nl ? (const char *)nl + 1 : "";
    size_t password_len = nl ? size - phc_len - 1 : 0;
    char *phc = malloc(phc_len + 1);

    if (phc == NULL)
        return 0;
    memcpy(phc, data, phc_len);
    phc[phc_len] = '\0';
    check_phc(phc, password, password_len);
    check_env_params(phc);
    check_roundtrip(password, password_len);
    free(phc);
    return 0;
}
