/*
 * Candidate queries: the closed cdb_query tree -> one SQL statement.
 *
 * Every leaf becomes a fixed SQL fragment with `?` placeholders; values are
 * only ever bound, never spliced.  So the SQL text depends on the shape of
 * the tree alone, and cdb_stmt() caches one prepared statement per shape.
 *
 * Text prefixes become index ranges (`col >= ? AND col < ?` under the
 * column's NOCASE collation) instead of LIKE: no metacharacters to escape and
 * the unique indexes on username, mail and cn serve them.  That needs a
 * collation in code-point order (SQLite's NOCASE, PostgreSQL's lower() in
 * C.UTF-8); MariaDB's _ci collations order punctuation and digits apart
 * from it ('9' < ':' is false there), so on MariaDB a NOCASE prefix is an
 * escaped LIKE, which its collation and range optimizer handle.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <clusterdb/validate.h>

#include "directory_internal.h"


enum table { TABLE_USERS, TABLE_GROUPS };

enum bind_kind { BIND_INT, BIND_TEXT };

struct bind {
    enum bind_kind kind;
    int64_t number;
    char *text; /* owned */
};

struct builder {
    cdb *db;
    int like_prefixes; /* MariaDB: NOCASE prefixes as LIKE (see the top) */
    enum table table;
    char *sql;
    size_t len, cap;
    struct bind *binds;
    size_t n_binds, cap_binds;
    size_t nodes;
    int status;
};

static void append(struct builder *b, const char *text)
{
    size_t n = strlen(text);

    if (b->status != CDB_OK)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *grown;
        while (b->len + n + 1 > cap)
            cap *= 2;
        grown = realloc(b->sql, cap);
        if (grown == NULL) {
            b->status = cdb_fail(b->db, CDB_ERR_NOMEM, NULL, "out of memory building a query");
            return;
        }
        b->sql = grown;
        b->cap = cap;
    }
    memcpy(b->sql + b->len, text, n + 1);
    b->len += n;
}

static struct bind *add_bind(struct builder *b, enum bind_kind kind)
{
    struct bind *slot;

    if (b->status != CDB_OK)
        return NULL;
    if (b->n_binds == b->cap_binds) {
        size_t cap = b->cap_binds ? b->cap_binds * 2 : 8;
        struct bind *grown = realloc(b->binds, cap * sizeof *grown);
        if (grown == NULL) {
            b->status = cdb_fail(b->db, CDB_ERR_NOMEM, NULL, "out of memory building a query");
            return NULL;
        }
        b->binds = grown;
        b->cap_binds = cap;
    }
    slot = &b->binds[b->n_binds++];
    memset(slot, 0, sizeof *slot);
    slot->kind = kind;
    return slot;
}

static void bind_int(struct builder *b, int64_t value)
{
    struct bind *slot = add_bind(b, BIND_INT);

    if (slot != NULL)
        slot->number = value;
}

static void bind_text(struct builder *b, const char *text)
{
    struct bind *slot = add_bind(b, BIND_TEXT);

    if (slot == NULL)
        return;
    slot->text = strdup(text);
    if (slot->text == NULL)
        b->status = cdb_fail(b->db, CDB_ERR_NOMEM, NULL, "out of memory building a query");
}

/*
 * The smallest string greater than every string starting with prefix, under
 * the column's collation, in code-point order (UTF-8 keeps it byte for
 * byte).  For NOCASE columns fold ASCII to lower case (as NOCASE does)
 * first, and a character that would land on 'A'..'Z' goes to '[' instead,
 * since folded text never holds upper case; case-exact columns (the
 * timestamps) keep the prefix as it is.  Then the last character that has a
 * successor is replaced by it (skipping the surrogates) and the rest cut:
 * the result is valid UTF-8, which the server engines require of text.
 * Its length, or 0 when no character has a successor (empty, or all
 * U+10FFFF): the range is open at the top then.  prefix is valid UTF-8.
 */
