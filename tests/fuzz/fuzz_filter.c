/*
 * Fuzz target: the module's LDAP filter -> candidate query translation
 * (slapd-module/filter.c), compiled against OpenLDAP's prepared headers as
 * the module is, on slapd's own Filter structures.
 *
 * slapd is an executable, so the few slapd functions filter.c calls are
 * given here with slapd's meaning for a flat schema: ch_* allocate,
 * is_ad_subtype / is_object_subclass are identity (plus: every class is
 * below top), oc_bvfind looks a name up among the module's classes.
 *
 * The input builds a filter tree: AND / OR / NOT lists (wide ones repeat a
 * subtree hundreds of times, deep ones alternate |/& past 100 levels), and
 * every kind of assertion on the attributes the module knows, with values
 * of the database and bent ones.  Checked, for the users and the groups:
 * (Wide lists of equalities on one attribute with many values drive the
 * OR-to-range widening.)
 *  - the translation succeeds and fits core's bounds (CDB_QUERY_MAX_DEPTH,
 *    CDB_QUERY_MAX_NODES), so core never refuses it;
 *  - core runs it on a real database (CDB_OK: SQLite took the SQL);
 *  - it selects a superset: every row the filter is TRUE for (evaluated
 *    here for the assertions whose LDAP matching is plain: equality and
 *    presence on uid, uidNumber, mail, cn, gidNumber, memberUid) is among
 *    the candidates.
 */
#include "portable.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "back-clusterdb.h"

#undef free  /* proto-slap.h maps it to ch_free, which is defined here */

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "fuzz_filter: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
            abort();                                                          \
        }                                                                     \
    } while (0)

/* ---- the slapd functions filter.c calls ---------------------------------- */

void *ch_malloc(ber_len_t size) { void *p = malloc(size ? size : 1); CHECK(p, "oom"); return p; }
void *ch_calloc(ber_len_t n, ber_len_t size) { void *p = calloc(n ? n : 1, size ? size : 1); CHECK(p, "oom"); return p; }
void ch_free(void *p) { free(p); }
int is_ad_subtype(AttributeDescription *sub, AttributeDescription *super) { return sub == super; }

static ObjectClass oc_top, oc_person, oc_posix_account, oc_shadow, oc_key, oc_posix_group, oc_other;
static struct { const char *name; ObjectClass *oc; } oc_names[] = {
    {"top", &oc_top}, {"inetorgperson", &oc_person}, {"posixaccount", &oc_posix_account},
    {"shadowaccount", &oc_shadow}, {"ldappublickey", &oc_key}, {"posixgroup", &oc_posix_group},
    {"device", &oc_other},
};

int is_object_subclass(ObjectClass *sup, ObjectClass *sub)
{
    return sup != NULL && sub != NULL && (sup == sub || sup == &oc_top);
}

ObjectClass *oc_bvfind(struct berval *name)
{
    for (size_t i = 0; i < sizeof oc_names / sizeof oc_names[0]; i++)
        if (strlen(oc_names[i].name) == name->bv_len &&
            strncasecmp(oc_names[i].name, name->bv_val, name->bv_len) == 0)
            return oc_names[i].oc;
    return NULL;
}

cdbm_schema cdbm_ad;

/* ---- the attributes ------------------------------------------------------ */

enum attr { A_UID, A_UID_NUMBER, A_MAIL, A_CN, A_GID_NUMBER, A_MEMBER_UID, A_OBJECT_CLASS,
            A_SN, A_MEMBER_OF, A_STATUS, A_CREATED, A_MODIFIED, A_ENTRY_UUID, A_OTHER, A_COUNT };
static AttributeType types[A_COUNT];
static AttributeDescription ads[A_COUNT];

