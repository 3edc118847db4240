/*
 * What the Proxmox VE client reads out of the API's answers (see
 * pve_parse.h), apart from the HTTP exchange in pve.c, so that unit tests
 * and the fuzzer drive it with any JSON.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pve_parse.h"

static int json_to_int(json_t *value, long long *out)
{
    if (json_is_integer(value)) {
        *out = json_integer_value(value);
        return 0;
    }
    if (json_is_string(value)) {
        const char *s = json_string_value(value);
        char *end;
        long long v;
        if (*s == '\0' || !isdigit((unsigned char)*s))
            return -1;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0 || *end != '\0')
            return -1;
        *out = v;
        return 0;
    }
    return -1;
}

int pve_valid_vmid(long long vmid)
{
    /* Proxmox's pve-vmid range. */
    return vmid >= 100 && vmid <= 999999999;
}

static int json_truthy(json_t *value)
{
    long long n;
    if (json_is_true(value))
        return 1;
    return json_to_int(value, &n) == 0 && n != 0;
}

int pve_parse_vmid(json_t *data, int *vmid_out)
{
    long long vmid;

    if (json_to_int(data, &vmid) != 0 || !pve_valid_vmid(vmid))
        return CDB_ERR_INTERNAL;
    *vmid_out = (int)vmid;
    return CDB_OK;
}

int pve_template_wanted(const char *name, long long *vmid_out)
{
    if (strspn(name, "0123456789") != strlen(name))
        return 0;
    *vmid_out = strtoll(name, NULL, 10);
    return pve_valid_vmid(*vmid_out) ? 1 : -1;
}

int pve_parse_template(json_t *list, const char *name, int *vmid_out)
{
    json_t *entry;
    long long wanted = -1, vmid;
    size_t i;
    int by_id = pve_template_wanted(name, &wanted);

    if (by_id < 0)
        return CDB_ERR_INVALID;
    if (!json_is_array(list))
        return CDB_ERR_INTERNAL;
    json_array_foreach(list, i, entry) {
        json_t *entry_name = json_object_get(entry, "name");
        if (json_to_int(json_object_get(entry, "vmid"), &vmid) != 0)
            continue;
        if (!json_truthy(json_object_get(entry, "template")))
            continue;
        if (by_id ? vmid == wanted
                  : (json_is_string(entry_name) && strcmp(json_string_value(entry_name), name) == 0)) {
            if (!pve_valid_vmid(vmid))
                break;
            *vmid_out = (int)vmid;
            return CDB_OK;
        }
    }
    return CDB_ERR_NOTFOUND;
}

void cdb_pve_lxc_entries_free(cdb_pve_lxc_entry *entries, size_t n)
{
    if (entries == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(entries[i].name);
        free(entries[i].status);
    }
    free(entries);
}

int pve_parse_lxc_list(json_t *list, cdb_pve_lxc_entry **entries_out, size_t *n_out)
{
    json_t *entry;
    cdb_pve_lxc_entry *entries;
    size_t i, n = 0;

    if (!json_is_array(list))
        return CDB_ERR_INTERNAL;
    if ((entries = calloc(json_array_size(list) + 1, sizeof(*entries))) == NULL)
        return CDB_ERR_NOMEM;
    json_array_foreach(list, i, entry) {
        json_t *name = json_object_get(entry, "name"), *status = json_object_get(entry, "status");
        long long vmid;
        if (json_to_int(json_object_get(entry, "vmid"), &vmid) != 0 || !pve_valid_vmid(vmid))
            continue; /* not an entry we could act on */
        entries[n].vmid = (int)vmid;
        entries[n].template = json_truthy(json_object_get(entry, "template"));
        n++;
        if ((json_is_string(name) && (entries[n - 1].name = strdup(json_string_value(name))) == NULL) ||
            (json_is_string(status) &&
             (entries[n - 1].status = strdup(json_string_value(status))) == NULL)) {
            cdb_pve_lxc_entries_free(entries, n);
            return CDB_ERR_NOMEM;
        }
    }
    *entries_out = entries;
    *n_out = n;
    return CDB_OK;
}

