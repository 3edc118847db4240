/*
 * Fuzz target: the candidate-query translator (core/src/query.c), through
 * cdb_user_find / cdb_group_find on a real database.
 *
 * At start-up a database is made in a temporary directory (TMPDIR) through
 * the real migration runner and filled with a few users, groups and
 * memberships; every row is then read back once.  Each input is decoded
 * into a cdb_query tree (any operator and field, valid or not, texts drawn
 * from the stored values and bent, numbers near the stored ids, deep chains
 * and wide lists around the size limits), a table, an `after` and a `limit`.
 *
 * The statement cache is filled nearly to its bound first (see
 * fill_statement_cache), so both of query.c's statement paths are used.
 *
 * The answer must be CDB_ERR_INVALID exactly when the tree breaks the
 * documented rules, CDB_OK otherwise, with ids ascending, above `after`, at
 * most `limit`, and equal to a naive evaluation of the tree over the rows in
 * C (differential: a wrong SQL fragment, collation or prefix bound shows as
 * a different id list).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include <clusterdb/clusterdb.h>
#include <clusterdb/directory.h>
#include <clusterdb/validate.h>

#include "internal.h"
#include "store_sqlite.h"

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_query: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            failure_context();                                               \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* The limits directory.h publishes. */
#define MAX_DEPTH CDB_QUERY_MAX_DEPTH
#define MAX_NODES CDB_QUERY_MAX_NODES

static void failure_context(void);

/* ---- the database and its rows ------------------------------------------ */

static char dir[256], path[300];
static cdb *db;
static cdb_user **users;
static size_t n_users;
static cdb_group **groups;
static size_t n_groups;

#define DICT_MAX 64
static const char *dict[DICT_MAX];
static size_t n_dict;

static void dict_add(const char *s)
{
    if (s != NULL && n_dict < DICT_MAX)
        dict[n_dict++] = s;
}

static void must(int rc, const char *what)
{
    if (rc != CDB_OK) {
        fprintf(stderr, "fuzz_query: set-up: %s: %s (%s)\n", what, cdb_strerror(rc),
                db ? cdb_errmsg(db) : "no handle");
        abort();
    }
}

static void remove_database(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char file[320];

    cdb_user_array_free(users, n_users);
    cdb_group_array_free(groups, n_groups);
    cdb_close(db);
    db = NULL;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(file, sizeof file, "%s%s", path, suffixes[i]);
        unlink(file);
    }
    rmdir(dir);
}

static void create_user(const char *name, const char *mail, int status)
{
    cdb_user_input in = {.username = name, .mail = mail, .status = status};
    int64_t uid;

    must(cdb_user_create(db, &in, 1, &uid), name);
}

static int64_t user_id(const char *name)
{
    cdb_user *u = NULL;
    int64_t id;

    must(cdb_user_get_by_name(db, name, &u), name);
    id = u->uid_number;
    cdb_user_free(u);
    return id;
}

