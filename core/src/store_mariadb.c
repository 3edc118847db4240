/*
 * store_mariadb.c: the MariaDB (and MySQL) engine behind the store, on
 * libmariadb.
 *
 * A connection is one MYSQL, used by one thread at a time (as every handle).
 * Statements are server-side prepared statements (mysql_stmt_*).  MariaDB
 * knows only positional ?: the models' ?1, ?2 ... (repeated, in any order)
 * and bare ? are rewritten to ?, with a map from each position to its
 * parameter number, so one bound value fills every position that names it.
 * Results are stored on the client (mysql_stmt_store_result), so statements
 * can interleave on the connection, and read as text.
 *
 * Names: mysql://[user@]host[:port]/database or mariadb://..., with
 * ?socket=/path for a Unix socket.  Passwords never come from here: with
 * ?option-file=/path (and optionally ?option-group=name, default
 * "clusterdb") libmariadb reads that MariaDB option file's [client] and
 * [clusterdb] groups, which may hold the password; with ?option-group=name
 * alone it reads the default option files for that group.  Without either,
 * no option file is read (the host's /etc/mysql cannot redirect clusterdb).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include "internal.h"
#include "sql_translate.h"
#include "store_engine.h"

/*
 * Every session's sql_mode: identifiers are "quoted" and || concatenates in
 * every statement and migration, as on SQLite and PostgreSQL; an explicit id
 * 0 is 0; a backslash in a string literal is a backslash (the standard's and
 * the other engines' reading, so plain SQL written for them means the same);
 * strict: a value that does not fit is an error, never truncated.
 * In the server's own order, so that @@sql_mode reads back the same text.
 * The one owner of the mode: tests/lib-engines.sh reads it from here.
 */
#define CDB_MARIADB_SQL_MODE                                                                  \
    "PIPES_AS_CONCAT,ANSI_QUOTES,NO_AUTO_VALUE_ON_ZERO,NO_BACKSLASH_ESCAPES,STRICT_ALL_TABLES," \
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"

/* The write lock (GET_LOCK is server-wide: one name per database). */
#define WRITE_LOCK_NAME "LEFT(CONCAT('clusterdb.write:', DATABASE()), 64)"

/* Engine codes beside CDB_SQL_OK/ROW/DONE: the details are on the connection. */
enum {
    MY_FAILED = 1,      /* a server or client error: errno and text in the connection */
    MY_NOMEM = 2,
    MY_RANGE = 4,       /* a bind index the statement does not have */
};

struct my_target {
    char *host, *user, *database, *socket, *option_file, *option_group;
    unsigned port;
};

struct my_conn {
    MYSQL *my;
    struct my_target target;
    unsigned generation;  /* +1 per reconnect: statements prepared before are gone */
    bool read_only;
    bool lost;            /* a failure said the connection is gone */
    bool in_tx;           /* as last seen, kept when the connection is lost */
    bool write_lock;      /* GET_LOCK held for the write transaction */
    int lock_timeout_ms;
    int64_t changes;      /* rows of the last INSERT/UPDATE/DELETE */
    int64_t last_insert_id;
    /* The last failure. */
    unsigned err_no;
    char sqlstate[6];
    char message[384];
    char err_table[128];  /* the failing statement's table, for naming keys */
    char **names;         /* the schema's table and column names, quoted in statements */
    size_t n_names;
};

struct my_value {
    enum { V_NULL, V_INT, V_TEXT } kind;
    long long integer;
    char *text;
    unsigned long length;
};

struct my_stmt {
    struct my_conn *conn;
    MYSQL_STMT *st;
    char *text;           /* with bare ? placeholders, to prepare again after a reconnect */
    unsigned generation;  /* of the connection it was prepared on */
    bool counts_changes;  /* INSERT, UPDATE, DELETE, REPLACE */
    bool inserts;
    char table[128];      /* the table written, for naming keys */
    int n_params;         /* the highest parameter number */
    int n_positions;
    int *param_of;        /* n_positions parameter numbers, from 1 */
    struct my_value *values;
    MYSQL_BIND *params;
    /* Results: every column as text. */
    unsigned n_cols;
    MYSQL_BIND *cols;
    char **bufs;
    unsigned long *caps, *lengths;
    my_bool *nulls, *errors;
    bool executed, has_row;
};

/* ---------------------------------------------------- placeholders */

/*
 * "... ?1 ... ? ... ?1" -> "... ? ... ? ... ?" with param_of = {1, 2, 1},
 * skipping quoted strings, quoted identifiers and comments.  A bare ? takes
 * the number after the highest one so far, as SQLite numbers it.  NULL on
 * ENOMEM.
 */
static char *rewrite_placeholders(const char *sql, int **param_of, int *n_positions, int *n_params)
{
    size_t len = strlen(sql);
    char *out = malloc(len + 1);
    int *map = malloc(sizeof *map * (len + 1));
    size_t o = 0;
    int highest = 0, n = 0;

    if (out == NULL || map == NULL) {
        free(out);
        free(map);
        return NULL;
    }
    for (size_t i = 0; i < len;) {
        char c = sql[i];
        size_t j = i;

        if (c == '\'' || c == '"' || c == '`') {
            /* Doubled quotes escape; in strings a backslash escapes too. */
            j = i + 1;
            while (j < len) {
                if (c == '\'' && sql[j] == '\\' && j + 1 < len)
                    j += 2;
                else if (sql[j] == c && j + 1 < len && sql[j + 1] == c)
                    j += 2;
                else if (sql[j] == c)
                    break;
                else
                    j++;
            }
            j = j < len ? j + 1 : len;
        } else if ((c == '-' && i + 2 < len && sql[i + 1] == '-' && isspace((unsigned char)sql[i + 2])) ||
                   c == '#') {
            while (j < len && sql[j] != '\n')
                j++;
        } else if (c == '/' && i + 1 < len && sql[i + 1] == '*') {
            const char *end = strstr(sql + i + 2, "*/");
            j = end ? (size_t)(end - sql) + 2 : len;
        } else if (c == '?') {
            int number = 0;
            j = i + 1;
            while (j < len && isdigit((unsigned char)sql[j]) && number < 100000)
                number = number * 10 + (sql[j++] - '0');
            if (j == i + 1)
                number = highest + 1;
            if (number > highest)
                highest = number;
            map[n++] = number;
            out[o++] = '?';
            i = j;
            continue;
        } else {
            out[o++] = c;
            i++;
            continue;
        }
        memcpy(out + o, sql + i, j - i);
        o += j - i;
        i = j;
    }
    out[o] = '\0';
    *param_of = map;
    *n_positions = n;
    *n_params = highest;
    return out;
}

