/*
 * Field validators.  Deliberately strict: every accepted value must be safe to
 * put into an LDAP entry, a DNS or nginx configuration file and a log line
 * without further quoting, so anything unusual is refused rather than escaped.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <clusterdb/validate.h>

#define USERNAME_MAX 32
#define MAIL_MAX 254
#define MAIL_LOCAL_MAX 64
#define DNS_NAME_MAX 253
#define DNS_LABEL_MAX 63
#define SSH_KEY_LINE_MAX 16384
#define URL_MAX 2048

static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_alpha(char c) { return is_lower(c) || (c >= 'A' && c <= 'Z'); }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alnum(char c) { return is_alpha(c) || is_digit(c); }
static int is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

int cdb_valid_username(const char *s)
{
    size_t i;

    if (s == NULL || !(is_lower(s[0]) || s[0] == '_'))
        return 0;
    for (i = 1; s[i] != '\0'; i++) {
        char c = s[i];
        if (i >= USERNAME_MAX)
            return 0;
        if (!(is_lower(c) || is_digit(c) || c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

int cdb_valid_group_name(const char *s)
{
    return cdb_valid_username(s);
}

/* Debian's base-passwd users and groups, those of the packages a container
 * host or a clusterdb server runs, and the standard system groups.  One
 * list for users and groups: a user name that is a local group name is
 * just as confusing to sudo and PAM. */
static const char *const system_names[] = {
    "_apt", "_chrony", "_rpc", "_ssh", "adm", "audio", "backup", "bin", "cdrom", "crontab", "daemon", "dialout", "dip", "disk",
    "dnsmasq", "fax", "floppy", "games", "gnats", "input", "irc", "kmem", "kvm", "list", "lp",
    "mail", "man", "messagebus", "netdev", "news", "nobody", "nogroup", "nslcd", "ntp",
    "openldap", "operator", "plugdev", "polkitd", "postdrop", "postfix", "proxy", "render",
    "root", "sasl", "sgx", "shadow", "src", "sshd", "ssl-cert", "sssd", "staff", "statd",
    "sudo", "sync", "sys", "tape", "tcpdump", "tss", "tty", "users", "utmp", "uucp", "uuidd",
    "video", "voice", "wheel", "www-data",
};

int cdb_reserved_system_name(const char *s)
{
    if (s == NULL)
        return 0;
    /* systemd's own accounts and groups, whatever comes next. */
    if (strncasecmp(s, "systemd-", 8) == 0)
        return 1;
    for (size_t i = 0; i < sizeof system_names / sizeof system_names[0]; i++)
        if (strcasecmp(s, system_names[i]) == 0)
            return 1;
    return 0;
}

/*
 * One DNS label at s: letters, digits and inner hyphens, 1-63 bytes.
 * Returns its length, 0 if malformed.
 */
