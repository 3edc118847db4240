/* HTTP plumbing for the Proxmox VE and push-notification clients (see http_client.h). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "http_client.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <clusterdb/clusterdb.h>

struct cdb_http_conn {
    CURL *curl;
    cdb_http_settings settings;
    char *ca_file;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_init_run(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int cdb_http_init_once(void)
{
    pthread_once(&curl_once, curl_init_run);
    return curl_init_result == CURLE_OK ? CDB_OK : CDB_ERR_INTERNAL;
}

cdb_http_conn *cdb_http_conn_new(const cdb_http_settings *settings)
{
    cdb_http_conn *conn = NULL;

    if (cdb_http_init_once() != CDB_OK)
        return NULL;
    conn = calloc(1, sizeof(*conn));
    if (conn == NULL)
        return NULL;
    conn->settings = *settings;
    if (settings->ca_file != NULL && settings->ca_file[0] != '\0') {
        conn->ca_file = strdup(settings->ca_file);
        if (conn->ca_file == NULL)
            goto fail;
    }
    conn->settings.ca_file = conn->ca_file;
    conn->curl = curl_easy_init();
    if (conn->curl == NULL)
        goto fail;
    return conn;
fail:
    cdb_http_conn_free(conn);
    return NULL;
}

void cdb_http_conn_free(cdb_http_conn *conn)
{
    if (conn == NULL)
        return;
    if (conn->curl != NULL)
        curl_easy_cleanup(conn->curl);
    free(conn->ca_file);
    free(conn);
}

void cdb_http_response_clear(cdb_http_response *response)
{
    if (response == NULL)
        return;
    free(response->body);
    memset(response, 0, sizeof(*response));
}

struct body_sink {
    char *data;
    size_t len;
    size_t cap;
    size_t limit;
    int overflow;
    int nomem;
};

static size_t body_write(char *chunk, size_t size, size_t nmemb, void *userdata)
{
    struct body_sink *sink = userdata;
    size_t n = size * nmemb;

    if (n > sink->limit - sink->len) {
        /* Returning less than n aborts the transfer: the bound holds
         * whatever the server sends. */
        sink->overflow = 1;
        return 0;
    }
    if (sink->len + n + 1 > sink->cap) {
        size_t cap = sink->cap ? sink->cap : 4096;
        char *grown;
        while (cap < sink->len + n + 1)
            cap *= 2;
        grown = realloc(sink->data, cap);
        if (grown == NULL) {
            sink->nomem = 1;
            return 0;
        }
        sink->data = grown;
        sink->cap = cap;
    }
    memcpy(sink->data + sink->len, chunk, n);
    sink->len += n;
    sink->data[sink->len] = '\0';
    return n;
}

struct header_sink {
    char reason[256];
};

/* Keep the reason phrase of the last status line (after a 100 Continue the
 * final one wins). */
static size_t header_write(char *line, size_t size, size_t nitems, void *userdata)
{
    struct header_sink *sink = userdata;
    size_t n = size * nitems;
    size_t i = 0, spaces = 0, start, end;

    if (n < 5 || strncmp(line, "HTTP/", 5) != 0)
        return n;
    /* "HTTP/1.1 500 reason words\r\n": the reason starts after the second space. */
    while (i < n && spaces < 2) {
        if (line[i] == ' ')
            spaces++;
        i++;
    }
    start = i;
    end = n;
    while (end > start && (line[end - 1] == '\r' || line[end - 1] == '\n'))
        end--;
    if (spaces < 2)
        start = end;
    if (end - start >= sizeof(sink->reason))
        end = start + sizeof(sink->reason) - 1;
    memcpy(sink->reason, line + start, end - start);
    sink->reason[end - start] = '\0';
    return n;
}

#define SET(option, value)                                               \
    do {                                                                 \
        if ((rc = curl_easy_setopt(curl, option, value)) != CURLE_OK)    \
            goto curl_failed;                                            \
    } while (0)

