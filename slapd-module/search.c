/*
 * Search: every scope from every base of the tree.
 *
 * The tree is walked in a fixed order, each position with a stable key
 * (phase, id) so that a paged search can resume after the last entry sent:
 *   suffix, ou=people, users by uidNumber, ou=groups, groups by gidNumber,
 *   the rootdn's entry, ou=services, service accounts in configuration order,
 *   ou=SUDOers, the administrators' sudoRole, owners' sudoRoles by container id.
 * For the user and group phases the filter is narrowed to a candidate query
 * (filter.c); the ids are collected first, the statement finished, and the
 * rows fetched in batches and sent: no read statement stays open while a
 * slow client receives entries.  test_filter() decides on every entry.
 * The sudoRole phases run only when the filter can match a sudoRole.
 *
 * Host values (a user's by core's access rule, a group's from its grants;
 * one query per entry) are built only when the operation can need them: the
 * filter asserts host, or host is among the attributes asked for (no list,
 * "*", or host itself).  nslcd's uid, uidNumber and group lookups name their
 * attributes and do not pay for it.
 *
 * A group's memberUid values are read by the same rule: all of them when
 * memberUid is asked for (no list, "*", or by name) or the filter uses it in
 * anything but an equality; none when neither mentions it; otherwise only
 * the members named by the filter's memberUid equalities.  test_filter's
 * answer for (memberUid=V), under any AND/OR/NOT, depends only on whether V
 * is among the values, so it is the same as with the whole list.  nslcd's
 * group-by-member lookup (attributes cn, gidNumber) reads one member per
 * group instead of every member.  Entries built for anything but a search
 * (compare, ACL fetches, writes) always carry every member (entry.c).
 *
 * All reads of one search run in one read transaction, begun when the
 * operation starts and ended before it returns: one snapshot for the base,
 * the candidates and the rows (one WAL read lock instead of one per
 * statement), and never a snapshot kept for the next operation, which
 * therefore sees every change committed before it started.
 *
 * The handling of send_search_entry() results, abandon, time and size limits
 * and paged results follows back-mdb's search.c.
 */
#include "portable.h"

#include <stdio.h>
#include <string.h>

#include "back-clusterdb.h"

enum cdbm_phase {
    CDBM_PH_SUFFIX = 1,
    CDBM_PH_PEOPLE = 2,
    CDBM_PH_USERS = 3,
    CDBM_PH_GROUPS_OU = 4,
    CDBM_PH_GROUPS = 5,
    CDBM_PH_ROOTDN = 6,
    CDBM_PH_SERVICES_OU = 7,
    CDBM_PH_SERVICES = 8,
    CDBM_PH_SUDOERS_OU = 9,
    CDBM_PH_SUDO_ADMINS = 10,
    CDBM_PH_SUDO_OWNERS = 11
};

#define CDBM_PHASE_BIT(p) (1u << (p))
#define CDBM_POS_SHIFT 48
#define CDBM_POS(phase, id) \
    (((PagedResultsCookie)(phase) << CDBM_POS_SHIFT) | \
     ((PagedResultsCookie)(id) & (((PagedResultsCookie)1 << CDBM_POS_SHIFT) - 1)))
#define CDBM_POS_PHASE(pos) ((unsigned)((pos) >> CDBM_POS_SHIFT))
#define CDBM_POS_ID(pos) ((int64_t)((pos) & (((PagedResultsCookie)1 << CDBM_POS_SHIFT) - 1)))

/* Rows fetched per core call while sending. */
#define CDBM_BATCH 64

enum { CDBM_CONTINUE = 0, CDBM_STOP = 1 };

typedef struct cdbm_search {
    Operation *op;
    SlapReply *rs;
    cdbm_info *info;
    cdb *db;
    time_t stoptime;
    int paged;
    PagedResultsCookie resume;  /* 0: from the start */
    PagedResultsCookie last;    /* position of the last matching entry */
    unsigned phases;
    Entry *base;               /* the base entry, reused for its own phase */
    unsigned base_phase;       /* 0 when the base is a user or group */
    const cdb_query *user_query;
    const cdb_query *group_query;
    const cdb_query *sudo_query; /* TRUE or FALSE: whether a sudoRole can match */
    int acls_read_entry;         /* cdbm_acls_read_entry: build entries whole */
    int want_hosts;              /* build users' and groups' host values */
    cdb_member_selection members; /* which memberUid values groups carry */
    char **member_names;         /* CDB_MEMBERS_NAMED: the filter's values */
    size_t n_member_names;
} cdbm_search;

