/*
 * Rows -> slapd entries, and DNs -> rows (DESIGN.md section 3).
 *
 *   <suffix>                       dcObject+organization / organization / organizationalUnit
 *   ou=people,<suffix>             uid=<username>,ou=people,<suffix>  (users)
 *   ou=groups,<suffix>             cn=<group>,ou=groups,<suffix>      (groups)
 *   ou=SUDOers,<suffix>            cn=<rule>,ou=SUDOers,<suffix>      (sudo.c)
 *
 * Entries come from entry_alloc() and carry values normalized by slapd's own
 * matching rules (attr_merge_normalize_one), so test_filter, compare and the
 * ACL engine see them exactly as they would a back-mdb entry.
 */
#include "portable.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "back-clusterdb.h"

/* entryUUID: a name-based, stable UUID (RFC 9562 version 8, "custom"):
 * 5c1d8b00-cdb0-8TTT-8000-IIIIIIIIIIII with TTT the table and I the row id
 * (the tables are listed in back-clusterdb.h). */

int cdbm_add_value(Entry *e, AttributeDescription *ad, const char *s, size_t len)
{
    struct berval bv;

    bv.bv_val = (char *)s;
    bv.bv_len = len;
    if (attr_merge_normalize_one(e, ad, &bv, NULL) != 0) {
        Debug(LDAP_DEBUG_TRACE, "back-clusterdb: %s: value of %s not valid, left out\n",
              e->e_name.bv_val, ad->ad_cname.bv_val);
        return -1;
    }
    return 0;
}

int cdbm_add_str(Entry *e, AttributeDescription *ad, const char *s)
{
    return cdbm_add_value(e, ad, s, strlen(s));
}

static int cdbm_add_int(Entry *e, AttributeDescription *ad, int64_t n)
{
    char buf[32];
    int len = snprintf(buf, sizeof(buf), "%lld", (long long)n);

    return cdbm_add_value(e, ad, buf, (size_t)len);
}

void cdbm_add_uuid(Entry *e, unsigned table, int64_t id)
{
    char buf[40];
    int len = snprintf(buf, sizeof(buf), "5c1d8b00-cdb0-%04x-8000-%012llx", 0x8000u | (table & 0xfffu),
                       (unsigned long long)id & 0xffffffffffffULL);

    cdbm_add_value(e, cdbm_ad.entry_uuid, buf, (size_t)len);
}

/* "2026-11-26T22:16:04.123Z" (or with a space for T) -> "20261126221604Z". */
void cdbm_add_timestamp(Entry *e, AttributeDescription *ad, const char *iso)
{
    static const int digit_at[] = { 0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18 };
    char buf[16];
    size_t i;

    if (iso == NULL || strlen(iso) < 19 || iso[4] != '-' || iso[7] != '-' ||
        (iso[10] != 'T' && iso[10] != ' ') || iso[13] != ':' || iso[16] != ':')
        return;
    for (i = 0; i < sizeof(digit_at) / sizeof(digit_at[0]); i++) {
        char c = iso[digit_at[i]];
        if (c < '0' || c > '9')
            return;
        buf[i] = c;
    }
    buf[14] = 'Z';
    buf[15] = '\0';
    cdbm_add_value(e, ad, buf, 15);
}

void cdbm_add_oc(Entry *e, ObjectClass *oc)
{
    cdbm_add_value(e, cdbm_ad.object_class, oc->soc_cname.bv_val, oc->soc_cname.bv_len);
}

void cdbm_add_structural(Entry *e, ObjectClass *oc)
{
    cdbm_add_value(e, cdbm_ad.structural_object_class, oc->soc_cname.bv_val, oc->soc_cname.bv_len);
}

/* Whether a name is its own LDAP-normalized RDN value (lower-case ASCII
 * letters, digits and ._- only): then the DN needs no parsing. */
static int cdbm_name_is_plain(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
              *s == '-'))
            return 0;
    }
    return 1;
}

