/*
 * The certificate.obtain job (cert.h, docs/daemon.md "Certificates"): a
 * certificate for an external domain and its wildcard from lego through the
 * ACME DNS-01 challenge, installed where nginx reads it.
 *
 * Secrets (the Cloudflare key or token) reach lego only through its
 * environment, built here from nothing but an allowlist: never its command
 * line (visible to every local user in /proc), never a log line or a job
 * message (lego's output is masked before it is recorded).
 */
#define _GNU_SOURCE /* pipe2, execvpe, asprintf */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <clusterdb/passwd.h>
#include <clusterdb/settings.h>

#include "cert.h"
#include "render.h"

#define DEFAULT_ACME_DIRECTORY "https://acme-v02.api.letsencrypt.org/directory"
/* lego's own waits (DNS propagation, validation) are bounded; this bounds
 * the whole run in case one of them hangs. */
#define LEGO_TIMEOUT_S 900
/* What of lego's output is kept in JobStatuses (the end matters most). */
#define LEGO_OUTPUT_MAX 32768

/* ---- running lego -------------------------------------------------------- */

struct env {
    char *entries[32];
    size_t n;
};

static int env_add(struct env *env, const char *name, const char *value)
{
    char *entry;
    if (env->n + 1 >= sizeof(env->entries) / sizeof(env->entries[0]) ||
        asprintf(&entry, "%s=%s", name, value) < 0)
        return -1;
    env->entries[env->n++] = entry;
    env->entries[env->n] = NULL;
    return 0;
}

static void env_free(struct env *env)
{
    for (size_t i = 0; i < env->n; i++) {
        cdb_wipe(env->entries[i], strlen(env->entries[i])); /* may hold the API key */
        free(env->entries[i]);
    }
    env->n = 0;
}

/* The daemon's variables lego and its DNS hook may need: never the whole
 * environment, which may hold anything of the operator's. */
static int env_pass_through(struct env *env, int exec_provider)
{
    static const char *const always[] = {"PATH", "LEGO_CA_CERTIFICATES", "LEGO_CA_SERVER_NAME",
                                         "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY",
                                         "https_proxy", "NO_PROXY", "no_proxy", NULL};
    static const char *const exec_vars[] = {"EXEC_PATH", "EXEC_MODE", "EXEC_PROPAGATION_TIMEOUT",
                                            "EXEC_POLLING_INTERVAL", "EXEC_SEQUENCE_INTERVAL", NULL};
    for (size_t i = 0; always[i]; i++)
        if (getenv(always[i]) && env_add(env, always[i], getenv(always[i])) != 0)
            return -1;
    if (getenv("PATH") == NULL && env_add(env, "PATH", "/usr/local/bin:/usr/bin:/bin") != 0)
        return -1;
    for (size_t i = 0; exec_provider && exec_vars[i]; i++)
        if (getenv(exec_vars[i]) && env_add(env, exec_vars[i], getenv(exec_vars[i])) != 0)
            return -1;
    return 0;
}

/* Replace every occurrence of secret in text (in place) by '*'. */
static void mask(char *text, const char *secret)
{
    size_t len = secret ? strlen(secret) : 0;
    char *at;
    if (len == 0)
        return;
    while ((at = strstr(text, secret)) != NULL)
        memset(at, '*', len);
}

/* Keep what a job message may hold: printable ASCII, newlines, tabs. */
static void printable(char *text)
{
    for (char *p = text; *p; p++)
        if (!(*p == '\n' || *p == '\t' || (*p >= 0x20 && *p < 0x7f)))
            *p = '?';
}

struct lego_result {
    int exited, status;      /* exit status when exited */
    int timed_out, stopped;  /* killed by the daemon */
    char output[LEGO_OUTPUT_MAX + 1];
    size_t len;
    int truncated;
};

/* Keep the last LEGO_OUTPUT_MAX bytes (chunks are smaller than that). */
static void keep_output(struct lego_result *result, const char *chunk, size_t n)
{
    if (result->len + n > LEGO_OUTPUT_MAX) {
        size_t drop = result->len + n - LEGO_OUTPUT_MAX;
        memmove(result->output, result->output + drop, result->len - drop);
        result->len -= drop;
        result->truncated = 1;
    }
    memcpy(result->output + result->len, chunk, n);
    result->len += n;
    result->output[result->len] = '\0';
}

static int run_lego(struct job_run *run, char *const argv[], char *const envp[],
                    struct lego_result *result)
{
    int pipe_fds[2], wstatus;
    time_t deadline = time(NULL) + LEGO_TIMEOUT_S;
    pid_t pid;