static void populate(void)
{
    int64_t dev, ops, empty, team, gone;
    int64_t *ids;
    size_t n;

    /* alice is the first user: active and in sysadmins. */
    create_user("alice", "Alice@Example.com", -1);
    create_user("bob", "bob@example.org", CDB_USER_ACTIVE);
    create_user("carol", NULL, CDB_USER_SUSPENDED);
    create_user("_svc.backup-1", "svc+backup@example.com", CDB_USER_PENDING);
    create_user("eve", "eve@example.net", -1);
    create_user("zed", "ZED@EXAMPLE.IO", CDB_USER_ACTIVE);
    /* A gap in the uidNumbers: eve leaves, frank comes after. */
    gone = user_id("eve");
    must(cdb_user_delete(db, gone), "delete eve");
    create_user("frank", "f.rank@sub.example.com", CDB_USER_PENDING);

    must(cdb_group_create(db, "dev", 0, 0, &dev), "group dev");
    must(cdb_group_create(db, "ops", 3000, 1, &ops), "group ops");
    must(cdb_group_create(db, "empty", 2500, 0, &empty), "group empty");
    must(cdb_group_create(db, "a-team", 0, 0, &team), "group a-team");
    must(cdb_membership_add(db, user_id("alice"), dev), "alice in dev");
    must(cdb_membership_add(db, user_id("bob"), dev), "bob in dev");
    must(cdb_membership_add(db, user_id("bob"), ops), "bob in ops");
    must(cdb_membership_add(db, user_id("_svc.backup-1"), ops), "svc in ops");
    must(cdb_membership_add(db, user_id("zed"), CDB_GID_SYSADMINS), "zed in sysadmins");
    must(cdb_membership_add(db, user_id("frank"), team), "frank in a-team");

    /* Every row, read back once through the public API. */
    must(cdb_user_find(db, NULL, INT64_MIN, 0, &ids, &n), "all users");
    must(cdb_user_get_many(db, ids, n, &users, &n_users), "user rows");
    cdb_free(ids);
    must(cdb_group_find(db, NULL, INT64_MIN, 0, &ids, &n), "all groups");
    must(cdb_group_get_many(db, ids, n, &groups, &n_groups), "group rows");
    cdb_free(ids);
    if (n_users != 6 || n_groups != 6) {
        fprintf(stderr, "fuzz_query: set-up: %zu users, %zu groups\n", n_users, n_groups);
        abort();
    }

    for (size_t i = 0; i < n_users; i++) {
        dict_add(users[i]->username);
        dict_add(users[i]->mail);
    }
    for (size_t i = 0; i < n_groups; i++)
        dict_add(groups[i]->cn);
    dict_add(users[0]->created_at);
    dict_add(users[n_users - 1]->updated_at);
    dict_add(groups[n_groups - 1]->created_at);
    /* Bytes at the edges of the prefix bound and the case folding. */
    static const char *const edges[] = {"", "@", "[", "`", "{", "~", "Z", "A", "_", "\x7f",
                                        "\xff", "a\xff", "\xff\xff", "2026-", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        dict_add(edges[i]);
}

/*
 * query.c caches at most 384 statements on a connection and prepares any
 * further new shape for one call only.  Fill the cache to 64 short of that
 * with shapes the decoder never makes (AND / OR of 2-255 uidNumber
 * equalities), so that each run exercises both the cached and the one-call
 * path within its first inputs.
 */
#define CACHE_LIMIT 384
#define CACHE_HEADROOM 64

static size_t statements(void)
{
    sqlite3_stmt *stmt = NULL;
    size_t n = 0;

    while ((stmt = sqlite3_next_stmt(cdb_sqlite(db), stmt)) != NULL)
        n++;
    return n;
}

static void fill_statement_cache(void)
{
    static cdb_query leaf = {.op = CDB_Q_EQ, .field = CDB_QF_UID_NUMBER, .number = 2000};
    static const cdb_query *kids[255];
    cdb_query list = {.kids = kids};
    int64_t *ids;
    size_t n;

    for (size_t i = 0; i < 255; i++)
        kids[i] = &leaf;
    for (size_t k = 2; k <= 255 && statements() < CACHE_LIMIT - CACHE_HEADROOM; k++) {
        for (int op = CDB_Q_AND; op <= CDB_Q_OR && statements() < CACHE_LIMIT - CACHE_HEADROOM; op++) {
            list.op = (cdb_qop)op;
            list.n_kids = k;
            must(cdb_user_find(db, &list, INT64_MIN, 0, &ids, &n), "filling the statement cache");
            cdb_free(ids);
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(dir, sizeof dir, "%s/cdb-fuzz-query.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("fuzz_query: mkdtemp");
        abort();
    }
    snprintf(path, sizeof path, "%s/clusterdb.sqlite", dir);
    atexit(remove_database);
    must(cdb_open(path, CDB_OPEN_CREATE | CDB_OPEN_MIGRATE, &db), "open");
    populate();
    fill_statement_cache();
    return 0;
}

/* ---- decoding the input ------------------------------------------------- */

struct reader {
    const uint8_t *p;
    size_t n;
};

static uint8_t byte(struct reader *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

static uint64_t u64(struct reader *r)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = v << 8 | byte(r);
    return v;
}

#define POOL_NODES 1024
#define POOL_KIDS 4096
#define POOL_TEXT 8192

static cdb_query nodes[POOL_NODES];
static size_t n_nodes;
static const cdb_query *kid_pool[POOL_KIDS];
static size_t n_kid_pool;
static char text_pool[POOL_TEXT];
static size_t n_text_pool;
static const cdb_query q_true = {.op = CDB_Q_TRUE};

static const char *store_text(const char *s, size_t len)
{
    char *t;

    if (n_text_pool + len + 1 > POOL_TEXT)
        return "";
    t = text_pool + n_text_pool;
    memcpy(t, s, len);
    t[len] = '\0';
    n_text_pool += len + 1;
    return t;
}

static const char *make_text(struct reader *r)
{
    uint8_t how = byte(r);
    char buf[64];
    size_t len;

    if (how % 16 == 15)
        return NULL;              /* a missing value: invalid for text fields */
    if (how % 16 >= 12) {         /* raw bytes from the input, up to a NUL */
        len = byte(r) % 24;
        for (size_t i = 0; i < len; i++) {
            buf[i] = (char)byte(r);
            if (buf[i] == '\0') {
                len = i;
                break;
            }
        }
        return store_text(buf, len);
    }
    const char *base = dict[byte(r) % n_dict];
    len = strlen(base);
    if (len > sizeof buf - 2)
        len = sizeof buf - 2;
    memcpy(buf, base, len);
    switch (how % 6) {
    case 1: /* a prefix of it */
        len = byte(r) % (len + 1);
        break;
    case 2: /* upper case */
        for (size_t i = 0; i < len; i++)
            if (buf[i] >= 'a' && buf[i] <= 'z')
                buf[i] = (char)(buf[i] - 'a' + 'A');
        break;
    case 3: /* one byte changed */
        if (len > 0) {
            uint8_t c = byte(r);
            buf[byte(r) % len] = (char)(c ? c : 1);
        }
        break;
    case 5: /* a prefix of it, then one byte more */
        len = byte(r) % (len + 1);
        /* fall through */
    case 4: /* one byte more */
        buf[len] = (char)byte(r);
        if (buf[len] != '\0')
            len++;
        break;
    default:
        break;
    }
    return store_text(buf, len);
}

static int64_t make_number(struct reader *r)
{
    uint8_t how = byte(r);

    switch (how % 7) {
    case 0:
        return users[byte(r) % n_users]->uid_number + (int64_t)(byte(r) % 3) - 1;
    case 1:
        return groups[byte(r) % n_groups]->gid_number + (int64_t)(byte(r) % 3) - 1;
    case 2:
        return (int64_t)(byte(r) % 5) - 1; /* statuses and their neighbours */
    case 3:
        return INT64_MIN;
    case 4:
        return INT64_MAX;
    case 5:
        return (int64_t)u64(r);
    default:
        return 1998 + byte(r) % 8;
    }
}

static const cdb_query *make_node(struct reader *r, int depth);

static const cdb_query **take_kids(size_t n)
{
    const cdb_query **kids;

    if (n_kid_pool + n > POOL_KIDS)
        return NULL;
    kids = &kid_pool[n_kid_pool];
    n_kid_pool += n;
    return kids;
}

static const cdb_query *make_node(struct reader *r, int depth)
{
    uint8_t op = byte(r);
    cdb_query *q;

    if (n_nodes >= POOL_NODES || depth > 90)
        return &q_true;
    q = &nodes[n_nodes++];
    memset(q, 0, sizeof *q);
    switch (op % 16) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8:
        q->op = (cdb_qop)(op % 16);
        break;
    case 9: /* more leaves: they carry the interesting values */
    case 10:
        q->op = (cdb_qop)(CDB_Q_EQ + op % 5);
        break;
    case 11:
        q->op = (cdb_qop)(op % 2 ? 42 : -1); /* not an operator */
        return q;
    case 12: { /* a chain of single-kid ANDs/ORs around the depth limit */
        size_t len = MAX_DEPTH - 8 + byte(r) % 20;
        cdb_query *top = q;
        for (size_t i = 0; i < len && n_nodes < POOL_NODES; i++) {
            const cdb_query **kids = take_kids(1);
            if (kids == NULL)
                break;
            q->op = i % 2 ? CDB_Q_OR : CDB_Q_AND;
            q->kids = kids;
            q->n_kids = 1;
            kids[0] = &nodes[n_nodes];
            q = &nodes[n_nodes++];
            memset(q, 0, sizeof *q);
        }
        q->op = CDB_Q_TRUE;
        if (n_nodes < POOL_NODES) {
            const cdb_query **kids = take_kids(1);
            if (kids != NULL) {
                q->op = CDB_Q_AND;
                q->kids = kids;
                q->n_kids = 1;
                kids[0] = make_node(r, depth + 1);
            }
        }
        return top;
    }
    case 13: { /* a wide list, the same subtree many times (node count limit) */
        size_t n = 100 + byte(r) % 200;
        const cdb_query **kids = take_kids(n);
        const cdb_query *kid;
        q->op = op % 2 ? CDB_Q_OR : CDB_Q_AND;
        if (kids == NULL)
            return q;
        kid = make_node(r, depth + 1);
        for (size_t i = 0; i < n; i++)
            kids[i] = kid;
        q->kids = kids;
        q->n_kids = n;
        return q;
    }
    default: { /* AND / OR, sometimes malformed */
        uint8_t shape = byte(r);
        size_t n = shape % 5;
        q->op = op % 2 ? CDB_Q_OR : CDB_Q_AND;
        if (shape >= 250) {
            q->n_kids = 1 + shape % 3; /* kids missing */
            return q;
        }
        const cdb_query **kids = take_kids(n);
        if (kids == NULL)
            return q;
        for (size_t i = 0; i < n; i++)
            kids[i] = shape >= 240 && i == n - 1 ? NULL : make_node(r, depth + 1);
        q->kids = kids;
        q->n_kids = n;
        return q;
    }
    }
    if (q->op == CDB_Q_AND || q->op == CDB_Q_OR) {
        size_t n = byte(r) % 4;
        const cdb_query **kids = take_kids(n);
        if (kids != NULL) {
            for (size_t i = 0; i < n; i++)
                kids[i] = make_node(r, depth + 1);
            q->kids = kids;
            q->n_kids = n;
        }
        return q;
    }
    uint8_t field = byte(r) % 12;
    q->field = field == 11 ? (cdb_qfield)77 : (cdb_qfield)field;
    q->text = make_text(r);
    q->number = make_number(r);
    return q;
}

/* ---- the rules and the naive evaluation --------------------------------- */

static int field_is_text(cdb_qfield f)
{
    return f == CDB_QF_USERNAME || f == CDB_QF_MAIL || f == CDB_QF_GROUP_CN ||
           f == CDB_QF_GROUP_MEMBER || f == CDB_QF_UPDATED_AT || f == CDB_QF_CREATED_AT;
}

static int is_leaf_op(cdb_qop op)
{
    return op == CDB_Q_EQ || op == CDB_Q_PREFIX || op == CDB_Q_GE || op == CDB_Q_LE ||
           op == CDB_Q_PRESENT;
}

static int leaf_valid(const cdb_query *q, int users_table)
{
    int numeric_op = q->op != CDB_Q_PREFIX; /* numbers have EQ, GE, LE, PRESENT */

    if (field_is_text(q->field) && q->op != CDB_Q_PRESENT && q->text == NULL)
        return 0;
    /* Ordering needs UTF-8 (equality and prefix of other bytes match nothing). */
    if (field_is_text(q->field) && (q->op == CDB_Q_GE || q->op == CDB_Q_LE) &&
        !cdb_utf8_valid(q->text))
        return 0;
    if (users_table) {
        switch (q->field) {
        case CDB_QF_USERNAME: case CDB_QF_MAIL: case CDB_QF_UPDATED_AT: case CDB_QF_CREATED_AT:
            return 1;
        case CDB_QF_UID_NUMBER: case CDB_QF_USER_MEMBER_OF:
            return numeric_op;
        case CDB_QF_USER_STATUS:
            return q->op == CDB_Q_EQ || q->op == CDB_Q_PRESENT;
        default:
            return 0;
        }
    }
    switch (q->field) {
    case CDB_QF_GROUP_CN: case CDB_QF_GROUP_MEMBER: case CDB_QF_UPDATED_AT: case CDB_QF_CREATED_AT:
        return 1;
    case CDB_QF_GID_NUMBER: case CDB_QF_GROUP_MEMBER_UID:
        return numeric_op;
    default:
        return 0;
    }
}

/* Whether the tree obeys the rules; counts visits as the builder does. */
static int tree_valid(const cdb_query *q, int users_table, int depth, size_t *count)
{
    if (q == NULL || depth > MAX_DEPTH || ++*count > MAX_NODES)
        return 0;
    switch (q->op) {
    case CDB_Q_TRUE:
    case CDB_Q_FALSE:
        return 1;
    case CDB_Q_AND:
    case CDB_Q_OR:
        if (q->n_kids > 0 && q->kids == NULL)
            return 0;
        for (size_t i = 0; i < q->n_kids; i++)
            if (!tree_valid(q->kids[i], users_table, depth + 1, count))
                return 0;
        return 1;
    default:
        return is_leaf_op(q->op) && leaf_valid(q, users_table);
    }
}

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 'a' - 'A') : c;
}

