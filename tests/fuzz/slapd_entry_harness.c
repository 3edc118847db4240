/*
 * The slapd functions slapd-module/entry.c calls, with slapd's meaning, for
 * fuzz_entry.  DNs go through libldap's own parser and writer, as slapd's
 * dnPrettyNormal does; values through the rule of their attribute's
 * equality matching rule (which rules fail, which fold case and blanks);
 * entries and attributes are slapd's structures, merged as attr_merge does.
 */
#include "portable.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "slapd_entry_harness.h"

/* ---- memory and logging --------------------------------------------------- */

void *ch_malloc(ber_len_t size)
{
    void *p = malloc(size ? size : 1);

    CHECK(p != NULL, "out of memory");
    return p;
}

void *ch_calloc(ber_len_t n, ber_len_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    CHECK(p != NULL, "out of memory");
    return p;
}

char *ch_strdup(const char *s)
{
    char *p = strdup(s);

    CHECK(p != NULL, "out of memory");
    return p;
}

void ch_free(void *p) { free(p); }
/* slapd's slab allocator falls back to the heap without a context. */
void slap_sl_free(void *p, void *ctx) { free(p); }

int slap_debug, ldap_syslog, ldap_syslog_level;
void lutil_debug(int debug, int level, const char *fmt, ...) {}

/* ---- the value rules -------------------------------------------------------- */

/* What an equality rule's normalizer does to a value. */
typedef enum rule_kind {
    RULE_UTF8_IGNORE, /* caseIgnoreMatch: UTF-8 or refused; blanks and case folded */
    RULE_IA5_IGNORE,  /* caseIgnoreIA5Match: blanks and case folded */
    RULE_IA5_EXACT,   /* caseExactIA5Match: blanks folded */
    RULE_INTEGER,     /* integerMatch: an integer or refused */
    RULE_TIME,        /* generalizedTimeMatch: YYYYmmddHHMMSSZ or refused */
    RULE_DN,          /* distinguishedNameMatch: a DN or refused */
    RULE_OCTET,       /* octetStringMatch, UUIDMatch, OID names: as they are */
    RULE_COUNT
} rule_kind;

static MatchingRule rules[RULE_COUNT];

static rule_kind kind_of(const AttributeDescription *ad)
{
    const MatchingRule *mr = ad->ad_type->sat_equality;

    return mr ? (rule_kind)(mr - rules) : RULE_OCTET;
}

int harness_value_is_utf8(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;

        if (n == 0 || i + n > len)
            return 0;
        for (size_t k = 1; k < n; k++)
            if (((unsigned char)s[i + k] & 0xc0) != 0x80)
                return 0;
        i += n;
    }
    return 1;
}

/* Blanks trimmed and runs of them folded to one, optionally lower-cased. */
static void fold(const char *s, size_t len, int lower, struct berval *out)
{
    size_t i = 0, o = 0;

    out->bv_val = ch_malloc(len + 1);
    while (i < len && s[i] == ' ')
        i++;
    for (; i < len; i++) {
        char c = s[i];

        if (c == ' ') {
            while (i + 1 < len && s[i + 1] == ' ')
                i++;
            if (i + 1 == len)
                break;
        }
        out->bv_val[o++] = lower && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    out->bv_val[o] = '\0';
    out->bv_len = o;
}

/* caseIgnoreMatch as slapd prepares strings (RFC 4518, for ASCII): an
 * empty or non-UTF-8 value is refused; C0 controls become a space (TAB to
 * CR) or nothing, and so does DEL; a value left all blank is one space;
 * otherwise blanks are trimmed and folded, and letters lower-cased. */
static int normalize_ignore(const char *s, size_t len, struct berval *out)
{
    char *mapped;
    size_t m = 0, i;

    if (len == 0 || !harness_value_is_utf8(s, len))
        return LDAP_INVALID_SYNTAX;
    mapped = ch_malloc(len + 1);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x09 && c <= 0x0d)
            mapped[m++] = ' ';
        else if (c >= 0x20 && c != 0x7f)
            mapped[m++] = (char)c;
    }
    for (i = 0; i < m && mapped[i] == ' '; i++)
        ;
    if (m > 0 && i == m) {
        out->bv_val = ch_malloc(2);
        memcpy(out->bv_val, " ", 2);
        out->bv_len = 1;
    } else {
        fold(mapped, m, 1, out);
    }
    free(mapped);
    return LDAP_SUCCESS;
}

