/*
 * store_postgresql.c: the PostgreSQL engine behind the store, on libpq.
 *
 * A connection is one PGconn, used by one thread at a time (as every
 * handle).  Statements are prepared on the server once (PQprepare) under a
 * name of their own, in PostgreSQL's spelling (sql_translate.c: quoted
 * schema names, $N placeholders).  Values travel in text format, so a
 * statement keeps its bound values as strings until it runs: the first step
 * executes it (PQexecPrepared) and later steps walk the rows of the result.
 *
 * Passwords never come from here: libpq takes them from its password file,
 * its service file or the environment (PGPASSFILE, PGSERVICE); a URI given
 * to cdb_open should not carry one.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "internal.h"
#include "sql_translate.h"
#include "store_engine.h"

#define PG_TEXT_OID 25  /* pg_type.oid of text, fixed since PostgreSQL's first catalog */

/* Engine codes beside CDB_SQL_OK/ROW/DONE: the details are on the connection. */
enum {
    PG_FAILED = 1,      /* a server error: SQLSTATE and fields in conn->error */
    PG_NOMEM = 2,
};

struct pg_conn {
    PGconn *pg;
    unsigned generation;  /* +1 per reconnect: statements prepared before are gone */
    bool read_only;
    bool in_tx;           /* as last seen, kept when the connection is lost */
    int lock_timeout_ms;
    unsigned next_name;   /* server-side statement names: s1, s2 ... */
    char **names;         /* the schema's mixed-case table and column names */
    size_t n_names;
    int64_t changes;      /* rows of the last INSERT/UPDATE/DELETE */
    PGresult *error;      /* the last failed result, for pg_fail */
    char message[256];    /* a failure without a result (connection lost, memory) */
};

struct pg_stmt {
    struct pg_conn *conn;
    sql_translation sql;   /* PostgreSQL's text, kept to prepare again after a reconnect */
    unsigned generation;  /* of the connection it was prepared on */
    char name[16];
    int n_params;
    char **values;        /* n_params strings, NULL for SQL NULL */
    const char **server_values; /* sql.n_server: values[sql.source[i] - 1] */
    PGresult *result;     /* after the first step */
    int row;              /* the current row, -1 before the first */
    bool plain_read;      /* a SELECT: safe to send again when the answer was lost */
};

/* ---------------------------------------------------- schema names */

static void free_names(struct pg_conn *c)
{
    for (size_t i = 0; i < c->n_names; i++)
        free(c->names[i]);
    free(c->names);
    c->names = NULL;
    c->n_names = 0;
}

/* The mixed-case names of the tables and columns in the current schema. */
static bool load_names(struct pg_conn *c)
{
    PGresult *res = PQexec(c->pg, "SELECT DISTINCT name FROM ("
                                  " SELECT table_name AS name FROM information_schema.tables"
                                  "  WHERE table_schema = current_schema()"
                                  " UNION SELECT column_name FROM information_schema.columns"
                                  "  WHERE table_schema = current_schema()) AS n"
                                  " WHERE name <> lower(name)");
    int n;

    if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
        PQclear(res);
        return false;
    }
    free_names(c);
    n = PQntuples(res);
    if (n > 0 && (c->names = calloc((size_t)n, sizeof *c->names)) == NULL) {
        PQclear(res);
        return false;
    }
    for (int i = 0; i < n; i++) {
        if ((c->names[i] = strdup(PQgetvalue(res, i, 0))) == NULL) {
            PQclear(res);
            return false;
        }
        c->n_names++;
    }
    PQclear(res);
    return true;
}

/* ---------------------------------------------------- errors */

static void keep_error(struct pg_conn *c, PGresult *res)
{
    PQclear(c->error);
    c->error = res;
    c->message[0] = '\0';
}

static void keep_message(struct pg_conn *c, const char *what)
{
    const char *pg = PQerrorMessage(c->pg);
    size_t n;

    PQclear(c->error);
    c->error = NULL;
    snprintf(c->message, sizeof c->message, "%s%s%s", what, pg && pg[0] ? ": " : "", pg ? pg : "");
    n = strlen(c->message);
    while (n > 0 && (c->message[n - 1] == '\n' || c->message[n - 1] == ' '))
        c->message[--n] = '\0';
}

