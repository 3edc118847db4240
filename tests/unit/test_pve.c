/*
 * The Proxmox VE client against the simulator (tests/pve-sim/pve-sim.py):
 * token and ticket authentication, the create and delete sequences, task
 * polling, error shapes, secrets kept out of messages, timeouts, the
 * response bound and TLS verification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <clusterdb/pve.h>

#include "sim_spawn.h"

#define TOKEN_ID "root@pam!clusterdb"
#define TOKEN_SECRET "5f0c7e2a-6b1d-4c8e-9a3f-token-secret"
#define USER "root@pam"
#define PASSWORD "pw-Very-Secret-42"

static sim_process sim;     /* plain HTTP */
static sim_process tls_sim; /* HTTPS with a self-signed certificate */
static char api_url[128];
static char tls_url[128];
static char cert_path[300];

static int group_setup(void **state)
{
    const char *args[] = {"--token", TOKEN_ID "=" TOKEN_SECRET, "--user", USER, "--password",
                          PASSWORD, "--template", "9000:debian-12-standard", "--template",
                          "9001:alpine-3", "--task-seconds", "0.2", "--dhcp-seconds", "0.3", NULL};
    char key_path[300], cmd[1024];

    if (cdb_pve_global_init() != CDB_OK)
        return -1;
    if (sim_scratch(&sim) != 0 || sim_start(&sim, "pve-sim.py", args) != 0)
        return -1;
    snprintf(api_url, sizeof(api_url), "http://127.0.0.1:%d", sim.port);

    if (sim_scratch(&tls_sim) != 0)
        return -1;
    snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", tls_sim.dir);
    snprintf(key_path, sizeof(key_path), "%s/key.pem", tls_sim.dir);
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout '%s' -out '%s' -days 2 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
             key_path, cert_path);
    if (system(cmd) != 0)
        return -1;
    {
        const char *tls_args[] = {"--token", TOKEN_ID "=" TOKEN_SECRET, "--tls-cert", cert_path,
                                  "--tls-key", key_path, NULL};
        if (sim_start(&tls_sim, "pve-sim.py", tls_args) != 0)
            return -1;
    }
    snprintf(tls_url, sizeof(tls_url), "https://127.0.0.1:%d/", tls_sim.port);
    (void)state;
    return 0;
}

static int group_teardown(void **state)
{
    sim_stop(&sim);
    sim_stop(&tls_sim);
    (void)state;
    return 0;
}

static int reset_sim(void **state)
{
    (void)state;
    return sim_http(sim.port, "/_sim/reset", "{}", NULL);
}

static void inject(const char *json)
{
    assert_int_equal(sim_http(sim.port, "/_sim/inject", json, NULL), 0);
}

static cdb_pve *client_with(const char *url, const char *user, const char *secret,
                            void (*tweak)(cdb_pve_options *))
{
    cdb_pve_options options = {.api_url = url, .node = "pve", .token_id_or_username = user,
                               .secret_or_password = secret, .request_timeout_ms = 5000};
    cdb_pve *pve = NULL;
    char err[256];

    if (tweak != NULL)
        tweak(&options);
    assert_int_equal(cdb_pve_new(&options, &pve, err, sizeof(err)), CDB_OK);
    assert_non_null(pve);
    return pve;
}

static cdb_pve *token_client(void)
{
    return client_with(api_url, TOKEN_ID, TOKEN_SECRET, NULL);
}

static cdb_pve *password_client(void)
{
    return client_with(api_url, USER, PASSWORD, NULL);
}

static void assert_no_secret(const char *message)
{
    assert_null(strstr(message, TOKEN_SECRET));
    assert_null(strstr(message, PASSWORD));
    /* parts of them too: nothing of the token secret's tail */
    assert_null(strstr(message, "token-secret"));
    assert_null(strstr(message, "Very-Secret"));
}

/* ---- UPIDs ---- */