static void cdbm_send_paged_response(Operation *op, SlapReply *rs, PagedResultsCookie *last)
{
    LDAPControl *ctrls[2];
    BerElementBuffer berbuf;
    BerElement *ber = (BerElement *)&berbuf;
    PagedResultsCookie respcookie;
    struct berval cookie;

    ctrls[1] = NULL;
    ber_init2(ber, NULL, LBER_USE_DER);
    if (last != NULL) {
        respcookie = *last;
        cookie.bv_len = sizeof(respcookie);
        cookie.bv_val = (char *)&respcookie;
    } else {
        respcookie = 0;
        BER_BVSTR(&cookie, "");
    }
    op->o_conn->c_pagedresults_state.ps_cookie = respcookie;
    op->o_conn->c_pagedresults_state.ps_count =
        ((PagedResultsState *)op->o_pagedresults_state)->ps_count + rs->sr_nentries;

    /* No estimate of the total: size 0. */
    ber_printf(ber, "{iO}", 0, &cookie);
    ctrls[0] = op->o_tmpalloc(sizeof(LDAPControl), op->o_tmpmemctx);
    if (ber_flatten2(ber, &ctrls[0]->ldctl_value, 0) == -1) {
        op->o_tmpfree(ctrls[0], op->o_tmpmemctx);
        rs->sr_err = LDAP_OTHER;
        rs->sr_text = "cannot encode the paged results control";
        send_ldap_result(op, rs);
        goto done;
    }
    ctrls[0]->ldctl_oid = LDAP_CONTROL_PAGEDRESULTS;
    ctrls[0]->ldctl_iscritical = 0;
    slap_add_ctrls(op, rs, ctrls);
    rs->sr_err = LDAP_SUCCESS;
    send_ldap_result(op, rs);
done:
    (void)ber_free_buf(ber);
}

/* The cookie must be the one this connection was last given. */
static int cdbm_parse_paged_cookie(Operation *op, SlapReply *rs, PagedResultsCookie *resume)
{
    PagedResultsState *ps = op->o_pagedresults_state;
    PagedResultsCookie req;

    *resume = 0;
    if (ps->ps_cookieval.bv_len == 0) {
        op->o_conn->c_pagedresults_state.ps_cookie = 0;
        return LDAP_SUCCESS;
    }
    if (ps->ps_cookieval.bv_len != sizeof(req)) {
        rs->sr_text = "paged results cookie is invalid";
        return LDAP_PROTOCOL_ERROR;
    }
    memcpy(&req, ps->ps_cookieval.bv_val, sizeof(req));
    if (req > ps->ps_cookie) {
        rs->sr_text = "paged results cookie is invalid";
        return LDAP_PROTOCOL_ERROR;
    }
    if (req < ps->ps_cookie) {
        rs->sr_text = "paged results cookie is invalid or old";
        return LDAP_UNWILLING_TO_PERFORM;
    }
    *resume = req;
    return LDAP_SUCCESS;
}

/* Test one built entry and send it when it matches.  Takes e. */
static int cdbm_consider(cdbm_search *s, Entry *e, PagedResultsCookie pos)
{
    Operation *op = s->op;
    SlapReply *rs = s->rs;
    int rc;

    if (op->o_abandon) {
        entry_free(e);
        rs->sr_err = SLAPD_ABANDON;
        send_ldap_result(op, rs);
        return CDBM_STOP;
    }
    if (slapd_shutdown) {
        entry_free(e);
        rs->sr_err = LDAP_UNAVAILABLE;
        send_ldap_disconnect(op, rs);
        return CDBM_STOP;
    }
    if (op->ors_tlimit != SLAP_NO_LIMIT && slap_get_time() > s->stoptime) {
        entry_free(e);
        rs->sr_err = LDAP_TIMELIMIT_EXCEEDED;
        rs->sr_ref = rs->sr_v2ref;
        send_ldap_result(op, rs);
        rs->sr_err = LDAP_SUCCESS;
        return CDBM_STOP;
    }

    if (test_filter(op, e, op->ors_filter) != LDAP_COMPARE_TRUE) {
        entry_free(e);
        return CDBM_CONTINUE;
    }

    if (s->paged) {
        PagedResultsState *ps = op->o_pagedresults_state;

        /* A further match: the page is full and there is more. */
        if (rs->sr_nentries >= ps->ps_size) {
            entry_free(e);
            cdbm_send_paged_response(op, rs, &s->last);
            return CDBM_STOP;
        }
        s->last = pos;
    }

    rs->sr_attrs = op->ors_attrs;
    rs->sr_operational_attrs = NULL;
    rs->sr_ctrls = NULL;
    rs->sr_entry = e;
    /* Ours to give: slapd frees it once sent (or not). */
    rs->sr_flags = REP_ENTRY_MODIFIABLE | REP_ENTRY_MUSTBEFREED;
    rs->sr_err = LDAP_SUCCESS;
    rc = send_search_entry(op, rs);
    if (rs->sr_entry != NULL && (rs->sr_flags & REP_ENTRY_MUSTBEFREED)) {
        entry_free(rs->sr_entry);
    }
    rs->sr_entry = NULL;
    rs->sr_flags = 0;
    rs->sr_attrs = NULL;
    rs->sr_err = rc;

    switch (rc) {
    case LDAP_SUCCESS:  /* sent */
        break;
    default:            /* not sent (access control, ...) */
        break;
    case LDAP_BUSY:
        send_ldap_result(op, rs);
        return CDBM_STOP;
    case LDAP_UNAVAILABLE:
        rs->sr_err = LDAP_OTHER;  /* the connection is gone */
        return CDBM_STOP;
    case LDAP_SIZELIMIT_EXCEEDED:
        rs->sr_ref = rs->sr_v2ref;
        send_ldap_result(op, rs);
        rs->sr_err = LDAP_SUCCESS;
        return CDBM_STOP;
    }
    rs->sr_err = LDAP_SUCCESS;
    return CDBM_CONTINUE;
}