/* The RDN value escaped as RFC 4514 requires. */
static char *cdbm_rdn_escape(const char *s)
{
    size_t n = strlen(s), i, o = 0;
    char *out = ch_malloc(3 * n + 1);

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' ||
            c == '=' || (i == 0 && (c == '#' || c == ' ')) || (i == n - 1 && c == ' ')) {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c == '\0' || c < 0x20) {
            o += (size_t)sprintf(out + o, "\\%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return out;
}

/* A new entry named <attr>=<value>,<parent>. */
Entry *cdbm_entry_named(const char *attr, const char *value, struct berval *parent,
                               struct berval *nparent)
{
    Entry *e;
    struct berval dn, ndn;

    if (cdbm_name_is_plain(value)) {
        size_t alen = strlen(attr), vlen = strlen(value);

        dn.bv_len = alen + 1 + vlen + 1 + parent->bv_len;
        dn.bv_val = ch_malloc(dn.bv_len + 1);
        snprintf(dn.bv_val, dn.bv_len + 1, "%s=%s,%s", attr, value, parent->bv_val);
        ndn.bv_len = alen + 1 + vlen + 1 + nparent->bv_len;
        ndn.bv_val = ch_malloc(ndn.bv_len + 1);
        snprintf(ndn.bv_val, ndn.bv_len + 1, "%s=%s,%s", attr, value, nparent->bv_val);
    } else {
        char *escaped = cdbm_rdn_escape(value);
        struct berval raw;
        size_t len = strlen(attr) + 1 + strlen(escaped) + 1 + parent->bv_len;

        raw.bv_val = ch_malloc(len + 1);
        snprintf(raw.bv_val, len + 1, "%s=%s,%s", attr, escaped, parent->bv_val);
        raw.bv_len = len;
        ch_free(escaped);
        if (dnPrettyNormal(NULL, &raw, &dn, &ndn, NULL) != LDAP_SUCCESS) {
            Debug(LDAP_DEBUG_ANY, "back-clusterdb: \"%s\" is not a valid DN, entry left out\n",
                  raw.bv_val);
            ch_free(raw.bv_val);
            return NULL;
        }
        ch_free(raw.bv_val);
    }
    e = entry_alloc();
    e->e_id = NOID;
    e->e_name = dn;
    e->e_nname = ndn;
    return e;
}

static Entry *cdbm_entry_at(struct berval *dn, struct berval *ndn)
{
    Entry *e = entry_alloc();

    e->e_id = NOID;
    ber_dupbv(&e->e_name, dn);
    ber_dupbv(&e->e_nname, ndn);
    return e;
}

Entry *cdbm_entry_suffix(Operation *op, cdbm_info *info)
{
    Entry *e = cdbm_entry_at(&op->o_bd->be_suffix[0], &op->o_bd->be_nsuffix[0]);
    struct berval *v = &info->suffix_rdn_value;

    cdbm_add_oc(e, cdbm_ad.oc_top);
    switch (info->suffix_kind) {
    case CDBM_SUFFIX_DC:
        cdbm_add_oc(e, cdbm_ad.oc_dc_object);
        cdbm_add_oc(e, cdbm_ad.oc_organization);
        cdbm_add_value(e, cdbm_ad.dc, v->bv_val, v->bv_len);
        cdbm_add_value(e, cdbm_ad.o, v->bv_val, v->bv_len);
        cdbm_add_structural(e, cdbm_ad.oc_organization);
        break;
    case CDBM_SUFFIX_O:
        cdbm_add_oc(e, cdbm_ad.oc_organization);
        cdbm_add_value(e, cdbm_ad.o, v->bv_val, v->bv_len);
        cdbm_add_structural(e, cdbm_ad.oc_organization);
        break;
    case CDBM_SUFFIX_OU:
        cdbm_add_oc(e, cdbm_ad.oc_organizational_unit);
        cdbm_add_value(e, cdbm_ad.ou, v->bv_val, v->bv_len);
        cdbm_add_structural(e, cdbm_ad.oc_organizational_unit);
        break;
    }
    cdbm_add_uuid(e, CDBM_UUID_FIXED, CDBM_FIXED_SUFFIX);
    return e;
}

Entry *cdbm_entry_ou(struct berval *dn, struct berval *ndn, const char *ou, int64_t id)
{
    Entry *e = cdbm_entry_at(dn, ndn);

    cdbm_add_oc(e, cdbm_ad.oc_top);
    cdbm_add_oc(e, cdbm_ad.oc_organizational_unit);
    cdbm_add_str(e, cdbm_ad.ou, ou);
    cdbm_add_structural(e, cdbm_ad.oc_organizational_unit);
    cdbm_add_uuid(e, CDBM_UUID_FIXED, id);
    return e;
}

Entry *cdbm_entry_people(Operation *op, cdbm_info *info)
{
    return cdbm_entry_ou(&info->people_dn, &info->people_ndn, "people", CDBM_FIXED_PEOPLE);
}

Entry *cdbm_entry_groups(Operation *op, cdbm_info *info)
{
    return cdbm_entry_ou(&info->groups_dn, &info->groups_ndn, "groups", CDBM_FIXED_GROUPS);
}

void cdbm_fixed_probes_free(cdbm_info *info)
{
    size_t i;

    for (i = 0; i < sizeof(info->fixed_probe) / sizeof(info->fixed_probe[0]); i++) {
        if (info->fixed_probe[i] != NULL)
            entry_free(info->fixed_probe[i]);
        info->fixed_probe[i] = NULL;
    }
}

void cdbm_fixed_probes_build(BackendDB *be, cdbm_info *info)
{
    Operation op;

    /* The builders read only op->o_bd. */
    memset(&op, 0, sizeof(op));
    op.o_bd = be;
    cdbm_fixed_probes_free(info);
    info->fixed_probe[0] = cdbm_entry_suffix(&op, info);
    info->fixed_probe[1] = cdbm_entry_people(&op, info);
    info->fixed_probe[2] = cdbm_entry_groups(&op, info);
    info->fixed_probe[3] = cdbm_entry_sudoers(&op, info);
}

Entry *cdbm_entry_services(Operation *op, cdbm_info *info)
{
    if (info->n_services == 0)
        return NULL;
    return cdbm_entry_ou(&info->services_dn, &info->services_ndn, "services",
                         CDBM_FIXED_SERVICES);
}

const cdbm_service *cdbm_service_by_ndn(cdbm_info *info, struct berval *ndn)
{
    size_t i;

    for (i = 0; i < info->n_services; i++)
        if (dn_match(&info->services[i].ndn, ndn))
            return &info->services[i];
    return NULL;
}

/* A service account is an application, not a person: applicationProcess
 * (cn) with simpleSecurityObject (userPassword), never posixAccount, so NSS
 * never sees it and no PAM stack can log it in. */
Entry *cdbm_entry_service(Operation *op, cdbm_info *info, const cdbm_service *svc)
{
    Entry *e = cdbm_entry_at((struct berval *)&svc->dn, (struct berval *)&svc->ndn);
    size_t len = strlen("{ARGON2}") + strlen(svc->hash), i;
    char *pw = ch_malloc(len + 1);

    cdbm_add_oc(e, cdbm_ad.oc_top);
    cdbm_add_oc(e, cdbm_ad.oc_application_process);
    cdbm_add_oc(e, cdbm_ad.oc_simple_security_object);
    cdbm_add_value(e, cdbm_ad.cn, svc->name.bv_val, svc->name.bv_len);
    /* As for users: slapd's ACLs decide who sees it (binds use auth). */
    snprintf(pw, len + 1, "{ARGON2}%s", svc->hash);
    cdbm_add_value(e, cdbm_ad.user_password, pw, len);
    ch_free(pw);
    cdbm_add_structural(e, cdbm_ad.oc_application_process);
    for (i = 0; i < info->n_services && &info->services[i] != svc; i++)
        ;
    cdbm_add_uuid(e, CDBM_UUID_SERVICES, (int64_t)i + 1);
    return e;
}

int cdbm_rootdn_served(Operation *op)
{
    BackendDB *be = op->o_bd;
    struct berval parent, rdn;

    if (BER_BVISEMPTY(&be->be_rootndn) || !dnIsSuffix(&be->be_rootndn, &be->be_nsuffix[0]))
        return 0;
    dnParent(&be->be_rootndn, &parent);
    if (!dn_match(&parent, &be->be_nsuffix[0]))
        return 0;
    dnRdn(&be->be_rootndn, &rdn);
    return rdn.bv_len > 3 && strncasecmp(rdn.bv_val, "cn=", 3) == 0;
}

/* The rootdn is slapd's (rootdn/rootpw), yet clients expect an entry at the
 * DN they bind as: nslcd's default "pam_authc_search BASE" reads it after
 * binding as rootpwmoddn (passwd USER as root).  Served as Debian's
 * installer creates it for back-mdb: organizationalRole, no password (the
 * rootpw stays in the configuration). */
Entry *cdbm_entry_rootdn(Operation *op, cdbm_info *info)
{
    BackendDB *be = op->o_bd;
    struct berval rdn, value = BER_BVNULL;
    Entry *e;

    (void)info;
    if (!cdbm_rootdn_served(op))
        return NULL;
    dnRdn(&be->be_rootdn, &rdn);
    if (!cdbm_rdn_value(op, &rdn, cdbm_ad.cn, &value))
        return NULL;
    e = cdbm_entry_at(&be->be_rootdn, &be->be_rootndn);
    cdbm_add_oc(e, cdbm_ad.oc_top);
    cdbm_add_oc(e, cdbm_ad.oc_organizational_role);
    cdbm_add_value(e, cdbm_ad.cn, value.bv_val, value.bv_len);
    cdbm_add_str(e, slap_schema.si_ad_description, "directory administrator (slapd rootdn)");
    cdbm_add_structural(e, cdbm_ad.oc_organizational_role);
    cdbm_add_uuid(e, CDBM_UUID_FIXED, CDBM_FIXED_ROOTDN);
    op->o_tmpfree(value.bv_val, op->o_tmpmemctx);
    return e;
}

/* gecos is an IA5String: served only when cn is printable ASCII. */
static int cdbm_is_printable_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    }
    return 1;
}