static void test_upid_parse(void **state)
{
    cdb_pve_upid upid;
    (void)state;
    assert_int_equal(cdb_pve_upid_parse("UPID:pve1:00001234:0001ABCD:6565F00D:vzclone:9000:"
                                        "root@pam!clusterdb:", &upid), CDB_OK);
    assert_string_equal(upid.node, "pve1");
    assert_int_equal(upid.pid, 0x1234);
    assert_int_equal(upid.pstart, 0x1ABCD);
    assert_int_equal(upid.starttime, 0x6565F00D);
    assert_string_equal(upid.type, "vzclone");
    assert_string_equal(upid.id, "9000");
    assert_string_equal(upid.user, "root@pam!clusterdb");
    /* pstart may have 9 digits, the id may be empty */
    assert_int_equal(cdb_pve_upid_parse("UPID:n:00000001:123456789:00000002:vzdump::root@pam:",
                                        &upid), CDB_OK);
    assert_string_equal(upid.id, "");

    const char *bad[] = {
        "", "UPID:", "upid:pve:00000001:00000001:00000001:t:1:root@pam:",
        "UPID:pve:0001:00000001:00000001:t:1:root@pam:",           /* short pid */
        "UPID:pve:0000000G:00000001:00000001:t:1:root@pam:",       /* not hex */
        "UPID:pve:00000001:00000001:00000001:t:1:root@pam",        /* no final colon */
        "UPID:pve:00000001:00000001:00000001:t:1:root@pam::",      /* extra field */
        "UPID:-pve:00000001:00000001:00000001:t:1:root@pam:",      /* bad node */
        "UPID:pve:00000001:00000001:00000001::1:root@pam:",        /* empty type */
        "UPID:pve:00000001:00000001:00000001:t:1::",               /* empty user */
        "UPID:pve:00000001:00000001:00000001:t:1 2:root@pam:",     /* space */
        "UPID:pve:00000001:1234567890:00000001:t:1:root@pam:",     /* pstart too long */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(cdb_pve_upid_parse(bad[i], &upid), CDB_ERR_INVALID);
}

static void test_new_rejects_bad_options(void **state)
{
    cdb_pve_options options = {.api_url = "ftp://x", .node = "pve",
                               .token_id_or_username = TOKEN_ID,
                               .secret_or_password = TOKEN_SECRET};
    cdb_pve *pve = NULL;
    char err[256];
    (void)state;
    assert_int_equal(cdb_pve_new(&options, &pve, err, sizeof(err)), CDB_ERR_INVALID);
    assert_null(pve);
    options.api_url = "https://pve:8006";
    options.secret_or_password = "";
    assert_int_equal(cdb_pve_new(&options, &pve, err, sizeof(err)), CDB_ERR_INVALID);
    assert_no_secret(err);
    options.secret_or_password = TOKEN_SECRET;
    options.node = NULL;
    assert_int_equal(cdb_pve_new(&options, &pve, err, sizeof(err)), CDB_ERR_INVALID);
}

/* ---- the happy paths ---- */

/* The whole create sequence of DESIGN.md section 8, then the delete. */
static void run_lifecycle(cdb_pve *pve, const char *hostname)
{
    int template_vmid = 0, vmid = 0;
    char *upid = NULL, *mac = NULL, *ip = NULL;
    const char *keys[] = {"description", "onboot"};
    const char *values[] = {"owner: alice & bob", "1"};
    int rc;

    assert_int_equal(cdb_pve_lxc_find_template(pve, "debian-12-standard", &template_vmid), CDB_OK);
    assert_int_equal(template_vmid, 9000);
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_OK);
    assert_int_equal(vmid, 100);

    assert_int_equal(cdb_pve_lxc_clone_described(pve, template_vmid, vmid, hostname, NULL, &upid),
                     CDB_OK);
    assert_non_null(strstr(upid, ":vzclone:9000:"));
    assert_int_equal(cdb_pve_wait_task(pve, upid, 10000, 50), CDB_OK);
    free(upid);

    assert_int_equal(cdb_pve_lxc_config_set(pve, vmid, keys, values, 2), CDB_OK);
    assert_int_equal(cdb_pve_lxc_start(pve, vmid, &upid), CDB_OK);
    assert_int_equal(cdb_pve_wait_task(pve, upid, 10000, 50), CDB_OK);
    free(upid);

    assert_int_equal(cdb_pve_lxc_mac_address(pve, vmid, &mac), CDB_OK);
    assert_int_equal(strlen(mac), 17);
    assert_memory_equal(mac, "BC:24:11:", 9);
    /* DHCP takes a moment: the address appears after a few polls. */
    for (int i = 0; i < 100; i++) {
        struct timespec ts = {0, 50 * 1000000L};
        rc = cdb_pve_lxc_ipv4_address(pve, vmid, "eth0", &ip);
        if (rc != CDB_ERR_NOTFOUND)
            break;
        nanosleep(&ts, NULL);
    }
    assert_int_equal(rc, CDB_OK);
    assert_string_equal(ip, "10.0.0.100");
    free(mac);
    free(ip);

    /* The settings reached the container, encoded correctly. */
    {
        char *answer = NULL;
        assert_int_equal(sim_http(sim.port, "/_sim/state", NULL, &answer), 0);
        assert_non_null(strstr(answer, "\"description\": \"owner: alice & bob\""));
        assert_non_null(strstr(answer, "\"onboot\": \"1\""));
        assert_non_null(strstr(answer, "\"full\": \"1\""));
        assert_non_null(strstr(answer, "\"status\": \"running\""));
        free(answer);
    }

    assert_int_equal(cdb_pve_lxc_delete(pve, vmid, &upid), CDB_OK);
    assert_non_null(strstr(upid, ":vzdestroy:100:"));
    assert_int_equal(cdb_pve_wait_task(pve, upid, 10000, 50), CDB_OK);
    free(upid);
    assert_int_equal(cdb_pve_lxc_mac_address(pve, vmid, &mac), CDB_ERR_IO);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "does not exist"));
}