/* SQLite's BINARY and NOCASE collations: bytes (ASCII folded), then length. */
static int collate(const char *a, const char *b, int nocase)
{
    size_t la = strlen(a), lb = strlen(b), n = la < lb ? la : lb;

    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (nocase) {
            x = fold(x);
            y = fold(y);
        }
        if (x != y)
            return x < y ? -1 : 1;
    }
    return la < lb ? -1 : la > lb;
}

static int text_match(const char *value, const cdb_query *q, int nocase, int nullable)
{
    if (value == NULL)
        return 0;
    switch (q->op) {
    case CDB_Q_EQ:
        return collate(value, q->text, nocase) == 0;
    case CDB_Q_GE:
        return collate(value, q->text, nocase) >= 0;
    case CDB_Q_LE:
        return collate(value, q->text, nocase) <= 0;
    case CDB_Q_PREFIX: {
        size_t n = strlen(q->text);
        if (strlen(value) < n)
            return 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char x = (unsigned char)value[i], y = (unsigned char)q->text[i];
            if (nocase ? fold(x) != fold(y) : x != y)
                return 0;
        }
        return 1;
    }
    case CDB_Q_PRESENT:
        return !nullable || value[0] != '\0';
    default:
        abort();
    }
}

static int number_match(int64_t value, const cdb_query *q)
{
    switch (q->op) {
    case CDB_Q_EQ: return value == q->number;
    case CDB_Q_GE: return value >= q->number;
    case CDB_Q_LE: return value <= q->number;
    case CDB_Q_PRESENT: return 1;
    default: abort();
    }
}

