/* Candidate queries: every field and operator, nesting, paging, limits,
 * statement reuse, and index use proven with EXPLAIN QUERY PLAN. */
#include "directory_fixture.h"

/* Ids of a find as a short string "2000,2003" for easy comparison. */
static char result_text[4096];

static const char *ids_text(const int64_t *ids, size_t n)
{
    size_t len = 0, i;

    result_text[0] = '\0';
    for (i = 0; i < n && len < sizeof result_text - 24; i++)
        len += (size_t)snprintf(result_text + len, sizeof result_text - len, "%s%lld",
                                i ? "," : "", (long long)ids[i]);
    return result_text;
}

static const char *users_where(cdb *db, const cdb_query *q)
{
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = cdb_user_find(db, q, INT64_MIN, 0, &ids, &n);

    if (rc != CDB_OK)
        fprintf(stderr, "# user_find: %s\n", cdb_errmsg(db));
    assert_int_equal(rc, CDB_OK);
    ids_text(ids, n);
    cdb_free(ids);
    return result_text;
}

static const char *groups_where(cdb *db, const cdb_query *q)
{
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = cdb_group_find(db, q, 0, 0, &ids, &n);

    if (rc != CDB_OK)
        fprintf(stderr, "# group_find: %s\n", cdb_errmsg(db));
    assert_int_equal(rc, CDB_OK);
    ids_text(ids, n);
    cdb_free(ids);
    return result_text;
}

static cdb_query leaf_text(cdb_qop op, cdb_qfield field, const char *text)
{
    cdb_query q = {.op = op, .field = field, .text = text};
    return q;
}

static cdb_query leaf_num(cdb_qop op, cdb_qfield field, int64_t number)
{
    cdb_query q = {.op = op, .field = field, .number = number};
    return q;
}

/*
 * The directory used by the tests:
 *   2000 alice   (first user: active, sysadmins)   mail alice@example.com
 *   2001 a_b     pending                           mail x%y@example.com
 *   2002 axb     pending, devs                     mail x_y@example.com
 *   2003 bob     active, devs, ops                 mail XZY@Example.com
 *   2004 carol   suspended                         no mail
 *   groups: 2000 ldapusers, 2001 sysadmins, 2002 devs, 2003 ops
 */
static int64_t devs, ops;

static void populate(cdb *db)
{
    static const struct {
        const char *name, *mail;
        int status;
    } users[] = {
        {"alice", "alice@example.com", -1},
        {"a_b", "x%y@example.com", -1},
        {"axb", "x_y@example.com", -1},
        {"bob", "XZY@Example.com", CDB_USER_ACTIVE},
        {"carol", NULL, CDB_USER_SUSPENDED},
    };
    size_t i;

    for (i = 0; i < sizeof users / sizeof users[0]; i++) {
        cdb_user_input in = user_input(users[i].name);
        int64_t uid;
        in.mail = users[i].mail;
        in.status = users[i].status;
        assert_int_equal(cdb_user_create(db, &in, 0, &uid), CDB_OK);
        assert_int_equal(uid, 2000 + (int64_t)i);
    }
    assert_int_equal(cdb_group_create(db, "devs", 0, 0, &devs), CDB_OK);
    assert_int_equal(cdb_group_create(db, "ops", 0, 1, &ops), CDB_OK);
    assert_int_equal(cdb_membership_add(db, 2002, devs), CDB_OK);
    assert_int_equal(cdb_membership_add(db, 2003, devs), CDB_OK);
    assert_int_equal(cdb_membership_add(db, 2003, ops), CDB_OK);
}

static int setup(void **state)
{
    if (fixture_setup(state) != 0)
        return -1;
    populate(((struct fixture *)*state)->db);
    return 0;
}

