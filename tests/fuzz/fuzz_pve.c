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
 *  - the readers of Proxmox's JSON answers (core/src/pve_parse.c): the input,
 *    when it is JSON, as the "data" of every answer the client reads (next
 *    VMID, template and CT lists, config values, interfaces, task status);
 *    whatever they accept has the promised shape (valid VMIDs, a MAC in
 *    upper case, a bare IPv4 address, a task that is running or has an exit
 *    status).  The input as text is also read as a netN value.
 *
 * Not reachable here: the push service's answers (notify.c judge()), parsed
 * behind libcurl; the unit tests drive them through a simulator.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterdb/pve.h>

#include "http_client.h"
#include "pve_parse.h"

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

static void check_mac(const char *net)
{
    char *mac = NULL;

    if (pve_parse_net_mac(net, &mac) != CDB_OK)
        return;
    CHECK(strlen(mac) == 17, "MAC \"%s\" from \"%s\"", mac, net);
    for (size_t i = 0; i < 17; i++)
        CHECK(i % 3 == 2 ? mac[i] == ':' : isxdigit((unsigned char)mac[i]) && !islower((unsigned char)mac[i]),
              "MAC \"%s\" from \"%s\"", mac, net);
    free(mac);
}

static void check_answers(json_t *data)
{
    static const char *const templates[] = {"debian-12", "9000", "0", "99999999999"};
    cdb_pve_lxc_entry *entries = NULL;
    cdb_pve_task task = {0};
    struct in_addr parsed;
    char *text = NULL;
    size_t n = 0;
    int vmid;

    if (pve_parse_vmid(data, &vmid) == CDB_OK)
        CHECK(pve_valid_vmid(vmid), "next VMID %d", vmid);
    for (size_t i = 0; i < sizeof templates / sizeof templates[0]; i++)
        if (pve_parse_template(data, templates[i], &vmid) == CDB_OK)
            CHECK(pve_valid_vmid(vmid), "template %s: VMID %d", templates[i], vmid);
    if (pve_parse_lxc_list(data, &entries, &n) == CDB_OK) {
        CHECK(json_is_array(data) && n <= json_array_size(data), "%zu entries", n);
        for (size_t i = 0; i < n; i++)
            CHECK(pve_valid_vmid(entries[i].vmid), "entry %zu: VMID %d", i, entries[i].vmid);
        cdb_pve_lxc_entries_free(entries, n);
    }
    if (pve_parse_config_value(data, "net0", &text) == CDB_OK) {
        CHECK(text != NULL, "config value");
        check_mac(text);
        free(text);
        text = NULL;
    }
    if (pve_parse_interface_ipv4(data, "eth0", &text) == CDB_OK) {
        CHECK(strchr(text, '/') == NULL && inet_pton(AF_INET, text, &parsed) == 1,
              "IPv4 address \"%s\"", text);
        free(text);
    }
    if (pve_parse_task(data, &task) == CDB_OK) {
        CHECK(task.running != (task.exitstatus != NULL), "task running %d, exit status %s",
              task.running, task.exitstatus ? task.exitstatus : "(none)");
        cdb_pve_task_clear(&task);
    }
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
    check_mac(s);
    free(s);
    check_scrub(data, size);
    {
        json_t *answer = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
        if (answer != NULL) {
            check_answers(answer);
            json_decref(answer);
        }
    }
    return 0;
}
