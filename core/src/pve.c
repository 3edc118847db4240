/* The Proxmox VE API client (see clusterdb/pve.h): the HTTP exchange, login
 * and the calls; what is read out of the answers is in pve_parse.c. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <clusterdb/pve.h>

#include "http_client.h"
#include "internal.h"
#include "pve_parse.h"

#define PVE_DEFAULT_CONNECT_MS 10000L
#define PVE_DEFAULT_REQUEST_MS 60000L
#define PVE_DEFAULT_POLL_MS 500L
#define PVE_DEFAULT_WAIT_MS (10L * 60L * 1000L)

struct cdb_pve {
    char *base_url; /* <apiUrl>/api2/json */
    char *node;
    char *user;     /* token id (user@realm!tokenid) or user name */
    char *secret;   /* token secret or password */
    int token_mode;
    char *ticket;   /* PVEAuthCookie value, password mode */
    char *csrf;     /* CSRFPreventionToken, password mode */
    cdb_http_conn *conn;
    const volatile sig_atomic_t *cancel;
    void (*on_poll)(void *arg);
    void *on_poll_arg;
    long last_status;
    char errmsg[1024];
};

/* ---- errors ---------------------------------------------------------- */

static void scrub_errmsg(cdb_pve *pve)
{
    const char *secrets[] = {pve->secret, pve->ticket, pve->csrf};
    cdb_http_scrub(pve->errmsg, secrets, sizeof(secrets) / sizeof(secrets[0]));
}

static int pve_fail(cdb_pve *pve, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int pve_fail(cdb_pve *pve, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pve->errmsg, sizeof(pve->errmsg), fmt, ap);
    va_end(ap);
    scrub_errmsg(pve);
    return status;
}

const char *cdb_pve_errmsg(const cdb_pve *pve)
{
    return pve ? pve->errmsg : "no client";
}

long cdb_pve_http_status(const cdb_pve *pve)
{
    return pve ? pve->last_status : 0;
}

/* ---- small helpers --------------------------------------------------- */

/* Percent-encode everything but RFC 3986 unreserved characters. */
static char *url_encode(const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(text);
    char *out = malloc(len * 3 + 1), *p = out;

    if (out == NULL)
        return NULL;
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        if (isalnum(*s) || *s == '-' || *s == '.' || *s == '_' || *s == '~') {
            *p++ = (char)*s;
        } else {
            *p++ = '%';
            *p++ = hex[*s >> 4];
            *p++ = hex[*s & 15];
        }
    }
    *p = '\0';
    return out;
}

/* A growing string for form bodies and paths. */
struct strbuf {
    char *data;
    size_t len, cap;
    int nomem;
};

static void sb_append(struct strbuf *sb, const char *text)
{
    size_t n = strlen(text);
    if (sb->nomem)
        return;
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap * 2 : 256;
        char *grown;
        while (cap < sb->len + n + 1)
            cap *= 2;
        grown = realloc(sb->data, cap);
        if (grown == NULL) {
            sb->nomem = 1;
            return;
        }
        sb->data = grown;
        sb->cap = cap;
    }
    memcpy(sb->data + sb->len, text, n + 1);
    sb->len += n;
}

static void sb_append_encoded(struct strbuf *sb, const char *text)
{
    char *encoded = url_encode(text);
    if (encoded == NULL) {
        sb->nomem = 1;
        return;
    }
    sb_append(sb, encoded);
    free(encoded);
}

/* key=value&... with both sides encoded. */
static void sb_form_field(struct strbuf *sb, const char *key, const char *value)
{
    if (sb->len > 0)
        sb_append(sb, "&");
    sb_append_encoded(sb, key);
    sb_append(sb, "=");
    sb_append_encoded(sb, value);
}

/* ---- life cycle ------------------------------------------------------ */

int cdb_pve_global_init(void)
{
    return cdb_http_init_once();
}

static int bad_option(char *errbuf, size_t errlen, const char *what)
{
    if (errbuf != NULL && errlen > 0)
        snprintf(errbuf, errlen, "Proxmox VE client: %s", what);
    return CDB_ERR_INVALID;
}