static int user_match(const cdb_user *u, const cdb_query *q)
{
    size_t i;

    switch (q->op) {
    case CDB_Q_TRUE: return 1;
    case CDB_Q_FALSE: return 0;
    case CDB_Q_AND:
        for (i = 0; i < q->n_kids; i++)
            if (!user_match(u, q->kids[i]))
                return 0;
        return 1;
    case CDB_Q_OR:
        for (i = 0; i < q->n_kids; i++)
            if (user_match(u, q->kids[i]))
                return 1;
        return 0;
    default:
        break;
    }
    switch (q->field) {
    case CDB_QF_USERNAME: return text_match(u->username, q, 1, 0);
    case CDB_QF_MAIL: return text_match(u->mail, q, 1, 1);
    case CDB_QF_UPDATED_AT: return text_match(u->updated_at, q, 0, 0);
    case CDB_QF_CREATED_AT: return text_match(u->created_at, q, 0, 0);
    case CDB_QF_UID_NUMBER: return number_match(u->uid_number, q);
    case CDB_QF_USER_MEMBER_OF:
        if (q->op == CDB_Q_PRESENT)
            return u->n_groups > 0;
        for (i = 0; i < u->n_groups; i++)
            if (number_match(u->groups[i].gid_number, q))
                return 1;
        return 0;
    case CDB_QF_USER_STATUS:
        return q->op == CDB_Q_PRESENT || (int64_t)u->status == q->number;
    default: abort();
    }
}

