/*
 * LDAP filter -> candidate query (core's closed cdb_query language).
 *
 * The query only narrows the rows to look at; test_filter() on each built
 * entry has the last word.  So every translation must select a superset of
 * the rows whose entries match:
 *  - equality/prefix/ordering on the indexed fields map to EQ/PREFIX/GE/LE;
 *  - an assertion on an attribute that no entry of the table can carry is
 *    FALSE (exact: test_filter can only find it FALSE or UNDEFINED);
 *  - anything else (NOT, approx, extensible, values the store compares
 *    differently) becomes TRUE;
 *  - NOT is always TRUE: negating a superset is not a superset;
 *  - host (the containers a user may enter, or a group's grants name) is
 *    TRUE for users and groups: no query field holds it, so it never
 *    narrows, and test_filter decides on the values built from core's rule.
 * Assertion values are the normalized ones slapd put in the filter.
 *
 * The query is monotone (no NOT), so widening any part of it keeps it a
 * superset.  That is how a filter larger or deeper than core takes
 * (CDB_QUERY_MAX_NODES / _DEPTH) still gets answered: cdbm_query_fit()
 * turns an OR of equalities on one field into the range between its least
 * and greatest value, drops AND terms, and turns what is left over into TRUE.
 */
#include "portable.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "back-clusterdb.h"

static const cdb_query cdbm_q_true = { .op = CDB_Q_TRUE };
static const cdb_query cdbm_q_false = { .op = CDB_Q_FALSE };

static size_t cdbm_filter_size(Filter *f, size_t *nodes, size_t *text)
{
    Filter *k;

    (*nodes)++;
    switch (f->f_choice & SLAPD_FILTER_MASK) {
    case LDAP_FILTER_AND:
    case LDAP_FILTER_OR:
        for (k = f->f_list; k != NULL; k = k->f_next)
            cdbm_filter_size(k, nodes, text);
        break;
    case LDAP_FILTER_EQUALITY:
    case LDAP_FILTER_GE:
    case LDAP_FILTER_LE:
        *text += f->f_av_value.bv_len + 32;
        break;
    case LDAP_FILTER_SUBSTRINGS:
        if (f->f_sub_initial.bv_val != NULL)
            *text += f->f_sub_initial.bv_len + 1;
        break;
    default:
        break;
    }
    return *nodes;
}

int cdbm_query_arena_init(cdbm_query_arena *a, Filter *f)
{
    size_t nodes = 0, text = 0;

    a->n_nodes = a->n_kids = a->n_text = 0;
    if (f != NULL)
        cdbm_filter_size(f, &nodes, &text);
    /* Room for two translations (users and groups).  One filter node gives
     * at most three query nodes (a timestamp equality is GE AND LE) and two
     * strings of at most 21 bytes. */
    a->cap_nodes = 6 * nodes + 8;
    a->cap_kids = 6 * nodes + 8;
    a->cap_text = 2 * text + 64;
    a->nodes = ch_calloc(a->cap_nodes, sizeof(*a->nodes));
    a->kids = ch_calloc(a->cap_kids, sizeof(*a->kids));
    a->text = ch_calloc(a->cap_text, 1);
    return 0;
}

void cdbm_query_arena_free(cdbm_query_arena *a)
{
    ch_free(a->nodes);
    ch_free((void *)a->kids);
    ch_free(a->text);
    a->nodes = NULL;
    a->kids = NULL;
    a->text = NULL;
}

static cdb_query *cdbm_node(cdbm_query_arena *a, cdb_qop op, cdb_qfield field)
{
    cdb_query *q;

    if (a->n_nodes >= a->cap_nodes)
        return NULL;
    q = &a->nodes[a->n_nodes++];
    memset(q, 0, sizeof(*q));
    q->op = op;
    q->field = field;
    return q;
}

static const char *cdbm_text(cdbm_query_arena *a, const struct berval *bv)
{
    char *s;

    if (a->n_text + bv->bv_len + 1 > a->cap_text)
        return NULL;
    s = a->text + a->n_text;
    memcpy(s, bv->bv_val, bv->bv_len);
    s[bv->bv_len] = '\0';
    a->n_text += bv->bv_len + 1;
    return s;
}

