/*
 * clusterdb-authorized-keys: sshd's AuthorizedKeysCommand for clusterdb.
 *
 *   AuthorizedKeysCommand /usr/bin/clusterdb-authorized-keys %u
 *   AuthorizedKeysCommandUser clusterdb-keys      (or nobody)
 *
 * Looks the user up in the directory with one LDAP search and prints the
 * entry's sshPublicKey values, one per line.  It prints nothing for unknown
 * users and for users whose account is not active (shadowExpire in the past,
 * which is how the directory marks pending and suspended users), so sshd
 * offers no key for them.  With 'host' set it also prints nothing for users
 * who may not enter this host: the search then requires one of the host's
 * names among the user's host values (the containers the directory lets the
 * user enter), as nslcd's pam_authz_search does.  It is an LDAP client only: it never opens the
 * database file, so it needs no privilege beyond reading its config file.
 *
 * Exit status: 0 when the lookup worked (with keys or without), 1 on server
 * or LDAP errors, 2 on usage or configuration errors.  Every error goes to
 * stderr with a reason; the bind password never appears in any message.
 *
 * Config file (default /etc/clusterdb/authorized-keys.conf, -c FILE):
 *   uri ldap://ldap.example:389/     (ldaps:// works too; several URIs separated by spaces,
 *                                     tried in order: see "Several servers" below)
 *   base dc=cluster,dc=internal
 *   binddn uid=reader,ou=people,dc=cluster,dc=internal   (optional; anonymous otherwise)
 *   bindpw_file /etc/clusterdb/authorized-keys.pw        (owned by the command's user, mode 0600 or stricter)
 *   timeout 5                         (seconds: connect, bind and search each)
 *   tls none|starttls                 (ldaps:// URIs use TLS regardless)
 *   tls_cacert /etc/ssl/certs/ca-certificates.crt
 *   host auto                         (optional: this host's name, or 'auto' for
 *                                     gethostname() and, when it differs, the
 *                                     canonical name getaddrinfo() gives for it)
 * The server certificate is always verified when TLS is used.
 *
 * Several servers: each URI gets its own connection, and every exchange with
 * it (TCP connect, StartTLS, bind, search) is bounded by 'timeout'.  A server
 * that refuses, times out or drops the connection is reported on stderr and
 * the next URI is tried, so a server that accepts the connection but never
 * answers costs at most 4 x timeout (connect, StartTLS, bind, search) before
 * the next one; the whole run is bounded by (number of URIs) x 4 x timeout.
 * Answers from a working server (no such user, access denied, several
 * matching entries) are final: another server would hold the same data.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <netdb.h>
#include <sys/socket.h>

#include <lber.h>
#include <ldap.h>

#define AK_DEFAULT_CONFIG "/etc/clusterdb/authorized-keys.conf"
#define AK_DEFAULT_CACERT "/etc/ssl/certs/ca-certificates.crt"
#define AK_DEFAULT_TIMEOUT 5
#define AK_MAX_TIMEOUT 300
/* Internal: this server failed in transport; the next URI may work. */
#define AK_TRY_NEXT (-1)
#define AK_MAX_NAME 32
#define AK_MAX_LINE 4096
#define AK_MAX_PASSWORD 1024
#define AK_MAX_HOST 253

enum ak_exit { AK_OK = 0, AK_SERVER_ERROR = 1, AK_CONFIG_ERROR = 2 };
enum ak_tls { AK_TLS_NONE, AK_TLS_STARTTLS };

struct ak_config {
    char *uri;
    char *base;
    char *binddn;
    char *bindpw_file;
    char *tls_cacert;
    char *host;     /* as configured: a name or "auto" */
    char *names[2]; /* the names a user's host values must include one of */
    int timeout;
    enum ak_tls tls;
};

static const char *progname = "clusterdb-authorized-keys";

static void ak_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ak_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* The project's user name rule (cdb_valid_username): a portable POSIX login
 * name in lower case, [a-z_][a-z0-9_.-]{0,31}.  Checked before anything else
 * so that no other input ever reaches the filter or the logs. */