static void cdbm_add_ssh_keys(Entry *e, const char *keys)
{
    const char *p = keys;

    while (p != NULL && *p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        size_t trimmed = len;

        while (trimmed > 0 && (p[trimmed - 1] == '\r' || p[trimmed - 1] == ' ' ||
                               p[trimmed - 1] == '\t'))
            trimmed--;
        if (trimmed > 0)
            cdbm_add_value(e, cdbm_ad.ssh_public_key, p, trimmed);
        p = end ? end + 1 : NULL;
    }
}

/* Whether values of ad that pass cdbm_name_is_plain() are their own
 * normalized form: true of caseExactIA5Match and caseIgnoreIA5Match, whose
 * normalizer only folds spaces (and, ignoring case, upper case). */
static int cdbm_plain_is_normalized(AttributeDescription *ad)
{
    const MatchingRule *mr = ad->ad_type->sat_equality;

    return mr != NULL && mr->smr_oid != NULL &&
           (strcmp(mr->smr_oid, "1.3.6.1.4.1.1466.109.114.1") == 0 ||
            strcmp(mr->smr_oid, "1.3.6.1.4.1.1466.109.114.2") == 0);
}

/* Many values of one attribute in one attr_merge (one array, not one
 * reallocation per value); plain names are not normalized again where the
 * matching rule leaves them as they are.  NULL names are skipped. */