/* Values the store compares exactly as LDAP does after normalization:
 * printable ASCII without spaces (core compares ASCII case-insensitively;
 * caseIgnore normalization folds case and collapses spaces). */
int cdbm_plain_text(const struct berval *bv)
{
    ber_len_t i;

    if (bv->bv_len == 0)
        return 0;
    for (i = 0; i < bv->bv_len; i++) {
        unsigned char c = (unsigned char)bv->bv_val[i];
        if (c <= 0x20 || c >= 0x7f)
            return 0;
    }
    return 1;
}

static int cdbm_parse_int(const struct berval *bv, int64_t *out)
{
    char buf[32], *end = NULL;
    long long v;

    if (bv->bv_len == 0 || bv->bv_len >= sizeof(buf))
        return 0;
    memcpy(buf, bv->bv_val, bv->bv_len);
    buf[bv->bv_len] = '\0';
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (errno != 0 || *end != '\0')
        return 0;
    *out = v;
    return 1;
}

static const cdb_query *cdbm_query_eq_number(cdbm_query_arena *a, cdb_qfield field, int64_t n)
{
    cdb_query *q = cdbm_node(a, CDB_Q_EQ, field);

    if (q != NULL)
        q->number = n;
    return q;
}

static const cdb_query *cdbm_combine(cdbm_query_arena *a, cdb_qop op, const cdb_query **kids,
                                     size_t n)
{
    cdb_query *q;

    if (n == 0)
        return op == CDB_Q_AND ? &cdbm_q_true : &cdbm_q_false;
    if (n == 1)
        return kids[0];
    if (a->n_kids + n > a->cap_kids)
        return NULL;
    q = cdbm_node(a, op, 0);
    if (q == NULL)
        return NULL;
    memcpy((void *)(a->kids + a->n_kids), kids, n * sizeof(*kids));
    q->kids = a->kids + a->n_kids;
    q->n_kids = n;
    a->n_kids += n;
    return q;
}

/* The attributes an entry of the table may carry (besides the operational
 * ones slapd computes: entryDN, subschemaSubentry, hasSubordinates). */
static int cdbm_table_may_have(cdbm_table table, AttributeDescription *desc)
{
    AttributeDescription *users[] = {
        cdbm_ad.object_class, cdbm_ad.uid, cdbm_ad.cn, cdbm_ad.sn, cdbm_ad.given_name,
        cdbm_ad.mail, cdbm_ad.uid_number, cdbm_ad.gid_number, cdbm_ad.home_directory,
        cdbm_ad.login_shell, cdbm_ad.gecos, cdbm_ad.ssh_public_key, cdbm_ad.user_password,
        cdbm_ad.shadow_expire, cdbm_ad.member_of, cdbm_ad.structural_object_class,
        cdbm_ad.entry_uuid, cdbm_ad.create_timestamp, cdbm_ad.modify_timestamp, cdbm_ad.status,
        cdbm_ad.host, NULL
    };
    AttributeDescription *groups[] = {
        cdbm_ad.object_class, cdbm_ad.cn, cdbm_ad.gid_number, cdbm_ad.member_uid,
        cdbm_ad.structural_object_class, cdbm_ad.entry_uuid, cdbm_ad.create_timestamp,
        cdbm_ad.modify_timestamp, cdbm_ad.host, NULL
    };
    AttributeDescription *sudo[] = {
        cdbm_ad.object_class, cdbm_ad.cn, cdbm_ad.sudo_user, cdbm_ad.sudo_host,
        cdbm_ad.sudo_command, cdbm_ad.sudo_run_as_user, cdbm_ad.sudo_run_as_group,
        cdbm_ad.structural_object_class, cdbm_ad.entry_uuid, cdbm_ad.create_timestamp,
        cdbm_ad.modify_timestamp, NULL
    };
    AttributeDescription **list = table == CDBM_TABLE_USERS    ? users
                                : table == CDBM_TABLE_GROUPS ? groups
                                                             : sudo;
    size_t i;

    if (is_at_operational(desc->ad_type) && desc != cdbm_ad.member_of &&
        desc != cdbm_ad.structural_object_class && desc != cdbm_ad.entry_uuid &&
        desc != cdbm_ad.create_timestamp && desc != cdbm_ad.modify_timestamp)
        return 1;  /* computed by slapd or by an overlay: unknown here */
    for (i = 0; list[i] != NULL; i++) {
        if (is_ad_subtype(list[i], desc))
            return 1;
    }
    return 0;
}