/* The first word of a statement, and for a write the table it writes
 * ("INSERT INTO \"Users\" ..." -> "Users"), for naming keys. */
static void statement_kind(struct my_stmt *st, const char *sql)
{
    static const char *const skip[] = {"IGNORE", "INTO", "LOW_PRIORITY", "FROM", "QUICK"};
    const char *p = sql;
    char word[16];
    size_t n;

    while (isspace((unsigned char)*p) || *p == '(')
        p++;
    for (n = 0; isalpha((unsigned char)p[n]) && n + 1 < sizeof word; n++)
        word[n] = (char)toupper((unsigned char)p[n]);
    word[n] = '\0';
    p += n;
    st->inserts = strcmp(word, "INSERT") == 0 || strcmp(word, "REPLACE") == 0;
    st->counts_changes = st->inserts || strcmp(word, "UPDATE") == 0 || strcmp(word, "DELETE") == 0;
    if (!st->counts_changes)
        return;
    for (;;) {
        bool skipped = false;
        while (isspace((unsigned char)*p))
            p++;
        for (size_t k = 0; k < sizeof skip / sizeof skip[0]; k++) {
            size_t kl = strlen(skip[k]);
            if (strncasecmp(p, skip[k], kl) == 0 && !isalnum((unsigned char)p[kl]) && p[kl] != '_') {
                p += kl;
                skipped = true;
            }
        }
        if (!skipped)
            break;
    }
    if (*p == '"' || *p == '`') {
        const char *end = strchr(p + 1, *p);
        n = end ? (size_t)(end - p - 1) : 0;
        p++;
    } else {
        n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$");
    }
    if (n < sizeof st->table)
        snprintf(st->table, sizeof st->table, "%.*s", (int)n, p);
}

/* ---------------------------------------------------- errors */

static bool is_lost(unsigned err)
{
    return err == CR_SERVER_GONE_ERROR || err == CR_SERVER_LOST || err == CR_SERVER_LOST_EXTENDED ||
           err == CR_CONNECTION_ERROR || err == CR_CONN_HOST_ERROR ||
           err == ER_CONNECTION_KILLED || err == ER_SERVER_SHUTDOWN;
}

static void keep_error(struct my_conn *c, unsigned err, const char *state, const char *text,
                       const char *table)
{
    c->err_no = err;
    snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "HY000");
    snprintf(c->message, sizeof c->message, "%s", text ? text : "");
    snprintf(c->err_table, sizeof c->err_table, "%s", table ? table : "");
    if (is_lost(err))
        c->lost = true;
}

static void keep_conn_error(struct my_conn *c, const char *table)
{
    keep_error(c, mysql_errno(c->my), mysql_sqlstate(c->my), mysql_error(c->my), table);
}

static void keep_stmt_error(struct my_stmt *st)
{
    keep_error(st->conn, mysql_stmt_errno(st->st), mysql_stmt_sqlstate(st->st),
               mysql_stmt_error(st->st), st->table);
}

/* The text between the first `open` after `marker` and the next `close`. */
static bool quoted_after(const char *text, const char *marker, char quote, char *out,
                         size_t out_size)
{
    const char *p = strstr(text, marker);
    const char *end;

    if (p == NULL)
        return false;
    p += strlen(marker);
    end = strchr(p, quote);
    if (end == NULL || (size_t)(end - p) >= out_size || end == p)
        return false;
    snprintf(out, out_size, "%.*s", (int)(end - p), p);
    return true;
}

static int my_prepare(cdb *db, void *conn, const char *sql, void **native);
static void my_finalize(void *native);
static int my_step(void *native);
static int my_bind_text(void *native, int index, const char *text);
static const char *my_col_text(void *native, int col);
static int64_t my_col_int64(void *native, int col);

/*
 * The key of a duplicate entry as the SQLite engine names it ("Users.mail",
 * "Containers.nodeId,containerId"): MariaDB names only the key ("Duplicate
 * entry '<values>' for key 'nodeId'"), so its columns come from the catalog,
 * on the table the statement wrote (else the one table with a key of that
 * name).  A key over generated columns (SQLite's expression indexes) is
 * named by the key itself.  The message is never shown: it holds values.
 */
static void unique_key(cdb *db, struct my_conn *c, char *out, size_t out_size)
{
    static const char lookup[] =
        "SELECT s.TABLE_NAME, s.COLUMN_NAME, k.IS_GENERATED <> 'NEVER'"
        " FROM information_schema.STATISTICS s JOIN information_schema.COLUMNS k"
        "  ON k.TABLE_SCHEMA = s.TABLE_SCHEMA AND k.TABLE_NAME = s.TABLE_NAME"
        "  AND k.COLUMN_NAME = s.COLUMN_NAME"
        " WHERE s.TABLE_SCHEMA = DATABASE() AND s.INDEX_NAME = ?1"
        " ORDER BY s.TABLE_NAME = ?2 DESC, s.TABLE_NAME, s.SEQ_IN_INDEX";
    const char *marker = " for key '";
    const char *p = NULL, *q;
    char key[128], table[128], first_table[128] = "";
    void *native = NULL;
    bool generated = false, several = false;
    size_t used = 0;
    int rc;

    out[0] = '\0';
    /* The key is after the last marker: the values before it may hold anything. */
    for (q = strstr(c->message, marker); q != NULL; q = strstr(q + 1, marker))
        p = q;
    if (p == NULL)
        return;
    p += strlen(marker);
    q = strrchr(p, '\'');
    if (q == NULL || q == p || (size_t)(q - p) >= sizeof key)
        return;
    snprintf(key, sizeof key, "%.*s", (int)(q - p), p);
    /* MySQL 8 says 'Table.key'. */
    if ((q = strchr(key, '.')) != NULL) {
        snprintf(table, sizeof table, "%.*s", (int)(q - key), key);
        memmove(key, q + 1, strlen(q + 1) + 1);
    } else {
        snprintf(table, sizeof table, "%s", c->err_table);
    }
    snprintf(out, out_size, "%s", key);
    if (c->lost || my_prepare(db, c, lookup, &native) != CDB_OK)
        return;
    if (my_bind_text(native, 1, key) == CDB_SQL_OK && my_bind_text(native, 2, table) == CDB_SQL_OK) {
        char columns[256] = "";
        while ((rc = my_step(native)) == CDB_SQL_ROW) {
            const char *t = my_col_text(native, 0), *col = my_col_text(native, 1);
            if (t == NULL || col == NULL)
                continue;
            if (first_table[0] == '\0')
                snprintf(first_table, sizeof first_table, "%s", t);
            if (strcmp(t, first_table) != 0) {
                several = true;
                continue;
            }
            generated |= my_col_int64(native, 2) != 0;
            if (used < sizeof columns)
                used += (size_t)snprintf(columns + used, sizeof columns - used, "%s%s",
                                         used ? "," : "", col);
        }
        /* Not the statement's table and not the only one: the key's name is all we know. */
        if (rc == CDB_SQL_DONE && first_table[0] && !generated && used < sizeof columns &&
            (strcmp(first_table, table) == 0 || !several))
            snprintf(out, out_size, "%s.%s", first_table, columns);
    }
    my_finalize(native);
}