static void test_lifecycle_token(void **state)
{
    cdb_pve *pve = token_client();
    char *answer = NULL;
    (void)state;
    run_lifecycle(pve, "web1");
    assert_int_equal(sim_http(sim.port, "/_sim/state", NULL, &answer), 0);
    assert_null(strstr(answer, "\"auth\": \"ticket\""));
    assert_non_null(strstr(answer, "\"auth\": \"token\""));
    free(answer);
    cdb_pve_free(pve);
}

static void test_lifecycle_password(void **state)
{
    cdb_pve *pve = password_client();
    char *answer = NULL;
    (void)state;
    run_lifecycle(pve, "web2");
    /* One login, then tickets; every write carried the CSRF token. */
    assert_int_equal(sim_http(sim.port, "/_sim/state", NULL, &answer), 0);
    assert_non_null(strstr(answer, "\"auth\": \"login\""));
    assert_null(strstr(strstr(answer, "\"auth\": \"login\"") + 1, "\"auth\": \"login\""));
    assert_null(strstr(answer, "\"method\": \"POST\", \"path\": \"/nodes/pve/lxc/9000/clone\", "
                               "\"auth\": \"ticket\", \"csrf\": false"));
    assert_non_null(strstr(answer, "\"method\": \"PUT\", \"path\": \"/nodes/pve/lxc/100/config\", "
                                   "\"auth\": \"ticket\", \"csrf\": true"));
    assert_non_null(strstr(answer, "\"method\": \"DELETE\", \"path\": \"/nodes/pve/lxc/100\", "
                                   "\"auth\": \"ticket\", \"csrf\": true"));
    assert_null(strstr(answer, PASSWORD));
    free(answer);
    cdb_pve_free(pve);
}

static void test_relogin_after_ticket_expiry(void **state)
{
    cdb_pve *pve = password_client();
    int vmid;
    (void)state;
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_OK);
    /* The reset forgets every ticket, as an expiry would. */
    assert_int_equal(sim_http(sim.port, "/_sim/reset", "{}", NULL), 0);
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_OK);
    assert_int_equal(vmid, 100);
    cdb_pve_free(pve);
}