static void test_user_text_fields(void **state)
{
    cdb *db = ((struct fixture *)*state)->db;
    cdb_query q;

    q = leaf_text(CDB_Q_EQ, CDB_QF_USERNAME, "bob");
    assert_string_equal(users_where(db, &q), "2003");
    q = leaf_text(CDB_Q_EQ, CDB_QF_USERNAME, "BOB"); /* caseIgnore */
    assert_string_equal(users_where(db, &q), "2003");
    q = leaf_text(CDB_Q_EQ, CDB_QF_USERNAME, "bo");
    assert_string_equal(users_where(db, &q), "");
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_USERNAME, "a");
    assert_string_equal(users_where(db, &q), "2000,2001,2002");
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_USERNAME, "A");
    assert_string_equal(users_where(db, &q), "2000,2001,2002");
    /* LIKE metacharacters in a prefix are plain characters. */
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_USERNAME, "a_");
    assert_string_equal(users_where(db, &q), "2001");
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_USERNAME, "a%");
    assert_string_equal(users_where(db, &q), "");
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_USERNAME, "");
    assert_string_equal(users_where(db, &q), "2000,2001,2002,2003,2004");
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_USERNAME, "\xff\xff");
    assert_string_equal(users_where(db, &q), "");
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_USERNAME, "carol");
    assert_string_equal(users_where(db, &q), "2004");
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_USERNAME, "carolx");
    assert_string_equal(users_where(db, &q), "");
    q = leaf_text(CDB_Q_GE, CDB_QF_USERNAME, "B");
    assert_string_equal(users_where(db, &q), "2003,2004");
    q = leaf_text(CDB_Q_LE, CDB_QF_USERNAME, "AXB");
    assert_string_equal(users_where(db, &q), "2000,2001,2002");
    q = leaf_text(CDB_Q_PRESENT, CDB_QF_USERNAME, NULL);
    assert_string_equal(users_where(db, &q), "2000,2001,2002,2003,2004");

    q = leaf_text(CDB_Q_EQ, CDB_QF_MAIL, "xzy@example.com");
    assert_string_equal(users_where(db, &q), "2003");
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_MAIL, "x%");
    assert_string_equal(users_where(db, &q), "2001");
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_MAIL, "x_");
    assert_string_equal(users_where(db, &q), "2002");
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_MAIL, "X");
    assert_string_equal(users_where(db, &q), "2001,2002,2003");
    /* '@' + 1 is 'A', which NOCASE folds: the range must still be exact. */
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_MAIL, "alice@");
    assert_string_equal(users_where(db, &q), "2000");
    q = leaf_text(CDB_Q_PRESENT, CDB_QF_MAIL, NULL);
    assert_string_equal(users_where(db, &q), "2000,2001,2002,2003");

    q = leaf_text(CDB_Q_PRESENT, CDB_QF_CREATED_AT, NULL);
    assert_string_equal(users_where(db, &q), "2000,2001,2002,2003,2004");
    q = leaf_text(CDB_Q_GE, CDB_QF_UPDATED_AT, "9999");
    assert_string_equal(users_where(db, &q), "");
    q = leaf_text(CDB_Q_GE, CDB_QF_UPDATED_AT, "2000-01-01T00:00:00.000Z");
    assert_string_equal(users_where(db, &q), "2000,2001,2002,2003,2004");
    q = leaf_text(CDB_Q_LE, CDB_QF_CREATED_AT, "2000-01-01T00:00:00.000Z");
    assert_string_equal(users_where(db, &q), "");
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_CREATED_AT, "20");
    assert_string_equal(users_where(db, &q), "2000,2001,2002,2003,2004");
}

