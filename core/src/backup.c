/*
 * backup.c: an online copy of the open database into a new file, taken
 * while slapd, the daemon and the CLI keep writing.
 *
 * SQLite's online backup API, in one step (all pages), rather than
 * VACUUM INTO:
 *  - one snapshot: the step runs inside the read transaction that also reads
 *    the schema version, so the copy and the version it is checked against
 *    are the same snapshot; committed transactions still in the -wal are
 *    read through the source connection like any other read;
 *  - in WAL mode that read transaction blocks no writer, and one step never
 *    restarts (smaller steps restart whenever another connection commits,
 *    which under steady writers may never finish);
 *  - cost: a copy of the pages, where VACUUM INTO rebuilds every table and
 *    index; and we open the output ourselves, so its mode, its temporary
 *    name and its fsync are ours (VACUUM INTO never syncs the file).
 *
 * The copy is written to a temporary name in the target's directory, made
 * a self-contained rollback-journal file (no -wal to carry along), checked
 * (integrity_check, the schema version) and synced before it takes the
 * final name: a half-written backup never carries that name.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "store_sqlite.h"

/* BUSY/LOCKED from a step are retried this often, this long apart: the
 * source read lock can be refused briefly while a checkpoint resets the
 * WAL. */
#define BACKUP_BUSY_RETRIES 50
#define BACKUP_BUSY_SLEEP_MS 100

/* The directory of path, for the temporary file and the directory fsync. */
static int dir_of(cdb *db, const char *path, char *out, size_t size)
{
    char copy[4096];

    if (snprintf(copy, sizeof copy, "%s", path) >= (int)sizeof copy)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "%s: path too long", path);
    if (snprintf(out, size, "%s", dirname(copy)) >= (int)size)
        return cdb_fail(db, CDB_ERR_INVALID, NULL, "%s: path too long", path);
    return CDB_OK;
}

/* Copy every page of db's main database into dest (one step, bounded retries). */
static int copy_pages(cdb *db, sqlite3 *dest, const char *path)
{
    sqlite3_backup *backup = sqlite3_backup_init(dest, "main", cdb_sqlite(db), "main");
    int rc;

    if (backup == NULL)
        return cdb_fail(db, CDB_ERR_IO, NULL, "%s: cannot start the backup: %s", path,
                        sqlite3_errmsg(dest));
    for (int attempt = 0;; attempt++) {
        rc = sqlite3_backup_step(backup, -1);
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt >= BACKUP_BUSY_RETRIES)
            break;
        sqlite3_sleep(BACKUP_BUSY_SLEEP_MS);
    }
    sqlite3_backup_finish(backup);
    if (rc == SQLITE_DONE)
        return CDB_OK;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return cdb_fail(db, CDB_ERR_BUSY, NULL, "%s: the database stayed locked: %s", path,
                        sqlite3_errstr(rc));
    return cdb_fail(db, CDB_ERR_IO, NULL, "%s: copying the pages failed: %s", path,
                    sqlite3_errmsg(dest));
}

/* One text value of a statement on a raw connection ("" when no row). */
static int query_text(sqlite3 *sql, const char *query, char *buf, size_t size)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(sql, query, -1, &stmt, NULL);

    buf[0] = '\0';
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            const unsigned char *text = sqlite3_column_text(stmt, 0);
            snprintf(buf, size, "%s", text ? (const char *)text : "");
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* Make the copy a single rollback-journal file, then check it: a clean
 * integrity_check and the source's schema version. */
