/*
 * Fuzz target: rows -> slapd entries and DNs -> rows (slapd-module/entry.c),
 * compiled against OpenLDAP's prepared headers as the module is, building
 * slapd's own Entry / Attribute structures.
 *
 * The rows come from a store that any process may write with plain SQL, so
 * a user or group row can hold any text SQLite holds: the input fills every
 * field of a cdb_user and a cdb_group with arbitrary bytes (and, half of
 * the time, with near-valid values: plain names, well-formed timestamps).
 *
 * slapd is an executable, so the slapd functions entry.c calls are given
 * here with slapd's meaning (slapd_entry_harness.c): DNs are parsed and
 * written by libldap's own ldap_bv2dn / ldap_dn2bv, as slapd's dnPrettyNormal
 * does; values are normalized as their matching rules would (case folding,
 * IA5 and UTF-8 checks, integers).
 *
 * Checked for every input:
 *  - a user with a non-empty UTF-8 name gets an entry; its DN parses, its
 *    RDN is the single AVA uid=<name, byte for byte> below ou=people, and
 *    classifying its normalized DN finds that user again (the round trip
 *    cdbm_entry_by_ndn relies on); likewise groups with cn below ou=groups;
 *  - uid, uidNumber, cn, sn have one value; objectClass and
 *    structuralObjectClass are there; shadowExpire iff not active;
 *  - every sshPublicKey value is one non-blank line without a trailing
 *    blank, and they are the input's lines in order;
 *  - gecos only for printable ASCII cn; timestamps are GeneralizedTime;
 *    userPassword is "{ARGON2}" + the stored hash;
 *  - every memberOf value is a DN whose RDN is cn=<the group's cn> below
 *    ou=groups; a group's memberUid values are its members' names in order.
 * ASan/UBSan and leak checks cover the rest.
 */
#include "portable.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slapd_entry_harness.h"

/* ---- reading the input --------------------------------------------------- */

typedef struct input {
    const uint8_t *p;
    size_t n;
} input;

static unsigned take_byte(input *in)
{
    unsigned b = in->n ? in->p[0] : 0;

    if (in->n) {
        in->p++;
        in->n--;
    }
    return b;
}

/* Up to the next 0xff byte (or the end), as a NUL-free C string. */
static char *take_text(input *in)
{
    size_t len = 0;
    char *s;

    while (len < in->n && in->p[len] != 0xff)
        len++;
    s = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        s[i] = in->p[i] ? (char)in->p[i] : '0';
    s[len] = '\0';
    in->p += len;
    in->n -= len;
    if (in->n)
        take_byte(in);
    return s;
}

/* A field: absent, a text from the input, or one of a few shapes. */
static char *take_field(input *in, int allow_null)
{
    static const char *const shapes[] = {
        "alice", "Alice Liddell", "a.b-c_d", "#lead", " lead and trail ", "x,y+z=\"<>;\\",
        "2026-11-26T22:16:04.123Z", "2026-11-26 22:16:04", "2026-13-40T99:99:99Z", "",
        "ssh-ed25519 AAAAC3Nza key1\r\n\n  \nssh-rsa AAAAB3 key2  \t\n",
        "caf\xc3\xa9", "\xff\xfe", "\x01\x1f\x7f",
    };
    unsigned kind = take_byte(in) % 4;

    if (kind == 0 && allow_null)
        return NULL;
    if (kind == 1)
        return strdup(shapes[take_byte(in) % (sizeof shapes / sizeof shapes[0])]);
    return take_text(in);
}

static int64_t take_number(input *in)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = (v << 8) | take_byte(in);
    return (int64_t)v;
}

/* ---- the properties -------------------------------------------------------- */

/* The RDN of dn is the single AVA type=value (value byte for byte) and the
 * rest is parent (compared as libldap writes DNs). */