static void test_user_number_fields(void **state)
{
    cdb *db = ((struct fixture *)*state)->db;
    cdb_query q;
    int64_t *ids = NULL;
    size_t n = 0;

    q = leaf_num(CDB_Q_EQ, CDB_QF_UID_NUMBER, 2002);
    assert_string_equal(users_where(db, &q), "2002");
    q = leaf_num(CDB_Q_GE, CDB_QF_UID_NUMBER, 2003);
    assert_string_equal(users_where(db, &q), "2003,2004");
    q = leaf_num(CDB_Q_LE, CDB_QF_UID_NUMBER, 2001);
    assert_string_equal(users_where(db, &q), "2000,2001");
    q = leaf_num(CDB_Q_EQ, CDB_QF_UID_NUMBER, -1);
    assert_string_equal(users_where(db, &q), "");
    q = leaf_num(CDB_Q_LE, CDB_QF_UID_NUMBER, INT64_MAX);
    assert_string_equal(users_where(db, &q), "2000,2001,2002,2003,2004");
    q = leaf_num(CDB_Q_PRESENT, CDB_QF_UID_NUMBER, 0);
    assert_string_equal(users_where(db, &q), "2000,2001,2002,2003,2004");

    q = leaf_num(CDB_Q_EQ, CDB_QF_USER_MEMBER_OF, devs);
    assert_string_equal(users_where(db, &q), "2002,2003");
    q = leaf_num(CDB_Q_EQ, CDB_QF_USER_MEMBER_OF, CDB_GID_SYSADMINS);
    assert_string_equal(users_where(db, &q), "2000");
    q = leaf_num(CDB_Q_PRESENT, CDB_QF_USER_MEMBER_OF, 0);
    assert_string_equal(users_where(db, &q), "2000,2002,2003");

    q = leaf_num(CDB_Q_EQ, CDB_QF_USER_STATUS, CDB_USER_ACTIVE);
    assert_string_equal(users_where(db, &q), "2000,2003");
    q = leaf_num(CDB_Q_EQ, CDB_QF_USER_STATUS, CDB_USER_PENDING);
    assert_string_equal(users_where(db, &q), "2001,2002");
    q = leaf_num(CDB_Q_EQ, CDB_QF_USER_STATUS, 42);
    assert_string_equal(users_where(db, &q), "");

    /* Wrong operator or field: INVALID, nothing returned. */
    q = leaf_num(CDB_Q_PREFIX, CDB_QF_UID_NUMBER, 2);
    assert_int_equal(cdb_user_find(db, &q, 0, 0, &ids, &n), CDB_ERR_INVALID);
    q = leaf_num(CDB_Q_GE, CDB_QF_USER_STATUS, 1);
    assert_int_equal(cdb_user_find(db, &q, 0, 0, &ids, &n), CDB_ERR_INVALID);
    q = leaf_text(CDB_Q_EQ, CDB_QF_GROUP_CN, "devs");
    assert_int_equal(cdb_user_find(db, &q, 0, 0, &ids, &n), CDB_ERR_INVALID);
    q = leaf_num(CDB_Q_EQ, CDB_QF_GID_NUMBER, 2000);
    assert_int_equal(cdb_user_find(db, &q, 0, 0, &ids, &n), CDB_ERR_INVALID);
    q = leaf_text(CDB_Q_EQ, CDB_QF_USERNAME, NULL);
    assert_int_equal(cdb_user_find(db, &q, 0, 0, &ids, &n), CDB_ERR_INVALID);
    q = leaf_num((cdb_qop)99, CDB_QF_UID_NUMBER, 1);
    assert_int_equal(cdb_user_find(db, &q, 0, 0, &ids, &n), CDB_ERR_INVALID);
    q = leaf_num(CDB_Q_EQ, (cdb_qfield)99, 1);
    assert_int_equal(cdb_user_find(db, &q, 0, 0, &ids, &n), CDB_ERR_INVALID);
    assert_null(ids);
}