static int group_match(const cdb_group *g, const cdb_query *q)
{
    size_t i;

    switch (q->op) {
    case CDB_Q_TRUE: return 1;
    case CDB_Q_FALSE: return 0;
    case CDB_Q_AND:
        for (i = 0; i < q->n_kids; i++)
            if (!group_match(g, q->kids[i]))
                return 0;
        return 1;
    case CDB_Q_OR:
        for (i = 0; i < q->n_kids; i++)
            if (group_match(g, q->kids[i]))
                return 1;
        return 0;
    default:
        break;
    }
    switch (q->field) {
    case CDB_QF_GROUP_CN: return text_match(g->cn, q, 1, 0);
    case CDB_QF_UPDATED_AT: return text_match(g->updated_at, q, 0, 0);
    case CDB_QF_CREATED_AT: return text_match(g->created_at, q, 0, 0);
    case CDB_QF_GID_NUMBER: return number_match(g->gid_number, q);
    case CDB_QF_GROUP_MEMBER:
        if (q->op == CDB_Q_PRESENT)
            return g->n_members > 0;
        for (i = 0; i < g->n_members; i++)
            if (text_match(g->member_usernames[i], q, 1, 0))
                return 1;
        return 0;
    case CDB_QF_GROUP_MEMBER_UID:
        if (q->op == CDB_Q_PRESENT)
            return g->n_members > 0;
        for (i = 0; i < g->n_members; i++)
            if (number_match(g->member_uids[i], q))
                return 1;
        return 0;
    default: abort();
    }
}