static void test_find_template(void **state)
{
    cdb_pve *pve = token_client();
    int vmid = 0;
    (void)state;
    assert_int_equal(cdb_pve_lxc_find_template(pve, "alpine-3", &vmid), CDB_OK);
    assert_int_equal(vmid, 9001);
    assert_int_equal(cdb_pve_lxc_find_template(pve, "9000", &vmid), CDB_OK);
    assert_int_equal(vmid, 9000);
    assert_int_equal(cdb_pve_lxc_find_template(pve, "no-such-template", &vmid), CDB_ERR_NOTFOUND);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "no-such-template"));
    assert_int_equal(cdb_pve_lxc_find_template(pve, "12", &vmid), CDB_ERR_INVALID);
    cdb_pve_free(pve);
}

/* ---- failures ---- */

static void test_wrong_token_secret(void **state)
{
    cdb_pve *pve = client_with(api_url, TOKEN_ID, "wrong-" TOKEN_SECRET, NULL);
    int vmid;
    (void)state;
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_ERR_DENIED);
    assert_int_equal(cdb_pve_http_status(pve), 401);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "401"));
    assert_non_null(strstr(cdb_pve_errmsg(pve), "authentication failure"));
    assert_no_secret(cdb_pve_errmsg(pve));
    cdb_pve_free(pve);
}

static void test_wrong_password(void **state)
{
    cdb_pve *pve = client_with(api_url, USER, "wrong-" PASSWORD, NULL);
    int vmid;
    (void)state;
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_ERR_DENIED);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "login as root@pam failed"));
    assert_no_secret(cdb_pve_errmsg(pve));
    cdb_pve_free(pve);
}

static void test_echoed_secrets_are_masked(void **state)
{
    cdb_pve *pve;
    int vmid;
    (void)state;

    pve = token_client();
    inject("{\"op\":\"nextid\",\"kind\":\"echo_auth\"}");
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_ERR_IO);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "proxy error: auth=PVEAPIToken=" TOKEN_ID "=***"));
    assert_no_secret(cdb_pve_errmsg(pve));
    cdb_pve_free(pve);

    /* Ticket mode: the cookie and the CSRF token are masked too. */
    pve = password_client();
    assert_int_equal(cdb_pve_login(pve), CDB_OK);
    inject("{\"op\":\"clone\",\"kind\":\"echo_auth\"}");
    {
        char *upid = NULL;
        assert_int_equal(cdb_pve_lxc_clone_described(pve, 9000, 100, "x", NULL, &upid), CDB_ERR_IO);
        assert_null(upid);
    }
    assert_non_null(strstr(cdb_pve_errmsg(pve), "cookie=PVEAuthCookie=***"));
    assert_non_null(strstr(cdb_pve_errmsg(pve), "csrf=***"));
    assert_null(strstr(cdb_pve_errmsg(pve), "PVE:root@pam:"));
    assert_no_secret(cdb_pve_errmsg(pve));
    cdb_pve_free(pve);
}

static void test_parameter_errors(void **state)
{
    cdb_pve *pve = token_client();
    char *upid = NULL;
    (void)state;
    inject("{\"op\":\"clone\",\"kind\":\"http400\",\"param\":\"hostname\","
           "\"message\":\"value does not look like a valid DNS name\"}");
    assert_int_equal(cdb_pve_lxc_clone_described(pve, 9000, 100, "web", NULL, &upid), CDB_ERR_INVALID);
    assert_int_equal(cdb_pve_http_status(pve), 400);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "Parameter verification failed."));
    assert_non_null(strstr(cdb_pve_errmsg(pve), "hostname: value does not look like a valid DNS name"));
    /* A real verification failure from the simulator's schema check. */
    {
        const char *keys[] = {"no_such_key"};
        const char *values[] = {"1"};
        assert_int_equal(cdb_pve_lxc_config_set(pve, 9000, keys, values, 1), CDB_ERR_INVALID);
        assert_non_null(strstr(cdb_pve_errmsg(pve), "no_such_key: property is not defined"));
    }
    cdb_pve_free(pve);
}

