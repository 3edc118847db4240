/*
 * argon2 password hashing and verification (libargon2).
 *
 * New hashes are argon2id with a 16-byte random salt and a 32-byte tag, encoded
 * as PHC strings.  Verification accepts any well-formed argon2i, argon2d or
 * argon2id PHC string, because imported hashes (the system's existing users)
 * may use any of them.  Nothing here keeps state, so every function is
 * thread-safe.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <argon2.h>

#include <clusterdb/passwd.h>

#include "internal.h"

#define SALT_BYTES 16
#define HASH_BYTES 32

/* Sanity bounds for hashes we are asked to verify: a stored PHC string decides
 * how much memory and time a bind costs, so an absurd one is refused as
 * malformed instead of letting it take the server down (4 GiB, 1000 passes). */
#define PHC_MAX_M_KIB (UINT32_C(4) << 20)
#define PHC_MAX_T 1000u
#define PHC_MAX_P 255u
#define PHC_MAX_LEN 1024u

void cdb_wipe(void *ptr, size_t len)
{
    if (ptr != NULL && len > 0)
        explicit_bzero(ptr, len);
}

void cdb_free_secret(char *secret)
{
    if (secret == NULL)
        return;
    cdb_wipe(secret, strlen(secret));
    free(secret);
}

/* Parse a decimal uint32 without sign or leading zeros; advance *p. */
static int parse_u32(const char **p, uint32_t *out)
{
    const char *s = *p;
    uint64_t value = 0;
    size_t digits = 0;

    while (s[digits] >= '0' && s[digits] <= '9') {
        value = value * 10 + (uint64_t)(s[digits] - '0');
        if (value > UINT32_MAX)
            return 0;
        digits++;
    }
    if (digits == 0 || (digits > 1 && s[0] == '0'))
        return 0;
    *out = (uint32_t)value;
    *p = s + digits;
    return 1;
}

static int match(const char **p, const char *literal)
{
    size_t n = strlen(literal);

    if (strncmp(*p, literal, n) != 0)
        return 0;
    *p += n;
    return 1;
}

static int is_b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : 63;
}

/*
 * An unpadded base64 field as libargon2 writes it, ending at '$' or NUL.
 * Non-canonical encodings (a dangling character, non-zero unused bits) are
 * refused, as libargon2's own decoder refuses them.  Returns the decoded
 * length, or 0 when malformed.
 */
static size_t b64_field(const char **p)
{
    const char *s = *p;
    size_t n = 0;

    while (is_b64_char(s[n]))
        n++;
    if (n == 0 || n % 4 == 1)
        return 0;
    if (n % 4 != 0) {
        int last = b64_value(s[n - 1]);
        /* 2 chars carry 12 bits for 8 used; 3 chars carry 18 bits for 16 used. */
        int unused_mask = n % 4 == 2 ? 0x0f : 0x03;
        if (last & unused_mask)
            return 0;
    }
    *p = s + n;
    return n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
}

/* Parse a PHC string; fills *type when well-formed. */
static int parse_phc(const char *s, argon2_type *type)
{
    const char *p = s;
    uint32_t version = ARGON2_VERSION_10, m, t, par;
    size_t salt_len, hash_len;

    if (s == NULL || strnlen(s, PHC_MAX_LEN + 1) > PHC_MAX_LEN)
        return 0;
    if (match(&p, "$argon2id$"))
        *type = Argon2_id;
    else if (match(&p, "$argon2i$"))
        *type = Argon2_i;
    else if (match(&p, "$argon2d$"))
        *type = Argon2_d;
    else
        return 0;
    /* The version field is optional: hashes from before v1.3 have none. */
    if (match(&p, "v=")) {
        if (!parse_u32(&p, &version) ||
            (version != ARGON2_VERSION_10 && version != ARGON2_VERSION_13) || !match(&p, "$"))
            return 0;
    }
    if (!match(&p, "m=") || !parse_u32(&p, &m) || !match(&p, ",t=") || !parse_u32(&p, &t) ||
        !match(&p, ",p=") || !parse_u32(&p, &par) || !match(&p, "$"))
        return 0;
    if (t < ARGON2_MIN_TIME || t > PHC_MAX_T || par < ARGON2_MIN_LANES || par > PHC_MAX_P ||
        m > PHC_MAX_M_KIB || (uint64_t)m < 8ull * par)
        return 0;
    salt_len = b64_field(&p);
    if (salt_len < ARGON2_MIN_SALT_LENGTH || !match(&p, "$"))
        return 0;
    hash_len = b64_field(&p);
    if (hash_len < ARGON2_MIN_OUTLEN || *p != '\0')
        return 0;
    return 1;
}

int cdb_password_is_phc(const char *s)
{
    argon2_type type;

    return parse_phc(s, &type);
}

/* "m=65536,t=3,p=4" in any order; unknown or bad items leave the default. */
static void apply_env_params(const char *spec, cdb_argon2_params *params)
{
    const char *p = spec;

    while (*p != '\0') {
        char key = p[0];
        uint32_t value;

        if (p[1] != '=')
            return;
        p += 2;
        if (!parse_u32(&p, &value) || value == 0)
            return;
        if (key == 'm' && value >= 8)
            params->m_cost_kib = value;
        else if (key == 't')
            params->t_cost = value;
        else if (key == 'p' && value <= PHC_MAX_P)
            params->parallelism = value;
        if (*p == ',')
            p++;
        else if (*p != '\0')
            return;
    }
}

