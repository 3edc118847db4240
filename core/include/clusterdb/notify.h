/*
 * The push-notification second factor (Settings push_notification_enabled /
 * push_notification_url).  After a password has verified, the caller asks the
 * push service; only an explicit approval grants.
 *
 *   POST <push_notification_url>/send-notification
 *   Content-Type: application/json
 *   {"username": "...", "title": "SSH Authentication Request", "body": "...",
 *    "actions": [{"icon": "approve", "title": "Approve", "callback": "approve"},
 *                {"icon": "reject", "title": "Reject", "callback": "reject"}]}
 *
 * The service answers (within ~25 s) {"success": true, "action": "approve" |
 * "reject" | "timeout"}.  Exactly success=true with action "approve" grants;
 * everything else (another action, success not true, a non-2xx status, a body
 * that is not that JSON, no answer within the timeout, a transport error)
 * denies.
 *
 * A caller waiting for an answer holds its thread (a slapd worker during a
 * bind), so both the wait and the number of waiters are bounded, in total and
 * per user: past a bound a request is denied at once without being sent.
 *
 * Threads: call cdb_notify_global_init() once before starting threads
 * (curl_global_init); afterwards every function here may be called from any
 * thread (each request uses its own libcurl handle).
 */
#ifndef CLUSTERDB_NOTIFY_H
#define CLUSTERDB_NOTIFY_H

#include <stddef.h>

#include <clusterdb/clusterdb.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CDB_NOTIFY_DEFAULT_TIMEOUT_MS 30000L
#define CDB_NOTIFY_DEFAULT_MAX_WAITERS 16u
#define CDB_NOTIFY_DEFAULT_MAX_WAITERS_PER_USER 2u
#define CDB_NOTIFY_TITLE "SSH Authentication Request"

typedef enum cdb_notify_result {
    CDB_NOTIFY_APPROVED = 0, /* the only result that grants */
    CDB_NOTIFY_REJECTED,     /* the user pressed Reject */
    CDB_NOTIFY_TIMED_OUT,    /* the service answered "timeout": nobody answered */
    CDB_NOTIFY_ERROR,        /* transport error, non-2xx, unexpected answer, client timeout */
    CDB_NOTIFY_BUSY          /* too many requests waiting already; nothing was sent */
} cdb_notify_result;

/* "approved", "rejected", "timed out", "error", "busy". */
const char *cdb_notify_result_name(cdb_notify_result result);

/* curl_global_init once per process; see the thread rule above. */
int cdb_notify_global_init(void);

/* The process-wide bound on requests waiting at once (0 restores the
 * default, 16).  Takes effect for the next request. */
void cdb_notify_set_max_waiters(unsigned max_waiters);
/* The bound on one user's requests waiting at once (user names compared
 * without regard to case; 0 restores the default, 2), so that one user's
 * binds cannot take the places of everybody else's. */
void cdb_notify_set_max_waiters_per_user(unsigned max_waiters_per_user);
/* The wait of a request that names none (timeout_ms 0); 0 restores the
 * default, CDB_NOTIFY_DEFAULT_TIMEOUT_MS. */
void cdb_notify_set_timeout(long milliseconds);
/* Requests waiting right now. */
unsigned cdb_notify_waiters(void);

typedef struct cdb_notify_request {
    const char *url;      /* push_notification_url; "/send-notification" is appended */
    const char *username; /* required */
    const char *body;     /* the text shown; NULL: "Approve the login of <username>?" */
    long timeout_ms;      /* the whole wait, 0: cdb_notify_set_timeout()'s */
    const char *ca_file;  /* optional CA bundle (PEM); TLS is always verified */
} cdb_notify_request;

/*
 * Ask the push service and wait for the answer (at most timeout_ms).
 * reason (may be NULL) receives a short explanation for logs; it never holds
 * the URL (which may carry a credential) nor anything of the answer but the
 * action.
 */
cdb_notify_result cdb_notify_ask(const cdb_notify_request *request, char *reason,
                                 size_t reason_len);

/*
 * The second factor as configured in Settings: returns CDB_OK when the push
 * check is off (push_notification_enabled is not "true") or the user
 * approved; otherwise CDB_ERR_DENIED (also when it is enabled without a URL)
 * with the reason in cdb_errmsg(db), or the store's error when the settings
 * cannot be read (callers deny then too).  client (may be NULL) names where
 * the login comes from, for the text shown.  *result_out (may be NULL) gets
 * the push result when a request was made.
 */
int cdb_notify_second_factor(cdb *db, const char *username, const char *client,
                             long timeout_ms, cdb_notify_result *result_out);

#ifdef __cplusplus
}
#endif
#endif