char *harness_fold(const char *s)
{
    struct berval out;

    if (normalize_ignore(s, strlen(s), &out) != LDAP_SUCCESS)
        return strdup("");
    return out.bv_val;
}

static int normalize_dn(struct berval *in, struct berval *pretty, struct berval *normal);

int attr_normalize_one(AttributeDescription *ad, struct berval *val, struct berval *nval,
                       void *ctx)
{
    const char *s = val->bv_val;
    size_t len = val->bv_len, i;

    BER_BVZERO(nval);
    switch (kind_of(ad)) {
    case RULE_UTF8_IGNORE:
        return normalize_ignore(s, len, nval);
    case RULE_IA5_IGNORE:
    case RULE_IA5_EXACT:
        fold(s, len, kind_of(ad) == RULE_IA5_IGNORE, nval);
        return LDAP_SUCCESS;
    case RULE_INTEGER:
        i = len > 0 && s[0] == '-';
        if (i == len)
            return LDAP_INVALID_SYNTAX;
        for (; i < len; i++)
            if (s[i] < '0' || s[i] > '9')
                return LDAP_INVALID_SYNTAX;
        break;
    case RULE_TIME:
        if (len != 15 || s[14] != 'Z')
            return LDAP_INVALID_SYNTAX;
        for (i = 0; i < 14; i++)
            if (s[i] < '0' || s[i] > '9')
                return LDAP_INVALID_SYNTAX;
        break;
    case RULE_DN: {
        struct berval pretty;

        if (normalize_dn(val, &pretty, nval) != LDAP_SUCCESS)
            return LDAP_INVALID_SYNTAX;
        ber_memfree(pretty.bv_val);
        return LDAP_SUCCESS;
    }
    case RULE_OCTET:
    case RULE_COUNT:
        break;
    }
    nval->bv_val = ch_malloc(len + 1);
    memcpy(nval->bv_val, s, len);
    nval->bv_val[len] = '\0';
    nval->bv_len = len;
    return LDAP_SUCCESS;
}

/* ---- entries ---------------------------------------------------------------- */

Entry *entry_alloc(void) { return ch_calloc(1, sizeof(Entry)); }

static BerVarray append(BerVarray to, unsigned have, BerVarray from, unsigned n)
{
    to = realloc(to, (have + n + 1) * sizeof(*to));
    CHECK(to != NULL, "out of memory");
    for (unsigned i = 0; i < n; i++)
        ber_dupbv(&to[have + i], &from[i]);
    BER_BVZERO(&to[have + n]);
    return to;
}

int attr_merge(Entry *e, AttributeDescription *ad, BerVarray vals, BerVarray nvals)
{
    Attribute **tail = &e->e_attrs, *a;
    unsigned n = 0;

    while (vals[n].bv_val != NULL)
        n++;
    for (a = e->e_attrs; a != NULL && a->a_desc != ad; a = a->a_next)
        tail = &a->a_next;
    if (a == NULL) {
        a = ch_calloc(1, sizeof(*a));
        a->a_desc = ad;
        *tail = a;
    }
    /* As slapd: without normalized values, a_nvals is a_vals itself. */
    CHECK(a->a_numvals == 0 || (a->a_nvals == a->a_vals) == (nvals == NULL),
          "%s merged with and without normalized values", ad->ad_cname.bv_val);
    a->a_vals = append(a->a_vals, a->a_numvals, vals, n);
    a->a_nvals = nvals ? append(a->a_numvals ? a->a_nvals : NULL, a->a_numvals, nvals, n)
                       : a->a_vals;
    a->a_numvals += n;
    return 0;
}

