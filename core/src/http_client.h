/*
 * The HTTP plumbing shared by the Proxmox VE client (pve.c) and the
 * push-notification client (notify.c): one libcurl easy handle per caller,
 * timeouts and TLS verification always set, a bounded response buffer.
 * Internal to core; not installed.
 *
 * Threads: cdb_http_init_once() must have run before a second thread uses
 * libcurl (curl_global_init is not thread-safe); a cdb_http_conn is used by
 * one thread at a time.
 */
#ifndef CLUSTERDB_HTTP_CLIENT_H
#define CLUSTERDB_HTTP_CLIENT_H

#include <stddef.h>

#include <curl/curl.h>

/* Runs curl_global_init exactly once per process (pthread_once).
 * Returns 0 or CDB_ERR_INTERNAL when libcurl cannot initialise. */
int cdb_http_init_once(void);

#define CDB_HTTP_DEFAULT_MAX_RESPONSE (4u * 1024u * 1024u)

typedef struct cdb_http_settings {
    long connect_timeout_ms;   /* > 0 */
    long total_timeout_ms;     /* > 0: the whole transfer, name lookup included */
    size_t max_response_bytes; /* > 0: a longer body fails the request */
    int verify_tls;            /* 0 only when the operator disabled verification */
    const char *ca_file;       /* optional CA bundle used instead of the system's */
} cdb_http_settings;

typedef struct cdb_http_conn cdb_http_conn;

/* A connection (easy handle) with the settings copied in.  NULL on ENOMEM. */
cdb_http_conn *cdb_http_conn_new(const cdb_http_settings *settings);
void cdb_http_conn_free(cdb_http_conn *conn);

typedef struct cdb_http_response {
    long status;      /* HTTP status, 0 when no response arrived */
    char reason[256]; /* the status line's reason phrase (Proxmox puts its error there) */
    char *body;       /* NUL-terminated, malloc'd; may be empty, never NULL on success */
    size_t body_len;
} cdb_http_response;

void cdb_http_response_clear(cdb_http_response *response);

/*
 * Perform one request.  method is GET, POST, PUT or DELETE; body (may be
 * NULL) is sent with the given content type (POST/PUT only).  headers are
 * extra "Name: value" lines (NULL-terminated array, may be NULL); cookie is
 * a raw Cookie header value or NULL.
 * Returns 0 when an HTTP response arrived (whatever its status) and fills
 * *response; otherwise CDB_ERR_IO (connect failure, TLS failure, timeout,
 * response too large) with a message in errbuf.  The message names the
 * failure, never the headers, cookie or body.
 */
int cdb_http_perform(cdb_http_conn *conn, const char *method, const char *url,
                     const char *const *headers, const char *cookie,
                     const char *content_type, const char *body, size_t body_len,
                     cdb_http_response *response, char *errbuf, size_t errlen);

/* Replace every occurrence of each non-empty secret in text (in place) by
 * "***" (the text can only shrink or keep its length when a secret is at
 * least 3 bytes long; shorter secrets are replaced by '*' per byte). */
void cdb_http_scrub(char *text, const char *const *secrets, size_t n_secrets);

#endif