static void test_server_errors(void **state)
{
    cdb_pve *pve = token_client();
    char *upid = NULL;
    int vmid;
    (void)state;
    inject("{\"op\":\"nextid\",\"kind\":\"http500\",\"message\":\"cluster not ready - no quorum?\"}");
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_ERR_IO);
    assert_int_equal(cdb_pve_http_status(pve), 500);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "HTTP 500 cluster not ready - no quorum?"));
    /* no such container */
    assert_int_equal(cdb_pve_lxc_start(pve, 4242, &upid), CDB_ERR_IO);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "4242.conf' does not exist"));
    /* a node the cluster does not know */
    {
        cdb_pve_options options = {.api_url = api_url, .node = "pve9",
                                   .token_id_or_username = TOKEN_ID,
                                   .secret_or_password = TOKEN_SECRET};
        cdb_pve *other = NULL;
        assert_int_equal(cdb_pve_new(&options, &other, NULL, 0), CDB_OK);
        assert_int_equal(cdb_pve_lxc_find_template(other, "alpine-3", &vmid), CDB_ERR_IO);
        assert_non_null(strstr(cdb_pve_errmsg(other), "hostname lookup 'pve9' failed"));
        cdb_pve_free(other);
    }
    cdb_pve_free(pve);
}

static void test_task_failure(void **state)
{
    cdb_pve *pve = token_client();
    char *upid = NULL;
    (void)state;
    inject("{\"op\":\"clone\",\"kind\":\"task_error\","
           "\"message\":\"clone failed: storage 'local-lvm' is full\"}");
    assert_int_equal(cdb_pve_lxc_clone_described(pve, 9000, 100, "web", NULL, &upid), CDB_OK);
    assert_int_equal(cdb_pve_wait_task(pve, upid, 10000, 50), CDB_ERR_IO);
    assert_string_equal(cdb_pve_errmsg(pve),
                        "task vzclone 9000 failed: clone failed: storage 'local-lvm' is full");
    {
        cdb_pve_task task = {0};
        assert_int_equal(cdb_pve_task_status(pve, upid, &task), CDB_OK);
        assert_int_equal(task.running, 0);
        assert_string_equal(task.exitstatus, "clone failed: storage 'local-lvm' is full");
        cdb_pve_task_clear(&task);
    }
    free(upid);
    cdb_pve_free(pve);
}

static void test_wait_is_bounded(void **state)
{
    cdb_pve *pve = token_client();
    char *upid = NULL;
    cdb_pve_task task = {0};
    (void)state;
    /* A task long enough to be seen running even on a loaded machine. */
    inject("{\"op\":\"clone\",\"kind\":\"task_seconds\",\"seconds\":1.5}");
    assert_int_equal(cdb_pve_lxc_clone_described(pve, 9000, 100, "web", NULL, &upid), CDB_OK);
    assert_int_equal(cdb_pve_task_status(pve, upid, &task), CDB_OK);
    assert_int_equal(task.running, 1);
    assert_null(task.exitstatus);
    assert_int_equal(cdb_pve_wait_task(pve, upid, 60, 20), CDB_ERR_IO);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "still running after 60 ms"));
    assert_int_equal(cdb_pve_wait_task(pve, upid, 10000, 50), CDB_OK);
    free(upid);
    cdb_pve_free(pve);
}

static volatile sig_atomic_t cancel_flag;

static void with_cancel(cdb_pve_options *options)
{
    options->cancel = &cancel_flag;
}