/* Error numbers whose texts carry the values of a row or of a parameter. */
static bool text_has_values(unsigned err)
{
    return err == ER_DUP_ENTRY || err == ER_DUP_ENTRY_WITH_KEY_NAME || err == ER_DUP_KEY ||
           err == ER_TRUNCATED_WRONG_VALUE || err == ER_TRUNCATED_WRONG_VALUE_FOR_FIELD ||
           err == WARN_DATA_TRUNCATED || err == ER_WRONG_VALUE_FOR_TYPE ||
           err == ER_ILLEGAL_VALUE_FOR_TYPE || err == ER_WRONG_VALUE || err == ER_DATA_OUT_OF_RANGE ||
           err == ER_INVALID_CHARACTER_STRING || err == ER_CANNOT_CONVERT_CHARACTER;
}

static int my_fail(cdb *db, void *conn, int engine_rc, const char *context)
{
    struct my_conn *c = conn;
    const char *ctx = context ? context : "";
    const char *sep = context ? ": " : "";
    char field[256] = "", name[128], table[128];
    unsigned err;

    if (engine_rc == MY_NOMEM)
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "%s%sout of memory", ctx, sep);
    if (engine_rc == MY_RANGE)
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "%s%sbind index out of range", ctx, sep);
    if (c == NULL)
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "%s%sMariaDB failed", ctx, sep);
    err = c->err_no;
    if (c->lost)
        /* The server went away: unavailable, whatever the statement was. */
        return cdb_fail(db, CDB_ERR_IO, NULL, "%s%s%s", ctx, sep,
                        c->message[0] ? c->message : "the connection to MariaDB was lost");
    switch (err) {
    case ER_DUP_ENTRY:
    case ER_DUP_ENTRY_WITH_KEY_NAME:
    case ER_DUP_KEY:
        unique_key(db, c, field, sizeof field);
        if (field[0])
            return cdb_fail_unique(db, field);
        return cdb_fail(db, CDB_ERR_CONFLICT, NULL, "%s%sthe value is already taken by another row",
                        ctx, sep);
    case ER_ROW_IS_REFERENCED:
    case ER_ROW_IS_REFERENCED_2:
        return cdb_fail(db, CDB_ERR_CONSTRAINT, NULL, "%s%sthe row is still referenced by another",
                        ctx, sep);
    case ER_NO_REFERENCED_ROW:
    case ER_NO_REFERENCED_ROW_2:
        return cdb_fail(db, CDB_ERR_CONSTRAINT, NULL, "%s%sa referenced row does not exist", ctx,
                        sep);
    case ER_BAD_NULL_ERROR:     /* "Column 'x' cannot be null" */
    case ER_NO_DEFAULT_FOR_FIELD: /* "Field 'x' doesn't have a default value" (strict mode) */
        if (quoted_after(c->message, "'", '\'', name, sizeof name)) {
            if (c->err_table[0])
                snprintf(field, sizeof field, "%s.%s", c->err_table, name);
            else
                snprintf(field, sizeof field, "%s", name);
        }
        return cdb_fail(db, CDB_ERR_INVALID, field[0] ? field : NULL, "%s%s%s must not be NULL", ctx,
                        sep, field[0] ? field : "a value");
    case ER_CONSTRAINT_FAILED:
        /* A CHECK: "CONSTRAINT `Users.status` failed for `db`.`Users`"; the
         * schema's triggers SIGNAL the same errno with 'Table.column: why'. */
        if (strncmp(c->message, "CONSTRAINT `", 12) == 0) {
            if (quoted_after(c->message, "CONSTRAINT `", '`', name, sizeof name)) {
                if (strchr(name, '.') != NULL)
                    snprintf(field, sizeof field, "%s", name);
                else if (quoted_after(c->message, "`.`", '`', table, sizeof table))
                    snprintf(field, sizeof field, "%s.%s", table, name);
            }
            return cdb_fail(db, CDB_ERR_INVALID, field[0] ? field : NULL,
                            "%s%sthe value breaks the rule %s", ctx, sep,
                            field[0] ? field : "of a CHECK constraint");
        }
        /* fall through */
    case ER_SIGNAL_EXCEPTION:
        /* The schema's own text: names a field and a rule, never a value. */
        if (cdb_field_from_text(c->message, field, sizeof field))
            return cdb_fail(db, CDB_ERR_INVALID, field, "%s%s%s", ctx, sep, c->message);
        return cdb_fail(db, CDB_ERR_CONSTRAINT, NULL, "%s%s%s", ctx, sep, c->message);
    case ER_LOCK_DEADLOCK:      /* the transaction was rolled back */
    case ER_LOCK_WAIT_TIMEOUT:  /* only the statement was */
    case ER_STATEMENT_TIMEOUT:
    case ER_LOCK_ABORTED:
        return cdb_fail(db, CDB_ERR_BUSY, NULL, "%s%sa lock was not granted in time", ctx, sep);
    case ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION:
    case ER_OPTION_PREVENTS_STATEMENT:  /* a server started read-only */
        return cdb_fail(db, CDB_ERR_READONLY, NULL, "%s%sthe database is read-only here", ctx,
                        sep);
    case ER_OUTOFMEMORY:
    case ER_OUT_OF_RESOURCES:
    case CR_OUT_OF_MEMORY:
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "%s%sout of memory", ctx, sep);
    case ER_RECORD_FILE_FULL:
    case ER_DISK_FULL:
    case ER_CON_COUNT_ERROR:
    case ER_TOO_MANY_USER_CONNECTIONS:
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_BAD_DB_ERROR:
        return cdb_fail(db, CDB_ERR_IO, NULL, "%s%s%s", ctx, sep, c->message);
    default:
        break;
    }
    if (err >= CR_MIN_ERROR && err <= CR_MAX_ERROR)
        return cdb_fail(db, CDB_ERR_IO, NULL, "%s%s%s", ctx, sep, c->message);
    if (text_has_values(err) || c->message[0] == '\0')
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "%s%sMariaDB error %u (SQLSTATE %s)", ctx, sep,
                        err, c->sqlstate);
    /* SQL errors name statements, tables and columns: the statements bind
     * their values, so the texts hold none. */
    return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "%s%s%s", ctx, sep, c->message);
}