int pve_parse_config_value(json_t *config, const char *key, char **value_out)
{
    json_t *value = json_object_get(config, key);
    char number[32];

    if (json_is_string(value)) {
        *value_out = strdup(json_string_value(value));
    } else if (json_is_integer(value)) {
        snprintf(number, sizeof(number), "%lld", (long long)json_integer_value(value));
        *value_out = strdup(number);
    } else {
        return CDB_ERR_NOTFOUND;
    }
    return *value_out ? CDB_OK : CDB_ERR_NOMEM;
}

/* "aa:bb:cc:dd:ee:ff" in either case; normalised to upper case. */
static int normalise_mac(const char *text, size_t len, char out[18])
{
    if (len != 17)
        return -1;
    for (size_t i = 0; i < 17; i++) {
        char c = text[i];
        if (i % 3 == 2) {
            if (c != ':')
                return -1;
            out[i] = ':';
        } else {
            if (!isxdigit((unsigned char)c))
                return -1;
            out[i] = (char)toupper((unsigned char)c);
        }
    }
    out[17] = '\0';
    return 0;
}

int pve_parse_net_mac(const char *net, char **mac_out)
{
    char mac[18];

    /* net0 is "name=eth0,bridge=vmbr0,hwaddr=BC:24:11:..,ip=dhcp,type=veth". */
    for (const char *p = net; *p; ) {
        size_t len = strcspn(p, ",");
        if (len > 7 && strncmp(p, "hwaddr=", 7) == 0) {
            if (normalise_mac(p + 7, len - 7, mac) != 0)
                return CDB_ERR_INTERNAL;
            return (*mac_out = strdup(mac)) ? CDB_OK : CDB_ERR_NOMEM;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return CDB_ERR_NOTFOUND;
}

/* "10.0.0.5/24" or "10.0.0.5" -> "10.0.0.5" when it is an IPv4 address. */
/* 0, -1 when not an IPv4 address, -2 out of memory. */
static int take_ipv4(const char *text, char **out)
{
    char addr[INET_ADDRSTRLEN + 4];
    struct in_addr parsed;
    size_t len = strcspn(text, "/");

    if (len == 0 || len >= sizeof(addr))
        return -1;
    memcpy(addr, text, len);
    addr[len] = '\0';
    if (inet_pton(AF_INET, addr, &parsed) != 1)
        return -1;
    *out = strdup(addr);
    return *out ? 0 : -2;
}

/* 1 when `text` held an address (taken into *ip_out), 0 when not, -1 out of memory. */
static int take_ipv4_value(json_t *text, char **ip_out)
{
    int rc;

    if (!json_is_string(text))
        return 0;
    rc = take_ipv4(json_string_value(text), ip_out);
    return rc == 0 ? 1 : rc == -2 ? -1 : 0;
}

int pve_parse_interface_ipv4(json_t *interfaces, const char *ifname, char **ip_out)
{
    json_t *entry;
    size_t i;
    int got;

    /* null while the container is not running */
    json_array_foreach(interfaces, i, entry) {
        json_t *name = json_object_get(entry, "name"), *addrs, *addr;
        size_t j;
        if (!json_is_string(name) || strcmp(json_string_value(name), ifname) != 0)
            continue;
        if ((got = take_ipv4_value(json_object_get(entry, "inet"), ip_out)) != 0)
            return got > 0 ? CDB_OK : CDB_ERR_NOMEM;
        /* Newer releases also list "ip-addresses"; "inet" is deprecated there. */
        addrs = json_object_get(entry, "ip-addresses");
        json_array_foreach(addrs, j, addr) {
            json_t *type = json_object_get(addr, "ip-address-type");
            if (!json_is_string(type) || strcmp(json_string_value(type), "inet") != 0)
                continue;
            if ((got = take_ipv4_value(json_object_get(addr, "ip-address"), ip_out)) != 0)
                return got > 0 ? CDB_OK : CDB_ERR_NOMEM;
        }
    }
    return CDB_ERR_NOTFOUND;
}

/* ---- tasks ----------------------------------------------------------- */

static int hex_field(const char *text, size_t len, size_t min_digits, size_t max_digits,
                     unsigned long *out)
{
    unsigned long value = 0;
    if (len < min_digits || len > max_digits)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)text[i];
        if (!isxdigit(c))
            return -1;
        value = value * 16 + (unsigned long)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
    }
    *out = value;
    return 0;
}