static void test_wait_can_be_cancelled(void **state)
{
    cdb_pve *pve = client_with(api_url, TOKEN_ID, TOKEN_SECRET, with_cancel);
    char *upid = NULL;
    (void)state;
    inject("{\"op\":\"clone\",\"kind\":\"task_seconds\",\"seconds\":30}");
    assert_int_equal(cdb_pve_lxc_clone_described(pve, 9000, 100, "web", NULL, &upid), CDB_OK);
    cancel_flag = 1;
    assert_int_equal(cdb_pve_wait_task(pve, upid, 10000, 50), CDB_ERR_IO);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "shutting down"));
    cancel_flag = 0;
    free(upid);
    cdb_pve_free(pve);
}

static int polls;
static void count_poll(void *arg)
{
    (void)arg;
    polls++;
}

static void with_poll_counter(cdb_pve_options *options)
{
    options->on_poll = count_poll;
}

/* What the daemon reads to find, check and stop its CTs. */
static void test_list_config_shutdown(void **state)
{
    cdb_pve *pve = client_with(api_url, TOKEN_ID, TOKEN_SECRET, with_poll_counter);
    cdb_pve_lxc_entry *entries = NULL;
    char *upid = NULL, *value = NULL;
    size_t n = 0;
    int found = 0;
    (void)state;

    inject("{\"op\":\"clone\",\"kind\":\"task_seconds\",\"seconds\":0.5}");
    assert_int_equal(cdb_pve_lxc_clone_described(pve, 9000, 100, "web", "web (marker 7)", &upid),
                     CDB_OK);
    polls = 0;
    assert_int_equal(cdb_pve_wait_task(pve, upid, 10000, 50), CDB_OK);
    assert_true(polls > 0); /* the poll callback ran while the task did */
    free(upid);
    assert_int_equal(cdb_pve_lxc_config_value(pve, 100, "description", &value), CDB_OK);
    assert_string_equal(value, "web (marker 7)");
    free(value);
    assert_int_equal(cdb_pve_lxc_config_value(pve, 100, "memory", &value), CDB_OK);
    assert_string_equal(value, "512"); /* a number, as text */
    free(value);
    assert_int_equal(cdb_pve_lxc_config_value(pve, 100, "lock", &value), CDB_ERR_NOTFOUND);
    assert_int_equal(cdb_pve_lxc_config_value(pve, 4242, "hostname", &value), CDB_ERR_IO);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "does not exist"));

    assert_int_equal(cdb_pve_lxc_start(pve, 100, &upid), CDB_OK);
    assert_int_equal(cdb_pve_wait_task(pve, upid, 10000, 50), CDB_OK);
    free(upid);
    assert_int_equal(cdb_pve_lxc_list(pve, &entries, &n), CDB_OK);
    for (size_t i = 0; i < n; i++) {
        if (entries[i].vmid == 9000)
            assert_true(entries[i].template);
        if (entries[i].vmid == 100) {
            found = 1;
            assert_false(entries[i].template);
            assert_string_equal(entries[i].name, "web");
            assert_string_equal(entries[i].status, "running");
        }
    }
    assert_true(found);
    cdb_pve_lxc_entries_free(entries, n);

    assert_int_equal(cdb_pve_lxc_shutdown(pve, 100, &upid), CDB_OK);
    assert_non_null(strstr(upid, ":vzshutdown:100:"));
    assert_int_equal(cdb_pve_wait_task(pve, upid, 10000, 50), CDB_OK);
    free(upid);
    assert_int_equal(cdb_pve_lxc_list(pve, &entries, &n), CDB_OK);
    for (size_t i = 0; i < n; i++)
        if (entries[i].vmid == 100)
            assert_string_equal(entries[i].status, "stopped");
    cdb_pve_lxc_entries_free(entries, n);
    assert_int_equal(cdb_pve_lxc_shutdown(pve, 4242, &upid), CDB_ERR_IO);
    cdb_pve_free(pve);
}

static void short_timeout(cdb_pve_options *options)
{
    options->request_timeout_ms = 300;
}