int attr_merge_normalize_one(Entry *e, AttributeDescription *ad, struct berval *val, void *ctx)
{
    struct berval vals[2] = {*val, BER_BVNULL}, nvals[2] = {BER_BVNULL, BER_BVNULL};
    int rc = attr_normalize_one(ad, val, &nvals[0], ctx);

    if (rc != LDAP_SUCCESS)
        return rc;
    rc = attr_merge(e, ad, vals, nvals);
    ber_memfree(nvals[0].bv_val);
    return rc;
}

void entry_free(Entry *e)
{
    Attribute *a, *next;

    for (a = e->e_attrs; a != NULL; a = next) {
        next = a->a_next;
        if (a->a_nvals != a->a_vals)
            ber_bvarray_free(a->a_nvals);
        ber_bvarray_free(a->a_vals);
        free(a);
    }
    ber_memfree(e->e_name.bv_val);
    ber_memfree(e->e_nname.bv_val);
    free(e);
}

/* ---- the schema -------------------------------------------------------------- */

cdbm_schema cdbm_ad;
struct slap_internal_schema slap_schema;

typedef struct known_ad {
    const char *name;
    rule_kind rule;
    AttributeDescription **slot;
    AttributeType type;
    AttributeDescription ad;
    char normalized_name[32]; /* the type as normalized DNs write it */
} known_ad;

static known_ad ads[] = {
    {.name = "uid", .rule = RULE_UTF8_IGNORE, .slot = &cdbm_ad.uid},
    {.name = "cn", .rule = RULE_UTF8_IGNORE, .slot = &cdbm_ad.cn},
    {.name = "sn", .rule = RULE_UTF8_IGNORE, .slot = &cdbm_ad.sn},
    {.name = "givenName", .rule = RULE_UTF8_IGNORE, .slot = &cdbm_ad.given_name},
    {.name = "mail", .rule = RULE_IA5_IGNORE, .slot = &cdbm_ad.mail},
    {.name = "uidNumber", .rule = RULE_INTEGER, .slot = &cdbm_ad.uid_number},
    {.name = "gidNumber", .rule = RULE_INTEGER, .slot = &cdbm_ad.gid_number},
    {.name = "homeDirectory", .rule = RULE_IA5_EXACT, .slot = &cdbm_ad.home_directory},
    {.name = "loginShell", .rule = RULE_IA5_EXACT, .slot = &cdbm_ad.login_shell},
    {.name = "gecos", .rule = RULE_IA5_IGNORE, .slot = &cdbm_ad.gecos},
    {.name = "sshPublicKey", .rule = RULE_OCTET, .slot = &cdbm_ad.ssh_public_key},
    {.name = "userPassword", .rule = RULE_OCTET, .slot = &cdbm_ad.user_password},
    {.name = "shadowExpire", .rule = RULE_INTEGER, .slot = &cdbm_ad.shadow_expire},
    {.name = "memberOf", .rule = RULE_DN, .slot = &cdbm_ad.member_of},
    {.name = "memberUid", .rule = RULE_IA5_EXACT, .slot = &cdbm_ad.member_uid},
    {.name = "dc", .rule = RULE_IA5_IGNORE, .slot = &cdbm_ad.dc},
    {.name = "o", .rule = RULE_UTF8_IGNORE, .slot = &cdbm_ad.o},
    {.name = "ou", .rule = RULE_UTF8_IGNORE, .slot = &cdbm_ad.ou},
    {.name = "objectClass", .rule = RULE_OCTET, .slot = &cdbm_ad.object_class},
    {.name = "structuralObjectClass", .rule = RULE_OCTET, .slot = &cdbm_ad.structural_object_class},
    {.name = "entryUUID", .rule = RULE_OCTET, .slot = &cdbm_ad.entry_uuid},
    {.name = "createTimestamp", .rule = RULE_TIME, .slot = &cdbm_ad.create_timestamp},
    {.name = "modifyTimestamp", .rule = RULE_TIME, .slot = &cdbm_ad.modify_timestamp},
    {.name = "clusterdbStatus", .rule = RULE_UTF8_IGNORE, .slot = &cdbm_ad.status},
    {.name = "host", .rule = RULE_UTF8_IGNORE, .slot = &cdbm_ad.host},
    {.name = "description", .rule = RULE_UTF8_IGNORE, .slot = &slap_schema.si_ad_description},
};