static void cdbm_add_names(Entry *e, AttributeDescription *ad, char *const *names, size_t n)
{
    BerVarray vals, nvals;
    int plain_ok = cdbm_plain_is_normalized(ad);
    size_t i, k = 0;

    if (n == 0)
        return;
    vals = ch_malloc((n + 1) * sizeof(*vals));
    nvals = ch_malloc((n + 1) * sizeof(*nvals));
    for (i = 0; i < n; i++) {
        if (names[i] == NULL)
            continue;
        ber_str2bv(names[i], 0, 0, &vals[k]);
        /* As attr_merge_normalize_one: a value the rule cannot normalize
         * stands for itself. */
        if (plain_ok && cdbm_name_is_plain(names[i]))
            nvals[k] = vals[k];
        else if (attr_normalize_one(ad, &vals[k], &nvals[k], NULL) != LDAP_SUCCESS ||
                 BER_BVISNULL(&nvals[k]))
            nvals[k] = vals[k];
        k++;
    }
    BER_BVZERO(&vals[k]);
    BER_BVZERO(&nvals[k]);
    if (k > 0 && attr_merge(e, ad, vals, nvals) != 0)
        Debug(LDAP_DEBUG_TRACE, "back-clusterdb: %s: values of %s left out\n", e->e_name.bv_val,
              ad->ad_cname.bv_val);
    for (i = 0; i < k; i++)
        if (nvals[i].bv_val != vals[i].bv_val)
            slap_sl_free(nvals[i].bv_val, NULL);
    ch_free(vals);
    ch_free(nvals);
}

static void cdbm_add_member_of(Entry *e, cdbm_info *info, const char *group_cn)
{
    char *escaped = cdbm_rdn_escape(group_cn);
    size_t len = 3 + strlen(escaped) + 1 + info->groups_dn.bv_len;
    char *dn = ch_malloc(len + 1);

    snprintf(dn, len + 1, "cn=%s,%s", escaped, info->groups_dn.bv_val);
    cdbm_add_value(e, cdbm_ad.member_of, dn, len);
    ch_free(dn);
    ch_free(escaped);
}

Entry *cdbm_entry_user(Operation *op, cdbm_info *info, const cdb_user *u)
{
    Entry *e;
    const char *cn, *sn;
    size_t i;

    if (u == NULL || u->username == NULL)
        return NULL;
    e = cdbm_entry_named("uid", u->username, &info->people_dn, &info->people_ndn);
    if (e == NULL)
        return NULL;

    cn = (u->cn && *u->cn) ? u->cn : u->username;
    sn = (u->sn && *u->sn) ? u->sn : u->username;

    cdbm_add_oc(e, cdbm_ad.oc_top);
    cdbm_add_oc(e, cdbm_ad.oc_inet_org_person);
    cdbm_add_oc(e, cdbm_ad.oc_posix_account);
    cdbm_add_oc(e, cdbm_ad.oc_shadow_account);
    cdbm_add_oc(e, cdbm_ad.oc_ldap_public_key);
    cdbm_add_oc(e, cdbm_ad.oc_clusterdb_account);
    cdbm_add_oc(e, cdbm_ad.oc_host_object);
    cdbm_add_str(e, cdbm_ad.uid, u->username);
    cdbm_add_str(e, cdbm_ad.cn, cn);
    cdbm_add_str(e, cdbm_ad.sn, sn);
    if (u->given_name && *u->given_name)
        cdbm_add_str(e, cdbm_ad.given_name, u->given_name);
    if (u->mail && *u->mail)
        cdbm_add_str(e, cdbm_ad.mail, u->mail);
    cdbm_add_int(e, cdbm_ad.uid_number, u->uid_number);
    cdbm_add_int(e, cdbm_ad.gid_number, CDB_PRIMARY_GID);
    {
        /* The stored values or core's defaults (directory.h owns them). */
        size_t len = cdb_user_home_directory(u, NULL, 0);
        char *home = ch_malloc(len + 1);

        cdb_user_home_directory(u, home, len + 1);
        cdbm_add_value(e, cdbm_ad.home_directory, home, len);
        ch_free(home);
    }
    cdbm_add_str(e, cdbm_ad.login_shell, cdb_user_login_shell(u));
    if (cdbm_is_printable_ascii(cn))
        cdbm_add_str(e, cdbm_ad.gecos, cn);
    cdbm_add_ssh_keys(e, u->ssh_public_key);
    if (u->user_password && *u->user_password) {
        /* Always present: slapd's ACLs decide who sees it (binds use
         * auth access, never read). */
        size_t len = strlen("{ARGON2}") + strlen(u->user_password);
        char *pw = ch_malloc(len + 1);

        snprintf(pw, len + 1, "{ARGON2}%s", u->user_password);
        cdbm_add_value(e, cdbm_ad.user_password, pw, len);
        ch_free(pw);
    }
    /* clusterdb.schema: read by whom the ACLs allow, changed by
     * administrators only (modify.c). */
    cdbm_add_str(e, cdbm_ad.status, cdb_user_status_name(u->status));
    if (u->status != CDB_USER_ACTIVE) {
        /* Expired since 1970: nslcd and SSSD refuse the account at the PAM
         * account stage, which also covers SSH-key logins. */
        cdbm_add_str(e, cdbm_ad.shadow_expire, "1");
    }
    for (i = 0; i < u->n_groups; i++) {
        if (u->groups[i].cn != NULL)
            cdbm_add_member_of(e, info, u->groups[i].cn);
    }
    cdbm_add_structural(e, cdbm_ad.oc_inet_org_person);
    cdbm_add_uuid(e, CDBM_UUID_USERS, u->uid_number);
    cdbm_add_timestamp(e, cdbm_ad.create_timestamp, u->created_at);
    cdbm_add_timestamp(e, cdbm_ad.modify_timestamp, u->updated_at);
    return e;
}

