/*
 * Fuzz target: the field validators (core/src/validate.c).
 *
 * The input is one C string (cut at the first NUL, as every caller sees it).
 * Every validator runs on it under ASan/UBSan, and each answer is checked
 * against an independent reference written differently (a regular
 * expression, inet_pton, a byte-range UTF-8 table, a line splitter) or
 * against properties the callers rely on: an accepted value is safe to put
 * into an LDAP entry, a DNS or nginx file and a log line.  A disagreement
 * aborts, so libFuzzer keeps the input.  The enumeration parsers
 * (user, job and container status, service type, transport protocol) run on
 * the same string: what they accept prints back as the same name.
 */
#include <arpa/inet.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterdb/cluster.h>
#include <clusterdb/directory.h>
#include <clusterdb/validate.h>

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_validate: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            abort();                                                         \
        }                                                                    \
    } while (0)

static regex_t username_re;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* POSIX ERE in the C locale: ranges are plain byte ranges. */
    if (regcomp(&username_re, "^[a-z_][a-z0-9_.-]{0,31}$", REG_EXTENDED | REG_NOSUB) != 0)
        abort();
    return 0;
}

static int ref_username(const char *s)
{
    return regexec(&username_re, s, 0, NULL, 0) == 0;
}

static int ref_label(const char *s, size_t len)
{
    if (len < 1 || len > 63 || s[0] == '-' || s[len - 1] == '-')
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return 0;
    }
    return 1;
}

/* Split on every '.' (an empty piece is a bad label); counts labels. */
static int ref_dns_name(const char *s, size_t len, size_t *labels)
{
    size_t start = 0;

    *labels = 0;
    if (len == 0 || len > 253)
        return 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (!ref_label(s + start, i - start))
                return 0;
            (*labels)++;
            start = i + 1;
        }
    }
    return 1;
}

static int ref_mail(const char *s)
{
    static const char atext_punct[] = "!#$%&'*+/=?^_`{|}~-";
    size_t len = strlen(s), labels;
    const char *at = strchr(s, '@');
    size_t local_len;

    if (len > 254 || at == NULL)
        return 0;
    local_len = (size_t)(at - s);
    if (local_len < 1 || local_len > 64)
        return 0;
    /* dot-atom: atoms of atext joined by single dots */
    for (size_t i = 0, atom = 0; i <= local_len; i++) {
        if (i == local_len || s[i] == '.') {
            if (atom == 0)
                return 0;
            atom = 0;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (c != 0 && memchr(atext_punct, c, sizeof atext_punct - 1) != NULL)))
            return 0;
        atom++;
    }
    return ref_dns_name(at + 1, len - local_len - 1, &labels) && labels >= 2;
}

static int ref_mac(const char *s)
{
    if (strlen(s) != 17)
        return 0;
    for (int i = 0; i < 17; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i % 3 == 2) {
            if (c != ':')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return 0;
        }
    }
    return 1;
}

/*
 * Well-formed UTF-8 by the byte ranges of Unicode's Table 3-7, with no C0,
 * DEL or C1 control character.  Written as a table walk, unlike the decoder
 * under test, so that the two do not share a mistake.
 */
static int ref_text(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char b = s[i];
        unsigned char lo = 0x80, hi = 0xbf;
        size_t need;

        if (b < 0x20 || b == 0x7f)
            return 0;
        if (b < 0x80) {
            i++;
            continue;
        }
        if (b >= 0xc2 && b <= 0xdf) {
            need = 1;
            if (b == 0xc2 && i + 1 < len && s[i + 1] <= 0x9f)
                return 0; /* U+0080..U+009F: C1 controls */
        } else if (b == 0xe0) {
            need = 2;
            lo = 0xa0;
        } else if ((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef) {
            need = 2;
        } else if (b == 0xed) {
            need = 2;
            hi = 0x9f;
        } else if (b == 0xf0) {
            need = 3;
            lo = 0x90;
        } else if (b >= 0xf1 && b <= 0xf3) {
            need = 3;
        } else if (b == 0xf4) {
            need = 3;
            hi = 0x8f;
        } else {
            return 0;
        }
        if (i + need >= len) /* truncated */
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= need; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                return 0;
        i += need + 1;
    }
    return 1;
}

static void check_ipv4(const char *s)
{
    struct in_addr addr;
    char back[INET_ADDRSTRLEN];
    int valid = cdb_valid_ipv4(s);

    /* glibc's inet_pton takes exactly the dotted quad, without leading zeros. */
    CHECK(valid == (inet_pton(AF_INET, s, &addr) == 1), "ipv4 \"%s\": %d", s, valid);
    if (valid) {
        CHECK(inet_ntop(AF_INET, &addr, back, sizeof back) != NULL && strcmp(back, s) == 0,
              "ipv4 \"%s\" does not round-trip", s);
    }
}

static void check_names(const char *s)
{
    size_t labels = 0;
    int host = cdb_valid_hostname(s), domain = cdb_valid_domain(s);
    int ref_host = ref_dns_name(s, strlen(s), &labels);

    CHECK(cdb_valid_username(s) == ref_username(s), "username \"%s\"", s);
    CHECK(cdb_valid_group_name(s) == cdb_valid_username(s), "group name \"%s\"", s);
    CHECK(host == ref_host, "hostname \"%s\": %d", s, host);
    CHECK(domain == (ref_host && labels >= 2), "domain \"%s\": %d", s, domain);
    CHECK(cdb_valid_mail(s) == ref_mail(s), "mail \"%s\"", s);
    CHECK(cdb_valid_mac(s) == ref_mac(s), "mac \"%s\"", s);
}