/*
 * Known, reported bug: PREFIX on updatedAt / createdAt (BINARY collation)
 * selects too much, because query.c folds the prefix's upper bound to lower
 * case as for the NOCASE columns.  With CDB_FUZZ_QUERY_TOLERATE=timestamp-prefix
 * such trees skip the differential check, so a campaign can look past it.
 */
static int has_timestamp_prefix(const cdb_query *q, size_t *budget)
{
    if (q == NULL || (*budget)-- == 0)
        return 0;
    if (q->op == CDB_Q_AND || q->op == CDB_Q_OR) {
        for (size_t i = 0; i < q->n_kids; i++)
            if (has_timestamp_prefix(q->kids[i], budget))
                return 1;
        return 0;
    }
    return q->op == CDB_Q_PREFIX &&
           (q->field == CDB_QF_UPDATED_AT || q->field == CDB_QF_CREATED_AT);
}

static int tolerated(const cdb_query *q)
{
    const char *t = getenv("CDB_FUZZ_QUERY_TOLERATE");
    size_t budget = MAX_NODES + 1;

    return t != NULL && strstr(t, "timestamp-prefix") != NULL && has_timestamp_prefix(q, &budget);
}

/* ---- printing a failing case -------------------------------------------- */

static const cdb_query *current_query;
static int current_users;
static int64_t current_after;
static size_t current_limit;

static void print_text(const char *s)
{
    fputc('"', stderr);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            fprintf(stderr, "\\x%02x", c);
        else
            fputc(c, stderr);
    }
    fputc('"', stderr);
}

static void print_query(const cdb_query *q, int indent, size_t *budget)
{
    static const char *const ops[] = {"TRUE", "FALSE", "AND", "OR", "EQ", "PREFIX", "GE", "LE",
                                      "PRESENT"};
    static const char *const fields[] = {"username", "uidNumber", "mail", "memberOf", "status",
                                         "cn", "gidNumber", "member", "memberUid", "updatedAt",
                                         "createdAt"};

    if ((*budget)-- == 0)
        return;
    fprintf(stderr, "#   %*s", 2 * indent, "");
    if (q == NULL) {
        fprintf(stderr, "NULL\n");
        return;
    }
    if ((unsigned)q->op > CDB_Q_PRESENT) {
        fprintf(stderr, "op %d\n", (int)q->op);
        return;
    }
    fprintf(stderr, "%s", ops[q->op]);
    if (q->op == CDB_Q_AND || q->op == CDB_Q_OR) {
        fprintf(stderr, " (%zu)%s\n", q->n_kids, q->kids == NULL && q->n_kids ? " kids NULL" : "");
        for (size_t i = 0; q->kids != NULL && i < q->n_kids && *budget > 0; i++)
            print_query(q->kids[i], indent + 1, budget);
        return;
    }
    if (q->op >= CDB_Q_EQ) {
        if ((unsigned)q->field <= CDB_QF_CREATED_AT)
            fprintf(stderr, " %s", fields[q->field]);
        else
            fprintf(stderr, " field %d", (int)q->field);
        fprintf(stderr, " text=");
        if (q->text)
            print_text(q->text);
        else
            fprintf(stderr, "NULL");
        fprintf(stderr, " number=%lld", (long long)q->number);
    }
    fputc('\n', stderr);
}

