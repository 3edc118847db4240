/* Field validators: accepted and refused values, including hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <clusterdb/validate.h>

#define KEY_ED25519                                                                   \
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMEIBFtsrSm1eSZa6PEl7/0BMEeyuJbfg+YniQhCs6em"
#define KEY_RSA                                                                       \
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCNnEIS7Qv7VW7yhjLuIIwhIpqS1k44S9agxTWdaHRJLs" \
    "eyOy8gMqLvfBKHRU6mFWxC/NfWCUAkvKop3dN3Uq9Zqn8fE5jNqkO9vKTg4AWvBQi0pJi4YXx0n8bpR4W" \
    "RByovOwyP//eq/NJtA/PVdDZljxpgeWqbTjJNhH6O1vXhhs4ElgOrY1PGoFFyRnVT6lEqpj5Hy5bR9dmPX" \
    "pxrFL/iwrJjzatem8svaxXN66qUQbRkxKYbKpxi+pSDTyshdzfpGdbGiMcE1QH+zJy+IjfcXusN4rib+kh" \
    "zyg4zotHzr2dd0sgCA8V13FUJURCzScyo0kbLJ8W21ZOsJ+gMWjrgKGCXekk5tsaC0JswNFWqFtYeg8Vxm" \
    "S8EVoi8g1fFOAFO/pz+2+6OBZCJP6HT07F2RxMGZlEiSYjlK2e9ON8G6Q4RzdNALxGejXQML65AREdaAZU" \
    "XJvm93uoQrCmbufUSCWHKjyeT+wKuPum+zo0hdBWL7Xi4gZf/hfnF0nb+H1U="
#define KEY_ECDSA384                                                                  \
    "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBJeZ2rWazn" \
    "eAM9NEK1qbNOr1wk0HVh/fwg3wbDuLGuURgVl+GlLpGj50E29QDMUQT2DhISbN1ssQZZiOGTCgwSw+N//N" \
    "nDraP2VFf871gPC69YTaiCepX4oXjsR+Ujh1Gg=="
#define KEY_SK_ED25519                                                                \
    "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAABAgMEBQY" \
    "HCAkKCwwNDg8QERITFBUWFxgZGhscHR4fAAAABHNzaDo="
#define KEY_SK_ECDSA                                                                  \
    "sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5" \
    "jb20AAAAIbmlzdHAyNTYAAABBBAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKS" \
    "orLC0uLzAxMjM0NTY3ODk6Ozw9Pj8AAAAEc3NoOg=="

/* A 1 MiB string of one repeated character. */
static char *huge_string(char fill)
{
    size_t n = 1u << 20;
    char *s = malloc(n + 1);

    assert_non_null(s);
    memset(s, fill, n);
    s[n] = '\0';
    return s;
}

static void test_username(void **state)
{
    (void)state;
    assert_true(cdb_valid_username("alice"));
    assert_true(cdb_valid_username("_svc"));
    assert_true(cdb_valid_username("a.b-c_9"));
    assert_true(cdb_valid_username("abcdefghijklmnopqrstuvwxyz012345")); /* 32 */
    assert_false(cdb_valid_username("abcdefghijklmnopqrstuvwxyz0123456")); /* 33 */
    assert_false(cdb_valid_username(""));
    assert_false(cdb_valid_username(NULL));
    assert_false(cdb_valid_username("Alice"));
    assert_false(cdb_valid_username("1alice"));
    assert_false(cdb_valid_username("-alice"));
    assert_false(cdb_valid_username("al ice"));
    assert_false(cdb_valid_username("al*ice"));
    assert_false(cdb_valid_username("al,ice"));
    assert_false(cdb_valid_username("al\xc3\xa9"));
    assert_false(cdb_valid_username("alice\n"));
    assert_true(cdb_valid_group_name("sysadmins"));
    assert_false(cdb_valid_group_name("Sys Admins"));
    char *big = huge_string('a');
    assert_false(cdb_valid_username(big));
    free(big);
}