/*
 * The key of a unique violation as the SQLite engine names it
 * ("Users.mail", "Containers.nodeId,containerId"), from the detail
 * `Key ("nodeId", "containerId")=(...) already exists.` and the table; a
 * case-insensitive key (an index on lower(col)) names col.  Anything else
 * (another expression) is named by its constraint.  Only the part before
 * ")=(" is read: the values after it never reach a message.
 */
static void unique_key(PGresult *res, char *out, size_t out_size)
{
    const char *table = PQresultErrorField(res, PG_DIAG_TABLE_NAME);
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    const char *open = detail ? strstr(detail, "Key (") : NULL;
    const char *end = open ? strstr(open, ")=(") : NULL;

    out[0] = '\0';
    if (table != NULL && end != NULL) {
        const char *p = open + 5;
        size_t used = (size_t)snprintf(out, out_size, "%s.", table);
        bool ok = used < out_size;

        while (ok && p < end) {
            const char *item_end = p;
            int depth = 0;
            /* One item: up to a comma outside parentheses. */
            while (item_end < end && !(depth == 0 && *item_end == ',')) {
                depth += *item_end == '(' ? 1 : *item_end == ')' ? -1 : 0;
                item_end++;
            }
            const char *a = p, *b = item_end;
            while (a < b && *a == ' ')
                a++;
            if (b - a > 7 && strncmp(a, "lower(", 6) == 0 && b[-1] == ')') {
                a += 6;
                b--;
            }
            if (b > a && *a == '"' && b[-1] == '"') {
                a++;
                b--;
            }
            for (const char *q = a; q < b; q++)
                ok = ok && (isalnum((unsigned char)*q) || *q == '_');
            if (!ok || b == a || used + (size_t)(b - a) + 2 > out_size)
                break;
            if (p != open + 5)
                out[used++] = ',';
            memcpy(out + used, a, (size_t)(b - a));
            used += (size_t)(b - a);
            out[used] = '\0';
            p = item_end < end ? item_end + 1 : end;
        }
        if (ok && p >= end && used > strlen(table) + 1)
            return;
    }
    snprintf(out, out_size, "%s", constraint ? constraint : "");
}

static int pg_fail(cdb *db, void *conn, int engine_rc, const char *context)
{
    struct pg_conn *c = conn;
    const char *ctx = context ? context : "";
    const char *sep = context ? ": " : "";
    char field[256] = "";
    const char *state, *msg;
    int status;

    if (engine_rc == PG_NOMEM)
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "%s%sout of memory", ctx, sep);
    if (c != NULL && PQstatus(c->pg) == CONNECTION_BAD) {
        /* The server went away: unavailable, whatever the last result said. */
        if (c->message[0] == '\0')
            keep_message(c, "the connection to PostgreSQL was lost");
        return cdb_fail(db, CDB_ERR_IO, NULL, "%s%s%s", ctx, sep, c->message);
    }
    if (c == NULL || c->error == NULL)
        return cdb_fail(db, CDB_ERR_INTERNAL, NULL, "%s%s%s", ctx, sep,
                        c && c->message[0] ? c->message : "PostgreSQL failed");
    state = PQresultErrorField(c->error, PG_DIAG_SQLSTATE);
    msg = PQresultErrorField(c->error, PG_DIAG_MESSAGE_PRIMARY);
    if (state == NULL)
        state = "XX000";
    if (msg == NULL)
        msg = "PostgreSQL failed";
    if (strcmp(state, "23505") == 0) {
        unique_key(c->error, field, sizeof field);
        if (field[0])
            return cdb_fail_unique(db, field);
        status = CDB_ERR_CONFLICT;
    } else if (strcmp(state, "23503") == 0 || strcmp(state, "23001") == 0) {
        status = CDB_ERR_CONSTRAINT;  /* foreign key, RESTRICT */
    } else if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0) {
        const char *table = PQresultErrorField(c->error, PG_DIAG_TABLE_NAME);
        const char *column = PQresultErrorField(c->error, PG_DIAG_COLUMN_NAME);
        const char *constraint = PQresultErrorField(c->error, PG_DIAG_CONSTRAINT_NAME);
        status = CDB_ERR_INVALID;
        if (table != NULL && column != NULL)
            snprintf(field, sizeof field, "%s.%s", table, column);
        else if (!cdb_field_from_text(constraint, field, sizeof field))
            field[0] = '\0';
    } else if (strcmp(state, "P0001") == 0) {
        /* RAISE EXCEPTION 'Table.column: why' from the schema's triggers. */
        status = cdb_field_from_text(msg, field, sizeof field) ? CDB_ERR_INVALID : CDB_ERR_CONSTRAINT;
    } else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
               strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0) {
        status = CDB_ERR_BUSY;  /* serialization, deadlock, lock or statement timeout */
    } else if (strcmp(state, "25006") == 0) {
        status = CDB_ERR_READONLY; /* a hot standby, or a read-only transaction */
    } else if (strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
               strncmp(state, "57P", 3) == 0) {
        status = CDB_ERR_IO;    /* connection, resources, shutdown */
    } else {
        status = CDB_ERR_INTERNAL;
    }
    /* PostgreSQL's primary messages name relations, columns and
     * constraints; the values are only in the detail, never copied. */
    return cdb_fail(db, status, field[0] ? field : NULL, "%s%s%s", ctx, sep, msg);
}