/* ---------------------------------------------------- connection state */

static bool settle_connection(struct my_conn *c);

static void note_tx_state(struct my_conn *c)
{
    unsigned status = 0;

    if (!c->lost && mariadb_get_infov(c->my, MARIADB_CONNECTION_SERVER_STATUS, &status) == 0)
        c->in_tx = (status & SERVER_STATUS_IN_TRANS) != 0;
}

/* GET_LOCK belongs to the session, not the transaction: released as soon
 * as the transaction is over, however it ended (COMMIT, ROLLBACK, a
 * deadlock's rollback). */
static void release_write_lock(struct my_conn *c)
{
    if (!c->write_lock)
        return;
    c->write_lock = false;
    if (!c->lost && mysql_real_query(c->my, "DO RELEASE_LOCK(" WRITE_LOCK_NAME ")",
                                     strlen("DO RELEASE_LOCK(" WRITE_LOCK_NAME ")")) != 0)
        keep_conn_error(c, NULL);
}

static void after_statement(struct my_conn *c)
{
    note_tx_state(c);
    if (c->write_lock && !c->in_tx)
        release_write_lock(c);
}

/* ---------------------------------------------------- statements */

static void free_results(struct my_stmt *st)
{
    for (unsigned i = 0; i < st->n_cols; i++)
        free(st->bufs[i]);
    free(st->cols);
    free(st->bufs);
    free(st->caps);
    free(st->lengths);
    free(st->nulls);
    free(st->errors);
    st->cols = NULL;
    st->bufs = NULL;
    st->caps = st->lengths = NULL;
    st->nulls = st->errors = NULL;
    st->n_cols = 0;
}

/* Prepare st->text on the current connection. */
static int server_prepare(struct my_stmt *st)
{
    struct my_conn *c = st->conn;

    if (st->st != NULL)
        mysql_stmt_close(st->st);
    st->st = mysql_stmt_init(c->my);
    if (st->st == NULL) {
        keep_error(c, CR_OUT_OF_MEMORY, "HY001", "out of memory", NULL);
        return MY_NOMEM;
    }
    if (mysql_stmt_prepare(st->st, st->text, strlen(st->text)) != 0) {
        keep_stmt_error(st);
        return MY_FAILED;
    }
    if ((int)mysql_stmt_param_count(st->st) != st->n_positions) {
        keep_error(c, ER_UNKNOWN_ERROR, "HY000", "the statement's placeholders were not understood",
                   NULL);
        return MY_FAILED;
    }
    free_results(st);
    st->generation = c->generation;
    return CDB_SQL_OK;
}

static void free_names(struct my_conn *c)
{
    for (size_t i = 0; i < c->n_names; i++)
        free(c->names[i]);
    free(c->names);
    c->names = NULL;
    c->n_names = 0;
}

/* Every table and column name of the database: some (key, Groups) are
 * MariaDB's reserved words, so statements quote them all (sql_translate.c). */
static bool load_names(struct my_conn *c)
{
    static const char sql[] =
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
        " UNION SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()";
    MYSQL_RES *res;
    MYSQL_ROW row;

    if (mysql_real_query(c->my, sql, sizeof sql - 1) != 0 || (res = mysql_store_result(c->my)) == NULL) {
        keep_conn_error(c, NULL);
        return false;
    }
    free_names(c);
    if (mysql_num_rows(res) > 0 &&
        (c->names = calloc((size_t)mysql_num_rows(res), sizeof *c->names)) == NULL) {
        mysql_free_result(res);
        return false;
    }
    while ((row = mysql_fetch_row(res)) != NULL) {
        if (row[0] == NULL)
            continue;
        if ((c->names[c->n_names] = strdup(row[0])) == NULL) {
            mysql_free_result(res);
            return false;
        }
        c->n_names++;
    }
    mysql_free_result(res);
    return true;
}

static int my_prepare(cdb *db, void *conn, const char *sql, void **native)
{
    struct my_conn *c = conn;
    struct my_stmt *st = calloc(1, sizeof *st);
    sql_translation translated = {0};
    int rc;

    if (st == NULL ||
        sql_translate(SQL_DIALECT_MARIADB, sql, (const char *const *)c->names, c->n_names,
                      &translated) != 0 ||
        (st->text = rewrite_placeholders(translated.text, &st->param_of, &st->n_positions,
                                         &st->n_params)) == NULL ||
        (st->n_params > 0 && (st->values = calloc((size_t)st->n_params, sizeof *st->values)) == NULL) ||
        (st->n_positions > 0 && (st->params = calloc((size_t)st->n_positions, sizeof *st->params)) == NULL)) {
        if (st != NULL) {
            free(st->text);
            free(st->param_of);
            free(st->values);
        }
        free(st);
        sql_translation_free(&translated);
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory preparing a statement");
    }
    sql_translation_free(&translated);
    st->conn = c;
    statement_kind(st, sql);
    if (!settle_connection(c) || (rc = server_prepare(st)) != CDB_SQL_OK) {
        rc = my_fail(db, c, MY_FAILED, "preparing a statement");
        my_finalize(st);
        return rc;
    }
    *native = st;
    return CDB_OK;
}