char *cdbm_container_fqdn(const char *hostname, const char *domain)
{
    size_t len;
    char *fqdn;

    if (domain == NULL || *domain == '\0')
        return NULL;
    len = strlen(hostname) + 1 + strlen(domain);
    fqdn = ch_malloc(len + 1);
    snprintf(fqdn, len + 1, "%s.%s", hostname, domain);
    return fqdn;
}

/* host values: each container by its short name and, when the site has an
 * internal domain, the FQDN (nslcd's pam_authz_search and SSSD's host access
 * check ask for either).  Takes hosts. */
static void cdbm_add_hosts(Entry *e, cdb_access_host **hosts, size_t n)
{
    char **names;
    size_t i, k = 0;

    if (n == 0) {
        cdb_access_host_array_free(hosts, n); /* an empty list is allocated too */
        return;
    }
    names = ch_calloc(2 * n, sizeof(*names));
    for (i = 0; i < n; i++) {
        const cdb_access_host *h = hosts[i];

        names[k++] = ch_strdup(h->hostname);
        if ((names[k] = cdbm_container_fqdn(h->hostname, h->domain)) != NULL)
            k++;
    }
    cdbm_add_names(e, cdbm_ad.host, names, k);
    for (i = 0; i < k; i++)
        ch_free(names[i]);
    ch_free(names);
    cdb_access_host_array_free(hosts, n);
}

/* A user's: the containers the user may enter. */
int cdbm_entry_add_hosts(Entry *e, cdb *db, int64_t uid_number)
{
    cdb_access_host **hosts = NULL;
    size_t n = 0;
    int st = cdb_access_hosts_for_user(db, uid_number, &hosts, &n);

    if (st == CDB_OK)
        cdbm_add_hosts(e, hosts, n);
    return st;
}

/* A group's: the containers its grants name (informational: clients check
 * the members' own host values). */
int cdbm_entry_add_group_hosts(Entry *e, cdb *db, int64_t gid_number)
{
    cdb_access_host **hosts = NULL;
    size_t n = 0;
    int st = cdb_access_hosts_for_group(db, gid_number, &hosts, &n);

    if (st == CDB_OK)
        cdbm_add_hosts(e, hosts, n);
    return st;
}

Entry *cdbm_entry_group(Operation *op, cdbm_info *info, const cdb_group *g)
{
    Entry *e;

    if (g == NULL || g->cn == NULL)
        return NULL;
    e = cdbm_entry_named("cn", g->cn, &info->groups_dn, &info->groups_ndn);
    if (e == NULL)
        return NULL;
    cdbm_add_oc(e, cdbm_ad.oc_top);
    cdbm_add_oc(e, cdbm_ad.oc_posix_group);
    cdbm_add_oc(e, cdbm_ad.oc_host_object);
    cdbm_add_str(e, cdbm_ad.cn, g->cn);
    cdbm_add_int(e, cdbm_ad.gid_number, g->gid_number);
    cdbm_add_names(e, cdbm_ad.member_uid, g->member_usernames, g->n_members);
    cdbm_add_structural(e, cdbm_ad.oc_posix_group);
    cdbm_add_uuid(e, CDBM_UUID_GROUPS, g->gid_number);
    cdbm_add_timestamp(e, cdbm_ad.create_timestamp, g->created_at);
    cdbm_add_timestamp(e, cdbm_ad.modify_timestamp, g->updated_at);
    return e;
}