static int cdbm_core_error(cdbm_search *s, int status)
{
    SlapReply *rs = s->rs;

    Debug(LDAP_DEBUG_ANY, "back-clusterdb: search: %s\n", cdb_errmsg(s->db));
    rs->sr_err = cdbm_ldap_result(status, NULL, &rs->sr_text);
    send_ldap_result(s->op, rs);
    return CDBM_STOP;
}

/* slapd's "unchecked" size limit on the number of candidates. */
static int cdbm_over_unchecked_limit(Operation *op, size_t candidates)
{
    return op->ors_limit != NULL && op->ors_limit->lms_s_unchecked != -1 &&
           candidates > (size_t)op->ors_limit->lms_s_unchecked;
}

static int cdbm_admin_limit(cdbm_search *s)
{
    s->rs->sr_err = LDAP_ADMINLIMIT_EXCEEDED;
    send_ldap_result(s->op, s->rs);
    s->rs->sr_err = LDAP_SUCCESS;
    return CDBM_STOP;
}

static int cdbm_fixed_phase(cdbm_search *s, unsigned phase)
{
    Entry *e;

    if (!(s->phases & CDBM_PHASE_BIT(phase)))
        return CDBM_CONTINUE;
    if (s->resume != 0 && CDBM_POS_PHASE(s->resume) >= phase)
        return CDBM_CONTINUE;  /* sent in an earlier page */
    {
        /* An identical entry built at db_open: the same filter gives the
         * same answer, so a non-match costs no entry. */
        int probe = phase == CDBM_PH_SUFFIX ? 0 : phase == CDBM_PH_PEOPLE ? 1
                  : phase == CDBM_PH_GROUPS_OU ? 2 : phase == CDBM_PH_SUDOERS_OU ? 3 : -1;

        if (probe >= 0 && s->info->fixed_probe[probe] != NULL &&
            test_filter(s->op, s->info->fixed_probe[probe], s->op->ors_filter) !=
                LDAP_COMPARE_TRUE)
            return CDBM_CONTINUE;
    }
    if (phase == s->base_phase && s->base != NULL) {
        e = s->base;  /* built already to check access to the base */
        s->base = NULL;
    } else {
        e = phase == CDBM_PH_SUFFIX ? cdbm_entry_suffix(s->op, s->info)
          : phase == CDBM_PH_PEOPLE ? cdbm_entry_people(s->op, s->info)
          : phase == CDBM_PH_ROOTDN ? cdbm_entry_rootdn(s->op, s->info)
          : phase == CDBM_PH_SERVICES_OU ? cdbm_entry_services(s->op, s->info)
          : phase == CDBM_PH_SUDOERS_OU ? cdbm_entry_sudoers(s->op, s->info)
                                    : cdbm_entry_groups(s->op, s->info);
    }
    if (e == NULL)
        return CDBM_CONTINUE;
    return cdbm_consider(s, e, CDBM_POS(phase, 0));
}

/*
 * Candidate ids are read in chunks, each statement finished before its
 * entries are sent.  Chunks keep a paged enumeration resumed deep into a
 * large directory from reading every remaining id for each page (quadratic
 * in the directory size); the first chunk is large enough to decide the
 * unchecked limit exactly, as back-mdb decides it on the whole candidate set.
 */
#define CDBM_CHUNK 256

typedef int (*cdbm_find_fn)(cdb *db, const cdb_query *query, int64_t after, size_t limit,
                            int64_t **ids_out, size_t *n_out);
typedef int (*cdbm_send_fn)(cdbm_search *s, const int64_t *ids, size_t n);

static int cdbm_send_users(cdbm_search *s, const int64_t *ids, size_t n)
{
    int stop = CDBM_CONTINUE;

    for (size_t i = 0; i < n && stop == CDBM_CONTINUE; i += CDBM_BATCH) {
        size_t want = n - i < CDBM_BATCH ? n - i : CDBM_BATCH, got = 0, j;
        cdb_user **users = NULL;
        int rc = cdb_user_get_many(s->db, ids + i, want, &users, &got);

        if (rc != CDB_OK)
            return cdbm_core_error(s, rc);
        for (j = 0; j < got && stop == CDBM_CONTINUE; j++) {
            Entry *e = cdbm_entry_user(s->op, s->info, users[j]);

            if (e != NULL && s->want_hosts &&
                (rc = cdbm_entry_add_hosts(e, s->db, users[j]->uid_number)) != CDB_OK) {
                entry_free(e);
                cdb_user_array_free(users, got);
                return cdbm_core_error(s, rc);
            }
            if (e != NULL)
                stop = cdbm_consider(s, e, CDBM_POS(CDBM_PH_USERS, users[j]->uid_number));
        }
        cdb_user_array_free(users, got);
    }
    return stop;
}