static void schema_init(void)
{
    for (int i = 0; i < A_COUNT; i++)
        ads[i].ad_type = &types[i];
    /* Operational: what slapd or an overlay computes. */
    types[A_MEMBER_OF].sat_usage = types[A_CREATED].sat_usage = types[A_MODIFIED].sat_usage =
        types[A_ENTRY_UUID].sat_usage = 1;
    cdbm_ad.uid = &ads[A_UID];
    cdbm_ad.uid_number = &ads[A_UID_NUMBER];
    cdbm_ad.mail = &ads[A_MAIL];
    cdbm_ad.cn = &ads[A_CN];
    cdbm_ad.gid_number = &ads[A_GID_NUMBER];
    cdbm_ad.member_uid = &ads[A_MEMBER_UID];
    cdbm_ad.object_class = &ads[A_OBJECT_CLASS];
    cdbm_ad.sn = &ads[A_SN];
    cdbm_ad.member_of = &ads[A_MEMBER_OF];
    cdbm_ad.status = &ads[A_STATUS];
    cdbm_ad.create_timestamp = &ads[A_CREATED];
    cdbm_ad.modify_timestamp = &ads[A_MODIFIED];
    cdbm_ad.entry_uuid = &ads[A_ENTRY_UUID];
    /* The remaining user attributes: distinct descriptions of no interest. */
    static AttributeDescription rest[8];
    static AttributeType rest_types[8];
    for (int i = 0; i < 8; i++)
        rest[i].ad_type = &rest_types[i];
    rest_types[7].sat_usage = 1;
    cdbm_ad.given_name = &rest[0];
    cdbm_ad.home_directory = &rest[1];
    cdbm_ad.login_shell = &rest[2];
    cdbm_ad.gecos = &rest[3];
    cdbm_ad.ssh_public_key = &rest[4];
    cdbm_ad.user_password = &rest[5];
    cdbm_ad.shadow_expire = &rest[6];
    cdbm_ad.structural_object_class = &rest[7];
    cdbm_ad.oc_top = &oc_top;
    cdbm_ad.oc_inet_org_person = &oc_person;
    cdbm_ad.oc_posix_account = &oc_posix_account;
    cdbm_ad.oc_shadow_account = &oc_shadow;
    cdbm_ad.oc_ldap_public_key = &oc_key;
    cdbm_ad.oc_posix_group = &oc_posix_group;
}

/* ---- the database -------------------------------------------------------- */

static char dir[256], path[300];
static cdb *db;
static cdb_user **users;
static size_t n_users;
static cdb_group **groups;
static size_t n_groups;

static void must(int rc, const char *what)
{
    CHECK(rc == CDB_OK, "set-up: %s: %s (%s)", what, cdb_strerror(rc), db ? cdb_errmsg(db) : "");
}

static void remove_database(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char file[320];

    cdb_user_array_free(users, n_users);
    cdb_group_array_free(groups, n_groups);
    cdb_close(db);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(file, sizeof file, "%s%s", path, suffixes[i]);
        unlink(file);
    }
    rmdir(dir);
}

static int64_t add_user(const char *name, const char *mail)
{
    cdb_user_input in = {.username = name, .mail = mail, .status = -1};
    int64_t uid;

    must(cdb_user_create(db, &in, 1, &uid), name);
    return uid;
}