/* ---- DN -> place in the tree ------------------------------------------- */

/* The single-AVA RDN value of rdn if its type is ad; in tmp memory. */
int cdbm_rdn_value(Operation *op, struct berval *rdn, AttributeDescription *ad,
                          struct berval *value)
{
    LDAPRDN parsed = NULL;
    char *next = NULL;
    AttributeDescription *rdn_ad = NULL;
    const char *text = NULL;
    int ok = 0;

    if (ldap_bv2rdn_x(rdn, &parsed, &next, LDAP_DN_FORMAT_LDAP, op->o_tmpmemctx) != LDAP_SUCCESS)
        return 0;
    if (parsed[0] != NULL && parsed[1] == NULL &&
        slap_bv2ad(&parsed[0]->la_attr, &rdn_ad, &text) == LDAP_SUCCESS && rdn_ad == ad) {
        ber_dupbv_x(value, &parsed[0]->la_value, op->o_tmpmemctx);
        ok = 1;
    }
    ldap_rdnfree_x(parsed, op->o_tmpmemctx);
    return ok;
}

static cdbm_dn_kind cdbm_classify_under(Operation *op, struct berval *ndn, struct berval *container,
                                        AttributeDescription *ad, cdbm_dn_kind kind,
                                        cdbm_dn_kind container_kind, struct berval *name,
                                        cdbm_dn_kind *matched_kind)
{
    struct berval child = *ndn, parent, rdn;
    int depth = 1;

    /* Walk up to the RDN right below the container. */
    for (;;) {
        dnParent(&child, &parent);
        if (dn_match(&parent, container))
            break;
        child = parent;
        depth++;
    }
    dnRdn(&child, &rdn);
    if (!cdbm_rdn_value(op, &rdn, ad, name)) {
        *matched_kind = container_kind;
        return CDBM_DN_NONE;
    }
    if (depth == 1)
        return kind;
    *matched_kind = kind;
    return CDBM_DN_NONE;
}

cdbm_dn_kind cdbm_dn_classify(Operation *op, cdbm_info *info, struct berval *ndn,
                              struct berval *name, cdbm_dn_kind *matched_kind)
{
    struct berval *nsuffix = &op->o_bd->be_nsuffix[0];

    BER_BVZERO(name);
    *matched_kind = CDBM_DN_NONE;
    if (dn_match(ndn, nsuffix))
        return CDBM_DN_SUFFIX;
    if (dn_match(ndn, &info->people_ndn))
        return CDBM_DN_PEOPLE;
    if (dn_match(ndn, &info->groups_ndn))
        return CDBM_DN_GROUPS;
    if (!dnIsSuffix(ndn, nsuffix))
        return CDBM_DN_NONE;
    if (info->n_services > 0) {
        if (dn_match(ndn, &info->services_ndn))
            return CDBM_DN_SERVICES;
        if (dnIsSuffix(ndn, &info->services_ndn))
            return cdbm_classify_under(op, ndn, &info->services_ndn, cdbm_ad.cn,
                                       CDBM_DN_SERVICE, CDBM_DN_SERVICES, name, matched_kind);
    }
    if (dn_match(ndn, &info->sudoers_ndn))
        return CDBM_DN_SUDOERS;
    if (dnIsSuffix(ndn, &info->sudoers_ndn))
        return cdbm_classify_under(op, ndn, &info->sudoers_ndn, cdbm_ad.cn, CDBM_DN_SUDO_ROLE,
                                   CDBM_DN_SUDOERS, name, matched_kind);
    if (dn_match(ndn, &op->o_bd->be_rootndn) && cdbm_rootdn_served(op))
        return CDBM_DN_ROOTDN;
    if (dnIsSuffix(ndn, &info->people_ndn))
        return cdbm_classify_under(op, ndn, &info->people_ndn, cdbm_ad.uid, CDBM_DN_USER,
                                   CDBM_DN_PEOPLE, name, matched_kind);
    if (dnIsSuffix(ndn, &info->groups_ndn))
        return cdbm_classify_under(op, ndn, &info->groups_ndn, cdbm_ad.cn, CDBM_DN_GROUP,
                                   CDBM_DN_GROUPS, name, matched_kind);
    *matched_kind = CDBM_DN_SUFFIX;
    return CDBM_DN_NONE;
}

/* Core wants a C string; the name may carry no NUL. */
static char *cdbm_name_cstr(Operation *op, struct berval *name)
{
    char *s;

    if (memchr(name->bv_val, '\0', name->bv_len) != NULL)
        return NULL;
    s = op->o_tmpalloc(name->bv_len + 1, op->o_tmpmemctx);
    memcpy(s, name->bv_val, name->bv_len);
    s[name->bv_len] = '\0';
    return s;
}

