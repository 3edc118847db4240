/*
 * Fuzz target: what the Proxmox VE client parses or masks without a network.
 *
 *  - cdb_pve_upid_parse (core/src/pve.c, public in pve.h) on the input up to
 *    its first NUL, checked against Proxmox's own pattern from
 *    PVE::Tools::upid_decode as a POSIX regular expression plus the sizes of
 *    the cdb_pve_upid fields; an accepted UPID formats back to one that
 *    parses to the same fields.
 *  - cdb_http_scrub (core/src/http_client.c, core-internal) with that text
 *    and the NUL-separated pieces after it as secrets: afterwards no secret
 *    occurs in the text (secrets containing '*' excepted: the mask is '*'),
 *    and the text never grows.
 *
 * Not reachable here: the JSON answers of Proxmox (task status, config,
 * interfaces) and of the push service (notify.c judge()) are parsed by static
 * functions behind libcurl; the unit tests drive them through simulators.
 */
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterdb/pve.h>

#include "http_client.h"

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_pve: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            abort();                                                         \
        }                                                                    \
    } while (0)

static regex_t upid_re;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* PVE::Tools::upid_decode, in POSIX ERE (C locale). */
    static const char pattern[] =
        "^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):"
        "([0-9A-Fa-f]{8}):([^:[:space:]]+):([^:[:space:]]*):([^:[:space:]]+):$";

    if (regcomp(&upid_re, pattern, REG_EXTENDED) != 0)
        abort();
    return 0;
}

static size_t group_len(const regmatch_t *m)
{
    return (size_t)(m->rm_eo - m->rm_so);
}

static void check_upid(const char *s)
{
    cdb_pve_upid upid, again;
    regmatch_t m[9];
    char back[512];
    int ok = cdb_pve_upid_parse(s, &upid) == CDB_OK;
    /* Proxmox's pattern, with the lengths our fixed-size fields can hold. */
    int ref = regexec(&upid_re, s, 9, m, 0) == 0 && group_len(&m[1]) < sizeof upid.node &&
              group_len(&m[6]) < sizeof upid.type && group_len(&m[7]) < sizeof upid.id &&
              group_len(&m[8]) < sizeof upid.user;

    CHECK(ok == ref, "UPID \"%s\": parse %d, Proxmox's pattern %d", s, ok, ref);
    if (!ok)
        return;
    CHECK(memchr(upid.node, '\0', sizeof upid.node) && memchr(upid.type, '\0', sizeof upid.type) &&
              memchr(upid.id, '\0', sizeof upid.id) && memchr(upid.user, '\0', sizeof upid.user),
          "unterminated field");
    CHECK(strncmp(upid.node, s + m[1].rm_so, group_len(&m[1])) == 0 &&
              strlen(upid.node) == group_len(&m[1]),
          "node \"%s\" from \"%s\"", upid.node, s);
    CHECK(strlen(upid.user) == group_len(&m[8]) &&
              memcmp(upid.user, s + m[8].rm_so, group_len(&m[8])) == 0,
          "user \"%s\" from \"%s\"", upid.user, s);
    CHECK(upid.pid == strtoul(s + m[3].rm_so, NULL, 16) &&
              upid.pstart == strtoul(s + m[4].rm_so, NULL, 16) &&
              upid.starttime == strtoul(s + m[5].rm_so, NULL, 16),
          "numbers of \"%s\"", s);
    /* Formatted back (upper-case hex, as Proxmox writes it) it parses the same. */
    snprintf(back, sizeof back, "UPID:%s:%08lX:%08lX:%08lX:%s:%s:%s:", upid.node, upid.pid,
             upid.pstart, upid.starttime, upid.type, upid.id, upid.user);
    CHECK(cdb_pve_upid_parse(back, &again) == CDB_OK, "\"%s\" formatted back as \"%s\" fails", s,
          back);
    CHECK(strcmp(again.node, upid.node) == 0 && again.pid == upid.pid &&
              again.pstart == upid.pstart && again.starttime == upid.starttime &&
              strcmp(again.type, upid.type) == 0 && strcmp(again.id, upid.id) == 0 &&
              strcmp(again.user, upid.user) == 0,
          "\"%s\" does not round-trip", s);
}

static void check_scrub(const uint8_t *data, size_t size)
{
    const char *secrets[4];
    size_t n_secrets = 0, text_len, pos;
    char *text, *copy;

    text = malloc(size + 1);
    copy = malloc(size + 1);
    CHECK(text != NULL && copy != NULL, "malloc");
    memcpy(copy, data, size);
    copy[size] = '\0';
    text_len = strlen(copy);
    memcpy(text, copy, text_len + 1);
    for (pos = text_len + 1; pos <= size && n_secrets < 4; pos += strlen(copy + pos) + 1)
        secrets[n_secrets++] = copy + pos;

    cdb_http_scrub(text, secrets, n_secrets);
    CHECK(strlen(text) <= text_len, "scrubbed text grew from %zu to %zu", text_len, strlen(text));
    for (size_t i = 0; i < n_secrets; i++) {
        if (secrets[i][0] == '\0' || strchr(secrets[i], '*') != NULL)
            continue;
        CHECK(strstr(text, secrets[i]) == NULL, "secret %zu (\"%s\") left in \"%s\"", i,
              secrets[i], text);
    }
    cdb_http_scrub(NULL, secrets, n_secrets);
    free(text);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    check_upid(s);
    free(s);
    check_scrub(data, size);
    return 0;
}