int cdb_pve_new(const cdb_pve_options *options, cdb_pve **out, char *errbuf, size_t errlen)
{
    cdb_pve *pve = NULL;
    cdb_http_settings settings = {0};
    size_t url_len;

    if (errbuf != NULL && errlen > 0)
        errbuf[0] = '\0';
    if (options == NULL || options->api_url == NULL ||
        (strncmp(options->api_url, "https://", 8) != 0 &&
         strncmp(options->api_url, "http://", 7) != 0))
        return bad_option(errbuf, errlen, "apiUrl must start with https:// or http://");
    if (options->node == NULL || options->node[0] == '\0')
        return bad_option(errbuf, errlen, "the node name is missing");
    if (options->token_id_or_username == NULL || options->token_id_or_username[0] == '\0' ||
        options->secret_or_password == NULL || options->secret_or_password[0] == '\0')
        return bad_option(errbuf, errlen, "the API token or user name and its secret are required");

    pve = calloc(1, sizeof(*pve));
    if (pve == NULL)
        goto nomem;
    url_len = strlen(options->api_url);
    while (url_len > 0 && options->api_url[url_len - 1] == '/')
        url_len--;
    pve->base_url = malloc(url_len + sizeof("/api2/json"));
    if (pve->base_url == NULL)
        goto nomem;
    memcpy(pve->base_url, options->api_url, url_len);
    memcpy(pve->base_url + url_len, "/api2/json", sizeof("/api2/json"));
    pve->node = strdup(options->node);
    pve->user = strdup(options->token_id_or_username);
    pve->secret = strdup(options->secret_or_password);
    if (pve->node == NULL || pve->user == NULL || pve->secret == NULL)
        goto nomem;
    pve->token_mode = strchr(pve->user, '!') != NULL;
    pve->cancel = options->cancel;
    pve->on_poll = options->on_poll;
    pve->on_poll_arg = options->on_poll_arg;

    settings.connect_timeout_ms =
        options->connect_timeout_ms > 0 ? options->connect_timeout_ms : PVE_DEFAULT_CONNECT_MS;
    settings.total_timeout_ms =
        options->request_timeout_ms > 0 ? options->request_timeout_ms : PVE_DEFAULT_REQUEST_MS;
    settings.max_response_bytes =
        options->max_response_bytes > 0 ? options->max_response_bytes : CDB_HTTP_DEFAULT_MAX_RESPONSE;
    settings.verify_tls = !options->disable_tls_verification;
    settings.ca_file = options->ca_file;
    pve->conn = cdb_http_conn_new(&settings);
    if (pve->conn == NULL)
        goto nomem;
    *out = pve;
    return CDB_OK;
nomem:
    cdb_pve_free(pve);
    if (errbuf != NULL && errlen > 0)
        snprintf(errbuf, errlen, "Proxmox VE client: out of memory (or libcurl failed to start)");
    return CDB_ERR_NOMEM;
}

void cdb_pve_free(cdb_pve *pve)
{
    if (pve == NULL)
        return;
    cdb_http_conn_free(pve->conn);
    free(pve->base_url);
    free(pve->node);
    free(pve->user);
    cdb_free_secret(pve->secret);
    cdb_free_secret(pve->ticket);
    cdb_free_secret(pve->csrf);
    free(pve);
}

/* ---- requests -------------------------------------------------------- */

static int status_to_code(long status)
{
    if (status == 401 || status == 403)
        return CDB_ERR_DENIED;
    if (status == 404)
        return CDB_ERR_NOTFOUND;
    if (status == 400)
        return CDB_ERR_INVALID;
    return CDB_ERR_IO;
}

/* Turn a non-2xx answer into a message: the reason phrase (where Proxmox
 * puts the error), the body's "message" when it says more, and the
 * per-parameter "errors". */