static size_t dns_label(const char *s)
{
    size_t n = 0;

    while (is_alnum(s[n]) || s[n] == '-') {
        if (++n > DNS_LABEL_MAX)
            return 0;
    }
    if (n == 0 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    return n;
}

/* A name of labels separated by single dots, ending at `end`; counts labels. */
static int dns_name(const char *s, size_t len, size_t *labels_out)
{
    size_t pos = 0, labels = 0;

    if (len == 0 || len > DNS_NAME_MAX)
        return 0;
    for (;;) {
        size_t n = dns_label(s + pos);
        if (n == 0 || pos + n > len)
            return 0;
        pos += n;
        labels++;
        if (pos == len)
            break;
        if (s[pos] != '.')
            return 0;
        pos++;
    }
    *labels_out = labels;
    return 1;
}

int cdb_valid_hostname(const char *s)
{
    size_t labels;

    return s != NULL && dns_name(s, strlen(s), &labels);
}

int cdb_valid_domain(const char *s)
{
    size_t labels;

    return s != NULL && dns_name(s, strlen(s), &labels) && labels >= 2;
}

/* RFC 5322 atext, the characters of a dot-atom local part. */
static int is_atext(char c)
{
    return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

int cdb_valid_mail(const char *s)
{
    const char *at;
    size_t len, local_len, i, labels;

    if (s == NULL)
        return 0;
    len = strnlen(s, MAIL_MAX + 1);
    if (len > MAIL_MAX)
        return 0;
    at = strchr(s, '@');
    if (at == NULL)
        return 0;
    local_len = (size_t)(at - s);
    if (local_len == 0 || local_len > MAIL_LOCAL_MAX)
        return 0;
    /* dot-atom: no leading, trailing or doubled dots.  Quoted local parts are
     * legal but never needed here, and awkward in every consumer. */
    if (s[0] == '.' || s[local_len - 1] == '.')
        return 0;
    for (i = 0; i < local_len; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.')
                return 0;
        } else if (!is_atext(s[i])) {
            return 0;
        }
    }
    return dns_name(at + 1, len - local_len - 1, &labels) && labels >= 2;
}

int cdb_valid_ipv4(const char *s)
{
    int part;

    if (s == NULL)
        return 0;
    for (part = 0; part < 4; part++) {
        unsigned value = 0;
        size_t digits = 0;

        while (is_digit(s[digits])) {
            value = value * 10 + (unsigned)(s[digits] - '0');
            if (++digits > 3)
                return 0;
        }
        /* Leading zeros read as octal in some parsers: refuse the ambiguity. */
        if (digits == 0 || value > 255 || (digits > 1 && s[0] == '0'))
            return 0;
        s += digits;
        if (part < 3) {
            if (*s != '.')
                return 0;
            s++;
        }
    }
    return *s == '\0';
}

int cdb_valid_mac(const char *s)
{
    int i;

    if (s == NULL)
        return 0;
    for (i = 0; i < 6; i++) {
        if (!is_hex(s[0]) || !is_hex(s[1]))
            return 0;
        s += 2;
        if (i < 5) {
            if (*s != ':')
                return 0;
            s++;
        }
    }
    return *s == '\0';
}

int cdb_valid_port(int64_t port)
{
    return port >= 1 && port <= 65535;
}

size_t cdb_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    uint32_t c = s[0], min;
    size_t len, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        c &= 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        c &= 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

int cdb_utf8_valid(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), pos = 0, step;
    uint32_t cp;

    for (; pos < n; pos += step)
        if ((step = cdb_utf8_decode(u + pos, n - pos, &cp)) == 0)
            return 0;
    return 1;
}

/* Valid UTF-8 without C0, DEL or C1 control characters (tab, newline and
 * carriage return allowed when multiline), exactly len bytes. */
static int valid_text_n(const char *s, size_t len, int multiline)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t pos = 0;

    while (pos < len) {
        uint32_t cp;
        size_t step = cdb_utf8_decode(u + pos, len - pos, &cp);
        if (step == 0)
            return 0;
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
            if (!(multiline && (cp == '\t' || cp == '\n' || cp == '\r')))
                return 0;
        }
        pos += step;
    }
    return 1;
}

static int valid_text(const char *s, size_t max_bytes, int multiline)
{
    size_t len;

    if (s == NULL)
        return 0;
    /* max_bytes + 1 would wrap to 0 for SIZE_MAX ("no limit"). */
    len = max_bytes == SIZE_MAX ? strlen(s) : strnlen(s, max_bytes + 1);
    return len <= max_bytes && valid_text_n(s, len, multiline);
}

int cdb_valid_text(const char *s, size_t max_bytes)
{
    return valid_text(s, max_bytes, 0);
}

size_t cdb_utf8_length(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t pos = 0, count = 0;

    while (pos < n) {
        uint32_t cp;
        size_t step = cdb_utf8_decode(u + pos, n - pos, &cp);

        pos += step ? step : 1;
        count++;
    }
    return count;
}

int cdb_valid_login_path(const char *s, size_t max_bytes)
{
    size_t len;

    if (s == NULL || s[0] != '/')
        return 0;
    len = strnlen(s, max_bytes + 1);
    if (len > max_bytes)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e || s[i] == ':')
            return 0;
    return 1;
}

int cdb_valid_multiline_text(const char *s, size_t max_bytes)
{
    return valid_text(s, max_bytes, 1);
}