static void test_group_fields(void **state)
{
    cdb *db = ((struct fixture *)*state)->db;
    cdb_query q;
    int64_t *ids = NULL;
    size_t n = 0;

    q = leaf_text(CDB_Q_EQ, CDB_QF_GROUP_CN, "DEVS");
    assert_string_equal(groups_where(db, &q), "2002");
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_GROUP_CN, "s");
    assert_string_equal(groups_where(db, &q), "2001");
    q = leaf_text(CDB_Q_GE, CDB_QF_GROUP_CN, "m");
    assert_string_equal(groups_where(db, &q), "2001,2003");
    q = leaf_num(CDB_Q_EQ, CDB_QF_GID_NUMBER, 2003);
    assert_string_equal(groups_where(db, &q), "2003");
    q = leaf_num(CDB_Q_LE, CDB_QF_GID_NUMBER, 2001);
    assert_string_equal(groups_where(db, &q), "2000,2001");
    q = leaf_text(CDB_Q_EQ, CDB_QF_GROUP_MEMBER, "bob");
    assert_string_equal(groups_where(db, &q), "2002,2003");
    q = leaf_text(CDB_Q_EQ, CDB_QF_GROUP_MEMBER, "Alice");
    assert_string_equal(groups_where(db, &q), "2001");
    q = leaf_text(CDB_Q_PREFIX, CDB_QF_GROUP_MEMBER, "a");
    assert_string_equal(groups_where(db, &q), "2001,2002");
    q = leaf_text(CDB_Q_PRESENT, CDB_QF_GROUP_MEMBER, NULL);
    assert_string_equal(groups_where(db, &q), "2001,2002,2003");
    q = leaf_num(CDB_Q_EQ, CDB_QF_GROUP_MEMBER_UID, 2002);
    assert_string_equal(groups_where(db, &q), "2002");
    q = leaf_num(CDB_Q_EQ, CDB_QF_GROUP_MEMBER_UID, 2004);
    assert_string_equal(groups_where(db, &q), "");
    q = leaf_text(CDB_Q_GE, CDB_QF_UPDATED_AT, "2000");
    assert_string_equal(groups_where(db, &q), "2000,2001,2002,2003");
    {
        /* Timestamps compare case-exactly: "<date>T!" sorts before every
         * "<date>T<hh>", and the prefix bound must not fold 'T' to 't'. */
        char bound[40];
        cdb_group *oldest = NULL;
        assert_int_equal(cdb_group_get(db, 2000, &oldest), CDB_OK);
        char *date = oldest->updated_at; /* all four groups were made moments apart */
        snprintf(bound, sizeof bound, "%.10sT!", date);
        q = leaf_text(CDB_Q_PREFIX, CDB_QF_UPDATED_AT, bound);
        assert_string_equal(groups_where(db, &q), "");
        snprintf(bound, sizeof bound, "%.10sT", date);
        q = leaf_text(CDB_Q_PREFIX, CDB_QF_UPDATED_AT, bound);
        assert_string_equal(groups_where(db, &q), "2000,2001,2002,2003");
        cdb_group_free(oldest);
    }

    q = leaf_text(CDB_Q_EQ, CDB_QF_USERNAME, "bob");
    assert_int_equal(cdb_group_find(db, &q, 0, 0, &ids, &n), CDB_ERR_INVALID);
    q = leaf_text(CDB_Q_EQ, CDB_QF_MAIL, "bob");
    assert_int_equal(cdb_group_find(db, &q, 0, 0, &ids, &n), CDB_ERR_INVALID);
    q = leaf_num(CDB_Q_EQ, CDB_QF_USER_MEMBER_OF, 2000);
    assert_int_equal(cdb_group_find(db, &q, 0, 0, &ids, &n), CDB_ERR_INVALID);
    assert_null(ids);
    /* NULL query: every group. */
    assert_string_equal(groups_where(db, NULL), "2000,2001,2002,2003");
}