    memset(result, 0, sizeof(*result));
    if (pipe2(pipe_fds, O_CLOEXEC) != 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, STDIN_FILENO);
        dup2(pipe_fds[1], STDOUT_FILENO);
        dup2(pipe_fds[1], STDERR_FILENO);
        signal(SIGPIPE, SIG_DFL);
        execvpe(argv[0], argv, envp);
        dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pipe_fds[1]);
    for (;;) {
        struct pollfd pfd = {.fd = pipe_fds[0], .events = POLLIN};
        char chunk[4096];
        ssize_t n;
        int ready = poll(&pfd, 1, 500);
        job_heartbeat(run); /* lego may take longer than a lease */
        if (daemon_stopping || time(NULL) > deadline) {
            result->stopped = daemon_stopping != 0;
            result->timed_out = !result->stopped;
            kill(pid, SIGTERM); /* the child we started, by its pid */
            break;
        }
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            continue;
        n = read(pipe_fds[0], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        keep_output(result, chunk, (size_t)n);
    }
    close(pipe_fds[0]);
    while (waitpid(pid, &wstatus, 0) < 0)
        if (errno != EINTR)
            return -1;
    result->exited = WIFEXITED(wstatus);
    result->status = result->exited ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    return 0;
}

/* The last non-empty line of lego's output: its error message. */
static void last_line(const char *text, char *out, size_t size)
{
    const char *end = text + strlen(text), *start;
    while (end > text && (end[-1] == '\n' || end[-1] == ' '))
        end--;
    start = end;
    while (start > text && start[-1] != '\n')
        start--;
    snprintf(out, size, "%.*s", (int)(end - start), start);
}

/* Read a whole file lego wrote; NULL on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    char *data = NULL;
    long size;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && size < (1L << 20) &&
        fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)size + 1)) != NULL) {
        if (fread(data, 1, (size_t)size, f) != (size_t)size) {
            free(data);
            data = NULL;
        } else {
            data[size] = '\0';
            *len = (size_t)size;
        }
    }
    fclose(f);
    return data;
}

/* End the job's trail with "failed: <why>". */
static int fail(struct job_run *run, const char *why)
{
    job_say(run, "failed: %s", why);
    return CDB_ERR_IO;
}

/* Build lego's command line (no secret in it) and environment. */
static int prepare(struct job_run *run, const cdb_external_domain *domain, const char *lego_dir,
                   char *argv[], char *wildcard, size_t wildcard_size, struct env *env,
                   char **resolvers_out)
{
    int exec_provider = strcmp(domain->dns_provider ? domain->dns_provider : "cloudflare", "exec") == 0;
    char *resolvers = NULL, *propagation = NULL;
    size_t n = 0;

    snprintf(wildcard, wildcard_size, "*.%s", domain->domain);
    if (env_pass_through(env, exec_provider) != 0)
        return fail(run, "out of memory");
    if (!exec_provider) {
        const char *key = domain->cloudflare_api_key;
        if (key == NULL || key[0] == '\0')
            return fail(run, "the domain has no cloudflareApiKey for the Cloudflare DNS challenge");
        /* With an account mail it is the global API key, else an API token. */
        if (domain->cloudflare_api_email != NULL && domain->cloudflare_api_email[0] != '\0'
                ? env_add(env, "CLOUDFLARE_EMAIL", domain->cloudflare_api_email) != 0 ||
                      env_add(env, "CLOUDFLARE_API_KEY", key) != 0
                : env_add(env, "CLOUDFLARE_DNS_API_TOKEN", key) != 0)
            return fail(run, "out of memory");
    } else if (getenv("EXEC_PATH") == NULL) {
        return fail(run, "dnsProvider exec needs EXEC_PATH in the daemon's environment");
    }
    argv[n++] = "lego";
    argv[n++] = "--path";
    argv[n++] = (char *)lego_dir;
    argv[n++] = "--server";
    argv[n++] = domain->acme_directory ? domain->acme_directory : DEFAULT_ACME_DIRECTORY;
    argv[n++] = "--accept-tos";
    argv[n++] = "--email";
    argv[n++] = domain->acme_email;
    argv[n++] = "--key-type";
    argv[n++] = "ec256";
    argv[n++] = "--dns";
    argv[n++] = exec_provider ? "exec" : "cloudflare";
    if (cdb_setting_get(run->db, SETTING_CERT_DNS_RESOLVERS, &resolvers) == CDB_OK && resolvers &&
        resolvers[0] != '\0') {
        /* lego takes one resolver per flag (at most 4 kept: argv is bounded) */
        char *save = NULL;
        int kept = 0;
        for (char *r = strtok_r(resolvers, ", ", &save); r && kept < 4; r = strtok_r(NULL, ", ", &save)) {
            argv[n++] = "--dns.resolvers";
            argv[n++] = r;
            kept++;
        }
    }
    if (cdb_setting_get(run->db, SETTING_CERT_PROPAGATION, &propagation) == CDB_OK && propagation &&
        strcmp(propagation, "false") == 0)
        argv[n++] = "--dns.disable-cp";
    cdb_free(propagation);
    argv[n++] = "-d";
    argv[n++] = domain->domain;
    argv[n++] = "-d";
    argv[n++] = wildcard;
    argv[n++] = "run";
    argv[n] = NULL;
    *resolvers_out = resolvers;
    return CDB_OK;
}