static void test_request_timeout(void **state)
{
    cdb_pve *pve = client_with(api_url, TOKEN_ID, TOKEN_SECRET, short_timeout);
    int vmid;
    (void)state;
    inject("{\"op\":\"nextid\",\"kind\":\"slow\",\"seconds\":1.5}");
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_ERR_IO);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "timed out after 300 ms"));
    assert_int_equal(cdb_pve_http_status(pve), 0);
    cdb_pve_free(pve);
}

static void small_limit(cdb_pve_options *options)
{
    options->max_response_bytes = 64 * 1024;
}

static void test_response_bounds(void **state)
{
    cdb_pve *pve = client_with(api_url, TOKEN_ID, TOKEN_SECRET, small_limit);
    int vmid;
    (void)state;
    inject("{\"op\":\"nextid\",\"kind\":\"huge\",\"bytes\":200000}");
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_ERR_IO);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "larger than 65536 bytes"));
    inject("{\"op\":\"nextid\",\"kind\":\"garbage\"}");
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_ERR_INTERNAL);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "not a JSON object"));
    /* The connection is still usable afterwards. */
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_OK);
    cdb_pve_free(pve);
}

static void test_connection_refused(void **state)
{
    cdb_pve *pve = client_with("http://127.0.0.1:1", TOKEN_ID, TOKEN_SECRET, NULL);
    int vmid;
    (void)state;
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_ERR_IO);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "GET /cluster/nextid"));
    assert_no_secret(cdb_pve_errmsg(pve));
    cdb_pve_free(pve);
}

/* ---- TLS ---- */

static void no_verify(cdb_pve_options *options)
{
    options->disable_tls_verification = 1;
}

static void with_ca(cdb_pve_options *options)
{
    options->ca_file = cert_path;
}

static void test_tls_verification(void **state)
{
    cdb_pve *pve;
    int vmid;
    (void)state;
    /* Verified by default: a self-signed certificate is refused. */
    pve = client_with(tls_url, TOKEN_ID, TOKEN_SECRET, NULL);
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_ERR_IO);
    assert_non_null(strstr(cdb_pve_errmsg(pve), "certificate"));
    cdb_pve_free(pve);
    /* The node's disableTlsVerification lets it through. */
    pve = client_with(tls_url, TOKEN_ID, TOKEN_SECRET, no_verify);
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_OK);
    assert_int_equal(vmid, 100);
    cdb_pve_free(pve);
    /* So does trusting its CA, with verification on. */
    pve = client_with(tls_url, TOKEN_ID, TOKEN_SECRET, with_ca);
    assert_int_equal(cdb_pve_next_id(pve, &vmid), CDB_OK);
    cdb_pve_free(pve);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upid_parse),
        cmocka_unit_test(test_new_rejects_bad_options),
        cmocka_unit_test_setup(test_lifecycle_token, reset_sim),
        cmocka_unit_test_setup(test_lifecycle_password, reset_sim),
        cmocka_unit_test_setup(test_relogin_after_ticket_expiry, reset_sim),
        cmocka_unit_test_setup(test_find_template, reset_sim),
        cmocka_unit_test_setup(test_wrong_token_secret, reset_sim),
        cmocka_unit_test_setup(test_wrong_password, reset_sim),
        cmocka_unit_test_setup(test_echoed_secrets_are_masked, reset_sim),
        cmocka_unit_test_setup(test_parameter_errors, reset_sim),
        cmocka_unit_test_setup(test_server_errors, reset_sim),
        cmocka_unit_test_setup(test_task_failure, reset_sim),
        cmocka_unit_test_setup(test_wait_is_bounded, reset_sim),
        cmocka_unit_test_setup(test_wait_can_be_cancelled, reset_sim),
        cmocka_unit_test_setup(test_list_config_shutdown, reset_sim),
        cmocka_unit_test_setup(test_request_timeout, reset_sim),
        cmocka_unit_test_setup(test_response_bounds, reset_sim),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_tls_verification),
    };
    return cmocka_run_group_tests_name("pve", tests, group_setup, group_teardown);
}