static void clear_values(struct my_stmt *st)
{
    for (int i = 0; i < st->n_params; i++) {
        free(st->values[i].text);
        st->values[i] = (struct my_value){.kind = V_NULL};
    }
}

static void my_reset(void *native)
{
    struct my_stmt *st = native;

    if (st->executed && st->st != NULL && st->generation == st->conn->generation)
        mysql_stmt_free_result(st->st);
    st->executed = false;
    st->has_row = false;
    clear_values(st);
}

static void my_finalize(void *native)
{
    struct my_stmt *st = native;

    if (st == NULL)
        return;
    clear_values(st);
    /* A statement of a closed connection only frees its memory. */
    if (st->st != NULL)
        mysql_stmt_close(st->st);
    free_results(st);
    free(st->params);
    free(st->values);
    free(st->param_of);
    free(st->text);
    free(st);
}

static int bind_params(struct my_stmt *st)
{
    for (int i = 0; i < st->n_positions; i++) {
        struct my_value *v = &st->values[st->param_of[i] - 1];
        MYSQL_BIND *b = &st->params[i];

        memset(b, 0, sizeof *b);
        switch (v->kind) {
        case V_NULL:
            b->buffer_type = MYSQL_TYPE_NULL;
            break;
        case V_INT:
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &v->integer;
            break;
        case V_TEXT:
            b->buffer_type = MYSQL_TYPE_STRING;
            b->buffer = v->text;
            b->buffer_length = v->length;
            b->length = &v->length;
            break;
        }
    }
    if (st->n_positions > 0 && mysql_stmt_bind_param(st->st, st->params) != 0) {
        keep_stmt_error(st);
        return MY_FAILED;
    }
    return CDB_SQL_OK;
}

/* Every column read as text into buffers that grow on truncation. */
static int bind_results(struct my_stmt *st, unsigned n)
{
    if (n != st->n_cols) {
        free_results(st);
        if ((st->cols = calloc(n, sizeof *st->cols)) == NULL ||
            (st->bufs = calloc(n, sizeof *st->bufs)) == NULL ||
            (st->caps = calloc(n, sizeof *st->caps)) == NULL ||
            (st->lengths = calloc(n, sizeof *st->lengths)) == NULL ||
            (st->nulls = calloc(n, sizeof *st->nulls)) == NULL ||
            (st->errors = calloc(n, sizeof *st->errors)) == NULL) {
            free_results(st);
            return MY_NOMEM;
        }
        st->n_cols = n;
        for (unsigned i = 0; i < n; i++) {
            st->caps[i] = 64;
            if ((st->bufs[i] = malloc(st->caps[i])) == NULL) {
                free_results(st);
                return MY_NOMEM;
            }
        }
    }
    for (unsigned i = 0; i < n; i++) {
        MYSQL_BIND *b = &st->cols[i];
        memset(b, 0, sizeof *b);
        b->buffer_type = MYSQL_TYPE_STRING;
        b->buffer = st->bufs[i];
        b->buffer_length = st->caps[i] - 1;  /* room for the terminating NUL */
        b->length = &st->lengths[i];
        b->is_null = &st->nulls[i];
        b->error = &st->errors[i];
    }
    if (mysql_stmt_bind_result(st->st, st->cols) != 0) {
        keep_stmt_error(st);
        return MY_FAILED;
    }
    return CDB_SQL_OK;
}

/*
 * Whether a statement that just failed may be sent once more on a new
 * connection: the connection was found dead outside a transaction (the
 * server restarted since its last use) and the statement cannot have done
 * anything.  A read never has; a write only when the request never left
 * (CR_SERVER_GONE_ERROR): "lost during the query" leaves open whether it
 * ran.  True once reconnected.
 */
static bool resend_after_loss(struct my_stmt *st, bool was_in_tx)
{
    struct my_conn *c = st->conn;

    return c->lost && !was_in_tx && (!st->counts_changes || c->err_no == CR_SERVER_GONE_ERROR) &&
           settle_connection(c);
}

static int execute(struct my_stmt *st)
{
    struct my_conn *c = st->conn;
    bool was_in_tx = c->in_tx;
    unsigned n;
    int rc;

    if (!settle_connection(c))
        return MY_FAILED;
    for (int attempt = 0;; attempt++) {
        if (st->generation != c->generation && (rc = server_prepare(st)) != CDB_SQL_OK)
            return rc;
        if ((rc = bind_params(st)) != CDB_SQL_OK)
            return rc;
        if (mysql_stmt_execute(st->st) == 0)
            break;
        keep_stmt_error(st);
        if (attempt == 0 && resend_after_loss(st, was_in_tx))
            continue;
        after_statement(c);
        return MY_FAILED;
    }
    st->executed = true;
    n = mysql_stmt_field_count(st->st);
    if (n > 0) {
        if ((rc = bind_results(st, n)) != CDB_SQL_OK)
            return rc;
        /* Stored: other statements may run while this one's rows are read. */
        if (mysql_stmt_store_result(st->st) != 0) {
            keep_stmt_error(st);
            return MY_FAILED;
        }
    } else if (st->counts_changes) {
        c->changes = (int64_t)mysql_stmt_affected_rows(st->st);
        if (st->inserts && mysql_stmt_insert_id(st->st) != 0)
            c->last_insert_id = (int64_t)mysql_stmt_insert_id(st->st);
    }
    after_statement(c);
    return CDB_SQL_OK;
}