static int install_from_lego(struct job_run *run, const cdb_external_domain *domain, const char *lego_dir)
{
    char chain_path[4200], key_path[4200], why[512];
    struct installed_certificate cert;
    size_t chain_len = 0, key_len = 0;
    char *chain, *key;
    int rc;

    /* lego names its files after the first domain asked for. */
    snprintf(chain_path, sizeof(chain_path), "%s/certificates/%s.crt", lego_dir, domain->domain);
    snprintf(key_path, sizeof(key_path), "%s/certificates/%s.key", lego_dir, domain->domain);
    chain = slurp(chain_path, &chain_len);
    key = slurp(key_path, &key_len);
    if (chain == NULL || key == NULL) {
        job_say(run, "failed: lego succeeded but left no certificate at %s", chain_path);
        rc = CDB_ERR_IO;
    } else if (certificate_install(run->config->tls_dir, domain->domain, chain, chain_len, key, key_len,
                                   why, sizeof(why)) != 0) {
        rc = fail(run, why);
    } else if (certificate_installed(run->config->tls_dir, domain->domain, &cert) != 1) {
        rc = fail(run, "the installed certificate cannot be read back");
    } else {
        job_say(run, "installed the certificate for %s and *.%s (serial %s, valid until %s) in %s/%s",
                domain->domain, domain->domain, cert.serial, cert.not_after_text,
                run->config->tls_dir, domain->domain);
        rc = CDB_OK;
    }
    free(chain);
    if (key != NULL)
        cdb_wipe(key, key_len);
    free(key);
    return rc;
}

int certificate_job(struct job_run *run)
{
    cdb_external_domain *domain = NULL;
    int64_t domain_id = cdb_job_resource_id(run->job->associated_resource, CDB_JOB_RESOURCE_DOMAIN);
    char lego_dir[4096], wildcard[300], error[1024];
    char *argv[40];
    char *resolvers = NULL;
    struct env env = {.n = 0};
    struct lego_result *result = NULL;
    int rc;

    if (domain_id == 0) {
        job_say(run, "failed: associatedResource must be %s<id>, not %s", CDB_JOB_RESOURCE_DOMAIN,
                run->job->associated_resource ? run->job->associated_resource : "(none)");
        return CDB_ERR_INVALID;
    }
    if ((rc = cdb_external_domain_get(run->db, domain_id, &domain)) != CDB_OK) {
        job_say(run, "failed: external domain %lld: %s", (long long)domain_id, cdb_errmsg(run->db));
        return rc;
    }
    if (!certificate_acme_managed(domain) || !render_safe(domain->domain)) {
        rc = fail(run, "the domain has no acmeEmail (no ACME settings)");
        goto done;
    }
    env.entries[0] = NULL;
    if ((size_t)snprintf(lego_dir, sizeof(lego_dir), "%s/.lego", run->config->tls_dir) >= sizeof(lego_dir) ||
        ((mkdir(run->config->tls_dir, 0755) != 0 && errno != EEXIST) ||
         (mkdir(lego_dir, 0700) != 0 && errno != EEXIST) || chmod(lego_dir, 0700) != 0)) {
        job_say(run, "failed: cannot create lego's directory under %s: %s", run->config->tls_dir,
                strerror(errno));
        rc = CDB_ERR_IO;
        goto done;
    }
    if ((rc = prepare(run, domain, lego_dir, argv, wildcard,
                      sizeof(wildcard), &env, &resolvers)) != CDB_OK)
        goto done;
    job_say(run, "obtaining a certificate for %s and %s from %s (DNS-01 through %s)", domain->domain,
            wildcard, domain->acme_directory ? domain->acme_directory : DEFAULT_ACME_DIRECTORY,
            domain->dns_provider ? domain->dns_provider : "cloudflare");
    result = calloc(1, sizeof(*result));
    if (result == NULL || run_lego(run, argv, env.entries, result) != 0) {
        job_say(run, "failed: cannot run lego: %s", strerror(errno));
        rc = CDB_ERR_IO;
        goto done;
    }
    mask(result->output, domain->cloudflare_api_key);
    printable(result->output);
    if (result->len > 0 &&
        cdb_job_message_append(run->db, run->job->id, result->output, NULL) != CDB_OK)
        dlog("error", "job %lld: cannot record lego's output: %s", (long long)run->job->id,
             cdb_errmsg(run->db));
    if (result->stopped || result->timed_out) {
        rc = fail(run, result->stopped ? "stopped lego (shutting down)"
                                                     : "lego did not finish in time; stopped it");
        goto done;
    }
    if (!result->exited || result->status != 0) {
        last_line(result->output, error, sizeof(error));
        job_say(run, "failed: lego exited with status %d: %s", result->status,
                error[0] ? error : "(no output)");
        rc = CDB_ERR_IO;
        goto done;
    }
    rc = install_from_lego(run, domain, lego_dir);
done:
    env_free(&env);
    cdb_free(resolvers);
    free(result);
    cdb_external_domain_free(domain);
    return rc;
}
