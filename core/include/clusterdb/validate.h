/*
 * Field validators shared by the models and the front ends.  Each returns 1
 * when the value is acceptable, 0 otherwise.  Pure functions, thread-safe.
 */
#ifndef CLUSTERDB_VALIDATE_H
#define CLUSTERDB_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* POSIX portable login name: [a-z_][a-z0-9_.-]{0,31} (lower case, as useradd). */
int cdb_valid_username(const char *s);
/* Group names follow the same rule. */
int cdb_valid_group_name(const char *s);
/* A name a Debian host already gives a local account or group (root, daemon,
 * www-data, sudo, sshd, nobody, systemd-*, _apt, ...: docs/decisions.md has
 * the list): a directory user or group of that name would shadow the local
 * one, or be shadowed by it.  Case-insensitive. */
int cdb_reserved_system_name(const char *s);
/* uidNumbers and gidNumbers below this are Debian's system range. */
#define CDB_FIRST_NON_SYSTEM_ID 1000
/* addr-spec with an ASCII local part and a dotted domain, at most 254 bytes. */
int cdb_valid_mail(const char *s);
/* One OpenSSH public key line: "<type> <base64 blob> [comment]" where the blob
 * decodes and starts with the same type name. */
int cdb_valid_ssh_key(const char *line);
/* Every non-empty line of text is a valid key (empty text is valid). */
int cdb_valid_ssh_keys(const char *text);
int cdb_valid_ipv4(const char *s);
int cdb_valid_mac(const char *s);       /* xx:xx:xx:xx:xx:xx, hex */
int cdb_valid_port(int64_t port);       /* 1-65535 */
int cdb_valid_hostname(const char *s);  /* RFC 1123 label or dotted name */
int cdb_valid_domain(const char *s);    /* dotted DNS name */
/* The one UTF-8 decoder: length (1-4) of the sequence at s (n bytes
 * available) and its code point in *cp, or 0 for anything not shortest-form
 * UTF-8 of a scalar value (overlongs, surrogates, above U+10FFFF, truncated). */
size_t cdb_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Whether the NUL-terminated text is UTF-8 throughout (controls allowed). */
int cdb_utf8_valid(const char *s);
/* Valid UTF-8 with no control characters (C0, DEL, C1) and at most
 * max_bytes bytes; the multiline form also allows tab, newline and CR. */
int cdb_valid_text(const char *s, size_t max_bytes);
int cdb_valid_multiline_text(const char *s, size_t max_bytes);
int cdb_valid_url(const char *s);       /* http:// or https:// with a host */
/* A loginShell or homeDirectory: an absolute path of printable ASCII (the
 * LDAP attributes are IA5String) without ':' (the passwd field separator),
 * at most max_bytes bytes. */
int cdb_valid_login_path(const char *s, size_t max_bytes);
/* Characters (code points) in n bytes of text; a byte that does not start a
 * valid UTF-8 sequence counts as one. */
size_t cdb_utf8_length(const char *s, size_t n);

#ifdef __cplusplus
}
#endif
#endif
