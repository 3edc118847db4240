/* The installed certificates of the external domains (cert.h). */
#define _GNU_SOURCE /* timegm */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cert.h"
#include "render.h"

static int domain_path(char *buf, size_t size, const char *tls_dir, const char *domain,
                       const char *file)
{
    int n = file ? snprintf(buf, size, "%s/%s/%s", tls_dir, domain, file)
                 : snprintf(buf, size, "%s/%s", tls_dir, domain);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int describe(X509 *cert, struct installed_certificate *out)
{
    const ASN1_TIME *not_after = X509_get0_notAfter(cert);
    BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *hex = serial ? BN_bn2hex(serial) : NULL;
    struct tm tm;
    int ok = not_after != NULL && ASN1_TIME_to_tm(not_after, &tm) == 1 && hex != NULL &&
             strlen(hex) < sizeof(out->serial);

    if (ok) {
        out->not_after = timegm(&tm);
        strftime(out->not_after_text, sizeof(out->not_after_text), "%Y-%m-%dT%H:%M:%SZ", &tm);
        strcpy(out->serial, hex);
    }
    OPENSSL_free(hex);
    BN_free(serial);
    return ok ? 0 : -1;
}

int certificate_installed(const char *tls_dir, const char *domain, struct installed_certificate *out)
{
    char chain_path[4096], key_path[4096];
    FILE *f;
    X509 *cert;
    int rc;

    if (domain_path(chain_path, sizeof(chain_path), tls_dir, domain, "fullchain.pem") != 0 ||
        domain_path(key_path, sizeof(key_path), tls_dir, domain, "privkey.pem") != 0)
        return -1;
    if (access(chain_path, F_OK) != 0 && errno == ENOENT)
        return 0;
    if (access(key_path, F_OK) != 0 && errno == ENOENT)
        return 0;
    if (access(key_path, R_OK) != 0 || (f = fopen(chain_path, "r")) == NULL)
        return -1;
    cert = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    rc = cert != NULL && describe(cert, out) == 0 ? 1 : -1;
    X509_free(cert);
    return rc;
}

static int ensure_dir(const char *path, mode_t mode)
{
    struct stat st;
    if (mkdir(path, mode) == 0)
        return 0;
    return errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

int certificate_install(const char *tls_dir, const char *domain, const char *chain,
                        size_t chain_len, const char *key, size_t key_len, char *why, size_t why_size)
{
    char dir[4096], chain_path[4096], key_path[4096];

    if (!render_safe(domain) || domain_path(dir, sizeof(dir), tls_dir, domain, NULL) != 0 ||
        domain_path(chain_path, sizeof(chain_path), tls_dir, domain, "fullchain.pem") != 0 ||
        domain_path(key_path, sizeof(key_path), tls_dir, domain, "privkey.pem") != 0) {
        snprintf(why, why_size, "no usable path for the certificate of %s", domain);
        return -1;
    }
    if (ensure_dir(tls_dir, 0755) != 0 || ensure_dir(dir, 0755) != 0) {
        snprintf(why, why_size, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    /* The key first: until the chain follows, nginx keeps the old pair it
     * loaded (it re-reads both only when the daemon reloads it). */
    if (install_file_atomically(key_path, key, key_len, 0600) != 0) {
        snprintf(why, why_size, "cannot write %s: %s", key_path, strerror(errno));
        return -1;
    }
    if (install_file_atomically(chain_path, chain, chain_len, 0644) != 0) {
        snprintf(why, why_size, "cannot write %s: %s", chain_path, strerror(errno));
        return -1;
    }
    return 0;
}