/* ---------------------------------------------------- statements */

static bool settle_connection(struct pg_conn *c);

static void note_tx_state(struct pg_conn *c)
{
    PGTransactionStatusType t = PQtransactionStatus(c->pg);

    if (t != PQTRANS_UNKNOWN)
        c->in_tx = t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

/* Prepare st->sql.text under st->name on the current connection. */
static int server_prepare(struct pg_stmt *st)
{
    struct pg_conn *c = st->conn;
    Oid types[st->sql.n_server > 0 ? st->sql.n_server : 1];
    PGresult *res;

    /* A parameter the text never names cannot be typed by the server; it
     * is still bound (the models number their parameters freely). */
    for (int i = 0; i < st->sql.n_server; i++)
        types[i] = st->sql.used[i] ? 0 : PG_TEXT_OID;
    res = PQprepare(c->pg, st->name, st->sql.text, st->sql.n_server, types);

    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
        if (res != NULL)
            keep_error(c, res);
        else
            keep_message(c, "preparing a statement");
        return PG_FAILED;
    }
    PQclear(res);
    st->generation = c->generation;
    return CDB_SQL_OK;
}

static void stmt_free(struct pg_stmt *st)
{
    sql_translation_free(&st->sql);
    free(st->values);
    free(st->server_values);
    free(st);
}

/* Whether a request that just failed found the connection dead while it
 * was outside a transaction (the server restarted since the connection's
 * last use): nothing was done, so the caller may reconnect and send it once
 * more.  True once reconnected. */
static bool died_idle(struct pg_conn *c, bool was_in_tx)
{
    return !was_in_tx && !c->in_tx && PQstatus(c->pg) == CONNECTION_BAD && settle_connection(c);
}

/* Whether text starts with word (any case, after blanks and parentheses). */
static bool starts_with_word(const char *text, const char *word)
{
    size_t n = strlen(word);

    while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '(')
        text++;
    return strncasecmp(text, word, n) == 0 && !isalnum((unsigned char)text[n]) && text[n] != '_';
}

static int pg_prepare(cdb *db, void *conn, const char *sql, void **native)
{
    struct pg_conn *c = conn;
    struct pg_stmt *st = calloc(1, sizeof *st);

    if (st == NULL || sql_translate(SQL_DIALECT_POSTGRESQL, sql, (const char *const *)c->names, c->n_names, &st->sql) != 0 ||
        (st->sql.n_params > 0 &&
         (st->values = calloc((size_t)st->sql.n_params, sizeof *st->values)) == NULL) ||
        (st->sql.n_server > 0 &&
         (st->server_values = calloc((size_t)st->sql.n_server, sizeof *st->server_values)) == NULL)) {
        if (st != NULL)
            stmt_free(st);
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory preparing a statement");
    }
    st->conn = c;
    st->n_params = st->sql.n_params;
    st->row = -1;
    st->plain_read = starts_with_word(st->sql.text, "SELECT");
    snprintf(st->name, sizeof st->name, "s%u", ++c->next_name);
    if (!settle_connection(c) ||
        (server_prepare(st) != CDB_SQL_OK &&
         (!died_idle(c, false) || server_prepare(st) != CDB_SQL_OK))) {
        int rc = pg_fail(db, c, PG_FAILED, "preparing a statement");
        stmt_free(st);
        return rc;
    }
    *native = st;
    return CDB_OK;
}