static int cdbm_send_groups(cdbm_search *s, const int64_t *ids, size_t n)
{
    int stop = CDBM_CONTINUE;

    for (size_t i = 0; i < n && stop == CDBM_CONTINUE; i += CDBM_BATCH) {
        size_t want = n - i < CDBM_BATCH ? n - i : CDBM_BATCH, got = 0, j;
        cdb_group **groups = NULL;
        int rc = cdb_group_get_many_members(s->db, ids + i, want, s->members,
                                            (const char *const *)s->member_names,
                                            s->n_member_names, &groups, &got);

        if (rc != CDB_OK)
            return cdbm_core_error(s, rc);
        for (j = 0; j < got && stop == CDBM_CONTINUE; j++) {
            Entry *e = cdbm_entry_group(s->op, s->info, groups[j]);

            if (e != NULL && s->want_hosts &&
                (rc = cdbm_entry_add_group_hosts(e, s->db, groups[j]->gid_number)) != CDB_OK) {
                entry_free(e);
                cdb_group_array_free(groups, got);
                return cdbm_core_error(s, rc);
            }
            if (e != NULL)
                stop = cdbm_consider(s, e, CDBM_POS(CDBM_PH_GROUPS, groups[j]->gid_number));
        }
        cdb_group_array_free(groups, got);
    }
    return stop;
}

/* One table's candidates after `after`, chunk by chunk, until a chunk comes
 * back short or sending stops. */
static int cdbm_table_phase(cdbm_search *s, const cdb_query *query, int64_t after,
                            cdbm_find_fn find, cdbm_send_fn send)
{
    Operation *op = s->op;
    size_t chunk = CDBM_CHUNK;
    int first = 1, stop = CDBM_CONTINUE;

    if (op->ors_limit != NULL && op->ors_limit->lms_s_unchecked != -1 &&
        (size_t)op->ors_limit->lms_s_unchecked >= CDBM_CHUNK)
        chunk = (size_t)op->ors_limit->lms_s_unchecked + 1;
    while (stop == CDBM_CONTINUE) {
        int64_t *ids = NULL;
        size_t n = 0;
        int rc = find(s->db, query, after, chunk, &ids, &n);

        if (rc != CDB_OK)
            return cdbm_core_error(s, rc);
        if (first && cdbm_over_unchecked_limit(op, n)) {
            cdb_free(ids);
            return cdbm_admin_limit(s);
        }
        first = 0;
        stop = send(s, ids, n);
        if (n > 0)
            after = ids[n - 1];
        cdb_free(ids);
        if (n < chunk)
            break;
        chunk = CDBM_CHUNK;
    }
    return stop;
}

/* Where a phase of many positions resumes on a later page: 0 when an
 * earlier page finished it, else 1 with *after the last position it sent
 * (INT64_MIN: none yet). */
static int cdbm_phase_resume(const cdbm_search *s, unsigned phase, int64_t *after)
{
    *after = INT64_MIN;
    if (s->resume == 0)
        return 1;
    if (CDBM_POS_PHASE(s->resume) > phase)
        return 0;
    if (CDBM_POS_PHASE(s->resume) == phase)
        *after = CDBM_POS_ID(s->resume);
    return 1;
}

static int cdbm_users_phase(cdbm_search *s)
{
    int64_t after;

    if (!(s->phases & CDBM_PHASE_BIT(CDBM_PH_USERS)) || s->user_query->op == CDB_Q_FALSE)
        return CDBM_CONTINUE;
    if (!cdbm_phase_resume(s, CDBM_PH_USERS, &after))
        return CDBM_CONTINUE;
    return cdbm_table_phase(s, s->user_query, after, cdb_user_find, cdbm_send_users);
}

static int cdbm_groups_phase(cdbm_search *s)
{
    int64_t after;

    if (!(s->phases & CDBM_PHASE_BIT(CDBM_PH_GROUPS)) || s->group_query->op == CDB_Q_FALSE)
        return CDBM_CONTINUE;
    if (!cdbm_phase_resume(s, CDBM_PH_GROUPS, &after))
        return CDBM_CONTINUE;
    return cdbm_table_phase(s, s->group_query, after, cdb_group_find, cdbm_send_groups);
}