static int valid_user_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > AK_MAX_NAME)
        return 0;
    if (!(islower((unsigned char)name[0]) || name[0] == '_') || !isascii((unsigned char)name[0]))
        return 0;
    for (size_t i = 1; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isascii(c) || !(islower(c) || isdigit(c) || c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

/* A DNS name: labels of letters, digits and '-', separated by dots. */
static int valid_host_name(const char *name)
{
    size_t len = strlen(name), label = 0;
    if (len == 0 || len > AK_MAX_HOST)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '.') {
            if (label == 0 || name[i - 1] == '-')
                return 0;
            label = 0;
        } else if (isascii(c) && (isalnum(c) || (c == '-' && label > 0))) {
            if (++label > 63)
                return 0;
        } else {
            return 0;
        }
    }
    return label > 0 && name[len - 1] != '-';
}

/* cfg->names from cfg->host: the name itself, or for "auto" this machine's
 * name and its canonical name when that differs.  A name that does not
 * resolve keeps the short name only (the directory lists both forms). */
static int resolve_host_names(struct ak_config *cfg)
{
    char name[AK_MAX_HOST + 2];
    struct addrinfo hints, *res = NULL;

    if (cfg->host == NULL)
        return 0;
    if (strcmp(cfg->host, "auto") != 0) {
        cfg->names[0] = strdup(cfg->host);
        if (cfg->names[0] == NULL) {
            ak_error("out of memory");
            return -1;
        }
        return 0;
    }
    if (gethostname(name, sizeof(name)) != 0 || memchr(name, '\0', sizeof(name)) == NULL ||
        !valid_host_name(name)) {
        ak_error("host auto: this machine's name cannot be read or is not a host name");
        return -1;
    }
    cfg->names[0] = strdup(name);
    if (cfg->names[0] == NULL) {
        ak_error("out of memory");
        return -1;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_CANONNAME;
    if (getaddrinfo(name, NULL, &hints, &res) == 0 && res != NULL && res->ai_canonname != NULL &&
        strcasecmp(res->ai_canonname, name) != 0 && valid_host_name(res->ai_canonname)) {
        cfg->names[1] = strdup(res->ai_canonname);
        if (cfg->names[1] == NULL) {
            freeaddrinfo(res);
            ak_error("out of memory");
            return -1;
        }
    }
    if (res != NULL)
        freeaddrinfo(res);
    return 0;
}

static void config_free(struct ak_config *cfg)
{
    free(cfg->uri);
    free(cfg->base);
    free(cfg->binddn);
    free(cfg->bindpw_file);
    free(cfg->tls_cacert);
    free(cfg->host);
    free(cfg->names[0]);
    free(cfg->names[1]);
    memset(cfg, 0, sizeof(*cfg));
}

/* Strip leading and trailing blanks in place; returns the start. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
        s[--len] = '\0';
    return s;
}

static int set_string(char **slot, const char *value, const char *path, int lineno, const char *key)
{
    if (*slot != NULL) {
        ak_error("%s:%d: '%s' given twice", path, lineno, key);
        return -1;
    }
    *slot = strdup(value);
    if (*slot == NULL) {
        ak_error("out of memory");
        return -1;
    }
    return 0;
}

static int parse_timeout(const char *value, int *out)
{
    char *end;
    errno = 0;
    long seconds = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || seconds < 1 || seconds > AK_MAX_TIMEOUT)
        return -1;
    *out = (int)seconds;
    return 0;
}

/* Read "key value" lines; '#' starts a comment line.  Unknown keys are errors:
 * a misspelt tls_cacert must not silently fall back to defaults. */
static int config_load(const char *path, struct ak_config *cfg)
{
    int rc = -1;
    int lineno = 0;
    int timeout_set = 0;
    char line[AK_MAX_LINE];
    struct stat st;
    FILE *f = fopen(path, "r");

    memset(cfg, 0, sizeof(*cfg));
    cfg->timeout = AK_DEFAULT_TIMEOUT;
    cfg->tls = AK_TLS_NONE;
    if (f == NULL) {
        ak_error("cannot open config file %s: %s", path, strerror(errno));
        return -1;
    }
    /* A config others can rewrite could point us at a rogue server. */
    if (fstat(fileno(f), &st) != 0 || (st.st_mode & S_IWOTH)) {
        ak_error("config file %s is writable by everyone; refusing it", path);
        goto done;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            ak_error("%s:%d: line too long", path, lineno);
            goto done;
        }
        char *key = trim(line);
        if (*key == '\0' || *key == '#')
            continue;
        char *value = key + strcspn(key, " \t");
        if (*value != '\0')
            *value++ = '\0';
        value = trim(value);
        if (*value == '\0') {
            ak_error("%s:%d: '%s' needs a value", path, lineno, key);
            goto done;
        }
        int r;
        if (strcmp(key, "uri") == 0) {
            r = set_string(&cfg->uri, value, path, lineno, key);
        } else if (strcmp(key, "base") == 0) {
            r = set_string(&cfg->base, value, path, lineno, key);
        } else if (strcmp(key, "binddn") == 0) {
            r = set_string(&cfg->binddn, value, path, lineno, key);
        } else if (strcmp(key, "bindpw_file") == 0) {
            r = set_string(&cfg->bindpw_file, value, path, lineno, key);
        } else if (strcmp(key, "tls_cacert") == 0) {
            r = set_string(&cfg->tls_cacert, value, path, lineno, key);
        } else if (strcmp(key, "host") == 0) {
            r = valid_host_name(value) ? set_string(&cfg->host, value, path, lineno, key) : -1;
            if (!valid_host_name(value))
                ak_error("%s:%d: host must be 'auto' or a host name (letters, digits, '-', '.')",
                         path, lineno);
        } else if (strcmp(key, "timeout") == 0) {
            r = timeout_set ? -1 : parse_timeout(value, &cfg->timeout);
            if (r != 0)
                ak_error("%s:%d: timeout must be given once, as seconds from 1 to %d", path, lineno,
                         AK_MAX_TIMEOUT);
            timeout_set = 1;
        } else if (strcmp(key, "tls") == 0) {
            r = 0;
            if (strcmp(value, "none") == 0) {
                cfg->tls = AK_TLS_NONE;
            } else if (strcmp(value, "starttls") == 0) {
                cfg->tls = AK_TLS_STARTTLS;
            } else {
                ak_error("%s:%d: tls must be 'none' or 'starttls'", path, lineno);
                r = -1;
            }
        } else {
            ak_error("%s:%d: unknown setting '%s'", path, lineno, key);
            r = -1;
        }
        if (r != 0)
            goto done;
    }
    if (ferror(f)) {
        ak_error("cannot read config file %s", path);
        goto done;
    }
    if (cfg->uri == NULL || cfg->base == NULL) {
        ak_error("config file %s must set 'uri' and 'base'", path);
        goto done;
    }
    if ((cfg->binddn == NULL) != (cfg->bindpw_file == NULL)) {
        ak_error("config file %s: 'binddn' and 'bindpw_file' go together", path);
        goto done;
    }
    rc = 0;
done:
    fclose(f);
    if (rc != 0)
        config_free(cfg);
    return rc;
}