static void test_nesting(void **state)
{
    cdb *db = ((struct fixture *)*state)->db;
    /* (| (& (uidNumber>=2001) (memberOf=devs) (!pending...)) (uid=alice) (uid=nobody)) */
    cdb_query ge = leaf_num(CDB_Q_GE, CDB_QF_UID_NUMBER, 2001);
    cdb_query in_devs = leaf_num(CDB_Q_EQ, CDB_QF_USER_MEMBER_OF, devs);
    cdb_query active = leaf_num(CDB_Q_EQ, CDB_QF_USER_STATUS, CDB_USER_ACTIVE);
    const cdb_query *and_kids[] = {&ge, &in_devs, &active};
    cdb_query and_q = {.op = CDB_Q_AND, .kids = and_kids, .n_kids = 3};
    cdb_query alice = leaf_text(CDB_Q_EQ, CDB_QF_USERNAME, "alice");
    cdb_query nobody = leaf_text(CDB_Q_EQ, CDB_QF_USERNAME, "nobody");
    const cdb_query *or_kids[] = {&and_q, &alice, &nobody};
    cdb_query or_q = {.op = CDB_Q_OR, .kids = or_kids, .n_kids = 3};
    cdb_query empty_and = {.op = CDB_Q_AND};
    cdb_query empty_or = {.op = CDB_Q_OR};
    cdb_query t = {.op = CDB_Q_TRUE}, fls = {.op = CDB_Q_FALSE};
    const cdb_query *mixed_kids[] = {&t, &fls};
    cdb_query mixed_or = {.op = CDB_Q_OR, .kids = mixed_kids, .n_kids = 2};
    cdb_query mixed_and = {.op = CDB_Q_AND, .kids = mixed_kids, .n_kids = 2};
    const cdb_query *bad_kids[] = {&alice, NULL};
    cdb_query bad = {.op = CDB_Q_OR, .kids = bad_kids, .n_kids = 2};
    cdb_query missing = {.op = CDB_Q_AND, .kids = NULL, .n_kids = 2};
    int64_t *ids = NULL;
    size_t n = 0;

    assert_string_equal(users_where(db, &or_q), "2000,2003");
    assert_string_equal(users_where(db, &and_q), "2003");
    assert_string_equal(users_where(db, &empty_and), "2000,2001,2002,2003,2004");
    assert_string_equal(users_where(db, &empty_or), "");
    assert_string_equal(users_where(db, &t), "2000,2001,2002,2003,2004");
    assert_string_equal(users_where(db, &fls), "");
    assert_string_equal(users_where(db, &mixed_or), "2000,2001,2002,2003,2004");
    assert_string_equal(users_where(db, &mixed_and), "");
    assert_int_equal(cdb_user_find(db, &bad, 0, 0, &ids, &n), CDB_ERR_INVALID);
    assert_int_equal(cdb_user_find(db, &missing, 0, 0, &ids, &n), CDB_ERR_INVALID);
    assert_null(ids);
}

static void test_paging(void **state)
{
    cdb *db = ((struct fixture *)*state)->db;
    int64_t *ids = NULL, after = INT64_MIN;
    size_t n = 0, pages = 0;
    char all[256] = "";

    /* Walk the users two at a time, as paged results would. */
    for (;;) {
        assert_int_equal(cdb_user_find(db, NULL, after, 2, &ids, &n), CDB_OK);
        if (n == 0) {
            cdb_free(ids);
            break;
        }
        assert_true(n <= 2);
        pages++;
        strcat(all, all[0] ? "," : "");
        strcat(all, ids_text(ids, n));
        after = ids[n - 1];
        cdb_free(ids);
    }
    assert_int_equal(pages, 3);
    assert_string_equal(all, "2000,2001,2002,2003,2004");
    assert_int_equal(cdb_user_find(db, NULL, 2002, 0, &ids, &n), CDB_OK);
    assert_string_equal(ids_text(ids, n), "2003,2004");
    cdb_free(ids);
    assert_int_equal(cdb_user_find(db, NULL, 0, 1, &ids, &n), CDB_OK);
    assert_string_equal(ids_text(ids, n), "2000");
    cdb_free(ids);
    assert_int_equal(cdb_group_find(db, NULL, 2001, 1, &ids, &n), CDB_OK);
    assert_string_equal(ids_text(ids, n), "2002");
    cdb_free(ids);
    assert_int_equal(cdb_user_find(db, NULL, INT64_MAX, 0, &ids, &n), CDB_OK);
    assert_int_equal(n, 0);
    cdb_free(ids);
}