/* objectClass=X: whether any class of the table's entries is X or below it. */
static const cdb_query *cdbm_object_class(cdbm_table table, const struct berval *value)
{
    ObjectClass *users[] = { cdbm_ad.oc_top, cdbm_ad.oc_inet_org_person, cdbm_ad.oc_posix_account,
                             cdbm_ad.oc_shadow_account, cdbm_ad.oc_ldap_public_key,
                             cdbm_ad.oc_clusterdb_account, cdbm_ad.oc_host_object, NULL };
    ObjectClass *groups[] = { cdbm_ad.oc_top, cdbm_ad.oc_posix_group, cdbm_ad.oc_host_object,
                              NULL };
    ObjectClass *sudo[] = { cdbm_ad.oc_top, cdbm_ad.oc_sudo_role, NULL };
    ObjectClass **list = table == CDBM_TABLE_USERS    ? users
                       : table == CDBM_TABLE_GROUPS ? groups
                                                    : sudo;
    struct berval name = *value;  /* oc_bvfind takes no const */
    ObjectClass *asserted = oc_bvfind(&name);
    size_t i;

    if (asserted == NULL)
        return &cdbm_q_true;
    for (i = 0; list[i] != NULL; i++) {
        if (is_object_subclass(asserted, list[i]))
            return &cdbm_q_true;
    }
    return &cdbm_q_false;
}

/* "20261126221604Z" (normalized GeneralizedTime) -> "2026-11-26T22:16:04". */
static const char *cdbm_iso_time(cdbm_query_arena *a, const struct berval *gt, int upper)
{
    char buf[32];
    struct berval bv;
    ber_len_t i;

    if (gt->bv_len < 15)
        return NULL;
    for (i = 0; i < 14; i++) {
        if (gt->bv_val[i] < '0' || gt->bv_val[i] > '9')
            return NULL;
    }
    bv.bv_len = (ber_len_t)snprintf(buf, sizeof(buf), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s%s",
                                    gt->bv_val, gt->bv_val + 4, gt->bv_val + 6, gt->bv_val + 8,
                                    gt->bv_val + 10, gt->bv_val + 12, upper ? "~" : "");
    bv.bv_val = buf;
    return cdbm_text(a, &bv);
}