static int fetch(struct my_stmt *st)
{
    int rc = mysql_stmt_fetch(st->st);

    if (rc == MYSQL_NO_DATA) {
        st->has_row = false;
        return CDB_SQL_DONE;
    }
    if (rc == 1) {
        keep_stmt_error(st);
        return MY_FAILED;
    }
    if (rc == MYSQL_DATA_TRUNCATED) {
        bool grown = false;
        for (unsigned i = 0; i < st->n_cols; i++) {
            char *bigger;
            if (!st->errors[i] || st->nulls[i] || st->lengths[i] <= st->caps[i] - 1)
                continue;
            if ((bigger = realloc(st->bufs[i], st->lengths[i] + 1)) == NULL)
                return MY_NOMEM;
            st->bufs[i] = bigger;
            st->caps[i] = st->lengths[i] + 1;
            st->cols[i].buffer = bigger;
            st->cols[i].buffer_length = st->caps[i] - 1;
            if (mysql_stmt_fetch_column(st->st, &st->cols[i], i, 0) != 0) {
                keep_stmt_error(st);
                return MY_FAILED;
            }
            grown = true;
        }
        /* The next rows go into the grown buffers. */
        if (grown && mysql_stmt_bind_result(st->st, st->cols) != 0) {
            keep_stmt_error(st);
            return MY_FAILED;
        }
    }
    for (unsigned i = 0; i < st->n_cols; i++) {
        unsigned long len = st->lengths[i] < st->caps[i] - 1 ? st->lengths[i] : st->caps[i] - 1;
        st->bufs[i][st->nulls[i] ? 0 : len] = '\0';
        st->lengths[i] = st->nulls[i] ? 0 : len;
    }
    st->has_row = true;
    return CDB_SQL_ROW;
}

static int my_step(void *native)
{
    struct my_stmt *st = native;

    if (!st->executed) {
        int rc = execute(st);
        if (rc != CDB_SQL_OK)
            return rc;
    }
    if (st->n_cols == 0 || mysql_stmt_field_count(st->st) == 0)
        return CDB_SQL_DONE;
    return fetch(st);
}

static int set_value(struct my_stmt *st, int index, struct my_value v)
{
    if (index < 1 || index > st->n_params) {
        free(v.text);
        return MY_RANGE;
    }
    free(st->values[index - 1].text);
    st->values[index - 1] = v;
    return CDB_SQL_OK;
}

static int my_bind_int64(void *native, int index, int64_t value)
{
    return set_value(native, index, (struct my_value){.kind = V_INT, .integer = value});
}

static int my_bind_text(void *native, int index, const char *text)
{
    struct my_value v = {.kind = V_NULL};

    if (text != NULL) {
        v.kind = V_TEXT;
        v.length = strlen(text);
        if ((v.text = strdup(text)) == NULL)
            return MY_NOMEM;
    }
    return set_value(native, index, v);
}

static int my_bind_null(void *native, int index)
{
    return set_value(native, index, (struct my_value){.kind = V_NULL});
}

static bool has_value(struct my_stmt *st, int col)
{
    return st->has_row && col >= 0 && (unsigned)col < st->n_cols && !st->nulls[col];
}

static int64_t my_col_int64(void *native, int col)
{
    struct my_stmt *st = native;

    return has_value(st, col) ? strtoll(st->bufs[col], NULL, 10) : 0;
}

static const char *my_col_text(void *native, int col)
{
    struct my_stmt *st = native;

    return has_value(st, col) ? st->bufs[col] : NULL;
}

static size_t my_col_bytes(void *native, int col)
{
    struct my_stmt *st = native;

    return has_value(st, col) ? st->lengths[col] : 0;
}

static int my_col_is_null(void *native, int col)
{
    return !has_value(native, col);
}

static int my_col_count(void *native)
{
    struct my_stmt *st = native;

    return st->st != NULL ? (int)mysql_stmt_field_count(st->st) : 0;
}

/* ---------------------------------------------------- connection */

static int64_t my_changes(void *conn)
{
    return ((struct my_conn *)conn)->changes;
}

static int64_t my_last_insert_id(void *conn)
{
    return ((struct my_conn *)conn)->last_insert_id;
}

static bool my_in_transaction(void *conn)
{
    return ((struct my_conn *)conn)->in_tx;
}

static void my_rollback(void *conn)
{
    struct my_conn *c = conn;

    if (!c->lost && mysql_real_query(c->my, "ROLLBACK", 8) != 0)
        keep_conn_error(c, NULL);
    /* A lost connection took its transaction and its lock with it. */
    c->in_tx = false;
    release_write_lock(c);
}

/* A statement of our own, no rows wanted (or the first column of one row
 * into *value).  Outside the statement cache: it works with memory short. */
static int run_simple(struct my_conn *c, const char *sql, char *value, size_t value_size)
{
    MYSQL_RES *res;
    MYSQL_ROW row;

    if (mysql_real_query(c->my, sql, strlen(sql)) != 0) {
        keep_conn_error(c, NULL);
        after_statement(c);
        return MY_FAILED;
    }
    res = mysql_store_result(c->my);
    if (value != NULL) {
        value[0] = '\0';
        if (res != NULL && (row = mysql_fetch_row(res)) != NULL && row[0] != NULL)
            snprintf(value, value_size, "%s", row[0]);
    }
    mysql_free_result(res);
    after_statement(c);
    return CDB_SQL_OK;
}

/*
 * Writes: the write lock SQLite's BEGIN IMMEDIATE takes, as one named lock
 * (GET_LOCK) every clusterdb writer of the database takes before its
 * transaction starts, so that max()+1 allocations and read-then-write
 * checks cannot interleave; the busy timeout bounds the wait.  Reads: one
 * snapshot for every statement, taken at the start.
 */
/* The first statement of a transaction; when it finds the connection dead
 * (the server restarted since this connection's last operation), nothing
 * has been done yet: reconnect and run it once more, rather than fail one
 * operation per idle connection. */
static int run_first(struct my_conn *c, const char *sql, char *value, size_t value_size)
{
    int rc = run_simple(c, sql, value, value_size);

    if (rc != CDB_SQL_OK && c->lost && !c->in_tx && settle_connection(c))
        rc = run_simple(c, sql, value, value_size);
    return rc;
}