/* The bind password: the first line of a file that only the user running us
 * can read (sshd runs us as AuthorizedKeysCommandUser).  Anything looser means
 * the secret is already exposed, so refuse rather than use it. */
static int read_bind_password(const char *path, struct berval *out)
{
    int rc = -1;
    struct stat st;
    char *buf = NULL;
    FILE *f = fopen(path, "r");

    if (f == NULL) {
        ak_error("cannot open bindpw_file %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        ak_error("bindpw_file %s is not a regular file", path);
        goto done;
    }
    if (st.st_uid != geteuid() || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        ak_error("bindpw_file %s must be owned by uid %ld and not accessible to group or others",
                 path, (long)geteuid());
        goto done;
    }
    buf = calloc(1, AK_MAX_PASSWORD + 2); /* password_free wipes this size */
    if (buf == NULL) {
        ak_error("out of memory");
        goto done;
    }
    size_t len = fread(buf, 1, AK_MAX_PASSWORD + 1, f);
    if (ferror(f) || len > AK_MAX_PASSWORD) {
        ak_error("cannot read bindpw_file %s (or it is longer than %d bytes)", path, AK_MAX_PASSWORD);
        goto done;
    }
    buf[len] = '\0';
    len = strcspn(buf, "\r\n");
    buf[len] = '\0';
    if (len == 0) {
        ak_error("bindpw_file %s is empty", path);
        goto done;
    }
    out->bv_val = buf;
    out->bv_len = len;
    buf = NULL;
    rc = 0;
done:
    if (buf != NULL) {
        explicit_bzero(buf, AK_MAX_PASSWORD + 2);
        free(buf);
    }
    fclose(f);
    return rc;
}

static void password_free(struct berval *pw)
{
    if (pw->bv_val != NULL) {
        /* The whole buffer: it may hold more of the file than the first line. */
        explicit_bzero(pw->bv_val, AK_MAX_PASSWORD + 2);
        free(pw->bv_val);
    }
    pw->bv_val = NULL;
    pw->bv_len = 0;
}

/* The server's own words (diagnostic message) when it gave some. */
static void ldap_report(LDAP *ld, const char *what, int err)
{
    char *diag = NULL;
    if (ld != NULL)
        ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
    /* GnuTLS failures come back as "(unknown error code)": no help there. */
    if (diag != NULL && *diag != '\0' && strcmp(diag, "(unknown error code)") != 0)
        ak_error("%s: %s (%s)", what, ldap_err2string(err), diag);
    else
        ak_error("%s: %s", what, ldap_err2string(err));
    ldap_memfree(diag);
}

static int set_option(LDAP *ld, int option, const void *value, const char *name)
{
    int err = ldap_set_option(ld, option, value);
    if (err != LDAP_OPT_SUCCESS) {
        ak_error("cannot set LDAP option %s: %s", name, ldap_err2string(err));
        return -1;
    }
    return 0;
}

/* Connect, optionally StartTLS, and bind.  Returns an AK_* exit code. */
/* Whether ERR means the server itself is unreachable or silent, not that it
 * answered: only then is the next URI worth trying. */
static int transport_failure(int err)
{
    return err == LDAP_SERVER_DOWN || err == LDAP_TIMEOUT || err == LDAP_CONNECT_ERROR
           || err == LDAP_UNAVAILABLE || err == LDAP_BUSY;
}

static int directory_connect(const struct ak_config *cfg, const char *uri, LDAP **out)
{
    int rc = AK_CONFIG_ERROR;
    LDAP *ld = NULL;
    struct berval password = { 0, NULL };
    const int version = LDAP_VERSION3;
    const int require_cert = LDAP_OPT_X_TLS_DEMAND;
    struct timeval timeout = { .tv_sec = cfg->timeout, .tv_usec = 0 };
    const char *cacert = cfg->tls_cacert != NULL ? cfg->tls_cacert : AK_DEFAULT_CACERT;

    /* TLS settings go to the global defaults, from which libldap builds its
     * TLS context when a connection first needs one (ldaps:// or StartTLS);
     * per-handle TLS options would need a context of their own. */
    if (set_option(NULL, LDAP_OPT_X_TLS_REQUIRE_CERT, &require_cert, "TLS_REQUIRE_CERT") != 0
        || set_option(NULL, LDAP_OPT_X_TLS_CACERTFILE, cacert, "TLS_CACERTFILE") != 0)
        goto done;
    int err = ldap_initialize(&ld, uri);
    if (err != LDAP_SUCCESS) {
        ak_error("invalid uri '%s': %s", uri, ldap_err2string(err));
        goto done;
    }
    /* A slow or dead server must not hold sshd's login: bound the connect and
     * every synchronous operation. */
    if (set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version, "PROTOCOL_VERSION") != 0
        || set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &timeout, "NETWORK_TIMEOUT") != 0
        || set_option(ld, LDAP_OPT_TIMEOUT, &timeout, "TIMEOUT") != 0
        || set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "REFERRALS") != 0)
        goto done;

    rc = AK_SERVER_ERROR;
    if (cfg->tls == AK_TLS_STARTTLS) {
        err = ldap_start_tls_s(ld, NULL, NULL);
        if (err != LDAP_SUCCESS) {
            ldap_report(ld, "StartTLS failed (is the server certificate issued by tls_cacert, "
                            "for the host name in uri?)", err);
            if (transport_failure(err))
                rc = AK_TRY_NEXT;
            goto done;
        }
    }
    if (cfg->binddn != NULL) {
        if (read_bind_password(cfg->bindpw_file, &password) != 0) {
            rc = AK_CONFIG_ERROR;
            goto done;
        }
    }
    /* Bind even anonymously: it opens the connection (and reports a dead
     * server) before the search. */
    err = ldap_sasl_bind_s(ld, cfg->binddn != NULL ? cfg->binddn : "", LDAP_SASL_SIMPLE, &password,
                           NULL, NULL, NULL);
    if (err != LDAP_SUCCESS) {
        ldap_report(ld, cfg->binddn != NULL ? "bind failed" : "anonymous bind failed", err);
        if (transport_failure(err))
            rc = AK_TRY_NEXT;
        goto done;
    }
    *out = ld;
    ld = NULL;
    rc = AK_OK;