static void test_limits(void **state)
{
    cdb *db = ((struct fixture *)*state)->db;
    cdb_query leaf = leaf_text(CDB_Q_EQ, CDB_QF_USERNAME, "bob");
    cdb_query chain[70];
    const cdb_query *links[70];
    const cdb_query **wide = calloc(300, sizeof *wide);
    cdb_query wide_or = {.op = CDB_Q_OR};
    int64_t *ids = NULL;
    size_t n = 0, i;

    /* A chain of ANDs: the leaf at CDB_QUERY_MAX_DEPTH is fine, one deeper is not. */
    for (i = 0; i < 70; i++) {
        chain[i].op = CDB_Q_AND;
        chain[i].n_kids = 1;
        links[i] = i + 1 < 70 ? &chain[i + 1] : &leaf;
        chain[i].kids = &links[i];
    }
    chain[69].kids = NULL;
    chain[69] = leaf;
    assert_string_equal(users_where(db, &chain[69 - CDB_QUERY_MAX_DEPTH]), "2003");
    assert_int_equal(cdb_user_find(db, &chain[68 - CDB_QUERY_MAX_DEPTH], 0, 0, &ids, &n),
                     CDB_ERR_INVALID);
    assert_null(ids);

    /* 255 terms under one OR pass; 300 do not. */
    assert_non_null(wide);
    for (i = 0; i < 300; i++)
        wide[i] = &leaf;
    wide_or.kids = wide;
    wide_or.n_kids = 255;
    assert_string_equal(users_where(db, &wide_or), "2003");
    wide_or.n_kids = 300;
    assert_int_equal(cdb_user_find(db, &wide_or, 0, 0, &ids, &n), CDB_ERR_INVALID);
    assert_null(ids);
    free(wide);
}

/* The deepest tree core takes, alternating OR/AND with the deeper level
 * last and the costliest leaf (memberUid prefix: two nested subqueries):
 * SQLite's parser must take its SQL (its stack is what runs out first). */
static void test_deepest_tree_parses(void **state)
{
    cdb *db = ((struct fixture *)*state)->db;
    cdb_query member = leaf_text(CDB_Q_PREFIX, CDB_QF_GROUP_MEMBER, "bo");
    cdb_query none = leaf_text(CDB_Q_PREFIX, CDB_QF_GROUP_MEMBER, "nobody");
    cdb_query levels[CDB_QUERY_MAX_DEPTH];
    const cdb_query *kids[CDB_QUERY_MAX_DEPTH][2];
    int i;

    for (i = 0; i < CDB_QUERY_MAX_DEPTH; i++) {
        int is_or = i % 2 == 0;
        levels[i].op = is_or ? CDB_Q_OR : CDB_Q_AND;
        kids[i][0] = is_or ? &none : &member;
        kids[i][1] = i + 1 < CDB_QUERY_MAX_DEPTH ? &levels[i + 1] : &member;
        levels[i].kids = kids[i];
        levels[i].n_kids = 2;
    }
    assert_string_equal(groups_where(db, &levels[0]), "2002,2003");
}

/* ---- statement reuse and query plans ---- */

#define MAX_STMTS 512

static size_t list_stmts(cdb *db, sqlite3_stmt **out)
{
    sqlite3_stmt *s = NULL;
    size_t n = 0;

    while ((s = sqlite3_next_stmt(cdb_sqlite(db), s)) != NULL && n < MAX_STMTS)
        out[n++] = s;
    return n;
}