static int my_begin(cdb *db, void *conn, bool write)
{
    struct my_conn *c = conn;
    char sql[160], granted[8];

    if (!settle_connection(c))
        return my_fail(db, c, MY_FAILED, "starting a transaction");
    if (!write) {
        if (run_first(c, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", NULL, 0) != 0)
            return my_fail(db, c, MY_FAILED, "starting a read transaction");
        c->in_tx = true;
        return CDB_OK;
    }
    snprintf(sql, sizeof sql, "SELECT GET_LOCK(" WRITE_LOCK_NAME ", %d.%03d)",
             c->lock_timeout_ms / 1000, c->lock_timeout_ms % 1000);
    if (run_first(c, sql, granted, sizeof granted) != CDB_SQL_OK)
        return my_fail(db, c, MY_FAILED, "starting a write transaction");
    if (strcmp(granted, "1") != 0)
        return cdb_fail(db, CDB_ERR_BUSY, NULL,
                        "starting a write transaction: another writer holds the write lock");
    c->write_lock = true;
    /* Plain START TRANSACTION: a read-only session stays read-only. */
    if (run_simple(c, "START TRANSACTION", NULL, 0) != CDB_SQL_OK) {
        int rc = my_fail(db, c, MY_FAILED, "starting a write transaction");
        my_rollback(c);
        return rc;
    }
    c->in_tx = true;
    return CDB_OK;
}

/* The session settings every connection gets, again after a reconnect. */
static bool configure_session(struct my_conn *c)
{
    int seconds = (c->lock_timeout_ms + 999) / 1000;
    char sql[512];

    /* Timestamps are written by the library as UTC text; a read-only handle
     * is read-only on the server too; lock waits end as SQLite's busy
     * timeout does (whole seconds here: the server's granularity). */
    snprintf(sql, sizeof sql,
             "SET SESSION sql_mode = '" CDB_MARIADB_SQL_MODE "', time_zone = '+00:00',"
             " innodb_lock_wait_timeout = %d, lock_wait_timeout = %d%s",
             seconds, seconds > 0 ? seconds : 1, c->read_only ? ", tx_read_only = 1" : "");
    return run_simple(c, sql, NULL, 0) == CDB_SQL_OK;
}

static void my_set_busy_timeout(void *conn, int milliseconds)
{
    struct my_conn *c = conn;
    int seconds = (milliseconds + 999) / 1000;
    char sql[128];

    c->lock_timeout_ms = milliseconds;
    if (c->lost)
        return;  /* the reconnect sets it */
    snprintf(sql, sizeof sql, "SET SESSION innodb_lock_wait_timeout = %d, lock_wait_timeout = %d",
             seconds, seconds > 0 ? seconds : 1);
    run_simple(c, sql, NULL, 0);
}

/* mysql_init() would initialise the library on first use, which is not
 * safe when two of slapd's threads open their first handles at once. */
static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static int library_rc;

static bool library_started;

static void library_init(void)
{
    library_rc = mysql_library_init(0, NULL, NULL);
    library_started = library_rc == 0;
}

/* The library's one-time state, given back when libclusterdb is unloaded
 * (the process's exit, after every handle was closed): held otherwise only
 * through libmariadb's thread-local state, where a leak checker cannot see
 * it. */
__attribute__((destructor)) static void library_end(void)
{
    if (library_started)
        mysql_library_end();
}

static bool connect_server(struct my_conn *c)
{
    const struct my_target *t = &c->target;
    /* Server-side prepared statements keep their own protocol; a reconnect
     * libmariadb would do by itself would lose the session and its
     * transaction silently: the store reconnects, and says so. */
    my_bool no = 0;

    if (c->my != NULL)
        mysql_close(c->my);
    c->lost = false;
    c->in_tx = false;
    c->write_lock = false;
    pthread_once(&library_once, library_init);
    if (library_rc != 0 || (c->my = mysql_init(NULL)) == NULL) {
        keep_error(c, CR_OUT_OF_MEMORY, "HY001", "out of memory", NULL);
        return false;
    }
    mysql_optionsv(c->my, MYSQL_OPT_RECONNECT, &no);
    mysql_optionsv(c->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (t->option_file != NULL)
        mysql_optionsv(c->my, MYSQL_READ_DEFAULT_FILE, t->option_file);
    if (t->option_file != NULL || t->option_group != NULL)
        mysql_optionsv(c->my, MYSQL_READ_DEFAULT_GROUP,
                       t->option_group ? t->option_group : "clusterdb");
    if (mysql_real_connect(c->my, t->host, t->user, NULL, t->database, t->port, t->socket,
                           CLIENT_FOUND_ROWS) == NULL) {
        keep_conn_error(c, NULL);
        c->lost = true;
        return false;
    }
    c->generation++;
    if (!configure_session(c) || !load_names(c))
        return false;
    return true;
}

/*
 * A connection lost (server restarted, network cut) fails the operation
 * that noticed it; the next one reconnects here, outside any transaction
 * (a transaction does not survive its connection), and prepares its
 * statements again on first use.
 */
static bool settle_connection(struct my_conn *c)
{
    if (!c->lost)
        return true;
    if (c->in_tx) {
        /* What the transaction wrote is gone: it must fail, not go on. */
        snprintf(c->message, sizeof c->message, "the connection was lost inside a transaction");
        return false;
    }
    c->changes = 0;
    if (!connect_server(c)) {
        char why[sizeof c->message];
        memcpy(why, c->message, sizeof why);
        snprintf(c->message, sizeof c->message, "cannot reconnect: %.360s", why);
        return false;
    }
    return true;
}

static void free_target(struct my_target *t)
{
    free(t->host);
    free(t->user);
    free(t->database);
    free(t->socket);
    free(t->option_file);
    free(t->option_group);
}

static void my_close(void *conn)
{
    struct my_conn *c = conn;

    if (c == NULL)
        return;
    if (c->my != NULL)
        mysql_close(c->my);
    free_target(&c->target);
    free_names(c);
    free(c);
}

static char *dup_span(const char *p, size_t n)
{
    char *s = malloc(n + 1);

    if (s != NULL) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/*
 * mysql://[user@]host[:port]/database[?socket=/path&option-file=/path&option-group=name]
 * (mariadb:// the same).  No percent-decoding: none of these needs it.
 * A failure names the part, never echoes the name (store.c says it once).
 */
static int parse_target(cdb *db, const char *uri, struct my_target *t)
{
    const char *p = strstr(uri, "://");
    const char *auth, *slash, *query, *at, *colon;
    size_t n;

    if (p == NULL)
        return cdb_fail(db, CDB_ERR_INVALID, "database", "not a mysql:// or mariadb:// name");
    auth = p + 3;
    slash = strchr(auth, '/');
    query = strchr(auth, '?');
    if (slash == NULL || (query != NULL && query < slash))
        return cdb_fail(db, CDB_ERR_INVALID, "database",
                        "a MariaDB name takes a database: mysql://user@host/database");
    at = memchr(auth, '@', (size_t)(slash - auth));
    if (at != NULL) {
        if ((t->user = dup_span(auth, (size_t)(at - auth))) == NULL)
            return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
        auth = at + 1;
    }
    colon = memchr(auth, ':', (size_t)(slash - auth));
    n = (size_t)((colon ? colon : slash) - auth);
    if (n > 0 && (t->host = dup_span(auth, n)) == NULL)
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    if (colon != NULL) {
        char *end;
        unsigned long port = strtoul(colon + 1, &end, 10);
        if (end != slash || port == 0 || port > 65535)
            return cdb_fail(db, CDB_ERR_INVALID, "database", "the port must be 1 to 65535");
        t->port = (unsigned)port;
    }
    n = query ? (size_t)(query - slash - 1) : strlen(slash + 1);
    if (n == 0)
        return cdb_fail(db, CDB_ERR_INVALID, "database",
                        "a MariaDB name takes a database: mysql://user@host/database");
    if ((t->database = dup_span(slash + 1, n)) == NULL)
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
    for (p = query; p != NULL && p[1] != '\0'; p = strchr(p + 1, '&')) {
        static const char *const keys[] = {"socket=", "option-file=", "option-group="};
        char **slots[] = {&t->socket, &t->option_file, &t->option_group};
        const char *item = p + 1, *end = strchr(item, '&');
        size_t k;

        n = end ? (size_t)(end - item) : strlen(item);
        for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            size_t kl = strlen(keys[k]);
            if (n > kl && strncmp(item, keys[k], kl) == 0) {
                free(*slots[k]);
                if ((*slots[k] = dup_span(item + kl, n - kl)) == NULL)
                    return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory");
                break;
            }
        }
        if (k == sizeof keys / sizeof keys[0])
            return cdb_fail(db, CDB_ERR_INVALID, "database",
                            "a MariaDB name takes only socket=, option-file= and option-group= "
                            "parameters");
    }
    return CDB_OK;
}

static int my_open(cdb *db, const char *uri, unsigned flags, void **conn_out)
{
    struct my_conn *c = calloc(1, sizeof *c);
    int rc;

    if (c == NULL)
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory opening the database");
    *conn_out = c;
    c->read_only = (flags & CDB_OPEN_READONLY) != 0;
    c->lock_timeout_ms = 10000;
    rc = parse_target(db, uri, &c->target);
    if (rc != CDB_OK)
        return rc;
    /* libmariadb passes over an option file it cannot read: say so instead
     * of connecting without the password it holds. */
    if (c->target.option_file != NULL) {
        FILE *f = fopen(c->target.option_file, "r");
        if (f == NULL)
            return cdb_fail(db, CDB_ERR_IO, "database", "cannot read the option file %s: %s",
                            c->target.option_file, strerror(errno));
        fclose(f);
    }
    if (!connect_server(c)) {
        if (c->lost)
            return cdb_fail(db, CDB_ERR_IO, NULL, "cannot connect: %s", c->message);
        return my_fail(db, c, MY_FAILED, "configuring the connection");
    }
    return CDB_OK;
}

/*
 * A schema step: the file as one multi-statement query (its triggers are
 * BEGIN ... END blocks without DELIMITER lines), every result drained.
 * MariaDB commits DDL implicitly: a step that fails half-way stays half
 * applied and unrecorded (docs/store.md, "Engines").
 */
static int my_exec_script(cdb *db, void *conn, const char *sql)
{
    struct my_conn *c = conn;
    int status;

    if (!settle_connection(c))
        return my_fail(db, c, MY_FAILED, NULL);
    if (mysql_set_server_option(c->my, MYSQL_OPTION_MULTI_STATEMENTS_ON) != 0) {
        keep_conn_error(c, NULL);
        return my_fail(db, c, MY_FAILED, "allowing a schema step's several statements");
    }
    status = mysql_real_query(c->my, sql, strlen(sql));
    while (status == 0) {
        MYSQL_RES *res = mysql_store_result(c->my);
        mysql_free_result(res);
        status = mysql_next_result(c->my);  /* 0: another result, -1: the last one */
    }
    if (status > 0)
        keep_conn_error(c, NULL);
    mysql_set_server_option(c->my, MYSQL_OPTION_MULTI_STATEMENTS_OFF);
    note_tx_state(c);
    if (status > 0)
        return my_fail(db, c, MY_FAILED, NULL);
    /* The step may have named new tables and columns. */
    if (!load_names(c))
        return my_fail(db, c, MY_FAILED, "reading the schema's names");
    return CDB_OK;
}

extern const struct cdb_migration cdb_migrations_mariadb[];
extern const size_t cdb_migrations_mariadb_count;

const cdb_engine cdb_engine_mariadb = {
    .name = "mariadb",
    .open = my_open,
    .close = my_close,
    .prepare = my_prepare,
    .finalize = my_finalize,
    .reset = my_reset,
    .step = my_step,
    .bind_int64 = my_bind_int64,
    .bind_text = my_bind_text,
    .bind_null = my_bind_null,
    .col_int64 = my_col_int64,
    .col_text = my_col_text,
    .col_bytes = my_col_bytes,
    .col_is_null = my_col_is_null,
    .col_count = my_col_count,
    .changes = my_changes,
    .last_insert_id = my_last_insert_id,
    .in_transaction = my_in_transaction,
    .rollback = my_rollback,
    .fail = my_fail,
    .set_busy_timeout = my_set_busy_timeout,
    .checkpoint = NULL,
    .begin = my_begin,
    .count_tables_sql = "SELECT count(*) FROM information_schema.TABLES"
                        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
    .table_exists_sql = "SELECT count(*) FROM information_schema.TABLES"
                        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"
                        " AND TABLE_NAME = ?1",
    .migrations = cdb_migrations_mariadb,
    .n_migrations = &cdb_migrations_mariadb_count,
    .exec_script = my_exec_script,
};
