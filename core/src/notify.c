/* The push-notification second factor (see clusterdb/notify.h). */
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <clusterdb/notify.h>
#include <clusterdb/settings.h>

#include "http_client.h"
#include "internal.h"

/* The push service holds small answers; anything bigger is not one. */
#define NOTIFY_MAX_RESPONSE (64u * 1024u)
#define NOTIFY_MAX_CONNECT_MS 5000L

static atomic_uint max_waiters = CDB_NOTIFY_DEFAULT_MAX_WAITERS;
static atomic_uint max_waiters_per_user = CDB_NOTIFY_DEFAULT_MAX_WAITERS_PER_USER;
static atomic_uint waiters;
static atomic_long default_timeout_ms = CDB_NOTIFY_DEFAULT_TIMEOUT_MS;

void cdb_notify_set_timeout(long milliseconds)
{
    atomic_store(&default_timeout_ms, milliseconds > 0 ? milliseconds : CDB_NOTIFY_DEFAULT_TIMEOUT_MS);
}

/* Who is waiting, so that one user cannot take every place: one entry per
 * waiting request (at most max_waiters), under waiting_lock. */
struct waiting_request {
    struct waiting_request *next;
    char username[];
};
static pthread_mutex_t waiting_lock = PTHREAD_MUTEX_INITIALIZER;
static struct waiting_request *waiting;

/* Take a place for username; 0 and a reason when the total or the user's
 * bound is reached. */
static struct waiting_request *reserve(const char *username, char *reason, size_t reason_len);
static void release(struct waiting_request *place);

const char *cdb_notify_result_name(cdb_notify_result result)
{
    switch (result) {
    case CDB_NOTIFY_APPROVED: return "approved";
    case CDB_NOTIFY_REJECTED: return "rejected";
    case CDB_NOTIFY_TIMED_OUT: return "timed out";
    case CDB_NOTIFY_ERROR: return "error";
    case CDB_NOTIFY_BUSY: return "busy";
    }
    return "error";
}

int cdb_notify_global_init(void)
{
    return cdb_http_init_once();
}

void cdb_notify_set_max_waiters(unsigned n)
{
    atomic_store(&max_waiters, n ? n : CDB_NOTIFY_DEFAULT_MAX_WAITERS);
}

void cdb_notify_set_max_waiters_per_user(unsigned n)
{
    atomic_store(&max_waiters_per_user, n ? n : CDB_NOTIFY_DEFAULT_MAX_WAITERS_PER_USER);
}

unsigned cdb_notify_waiters(void)
{
    return atomic_load(&waiters);
}

static void say(char *reason, size_t reason_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(char *reason, size_t reason_len, const char *fmt, ...)
{
    va_list ap;
    if (reason == NULL || reason_len == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(reason, reason_len, fmt, ap);
    va_end(ap);
}

static struct waiting_request *reserve(const char *username, char *reason, size_t reason_len)
{
    size_t len = strlen(username);
    struct waiting_request *place = malloc(sizeof *place + len + 1);
    unsigned total = 0, mine = 0;

    if (place == NULL) {
        say(reason, reason_len, "out of memory");
        return NULL;
    }
    memcpy(place->username, username, len + 1);
    pthread_mutex_lock(&waiting_lock);
    for (const struct waiting_request *w = waiting; w != NULL; w = w->next) {
        total++;
        /* user names compare without regard to case, as the store's */
        if (strcasecmp(w->username, username) == 0)
            mine++;
    }
    if (total >= atomic_load(&max_waiters) || mine >= atomic_load(&max_waiters_per_user)) {
        pthread_mutex_unlock(&waiting_lock);
        say(reason, reason_len, "%s",
            total >= atomic_load(&max_waiters) ? "too many push requests waiting already"
                                                : "too many push requests of this user waiting already");
        free(place);
        return NULL;
    }
    place->next = waiting;
    waiting = place;
    atomic_fetch_add(&waiters, 1);
    pthread_mutex_unlock(&waiting_lock);
    return place;
}

static void release(struct waiting_request *place)
{
    pthread_mutex_lock(&waiting_lock);
    for (struct waiting_request **w = &waiting; *w != NULL; w = &(*w)->next) {
        if (*w == place) {
            *w = place->next;
            break;
        }
    }
    atomic_fetch_sub(&waiters, 1);
    pthread_mutex_unlock(&waiting_lock);
    free(place);
}

static char *request_json(const cdb_notify_request *request)
{
    char default_body[512];
    const char *body = request->body;
    json_t *root;
    char *text;

    if (body == NULL) {
        snprintf(default_body, sizeof(default_body), "Approve the login of %s?", request->username);
        body = default_body;
    }
    root = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}]}",
                     "username", request->username,
                     "title", CDB_NOTIFY_TITLE,
                     "body", body,
                     "actions",
                     "icon", "approve", "title", "Approve", "callback", "approve",
                     "icon", "reject", "title", "Reject", "callback", "reject");
    if (root == NULL)
        return NULL;
    text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return text;
}

