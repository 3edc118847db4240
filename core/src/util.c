/*
 * util.c: small helpers shared by the store and the models (time stamps,
 * string copies, binding and reading text, status names).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

void cdb_now_iso(char buf[32])
{
    cdb_iso_from_now(buf, 0);
}

void cdb_iso_from_now(char buf[32], long long offset_ms)
{
    struct timespec now = {0};
    struct tm utc;
    int clock_ok = clock_gettime(CLOCK_REALTIME, &now) == 0;

    if (clock_ok && offset_ms != 0) {
        long long ms = (long long)now.tv_nsec / 1000000 + offset_ms;
        now.tv_sec += (time_t)(ms / 1000);
        ms %= 1000;
        if (ms < 0) {
            ms += 1000;
            now.tv_sec--;
        }
        now.tv_nsec = (long)(ms * 1000000);
    }
    if (!clock_ok || gmtime_r(&now.tv_sec, &utc) == NULL) {
        /* Cannot happen on Linux; keep the buffer a valid, obviously wrong stamp. */
        memcpy(buf, "1970-01-01T00:00:00.000Z", sizeof "1970-01-01T00:00:00.000Z");
        return;
    }
    /* Same shape as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ'), so stamps written
     * by C and by column defaults sort and compare alike. */
    {
        size_t len = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &utc);
        unsigned ms = (unsigned)(now.tv_nsec / 1000000) % 1000u;
        snprintf(buf + len, 32 - len, ".%03uZ", ms);
    }
}

char *cdb_strdup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void cdb_free(void *ptr)
{
    free(ptr);
}

const char *cdb_strerror(int status)
{
    switch (status) {
    case CDB_OK: return "success";
    case CDB_ERR_NOTFOUND: return "not found";
    case CDB_ERR_INVALID: return "invalid value";
    case CDB_ERR_CONFLICT: return "already exists";
    case CDB_ERR_CONSTRAINT: return "referenced row missing or still in use";
    case CDB_ERR_BUSY: return "database is busy";
    case CDB_ERR_NOMEM: return "out of memory";
    case CDB_ERR_IO: return "database file cannot be opened, read or written";
    case CDB_ERR_VERSION: return "database schema version mismatch";
    case CDB_ERR_DENIED: return "access denied";
    case CDB_ERR_INTERNAL: return "internal error";
    case CDB_ERR_READONLY: return "database is read-only here";
    default: return "unknown error";
    }
}

