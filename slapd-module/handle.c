/*
 * One libclusterdb handle per slapd worker thread and database (a handle is
 * single-threaded: it owns an SQLite connection and its prepared
 * statements).  Kept in the thread pool's per-thread keys, keyed by the
 * database's cdbm_info, and closed by the pool when the thread ends or by
 * cdbm_handle_purge() (after back-wt's ctx.c).
 *
 * A restored backup moved over the configured path (another device/inode)
 * is noticed before an operation is served: the pool is paused, the old
 * file's -wal is checkpointed into it and truncated, every thread's handle
 * on the old file closed, and the handles reopen on the new file.  Old and
 * new connections never run at once, so no operation sees a mix of the two
 * files.  The truncation is what makes the swap safe: the -wal sits at the
 * same path name for both files, SQLite pairs it by name, and a connection
 * on a file that has moved neither checkpoints nor removes it at close, so
 * frames left in it (slapd's own writes) would be read as the new file's.
 *
 * The module never migrates: slapd only reads the schema the CLI and the
 * daemon maintain, so a database that needs migration is an error to log.
 */
#include "portable.h"

#include <stdio.h>
#include <sys/stat.h>

#include "back-clusterdb.h"

typedef struct cdbm_thread_handle {
    cdb *db;
    unsigned long generation;
} cdbm_thread_handle;

static void cdbm_thread_handle_free(void *key, void *data)
{
    cdbm_info *info = key;
    cdbm_thread_handle *h = data;

    if (h == NULL)
        return;
    if (h->db != NULL && info->swap_checkpoint_pending) {
        /* One attempt, by the first handle dropped: it waits up to the busy
         * timeout for another process's transaction on the old file. */
        info->swap_checkpoint_pending = 0;
        if (cdb_checkpoint_truncate(h->db) != CDB_OK)
            Debug(LDAP_DEBUG_ANY,
                  "back-clusterdb: cannot empty the replaced file's write-ahead log (%s): "
                  "another process still writes the replaced file; stop it and restore again "
                  "(docs/backup.md)\n",
                  cdb_errmsg(h->db));
    }
    cdb_close(h->db);
    ch_free(h);
}

static int cdbm_open(const char *path, cdb **out, char *msg, size_t msg_size)
{
    cdb *db = NULL;
    int rc = cdb_open(path, 0, &db);

    if (rc != CDB_OK) {
        if (rc == CDB_ERR_VERSION)
            snprintf(msg, msg_size,
                     "schema version mismatch (%s); run \"clusterdb migrate\" with a "
                     "matching clusterdb, slapd never migrates",
                     db ? cdb_errmsg(db) : cdb_strerror(rc));
        else if (db != NULL)
            snprintf(msg, msg_size, "cannot open the database: %s", cdb_errmsg(db));
        else
            snprintf(msg, msg_size, "cannot open %s: %s", path, cdb_strerror(rc));
        cdb_close(db);
        return rc;
    }
    *out = db;
    return CDB_OK;
}

int cdbm_handle_try_open(const char *path, char *msg, size_t msg_size)
{
    cdb *db = NULL;
    int rc = cdbm_open(path, &db, msg, msg_size);

    cdb_close(db);
    return rc;
}

/* Open a handle for the database's current file; NULL when it fails. */
static cdb *cdbm_open_current(cdbm_info *info, unsigned long *generation)
{
    char msg[512];
    char *path = NULL;
    cdb *db = NULL;

    ldap_pvt_thread_mutex_lock(&info->mutex);
    if (info->database != NULL)
        path = ch_strdup(info->database);
    *generation = info->generation;
    ldap_pvt_thread_mutex_unlock(&info->mutex);

    if (path == NULL) {
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: no dbfile or dburi configured\n");
        return NULL;
    }
    if (cdbm_open(path, &db, msg, sizeof(msg)) != CDB_OK) {
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: %s\n", msg);
        db = NULL;
    }
    ch_free(path);
    return db;
}

void cdbm_handle_note_file(cdbm_info *info)
{
    struct stat st;

    ldap_pvt_thread_mutex_lock(&info->mutex);
    info->file_known = info->database != NULL && stat(info->database, &st) == 0;
    if (info->file_known) {
        info->file_dev = st.st_dev;
        info->file_ino = st.st_ino;
    }
    ldap_pvt_thread_mutex_unlock(&info->mutex);
}

/* Whether the path now names another file than the handles were opened on;
 * a path that cannot be stat()ed right now is no swap (rename is atomic). */
static int cdbm_file_swapped(cdbm_info *info)
{
    struct stat st;
    int swapped = 0;

    ldap_pvt_thread_mutex_lock(&info->mutex);
    if (info->file_known && info->database != NULL && stat(info->database, &st) == 0)
        swapped = st.st_dev != info->file_dev || st.st_ino != info->file_ino;
    ldap_pvt_thread_mutex_unlock(&info->mutex);
    return swapped;
}

static void cdbm_follow_swap(cdbm_info *info)
{
    if (!cdbm_file_swapped(info))
        return;
    /* With the pool paused no other operation holds a handle; a second
     * thread that saw the swap too finds it handled when its turn comes. */
    ldap_pvt_thread_pool_pause(&connection_pool);
    if (cdbm_file_swapped(info)) {
        info->swap_checkpoint_pending = 1;
        cdbm_handle_purge(info);
        info->swap_checkpoint_pending = 0;
        ldap_pvt_thread_mutex_lock(&info->mutex);
        info->generation++;
        ldap_pvt_thread_mutex_unlock(&info->mutex);
        cdbm_handle_note_file(info);
        Debug(LDAP_DEBUG_ANY, "back-clusterdb: %s was replaced by another file: serving the new one\n",
              info->database);
    }
    ldap_pvt_thread_pool_resume(&connection_pool);
}

cdb *cdbm_handle_get(Operation *op, cdbm_info *info, int *temporary)
{
    cdbm_thread_handle *h = NULL;
    void *data = NULL;
    unsigned long current;

    *temporary = 0;
    if (op->o_threadctx == NULL) {
        /* Not on a pool thread (tools, start-up): a handle for this call. */
        *temporary = 1;
        return cdbm_open_current(info, &current);
    }

    cdbm_follow_swap(info);
    if (ldap_pvt_thread_pool_getkey(op->o_threadctx, info, &data, NULL) == 0)
        h = data;

    ldap_pvt_thread_mutex_lock(&info->mutex);
    current = info->generation;
    ldap_pvt_thread_mutex_unlock(&info->mutex);

    if (h != NULL && h->db != NULL && h->generation == current)
        return h->db;

    if (h == NULL) {
        h = ch_calloc(1, sizeof(*h));
        if (ldap_pvt_thread_pool_setkey(op->o_threadctx, info, h, cdbm_thread_handle_free, NULL,
                                        NULL) != 0) {
            Debug(LDAP_DEBUG_ANY, "back-clusterdb: cannot keep a per-thread handle\n");
            ch_free(h);
            *temporary = 1;
            return cdbm_open_current(info, &current);
        }
    } else if (h->db != NULL) {
        /* Opened for an earlier dbfile. */
        cdb_close(h->db);
        h->db = NULL;
    }
    h->db = cdbm_open_current(info, &h->generation);
    return h->db;
}

void cdbm_handle_put(cdb *db, int temporary)
{
    if (temporary)
        cdb_close(db);
}

void cdbm_handle_purge(cdbm_info *info)
{
    ldap_pvt_thread_pool_purgekey(info);
}