static size_t prefix_end(const char *prefix, int case_exact, char *end)
{
    const unsigned char *u = (const unsigned char *)prefix;
    size_t n = strlen(prefix), pos = 0, last = 0, last_len = 0;
    uint32_t cp, last_cp = 0;

    while (pos < n) {
        size_t step = cdb_utf8_decode(u + pos, n - pos, &cp);
        if (step == 0)
            return 0;
        if (cp < 0x10ffff) {
            last = pos;
            last_len = step;
            last_cp = cp;
        }
        pos += step;
    }
    if (last_len == 0)
        return 0;
    for (size_t k = 0; k < last; k++) {
        unsigned char c = u[k];
        end[k] = (char)(!case_exact && c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    if (!case_exact && last_cp >= 'A' && last_cp <= 'Z')
        last_cp += 'a' - 'A';
    last_cp = last_cp + 1 == 0xd800 ? 0xe000 : last_cp + 1;
    if (!case_exact && last_cp >= 'A' && last_cp <= 'Z')
        last_cp = '[';
    if (last_cp < 0x80) {
        end[last++] = (char)last_cp;
    } else if (last_cp < 0x800) {
        end[last++] = (char)(0xc0 | (last_cp >> 6));
        end[last++] = (char)(0x80 | (last_cp & 0x3f));
    } else if (last_cp < 0x10000) {
        end[last++] = (char)(0xe0 | (last_cp >> 12));
        end[last++] = (char)(0x80 | ((last_cp >> 6) & 0x3f));
        end[last++] = (char)(0x80 | (last_cp & 0x3f));
    } else {
        end[last++] = (char)(0xf0 | (last_cp >> 18));
        end[last++] = (char)(0x80 | ((last_cp >> 12) & 0x3f));
        end[last++] = (char)(0x80 | ((last_cp >> 6) & 0x3f));
        end[last++] = (char)(0x80 | (last_cp & 0x3f));
    }
    end[last] = '\0';
    return last;
}

/* The prefix as a LIKE pattern: '!' escapes itself and the wildcards. */
static void bind_like_prefix(struct builder *b, const char *prefix)
{
    size_t n = strlen(prefix), k = 0;
    char *pattern = malloc(2 * n + 2);

    if (pattern == NULL) {
        b->status = cdb_fail(b->db, CDB_ERR_NOMEM, NULL, "out of memory building a query");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (prefix[i] == '!' || prefix[i] == '%' || prefix[i] == '_')
            pattern[k++] = '!';
        pattern[k++] = prefix[i];
    }
    pattern[k++] = '%';
    pattern[k] = '\0';
    bind_text(b, pattern);
    free(pattern);
}

static int invalid(struct builder *b, const char *why)
{
    if (b->status == CDB_OK)
        b->status = cdb_fail(b->db, CDB_ERR_INVALID, NULL, "query: %s", why);
    return b->status;
}

static int field_is_text(cdb_qfield field)
{
    switch (field) {
    case CDB_QF_USERNAME:
    case CDB_QF_MAIL:
    case CDB_QF_GROUP_CN:
    case CDB_QF_GROUP_MEMBER:
    case CDB_QF_UPDATED_AT:
    case CDB_QF_CREATED_AT:
        return 1;
    default:
        return 0;
    }
}

enum text_column_flags {
    TEXT_NULLABLE = 1 << 0,
    TEXT_CASE_EXACT = 1 << 1  /* BINARY collation (timestamps), not NOCASE */
};

/* `column op ?` under the column's collation, spelled out for NOCASE
 * columns (SQLite's column collation is implicit; the server engines'
 * translation needs the words: sql_translate.h). */
static void compare_with_param(struct builder *b, const char *column, const char *op, unsigned flags)
{
    /* BINARY spelled out too: a server's default collation need not be in
     * code-point order (en_US ignores the punctuation of timestamps). */
    const char *collation = (flags & TEXT_CASE_EXACT) ? " COLLATE BINARY" : " COLLATE NOCASE";

    append(b, column);
    append(b, collation);
    append(b, op);
    append(b, "?");
    append(b, collation);
}

/*
 * A text comparison on a column of the outer table (its collation described
 * by flags): EQ, PREFIX, GE, LE, PRESENT.
 */
static void text_compare(struct builder *b, const cdb_query *q, const char *column,
                         unsigned flags)
{
    int nullable = (flags & TEXT_NULLABLE) != 0;

    /* Stored text is UTF-8 (the server engines hold nothing else and refuse
     * other bytes as a value): nothing equals or starts with other bytes. */
    if (q->op != CDB_Q_PRESENT && !cdb_utf8_valid(q->text)) {
        if (q->op == CDB_Q_EQ || q->op == CDB_Q_PREFIX)
            append(b, "FALSE");
        else
            invalid(b, "a text value must be UTF-8");
        return;
    }
    switch (q->op) {
    case CDB_Q_EQ:
        compare_with_param(b, column, " = ", flags);
        bind_text(b, q->text);
        break;
    case CDB_Q_PREFIX: {
        /* With no string above every one of the prefix (empty, all
         * U+10FFFF) the range is open at the top: no engine has a value
         * above every text in every collation. */
        int case_exact = (flags & TEXT_CASE_EXACT) != 0;
        char *end;
        size_t bounded;

        if (b->like_prefixes && !case_exact) {
            append(b, column);
            append(b, " LIKE ? ESCAPE '!'");
            bind_like_prefix(b, q->text);
            break;
        }
        if ((end = malloc(strlen(q->text) + 4)) == NULL) {
            b->status = cdb_fail(b->db, CDB_ERR_NOMEM, NULL, "out of memory building a query");
            break;
        }
        bounded = prefix_end(q->text, case_exact, end);
        append(b, "(");
        compare_with_param(b, column, " >= ", flags);
        if (bounded) {
            append(b, " AND ");
            compare_with_param(b, column, " < ", flags);
        }
        append(b, ")");
        bind_text(b, q->text);
        if (bounded)
            bind_text(b, end);
        free(end);
        break;
    }
    case CDB_Q_GE:
        compare_with_param(b, column, " >= ", flags);
        bind_text(b, q->text);
        break;
    case CDB_Q_LE:
        compare_with_param(b, column, " <= ", flags);
        bind_text(b, q->text);
        break;
    case CDB_Q_PRESENT:
        if (nullable) {
            append(b, "(");
            append(b, column);
            append(b, " IS NOT NULL AND ");
            append(b, column);
            append(b, " <> '')");
        } else {
            append(b, "TRUE");
        }
        break;
    default:
        invalid(b, "unsupported comparison");
    }
}

/* uidNumber / gidNumber comparisons: the rowid, so always indexed. */
static void number_compare(struct builder *b, const cdb_query *q, const char *column)
{
    const char *op = NULL;

    switch (q->op) {
    case CDB_Q_EQ: op = " = ?"; break;
    case CDB_Q_GE: op = " >= ?"; break;
    case CDB_Q_LE: op = " <= ?"; break;
    case CDB_Q_PRESENT: append(b, "TRUE"); return;
    default: invalid(b, "a numeric field has no prefix match"); return;
    }
    append(b, column);
    append(b, op);
    bind_int(b, q->number);
}

static void leaf_users(struct builder *b, const cdb_query *q)
{
    switch (q->field) {
    case CDB_QF_USERNAME:
        text_compare(b, q, "Users.username", 0);
        break;
    case CDB_QF_MAIL:
        text_compare(b, q, "Users.mail", TEXT_NULLABLE);
        break;
    case CDB_QF_UID_NUMBER:
        number_compare(b, q, "Users.uidNumber");
        break;
    case CDB_QF_UPDATED_AT:
        text_compare(b, q, "Users.updatedAt", TEXT_CASE_EXACT);
        break;
    case CDB_QF_CREATED_AT:
        text_compare(b, q, "Users.createdAt", TEXT_CASE_EXACT);
        break;
    case CDB_QF_USER_MEMBER_OF:
        /* Driven from the membership index on (gidNumber, uidNumber). */
        if (q->op == CDB_Q_PRESENT) {
            append(b, "Users.uidNumber IN (SELECT uidNumber FROM UserGroups)");
        } else {
            append(b, "Users.uidNumber IN (SELECT uidNumber FROM UserGroups WHERE ");
            number_compare(b, q, "gidNumber");
            append(b, ")");
        }
        break;
    case CDB_QF_USER_STATUS:
        if (q->op == CDB_Q_PRESENT) {
            append(b, "TRUE");
        } else if (q->op == CDB_Q_EQ) {
            if (q->number < CDB_USER_PENDING || q->number > CDB_USER_SUSPENDED) {
                append(b, "FALSE"); /* no user has a status that does not exist */
            } else {
                append(b, "Users.status = ?");
                bind_text(b, cdb_user_status_name((cdb_user_status)q->number));
            }
        } else {
            invalid(b, "status supports only equality and presence");
        }
        break;
    default:
        invalid(b, "field does not belong to users");
    }
}

static void leaf_groups(struct builder *b, const cdb_query *q)
{
    switch (q->field) {
    case CDB_QF_GROUP_CN:
        text_compare(b, q, "Groups.cn", 0);
        break;
    case CDB_QF_GID_NUMBER:
        number_compare(b, q, "Groups.gidNumber");
        break;
    case CDB_QF_UPDATED_AT:
        text_compare(b, q, "Groups.updatedAt", TEXT_CASE_EXACT);
        break;
    case CDB_QF_CREATED_AT:
        text_compare(b, q, "Groups.createdAt", TEXT_CASE_EXACT);
        break;
    case CDB_QF_GROUP_MEMBER:
        /* memberUid=alice: find alice by the username index, then her groups
         * by the membership primary key. */
        if (q->op == CDB_Q_PRESENT) {
            append(b, "Groups.gidNumber IN (SELECT gidNumber FROM UserGroups)");
        } else {
            append(b, "Groups.gidNumber IN (SELECT ug.gidNumber FROM UserGroups AS ug"
                      " WHERE ug.uidNumber IN (SELECT u.uidNumber FROM Users AS u WHERE ");
            text_compare(b, q, "u.username", 0);
            append(b, "))");
        }
        break;
    case CDB_QF_GROUP_MEMBER_UID:
        if (q->op == CDB_Q_PRESENT) {
            append(b, "Groups.gidNumber IN (SELECT gidNumber FROM UserGroups)");
        } else {
            append(b, "Groups.gidNumber IN (SELECT gidNumber FROM UserGroups WHERE ");
            number_compare(b, q, "uidNumber");
            append(b, ")");
        }
        break;
    default:
        invalid(b, "field does not belong to groups");
    }
}

static void build(struct builder *b, const cdb_query *q, int depth)
{
    size_t i;

    if (b->status != CDB_OK)
        return;
    if (q == NULL) {
        invalid(b, "missing subquery");
        return;
    }
    if (depth > CDB_QUERY_MAX_DEPTH) {
        invalid(b, "nested too deeply");
        return;
    }
    if (++b->nodes > CDB_QUERY_MAX_NODES) {
        invalid(b, "too many terms");
        return;
    }
    switch (q->op) {
    case CDB_Q_TRUE:
        append(b, "TRUE");
        return;
    case CDB_Q_FALSE:
        append(b, "FALSE");
        return;
    case CDB_Q_AND:
    case CDB_Q_OR:
        if (q->n_kids > 0 && q->kids == NULL) {
            invalid(b, "AND/OR without subqueries");
            return;
        }
        if (q->n_kids == 0) {
            /* LDAP: an empty AND is true, an empty OR false. */
            append(b, q->op == CDB_Q_AND ? "TRUE" : "FALSE");
            return;
        }
        append(b, "(");
        for (i = 0; i < q->n_kids && b->status == CDB_OK; i++) {
            if (i > 0)
                append(b, q->op == CDB_Q_AND ? " AND " : " OR ");
            build(b, q->kids[i], depth + 1);
        }
        append(b, ")");
        return;
    case CDB_Q_EQ:
    case CDB_Q_PREFIX:
    case CDB_Q_GE:
    case CDB_Q_LE:
    case CDB_Q_PRESENT:
        if (field_is_text(q->field) && q->op != CDB_Q_PRESENT && q->text == NULL) {
            invalid(b, "a text comparison needs a value");
            return;
        }
        if (b->table == TABLE_USERS)
            leaf_users(b, q);
        else
            leaf_groups(b, q);
        return;
    default:
        invalid(b, "unknown operator");
    }
}

/*
 * Whether an index narrows the query by itself.  Then the paging condition is
 * written `+id > ?`, which keeps SQLite from walking the whole table in id
 * order just to skip the sort (it would otherwise prefer that for prefix
 * ranges); enumerations without such a term keep the id range, so each page
 * starts where the last one ended.  Called only on trees build() accepted.
 */
static int selective(const cdb_query *q)
{
    size_t i;

    switch (q->op) {
    case CDB_Q_FALSE:
        return 1;
    case CDB_Q_AND:
        for (i = 0; i < q->n_kids; i++)
            if (selective(q->kids[i]))
                return 1;
        return 0;
    case CDB_Q_OR:
        for (i = 0; i < q->n_kids; i++)
            if (!selective(q->kids[i]))
                return 0;
        return 1;
    case CDB_Q_EQ:
    case CDB_Q_PREFIX:
    case CDB_Q_GE:
    case CDB_Q_LE:
        switch (q->field) {
        case CDB_QF_USERNAME:
        case CDB_QF_MAIL:
        case CDB_QF_UID_NUMBER:
        case CDB_QF_USER_MEMBER_OF:
        case CDB_QF_GROUP_CN:
        case CDB_QF_GID_NUMBER:
        case CDB_QF_GROUP_MEMBER:
        case CDB_QF_GROUP_MEMBER_UID:
        case CDB_QF_UPDATED_AT:   /* Users_updatedAt, Groups_updatedAt */
            return 1;
        default:
            return 0;
        }
    default:
        return 0;
    }
}

static int bind_all(struct builder *b, cdb_sql_stmt *stmt)
{
    size_t i;
    int rc = CDB_SQL_OK;

    for (i = 0; i < b->n_binds && rc == CDB_SQL_OK; i++) {
        const struct bind *v = &b->binds[i];
        int index = (int)i + 1;
        switch (v->kind) {
        case BIND_INT:
            rc = cdb_bind_int64(stmt, index, v->number);
            break;
        case BIND_TEXT:
            rc = cdb_bind_text(stmt, index, v->text);
            break;
        }
    }
    return rc == CDB_SQL_OK ? CDB_OK : cdb_fail_sql(b->db, rc, "binding query values");
}

static void builder_free(struct builder *b)
{
    size_t i;

    for (i = 0; i < b->n_binds; i++)
        free(b->binds[i].text);
    free(b->binds);
    free(b->sql);
}

static int find(cdb *db, enum table table, const cdb_query *query, int64_t after, size_t limit,
                int64_t **ids_out, size_t *n_out)
{
    static const cdb_query everything = {.op = CDB_Q_TRUE};
    const char *id = table == TABLE_USERS ? "Users.uidNumber" : "Groups.gidNumber";
    struct builder b = {.db = db, .table = table,
                        .like_prefixes = strcmp(cdb_engine_name(db), "mariadb") == 0};
    cdb_sql_stmt *stmt = NULL;
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int rc, step;

    if (db == NULL || ids_out == NULL || n_out == NULL)
        return CDB_ERR_INVALID;
    if (limit > INT64_MAX)
        limit = 0;
    append(&b, table == TABLE_USERS ? "SELECT Users.uidNumber FROM Users WHERE "
                                    : "SELECT Groups.gidNumber FROM Groups WHERE ");
    if (query == NULL)
        query = &everything;
    build(&b, query, 0);
    append(&b, b.status == CDB_OK && selective(query) ? " AND +" : " AND ");
    append(&b, id);
    append(&b, " > ? ORDER BY ");
    append(&b, id);
    append(&b, " LIMIT ?");
    bind_int(&b, after);
    /* No limit: the largest one (a negative LIMIT is SQLite's alone). */
    bind_int(&b, limit == 0 ? INT64_MAX : (int64_t)limit);
    rc = b.status;
    if (rc != CDB_OK)
        goto done;
    /* The shapes come from clients' filters: bounded in the cache. */
    rc = cdb_stmt_shape(db, b.sql, &stmt);
    if (rc != CDB_OK)
        goto done;
    rc = bind_all(&b, stmt);
    if (rc != CDB_OK)
        goto done;
    /* Collect the ids and finish the statement before anyone builds entries:
     * no read transaction stays open while a slow client is served. */
    while ((step = cdb_step(stmt)) == CDB_SQL_ROW) {
        if (n == cap) {
            size_t new_cap = cap ? cap * 2 : 64;
            int64_t *grown = realloc(ids, new_cap * sizeof *grown);
            if (grown == NULL) {
                rc = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory collecting ids");
                goto done;
            }
            ids = grown;
            cap = new_cap;
        }
        ids[n++] = cdb_col_int64(stmt, 0);
    }
    if (step != CDB_SQL_DONE) {
        rc = cdb_fail_sql(db, step, "running a query");
        goto done;
    }
    if (ids == NULL && (ids = malloc(sizeof *ids)) == NULL) {
        rc = cdb_fail(db, CDB_ERR_NOMEM, NULL, "out of memory collecting ids");
        goto done;
    }
    *ids_out = ids;
    *n_out = n;
    ids = NULL;
done:
    cdb_stmt_done(stmt);
    free(ids);
    builder_free(&b);
    return rc;
}

int cdb_user_find(cdb *db, const cdb_query *query, int64_t after, size_t limit,
                  int64_t **ids_out, size_t *n_out)
{
    return find(db, TABLE_USERS, query, after, limit, ids_out, n_out);
}

int cdb_group_find(cdb *db, const cdb_query *query, int64_t after, size_t limit,
                   int64_t **ids_out, size_t *n_out)
{
    return find(db, TABLE_GROUPS, query, after, limit, ids_out, n_out);
}