/* Service accounts come from the configuration: position = index + 1. */
static int cdbm_services_phase(cdbm_search *s)
{
    size_t i = 0;
    int64_t after;
    int stop = CDBM_CONTINUE;

    if (!(s->phases & CDBM_PHASE_BIT(CDBM_PH_SERVICES)))
        return CDBM_CONTINUE;
    if (!cdbm_phase_resume(s, CDBM_PH_SERVICES, &after))
        return CDBM_CONTINUE; /* sent in an earlier page */
    if (after != INT64_MIN)
        i = (size_t)after;
    for (; i < s->info->n_services && stop == CDBM_CONTINUE; i++) {
        Entry *e = cdbm_entry_service(s->op, s->info, &s->info->services[i]);

        if (e != NULL)
            stop = cdbm_consider(s, e, CDBM_POS(CDBM_PH_SERVICES, (int64_t)i + 1));
    }
    return stop;
}

/* The administrators' sudoRole: one position, (phase, 1). */
static int cdbm_sudo_admins_phase(cdbm_search *s)
{
    cdb_access_sudo_admins admins;
    Entry *e;
    int rc;

    if (!(s->phases & CDBM_PHASE_BIT(CDBM_PH_SUDO_ADMINS)) || s->sudo_query->op == CDB_Q_FALSE)
        return CDBM_CONTINUE;
    if (s->resume != 0 && CDBM_POS_PHASE(s->resume) >= CDBM_PH_SUDO_ADMINS)
        return CDBM_CONTINUE;
    if ((rc = cdb_access_sudo_administrators(s->db, &admins)) != CDB_OK)
        return cdbm_core_error(s, rc);
    e = cdbm_entry_sudo_admins(s->op, s->info, &admins);
    cdb_access_sudo_admins_clear(&admins);
    if (e == NULL)
        return CDBM_CONTINUE;
    return cdbm_consider(s, e, CDBM_POS(CDBM_PH_SUDO_ADMINS, 1));
}

/* Owners' sudoRoles by container id, in chunks as the table phases. */
static int cdbm_sudo_owners_phase(cdbm_search *s)
{
    int64_t after;
    int first = 1, stop = CDBM_CONTINUE;

    if (!(s->phases & CDBM_PHASE_BIT(CDBM_PH_SUDO_OWNERS)) || s->sudo_query->op == CDB_Q_FALSE)
        return CDBM_CONTINUE;
    if (!cdbm_phase_resume(s, CDBM_PH_SUDO_OWNERS, &after))
        return CDBM_CONTINUE;
    while (stop == CDBM_CONTINUE) {
        cdb_access_sudo_owner **owners = NULL;
        size_t n = 0, i;
        int rc = cdb_access_sudo_owners(s->db, NULL, after, CDBM_CHUNK, &owners, &n);

        if (rc != CDB_OK)
            return cdbm_core_error(s, rc);
        if (first && cdbm_over_unchecked_limit(s->op, n)) {
            cdb_access_sudo_owner_array_free(owners, n);
            return cdbm_admin_limit(s);
        }
        first = 0;
        for (i = 0; i < n && stop == CDBM_CONTINUE; i++) {
            Entry *e = cdbm_entry_sudo_owner(s->op, s->info, owners[i]);

            if (e != NULL)
                stop = cdbm_consider(s, e, CDBM_POS(CDBM_PH_SUDO_OWNERS, owners[i]->container_id));
        }
        if (n > 0)
            after = owners[n - 1]->container_id;
        cdb_access_sudo_owner_array_free(owners, n);
        if (n < CDBM_CHUNK)
            break;
    }
    return stop;
}

/* Collect the values of f's memberUid equality assertions into s; 0 when
 * f uses memberUid in another form (or with a value core would compare
 * differently: filter.c's plain text), so that only the whole list will do. */
static int cdbm_member_equalities(cdbm_search *s, Filter *f, size_t *cap)
{
    Filter *k;

    if (f->f_choice & SLAPD_FILTER_UNDEFINED)
        return 1;  /* UNDEFINED whatever the entry holds */
    switch (f->f_choice & SLAPD_FILTER_MASK) {
    case LDAP_FILTER_AND:
    case LDAP_FILTER_OR:
        for (k = f->f_list; k != NULL; k = k->f_next)
            if (!cdbm_member_equalities(s, k, cap))
                return 0;
        return 1;
    case LDAP_FILTER_NOT:
        return cdbm_member_equalities(s, f->f_not, cap);
    case LDAP_FILTER_EQUALITY:
        if (f->f_av_desc != cdbm_ad.member_uid)
            break;
        if (!cdbm_plain_text(&f->f_av_value))
            return 0;
        if (s->n_member_names == *cap) {
            *cap = *cap ? 2 * *cap : 4;
            s->member_names = ch_realloc(s->member_names, *cap * sizeof(*s->member_names));
        }
        s->member_names[s->n_member_names] = ch_malloc(f->f_av_value.bv_len + 1);
        memcpy(s->member_names[s->n_member_names], f->f_av_value.bv_val, f->f_av_value.bv_len);
        s->member_names[s->n_member_names++][f->f_av_value.bv_len] = '\0';
        return 1;
    default:
        break;
    }
    return !cdbm_filter_mentions(f, cdbm_ad.member_uid);
}