void cdb_argon2_default_params(cdb_argon2_params *out)
{
    const char *spec = getenv("CLUSTERDB_ARGON2");

    out->m_cost_kib = 65536;
    out->t_cost = 3;
    out->parallelism = 4;
    if (spec != NULL)
        apply_env_params(spec, out);
    /* argon2 needs at least 8 KiB per lane. */
    if (out->m_cost_kib < 8 * out->parallelism)
        out->m_cost_kib = 8 * out->parallelism;
}

static int fill_random(unsigned char *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t got = getrandom(buf + done, len - done, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return CDB_ERR_INTERNAL;
        }
        done += (size_t)got;
    }
    return CDB_OK;
}

int cdb_password_generate(size_t length, char **out)
{
    static const char alphabet[64] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *pw;
    int rc;

    if (out == NULL || length < CDB_GENERATED_PASSWORD_MIN || length > 4096)
        return CDB_ERR_INVALID;
    pw = malloc(length + 1);
    if (pw == NULL)
        return CDB_ERR_NOMEM;
    rc = fill_random((unsigned char *)pw, length);
    if (rc != CDB_OK) {
        cdb_wipe(pw, length);
        free(pw);
        return rc;
    }
    /* 64 symbols: the low 6 bits of a uniform byte are uniform. */
    for (size_t i = 0; i < length; i++)
        pw[i] = alphabet[(unsigned char)pw[i] & 63];
    pw[length] = '\0';
    *out = pw;
    return CDB_OK;
}

static int status_from_argon2(int rc)
{
    switch (rc) {
    case ARGON2_OK:
        return CDB_OK;
    case ARGON2_MEMORY_ALLOCATION_ERROR:
        return CDB_ERR_NOMEM;
    case ARGON2_VERIFY_MISMATCH:
        return CDB_ERR_DENIED;
    case ARGON2_DECODING_FAIL:
    case ARGON2_DECODING_LENGTH_FAIL:
    case ARGON2_INCORRECT_TYPE:
    case ARGON2_PWD_TOO_LONG:
    case ARGON2_TIME_TOO_SMALL:
    case ARGON2_TIME_TOO_LARGE:
    case ARGON2_MEMORY_TOO_LITTLE:
    case ARGON2_MEMORY_TOO_MUCH:
    case ARGON2_LANES_TOO_FEW:
    case ARGON2_LANES_TOO_MANY:
    case ARGON2_THREADS_TOO_FEW:
    case ARGON2_THREADS_TOO_MANY:
    case ARGON2_SALT_TOO_SHORT:
    case ARGON2_OUTPUT_TOO_SHORT:
        return CDB_ERR_INVALID;
    default:
        return CDB_ERR_INTERNAL;
    }
}

int cdb_password_hash(const char *password, size_t len, const cdb_argon2_params *params,
                      char **phc_out)
{
    cdb_argon2_params defaults;
    unsigned char salt[SALT_BYTES];
    char *encoded = NULL;
    size_t encoded_len;
    int rc;

    if ((password == NULL && len > 0) || phc_out == NULL || len > UINT32_MAX)
        return CDB_ERR_INVALID;
    if (params == NULL) {
        cdb_argon2_default_params(&defaults);
        params = &defaults;
    }
    if (params->t_cost < 1 || params->parallelism < 1 ||
        params->m_cost_kib < 8 * params->parallelism)
        return CDB_ERR_INVALID;
    rc = fill_random(salt, sizeof salt);
    if (rc != CDB_OK)
        goto done;
    encoded_len = argon2_encodedlen(params->t_cost, params->m_cost_kib, params->parallelism,
                                    SALT_BYTES, HASH_BYTES, Argon2_id);
    encoded = malloc(encoded_len);
    if (encoded == NULL) {
        rc = CDB_ERR_NOMEM;
        goto done;
    }
    if ((rc = cdb_hash_gate_enter()) != CDB_OK)
        goto done;
    rc = status_from_argon2(argon2id_hash_encoded(params->t_cost, params->m_cost_kib,
                                                  params->parallelism, password ? password : "",
                                                  len, salt, sizeof salt, HASH_BYTES, encoded,
                                                  encoded_len));
    cdb_hash_gate_leave();
    if (rc != CDB_OK)
        goto done;
    *phc_out = encoded;
    encoded = NULL;
done:
    cdb_wipe(salt, sizeof salt);
    free(encoded);
    return rc;
}

/* Counts argon2 verifications so tests can check that every refused login
 * costs one, without timing anything. */
static _Atomic unsigned long argon2_verifications;

unsigned long cdb_password_verifications(void)
{
    return argon2_verifications;
}

int cdb_password_verify(const char *phc, const char *password, size_t len)
{
    argon2_type type;
    int rc;

    if (!parse_phc(phc, &type) || (password == NULL && len > 0) || len > UINT32_MAX)
        return CDB_ERR_INVALID;
    if ((rc = cdb_hash_gate_enter()) != CDB_OK)
        return rc;
    argon2_verifications++;
    rc = argon2_verify(phc, password ? password : "", len, type);
    cdb_hash_gate_leave();
    return status_from_argon2(rc);
}