/* One attribute value assertion (EQUALITY, GE, LE). */
static const cdb_query *cdbm_ava(cdbm_query_arena *a, Filter *f, cdbm_table table)
{
    AttributeDescription *desc = f->f_av_desc;
    const struct berval *v = &f->f_av_value;
    int choice = f->f_choice;
    cdb_qop op = choice == LDAP_FILTER_EQUALITY ? CDB_Q_EQ
               : choice == LDAP_FILTER_GE       ? CDB_Q_GE
                                                : CDB_Q_LE;
    cdb_qfield field;
    int numeric;
    int64_t n = 0;
    cdb_query *q;

    if (desc == cdbm_ad.object_class)
        return choice == LDAP_FILTER_EQUALITY ? cdbm_object_class(table, v) : &cdbm_q_true;
    /* sudoRole entries come from no query: only "none can match" counts. */
    if (table == CDBM_TABLE_SUDO)
        return cdbm_table_may_have(table, desc) ? &cdbm_q_true : &cdbm_q_false;

    if (desc == cdbm_ad.create_timestamp || desc == cdbm_ad.modify_timestamp) {
        /* Stored as ISO-8601 with milliseconds; served truncated to the
         * second.  GE T: stored >= "T"; LE T: stored <= "T~" ('~' sorts
         * after the fraction and the Z).  Equality: the range of T. */
        const char *lo, *hi;
        const cdb_query *kids[2];
        cdb_query *qlo, *qhi;
        cdb_qfield tf = desc == cdbm_ad.create_timestamp ? CDB_QF_CREATED_AT : CDB_QF_UPDATED_AT;

        lo = choice != LDAP_FILTER_LE ? cdbm_iso_time(a, v, 0) : NULL;
        hi = choice != LDAP_FILTER_GE ? cdbm_iso_time(a, v, 1) : NULL;
        if ((choice != LDAP_FILTER_LE && lo == NULL) || (choice != LDAP_FILTER_GE && hi == NULL))
            return &cdbm_q_true;
        if (lo == NULL || hi == NULL) {
            q = cdbm_node(a, lo ? CDB_Q_GE : CDB_Q_LE, tf);
            if (q != NULL)
                q->text = lo ? lo : hi;
            return q;
        }
        qlo = cdbm_node(a, CDB_Q_GE, tf);
        qhi = cdbm_node(a, CDB_Q_LE, tf);
        if (qlo == NULL || qhi == NULL)
            return NULL;
        qlo->text = lo;
        qhi->text = hi;
        kids[0] = qlo;
        kids[1] = qhi;
        return cdbm_combine(a, CDB_Q_AND, kids, 2);
    }

    if (table == CDBM_TABLE_USERS) {
        if (desc == cdbm_ad.uid) {
            field = CDB_QF_USERNAME;
            numeric = 0;
        } else if (desc == cdbm_ad.mail) {
            field = CDB_QF_MAIL;
            numeric = 0;
        } else if (desc == cdbm_ad.uid_number) {
            field = CDB_QF_UID_NUMBER;
            numeric = 1;
        } else if (desc == cdbm_ad.member_of && choice == LDAP_FILTER_EQUALITY &&
                   a->group_gid != NULL) {
            /* memberOf=<group DN> (rfc2307bis clients): members of that group. */
            struct berval ndn = *v;
            int found = a->group_gid(a->group_gid_ctx, &ndn, &n);

            if (found < 0)
                return &cdbm_q_true;
            if (found == 0)
                return &cdbm_q_false;
            return cdbm_query_eq_number(a, CDB_QF_USER_MEMBER_OF, n);
        } else if (desc == cdbm_ad.status && choice == LDAP_FILTER_EQUALITY) {
            /* The assertion value is normalized (caseIgnoreMatch: lower case). */
            char buf[16];
            cdb_user_status status;

            if (v->bv_len >= sizeof(buf))
                return &cdbm_q_false;
            memcpy(buf, v->bv_val, v->bv_len);
            buf[v->bv_len] = '\0';
            if (cdb_user_status_parse(buf, &status) != CDB_OK)
                return &cdbm_q_false;
            return cdbm_query_eq_number(a, CDB_QF_USER_STATUS, (int64_t)status);
        } else if (desc == cdbm_ad.gid_number) {
            /* Every user's gidNumber is the primary group's. */
            int64_t primary = CDB_PRIMARY_GID;
            if (!cdbm_parse_int(v, &n))
                return &cdbm_q_true;
            if (choice == LDAP_FILTER_EQUALITY)
                return n == primary ? &cdbm_q_true : &cdbm_q_false;
            if (choice == LDAP_FILTER_GE)
                return primary >= n ? &cdbm_q_true : &cdbm_q_false;
            return primary <= n ? &cdbm_q_true : &cdbm_q_false;
        } else {
            return cdbm_table_may_have(table, desc) ? &cdbm_q_true : &cdbm_q_false;
        }
    } else {
        if (desc == cdbm_ad.cn) {
            field = CDB_QF_GROUP_CN;
            numeric = 0;
        } else if (desc == cdbm_ad.gid_number) {
            field = CDB_QF_GID_NUMBER;
            numeric = 1;
        } else if (desc == cdbm_ad.member_uid) {
            /* memberUid is caseExactIA5: core's case-insensitive match
             * selects a superset, test_filter is exact. */
            if (choice != LDAP_FILTER_EQUALITY)
                return &cdbm_q_true;
            field = CDB_QF_GROUP_MEMBER;
            numeric = 0;
        } else {
            return cdbm_table_may_have(table, desc) ? &cdbm_q_true : &cdbm_q_false;
        }
    }

    if (numeric) {
        if (!cdbm_parse_int(v, &n))
            return &cdbm_q_true;
        q = cdbm_node(a, op, field);
        if (q != NULL)
            q->number = n;
        return q;
    }
    if (!cdbm_plain_text(v))
        return &cdbm_q_true;
    q = cdbm_node(a, op, field);
    if (q != NULL && (q->text = cdbm_text(a, v)) == NULL)
        return NULL;
    return q;
}