static void clear_values(struct pg_stmt *st)
{
    for (int i = 0; i < st->n_params; i++) {
        free(st->values[i]);
        st->values[i] = NULL;
    }
}

static void pg_reset(void *native)
{
    struct pg_stmt *st = native;

    PQclear(st->result);
    st->result = NULL;
    st->row = -1;
    clear_values(st);
}

static void pg_finalize(void *native)
{
    struct pg_stmt *st = native;
    char sql[32];

    if (st == NULL)
        return;
    pg_reset(st);
    /* Transient shapes must not pile up on the server either. */
    snprintf(sql, sizeof sql, "DEALLOCATE %s", st->name);
    if (st->generation == st->conn->generation && PQstatus(st->conn->pg) == CONNECTION_OK &&
        PQtransactionStatus(st->conn->pg) != PQTRANS_INERROR)
        PQclear(PQexec(st->conn->pg, sql));
    stmt_free(st);
}

static int pg_step(void *native)
{
    struct pg_stmt *st = native;
    ExecStatusType status;

    if (st->result == NULL) {
        bool was_in_tx = st->conn->in_tx;
        int rc;
        if (!settle_connection(st->conn))
            return PG_FAILED;
        for (int attempt = 0;; attempt++) {
            if (st->generation != st->conn->generation && (rc = server_prepare(st)) != CDB_SQL_OK)
                return rc;
            for (int i = 0; i < st->sql.n_server; i++)
                st->server_values[i] = st->values[st->sql.source[i] - 1];
            st->result = PQexecPrepared(st->conn->pg, st->name, st->sql.n_server,
                                        st->server_values, NULL, NULL, 0);
            note_tx_state(st->conn);
            if (attempt > 0 || PQstatus(st->conn->pg) != CONNECTION_BAD)
                break;
            /* Autocommit, on a connection that died idle: once more, if it
             * is a read.  libpq cannot tell a request that never left from
             * one lost during the query, which a write may have done. */
            if (!st->plain_read || !died_idle(st->conn, was_in_tx))
                break;
            PQclear(st->result);
            st->result = NULL;
        }
        if (st->result == NULL) {
            keep_message(st->conn, "running a statement");
            return PG_FAILED;
        }
        status = PQresultStatus(st->result);
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            keep_error(st->conn, st->result);
            st->result = NULL;
            return PG_FAILED;
        }
        if (status == PGRES_COMMAND_OK || PQcmdTuples(st->result)[0] != '\0')
            st->conn->changes = strtoll(PQcmdTuples(st->result), NULL, 10);
        st->row = -1;
    }
    if (st->row + 1 < PQntuples(st->result)) {
        st->row++;
        return CDB_SQL_ROW;
    }
    st->row = PQntuples(st->result);
    return CDB_SQL_DONE;
}

static int set_value(struct pg_stmt *st, int index, char *value)
{
    if (index < 1 || index > st->n_params) {
        free(value);
        return PG_FAILED;
    }
    free(st->values[index - 1]);
    st->values[index - 1] = value;
    return CDB_SQL_OK;
}

static int pg_bind_int64(void *native, int index, int64_t value)
{
    char buf[24];
    char *copy;

    snprintf(buf, sizeof buf, "%lld", (long long)value);
    if ((copy = strdup(buf)) == NULL)
        return PG_NOMEM;
    return set_value(native, index, copy);
}

static int pg_bind_text(void *native, int index, const char *text)
{
    char *copy = NULL;

    if (text != NULL && (copy = strdup(text)) == NULL)
        return PG_NOMEM;
    return set_value(native, index, copy);
}

static int pg_bind_null(void *native, int index)
{
    return set_value(native, index, NULL);
}

static bool has_value(struct pg_stmt *st, int col)
{
    return st->result != NULL && st->row >= 0 && st->row < PQntuples(st->result) && col >= 0 &&
           col < PQnfields(st->result) && !PQgetisnull(st->result, st->row, col);
}

static int64_t pg_col_int64(void *native, int col)
{
    struct pg_stmt *st = native;
    const char *v;

    if (!has_value(st, col))
        return 0;
    v = PQgetvalue(st->result, st->row, col);
    /* Booleans come as t/f in text format. */
    if (v[0] == 't' && v[1] == '\0')
        return 1;
    if (v[0] == 'f' && v[1] == '\0')
        return 0;
    return strtoll(v, NULL, 10);
}