done:
    password_free(&password);
    if (ld != NULL)
        ldap_unbind_ext_s(ld, NULL, NULL);
    return rc;
}

/* Whether one sshPublicKey value is fit for an authorized_keys line. */
static int printable_key(const struct berval *value)
{
    if (value->bv_len == 0)
        return 0;
    for (ber_len_t i = 0; i < value->bv_len; i++) {
        unsigned char c = (unsigned char)value->bv_val[i];
        if (c == '\0' || c == '\n' || c == '\r')
            return 0;
    }
    return 1;
}

/* shadowExpire semantics as nslcd applies them: days since 1970-01-01; -1
 * means never; the account is expired from that day on.  A value we cannot
 * read counts as expired: refusing a key is the safe mistake. */
static int account_expired(LDAP *ld, LDAPMessage *entry)
{
    struct berval **values = ldap_get_values_len(ld, entry, "shadowExpire");
    int expired = 0;
    if (values == NULL || values[0] == NULL)
        goto done;
    char buf[32];
    if (values[0]->bv_len == 0 || values[0]->bv_len >= sizeof(buf)) {
        expired = 1;
        goto done;
    }
    memcpy(buf, values[0]->bv_val, values[0]->bv_len);
    buf[values[0]->bv_len] = '\0';
    char *end;
    errno = 0;
    long long day = strtoll(buf, &end, 10);
    if (errno != 0 || *end != '\0') {
        expired = 1;
        goto done;
    }
    long long today = (long long)(time(NULL) / 86400);
    expired = day != -1 && day <= today;
done:
    ldap_value_free_len(values);
    return expired;
}