/* Read the answer: exactly {"success": true, "action": "approve"} grants. */
static cdb_notify_result judge(const cdb_http_response *response, char *reason, size_t reason_len)
{
    json_t *root, *success, *action;
    json_error_t jerr;
    cdb_notify_result result = CDB_NOTIFY_ERROR;

    if (response->status < 200 || response->status > 299) {
        say(reason, reason_len, "push service answered HTTP %ld", response->status);
        return CDB_NOTIFY_ERROR;
    }
    root = json_loadb(response->body, response->body_len, 0, &jerr);
    if (!json_is_object(root)) {
        say(reason, reason_len, "push service answer is not a JSON object");
        goto done;
    }
    success = json_object_get(root, "success");
    action = json_object_get(root, "action");
    if (!json_is_true(success)) {
        say(reason, reason_len, "push service reported no success");
        goto done;
    }
    if (!json_is_string(action)) {
        say(reason, reason_len, "push service answer has no action");
        goto done;
    }
    if (strcmp(json_string_value(action), "approve") == 0) {
        result = CDB_NOTIFY_APPROVED;
        say(reason, reason_len, "approved");
    } else if (strcmp(json_string_value(action), "reject") == 0) {
        result = CDB_NOTIFY_REJECTED;
        say(reason, reason_len, "rejected by the user");
    } else if (strcmp(json_string_value(action), "timeout") == 0) {
        result = CDB_NOTIFY_TIMED_OUT;
        say(reason, reason_len, "nobody answered the push request");
    } else {
        say(reason, reason_len, "push service answered an unknown action");
    }
done:
    json_decref(root);
    return result;
}

cdb_notify_result cdb_notify_ask(const cdb_notify_request *request, char *reason,
                                 size_t reason_len)
{
    cdb_http_settings settings = {0};
    cdb_http_conn *conn = NULL;
    cdb_http_response response = {0};
    char errbuf[CURL_ERROR_SIZE + 64];
    char *url = NULL, *body = NULL;
    const char *headers[] = {"Accept: application/json", NULL};
    cdb_notify_result result = CDB_NOTIFY_ERROR;
    struct waiting_request *place;
    size_t url_len;
    long timeout_ms;

    if (reason != NULL && reason_len > 0)
        reason[0] = '\0';
    if (request == NULL || request->url == NULL || request->username == NULL ||
        request->username[0] == '\0' ||
        (strncmp(request->url, "https://", 8) != 0 && strncmp(request->url, "http://", 7) != 0)) {
        say(reason, reason_len, "push notification URL or user name missing or not http(s)");
        return CDB_NOTIFY_ERROR;
    }
    /* Reserve a place first: past a bound, deny without sending anything. */
    place = reserve(request->username, reason, reason_len);
    if (place == NULL)
        return CDB_NOTIFY_BUSY;

    timeout_ms = request->timeout_ms > 0 ? request->timeout_ms : atomic_load(&default_timeout_ms);
    settings.total_timeout_ms = timeout_ms;
    settings.connect_timeout_ms = timeout_ms < NOTIFY_MAX_CONNECT_MS ? timeout_ms : NOTIFY_MAX_CONNECT_MS;
    settings.max_response_bytes = NOTIFY_MAX_RESPONSE;
    settings.verify_tls = 1;
    settings.ca_file = request->ca_file;

    url_len = strlen(request->url);
    while (url_len > 0 && request->url[url_len - 1] == '/')
        url_len--;
    url = malloc(url_len + sizeof("/send-notification"));
    body = request_json(request);
    if (url == NULL || body == NULL) {
        say(reason, reason_len, "out of memory");
        goto done;
    }
    memcpy(url, request->url, url_len);
    memcpy(url + url_len, "/send-notification", sizeof("/send-notification"));

    conn = cdb_http_conn_new(&settings);
    if (conn == NULL) {
        say(reason, reason_len, "cannot start an HTTP client");
        goto done;
    }
    if (cdb_http_perform(conn, "POST", url, headers, NULL, "application/json", body, strlen(body),
                         &response, errbuf, sizeof(errbuf)) != CDB_OK) {
        say(reason, reason_len, "push service unreachable: %s", errbuf);
        goto done;
    }
    result = judge(&response, reason, reason_len);
done:
    cdb_http_response_clear(&response);
    cdb_http_conn_free(conn);
    free(url);
    free(body);
    release(place);
    return result;
}

int cdb_notify_second_factor(cdb *db, const char *username, const char *client,
                             long timeout_ms, cdb_notify_result *result_out)
{
    char *enabled = NULL, *url = NULL;
    char body[512], reason[256];
    cdb_notify_request request = {0};
    cdb_notify_result result;
    int rc;

    rc = cdb_setting_get(db, CDB_SETTING_PUSH_ENABLED, &enabled);
    if (rc == CDB_ERR_NOTFOUND || (rc == CDB_OK && strcmp(enabled, "true") != 0)) {
        rc = CDB_OK; /* the second factor is off */
        goto done;
    }
    if (rc != CDB_OK)
        goto done;
    rc = cdb_setting_get(db, CDB_SETTING_PUSH_URL, &url);
    if (rc == CDB_ERR_NOTFOUND || (rc == CDB_OK && url[0] == '\0')) {
        /* Enabled without a URL: fail closed. */
        rc = cdb_fail(db, CDB_ERR_DENIED, NULL,
                      "push notification is enabled but push_notification_url is empty");
        goto done;
    }
    if (rc != CDB_OK)
        goto done;

    if (client != NULL && client[0] != '\0')
        snprintf(body, sizeof(body), "Approve the login of %s from %s?", username, client);
    else
        snprintf(body, sizeof(body), "Approve the login of %s?", username);
    request.url = url;
    request.username = username;
    request.body = body;
    request.timeout_ms = timeout_ms;
    result = cdb_notify_ask(&request, reason, sizeof(reason));
    if (result_out != NULL)
        *result_out = result;
    if (result == CDB_NOTIFY_APPROVED)
        rc = CDB_OK;
    else
        rc = cdb_fail(db, CDB_ERR_DENIED, NULL, "push second factor for %s: %s", username, reason);
done:
    free(enabled);
    free(url);
    return rc;
}