static const char *pg_col_text(void *native, int col)
{
    struct pg_stmt *st = native;

    return has_value(st, col) ? PQgetvalue(st->result, st->row, col) : NULL;
}

static size_t pg_col_bytes(void *native, int col)
{
    struct pg_stmt *st = native;

    return has_value(st, col) ? (size_t)PQgetlength(st->result, st->row, col) : 0;
}

static int pg_col_is_null(void *native, int col)
{
    return !has_value(native, col);
}

static int pg_col_count(void *native)
{
    struct pg_stmt *st = native;
    PGresult *res;
    int n;

    if (st->result != NULL)
        return PQnfields(st->result);
    /* Before the first step: ask the server what the statement returns
     * (prepared again first if a reconnect since dropped it: describing a
     * statement the server does not have would also abort the transaction). */
    if (st->generation != st->conn->generation && server_prepare(st) != CDB_SQL_OK)
        return 0;
    res = PQdescribePrepared(st->conn->pg, st->name);
    n = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK ? PQnfields(res) : 0;
    PQclear(res);
    return n;
}

/* ---------------------------------------------------- connection */

static int64_t pg_changes(void *conn)
{
    return ((struct pg_conn *)conn)->changes;
}

static int64_t pg_last_insert_id(void *conn)
{
    struct pg_conn *c = conn;
    PGresult *res = PQexec(c->pg, "SELECT lastval()");
    int64_t id = 0;

    if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return id;
}

static bool pg_in_transaction(void *conn)
{
    struct pg_conn *c = conn;

    note_tx_state(c);
    return c->in_tx;
}

static void pg_rollback(void *conn)
{
    struct pg_conn *c = conn;

    if (PQstatus(c->pg) == CONNECTION_OK)
        PQclear(PQexec(c->pg, "ROLLBACK"));
    c->in_tx = false;  /* a lost connection took its transaction with it */
}

/*
 * Writes: the write lock SQLite's BEGIN IMMEDIATE takes, as one
 * transaction-scoped advisory lock every clusterdb writer takes first, so
 * that max()+1 allocations and read-then-write checks cannot interleave
 * (lock_timeout bounds the wait).  Reads: one snapshot for every statement.
 */
static int pg_begin(cdb *db, void *conn, bool write)
{
    struct pg_conn *c = conn;
    PGresult *res;
    ExecStatusType status;

    for (int attempt = 0;; attempt++) {
        if (!settle_connection(c))
            return pg_fail(db, c, PG_FAILED, "starting a transaction");
        res = PQexec(c->pg, write ? "BEGIN; SELECT pg_advisory_xact_lock(7236966147485000001)"
                                  : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        note_tx_state(c);
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            PQclear(res);
            return CDB_OK;
        }
        /* The connection died while idle (the server restarted since this
         * thread's last operation) and this start is what found out:
         * nothing has been done yet, so reconnect and start once more,
         * rather than fail one operation per idle connection. */
        if (attempt > 0 || PQstatus(c->pg) != CONNECTION_BAD)
            break;
        PQclear(res);
        c->in_tx = false;
    }
    if (res != NULL)
        keep_error(c, res);
    else
        keep_message(c, "starting a transaction");
    if (pg_in_transaction(c))
        pg_rollback(c);
    return pg_fail(db, c, PG_FAILED, write ? "starting a write transaction"
                                           : "starting a read transaction");
}

static void pg_set_busy_timeout(void *conn, int milliseconds)
{
    struct pg_conn *c = conn;
    char sql[64];

    c->lock_timeout_ms = milliseconds;
    snprintf(sql, sizeof sql, "SET lock_timeout = %d", milliseconds);
    PQclear(PQexec(c->pg, sql));
}

/* The session settings every connection gets, again after a reconnect. */
static bool configure_session(struct pg_conn *c)
{
    char sql[160];
    PGresult *res;

    /* Timestamps are written by the library as UTC text; a read-only handle
     * is read-only on the server too; lock_timeout bounds waits for locks
     * as SQLite's busy timeout does. */
    snprintf(sql, sizeof sql, "SET TIME ZONE 'UTC'; SET lock_timeout = %d%s", c->lock_timeout_ms,
             c->read_only ? "; SET default_transaction_read_only = on" : "");
    res = PQexec(c->pg, sql);
    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
        if (res != NULL)
            keep_error(c, res);
        else
            keep_message(c, "configuring the connection");
        return false;
    }
    PQclear(res);
    return true;
}