static void populate(void)
{
    int64_t alice = add_user("alice", "Alice@Example.com"), bob = add_user("bob", "bob@example.org");
    int64_t carol = add_user("carol", NULL), zed = add_user("zed.x-1", "ZED@EXAMPLE.IO");
    int64_t dev, ops, *ids;
    size_t n;

    (void)carol;
    must(cdb_group_create(db, "dev", 0, 0, &dev), "dev");
    must(cdb_group_create(db, "ops", 3000, 1, &ops), "ops");
    must(cdb_membership_add(db, alice, dev), "alice dev");
    must(cdb_membership_add(db, bob, dev), "bob dev");
    must(cdb_membership_add(db, zed, ops), "zed ops");
    must(cdb_user_find(db, NULL, INT64_MIN, 0, &ids, &n), "users");
    must(cdb_user_get_many(db, ids, n, &users, &n_users), "user rows");
    cdb_free(ids);
    must(cdb_group_find(db, NULL, INT64_MIN, 0, &ids, &n), "groups");
    must(cdb_group_get_many(db, ids, n, &groups, &n_groups), "group rows");
    cdb_free(ids);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");

    schema_init();
    snprintf(dir, sizeof dir, "%s/cdb-fuzz-filter.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(path, sizeof path, "%s/clusterdb.sqlite", dir);
    atexit(remove_database);
    must(cdb_open(path, CDB_OPEN_CREATE | CDB_OPEN_MIGRATE, &db), "open");
    populate();
    return 0;
}

/* ---- building the filter ------------------------------------------------- */

struct reader { const uint8_t *p; size_t n; };

static uint8_t byte(struct reader *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

#define POOL 4096
static Filter filters[POOL];
static AttributeAssertion avas[POOL];
static SubstringsAssertion subs[POOL];
static size_t n_filters;
static char text_pool[POOL * 8];
static size_t n_text;

static const char *const fixed_values[] = {
    "alice", "bob", "carol", "zed.x-1", "alice@example.com", "bob@example.org", "zed@example.io",
    "dev", "ops", "sysadmins", "ldapusers", "2000", "2001", "2002", "2003", "3000", "-1",
    "99999999999999999999", "a b", "\xc3\xa9", "", "posixaccount", "posixgroup", "top",
    "inetorgperson", "device", "active", "pending", "20261126221604z", "19700101000000z", "x",
};

/* A value: one of the above (lower case, as slapd normalizes them), or bytes. */
static struct berval value(struct reader *r)
{
    struct berval bv;
    uint8_t k = byte(r);

    if (k < 200) {
        const char *s = fixed_values[k % (sizeof fixed_values / sizeof fixed_values[0])];
        bv.bv_val = (char *)(uintptr_t)s;
        bv.bv_len = strlen(s);
        return bv;
    }
    bv.bv_len = k % 8;
    if (n_text + bv.bv_len + 1 > sizeof text_pool)
        bv.bv_len = 0;
    bv.bv_val = text_pool + n_text;
    for (size_t i = 0; i < bv.bv_len; i++)
        bv.bv_val[i] = (char)byte(r);
    bv.bv_val[bv.bv_len] = '\0';
    n_text += bv.bv_len + 1;
    return bv;
}

static Filter *make_filter(struct reader *r, int depth);

static Filter *new_filter(ber_tag_t choice)
{
    Filter *f;

    if (n_filters >= POOL)
        return NULL;
    f = &filters[n_filters++];
    memset(f, 0, sizeof *f);
    f->f_choice = choice;
    return f;
}

/* A copy of f's tree (a list member needs its own node: f_next is in it). */
static Filter *copy_filter(const Filter *f)
{
    Filter *c = new_filter(f->f_choice), **tail, *k;

    if (c == NULL)
        return NULL;
    *c = *f;
    c->f_next = NULL;
    if ((f->f_choice & SLAPD_FILTER_MASK) == LDAP_FILTER_AND ||
        (f->f_choice & SLAPD_FILTER_MASK) == LDAP_FILTER_OR ||
        (f->f_choice & SLAPD_FILTER_MASK) == LDAP_FILTER_NOT) {
        c->f_list = NULL;
        tail = &c->f_list;
        for (k = f->f_list; k != NULL; k = k->f_next) {
            if ((*tail = copy_filter(k)) == NULL)
                break;
            tail = &(*tail)->f_next;
        }
    }
    return c;
}

static Filter *make_list(struct reader *r, int depth, ber_tag_t choice, size_t n, int repeat)
{
    Filter *f = new_filter(choice), **tail, *first = NULL;

    if (f == NULL)
        return NULL;
    tail = &f->f_list;
    for (size_t i = 0; i < n; i++) {
        Filter *k = repeat && first != NULL ? copy_filter(first) : make_filter(r, depth + 1);
        if (k == NULL)
            break;
        if (first == NULL)
            first = k;
        *tail = k;
        tail = &k->f_next;
    }
    return f;
}

static Filter *make_filter(struct reader *r, int depth)
{
    uint8_t k = byte(r);
    Filter *f;
    size_t i;

    if (depth > 140 || n_filters + 8 >= POOL)
        k = 6;  /* a leaf */
    switch (k % 16) {
    case 0:
        return make_list(r, depth, LDAP_FILTER_AND, byte(r) % 4, 0);
    case 1:
        return make_list(r, depth, LDAP_FILTER_OR, byte(r) % 4, 0);
    case 2:
        return make_list(r, depth, LDAP_FILTER_NOT, 1, 0);
    case 3: /* wide: the same term 200-1200 times */
        return make_list(r, depth, byte(r) % 2 ? LDAP_FILTER_OR : LDAP_FILTER_AND,
                         200 + (size_t)byte(r) * 4, 1);
    case 4: { /* a deep alternating chain, each level with a side term */
        size_t levels = 50 + byte(r) % 80;
        int last = byte(r) & 1;
        Filter *inner = make_filter(r, 141);
        for (i = 0; i < levels && inner != NULL; i++) {
            Filter *side = make_filter(r, 141);
            f = new_filter(i % 2 ? LDAP_FILTER_AND : LDAP_FILTER_OR);
            if (f == NULL || side == NULL)
                break;
            f->f_list = last ? inner : side;
            f->f_list->f_next = last ? side : inner;
            inner = f;
        }
        return inner;
    }
    case 5: { /* wide: 200-1200 equalities on one attribute, values cycling */
        /* A window of span neighbouring values, so that some lists hold
         * only values the store compares exactly (the others widen). */
        size_t n = 200 + (size_t)byte(r) * 4, span = 1 + byte(r) % 8;
        size_t start = byte(r) % (sizeof fixed_values / sizeof fixed_values[0] - span);
        AttributeDescription *ad = &ads[byte(r) % 6];  /* the indexed ones */
        Filter **tail;
        f = new_filter(LDAP_FILTER_OR);
        if (f == NULL)
            return NULL;
        tail = &f->f_list;
        for (i = 0; i < n; i++) {
            Filter *t = new_filter(LDAP_FILTER_EQUALITY);
            const char *v = fixed_values[start + i % span];
            size_t slot;
            if (t == NULL)
                break;
            slot = (size_t)(t - filters);
            avas[slot].aa_desc = ad;
            avas[slot].aa_value.bv_val = (char *)(uintptr_t)v;
            avas[slot].aa_value.bv_len = strlen(v);
            t->f_ava = &avas[slot];
            *tail = t;
            tail = &t->f_next;
        }
        return f;
    }
    default:
        break;
    }
    /* Leaves. */
    {
        static const ber_tag_t leaf_choices[] = {
            LDAP_FILTER_EQUALITY, LDAP_FILTER_EQUALITY, LDAP_FILTER_EQUALITY, LDAP_FILTER_GE,
            LDAP_FILTER_LE, LDAP_FILTER_SUBSTRINGS, LDAP_FILTER_PRESENT, LDAP_FILTER_APPROX,
            SLAPD_FILTER_COMPUTED, LDAP_FILTER_EQUALITY | SLAPD_FILTER_UNDEFINED,
        };
        uint8_t c = byte(r);
        ber_tag_t choice = leaf_choices[c % (sizeof leaf_choices / sizeof leaf_choices[0])];
        AttributeDescription *ad = &ads[byte(r) % A_COUNT];
        size_t slot;

        f = new_filter(choice);
        if (f == NULL)
            return NULL;
        slot = (size_t)(f - filters);
        switch (choice & SLAPD_FILTER_MASK) {
        case SLAPD_FILTER_COMPUTED:
            f->f_result = c & 1 ? LDAP_COMPARE_TRUE : LDAP_COMPARE_FALSE;
            break;
        case LDAP_FILTER_PRESENT:
            f->f_desc = ad;
            break;
        case LDAP_FILTER_SUBSTRINGS:
            memset(&subs[slot], 0, sizeof subs[slot]);
            subs[slot].sa_desc = ad;
            if (c & 0x80)
                subs[slot].sa_initial = value(r);
            else
                subs[slot].sa_final = value(r);
            f->f_sub = &subs[slot];
            break;
        default:
            memset(&avas[slot], 0, sizeof avas[slot]);
            avas[slot].aa_desc = ad;
            avas[slot].aa_value = value(r);
            f->f_ava = &avas[slot];
            break;
        }
        return f;
    }
}

/* ---- evaluating the filter on a row -------------------------------------- */

enum truth { T_FALSE, T_TRUE, T_UNDEF, T_UNKNOWN /* not evaluated here: any of the three */ };

static int ascii_ieq(const char *s, const struct berval *v)
{
    return s != NULL && strlen(s) == v->bv_len && strncasecmp(s, v->bv_val, v->bv_len) == 0;
}

static int parse_number(const struct berval *v, int64_t *out)
{
    char buf[24], *end;

    if (v->bv_len == 0 || v->bv_len >= sizeof buf)
        return 0;
    memcpy(buf, v->bv_val, v->bv_len);
    buf[v->bv_len] = '\0';
    *out = strtoll(buf, &end, 10);
    return *end == '\0' && (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9'));
}

static int in_group(const cdb_group *g, const struct berval *v)
{
    for (size_t i = 0; i < g->n_members; i++)  /* caseExactIA5Match */
        if (strlen(g->member_usernames[i]) == v->bv_len &&
            memcmp(g->member_usernames[i], v->bv_val, v->bv_len) == 0)
            return 1;
    return 0;
}

static enum truth eval(const Filter *f, const cdb_user *u, const cdb_group *g)
{
    ber_tag_t choice = f->f_choice;
    const Filter *k;
    int64_t n;

    if (choice & SLAPD_FILTER_UNDEFINED)
        return T_UNDEF;
    switch (choice) {
    case SLAPD_FILTER_COMPUTED:
        return f->f_result == LDAP_COMPARE_TRUE ? T_TRUE : T_FALSE;
    case LDAP_FILTER_AND:
    case LDAP_FILTER_OR: {
        int is_and = choice == LDAP_FILTER_AND, not_known = 0, undef = 0;
        for (k = f->f_list; k != NULL; k = k->f_next) {
            enum truth t = eval(k, u, g);
            if (t == (is_and ? T_FALSE : T_TRUE))
                return t;
            not_known |= t == T_UNKNOWN;
            undef |= t == T_UNDEF;
        }
        return not_known ? T_UNKNOWN : undef ? T_UNDEF : is_and ? T_TRUE : T_FALSE;
    }
    case LDAP_FILTER_NOT: {
        enum truth t = f->f_list ? eval(f->f_list, u, g) : T_UNKNOWN;
        return t == T_TRUE ? T_FALSE : t == T_FALSE ? T_TRUE : t;
    }
    case LDAP_FILTER_PRESENT:
        if (u != NULL) {
            if (f->f_desc == cdbm_ad.uid || f->f_desc == cdbm_ad.uid_number)
                return T_TRUE;
            if (f->f_desc == cdbm_ad.mail)
                return u->mail && *u->mail ? T_TRUE : T_FALSE;
            if (f->f_desc == cdbm_ad.member_uid)
                return T_FALSE;
        } else {
            if (f->f_desc == cdbm_ad.cn || f->f_desc == cdbm_ad.gid_number)
                return T_TRUE;
            if (f->f_desc == cdbm_ad.member_uid)
                return g->n_members ? T_TRUE : T_FALSE;
            if (f->f_desc == cdbm_ad.uid || f->f_desc == cdbm_ad.mail || f->f_desc == cdbm_ad.uid_number)
                return T_FALSE;
        }
        return T_UNKNOWN;
    case LDAP_FILTER_EQUALITY: {
        AttributeDescription *ad = f->f_av_desc;
        const struct berval *v = &f->f_av_value;
        if (u != NULL) {
            if (ad == cdbm_ad.uid)
                return ascii_ieq(u->username, v) ? T_TRUE : T_FALSE;
            if (ad == cdbm_ad.mail)
                return u->mail == NULL || !*u->mail ? T_UNDEF : ascii_ieq(u->mail, v) ? T_TRUE : T_FALSE;
            if (ad == cdbm_ad.uid_number)
                return parse_number(v, &n) ? (n == u->uid_number ? T_TRUE : T_FALSE) : T_UNKNOWN;
            if (ad == cdbm_ad.member_uid)
                return T_UNDEF;
        } else {
            if (ad == cdbm_ad.cn)
                return ascii_ieq(g->cn, v) ? T_TRUE : T_FALSE;
            if (ad == cdbm_ad.gid_number)
                return parse_number(v, &n) ? (n == g->gid_number ? T_TRUE : T_FALSE) : T_UNKNOWN;
            if (ad == cdbm_ad.member_uid)
                return g->n_members == 0 ? T_UNDEF : in_group(g, v) ? T_TRUE : T_FALSE;
            if (ad == cdbm_ad.uid || ad == cdbm_ad.mail || ad == cdbm_ad.uid_number)
                return T_UNDEF;
        }
        return T_UNKNOWN;
    }
    default:
        return T_UNKNOWN;
    }
}

/* ---- checking the query --------------------------------------------------- */

static const Filter *current_filter;

static void fits(const cdb_query *q, int depth, size_t *nodes)
{
    CHECK(q != NULL, "a NULL subquery");
    CHECK(depth <= CDB_QUERY_MAX_DEPTH, "depth %d past CDB_QUERY_MAX_DEPTH", depth);
    CHECK(++*nodes <= CDB_QUERY_MAX_NODES, "more than CDB_QUERY_MAX_NODES nodes");
    if (q->op == CDB_Q_AND || q->op == CDB_Q_OR)
        for (size_t i = 0; i < q->n_kids; i++)
            fits(q->kids[i], depth + 1, nodes);
}

static int contains(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

static void check_table(cdbm_query_arena *arena, cdbm_table table)
{
    const cdb_query *q = cdbm_filter_to_query(arena, (Filter *)(uintptr_t)current_filter, table);
    int64_t *ids = NULL;
    size_t n = 0, nodes = 0;
    int rc;

    CHECK(q != NULL, "translation failed (arena exhausted)");
    fits(q, 0, &nodes);
    rc = table == CDBM_TABLE_USERS ? cdb_user_find(db, q, INT64_MIN, 0, &ids, &n)
                                   : cdb_group_find(db, q, INT64_MIN, 0, &ids, &n);
    CHECK(rc == CDB_OK, "core refused the query: %s", cdb_errmsg(db));
    if (table == CDBM_TABLE_USERS) {
        for (size_t i = 0; i < n_users; i++)
            CHECK(eval(current_filter, users[i], NULL) != T_TRUE ||
                      contains(ids, n, users[i]->uid_number),
                  "user %s matches the filter but is no candidate", users[i]->username);
    } else {
        for (size_t i = 0; i < n_groups; i++)
            CHECK(eval(current_filter, NULL, groups[i]) != T_TRUE ||
                      contains(ids, n, groups[i]->gid_number),
                  "group %s matches the filter but is no candidate", groups[i]->cn);
    }
    cdb_free(ids);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct reader r = {data, size};
    cdbm_query_arena arena;
    Filter *f;

    n_filters = n_text = 0;
    f = make_filter(&r, 0);
    if (f == NULL)
        return 0;
    current_filter = f;
    memset(&arena, 0, sizeof arena);
    cdbm_query_arena_init(&arena, f);
    check_table(&arena, CDBM_TABLE_USERS);
    check_table(&arena, CDBM_TABLE_GROUPS);
    cdbm_query_arena_free(&arena);
    return 0;
}