int cdb_valid_url(const char *s)
{
    const char *host, *p;
    size_t len, host_len, labels;

    if (s == NULL)
        return 0;
    len = strnlen(s, URL_MAX + 1);
    if (len > URL_MAX)
        return 0;
    if (strncmp(s, "https://", 8) == 0)
        host = s + 8;
    else if (strncmp(s, "http://", 7) == 0)
        host = s + 7;
    else
        return 0;
    /* The host: a DNS name, an IPv4 address or a bracketed IPv6 address. */
    if (host[0] == '[') {
        p = host + 1;
        while (is_hex(*p) || *p == ':' || *p == '.')
            p++;
        if (p == host + 1 || *p != ']')
            return 0;
        p++;
    } else {
        p = host;
        while (is_alnum(*p) || *p == '-' || *p == '.')
            p++;
        host_len = (size_t)(p - host);
        if (!dns_name(host, host_len, &labels))
            return 0;
    }
    if (*p == ':') {
        int64_t port = 0;
        size_t digits = 0;

        p++;
        while (is_digit(*p) && digits < 6) {
            port = port * 10 + (*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || !cdb_valid_port(port))
            return 0;
    }
    if (*p != '\0' && *p != '/' && *p != '?' && *p != '#')
        return 0;
    /* The rest: printable ASCII without spaces (already percent-encoded). */
    for (; *p != '\0'; p++) {
        if (*p <= ' ' || *p >= 0x7f)
            return 0;
    }
    return 1;
}

/* SSH keys. */

static const char *const ssh_key_types[] = {
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-dss",
};

static int b64_digit(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/*
 * Decode padded standard base64 (len a multiple of 4) into out, which holds
 * at least len / 4 * 3 bytes.  Returns the decoded length, or -1.
 */
static long b64_decode(const char *in, size_t len, unsigned char *out)
{
    size_t i, o = 0;

    if (len == 0 || len % 4 != 0)
        return -1;
    for (i = 0; i < len; i += 4) {
        int d[4], k, pad = 0;
        uint32_t v = 0;

        for (k = 0; k < 4; k++) {
            if (in[i + k] == '=' && i + 4 == len && k >= 2) {
                d[k] = 0;
                pad++;
            } else if (pad > 0 || (d[k] = b64_digit((unsigned char)in[i + k])) < 0) {
                return -1;
            }
            v = (v << 6) | (uint32_t)d[k];
        }
        out[o++] = (unsigned char)(v >> 16);
        if (pad < 2)
            out[o++] = (unsigned char)(v >> 8);
        if (pad < 1)
            out[o++] = (unsigned char)v;
    }
    return (long)o;
}

static uint32_t read_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A key line of exactly len bytes (no newline inside). */
static int valid_ssh_key_n(const char *line, size_t len)
{
    unsigned char blob[SSH_KEY_LINE_MAX / 4 * 3];
    const char *type = NULL, *data, *end = line + len;
    size_t type_len = 0, data_len, i;
    long blob_len;

    if (len == 0 || len > SSH_KEY_LINE_MAX)
        return 0;
    for (i = 0; i < sizeof ssh_key_types / sizeof ssh_key_types[0]; i++) {
        size_t n = strlen(ssh_key_types[i]);
        if (n < len && memcmp(line, ssh_key_types[i], n) == 0 && line[n] == ' ') {
            type = ssh_key_types[i];
            type_len = n;
            break;
        }
    }
    if (type == NULL)
        return 0;
    data = line + type_len + 1;
    data_len = 0;
    while (data + data_len < end && data[data_len] != ' ')
        data_len++;
    blob_len = b64_decode(data, data_len, blob);
    /* The blob is the wire encoding: string type, then the key material. */
    if (blob_len < 4 || read_be32(blob) != type_len || (size_t)blob_len <= 4 + type_len ||
        memcmp(blob + 4, type, type_len) != 0)
        return 0;
    /* An optional comment: printable text, at least one character. */
    if (data + data_len < end) {
        const char *comment = data + data_len + 1;
        if (comment >= end || !valid_text_n(comment, (size_t)(end - comment), 0))
            return 0;
    }
    return 1;
}

int cdb_valid_ssh_key(const char *line)
{
    size_t len;

    if (line == NULL)
        return 0;
    len = strnlen(line, SSH_KEY_LINE_MAX + 1);
    return valid_ssh_key_n(line, len) && line[len] == '\0';
}

/* NULL text holds no keys, which is as valid as empty text. */
int cdb_valid_ssh_keys(const char *text)
{
    const char *p = text;

    if (text == NULL)
        return 1;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > 0 && !valid_ssh_key_n(p, n))
            return 0;
        p += n;
        if (*p == '\n')
            p++;
    }
    return 1;
}