static const cdb_query *cdbm_substrings(cdbm_query_arena *a, Filter *f, cdbm_table table)
{
    AttributeDescription *desc = f->f_sub_desc;
    cdb_qfield field;
    cdb_query *q;

    if (table == CDBM_TABLE_USERS && desc == cdbm_ad.uid)
        field = CDB_QF_USERNAME;
    else if (table == CDBM_TABLE_USERS && desc == cdbm_ad.mail)
        field = CDB_QF_MAIL;
    else if (table == CDBM_TABLE_GROUPS && desc == cdbm_ad.cn)
        field = CDB_QF_GROUP_CN;
    else
        return cdbm_table_may_have(table, desc) ? &cdbm_q_true : &cdbm_q_false;

    /* Only the initial part narrows; any/final are left to test_filter. */
    if (f->f_sub_initial.bv_val == NULL || !cdbm_plain_text(&f->f_sub_initial))
        return &cdbm_q_true;
    q = cdbm_node(a, CDB_Q_PREFIX, field);
    if (q != NULL && (q->text = cdbm_text(a, &f->f_sub_initial)) == NULL)
        return NULL;
    return q;
}

static const cdb_query *cdbm_present(cdbm_query_arena *a, Filter *f, cdbm_table table)
{
    AttributeDescription *desc = f->f_desc;

    if (table == CDBM_TABLE_USERS && desc == cdbm_ad.mail)
        return cdbm_node(a, CDB_Q_PRESENT, CDB_QF_MAIL);
    if (table == CDBM_TABLE_USERS && desc == cdbm_ad.member_of)
        return cdbm_node(a, CDB_Q_PRESENT, CDB_QF_USER_MEMBER_OF);
    if (table == CDBM_TABLE_GROUPS && desc == cdbm_ad.member_uid)
        return cdbm_node(a, CDB_Q_PRESENT, CDB_QF_GROUP_MEMBER);
    return cdbm_table_may_have(table, desc) ? &cdbm_q_true : &cdbm_q_false;
}

static const cdb_query *cdbm_translate(cdbm_query_arena *a, Filter *f, cdbm_table table);

static const cdb_query *cdbm_list(cdbm_query_arena *a, Filter *f, cdbm_table table, int is_and)
{
    const cdb_query *stack_kids[16];
    const cdb_query **kids = stack_kids;
    size_t n = 0, cap = 16;
    Filter *k;
    const cdb_query *result = NULL;

    for (k = f->f_list; k != NULL; k = k->f_next) {
        const cdb_query *q = cdbm_translate(a, k, table);

        if (q == NULL)
            goto done;
        if (is_and) {
            if (q->op == CDB_Q_FALSE) {
                result = &cdbm_q_false;
                goto done;
            }
            if (q->op == CDB_Q_TRUE)
                continue;
        } else {
            if (q->op == CDB_Q_TRUE) {
                result = &cdbm_q_true;
                goto done;
            }
            if (q->op == CDB_Q_FALSE)
                continue;
        }
        if (n == cap) {
            const cdb_query **bigger = ch_malloc(2 * cap * sizeof(*bigger));
            memcpy((void *)bigger, kids, n * sizeof(*kids));
            if (kids != stack_kids)
                ch_free((void *)kids);
            kids = bigger;
            cap *= 2;
        }
        kids[n++] = q;
    }
    result = cdbm_combine(a, is_and ? CDB_Q_AND : CDB_Q_OR, kids, n);
done:
    if (kids != stack_kids)
        ch_free((void *)kids);
    return result;
}