/*
 * A connection lost (server restarted, network cut) fails the operation
 * that noticed it; the next one reconnects here, outside any transaction
 * (a transaction does not survive its connection), and prepares its
 * statements again on first use.
 */
static bool settle_connection(struct pg_conn *c)
{
    if (PQstatus(c->pg) == CONNECTION_OK)
        return true;
    if (c->in_tx) {
        /* What the transaction wrote is gone: it must fail, not go on. */
        keep_message(c, "the connection was lost inside a transaction");
        return false;
    }
    PQreset(c->pg);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        keep_message(c, "cannot reconnect");
        return false;
    }
    c->generation++;
    c->changes = 0;
    return configure_session(c);
}

/* A schema step: several statements in one simple query, inside the
 * runner's transaction (PostgreSQL's DDL is transactional). */
static int pg_exec_script(cdb *db, void *conn, const char *sql)
{
    struct pg_conn *c = conn;
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

    note_tx_state(c);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        PQclear(res);
        /* The step may have named new tables and columns. */
        if (!load_names(c))
            return cdb_fail(db, CDB_ERR_NOMEM, NULL, "reading the schema's names");
        return CDB_OK;
    }
    if (res != NULL)
        keep_error(c, res);
    else
        keep_message(c, "running a schema step");
    return pg_fail(db, c, PG_FAILED, NULL);
}

extern const struct cdb_migration cdb_migrations_postgresql[];
extern const size_t cdb_migrations_postgresql_count;

static void pg_close(void *conn)
{
    struct pg_conn *c = conn;

    if (c == NULL)
        return;
    PQclear(c->error);
    PQfinish(c->pg);
    free_names(c);
    free(c);
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;  /* notices would go to stderr, into slapd's and the CLI's output */
}

static int pg_open(cdb *db, const char *uri, unsigned flags, void **conn_out)
{
    struct pg_conn *c = calloc(1, sizeof *c);

    if (c == NULL)
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory opening the database");
    *conn_out = c;
    c->read_only = (flags & CDB_OPEN_READONLY) != 0;
    c->lock_timeout_ms = 10000;
    c->pg = PQconnectdb(uri);
    if (c->pg == NULL)
        return cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory opening the database");
    if (PQstatus(c->pg) != CONNECTION_OK) {
        keep_message(c, "cannot connect");
        return cdb_fail(db, CDB_ERR_IO, NULL, "%s", c->message);
    }
    PQsetNoticeProcessor(c->pg, ignore_notice, NULL);
    if (!configure_session(c))
        return pg_fail(db, c, PG_FAILED, "configuring the connection");
    if (!load_names(c))
        return cdb_fail(db, CDB_ERR_IO, NULL, "cannot read the schema's names: %s",
                        PQerrorMessage(c->pg));
    return CDB_OK;
}

const cdb_engine cdb_engine_postgresql = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .step = pg_step,
    .bind_int64 = pg_bind_int64,
    .bind_text = pg_bind_text,
    .bind_null = pg_bind_null,
    .col_int64 = pg_col_int64,
    .col_text = pg_col_text,
    .col_bytes = pg_col_bytes,
    .col_is_null = pg_col_is_null,
    .col_count = pg_col_count,
    .changes = pg_changes,
    .last_insert_id = pg_last_insert_id,
    .in_transaction = pg_in_transaction,
    .rollback = pg_rollback,
    .fail = pg_fail,
    .set_busy_timeout = pg_set_busy_timeout,
    .checkpoint = NULL,
    .begin = pg_begin,
    .count_tables_sql = "SELECT count(*) FROM pg_catalog.pg_tables"
                        " WHERE schemaname = current_schema()",
    .table_exists_sql = "SELECT count(*) FROM pg_catalog.pg_tables"
                        " WHERE schemaname = current_schema() AND tablename = ?1",
    .migrations = cdb_migrations_postgresql,
    .n_migrations = &cdb_migrations_postgresql_count,
    .exec_script = pg_exec_script,
};