/* Run find once and return the SQL of the statement it newly prepared. */
static char *new_statement_sql(cdb *db, int users, const cdb_query *q)
{
    sqlite3_stmt *before[MAX_STMTS], *after[MAX_STMTS];
    size_t nb = list_stmts(db, before), na, i, j;
    int64_t *ids = NULL;
    size_t n = 0;
    char *sql = NULL;

    if (users)
        assert_int_equal(cdb_user_find(db, q, 0, 0, &ids, &n), CDB_OK);
    else
        assert_int_equal(cdb_group_find(db, q, 0, 0, &ids, &n), CDB_OK);
    cdb_free(ids);
    na = list_stmts(db, after);
    for (i = 0; i < na && sql == NULL; i++) {
        for (j = 0; j < nb && before[j] != after[i]; j++)
            ;
        if (j == nb)
            sql = strdup(sqlite3_sql(after[i]));
    }
    return sql;
}

/* The EXPLAIN QUERY PLAN lines of sql, joined by " | ". */
static char *query_plan(cdb *db, const char *sql)
{
    char explain[4096], *plan = calloc(1, 4096);
    sqlite3_stmt *stmt = NULL;

    assert_non_null(plan);
    snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
    assert_int_equal(sqlite3_prepare_v2(cdb_sqlite(db), explain, -1, &stmt, NULL), SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        if (plan[0])
            strncat(plan, " | ", 4095 - strlen(plan));
        strncat(plan, (const char *)sqlite3_column_text(stmt, 3), 4095 - strlen(plan));
    }
    sqlite3_finalize(stmt);
    return plan;
}

static void test_statement_reuse(void **state)
{
    cdb *db = ((struct fixture *)*state)->db;
    sqlite3_stmt *list[MAX_STMTS];
    cdb_query a = leaf_text(CDB_Q_EQ, CDB_QF_MAIL, "nobody@example.com");
    cdb_query b = leaf_text(CDB_Q_EQ, CDB_QF_MAIL, "other@example.com");
    cdb_query c = leaf_text(CDB_Q_PREFIX, CDB_QF_MAIL, "x");
    char *sql;
    size_t count;

    SKIP_UNLESS_SQLITE("statements are listed with sqlite3_next_stmt");

    sql = new_statement_sql(db, 1, &a);
    assert_non_null(sql); /* a new shape: one new statement */
    /* Values are bound, never part of the SQL. */
    assert_null(strstr(sql, "nobody"));
    free(sql);
    count = list_stmts(db, list);
    sql = new_statement_sql(db, 1, &b); /* same shape, other value */
    assert_null(sql);
    assert_int_equal(list_stmts(db, list), count);
    sql = new_statement_sql(db, 1, &c); /* another shape */
    assert_non_null(sql);
    free(sql);
    assert_int_equal(list_stmts(db, list), count + 1);
}

/* Ever new shapes (as a hostile client could send) do not grow the cache
 * without bound, and every one still answers correctly. */
static void test_cache_is_bounded(void **state)
{
    cdb *db = ((struct fixture *)*state)->db;
    static sqlite3_stmt *list[MAX_STMTS];
    cdb_query by_name = leaf_text(CDB_Q_EQ, CDB_QF_USERNAME, "bob");
    cdb_query by_uid = leaf_num(CDB_Q_EQ, CDB_QF_UID_NUMBER, 2003);
    const cdb_query *kids[16];
    cdb_query tree = {.op = CDB_Q_OR, .kids = kids};
    unsigned shape;

    SKIP_UNLESS_SQLITE("the statement cache is counted with sqlite3_next_stmt");

    /* 450 distinct small shapes: the bits of `shape` below its top bit pick
     * a name or a uid leaf for each term of an OR.  All select bob. */
    for (shape = 2; shape < 452; shape++) {
        unsigned top = 31 - (unsigned)__builtin_clz(shape), bit;
        for (bit = 0; bit < top; bit++)
            kids[bit] = (shape >> bit) & 1 ? &by_uid : &by_name;
        tree.n_kids = top;
        assert_string_equal(users_where(db, &tree), "2003");
    }
    assert_true(list_stmts(db, list) <= 400);
    /* A shape cached before the limit is still served. */
    kids[0] = &by_name;
    tree.n_kids = 1;
    assert_string_equal(users_where(db, &tree), "2003");
}