static const cdb_query *cdbm_translate(cdbm_query_arena *a, Filter *f, cdbm_table table)
{
    if (f == NULL)
        return &cdbm_q_true;
    if (f->f_choice & SLAPD_FILTER_UNDEFINED)
        return &cdbm_q_false;  /* test_filter: UNDEFINED, never a match */

    switch (f->f_choice) {
    case SLAPD_FILTER_COMPUTED:
        return f->f_result == LDAP_COMPARE_TRUE ? &cdbm_q_true : &cdbm_q_false;
    case LDAP_FILTER_AND:
        return cdbm_list(a, f, table, 1);
    case LDAP_FILTER_OR:
        return cdbm_list(a, f, table, 0);
    case LDAP_FILTER_EQUALITY:
    case LDAP_FILTER_GE:
    case LDAP_FILTER_LE:
        return cdbm_ava(a, f, table);
    case LDAP_FILTER_SUBSTRINGS:
        return cdbm_substrings(a, f, table);
    case LDAP_FILTER_PRESENT:
        return cdbm_present(a, f, table);
    case LDAP_FILTER_NOT:     /* the complement of a superset is no superset */
    case LDAP_FILTER_APPROX:
    case LDAP_FILTER_EXT:
    default:
        return &cdbm_q_true;
    }
}

/* ---- fitting the query into core's bounds ------------------------------- */

/* The fields whose EQ leaves compare by number, and those that compare as
 * ASCII case-insensitive text (SQLite's NOCASE) and also take GE/LE. */
static int cdbm_field_numeric(cdb_qfield field)
{
    return field == CDB_QF_UID_NUMBER || field == CDB_QF_GID_NUMBER ||
           field == CDB_QF_USER_MEMBER_OF || field == CDB_QF_GROUP_MEMBER_UID;
}

static int cdbm_field_nocase_text(cdb_qfield field)
{
    return field == CDB_QF_USERNAME || field == CDB_QF_MAIL || field == CDB_QF_GROUP_CN ||
           field == CDB_QF_GROUP_MEMBER;
}

/* NOCASE order: bytes with ASCII folded, then length. */
static int cdbm_nocase_cmp(const char *x, const char *y)
{
    for (;; x++, y++) {
        unsigned char c = (unsigned char)*x, d = (unsigned char)*y;

        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + ('a' - 'A'));
        if (d >= 'A' && d <= 'Z')
            d = (unsigned char)(d + ('a' - 'A'));
        if (c != d || c == '\0')
            return (int)c - (int)d;
    }
}

/* An OR whose terms are all equalities on one field that has an order. */
static int cdbm_or_of_equalities(const cdb_query *q)
{
    size_t i;

    if (q->op != CDB_Q_OR || q->n_kids < 2)
        return 0;
    for (i = 0; i < q->n_kids; i++) {
        const cdb_query *k = q->kids[i];

        if (k->op != CDB_Q_EQ || k->field != q->kids[0]->field)
            return 0;
    }
    return cdbm_field_numeric(q->kids[0]->field) || cdbm_field_nocase_text(q->kids[0]->field);
}

/* Rewrite the OR in place as (field >= least AND field <= greatest): every
 * row equal to one of the values lies in that range.  Its first two terms
 * become the bounds (they are the arena's, as every term of a translated
 * list is). */
static const cdb_query *cdbm_or_to_range(const cdb_query *or_node)
{
    cdb_query *q = (cdb_query *)(uintptr_t)or_node;
    const cdb_query **kids = (const cdb_query **)(uintptr_t)q->kids;
    const cdb_query *least = kids[0], *greatest = kids[0];
    cdb_query *lo = (cdb_query *)(uintptr_t)kids[0], *hi = (cdb_query *)(uintptr_t)kids[1];
    int numeric = cdbm_field_numeric(kids[0]->field);
    int64_t lo_n, hi_n;
    const char *lo_t, *hi_t;
    size_t i;

    for (i = 1; i < q->n_kids; i++) {
        const cdb_query *k = kids[i];

        if (numeric ? k->number < least->number : cdbm_nocase_cmp(k->text, least->text) < 0)
            least = k;
        if (numeric ? k->number > greatest->number
                    : cdbm_nocase_cmp(k->text, greatest->text) > 0)
            greatest = k;
    }
    lo_n = least->number;
    hi_n = greatest->number;
    lo_t = least->text;
    hi_t = greatest->text;
    lo->op = CDB_Q_GE;
    lo->number = lo_n;
    lo->text = lo_t;
    hi->op = CDB_Q_LE;
    hi->field = lo->field;
    hi->number = hi_n;
    hi->text = hi_t;
    q->op = CDB_Q_AND;
    q->n_kids = 2;
    return q;
}