static int finish_and_check(cdb *db, const char *tmp, const char *path, int version)
{
    sqlite3 *copy = NULL;
    char result[256];
    int rc = sqlite3_open_v2(tmp, &copy, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    int status = CDB_OK;

    if (rc == SQLITE_OK)
        rc = query_text(copy, "PRAGMA journal_mode = DELETE", result, sizeof result);
    if (rc != SQLITE_OK) {
        status = cdb_fail(db, CDB_ERR_IO, NULL, "%s: cannot reopen the copy: %s", path,
                          copy ? sqlite3_errmsg(copy) : sqlite3_errstr(rc));
    } else if (strcmp(result, "delete") != 0) {
        status = cdb_fail(db, CDB_ERR_IO, NULL, "%s: the copy stays in %s mode", path, result);
    } else if ((rc = query_text(copy, "PRAGMA integrity_check", result, sizeof result)) != SQLITE_OK ||
               strcmp(result, "ok") != 0) {
        status = cdb_fail(db, CDB_ERR_IO, NULL, "%s: the copy fails its integrity check: %s",
                          path, rc != SQLITE_OK ? sqlite3_errmsg(copy) : result);
    } else if ((rc = query_text(copy, "SELECT coalesce(max(version), 0) FROM SchemaMigrations",
                                result, sizeof result)) != SQLITE_OK ||
               atoi(result) != version) {
        status = cdb_fail(db, CDB_ERR_IO, "path",
                          "%s: the copy is at schema version %s, the database at %d", path,
                          rc != SQLITE_OK ? sqlite3_errmsg(copy) : result, version);
    }
    sqlite3_close(copy);
    return status;
}

/* Give the synced copy its final name: never over an existing file unless
 * replace (link() fails on an existing name, atomically). */
static int publish(cdb *db, const char *tmp, const char *path, unsigned flags)
{
    if (flags & CDB_BACKUP_REPLACE) {
        if (rename(tmp, path) != 0)
            return cdb_fail(db, CDB_ERR_IO, NULL, "%s: cannot rename the copy to it: %s", path,
                            strerror(errno));
        return CDB_OK;
    }
    if (link(tmp, path) != 0) {
        if (errno == EEXIST)
            return cdb_fail(db, CDB_ERR_CONFLICT, NULL, "%s: already exists, not replaced", path);
        return cdb_fail(db, CDB_ERR_IO, NULL, "%s: cannot name the copy: %s", path,
                        strerror(errno));
    }
    unlink(tmp);
    return CDB_OK;
}

static int sync_dir(cdb *db, const char *dir, const char *path)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0 || fsync(fd) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        return cdb_fail(db, CDB_ERR_IO, NULL, "%s: cannot sync its directory: %s", path,
                        strerror(err));
    }
    close(fd);
    return CDB_OK;
}

int cdb_backup(cdb *db, const char *path, unsigned flags, cdb_backup_result *out)
{
    char dir[4096], tmp[4200];
    struct stat st;
    int version = 0, known = 0;
    int rc, fd;
    sqlite3 *dest = NULL;

    if (path == NULL || path[0] == '\0')
        return cdb_fail(db, CDB_ERR_INVALID, "path", "no backup file given");
    if (cdb_in_transaction(db))
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "a transaction is already open on this handle");
    if (!(flags & CDB_BACKUP_REPLACE) && lstat(path, &st) == 0)
        return cdb_fail(db, CDB_ERR_CONFLICT, NULL, "%s: already exists, not replaced", path);
    rc = dir_of(db, path, dir, sizeof dir);
    if (rc != CDB_OK)
        return rc;
    snprintf(tmp, sizeof tmp, "%s/.clusterdb-backup.XXXXXX", dir);
    /* mkstemp: O_EXCL and mode 0600 whatever the umask. */
    fd = mkstemp(tmp);
    if (fd < 0)
        return cdb_fail(db, CDB_ERR_IO, NULL, "%s: cannot create a file in %s: %s", path, dir,
                        strerror(errno));

    rc = cdb_read_begin(db);
    if (rc == CDB_OK) {
        rc = cdb_schema_version(db, &version, &known);  /* fixes the snapshot */
        if (rc == CDB_OK) {
            int sql_rc = sqlite3_open_v2(tmp, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                                         NULL);
            rc = sql_rc == SQLITE_OK
                     ? copy_pages(db, dest, path)
                     : cdb_fail(db, CDB_ERR_IO, NULL, "%s: cannot open the copy: %s", path,
                                sqlite3_errstr(sql_rc));
            sqlite3_close(dest);
        }
        cdb_read_end(db);
    }
    if (rc == CDB_OK)
        rc = finish_and_check(db, tmp, path, version);
    if (rc == CDB_OK && fsync(fd) != 0)
        rc = cdb_fail(db, CDB_ERR_IO, NULL, "%s: cannot sync the copy: %s", path,
                      strerror(errno));
    if (rc == CDB_OK && fstat(fd, &st) != 0)
        rc = cdb_fail(db, CDB_ERR_IO, NULL, "%s: %s", path, strerror(errno));
    close(fd);
    if (rc == CDB_OK)
        rc = publish(db, tmp, path, flags);
    if (rc != CDB_OK) {
        unlink(tmp);
        return rc;
    }
    rc = sync_dir(db, dir, path);
    if (rc != CDB_OK)
        return rc;
    if (out != NULL) {
        out->bytes = (int64_t)st.st_size;
        out->schema_version = version;
    }
    return CDB_OK;
}