/* Whether the entry's uid really is USER: the uid attribute matches
 * case-insensitively in LDAP, but login names are case-sensitive. */
static int entry_has_uid(LDAP *ld, LDAPMessage *entry, const char *user)
{
    struct berval **values = ldap_get_values_len(ld, entry, "uid");
    int found = 0;
    size_t len = strlen(user);
    for (size_t i = 0; values != NULL && values[i] != NULL; i++) {
        if (values[i]->bv_len == len && memcmp(values[i]->bv_val, user, len) == 0)
            found = 1;
    }
    ldap_value_free_len(values);
    return found;
}

/* Whether base is one of the server's naming contexts or lies below one
 * (DNs compared after normalization by libldap). */
static int base_is_served(LDAP *ld, const char *base, int timeout)
{
    char *attrs[] = { "namingContexts", NULL };
    struct timeval tv = { .tv_sec = timeout, .tv_usec = 0 };
    LDAPMessage *result = NULL;
    struct berval **contexts = NULL, nbase = { 0, NULL };
    int served = 0;

    if (ldap_dn_normalize(base, LDAP_DN_FORMAT_LDAP, &nbase.bv_val, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
        return 0;
    nbase.bv_len = strlen(nbase.bv_val);
    if (ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL, NULL, &tv,
                          1, &result) != LDAP_SUCCESS)
        goto done;
    LDAPMessage *entry = ldap_first_entry(ld, result);
    if (entry != NULL)
        contexts = ldap_get_values_len(ld, entry, "namingContexts");
    for (size_t i = 0; contexts != NULL && contexts[i] != NULL && !served; i++) {
        char *ctx = strndup(contexts[i]->bv_val, contexts[i]->bv_len), *nctx = NULL;
        if (ctx != NULL &&
            ldap_dn_normalize(ctx, LDAP_DN_FORMAT_LDAP, &nctx, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS) {
            size_t n = strlen(nctx);
            /* equal, or ",<context>" ends the base (case-insensitively) */
            served = nbase.bv_len >= n && strcasecmp(nbase.bv_val + nbase.bv_len - n, nctx) == 0 &&
                     (nbase.bv_len == n || nbase.bv_val[nbase.bv_len - n - 1] == ',');
        }
        ldap_memfree(nctx);
        free(ctx);
    }
done:
    ldap_value_free_len(contexts);
    ldap_msgfree(result);
    ldap_memfree(nbase.bv_val);
    return served;
}

/* noSuchObject for the base: a wrong base, or (far more often) access rules
 * that hide the tree from this identity.  Ask the RootDSE which it is. */
static void report_missing_base(LDAP *ld, const struct ak_config *cfg)
{
    if (!base_is_served(ld, cfg->base, cfg->timeout)) {
        ak_error("search base %s is not held by this server (check 'base' against the "
                 "server's namingContexts)", cfg->base);
    } else if (cfg->binddn == NULL) {
        ak_error("access denied: the server holds %s but shows nothing of it to anonymous "
                 "clients; configure binddn and bindpw_file with a service account "
                 "(cn=<name>,ou=services,...)", cfg->base);
    } else {
        ak_error("access denied: the server holds %s but shows nothing of it to %s; grant "
                 "that identity read access in the server's ACLs", cfg->base, cfg->binddn);
    }
}

/* Search for USER and print its keys.  Returns an AK_* exit code. */
static int print_user_keys(LDAP *ld, const struct ak_config *cfg, const char *user)
{
    int rc = AK_SERVER_ERROR;
    char *filter = NULL;
    LDAPMessage *result = NULL;
    struct berval **keys = NULL;
    struct berval user_bv = { strlen(user), (char *)user };
    struct berval escaped = { 0, NULL };
    char *attrs[] = { "uid", "sshPublicKey", "shadowExpire", NULL };
    struct timeval timeout = { .tv_sec = cfg->timeout, .tv_usec = 0 };

    /* The name is already restricted to characters without meaning in a
     * filter; escaping (RFC 4515) keeps the filter safe should that rule
     * ever be relaxed. */
    if (ldap_bv2escaped_filter_value(&user_bv, &escaped) != 0) {
        ak_error("out of memory");
        goto done;
    }
    /* With 'host': only a user who may enter this host matches.  Host names
     * hold no filter metacharacters (valid_host_name). */
    static const char filter_format[] = "(&(objectClass=posixAccount)(uid=%s)%s%s%s%s%s%s%s)";
    const char *h0 = cfg->names[0], *h1 = cfg->names[1];
    size_t filter_size = sizeof(filter_format) + escaped.bv_len + 32 +
                         (h0 ? strlen(h0) : 0) + (h1 ? strlen(h1) : 0);
    filter = malloc(filter_size);
    if (filter == NULL) {
        ak_error("out of memory");
        goto done;
    }
    snprintf(filter, filter_size, filter_format, escaped.bv_val, h0 ? "(|(host=" : "",
             h0 ? h0 : "", h0 ? ")" : "", h1 ? "(host=" : "", h1 ? h1 : "", h1 ? ")" : "",
             h0 ? ")" : "");

    /* Size limit 2: one entry is the answer, a second one is an error. */
    int err = ldap_search_ext_s(ld, cfg->base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL,
                                &timeout, 2, &result);
    if (err == LDAP_SIZELIMIT_EXCEEDED) {
        ak_error("more than one entry matches %s under %s", filter, cfg->base);
        goto done;
    }
    if (err == LDAP_NO_SUCH_OBJECT) {
        report_missing_base(ld, cfg);
        goto done;
    }
    if (err != LDAP_SUCCESS) {
        ldap_report(ld, "search failed", err);
        if (transport_failure(err))
            rc = AK_TRY_NEXT;
        goto done;
    }
    int entries = ldap_count_entries(ld, result);
    if (entries > 1) {
        ak_error("more than one entry matches %s under %s", filter, cfg->base);
        goto done;
    }
    LDAPMessage *entry = ldap_first_entry(ld, result);
    if (entry == NULL || !entry_has_uid(ld, entry, user) || account_expired(ld, entry)) {
        /* Unknown, not active, or (with 'host') not let in here: no keys,
         * and that is not an error. */
        rc = AK_OK;
        goto done;
    }
    keys = ldap_get_values_len(ld, entry, "sshPublicKey");
    for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
        if (!printable_key(keys[i])) {
            ak_error("skipping an sshPublicKey value of %s that is not one line", user);
            continue;
        }
        fwrite(keys[i]->bv_val, 1, keys[i]->bv_len, stdout);
        fputc('\n', stdout);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        ak_error("cannot write the keys: %s", strerror(errno));
        goto done;
    }
    rc = AK_OK;
done:
    ldap_value_free_len(keys);
    ldap_msgfree(result);
    free(filter);
    ber_memfree(escaped.bv_val);
    return rc;
}

/* Try each URI in turn until one answers.  Returns an AK_* exit code. */
static int try_servers(const struct ak_config *cfg, const char *user)
{
    char *uris = strdup(cfg->uri);
    if (uris == NULL) {
        ak_error("out of memory");
        return AK_SERVER_ERROR;
    }
    int rc = AK_CONFIG_ERROR, tried = 0;
    char *save = NULL;
    for (char *uri = strtok_r(uris, " \t,", &save); uri != NULL; uri = strtok_r(NULL, " \t,", &save)) {
        LDAP *ld = NULL;
        tried++;
        rc = directory_connect(cfg, uri, &ld);
        if (rc == AK_OK)
            rc = print_user_keys(ld, cfg, user);
        if (ld != NULL)
            ldap_unbind_ext_s(ld, NULL, NULL);
        if (rc != AK_TRY_NEXT)
            break;
        ak_error("server %s failed; trying the next uri", uri);
    }
    if (rc == AK_TRY_NEXT) {
        ak_error("no server answered (%d uri%s tried, timeout %d s each exchange)", tried,
                 tried == 1 ? "" : "s", cfg->timeout);
        rc = AK_SERVER_ERROR;
    } else if (tried == 0) {
        ak_error("config value 'uri' lists no URI");
    }
    free(uris);
    return rc;
}

static void usage(FILE *to)
{
    fprintf(to, "usage: %s [-c CONFIG_FILE] USER\n"
                "       %s --version\n"
                "Print USER's SSH public keys from the clusterdb directory, one per line\n"
                "(nothing for unknown or inactive users, nor with 'host' for users who\n"
                "may not enter this host).  Default config: %s\n",
            progname, progname, AK_DEFAULT_CONFIG);
}

int main(int argc, char **argv)
{
    const char *config_path = AK_DEFAULT_CONFIG;
    struct ak_config cfg;
    int opt;

    /* The one long option; sshd only ever passes the user name. */
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("clusterdb-authorized-keys %s\n", PACKAGE_VERSION);
        return AK_OK;
    }
    while ((opt = getopt(argc, argv, "c:h")) != -1) {
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return AK_OK;
        default:
            usage(stderr);
            return AK_CONFIG_ERROR;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return AK_CONFIG_ERROR;
    }
    const char *user = argv[optind];
    if (!valid_user_name(user)) {
        ak_error("not a valid user name; no keys");
        return AK_CONFIG_ERROR;
    }
    /* Only our config decides where we connect and what we trust: ignore
     * ldap.conf, ~/.ldaprc and LDAP* environment variables. */
    if (setenv("LDAPNOINIT", "1", 1) != 0) {
        ak_error("cannot set LDAPNOINIT: %s", strerror(errno));
        return AK_CONFIG_ERROR;
    }
    if (config_load(config_path, &cfg) != 0)
        return AK_CONFIG_ERROR;
    if (resolve_host_names(&cfg) != 0) {
        config_free(&cfg);
        return AK_CONFIG_ERROR;
    }

    int rc = try_servers(&cfg, user);
    config_free(&cfg);
    return rc;
}