int cdb_http_perform(cdb_http_conn *conn, const char *method, const char *url,
                     const char *const *headers, const char *cookie,
                     const char *content_type, const char *body, size_t body_len,
                     cdb_http_response *response, char *errbuf, size_t errlen)
{
    CURL *curl = conn->curl;
    struct curl_slist *header_list = NULL;
    struct body_sink sink = {.limit = conn->settings.max_response_bytes};
    struct header_sink hsink = {{0}};
    char curl_error[CURL_ERROR_SIZE] = "";
    char content_header[128];
    CURLcode rc = CURLE_OK;
    long status = 0;
    int result = CDB_ERR_IO;
    int is_get = strcmp(method, "GET") == 0;

    /* A reset keeps the connection cache (keep-alive, TLS sessions) but
     * forgets every option of the previous request. */
    curl_easy_reset(curl);
    SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    SET(CURLOPT_NOSIGNAL, 1L); /* timeouts must not use SIGALRM in threaded programs */
    SET(CURLOPT_CONNECTTIMEOUT_MS, conn->settings.connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, conn->settings.total_timeout_ms);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_SSL_VERIFYPEER, conn->settings.verify_tls ? 1L : 0L);
    SET(CURLOPT_SSL_VERIFYHOST, conn->settings.verify_tls ? 2L : 0L);
    if (conn->settings.ca_file != NULL)
        SET(CURLOPT_CAINFO, conn->settings.ca_file);
    SET(CURLOPT_ERRORBUFFER, curl_error);
    SET(CURLOPT_WRITEFUNCTION, body_write);
    SET(CURLOPT_WRITEDATA, &sink);
    SET(CURLOPT_HEADERFUNCTION, header_write);
    SET(CURLOPT_HEADERDATA, &hsink);
    SET(CURLOPT_USERAGENT, "clusterdb/" PACKAGE_VERSION);
    if (conn->settings.max_response_bytes <= (size_t)0x7fffffff)
        SET(CURLOPT_MAXFILESIZE, (long)conn->settings.max_response_bytes);

    if (is_get) {
        SET(CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
        SET(CURLOPT_COPYPOSTFIELDS, body ? body : "");
        if (strcmp(method, "PUT") == 0)
            SET(CURLOPT_CUSTOMREQUEST, "PUT");
        snprintf(content_header, sizeof(content_header), "Content-Type: %s",
                 content_type ? content_type : "application/x-www-form-urlencoded");
        header_list = curl_slist_append(header_list, content_header);
        if (header_list == NULL)
            goto nomem;
        /* No "Expect: 100-continue" round trip for our small bodies. */
        if ((header_list = curl_slist_append(header_list, "Expect:")) == NULL)
            goto nomem;
    } else {
        /* DELETE carries its parameters in the query string (Proxmox refuses
         * a body on DELETE). */
        SET(CURLOPT_CUSTOMREQUEST, method);
    }
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
        struct curl_slist *next = curl_slist_append(header_list, headers[i]);
        if (next == NULL)
            goto nomem;
        header_list = next;
    }
    if (header_list != NULL)
        SET(CURLOPT_HTTPHEADER, header_list);
    if (cookie != NULL)
        SET(CURLOPT_COOKIE, cookie);

    rc = curl_easy_perform(curl);
    if (sink.nomem) {
        result = CDB_ERR_NOMEM;
        snprintf(errbuf, errlen, "out of memory reading the response");
        goto done;
    }
    if (sink.overflow || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(errbuf, errlen, "response larger than %zu bytes", sink.limit);
        goto done;
    }
    if (rc != CURLE_OK) {
        if (rc == CURLE_OPERATION_TIMEDOUT)
            snprintf(errbuf, errlen, "timed out after %ld ms", conn->settings.total_timeout_ms);
        else
            snprintf(errbuf, errlen, "%s", curl_error[0] ? curl_error : curl_easy_strerror(rc));
        goto done;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    memset(response, 0, sizeof(*response));
    response->status = status;
    memcpy(response->reason, hsink.reason, sizeof(response->reason));
    if (sink.data == NULL) {
        sink.data = calloc(1, 1);
        if (sink.data == NULL)
            goto nomem;
    }
    response->body = sink.data;
    response->body_len = sink.len;
    sink.data = NULL;
    result = CDB_OK;
    goto done;

curl_failed:
    snprintf(errbuf, errlen, "cannot set up the request: %s", curl_easy_strerror(rc));
    result = CDB_ERR_INTERNAL;
    goto done;
nomem:
    snprintf(errbuf, errlen, "out of memory");
    result = CDB_ERR_NOMEM;
done:
    /* The handle must not keep pointers to our stack past this call. */
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(header_list);
    free(sink.data);
    return result;
}

#undef SET

void cdb_http_scrub(char *text, const char *const *secrets, size_t n_secrets)
{
    if (text == NULL)
        return;
    for (size_t s = 0; s < n_secrets; s++) {
        const char *secret = secrets[s];
        size_t len, mask_len;
        char *hit;

        if (secret == NULL || secret[0] == '\0')
            continue;
        char *cursor = text;

        len = strlen(secret);
        mask_len = len >= 3 ? 3 : len;
        /* Search on after each mask so a secret made of '*' cannot loop. */
        while ((hit = strstr(cursor, secret)) != NULL) {
            memset(hit, '*', mask_len);
            memmove(hit + mask_len, hit + len, strlen(hit + len) + 1);
            cursor = hit + mask_len;
        }
    }
}