int cdbm_find_id(cdb *db, cdbm_table table, const char *name, int64_t *id)
{
    cdb_query q;
    int64_t *ids = NULL;
    size_t n = 0;
    int rc;

    memset(&q, 0, sizeof(q));
    q.op = CDB_Q_EQ;
    q.field = table == CDBM_TABLE_USERS ? CDB_QF_USERNAME : CDB_QF_GROUP_CN;
    q.text = name;
    if (table == CDBM_TABLE_USERS)
        rc = cdb_user_find(db, &q, INT64_MIN, 2, &ids, &n);
    else
        rc = cdb_group_find(db, &q, INT64_MIN, 2, &ids, &n);
    if (rc == CDB_OK && n == 0)
        rc = CDB_ERR_NOTFOUND;
    if (rc == CDB_OK)
        *id = ids[0];
    cdb_free(ids);
    return rc;
}

Entry *cdbm_entry_user_by_name(Operation *op, cdbm_info *info, cdb *db, struct berval *name,
                               int *rc)
{
    char *s = cdbm_name_cstr(op, name);
    cdb_user *u = NULL;
    Entry *e = NULL;
    int64_t id = 0;
    int st;

    int own_read = 0;

    *rc = LDAP_NO_SUCH_OBJECT;
    if (s == NULL)
        return NULL;
    /* The row and its host values from one snapshot (a search has its
     * read transaction already; compare and entry_get do not). */
    if (!cdb_in_transaction(db)) {
        st = cdb_read_begin(db);
        if (st != CDB_OK) {
            *rc = cdbm_ldap_result(st, NULL, NULL);
            op->o_tmpfree(s, op->o_tmpmemctx);
            return NULL;
        }
        own_read = 1;
    }
    st = cdbm_find_id(db, CDBM_TABLE_USERS, s, &id);
    if (st == CDB_OK)
        st = cdb_user_get(db, id, &u);
    if (st == CDB_OK) {
        e = cdbm_entry_user(op, info, u);
        /* Always with host: ACLs (entry_get), compare and the write
         * checks see the whole entry. */
        if (e != NULL && (st = cdbm_entry_add_hosts(e, db, u->uid_number)) != CDB_OK) {
            Debug(LDAP_DEBUG_ANY, "back-clusterdb: host values of %s: %s\n", u->username,
                  cdb_errmsg(db));
            entry_free(e);
            e = NULL;
            *rc = cdbm_ldap_result(st, NULL, NULL);
        } else {
            *rc = e ? LDAP_SUCCESS : LDAP_OTHER;
        }
    } else {
        *rc = cdbm_ldap_result(st, NULL, NULL);
    }
    cdb_user_free(u);
    if (own_read)
        cdb_read_end(db);
    op->o_tmpfree(s, op->o_tmpmemctx);
    return e;
}

Entry *cdbm_entry_group_by_name(Operation *op, cdbm_info *info, cdb *db, struct berval *name,
                                int *rc)
{
    char *s = cdbm_name_cstr(op, name);
    cdb_group *g = NULL;
    Entry *e = NULL;
    int64_t id = 0;
    int st, own_read = 0;

    *rc = LDAP_NO_SUCH_OBJECT;
    if (s == NULL)
        return NULL;
    /* The row and its host values from one snapshot, as for users. */
    if (!cdb_in_transaction(db)) {
        st = cdb_read_begin(db);
        if (st != CDB_OK) {
            *rc = cdbm_ldap_result(st, NULL, NULL);
            op->o_tmpfree(s, op->o_tmpmemctx);
            return NULL;
        }
        own_read = 1;
    }
    st = cdbm_find_id(db, CDBM_TABLE_GROUPS, s, &id);
    if (st == CDB_OK)
        st = cdb_group_get(db, id, &g);
    if (st == CDB_OK) {
        e = cdbm_entry_group(op, info, g);
        /* Always with host, as a user's entry is. */
        if (e != NULL && (st = cdbm_entry_add_group_hosts(e, db, g->gid_number)) != CDB_OK) {
            Debug(LDAP_DEBUG_ANY, "back-clusterdb: host values of group %s: %s\n", g->cn,
                  cdb_errmsg(db));
            entry_free(e);
            e = NULL;
            *rc = cdbm_ldap_result(st, NULL, NULL);
        } else {
            *rc = e ? LDAP_SUCCESS : LDAP_OTHER;
        }
    } else {
        *rc = cdbm_ldap_result(st, NULL, NULL);
    }
    cdb_group_free(g);
    if (own_read)
        cdb_read_end(db);
    op->o_tmpfree(s, op->o_tmpmemctx);
    return e;
}

