/*
 * libclusterdb: the relational store behind clusterdb.
 *
 * Conventions for every function in this library:
 *  - Returns CDB_OK (0) or a negative cdb_status.  Out-parameters are written
 *    only on success.  The reason for a failure is kept on the handle:
 *    cdb_errmsg() for people, cdb_errfield() for the field or unique key.
 *  - Objects returned through out-parameters belong to the caller and are
 *    released with the matching *_free() function; every *_free() accepts NULL.
 *    Strings and id arrays returned bare are released with cdb_free().
 *  - Input strings are borrowed for the duration of the call only.
 *
 * Threads: a cdb handle is used by one thread at a time (it owns one SQLite
 * connection and its cached prepared statements).  Open one handle per thread;
 * any number of handles, in any number of processes, may share one file.
 * Every read runs in its own short transaction, so it sees everything other
 * handles committed before it started.
 */
#ifndef CLUSTERDB_CLUSTERDB_H
#define CLUSTERDB_CLUSTERDB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cdb_status {
    CDB_OK = 0,
    CDB_ERR_NOTFOUND = -1,   /* no such row */
    CDB_ERR_INVALID = -2,    /* input failed validation; errfield names the field */
    CDB_ERR_CONFLICT = -3,   /* a unique key is taken; errfield names the key */
    CDB_ERR_CONSTRAINT = -4, /* a referenced row is missing, or the row is still referenced */
    CDB_ERR_BUSY = -5,       /* the database stayed locked past the busy timeout */
    CDB_ERR_NOMEM = -6,
    CDB_ERR_IO = -7,         /* the file cannot be opened, read or written */
    CDB_ERR_VERSION = -8,    /* schema newer than this library, or migrations pending */
    CDB_ERR_DENIED = -9,     /* wrong credentials or an account that may not log in */
    CDB_ERR_INTERNAL = -10,
    CDB_ERR_READONLY = -11   /* the database takes no writes here (a standby, a read-only server) */
} cdb_status;

typedef struct cdb cdb;

enum cdb_open_flags {
    CDB_OPEN_CREATE = 1 << 0,   /* create the file if it does not exist */
    CDB_OPEN_MIGRATE = 1 << 1,  /* apply pending migrations while opening */
    CDB_OPEN_READONLY = 1 << 2,
    /* Create the file 0640 (and a missing directory 0750) instead of
     * 0600/0700: for a group slapd runs in (docs/store.md). */
    CDB_OPEN_GROUP_READ = 1 << 3,
    /* Open even when others may read the file (or its -wal/-shm).  The
     * environment variable CLUSTERDB_ALLOW_OTHERS_READ=1 does the same. */
    CDB_OPEN_ALLOW_OTHERS_READ = 1 << 4,
    /* Open whatever the schema version, for whole-file work (cdb_backup):
     * a file behind or ahead of this library is backed up as it is.  No
     * other function may be used on such a handle. */
    CDB_OPEN_ANY_VERSION = 1 << 5
};

/*
 * Open the database at path.  A file created here is 0600 (0640 with
 * CDB_OPEN_GROUP_READ) whatever the umask, and so are its -wal/-shm (SQLite
 * gives them the database's mode); a missing parent directory is created
 * 0700 (0750).  A file that others may read or write is refused
 * (CDB_ERR_IO, the message names the path, its mode and the fix) unless
 * CDB_OPEN_ALLOW_OTHERS_READ is given.  Sets WAL mode, foreign_keys=ON and a busy
 * timeout.  Without CDB_OPEN_MIGRATE a database whose schema is behind this
 * library fails with CDB_ERR_VERSION ("run clusterdb migrate"); a database
 * made by a newer library always fails with CDB_ERR_VERSION.
 * Like sqlite3_open(), *out is set even on failure (unless memory ran out) so
 * that cdb_errmsg() can explain; the caller always calls cdb_close(*out).
 */
int cdb_open(const char *path, unsigned flags, cdb **out);
void cdb_close(cdb *db);

/* The database every program opens when not told otherwise. */
#define CDB_DEFAULT_DB_PATH "/var/lib/clusterdb/clusterdb.sqlite"
/* $CLUSTERDB_DB when set and not empty, else CDB_DEFAULT_DB_PATH: the one
 * rule the CLI and the daemon share. */
const char *cdb_default_db_path(void);
/* The release of this library (configure's PACKAGE_VERSION). */
const char *cdb_version(void);

/* Apply pending migrations, each in its own transaction.  Idempotent. */
int cdb_migrate(cdb *db);
/* The schema version of the open file, and the newest this library knows. */
int cdb_schema_version(cdb *db, int *current, int *known);

/*
 * An online backup: a consistent snapshot of the open database written to
 * path while other processes keep writing.  The file is created 0600 under a
 * temporary name in path's directory, made a single file (rollback journal,
 * no -wal), checked (PRAGMA integrity_check, the schema version equals the
 * source's), synced, and only then renamed to path; on failure nothing
 * carries path's name.  An existing path is CDB_ERR_CONFLICT unless
 * CDB_BACKUP_REPLACE.  Failures name path and the cause.  docs/backup.md
 * describes the restore.
 */
enum cdb_backup_flags {
    CDB_BACKUP_REPLACE = 1 << 0  /* replace an existing file at path */
};
typedef struct cdb_backup_result {
    int64_t bytes;       /* size of the backup file */
    int schema_version;  /* of the snapshot (equal in source and copy) */
} cdb_backup_result;
int cdb_backup(cdb *db, const char *path, unsigned flags, cdb_backup_result *out);

/*
 * Checkpoint the write-ahead log into the database file and truncate it to
 * zero bytes, waiting up to the busy timeout for readers and writers.  A
 * process about to drop handles on a file that was replaced at its path
 * calls this first: SQLite pairs a -wal with whatever file carries the
 * database's name, so frames left in it would be read as the new file's.
 */
int cdb_checkpoint_truncate(cdb *db);

/* Message and field of the last failure on this handle (never NULL / may be NULL). */
const char *cdb_errmsg(const cdb *db);
const char *cdb_errfield(const cdb *db);
/* A short fixed text for a status code. */
const char *cdb_strerror(int status);

/* Milliseconds to wait for a lock before CDB_ERR_BUSY (default 10000). */
void cdb_set_busy_timeout(cdb *db, int milliseconds);

/*
 * A read transaction: every read between cdb_read_begin() and cdb_read_end()
 * sees one snapshot of the database (taken at the first read), so a caller
 * that reads several tables (a site's configuration) gets a consistent view.
 * No write may run on the handle meanwhile.
 */
int cdb_read_begin(cdb *db);
void cdb_read_end(cdb *db);
/* Whether a transaction (read or write) is open on the handle: a caller
 * re-entered on the same thread joins it instead of starting its own. */
int cdb_in_transaction(const cdb *db);

void cdb_free(void *ptr);

#ifdef __cplusplus
}
#endif
#endif