/*
 * Whether an access rule in effect for this database may read member or
 * host values of the entry it decides beyond those sent: a "to" filter on
 * memberUid or host, a set= through `this`, or a dynamic ACL (aci).  Entries
 * built with only the members or hosts the search needs would then decide
 * differently, so they are built whole.  Read per search: cn=config may
 * change the rules.  (A set naming a group by its DN reads that group whole
 * when it is fetched, but a trimmed copy when that very group is being
 * decided: docs/slapd-module.md says what such a rule must not rely on.)
 */
static int cdbm_acls_read_entry(Operation *op)
{
    AccessControl *acl = op->o_bd->be_acl != NULL ? op->o_bd->be_acl : frontendDB->be_acl;

    for (; acl != NULL; acl = acl->acl_next) {
        if (acl->acl_filter != NULL &&
            (cdbm_filter_mentions(acl->acl_filter, cdbm_ad.member_uid) ||
             cdbm_filter_mentions(acl->acl_filter, cdbm_ad.host)))
            return 1;
        for (Access *b = acl->acl_access; b != NULL; b = b->a_next)
            if (b->a_dynacl != NULL ||
                (!BER_BVISEMPTY(&b->a_set_pat) && strstr(b->a_set_pat.bv_val, "this") != NULL))
                return 1;
    }
    return 0;
}

static void cdbm_choose_members(cdbm_search *s)
{
    Operation *op = s->op;
    size_t cap = 0;

    if (s->acls_read_entry || SLAP_USERATTRS(slap_attr_flags(op->ors_attrs)) ||
        ad_inlist(cdbm_ad.member_uid, op->ors_attrs)) {
        s->members = CDB_MEMBERS_ALL;
    } else if (!cdbm_filter_mentions(op->ors_filter, cdbm_ad.member_uid)) {
        s->members = CDB_MEMBERS_NONE;
    } else if (op->ors_filter != NULL && cdbm_member_equalities(s, op->ors_filter, &cap)) {
        s->members = CDB_MEMBERS_NAMED;
    } else {
        s->members = CDB_MEMBERS_ALL;
    }
}

static void cdbm_member_names_free(cdbm_search *s)
{
    size_t i;

    for (i = 0; i < s->n_member_names; i++)
        ch_free(s->member_names[i]);
    ch_free(s->member_names);
    s->member_names = NULL;
    s->n_member_names = 0;
}

static int cdbm_search_group_gid(void *ctx, struct berval *ndn, int64_t *gid)
{
    cdbm_search *s = ctx;

    return cdbm_group_gid_by_ndn(s->op, s->info, s->db, ndn, gid);
}

/* Which phases a scope from a base covers. */
static unsigned cdbm_phases_for(cdbm_dn_kind kind, int scope)
{
    unsigned S = CDBM_PHASE_BIT(CDBM_PH_SUFFIX), P = CDBM_PHASE_BIT(CDBM_PH_PEOPLE),
             U = CDBM_PHASE_BIT(CDBM_PH_USERS), GO = CDBM_PHASE_BIT(CDBM_PH_GROUPS_OU),
             G = CDBM_PHASE_BIT(CDBM_PH_GROUPS), R = CDBM_PHASE_BIT(CDBM_PH_ROOTDN),
             SO = CDBM_PHASE_BIT(CDBM_PH_SERVICES_OU), SV = CDBM_PHASE_BIT(CDBM_PH_SERVICES),
             XO = CDBM_PHASE_BIT(CDBM_PH_SUDOERS_OU),
             X = CDBM_PHASE_BIT(CDBM_PH_SUDO_ADMINS) | CDBM_PHASE_BIT(CDBM_PH_SUDO_OWNERS);

    switch (kind) {
    case CDBM_DN_SUFFIX:
        switch (scope) {
        case LDAP_SCOPE_BASE:
            return S;
        case LDAP_SCOPE_ONELEVEL:
            return P | GO | R | SO | XO;
        case LDAP_SCOPE_SUBORDINATE:
            return P | U | GO | G | R | SO | SV | XO | X;
        default:
            return S | P | U | GO | G | R | SO | SV | XO | X;
        }
    case CDBM_DN_SUDOERS:
        switch (scope) {
        case LDAP_SCOPE_BASE:
            return XO;
        case LDAP_SCOPE_ONELEVEL:
        case LDAP_SCOPE_SUBORDINATE:
            return X;
        default:
            return XO | X;
        }
    case CDBM_DN_SERVICES:
        switch (scope) {
        case LDAP_SCOPE_BASE:
            return SO;
        case LDAP_SCOPE_ONELEVEL:
        case LDAP_SCOPE_SUBORDINATE:
            return SV;
        default:
            return SO | SV;
        }
    case CDBM_DN_PEOPLE:
        switch (scope) {
        case LDAP_SCOPE_BASE:
            return P;
        case LDAP_SCOPE_ONELEVEL:
        case LDAP_SCOPE_SUBORDINATE:
            return U;
        default:
            return P | U;
        }
    case CDBM_DN_GROUPS:
        switch (scope) {
        case LDAP_SCOPE_BASE:
            return GO;
        case LDAP_SCOPE_ONELEVEL:
        case LDAP_SCOPE_SUBORDINATE:
            return G;
        default:
            return GO | G;
        }
    case CDBM_DN_USER:
        return scope == LDAP_SCOPE_BASE || scope == LDAP_SCOPE_SUBTREE ? U : 0;
    case CDBM_DN_GROUP:
        return scope == LDAP_SCOPE_BASE || scope == LDAP_SCOPE_SUBTREE ? G : 0;
    case CDBM_DN_SERVICE:
        return scope == LDAP_SCOPE_BASE || scope == LDAP_SCOPE_SUBTREE ? SV : 0;
    case CDBM_DN_ROOTDN:
        return scope == LDAP_SCOPE_BASE || scope == LDAP_SCOPE_SUBTREE ? R : 0;
    case CDBM_DN_SUDO_ROLE:
        return scope == LDAP_SCOPE_BASE || scope == LDAP_SCOPE_SUBTREE ? X : 0;
    default:
        return 0;
    }
}