int cdbm_group_gid_by_ndn(Operation *op, cdbm_info *info, cdb *db, struct berval *ndn,
                          int64_t *gid)
{
    struct berval name;
    cdbm_dn_kind matched_kind;
    char *s;
    int st, found = 0;

    if (cdbm_dn_classify(op, info, ndn, &name, &matched_kind) != CDBM_DN_GROUP) {
        if (!BER_BVISNULL(&name))
            op->o_tmpfree(name.bv_val, op->o_tmpmemctx);
        return 0;
    }
    s = cdbm_name_cstr(op, &name);
    op->o_tmpfree(name.bv_val, op->o_tmpmemctx);
    if (s == NULL)
        return 0;
    st = cdbm_find_id(db, CDBM_TABLE_GROUPS, s, gid);
    op->o_tmpfree(s, op->o_tmpmemctx);
    if (st == CDB_OK)
        found = 1;
    else if (st != CDB_ERR_NOTFOUND)
        found = -1;
    return found;
}

/* The fixed entry, or the user/group entry, of a kind. */
static Entry *cdbm_entry_of_kind(Operation *op, cdbm_info *info, cdb *db, cdbm_dn_kind kind,
                                 struct berval *name, int *rc)
{
    *rc = LDAP_SUCCESS;
    switch (kind) {
    case CDBM_DN_SUFFIX:
        return cdbm_entry_suffix(op, info);
    case CDBM_DN_PEOPLE:
        return cdbm_entry_people(op, info);
    case CDBM_DN_GROUPS:
        return cdbm_entry_groups(op, info);
    case CDBM_DN_USER:
        return cdbm_entry_user_by_name(op, info, db, name, rc);
    case CDBM_DN_GROUP:
        return cdbm_entry_group_by_name(op, info, db, name, rc);
    case CDBM_DN_SERVICES:
        return cdbm_entry_services(op, info);
    case CDBM_DN_SERVICE: {
        /* name is the normalized cn: compared without regard to case. */
        const cdbm_service *svc = NULL;
        size_t i;

        for (i = 0; svc == NULL && i < info->n_services; i++)
            if (info->services[i].name.bv_len == name->bv_len &&
                strncasecmp(info->services[i].name.bv_val, name->bv_val, name->bv_len) == 0)
                svc = &info->services[i];
        if (svc != NULL)
            return cdbm_entry_service(op, info, svc);
        break;
    }
    case CDBM_DN_ROOTDN:
        return cdbm_entry_rootdn(op, info);
    case CDBM_DN_SUDOERS:
        return cdbm_entry_sudoers(op, info);
    case CDBM_DN_SUDO_ROLE:
        return cdbm_entry_sudo_role_by_name(op, info, db, name, rc);
    case CDBM_DN_NONE:
        break;
    }
    *rc = LDAP_NO_SUCH_OBJECT;
    return NULL;
}

Entry *cdbm_entry_by_ndn(Operation *op, cdbm_info *info, cdb *db, struct berval *ndn, int *rc,
                         Entry **matched)
{
    struct berval name;
    cdbm_dn_kind matched_kind = CDBM_DN_NONE;
    cdbm_dn_kind kind = cdbm_dn_classify(op, info, ndn, &name, &matched_kind);
    Entry *e = NULL;

    if (matched != NULL)
        *matched = NULL;
    if (kind != CDBM_DN_NONE) {
        e = cdbm_entry_of_kind(op, info, db, kind, &name, rc);
        /* The row's own name must give back this very DN. */
        if (e != NULL && !dn_match(&e->e_nname, ndn)) {
            entry_free(e);
            e = NULL;
            *rc = LDAP_NO_SUCH_OBJECT;
        }
        if (e == NULL && *rc == LDAP_NO_SUCH_OBJECT)
            matched_kind = kind == CDBM_DN_USER ? CDBM_DN_PEOPLE
                         : kind == CDBM_DN_GROUP ? CDBM_DN_GROUPS
                         : kind == CDBM_DN_SERVICE ? CDBM_DN_SERVICES
                         : kind == CDBM_DN_SUDO_ROLE ? CDBM_DN_SUDOERS
                         : kind == CDBM_DN_SUFFIX ? CDBM_DN_NONE
                                                  : CDBM_DN_SUFFIX;
    } else {
        *rc = LDAP_NO_SUCH_OBJECT;
    }

    if (e == NULL && *rc == LDAP_NO_SUCH_OBJECT && matched != NULL &&
        matched_kind != CDBM_DN_NONE) {
        int mrc;
        Entry *m = cdbm_entry_of_kind(op, info, db, matched_kind, &name, &mrc);

        if (m == NULL && (matched_kind == CDBM_DN_USER || matched_kind == CDBM_DN_GROUP ||
                          matched_kind == CDBM_DN_SUDO_ROLE))
            m = cdbm_entry_of_kind(op, info, db,
                                   matched_kind == CDBM_DN_USER    ? CDBM_DN_PEOPLE
                                   : matched_kind == CDBM_DN_GROUP ? CDBM_DN_GROUPS
                                                                   : CDBM_DN_SUDOERS,
                                   &name, &mrc);
        *matched = m;
    }
    if (!BER_BVISNULL(&name))
        op->o_tmpfree(name.bv_val, op->o_tmpmemctx);
    return e;
}