static int fail_from_response(cdb_pve *pve, const char *method, const char *path,
                              const cdb_http_response *response, json_t *root)
{
    char detail[700] = "";
    size_t used = 0;
    json_t *errors = root ? json_object_get(root, "errors") : NULL;
    json_t *message = root ? json_object_get(root, "message") : NULL;

    if (json_is_string(message)) {
        const char *text = json_string_value(message);
        size_t n = strcspn(text, "\n");
        if (n > 0 && strncmp(text, response->reason, n) != 0)
            used += (size_t)snprintf(detail + used, sizeof(detail) - used, ": %.*s", (int)n, text);
    }
    if (json_is_object(errors)) {
        const char *key;
        json_t *value;
        json_object_foreach(errors, key, value) {
            if (used >= sizeof(detail) - 1)
                break;
            used += (size_t)snprintf(detail + used, sizeof(detail) - used, "; %s: %s", key,
                                     json_is_string(value) ? json_string_value(value) : "invalid");
        }
    }
    if (used >= sizeof(detail))
        used = sizeof(detail) - 1;
    /* Proxmox's messages end in "\n": keep one line. */
    for (char *p = detail; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return pve_fail(pve, status_to_code(response->status), "Proxmox VE %s %s: HTTP %ld %s%s",
                    method, path, response->status, response->reason, detail);
}

/*
 * One request without the login retry: method on base_url + path, with a
 * form body for POST/PUT.  On 2xx, *data_out gets the "data" member (new
 * reference, may be JSON null).
 */
static int request_once(cdb_pve *pve, const char *method, const char *path, const char *form,
                        json_t **data_out)
{
    cdb_http_response response = {0};
    char errbuf[CURL_ERROR_SIZE + 64];
    char auth_header[1024], csrf_header[512], cookie[1024];
    const char *headers[3] = {NULL, NULL, NULL};
    const char *cookie_value = NULL;
    struct strbuf url = {0};
    json_t *root = NULL, *data;
    json_error_t jerr;
    int rc;

    sb_append(&url, pve->base_url);
    sb_append(&url, path);
    if (url.nomem) {
        rc = pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (pve->token_mode) {
        int n = snprintf(auth_header, sizeof(auth_header), "Authorization: PVEAPIToken=%s=%s",
                         pve->user, pve->secret);
        if (n < 0 || (size_t)n >= sizeof(auth_header)) {
            rc = pve_fail(pve, CDB_ERR_INVALID, "the API token id and secret are too long");
            goto done;
        }
        headers[0] = auth_header;
    } else if (pve->ticket != NULL) {
        int n = snprintf(cookie, sizeof(cookie), "PVEAuthCookie=%s", pve->ticket);
        if (n < 0 || (size_t)n >= sizeof(cookie)) {
            rc = pve_fail(pve, CDB_ERR_INTERNAL, "the login ticket is too long");
            goto done;
        }
        cookie_value = cookie;
        if (strcmp(method, "GET") != 0 && pve->csrf != NULL) {
            n = snprintf(csrf_header, sizeof(csrf_header), "CSRFPreventionToken: %s", pve->csrf);
            if (n < 0 || (size_t)n >= sizeof(csrf_header)) {
                rc = pve_fail(pve, CDB_ERR_INTERNAL, "the CSRF token is too long");
                goto done;
            }
            headers[0] = csrf_header;
        }
    }

    rc = cdb_http_perform(pve->conn, method, url.data, headers, cookie_value,
                          "application/x-www-form-urlencoded", form, form ? strlen(form) : 0,
                          &response, errbuf, sizeof(errbuf));
    if (rc != CDB_OK) {
        pve->last_status = 0;
        rc = pve_fail(pve, rc, "Proxmox VE %s %s: %s", method, path, errbuf);
        goto done;
    }
    pve->last_status = response.status;
    if (response.body_len > 0)
        root = json_loadb(response.body, response.body_len, 0, &jerr);
    if (response.status < 200 || response.status > 299) {
        rc = fail_from_response(pve, method, path, &response, root);
        goto done;
    }
    if (!json_is_object(root)) {
        rc = pve_fail(pve, CDB_ERR_INTERNAL, "Proxmox VE %s %s: the answer is not a JSON object",
                      method, path);
        goto done;
    }
    data = json_object_get(root, "data");
    *data_out = data ? json_incref(data) : json_null();
    rc = CDB_OK;
done:
    /* The header buffers held the secret: do not leave it on the stack. */
    memset(auth_header, 0, sizeof(auth_header));
    memset(cookie, 0, sizeof(cookie));
    memset(csrf_header, 0, sizeof(csrf_header));
    json_decref(root);
    cdb_http_response_clear(&response);
    free(url.data);
    return rc;
}

int cdb_pve_login(cdb_pve *pve)
{
    struct strbuf form = {0};
    json_t *data = NULL, *ticket, *csrf;
    int rc;

    if (pve->token_mode)
        return CDB_OK;
    cdb_free_secret(pve->ticket);
    cdb_free_secret(pve->csrf);
    pve->ticket = pve->csrf = NULL;

    sb_form_field(&form, "username", pve->user);
    sb_form_field(&form, "password", pve->secret);
    if (form.nomem) {
        rc = pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = request_once(pve, "POST", "/access/ticket", form.data, &data);
    if (rc != CDB_OK) {
        /* Keep the server's words, say what was being done. */
        char inner[sizeof(pve->errmsg)];
        memcpy(inner, pve->errmsg, sizeof(inner));
        rc = pve_fail(pve, rc, "login as %s failed: %s", pve->user, inner);
        goto done;
    }
    if (json_is_object(data) && json_object_get(data, "NeedTFA") != NULL) {
        rc = pve_fail(pve, CDB_ERR_DENIED,
                      "login as %s needs a second factor: use an API token for this node", pve->user);
        goto done;
    }
    ticket = json_object_get(data, "ticket");
    csrf = json_object_get(data, "CSRFPreventionToken");
    if (!json_is_string(ticket) || !json_is_string(csrf)) {
        rc = pve_fail(pve, CDB_ERR_INTERNAL, "login as %s: no ticket in the answer", pve->user);
        goto done;
    }
    pve->ticket = strdup(json_string_value(ticket));
    pve->csrf = strdup(json_string_value(csrf));
    if (pve->ticket == NULL || pve->csrf == NULL) {
        rc = pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = CDB_OK;
done:
    json_decref(data);
    if (form.data != NULL)
        cdb_free_secret(form.data); /* it held the password */
    return rc;
}

/* A request with authentication handled: log in first in password mode, and
 * once more if the ticket is refused (tickets expire after two hours). */
static int request(cdb_pve *pve, const char *method, const char *path, const char *form,
                   json_t **data_out)
{
    int rc;
    int fresh_login = 0;

    if (!pve->token_mode && pve->ticket == NULL) {
        if ((rc = cdb_pve_login(pve)) != CDB_OK)
            return rc;
        fresh_login = 1;
    }
    rc = request_once(pve, method, path, form, data_out);
    if (rc == CDB_ERR_DENIED && !pve->token_mode && !fresh_login && pve->last_status == 401) {
        if ((rc = cdb_pve_login(pve)) != CDB_OK)
            return rc;
        rc = request_once(pve, method, path, form, data_out);
    }
    return rc;
}

/* "/nodes/<node>" + suffix, node encoded. */
static char *node_path(cdb_pve *pve, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *node_path(cdb_pve *pve, const char *fmt, ...)
{
    struct strbuf sb = {0};
    char tail[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tail, sizeof(tail), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tail))
        return NULL;
    sb_append(&sb, "/nodes/");
    sb_append_encoded(&sb, pve->node);
    sb_append(&sb, tail);
    if (sb.nomem) {
        free(sb.data);
        return NULL;
    }
    return sb.data;
}

/* A task id answer: a string of the UPID shape. */
static int take_upid(cdb_pve *pve, const char *what, json_t *data, char **upid_out)
{
    cdb_pve_upid parsed;
    char *copy;

    if (!json_is_string(data) || cdb_pve_upid_parse(json_string_value(data), &parsed) != CDB_OK)
        return pve_fail(pve, CDB_ERR_INTERNAL, "%s: the answer is not a task id (UPID)", what);
    copy = strdup(json_string_value(data));
    if (copy == NULL)
        return pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
    *upid_out = copy;
    return CDB_OK;
}

/* Integers come as JSON numbers or, from some endpoints, as strings. */
/* ---- API calls ------------------------------------------------------- */

int cdb_pve_next_id(cdb_pve *pve, int *vmid_out)
{
    json_t *data = NULL;
    int rc = request(pve, "GET", "/cluster/nextid", NULL, &data);

    if (rc == CDB_OK && pve_parse_vmid(data, vmid_out) != CDB_OK)
        rc = pve_fail(pve, CDB_ERR_INTERNAL, "GET /cluster/nextid: the answer is not a VMID");
    json_decref(data);
    return rc;
}

int cdb_pve_lxc_find_template(cdb_pve *pve, const char *name, int *vmid_out)
{
    json_t *data = NULL;
    char *path = NULL;
    long long wanted;
    int rc;

    if (name == NULL || name[0] == '\0')
        return pve_fail(pve, CDB_ERR_INVALID, "no template name");
    if (pve_template_wanted(name, &wanted) < 0)
        return pve_fail(pve, CDB_ERR_INVALID, "template %s is not a valid VMID", name);
    if ((path = node_path(pve, "/lxc")) == NULL)
        return pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
    if ((rc = request(pve, "GET", path, NULL, &data)) != CDB_OK)
        goto done;
    rc = pve_parse_template(data, name, vmid_out);
    if (rc == CDB_ERR_INTERNAL)
        rc = pve_fail(pve, rc, "GET %s: the answer is not a list", path);
    else if (rc == CDB_ERR_NOTFOUND)
        rc = pve_fail(pve, rc, "no LXC template named %s on node %s", name, pve->node);
done:
    json_decref(data);
    free(path);
    return rc;
}

int cdb_pve_lxc_clone_described(cdb_pve *pve, int template_vmid, int newid, const char *hostname,
                                const char *description, char **upid_out)
{
    struct strbuf form = {0};
    char newid_text[16];
    char *path = NULL;
    json_t *data = NULL;
    int rc;

    if (!pve_valid_vmid(template_vmid) || !pve_valid_vmid(newid))
        return pve_fail(pve, CDB_ERR_INVALID, "clone: VMIDs must be 100-999999999");
    snprintf(newid_text, sizeof(newid_text), "%d", newid);
    sb_form_field(&form, "newid", newid_text);
    if (hostname != NULL)
        sb_form_field(&form, "hostname", hostname);
    if (description != NULL)
        sb_form_field(&form, "description", description);
    sb_form_field(&form, "full", "1");
    path = node_path(pve, "/lxc/%d/clone", template_vmid);
    if (form.nomem || path == NULL) {
        rc = pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = request(pve, "POST", path, form.data, &data)) != CDB_OK)
        goto done;
    rc = take_upid(pve, path, data, upid_out);
done:
    json_decref(data);
    free(form.data);
    free(path);
    return rc;
}

int cdb_pve_lxc_config_set(cdb_pve *pve, int vmid, const char *const *keys,
                           const char *const *values, size_t n)
{
    struct strbuf form = {0};
    char *path = NULL;
    json_t *data = NULL;
    int rc;

    if (!pve_valid_vmid(vmid) || n == 0)
        return pve_fail(pve, CDB_ERR_INVALID, "config: a VMID and at least one setting are needed");
    for (size_t i = 0; i < n; i++)
        sb_form_field(&form, keys[i], values[i]);
    path = node_path(pve, "/lxc/%d/config", vmid);
    if (form.nomem || path == NULL) {
        rc = pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = request(pve, "PUT", path, form.data, &data);
done:
    json_decref(data);
    free(form.data);
    free(path);
    return rc;
}

int cdb_pve_lxc_start(cdb_pve *pve, int vmid, char **upid_out)
{
    char *path;
    json_t *data = NULL;
    int rc;

    if (!pve_valid_vmid(vmid))
        return pve_fail(pve, CDB_ERR_INVALID, "start: invalid VMID");
    if ((path = node_path(pve, "/lxc/%d/status/start", vmid)) == NULL)
        return pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
    if ((rc = request(pve, "POST", path, NULL, &data)) == CDB_OK)
        rc = take_upid(pve, path, data, upid_out);
    json_decref(data);
    free(path);
    return rc;
}

int cdb_pve_lxc_shutdown(cdb_pve *pve, int vmid, char **upid_out)
{
    char *path;
    json_t *data = NULL;
    int rc;

    if (!pve_valid_vmid(vmid))
        return pve_fail(pve, CDB_ERR_INVALID, "shutdown: invalid VMID");
    if ((path = node_path(pve, "/lxc/%d/status/shutdown", vmid)) == NULL)
        return pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
    if ((rc = request(pve, "POST", path, "forceStop=1", &data)) == CDB_OK)
        rc = take_upid(pve, path, data, upid_out);
    json_decref(data);
    free(path);
    return rc;
}

int cdb_pve_lxc_list(cdb_pve *pve, cdb_pve_lxc_entry **entries_out, size_t *n_out)
{
    json_t *data = NULL;
    char *path;
    int rc;

    if ((path = node_path(pve, "/lxc")) == NULL)
        return pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
    if ((rc = request(pve, "GET", path, NULL, &data)) != CDB_OK)
        goto done;
    rc = pve_parse_lxc_list(data, entries_out, n_out);
    if (rc == CDB_ERR_INTERNAL)
        rc = pve_fail(pve, rc, "GET %s: the answer is not a list", path);
    else if (rc == CDB_ERR_NOMEM)
        rc = pve_fail(pve, rc, "out of memory");
done:
    json_decref(data);
    free(path);
    return rc;
}

int cdb_pve_lxc_config_value(cdb_pve *pve, int vmid, const char *key, char **value_out)
{
    json_t *data = NULL;
    char *path;
    int rc;

    if (!pve_valid_vmid(vmid) || key == NULL)
        return pve_fail(pve, CDB_ERR_INVALID, "config: invalid VMID or key");
    if ((path = node_path(pve, "/lxc/%d/config", vmid)) == NULL)
        return pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
    if ((rc = request(pve, "GET", path, NULL, &data)) != CDB_OK)
        goto done;
    rc = pve_parse_config_value(data, key, value_out);
    if (rc == CDB_ERR_NOTFOUND)
        rc = pve_fail(pve, rc, "container %d: no %s in its config", vmid, key);
    else if (rc == CDB_ERR_NOMEM)
        rc = pve_fail(pve, rc, "out of memory");
done:
    json_decref(data);
    free(path);
    return rc;
}

int cdb_pve_lxc_delete(cdb_pve *pve, int vmid, char **upid_out)
{
    char *path;
    json_t *data = NULL;
    int rc;

    if (!pve_valid_vmid(vmid))
        return pve_fail(pve, CDB_ERR_INVALID, "delete: invalid VMID");
    if ((path = node_path(pve, "/lxc/%d?force=1&purge=1", vmid)) == NULL)
        return pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
    if ((rc = request(pve, "DELETE", path, NULL, &data)) == CDB_OK)
        rc = take_upid(pve, path, data, upid_out);
    json_decref(data);
    free(path);
    return rc;
}

int cdb_pve_lxc_mac_address(cdb_pve *pve, int vmid, char **mac_out)
{
    char *path;
    json_t *data = NULL, *net0;
    int rc;

    if (!pve_valid_vmid(vmid))
        return pve_fail(pve, CDB_ERR_INVALID, "config: invalid VMID");
    if ((path = node_path(pve, "/lxc/%d/config", vmid)) == NULL)
        return pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
    if ((rc = request(pve, "GET", path, NULL, &data)) != CDB_OK)
        goto done;
    net0 = json_object_get(data, "net0");
    if (!json_is_string(net0)) {
        rc = pve_fail(pve, CDB_ERR_NOTFOUND, "container %d has no net0 interface", vmid);
        goto done;
    }
    rc = pve_parse_net_mac(json_string_value(net0), mac_out);
    if (rc == CDB_ERR_INTERNAL)
        rc = pve_fail(pve, rc, "container %d: net0 hwaddr is not a MAC", vmid);
    else if (rc == CDB_ERR_NOTFOUND)
        rc = pve_fail(pve, rc, "container %d: net0 has no hwaddr", vmid);
    else if (rc == CDB_ERR_NOMEM)
        rc = pve_fail(pve, rc, "out of memory");
done:
    json_decref(data);
    free(path);
    return rc;
}

int cdb_pve_lxc_ipv4_address(cdb_pve *pve, int vmid, const char *ifname, char **ip_out)
{
    char *path;
    json_t *data = NULL;
    int rc;

    if (!pve_valid_vmid(vmid) || ifname == NULL)
        return pve_fail(pve, CDB_ERR_INVALID, "interfaces: invalid VMID or interface");
    if ((path = node_path(pve, "/lxc/%d/interfaces", vmid)) == NULL)
        return pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
    if ((rc = request(pve, "GET", path, NULL, &data)) != CDB_OK)
        goto done;
    rc = pve_parse_interface_ipv4(data, ifname, ip_out);
    if (rc == CDB_ERR_NOTFOUND)
        rc = pve_fail(pve, rc, "container %d has no IPv4 address on %s yet", vmid, ifname);
    else if (rc == CDB_ERR_NOMEM)
        rc = pve_fail(pve, rc, "out of memory");
done:
    json_decref(data);
    free(path);
    return rc;
}

/* ---- tasks ----------------------------------------------------------- */

int cdb_pve_task_status(cdb_pve *pve, const char *upid, cdb_pve_task *task_out)
{
    cdb_pve_upid parsed;
    struct strbuf path = {0};
    json_t *data = NULL;
    int rc;

    if (cdb_pve_upid_parse(upid, &parsed) != CDB_OK)
        return pve_fail(pve, CDB_ERR_INVALID, "not a task id (UPID)");
    /* The task lives on the node in its UPID. */
    sb_append(&path, "/nodes/");
    sb_append_encoded(&path, parsed.node);
    sb_append(&path, "/tasks/");
    sb_append_encoded(&path, upid);
    sb_append(&path, "/status");
    if (path.nomem) {
        rc = pve_fail(pve, CDB_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = request(pve, "GET", path.data, NULL, &data)) != CDB_OK)
        goto done;
    rc = pve_parse_task(data, task_out);
    if (rc == CDB_ERR_INTERNAL)
        rc = pve_fail(pve, rc, "task status: no known status in the answer");
    else if (rc == CDB_ERR_NOMEM)
        rc = pve_fail(pve, rc, "out of memory");
done:
    json_decref(data);
    free(path.data);
    return rc;
}

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    /* A signal cuts the sleep short; the caller's loop re-checks the clock. */
    nanosleep(&ts, NULL);
}

int cdb_pve_wait_task(cdb_pve *pve, const char *upid, long timeout_ms, long poll_interval_ms)
{
    cdb_pve_upid parsed;
    long long deadline;
    int rc;

    if (cdb_pve_upid_parse(upid, &parsed) != CDB_OK)
        return pve_fail(pve, CDB_ERR_INVALID, "not a task id (UPID)");
    if (timeout_ms <= 0)
        timeout_ms = PVE_DEFAULT_WAIT_MS;
    if (poll_interval_ms <= 0)
        poll_interval_ms = PVE_DEFAULT_POLL_MS;
    deadline = monotonic_ms() + timeout_ms;
    for (;;) {
        cdb_pve_task task = {0};
        long long left;

        if ((rc = cdb_pve_task_status(pve, upid, &task)) != CDB_OK)
            return rc;
        if (!task.running) {
            if (pve_task_succeeded(task.exitstatus))
                rc = CDB_OK;
            else
                rc = pve_fail(pve, CDB_ERR_IO, "task %s %s failed: %s", parsed.type,
                              parsed.id, task.exitstatus);
            cdb_pve_task_clear(&task);
            return rc;
        }
        if (pve->on_poll != NULL)
            pve->on_poll(pve->on_poll_arg);
        if (pve->cancel != NULL && *pve->cancel)
            return pve_fail(pve, CDB_ERR_IO, "stopped waiting for task %s %s (shutting down); "
                            "it may still finish on the node", parsed.type, parsed.id);
        left = deadline - monotonic_ms();
        if (left <= 0)
            return pve_fail(pve, CDB_ERR_IO, "task %s %s still running after %ld ms", parsed.type,
                            parsed.id, timeout_ms);
        sleep_ms(left < poll_interval_ms ? (long)left : poll_interval_ms);
    }
}