typedef struct known_oc {
    const char *name;
    ObjectClass **slot;
    ObjectClass oc;
} known_oc;

static known_oc ocs[] = {
    {.name = "top", .slot = &cdbm_ad.oc_top},
    {.name = "inetOrgPerson", .slot = &cdbm_ad.oc_inet_org_person},
    {.name = "posixAccount", .slot = &cdbm_ad.oc_posix_account},
    {.name = "shadowAccount", .slot = &cdbm_ad.oc_shadow_account},
    {.name = "ldapPublicKey", .slot = &cdbm_ad.oc_ldap_public_key},
    {.name = "clusterdbAccount", .slot = &cdbm_ad.oc_clusterdb_account},
    {.name = "posixGroup", .slot = &cdbm_ad.oc_posix_group},
    {.name = "organization", .slot = &cdbm_ad.oc_organization},
    {.name = "dcObject", .slot = &cdbm_ad.oc_dc_object},
    {.name = "organizationalUnit", .slot = &cdbm_ad.oc_organizational_unit},
    {.name = "applicationProcess", .slot = &cdbm_ad.oc_application_process},
    {.name = "simpleSecurityObject", .slot = &cdbm_ad.oc_simple_security_object},
    {.name = "organizationalRole", .slot = &cdbm_ad.oc_organizational_role},
    {.name = "hostObject", .slot = &cdbm_ad.oc_host_object},
};

int slap_bv2ad(struct berval *bv, AttributeDescription **ad, const char **text)
{
    for (size_t i = 0; i < sizeof ads / sizeof ads[0]; i++)
        if (strlen(ads[i].name) == bv->bv_len &&
            strncasecmp(ads[i].name, bv->bv_val, bv->bv_len) == 0) {
            *ad = &ads[i].ad;
            return LDAP_SUCCESS;
        }
    *text = "attribute type undefined";
    return LDAP_UNDEFINED_TYPE;
}

static const char *normalized_name_of(const AttributeDescription *ad)
{
    for (size_t i = 0; i < sizeof ads / sizeof ads[0]; i++)
        if (&ads[i].ad == ad)
            return ads[i].normalized_name;
    CHECK(0, "an attribute description the harness does not know");
    return NULL;
}

/* ---- DNs ---------------------------------------------------------------------- */

/* In slapd every AVA's type must be known, and its value is normalized by
 * the type's equality rule; both forms are written by libldap. */