static void test_mail(void **state)
{
    (void)state;
    assert_true(cdb_valid_mail("alice@example.com"));
    assert_true(cdb_valid_mail("a.b+tag@mail.example.co.uk"));
    assert_true(cdb_valid_mail("O'Neil@Example.COM"));
    assert_false(cdb_valid_mail("alice"));
    assert_false(cdb_valid_mail("alice@"));
    assert_false(cdb_valid_mail("@example.com"));
    assert_false(cdb_valid_mail("alice@localhost"));
    assert_false(cdb_valid_mail("a@b@example.com"));
    assert_false(cdb_valid_mail(".alice@example.com"));
    assert_false(cdb_valid_mail("alice.@example.com"));
    assert_false(cdb_valid_mail("al..ice@example.com"));
    assert_false(cdb_valid_mail("al ice@example.com"));
    assert_false(cdb_valid_mail("\"al ice\"@example.com"));
    assert_false(cdb_valid_mail("alice@-example.com"));
    assert_false(cdb_valid_mail("alice@example..com"));
    assert_false(cdb_valid_mail("alice@example.com."));
    assert_false(cdb_valid_mail("al\xc3\xa9@example.com"));
    assert_false(cdb_valid_mail(NULL));
    assert_false(cdb_valid_mail(""));
    /* 64-byte local part is the limit. */
    char local[80];
    memset(local, 'x', 64);
    strcpy(local + 64, "@example.com");
    assert_true(cdb_valid_mail(local));
    memset(local, 'x', 65);
    strcpy(local + 65, "@example.com");
    assert_false(cdb_valid_mail(local));
    char *big = huge_string('a');
    memcpy(big + (1u << 19), "@example.com", 12);
    assert_false(cdb_valid_mail(big));
    free(big);
}

static void test_text(void **state)
{
    (void)state;
    assert_true(cdb_valid_text("", 10));
    assert_true(cdb_valid_text("Zoë Ångström 東京 🙂", 256));
    assert_true(cdb_valid_text("abc", 3));
    assert_false(cdb_valid_text("abcd", 3));
    assert_false(cdb_valid_text(NULL, 10));
    assert_false(cdb_valid_text("tab\there", 256));
    assert_false(cdb_valid_text("line\nbreak", 256));
    assert_false(cdb_valid_text("cr\r", 256));
    assert_false(cdb_valid_text("del\x7f", 256));
    assert_false(cdb_valid_text("c1 \xc2\x85", 256));         /* U+0085 NEL */
    assert_false(cdb_valid_text("\xc0\xaf", 256));            /* overlong '/' */
    assert_false(cdb_valid_text("\xe0\x80\xaf", 256));        /* overlong, 3 bytes */
    assert_false(cdb_valid_text("\xf0\x80\x80\xaf", 256));    /* overlong, 4 bytes */
    assert_false(cdb_valid_text("\xed\xa0\x80", 256));        /* surrogate U+D800 */
    assert_false(cdb_valid_text("\xf4\x90\x80\x80", 256));    /* above U+10FFFF */
    assert_false(cdb_valid_text("\xff", 256));
    assert_false(cdb_valid_text("\x80", 256));                /* lone continuation */
    assert_false(cdb_valid_text("\xc3", 256));                /* truncated */
    assert_false(cdb_valid_text("\xe6\x9d", 256));            /* truncated */
    assert_false(cdb_valid_text("latin1 \xe9t\xe9", 256));
    char *big = huge_string('a');
    assert_false(cdb_valid_text(big, 256));
    assert_true(cdb_valid_text(big, 1u << 20));
    assert_false(cdb_valid_text(big, (1u << 20) - 1));
    assert_true(cdb_valid_text(big, SIZE_MAX));
    assert_false(cdb_valid_text("bad\x01", SIZE_MAX));
    assert_true(cdb_valid_text("", 0));
    assert_false(cdb_valid_text("a", 0));
    /* The multiline form differs only in tab, newline and CR. */
    assert_true(cdb_valid_multiline_text("line\nbreak\ttab\r\n", 256));
    assert_false(cdb_valid_multiline_text("c1 \xc2\x85", 256));
    assert_false(cdb_valid_multiline_text("del\x7f", 256));
    assert_false(cdb_valid_multiline_text("bell\x07", 256));
    assert_false(cdb_valid_multiline_text("\xed\xa0\x80", 256));
    assert_false(cdb_valid_multiline_text("abcd", 3));
    free(big);
}