static void check_url(const char *s)
{
    const char *host, *end;
    char buf[2100];

    if (!cdb_valid_url(s))
        return;
    /* Safe in an nginx or dnsmasq line and a log: no space, control or 8-bit byte. */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        CHECK(*p > ' ' && *p < 0x7f, "url \"%s\" holds byte 0x%02x", s, *p);
    CHECK(strlen(s) <= 2048, "url of %zu bytes", strlen(s));
    CHECK(strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0, "url \"%s\"", s);
    host = strstr(s, "://") + 3;
    if (host[0] == '[')
        return;
    end = host + strcspn(host, ":/?#");
    CHECK((size_t)(end - host) < sizeof buf, "url host too long");
    memcpy(buf, host, (size_t)(end - host));
    buf[end - host] = '\0';
    CHECK(cdb_valid_hostname(buf), "url \"%s\" has host \"%s\"", s, buf);
}

static void check_text(const char *s, size_t len, size_t max)
{
    int valid = cdb_valid_text(s, max);
    int ref = ref_text((const unsigned char *)s, len);

    CHECK(cdb_valid_text(s, SIZE_MAX - 1) == ref, "text of %zu bytes: %d", len, !ref);
    CHECK(valid == (ref && len <= max), "text of %zu bytes, max %zu: %d", len, max, valid);
}

/* A key accepted alone is accepted again when rebuilt from its parts, with or
 * without its comment, and as the only line of a key list. */
static void check_ssh_key(const char *s, size_t len)
{
    char *copy, *type, *blob, *comment, *joined;
    size_t n;
    int valid = cdb_valid_ssh_key(s);

    if (!valid)
        return;
    CHECK(len <= 16384, "key line of %zu bytes", len);
    for (size_t i = 0; i < len; i++)
        CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f, "key holds byte 0x%02x",
              (unsigned char)s[i]);
    CHECK(cdb_valid_ssh_keys(s), "key valid alone but not as a list");
    copy = strdup(s);
    CHECK(copy != NULL, "strdup");
    type = copy;
    blob = strchr(copy, ' ');
    CHECK(blob != NULL, "key without a space");
    *blob++ = '\0';
    comment = strchr(blob, ' ');
    if (comment != NULL)
        *comment++ = '\0';
    n = strlen(type) + strlen(blob) + (comment ? strlen(comment) : 0) + 3;
    joined = malloc(n + 2);
    CHECK(joined != NULL, "malloc");
    snprintf(joined, n, "%s %s", type, blob);
    CHECK(cdb_valid_ssh_key(joined), "key without its comment refused: \"%s\"", joined);
    if (comment != NULL) {
        snprintf(joined, n, "%s %s %s", type, blob, comment);
        CHECK(cdb_valid_ssh_key(joined), "key rebuilt refused");
        CHECK(strcmp(joined, s) == 0, "key does not rebuild to itself");
    }
    /* A trailing newline makes a list of one key, not a key. */
    snprintf(joined, n + 2, "%s\n", s);
    CHECK(!cdb_valid_ssh_key(joined), "key with a newline accepted");
    CHECK(cdb_valid_ssh_keys(joined), "one key and a newline refused as a list");
    free(joined);
    free(copy);
}

/* cdb_valid_ssh_keys: every non-empty line is a valid key. */
static void check_ssh_keys(const char *s)
{
    int all = 1;
    const char *p = s;

    while (all) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > 0) {
            char *line = strndup(p, n);
            CHECK(line != NULL, "strndup");
            all = cdb_valid_ssh_key(line);
            free(line);
        }
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    CHECK(cdb_valid_ssh_keys(s) == all, "key list: %d, lines say %d", !all, all);
}

/* The enumeration parsers: a name parses only to the value that prints as it. */
#define CHECK_ENUM(type, parse, name)                                             \
    do {                                                                          \
        type value_;                                                              \
        int rc_ = parse(s, &value_);                                              \
        CHECK(rc_ == CDB_OK || rc_ == CDB_ERR_INVALID, #parse " \"%s\": %d", s, rc_); \
        if (rc_ == CDB_OK)                                                        \
            CHECK(name(value_) != NULL && strcmp(name(value_), s) == 0,           \
                  #parse " \"%s\" gave %d", s, (int)value_);                     \
    } while (0)

static void check_enums(const char *s)
{
    CHECK_ENUM(cdb_user_status, cdb_user_status_parse, cdb_user_status_name);
    CHECK_ENUM(cdb_job_status, cdb_job_status_parse, cdb_job_status_name);
    CHECK_ENUM(cdb_container_status, cdb_container_status_parse, cdb_container_status_name);
    CHECK_ENUM(cdb_service_type, cdb_service_type_parse, cdb_service_type_name);
    CHECK_ENUM(cdb_transport_protocol, cdb_transport_protocol_parse, cdb_transport_protocol_name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    size_t len, max;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    len = strlen(s);
    /* A length bound derived from the input, near the length to hit the edges. */
    max = size > 0 ? (size_t)data[size - 1] % 8 + (len >= 4 ? len - 4 : 0) : 0;

    check_ipv4(s);
    check_names(s);
    check_url(s);
    check_text(s, len, max);
    check_ssh_key(s, len);
    check_ssh_keys(s);
    check_enums(s);
    (void)cdb_valid_port((int64_t)len - 2);
    free(s);
    return 0;
}