static int copy_field(char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap)
        return -1;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

static int valid_node_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || !isalnum((unsigned char)name[0]) || !isalnum((unsigned char)name[len - 1]))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '-')
            return 0;
    return 1;
}

int cdb_pve_upid_parse(const char *upid, cdb_pve_upid *out)
{
    /* UPID:$node:$pid:$pstart:$starttime:$type:$id:$user: (PVE::Tools::upid_decode) */
    const char *fields[8];
    size_t lens[8];
    cdb_pve_upid result;
    const char *p;

    if (upid == NULL || strncmp(upid, "UPID:", 5) != 0)
        return CDB_ERR_INVALID;
    p = upid + 5;
    for (int i = 0; i < 7; i++) {
        const char *colon = strchr(p, ':');
        if (colon == NULL)
            return CDB_ERR_INVALID;
        fields[i] = p;
        lens[i] = (size_t)(colon - p);
        p = colon + 1;
    }
    if (*p != '\0')
        return CDB_ERR_INVALID;
    memset(&result, 0, sizeof(result));
    if (copy_field(result.node, sizeof(result.node), fields[0], lens[0]) != 0 ||
        !valid_node_name(result.node))
        return CDB_ERR_INVALID;
    if (hex_field(fields[1], lens[1], 8, 8, &result.pid) != 0 ||
        hex_field(fields[2], lens[2], 8, 9, &result.pstart) != 0 ||
        hex_field(fields[3], lens[3], 8, 8, &result.starttime) != 0)
        return CDB_ERR_INVALID;
    if (lens[4] == 0 || copy_field(result.type, sizeof(result.type), fields[4], lens[4]) != 0 ||
        copy_field(result.id, sizeof(result.id), fields[5], lens[5]) != 0 ||
        lens[6] == 0 || copy_field(result.user, sizeof(result.user), fields[6], lens[6]) != 0)
        return CDB_ERR_INVALID;
    for (int i = 4; i < 7; i++)
        for (size_t j = 0; j < lens[i]; j++)
            if (isspace((unsigned char)fields[i][j]))
                return CDB_ERR_INVALID;
    *out = result;
    return CDB_OK;
}

void cdb_pve_task_clear(cdb_pve_task *task)
{
    if (task == NULL)
        return;
    free(task->exitstatus);
    memset(task, 0, sizeof(*task));
}

int pve_parse_task(json_t *data, cdb_pve_task *task_out)
{
    json_t *status = json_object_get(data, "status"), *exitstatus;
    cdb_pve_task task = {0};

    if (!json_is_string(status))
        return CDB_ERR_INTERNAL;
    if (strcmp(json_string_value(status), "running") == 0) {
        task.running = 1;
    } else if (strcmp(json_string_value(status), "stopped") == 0) {
        exitstatus = json_object_get(data, "exitstatus");
        task.exitstatus = strdup(json_is_string(exitstatus) ? json_string_value(exitstatus)
                                                            : "unknown exit status");
        if (task.exitstatus == NULL)
            return CDB_ERR_NOMEM;
    } else {
        return CDB_ERR_INTERNAL;
    }
    *task_out = task;
    return CDB_OK;
}

int pve_task_succeeded(const char *exitstatus)
{
    /* PVE::Tools::upid_status_is_error: only "OK" and "WARNINGS: n" are not errors. */
    return strcmp(exitstatus, "OK") == 0 || strncmp(exitstatus, "WARNINGS: ", 10) == 0;
}