static void failure_context(void)
{
    size_t budget = 60;

    fprintf(stderr, "# %s_find(after=%lld, limit=%zu) with\n", current_users ? "user" : "group",
            (long long)current_after, current_limit);
    if (current_query)
        print_query(current_query, 0, &budget);
    else
        fprintf(stderr, "#   NULL query\n");
    fprintf(stderr, "# rows:");
    for (size_t i = 0; i < n_users; i++)
        fprintf(stderr, " %lld=%s", (long long)users[i]->uid_number, users[i]->username);
    for (size_t i = 0; i < n_groups; i++)
        fprintf(stderr, " %lld=%s", (long long)groups[i]->gid_number, groups[i]->cn);
    fputc('\n', stderr);
}

/* ---- one input ---------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct reader r = {data, size};
    uint8_t head = byte(&r);
    int users_table = head & 1;
    const cdb_query *query;
    int64_t after, *ids = NULL, expected[16];
    size_t limit, n = 0, n_expected = 0, count = 0;
    int rc, valid;

    n_nodes = n_kid_pool = n_text_pool = 0;
    switch (byte(&r) % 6) {
    case 0: after = INT64_MIN; break;
    case 1: after = 0; break;
    case 2: after = users[byte(&r) % n_users]->uid_number + byte(&r) % 3 - 1; break;
    case 3: after = groups[byte(&r) % n_groups]->gid_number + byte(&r) % 3 - 1; break;
    case 4: after = INT64_MAX; break;
    default: after = (int64_t)u64(&r); break;
    }
    switch (byte(&r) % 5) {
    case 0: limit = 0; break;
    case 1: limit = 1; break;
    case 2: limit = 2 + byte(&r) % 4; break;
    case 3: limit = byte(&r) % 2 ? SIZE_MAX : (size_t)INT64_MAX + 1; break;
    default: limit = byte(&r); break;
    }
    query = head & 2 ? NULL : make_node(&r, 0);
    current_query = query;
    current_users = users_table;
    current_after = after;
    current_limit = limit;

    valid = query == NULL || tree_valid(query, users_table, 0, &count);
    if (valid) {
        size_t rows = users_table ? n_users : n_groups;
        size_t cap = limit == 0 || limit > INT64_MAX ? SIZE_MAX : limit;
        for (size_t i = 0; i < rows && n_expected < cap; i++) {
            int64_t id = users_table ? users[i]->uid_number : groups[i]->gid_number;
            int hit = query == NULL ||
                      (users_table ? user_match(users[i], query) : group_match(groups[i], query));
            if (hit && id > after)
                expected[n_expected++] = id;
        }
    }

    rc = users_table ? cdb_user_find(db, query, after, limit, &ids, &n)
                     : cdb_group_find(db, query, after, limit, &ids, &n);
    if (getenv("CDB_FUZZ_QUERY_PRINT") != NULL) { /* see what a seed decodes to */
        failure_context();
        fprintf(stderr, "# valid %d, status %s, %zu ids, %zu expected\n", valid,
                cdb_strerror(rc), rc == CDB_OK ? n : 0, n_expected);
    }
    if (!valid) {
        CHECK(rc == CDB_ERR_INVALID, "a tree against the rules gave %s (%s)", cdb_strerror(rc),
              rc == CDB_OK ? "" : cdb_errmsg(db));
        if (rc == CDB_OK)
            cdb_free(ids);
        return 0;
    }
    CHECK(rc == CDB_OK, "a valid tree gave %s: %s", cdb_strerror(rc), cdb_errmsg(db));
    CHECK(ids != NULL, "no id array");
    CHECK(limit == 0 || limit > INT64_MAX || n <= limit, "%zu ids for limit %zu", n, limit);
    for (size_t i = 0; i < n; i++) {
        CHECK(ids[i] > after, "id %lld not after %lld", (long long)ids[i], (long long)after);
        CHECK(i == 0 || ids[i] > ids[i - 1], "ids not ascending at %zu", i);
    }
    if (!tolerated(query) && (n != n_expected || memcmp(ids, expected, n * sizeof *ids) != 0)) {
        fprintf(stderr, "# got     :");
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %lld", (long long)ids[i]);
        fprintf(stderr, "\n# expected:");
        for (size_t i = 0; i < n_expected; i++)
            fprintf(stderr, " %lld", (long long)expected[i]);
        fputc('\n', stderr);
        CHECK(0, "the store and the naive evaluation disagree");
    }
    cdb_free(ids);
    return 0;
}
