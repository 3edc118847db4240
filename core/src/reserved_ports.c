/*
 * reserved_ports.c: the ports no transport service may take as its
 * externalPort because the site's own daemons listen on them (nginx, dnsmasq,
 * sshd, slapd).  One list, kept in the Settings table under
 * CDB_SETTING_RESERVED_PORTS (CDB_DEFAULT_RESERVED_PORTS while unset), read
 * inside the writer's transaction so the check and the write see the same list.
 */
#include <stdlib.h>
#include <string.h>

#include <clusterdb/settings.h>

#include "internal.h"

static int parse_port(const char **p, long *out)
{
    char *end;
    long v;

    if (**p < '0' || **p > '9')
        return -1;
    v = strtol(*p, &end, 10);
    if (v < 1 || v > 65535 || end - *p > 5)
        return -1;
    *p = end;
    *out = v;
    return 0;
}

int cdb_port_set_parse(const char *text, cdb_port_set *out)
{
    const char *p = text;

    memset(out, 0, sizeof *out);
    if (text == NULL || *text == '\0')
        return -1;
    for (;;) {
        long lo, hi;
        while (*p == ' ')
            p++;
        if (parse_port(&p, &lo) != 0)
            return -1;
        hi = lo;
        if (*p == '-') {
            p++;
            if (parse_port(&p, &hi) != 0 || hi < lo)
                return -1;
        }
        for (long port = lo; port <= hi; port++)
            out->bits[port >> 3] |= (uint8_t)(1u << (port & 7));
        while (*p == ' ')
            p++;
        if (*p == '\0')
            return 0;
        if (*p++ != ',')
            return -1;
    }
}

int cdb_reserved_ports_load(cdb *db, cdb_port_set *out, char **text_out)
{
    char *value = NULL;
    int rc = cdb_setting_get(db, CDB_SETTING_RESERVED_PORTS, &value);

    if (rc == CDB_ERR_NOTFOUND) {
        value = strdup(CDB_DEFAULT_RESERVED_PORTS);
        if (value == NULL)
            return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    } else if (rc != CDB_OK) {
        return rc;
    }
    /* cdb_setting_set validates the value; a row written by hand that does
     * not parse reserves the default rather than nothing. */
    if (cdb_port_set_parse(value, out) != 0)
        (void)cdb_port_set_parse(CDB_DEFAULT_RESERVED_PORTS, out);
    if (text_out)
        *text_out = value;
    else
        free(value);
    return CDB_OK;
}