static int normalize_dn(struct berval *in, struct berval *pretty, struct berval *normal)
{
    LDAPDN dn = NULL;
    int rc;

    BER_BVZERO(pretty);
    BER_BVZERO(normal);
    if (ldap_bv2dn_x(in, &dn, LDAP_DN_FORMAT_LDAP, NULL) != LDAP_SUCCESS)
        return LDAP_INVALID_SYNTAX;
    rc = ldap_dn2bv_x(dn, pretty, LDAP_DN_FORMAT_LDAPV3 | LDAP_DN_PRETTY, NULL);
    for (int r = 0; rc == LDAP_SUCCESS && dn != NULL && dn[r] != NULL; r++) {
        for (int k = 0; rc == LDAP_SUCCESS && dn[r][k] != NULL; k++) {
            LDAPAVA *ava = dn[r][k];
            AttributeDescription *ad = NULL;
            const char *text = NULL;
            struct berval nval;

            if ((ava->la_flags & LDAP_AVA_BINARY) ||
                slap_bv2ad(&ava->la_attr, &ad, &text) != LDAP_SUCCESS ||
                attr_normalize_one(ad, &ava->la_value, &nval, NULL) != LDAP_SUCCESS) {
                rc = LDAP_INVALID_SYNTAX;
                break;
            }
            if (ava->la_flags & LDAP_AVA_FREE_VALUE)
                ber_memfree(ava->la_value.bv_val);
            ava->la_value = nval;
            /* libldap never frees la_attr: it lives in the AVA's block. */
            ber_str2bv(normalized_name_of(ad), 0, 0, &ava->la_attr);
            ava->la_flags |= LDAP_AVA_FREE_VALUE;
        }
    }
    if (rc == LDAP_SUCCESS)
        rc = ldap_dn2bv_x(dn, normal, LDAP_DN_FORMAT_LDAPV3 | LDAP_DN_PRETTY, NULL);
    ldap_dnfree_x(dn, NULL);
    if (rc != LDAP_SUCCESS) {
        ber_memfree(pretty->bv_val);
        ber_memfree(normal->bv_val);
        BER_BVZERO(pretty);
        BER_BVZERO(normal);
        return LDAP_INVALID_SYNTAX;
    }
    return LDAP_SUCCESS;
}

int dnPrettyNormal(Syntax *syntax, struct berval *val, struct berval *pretty,
                   struct berval *normal, void *ctx)
{
    return normalize_dn(val, pretty, normal);
}

/* On normalized DNs a separator is never escaped as "\,": libldap writes
 * it as "\2C", so the first ',' ends the RDN. */
void dnParent(struct berval *dn, struct berval *parent)
{
    char *comma = memchr(dn->bv_val, ',', dn->bv_len);

    if (comma == NULL) {
        parent->bv_val = dn->bv_val + dn->bv_len;
        parent->bv_len = 0;
        return;
    }
    parent->bv_val = comma + 1;
    parent->bv_len = dn->bv_len - (size_t)(parent->bv_val - dn->bv_val);
}

void dnRdn(struct berval *dn, struct berval *rdn)
{
    char *comma = memchr(dn->bv_val, ',', dn->bv_len);

    *rdn = *dn;
    if (comma != NULL)
        rdn->bv_len = (size_t)(comma - dn->bv_val);
}

int dnIsSuffix(const struct berval *dn, const struct berval *suffix)
{
    size_t d;

    if (suffix->bv_len == 0)
        return 1;
    if (dn->bv_len < suffix->bv_len)
        return 0;
    d = dn->bv_len - suffix->bv_len;
    /* Equal, or below it with an RDN and a separator in front. */
    if (d == 1 || (d > 1 && dn->bv_val[d - 1] != ','))
        return 0;
    return memcmp(dn->bv_val + d, suffix->bv_val, suffix->bv_len) == 0;
}

int harness_expected_ndn(const char *type, const char *value, const struct berval *parent,
                         struct berval *ndn)
{
    LDAPAVA ava = {.la_flags = LDAP_AVA_STRING};
    LDAPAVA *rdn[2] = {&ava, NULL};
    LDAPRDN dn[2] = {rdn, NULL};
    struct berval first = BER_BVNULL, full, pretty;
    int rc;