static void check_dn(const struct berval *dn, const char *type, const char *value,
                     const struct berval *parent)
{
    LDAPDN parsed = NULL;
    struct berval rest = BER_BVNULL, want = BER_BVNULL;
    LDAPDN parsed_parent = NULL;

    CHECK(ldap_bv2dn((struct berval *)dn, &parsed, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS,
          "the DN \"%s\" does not parse", dn->bv_val);
    CHECK(parsed[0] != NULL && parsed[0][0] != NULL && parsed[0][1] == NULL,
          "\"%s\": the RDN is not a single AVA", dn->bv_val);
    CHECK(parsed[0][0]->la_attr.bv_len == strlen(type) &&
              strncasecmp(parsed[0][0]->la_attr.bv_val, type, strlen(type)) == 0,
          "\"%s\": RDN type is not %s", dn->bv_val, type);
    CHECK(parsed[0][0]->la_value.bv_len == strlen(value) &&
              memcmp(parsed[0][0]->la_value.bv_val, value, strlen(value)) == 0,
          "\"%s\": RDN value is not the name", dn->bv_val);
    CHECK(ldap_dn2bv(&parsed[1], &rest, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS, "rest");
    CHECK(ldap_bv2dn((struct berval *)parent, &parsed_parent, LDAP_DN_FORMAT_LDAPV3) ==
              LDAP_SUCCESS, "parent");
    CHECK(ldap_dn2bv(parsed_parent, &want, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS, "parent");
    CHECK(rest.bv_len == want.bv_len && strcasecmp(rest.bv_val, want.bv_val) == 0,
          "\"%s\" is not below %s", dn->bv_val, want.bv_val);
    ber_memfree(rest.bv_val);
    ber_memfree(want.bv_val);
    ldap_dnfree(parsed);
    ldap_dnfree(parsed_parent);
}

/* Whether the first RDN of dn has the value name (byte for byte). */
static int rdn_value_is(const struct berval *dn, const char *name)
{
    LDAPDN parsed = NULL;
    int same = 0;

    if (ldap_bv2dn((struct berval *)dn, &parsed, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS &&
        parsed[0] && parsed[0][0] && parsed[0][1] == NULL)
        same = parsed[0][0]->la_value.bv_len == strlen(name) &&
               memcmp(parsed[0][0]->la_value.bv_val, name, strlen(name)) == 0;
    ldap_dnfree(parsed);
    return same;
}

/* Classifying the entry's normalized DN finds a row of kind by this name. */
static void check_round_trip(Operation *op, cdbm_info *info, Entry *e, cdbm_dn_kind kind,
                             const char *name)
{
    struct berval found = BER_BVNULL;
    cdbm_dn_kind matched = CDBM_DN_NONE;
    char *want = harness_fold(name);

    CHECK(cdbm_dn_classify(op, info, &e->e_nname, &found, &matched) == kind,
          "\"%s\" is not classified as its own kind", e->e_nname.bv_val);
    CHECK(found.bv_len == strlen(want) && memcmp(found.bv_val, want, found.bv_len) == 0,
          "\"%s\" classified with another name", e->e_nname.bv_val);
    free(want);
    op->o_tmpfree(found.bv_val, op->o_tmpmemctx);
}

static Attribute *find(Entry *e, AttributeDescription *ad)
{
    for (Attribute *a = e->e_attrs; a != NULL; a = a->a_next)
        if (a->a_desc == ad)
            return a;
    return NULL;
}

static unsigned count(Entry *e, AttributeDescription *ad)
{
    Attribute *a = find(e, ad);

    return a ? a->a_numvals : 0;
}

static int is_printable_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

static void check_time(Entry *e, AttributeDescription *ad)
{
    Attribute *a = find(e, ad);

    if (a == NULL)
        return;
    CHECK(a->a_numvals == 1 && a->a_vals[0].bv_len == 15 && a->a_vals[0].bv_val[14] == 'Z',
          "%s is not GeneralizedTime", ad->ad_cname.bv_val);
    for (int i = 0; i < 14; i++)
        CHECK(a->a_vals[0].bv_val[i] >= '0' && a->a_vals[0].bv_val[i] <= '9', "time digit");
}

/* The key lines as the store holds them: one per line, trailing blanks
 * (and CR) dropped, blank lines skipped. */
static void check_keys(Entry *e, const char *keys)
{
    Attribute *a = find(e, cdbm_ad.ssh_public_key);
    unsigned k = 0;
    const char *p = keys;

    while (p != NULL && *p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);

        while (len > 0 && strchr("\r \t", p[len - 1]) != NULL)
            len--;
        if (len > 0) {
            CHECK(a != NULL && k < a->a_numvals, "key line %u missing", k);
            CHECK(a->a_vals[k].bv_len == len && memcmp(a->a_vals[k].bv_val, p, len) == 0,
                  "key line %u differs", k);
            k++;
        }
        p = end ? end + 1 : NULL;
    }
    CHECK(k == (a ? a->a_numvals : 0), "more key values than key lines");
}

/* The entry exists exactly when slapd takes the DN of its name, and its
 * normalized DN is the one libldap writes for that name (not merely one
 * that the module's own escaping produced). */
static void check_named(Entry *e, const char *type, const char *name, const struct berval *parent)
{
    struct berval want = BER_BVNULL;
    int valid = name != NULL && *name != '\0' && harness_expected_ndn(type, name, parent, &want) == 0;

    if (e == NULL) {
        CHECK(!valid, "no entry for %s=\"%s\" (slapd takes %s)", type, name, want.bv_val);
        return;
    }
    CHECK(valid, "an entry for %s=\"%s\", which slapd would not name", type, name);
    CHECK(e->e_nname.bv_len == want.bv_len && memcmp(e->e_nname.bv_val, want.bv_val, want.bv_len) == 0,
          "normalized DN \"%s\", slapd's is \"%s\"", e->e_nname.bv_val, want.bv_val);
    ber_memfree(want.bv_val);
}

static void check_user(Operation *op, cdbm_info *info, const cdb_user *u)
{
    Entry *e = cdbm_entry_user(op, info, u);
    const char *cn;

    check_named(e, "uid", u->username, &info->people_ndn);
    if (e == NULL)
        return;
    check_dn(&e->e_name, "uid", u->username, &info->people_dn);
    check_round_trip(op, info, e, CDBM_DN_USER, u->username);
    CHECK(count(e, cdbm_ad.uid) == 1 && count(e, cdbm_ad.uid_number) == 1, "uid, uidNumber");
    cn = (u->cn && *u->cn) ? u->cn : u->username;
    if (harness_value_is_utf8(cn, strlen(cn)))
        CHECK(count(e, cdbm_ad.cn) == 1, "cn");
    CHECK(count(e, cdbm_ad.gecos) <= (is_printable_ascii(cn) ? 1u : 0u), "gecos for \"%s\"", cn);
    CHECK(count(e, cdbm_ad.object_class) >= 3 && count(e, cdbm_ad.structural_object_class) == 1,
          "object classes");
    CHECK((count(e, cdbm_ad.shadow_expire) == 1) == (u->status != CDB_USER_ACTIVE),
          "shadowExpire and the status");
    check_keys(e, u->ssh_public_key);
    check_time(e, cdbm_ad.create_timestamp);
    check_time(e, cdbm_ad.modify_timestamp);
    if (u->user_password && *u->user_password) {
        Attribute *pw = find(e, cdbm_ad.user_password);

        CHECK(pw && pw->a_numvals == 1 && strncmp(pw->a_vals[0].bv_val, "{ARGON2}", 8) == 0 &&
                  strcmp(pw->a_vals[0].bv_val + 8, u->user_password) == 0,
              "userPassword");
    } else {
        CHECK(find(e, cdbm_ad.user_password) == NULL, "a userPassword without a hash");
    }
    {
        /* In the order of the memberships; one a rule refuses is left out. */
        Attribute *of = find(e, cdbm_ad.member_of);
        size_t g = 0;

        for (unsigned i = 0; of != NULL && i < of->a_numvals; i++, g++) {
            while (g < u->n_groups && (u->groups[g].cn == NULL ||
                                       !rdn_value_is(&of->a_vals[i], u->groups[g].cn)))
                g++;
            CHECK(g < u->n_groups, "memberOf \"%s\" names none of the user's next groups",
                  of->a_vals[i].bv_val);
            check_dn(&of->a_vals[i], "cn", u->groups[g].cn, &info->groups_dn);
        }
    }
    entry_free(e);
}

static void check_group(Operation *op, cdbm_info *info, const cdb_group *g)
{
    Entry *e = cdbm_entry_group(op, info, g);
    Attribute *members;
    unsigned k = 0;

    check_named(e, "cn", g->cn, &info->groups_ndn);
    if (e == NULL)
        return;
    check_dn(&e->e_name, "cn", g->cn, &info->groups_dn);
    check_round_trip(op, info, e, CDBM_DN_GROUP, g->cn);
    CHECK(count(e, cdbm_ad.gid_number) == 1, "gidNumber");
    check_time(e, cdbm_ad.create_timestamp);
    check_time(e, cdbm_ad.modify_timestamp);
    /* memberUid is IA5 with an exact match: every name is kept, in order. */
    members = find(e, cdbm_ad.member_uid);
    for (size_t i = 0; i < g->n_members; i++) {
        const char *m = g->member_usernames[i];

        if (m == NULL)
            continue;
        CHECK(members && k < members->a_numvals && strcmp(members->a_vals[k].bv_val, m) == 0,
              "memberUid %u is not member %zu", k, i);
        k++;
    }
    CHECK(k == (members ? members->a_numvals : 0), "more memberUid values than members");
    entry_free(e);
}

/* ---- the target ------------------------------------------------------------ */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    harness_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size};
    cdb_user u;
    cdb_group g;
    size_t n;

    memset(&u, 0, sizeof u);
    memset(&g, 0, sizeof g);
    u.username = take_field(&in, 1);
    u.cn = take_field(&in, 1);
    u.sn = take_field(&in, 1);
    u.given_name = take_field(&in, 1);
    u.mail = take_field(&in, 1);
    u.ssh_public_key = take_field(&in, 1);
    u.user_password = take_field(&in, 1);
    u.created_at = take_field(&in, 1);
    u.updated_at = take_field(&in, 1);
    u.uid_number = take_number(&in);
    u.status = (cdb_user_status)(take_byte(&in) % 3);
    n = take_byte(&in) % 5;
    u.groups = calloc(n ? n : 1, sizeof *u.groups);
    u.n_groups = n;
    for (size_t i = 0; i < n; i++) {
        u.groups[i].gid_number = take_number(&in);
        u.groups[i].cn = take_field(&in, 1);
    }
    g.cn = take_field(&in, 1);
    g.gid_number = take_number(&in);
    g.created_at = take_field(&in, 1);
    g.updated_at = take_field(&in, 1);
    n = take_byte(&in) % 6;
    g.member_usernames = calloc(n ? n : 1, sizeof *g.member_usernames);
    g.member_uids = calloc(n ? n : 1, sizeof *g.member_uids);
    g.n_members = n;
    for (size_t i = 0; i < n; i++)
        g.member_usernames[i] = take_field(&in, 1);

    check_user(harness_op(), harness_info(), &u);
    check_group(harness_op(), harness_info(), &g);

    free(u.username);
    free(u.cn);
    free(u.sn);
    free(u.given_name);
    free(u.mail);
    free(u.ssh_public_key);
    free(u.user_password);
    free(u.created_at);
    free(u.updated_at);
    for (size_t i = 0; i < u.n_groups; i++)
        free(u.groups[i].cn);
    free(u.groups);
    free(g.cn);
    free(g.created_at);
    free(g.updated_at);
    for (size_t i = 0; i < g.n_members; i++)
        free(g.member_usernames[i]);
    free(g.member_usernames);
    free(g.member_uids);
    return 0;
}