int cdbm_back_search(Operation *op, SlapReply *rs)
{
    cdbm_info *info = op->o_bd->be_private;
    cdbm_query_arena arena;
    cdbm_search s;
    struct berval name;
    cdbm_dn_kind kind, matched_kind;
    Entry *base = NULL, *matched = NULL;
    slap_mask_t mask;
    int temporary = 0;
    int own_read = 0;
    int rc;

    memset(&s, 0, sizeof(s));
    memset(&arena, 0, sizeof(arena));
    s.op = op;
    s.rs = rs;
    s.info = info;

    s.db = cdbm_handle_get(op, info, &temporary);
    if (s.db == NULL) {
        send_ldap_error(op, rs, LDAP_UNAVAILABLE, "database unavailable");
        return rs->sr_err;
    }
    /* A search re-entered on this thread (an overlay's internal search
     * while an entry is sent) joins the outer one's transaction. */
    if (!cdb_in_transaction(s.db)) {
        rc = cdb_read_begin(s.db);
        if (rc != CDB_OK) {
            Debug(LDAP_DEBUG_ANY, "back-clusterdb: search: %s\n", cdb_errmsg(s.db));
            rs->sr_err = cdbm_ldap_result(rc, NULL, &rs->sr_text);
            send_ldap_result(op, rs);
            cdbm_handle_put(s.db, temporary);
            return rs->sr_err;
        }
        own_read = 1;
    }

    /* The base entry (and, when missing, the closest entry above it). */
    base = cdbm_entry_by_ndn(op, info, s.db, &op->o_req_ndn, &rc, &matched);
    if (base == NULL) {
        rs->sr_err = rc;
        if (rc == LDAP_NO_SUCH_OBJECT) {
            /* matchedDN only where the ACLs let the client know it exists. */
            if (matched != NULL &&
                access_allowed(op, matched, slap_schema.si_ad_entry, NULL, ACL_DISCLOSE, NULL))
                rs->sr_matched = matched->e_name.bv_val;
        } else {
            rs->sr_text = "database error";
        }
        send_ldap_result(op, rs);
        rs->sr_matched = NULL;
        goto done;
    }

    /* Search access is required on the base entry (as back-mdb). */
    if (!access_allowed_mask(op, base, slap_schema.si_ad_entry, NULL, ACL_SEARCH, NULL, &mask)) {
        rs->sr_err = ACL_GRANT(mask, ACL_DISCLOSE) ? LDAP_INSUFFICIENT_ACCESS : LDAP_NO_SUCH_OBJECT;
        send_ldap_result(op, rs);
        goto done;
    }
    if (get_assert(op) && test_filter(op, base, get_assertion(op)) != LDAP_COMPARE_TRUE) {
        rs->sr_err = LDAP_ASSERTION_FAILED;
        send_ldap_result(op, rs);
        goto done;
    }

    kind = cdbm_dn_classify(op, info, &op->o_req_ndn, &name, &matched_kind);
    if (!BER_BVISNULL(&name))
        op->o_tmpfree(name.bv_val, op->o_tmpmemctx);
    s.phases = cdbm_phases_for(kind, op->ors_scope);
    s.base_phase = kind == CDBM_DN_SUFFIX ? CDBM_PH_SUFFIX
                 : kind == CDBM_DN_PEOPLE ? CDBM_PH_PEOPLE
                 : kind == CDBM_DN_GROUPS ? CDBM_PH_GROUPS_OU
                 : kind == CDBM_DN_SERVICES ? CDBM_PH_SERVICES_OU
                 : kind == CDBM_DN_SUDOERS ? CDBM_PH_SUDOERS_OU
                                          : 0;
    s.stoptime = op->o_time + op->ors_tlimit;

    arena.group_gid = cdbm_search_group_gid;
    arena.group_gid_ctx = &s;
    cdbm_query_arena_init(&arena, op->ors_filter);
    s.user_query = cdbm_filter_to_query(&arena, op->ors_filter, CDBM_TABLE_USERS);
    s.group_query = cdbm_filter_to_query(&arena, op->ors_filter, CDBM_TABLE_GROUPS);
    s.sudo_query = cdbm_filter_to_query(&arena, op->ors_filter, CDBM_TABLE_SUDO);
    s.acls_read_entry = cdbm_acls_read_entry(op);
    s.want_hosts = s.acls_read_entry || cdbm_filter_mentions(op->ors_filter, cdbm_ad.host) ||
                   SLAP_USERATTRS(slap_attr_flags(op->ors_attrs)) ||
                   ad_inlist(cdbm_ad.host, op->ors_attrs);
    cdbm_choose_members(&s);
    if (s.user_query == NULL || s.group_query == NULL || s.sudo_query == NULL) {
        send_ldap_error(op, rs, LDAP_OTHER, "internal error (query translation)");
        goto done;
    }

    if (kind == CDBM_DN_USER || kind == CDBM_DN_GROUP || kind == CDBM_DN_SERVICE ||
        kind == CDBM_DN_ROOTDN || kind == CDBM_DN_SUDO_ROLE) {
        /* The base is the only entry in scope: test it directly. */
        if (s.phases != 0) {
            Entry *e = base;
            base = NULL;
            if (get_pagedresults(op) > SLAP_CONTROL_IGNORED) {
                rs->sr_err = cdbm_parse_paged_cookie(op, rs, &s.resume);
                if (rs->sr_err != LDAP_SUCCESS) {
                    entry_free(e);
                    send_ldap_result(op, rs);
                    goto done;
                }
                s.paged = 1;
                if (s.resume != 0) {
                    entry_free(e);
                    e = NULL;
                }
            }
            if (e != NULL && cdbm_consider(&s, e, CDBM_POS(CDBM_PH_USERS, 1)) == CDBM_STOP)
                goto done;
        }
        goto finish;
    }

    if (get_pagedresults(op) > SLAP_CONTROL_IGNORED) {
        PagedResultsState *ps = op->o_pagedresults_state;

        rs->sr_err = cdbm_parse_paged_cookie(op, rs, &s.resume);
        if (rs->sr_err != LDAP_SUCCESS) {
            send_ldap_result(op, rs);
            goto done;
        }
        if (s.resume != 0 && ps->ps_size == 0) {
            rs->sr_err = LDAP_SUCCESS;
            rs->sr_text = "search abandoned by pagedResult size=0";
            send_ldap_result(op, rs);
            goto done;
        }
        s.paged = 1;
    }

    s.base = base;
    base = NULL;
    if (cdbm_fixed_phase(&s, CDBM_PH_SUFFIX) == CDBM_STOP ||
        cdbm_fixed_phase(&s, CDBM_PH_PEOPLE) == CDBM_STOP || cdbm_users_phase(&s) == CDBM_STOP ||
        cdbm_fixed_phase(&s, CDBM_PH_GROUPS_OU) == CDBM_STOP || cdbm_groups_phase(&s) == CDBM_STOP ||
        cdbm_fixed_phase(&s, CDBM_PH_ROOTDN) == CDBM_STOP ||
        cdbm_fixed_phase(&s, CDBM_PH_SERVICES_OU) == CDBM_STOP ||
        cdbm_services_phase(&s) == CDBM_STOP ||
        cdbm_fixed_phase(&s, CDBM_PH_SUDOERS_OU) == CDBM_STOP ||
        cdbm_sudo_admins_phase(&s) == CDBM_STOP || cdbm_sudo_owners_phase(&s) == CDBM_STOP)
        goto done;

finish:
    rs->sr_ctrls = NULL;
    rs->sr_ref = rs->sr_v2ref;
    rs->sr_err = rs->sr_v2ref == NULL ? LDAP_SUCCESS : LDAP_REFERRAL;
    rs->sr_rspoid = NULL;
    if (s.paged)
        cdbm_send_paged_response(op, rs, NULL);
    else
        send_ldap_result(op, rs);
    rs->sr_err = LDAP_SUCCESS;

done:
    if (rs->sr_v2ref) {
        ber_bvarray_free(rs->sr_v2ref);
        rs->sr_v2ref = NULL;
    }
    rs->sr_ref = NULL;
    cdbm_query_arena_free(&arena);
    cdbm_member_names_free(&s);
    if (base != NULL)
        entry_free(base);
    if (s.base != NULL)
        entry_free(s.base);
    if (matched != NULL)
        entry_free(matched);
    if (own_read)
        cdb_read_end(s.db);
    cdbm_handle_put(s.db, temporary);
    return rs->sr_err;
}