    ber_str2bv(type, 0, 0, &ava.la_attr);
    ber_str2bv(value, 0, 0, &ava.la_value);
    if (ldap_dn2bv(dn, &first, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
        return -1;
    full.bv_len = first.bv_len + 1 + parent->bv_len;
    full.bv_val = ch_malloc(full.bv_len + 1);
    snprintf(full.bv_val, full.bv_len + 1, "%s,%s", first.bv_val, parent->bv_val);
    ber_memfree(first.bv_val);
    rc = normalize_dn(&full, &pretty, ndn);
    free(full.bv_val);
    if (rc != LDAP_SUCCESS)
        return -1;
    ber_memfree(pretty.bv_val);
    return 0;
}

/* ---- the database and the operation ------------------------------------------- */

static BackendDB backend;
static struct berval suffix[2], nsuffix[2];
static cdbm_info info;
static Opheader header;
static Operation op;

static void *op_malloc(ber_len_t size, void *ctx) { return ch_malloc(size); }
static void *op_calloc(ber_len_t n, ber_len_t size, void *ctx) { return ch_calloc(n, size); }
static void *op_realloc(void *p, ber_len_t size, void *ctx) { return realloc(p, size); }
static void op_free(void *p, void *ctx) { free(p); }
static BerMemoryFunctions op_memory = {op_malloc, op_calloc, op_realloc, op_free};

Operation *harness_op(void) { return &op; }
cdbm_info *harness_info(void) { return &info; }

void harness_init(void)
{
    static const char *const oids[RULE_COUNT] = {
        [RULE_UTF8_IGNORE] = "2.5.13.2",
        [RULE_IA5_IGNORE] = "1.3.6.1.4.1.1466.109.114.2",
        [RULE_IA5_EXACT] = "1.3.6.1.4.1.1466.109.114.1",
        [RULE_INTEGER] = "2.5.13.14",
        [RULE_TIME] = "2.5.13.27",
        [RULE_DN] = "2.5.13.1",
        [RULE_OCTET] = "2.5.13.17",
    };

    for (int r = 0; r < RULE_COUNT; r++)
        rules[r].smr_mrule.mr_oid = (char *)oids[r];
    for (size_t i = 0; i < sizeof ads / sizeof ads[0]; i++) {
        ads[i].type.sat_equality = &rules[ads[i].rule];
        ber_str2bv(ads[i].name, 0, 0, &ads[i].type.sat_cname);
        ads[i].ad.ad_type = &ads[i].type;
        ads[i].ad.ad_cname = ads[i].type.sat_cname;
        *ads[i].slot = &ads[i].ad;
        for (size_t c = 0; ads[i].name[c] && c + 1 < sizeof ads[i].normalized_name; c++)
            ads[i].normalized_name[c] = (char)(ads[i].name[c] >= 'A' && ads[i].name[c] <= 'Z'
                                                   ? ads[i].name[c] - 'A' + 'a'
                                                   : ads[i].name[c]);
    }
    for (size_t i = 0; i < sizeof ocs / sizeof ocs[0]; i++) {
        ber_str2bv(ocs[i].name, 0, 0, &ocs[i].oc.soc_cname);
        *ocs[i].slot = &ocs[i].oc;
    }

    ber_str2bv("dc=cluster,dc=internal", 0, 0, &suffix[0]);
    nsuffix[0] = suffix[0];
    backend.be_suffix = suffix;
    backend.be_nsuffix = nsuffix;
    ber_str2bv("cn=admin,dc=cluster,dc=internal", 0, 0, &backend.be_rootdn);
    backend.be_rootndn = backend.be_rootdn;
    header.oh_tmpmfuncs = &op_memory;
    op.o_hdr = &header;
    op.o_bd = &backend;

    info.suffix_kind = CDBM_SUFFIX_DC;
    ber_str2bv("cluster", 0, 0, &info.suffix_rdn_value);
    ber_str2bv("ou=people,dc=cluster,dc=internal", 0, 0, &info.people_dn);
    info.people_ndn = info.people_dn;
    ber_str2bv("ou=groups,dc=cluster,dc=internal", 0, 0, &info.groups_dn);
    info.groups_ndn = info.groups_dn;
    ber_str2bv("ou=SUDOers,dc=cluster,dc=internal", 0, 0, &info.sudoers_dn);
    ber_str2bv("ou=sudoers,dc=cluster,dc=internal", 0, 0, &info.sudoers_ndn);
}