static void assert_indexed(cdb *db, int users, const cdb_query *q, const char *must_contain)
{
    char *sql = new_statement_sql(db, users, q);
    char *plan;

    assert_non_null(sql);
    plan = query_plan(db, sql);
    printf("# %s\n#   plan: %s\n", sql, plan);
    /* No full scan of the directory tables, and the expected access path. */
    assert_null(strstr(plan, "SCAN Users"));
    assert_null(strstr(plan, "SCAN u "));
    assert_null(strstr(plan, "SCAN Groups"));
    assert_null(strstr(plan, "rowid>?"));
    assert_non_null(strstr(plan, must_contain));
    free(plan);
    free(sql);
}

static void test_index_use(void **state)
{
    cdb *db = ((struct fixture *)*state)->db;
    cdb_query uid = leaf_text(CDB_Q_EQ, CDB_QF_USERNAME, "bob");
    cdb_query uid_prefix = leaf_text(CDB_Q_PREFIX, CDB_QF_USERNAME, "bo");
    cdb_query uidn = leaf_num(CDB_Q_EQ, CDB_QF_UID_NUMBER, 2003);
    cdb_query mail = leaf_text(CDB_Q_EQ, CDB_QF_MAIL, "bob@example.com");
    cdb_query member_of = leaf_num(CDB_Q_EQ, CDB_QF_USER_MEMBER_OF, 2002);
    cdb_query gid = leaf_num(CDB_Q_EQ, CDB_QF_GID_NUMBER, 2002);
    cdb_query gcn = leaf_text(CDB_Q_EQ, CDB_QF_GROUP_CN, "devs");
    cdb_query member = leaf_text(CDB_Q_EQ, CDB_QF_GROUP_MEMBER, "bob");
    cdb_query member_uid = leaf_num(CDB_Q_EQ, CDB_QF_GROUP_MEMBER_UID, 2003);
    /* nslcd's (|(memberUid=U)(member=DN)) narrows to one of these, OR'd. */
    const cdb_query *either_kids[] = {&member, &member_uid};
    cdb_query either = {.op = CDB_Q_OR, .kids = either_kids, .n_kids = 2};

    SKIP_UNLESS_SQLITE("query plans are SQLite's EXPLAIN QUERY PLAN");

    assert_indexed(db, 1, &uid, "(username=?)");
    assert_indexed(db, 1, &uid_prefix, "(username>? AND username<?)");
    assert_indexed(db, 1, &uidn, "(rowid=?)");
    assert_indexed(db, 1, &mail, "(mail=?)");
    assert_indexed(db, 1, &member_of, "(gidNumber=?)");
    assert_indexed(db, 0, &gid, "(rowid=?)");
    assert_indexed(db, 0, &gcn, "(cn=?)");
    assert_indexed(db, 0, &member, "(username=?)");
    assert_indexed(db, 0, &member_uid, "(uidNumber=?)");
    assert_indexed(db, 0, &either, "(username=?)");

    /* An enumeration pages along the primary key: each page starts where the
     * last ended instead of scanning from the first row again. */
    {
        cdb_query status = leaf_num(CDB_Q_EQ, CDB_QF_USER_STATUS, CDB_USER_ACTIVE);
        char *sql = new_statement_sql(db, 1, &status);
        char *plan;

        assert_non_null(sql);
        plan = query_plan(db, sql);
        printf("# %s\n#   plan: %s\n", sql, plan);
        assert_non_null(strstr(plan, "SEARCH Users USING INTEGER PRIMARY KEY (rowid>?)"));
        free(plan);
        free(sql);
    }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_user_text_fields), T(test_user_number_fields), T(test_group_fields),
        T(test_nesting),          T(test_paging),             T(test_limits),
        T(test_deepest_tree_parses),
        T(test_statement_reuse),  T(test_index_use),          T(test_cache_is_bounded),
    };
    return cmocka_run_group_tests_name("query", tests, NULL, NULL);
}