/*
 * Fit q, whose node sits at `depth`, into at most `budget` (>= 1) nodes and
 * core's depth, widening where it does not fit; *cost gets the nodes used.
 * AND and OR nodes are rewritten in place (each has one parent, all in the
 * arena); leaves are left as they are.
 */
static const cdb_query *cdbm_query_fit(const cdb_query *q, int depth, size_t budget,
                                       size_t *cost)
{
    cdb_query *list = (cdb_query *)(uintptr_t)q;
    const cdb_query **kids;
    size_t i, n = 0, used = 1;
    int is_and;

    *cost = 1;
    if (q->op != CDB_Q_AND && q->op != CDB_Q_OR)
        return q;
    is_and = q->op == CDB_Q_AND;
    if (!is_and && cdbm_or_of_equalities(q) &&
        (depth >= CDB_QUERY_MAX_DEPTH || q->n_kids + 1 > budget)) {
        if (depth >= CDB_QUERY_MAX_DEPTH || budget < 3)
            return &cdbm_q_true;
        *cost = 3;
        return cdbm_or_to_range(q);
    }
    if (depth >= CDB_QUERY_MAX_DEPTH)  /* its terms would sit too deep */
        return &cdbm_q_true;

    kids = (const cdb_query **)(uintptr_t)q->kids;
    for (i = 0; i < q->n_kids; i++) {
        const cdb_query *k;
        size_t c;

        if (used >= budget) {
            if (is_and)
                break;  /* fewer conditions: more candidates */
            return &cdbm_q_true;
        }
        k = cdbm_query_fit(kids[i], depth + 1, budget - used, &c);
        if (k->op == (is_and ? CDB_Q_TRUE : CDB_Q_FALSE))
            continue;
        if (k->op == (is_and ? CDB_Q_FALSE : CDB_Q_TRUE))
            return k;
        kids[n++] = k;
        used += c;
    }
    if (n == 0)
        return is_and ? &cdbm_q_true : &cdbm_q_false;
    if (n == 1) {
        *cost = used - 1;
        return kids[0];
    }
    list->n_kids = n;
    *cost = used;
    return list;
}

const cdb_query *cdbm_filter_to_query(cdbm_query_arena *a, Filter *f, cdbm_table table)
{
    const cdb_query *q = cdbm_translate(a, f, table);
    size_t cost;

    return q == NULL ? NULL : cdbm_query_fit(q, 0, CDB_QUERY_MAX_NODES, &cost);
}

int cdbm_filter_mentions(Filter *f, AttributeDescription *ad)
{
    Filter *k;

    if (f == NULL)
        return 0;
    switch (f->f_choice & SLAPD_FILTER_MASK) {
    case LDAP_FILTER_AND:
    case LDAP_FILTER_OR:
        for (k = f->f_list; k != NULL; k = k->f_next)
            if (cdbm_filter_mentions(k, ad))
                return 1;
        return 0;
    case LDAP_FILTER_NOT:
        return cdbm_filter_mentions(f->f_not, ad);
    case LDAP_FILTER_EQUALITY:
    case LDAP_FILTER_GE:
    case LDAP_FILTER_LE:
    case LDAP_FILTER_APPROX:
        return f->f_av_desc != NULL && is_ad_subtype(ad, f->f_av_desc);
    case LDAP_FILTER_SUBSTRINGS:
        return f->f_sub_desc != NULL && is_ad_subtype(ad, f->f_sub_desc);
    case LDAP_FILTER_PRESENT:
        return f->f_desc != NULL && is_ad_subtype(ad, f->f_desc);
    case LDAP_FILTER_EXT:
        /* Without an attribute, the rule is applied to every attribute. */
        return f->f_mr_desc == NULL || is_ad_subtype(ad, f->f_mr_desc);
    default:
        return 0;
    }
}