static void test_ssh_key(void **state)
{
    (void)state;
    assert_true(cdb_valid_ssh_key(KEY_ED25519));
    assert_true(cdb_valid_ssh_key(KEY_ED25519 " alice@laptop"));
    assert_true(cdb_valid_ssh_key(KEY_ED25519 " a comment with spaces"));
    assert_true(cdb_valid_ssh_key(KEY_RSA));
    assert_true(cdb_valid_ssh_key(KEY_ECDSA384 " root@vm"));
    assert_true(cdb_valid_ssh_key(KEY_SK_ED25519));
    assert_true(cdb_valid_ssh_key(KEY_SK_ECDSA " yubikey"));
    /* Type and blob disagree. */
    assert_false(cdb_valid_ssh_key("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIMEIBFtsrSm1eSZa6PEl7/0BMEeyuJbfg+YniQhCs6em"));
    assert_false(cdb_valid_ssh_key("ssh-ed25519 AAAAB3NzaC1yc2EAAAAgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
    /* Only the type inside the blob, no key material. */
    assert_false(cdb_valid_ssh_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"));
    /* Unknown type, missing blob, broken base64, bad separators. */
    assert_false(cdb_valid_ssh_key("ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIMEIBFtsrSm1eSZa6PEl7/0BMEeyuJbfg+YniQhCs6em"));
    assert_false(cdb_valid_ssh_key("ssh-ed25519"));
    assert_false(cdb_valid_ssh_key("ssh-ed25519 "));
    assert_false(cdb_valid_ssh_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMEIBFtsrSm1eSZa6PEl7/0BMEeyuJbfg+YniQhCs6e"));
    assert_false(cdb_valid_ssh_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMEIBFtsrSm1eSZa6PEl7/0BMEeyuJbfg+YniQhCs6e!"));
    assert_false(cdb_valid_ssh_key("ssh-ed25519 AAAA=3NzaC1lZDI1NTE5AAAAIMEIBFtsrSm1eSZa6PEl7/0BMEeyuJbfg+YniQhCs6em"));
    assert_false(cdb_valid_ssh_key("ssh-ed25519\t" "AAAAC3NzaC1lZDI1NTE5AAAAIMEIBFtsrSm1eSZa6PEl7/0BMEeyuJbfg+YniQhCs6em"));
    assert_false(cdb_valid_ssh_key(KEY_ED25519 " "));
    assert_false(cdb_valid_ssh_key(KEY_ED25519 " bad\x01" "comment"));
    assert_false(cdb_valid_ssh_key(KEY_ED25519 " \xc0\xaf"));
    assert_false(cdb_valid_ssh_key(KEY_ED25519 "\n"));
    assert_false(cdb_valid_ssh_key(" " KEY_ED25519));
    assert_false(cdb_valid_ssh_key("command=\"/bin/sh\" " KEY_ED25519));
    assert_false(cdb_valid_ssh_key(""));
    assert_false(cdb_valid_ssh_key(NULL));
    char *big = huge_string('A');
    memcpy(big, "ssh-rsa ", 8);
    assert_false(cdb_valid_ssh_key(big));
    free(big);
}

static void test_ssh_keys(void **state)
{
    (void)state;
    assert_true(cdb_valid_ssh_keys(""));
    assert_true(cdb_valid_ssh_keys(NULL));
    assert_true(cdb_valid_ssh_keys(KEY_ED25519));
    assert_true(cdb_valid_ssh_keys(KEY_ED25519 " a\n" KEY_RSA " b\n"));
    assert_true(cdb_valid_ssh_keys(KEY_ED25519 "\n\n" KEY_SK_ECDSA));
    assert_false(cdb_valid_ssh_keys(KEY_ED25519 "\nnot a key"));
    assert_false(cdb_valid_ssh_keys(KEY_ED25519 "\r\n" KEY_RSA));
}

static void test_network(void **state)
{
    (void)state;
    assert_true(cdb_valid_ipv4("192.168.1.10"));
    assert_true(cdb_valid_ipv4("0.0.0.0"));
    assert_true(cdb_valid_ipv4("255.255.255.255"));
    assert_false(cdb_valid_ipv4("256.1.1.1"));
    assert_false(cdb_valid_ipv4("1.2.3"));
    assert_false(cdb_valid_ipv4("1.2.3.4.5"));
    assert_false(cdb_valid_ipv4("01.2.3.4"));
    assert_false(cdb_valid_ipv4("1.2.3.4 "));
    assert_false(cdb_valid_ipv4("1..3.4"));
    assert_false(cdb_valid_ipv4("1.2.3.1000"));
    assert_false(cdb_valid_ipv4(""));
    assert_false(cdb_valid_ipv4(NULL));
    assert_true(cdb_valid_mac("bc:24:11:AB:cd:0f"));
    assert_false(cdb_valid_mac("bc:24:11:ab:cd"));
    assert_false(cdb_valid_mac("bc-24-11-ab-cd-0f"));
    assert_false(cdb_valid_mac("bc:24:11:ab:cd:0g"));
    assert_false(cdb_valid_mac("bc:24:11:ab:cd:0f:00"));
    assert_false(cdb_valid_mac(NULL));
    assert_true(cdb_valid_port(1));
    assert_true(cdb_valid_port(65535));
    assert_false(cdb_valid_port(0));
    assert_false(cdb_valid_port(65536));
    assert_false(cdb_valid_port(-1));
    assert_false(cdb_valid_port(INT64_MAX));
    assert_true(cdb_valid_hostname("web01"));
    assert_true(cdb_valid_hostname("web-01.cluster.internal"));
    assert_false(cdb_valid_hostname("-web"));
    assert_false(cdb_valid_hostname("web-"));
    assert_false(cdb_valid_hostname("web_01"));
    assert_false(cdb_valid_hostname("web..x"));
    assert_false(cdb_valid_hostname(""));
    assert_false(cdb_valid_hostname(NULL));
    char label[80];
    memset(label, 'a', 63);
    label[63] = '\0';
    assert_true(cdb_valid_hostname(label));
    memset(label, 'a', 64);
    label[64] = '\0';
    assert_false(cdb_valid_hostname(label));
    assert_true(cdb_valid_domain("cluster.internal"));
    assert_false(cdb_valid_domain("internal"));
    assert_false(cdb_valid_domain("cluster.internal."));
    assert_false(cdb_valid_domain("clu ster.internal"));
    char *big = huge_string('a');
    big[100] = '.';
    assert_false(cdb_valid_domain(big));
    assert_false(cdb_valid_hostname(big));
    free(big);
}

static void test_url(void **state)
{
    (void)state;
    assert_true(cdb_valid_url("https://pve1.example.com:8006"));
    assert_true(cdb_valid_url("https://10.0.0.5:8006/api2/json"));
    assert_true(cdb_valid_url("http://localhost:3000"));
    assert_true(cdb_valid_url("http://[::1]:3000/x?y=1"));
    assert_false(cdb_valid_url("ftp://example.com"));
    assert_false(cdb_valid_url("https://"));
    assert_false(cdb_valid_url("https://:8006"));
    assert_false(cdb_valid_url("https://example.com:0"));
    assert_false(cdb_valid_url("https://example.com:65536"));
    assert_false(cdb_valid_url("https://example.com/a b"));
    assert_false(cdb_valid_url("https://user@example.com"));
    assert_false(cdb_valid_url("https://exa mple.com"));
    assert_false(cdb_valid_url("https://example.com/\n"));
    assert_false(cdb_valid_url("example.com"));
    assert_false(cdb_valid_url(NULL));
    char *big = huge_string('a');
    memcpy(big, "https://example.com/", 20);
    assert_false(cdb_valid_url(big));
    free(big);
}

/* Random and mutated input through every validator: each answers 0 or 1
 * and never reads out of bounds (the sanitizers watch). */
static void test_random_input(void **state)
{
    static const char *const seeds[] = {
        KEY_ED25519 " c", KEY_RSA, KEY_SK_ECDSA, "alice@example.com", "https://h.example:1/x",
        "10.0.0.1", "bc:24:11:ab:cd:0f", "web-01.cluster.internal", "Zo\xc3\xab \xf0\x9f\x99\x82",
    };
    char buf[1200];
    unsigned seed = 12345;
    int i;

    (void)state;
    for (i = 0; i < 20000; i++) {
        size_t len, k;
        if (i % 2 == 0) {
            const char *base = seeds[(unsigned)i / 2 % (sizeof seeds / sizeof seeds[0])];
            len = strlen(base);
            memcpy(buf, base, len + 1);
            /* Flip, cut or insert a few bytes. */
            for (k = 0; k < 3 && len > 0; k++) {
                seed = seed * 1103515245u + 12345u;
                size_t at = (seed >> 8) % len;
                switch ((seed >> 4) % 3) {
                case 0: buf[at] = (char)(seed >> 16); break;
                case 1: buf[at] = '\0'; break;
                default: buf[at] = "= /@.:-\n\t\xff"[(seed >> 16) % 11]; break;
                }
            }
            buf[len] = '\0';
        } else {
            seed = seed * 1103515245u + 12345u;
            len = (seed >> 8) % 64;
            for (k = 0; k < len; k++) {
                seed = seed * 1103515245u + 12345u;
                buf[k] = (char)((seed >> 16) | 1); /* no NUL inside */
            }
            buf[len] = '\0';
        }
        assert_true(cdb_valid_username(buf) <= 1);
        assert_true(cdb_valid_mail(buf) <= 1);
        assert_true(cdb_valid_ssh_key(buf) <= 1);
        assert_true(cdb_valid_ssh_keys(buf) <= 1);
        assert_true(cdb_valid_ipv4(buf) <= 1);
        assert_true(cdb_valid_mac(buf) <= 1);
        assert_true(cdb_valid_hostname(buf) <= 1);
        assert_true(cdb_valid_domain(buf) <= 1);
        assert_true(cdb_valid_text(buf, 64) <= 1);
        assert_true(cdb_valid_url(buf) <= 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_username), cmocka_unit_test(test_mail),
        cmocka_unit_test(test_text),     cmocka_unit_test(test_ssh_key),
        cmocka_unit_test(test_ssh_keys), cmocka_unit_test(test_network),
        cmocka_unit_test(test_url),      cmocka_unit_test(test_random_input),
    };
    return cmocka_run_group_tests_name("validate", tests, NULL, NULL);
}
