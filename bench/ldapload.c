/*
 * ldapload: a small LDAP load driver for the benchmarks.  Several threads,
 * each with its own connection, repeat one operation for a fixed time and
 * record every latency; the summary is one JSON line.
 *
 * The operation's strings may contain "%d", replaced by a random integer
 * from the -r LO:HI range (inclusive), so each request names another entry;
 * with -L FILE (lines of whitespace-separated words, e.g. "username
 * password"), "%s" and "%p" are the first and second word of a line picked at
 * random for each request.  In a modify value "%d" is a number unique to the
 * request (seed, thread and count), so unique attributes stay unique.
 *
 *   ldapload -H URI -m search -b BASE [-s base|one|sub] -f FILTER [-a ATTR]... [-P PAGESIZE]
 *   ldapload -H URI -m bind -D DN -w PASSWORD
 *   ldapload -H URI -m modify -D ROOTDN -w PW -b DN -a ATTR -v VALUE
 *   common: [-t THREADS] [-d SECONDS] [-r LO:HI] [-L FILE] [-S SEED]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ldap.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum load_mode { MODE_SEARCH, MODE_BIND, MODE_MODIFY };

struct load_config {
    const char *uri;
    enum load_mode mode;
    const char *base;
    int scope;
    const char *filter;
    char *attrs[16];
    int n_attrs;
    const char *bind_dn;
    const char *password;
    const char *value;
    int page_size;
    int threads;
    double seconds;
    long range_lo, range_hi;
    char **words1, **words2;  /* -L: first and second word of each line */
    size_t n_lines;
    unsigned seed;
};

struct worker {
    pthread_t thread;
    int index;
    const struct load_config *cfg;
    unsigned rand_state;
    uint32_t *latencies_us;  /* one per completed operation */
    size_t n_latencies, cap_latencies;
    long entries;
    long errors;
    int first_error;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Replace every "%d" of pattern with n, "%s"/"%p" with w1/w2; patterns come
 * from our own command line.  Output longer than size is cut. */
static void expand(char *out, size_t size, const char *pattern, long n, const char *w1, const char *w2)
{
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = pattern; p && *p && used + 1 < size; p++) {
        int wrote;
        if (p[0] == '%' && p[1] == 'd')
            wrote = snprintf(out + used, size - used, "%ld", n);
        else if (p[0] == '%' && p[1] == 's')
            wrote = snprintf(out + used, size - used, "%s", w1 ? w1 : "");
        else if (p[0] == '%' && p[1] == 'p')
            wrote = snprintf(out + used, size - used, "%s", w2 ? w2 : "");
        else {
            out[used++] = *p;
            out[used] = '\0';
            continue;
        }
        p++;
        used += (size_t)wrote < size - used ? (size_t)wrote : size - used - 1;
    }
}

/* Read -L FILE: the first two words of each non-empty line. */
static int load_words(struct load_config *cfg, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    size_t cap = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        char *save = NULL, *a = strtok_r(line, " \t\r\n", &save), *b = strtok_r(NULL, " \t\r\n", &save);
        if (!a)
            continue;
        if (cfg->n_lines == cap) {
            cap = cap ? cap * 2 : 1024;
            cfg->words1 = realloc(cfg->words1, cap * sizeof *cfg->words1);
            cfg->words2 = realloc(cfg->words2, cap * sizeof *cfg->words2);
            if (!cfg->words1 || !cfg->words2) {
                fclose(f);
                return -1;
            }
        }
        cfg->words1[cfg->n_lines] = strdup(a);
        cfg->words2[cfg->n_lines] = strdup(b ? b : "");
        cfg->n_lines++;
    }
    fclose(f);
    return cfg->n_lines ? 0 : -1;
}

static int record(struct worker *w, double started)
{
    if (w->n_latencies == w->cap_latencies) {
        size_t cap = w->cap_latencies ? w->cap_latencies * 2 : 65536;
        uint32_t *grown = realloc(w->latencies_us, cap * sizeof *grown);
        if (!grown)
            return -1;
        w->latencies_us = grown;
        w->cap_latencies = cap;
    }
    w->latencies_us[w->n_latencies++] = (uint32_t)((now_seconds() - started) * 1e6);
    return 0;
}

static LDAP *connect_to(const struct load_config *cfg, const char *dn, const char *password)
{
    LDAP *ld = NULL;
    int version = LDAP_VERSION3;
    struct berval cred = { password ? strlen(password) : 0, (char *)password };
    if (ldap_initialize(&ld, cfg->uri) != LDAP_SUCCESS)
        return NULL;
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    if (ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL) != LDAP_SUCCESS) {
        ldap_unbind_ext_s(ld, NULL, NULL);
        return NULL;
    }
    return ld;
}

static int one_search(struct worker *w, LDAP *ld, const char *base, const char *filter)
{
    const struct load_config *cfg = w->cfg;
    struct berval *cookie = NULL;
    int rc;
    do {
        LDAPControl *page = NULL, *server_controls[2] = { NULL, NULL };
        LDAPMessage *res = NULL;
        LDAPControl **returned = NULL;
        if (cfg->page_size > 0) {
            rc = ldap_create_page_control(ld, cfg->page_size, cookie, 0, &page);
            if (rc != LDAP_SUCCESS)
                return rc;
            server_controls[0] = page;
        }
        rc = ldap_search_ext_s(ld, base, cfg->scope, filter,
                               cfg->n_attrs ? (char **)cfg->attrs : NULL, 0,
                               cfg->page_size > 0 ? server_controls : NULL, NULL, NULL, 0, &res);
        if (page)
            ldap_control_free(page);
        if (cookie) {
            ber_bvfree(cookie);
            cookie = NULL;
        }
        if (res) {
            w->entries += ldap_count_entries(ld, res);
            if (cfg->page_size > 0 && rc == LDAP_SUCCESS) {
                int err = 0;
                ber_int_t estimate;
                ldap_parse_result(ld, res, &err, NULL, NULL, NULL, &returned, 0);
                LDAPControl *pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, returned, NULL);
                if (pr) {
                    struct berval next = { 0, NULL };
                    ldap_parse_pageresponse_control(ld, pr, &estimate, &next);
                    if (next.bv_len > 0)
                        cookie = ber_bvdup(&next);
                    ber_memfree(next.bv_val);
                }
                ldap_controls_free(returned);
            }
            ldap_msgfree(res);
        }
    } while (rc == LDAP_SUCCESS && cookie);
    if (cookie)
        ber_bvfree(cookie);
    return rc;
}

static void *run_worker(void *arg)
{
    struct worker *w = arg;
    const struct load_config *cfg = w->cfg;
    LDAP *ld = NULL;
    char a[512], b[512];
    double deadline = now_seconds() + cfg->seconds;

    if (cfg->mode == MODE_SEARCH)
        ld = connect_to(cfg, cfg->bind_dn, cfg->password);
    else if (cfg->mode == MODE_MODIFY)
        ld = connect_to(cfg, cfg->bind_dn, cfg->password);
    else
        ld = connect_to(cfg, NULL, NULL);  /* binds reuse one connection */
    if (!ld) {
        w->errors++;
        w->first_error = LDAP_SERVER_DOWN;
        return NULL;
    }
    while (now_seconds() < deadline) {
        long n = cfg->range_lo + (cfg->range_hi > cfg->range_lo
                                  ? rand_r(&w->rand_state) % (cfg->range_hi - cfg->range_lo + 1) : 0);
        const char *w1 = NULL, *w2 = NULL;
        if (cfg->n_lines) {
            size_t line = (size_t)rand_r(&w->rand_state) % cfg->n_lines;
            w1 = cfg->words1[line];
            w2 = cfg->words2[line];
        }
        double started = now_seconds();
        int rc;
        if (cfg->mode == MODE_SEARCH) {
            expand(a, sizeof a, cfg->base, n, w1, w2);
            expand(b, sizeof b, cfg->filter, n, w1, w2);
            rc = one_search(w, ld, a, b);
        } else if (cfg->mode == MODE_BIND) {
            expand(a, sizeof a, cfg->bind_dn, n, w1, w2);
            expand(b, sizeof b, cfg->password, n, w1, w2);
            struct berval cred = { strlen(b), b };
            rc = ldap_sasl_bind_s(ld, a, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
        } else {
            char value[512];
            char *values[2] = { value, NULL };
            LDAPMod mod = { .mod_op = LDAP_MOD_REPLACE, .mod_type = cfg->attrs[0],
                            .mod_vals.modv_strvals = values };
            LDAPMod *mods[2] = { &mod, NULL };
            long unique = ((long)cfg->seed * 1000 + w->index) * 100000000L + (long)w->n_latencies
                          + w->errors;
            expand(a, sizeof a, cfg->base, n, w1, w2);
            expand(value, sizeof value, cfg->value, unique, w1, w2);
            rc = ldap_modify_ext_s(ld, a, mods, NULL, NULL);
        }
        if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
            if (!w->errors)
                w->first_error = rc;
            w->errors++;
            if (rc == LDAP_SERVER_DOWN)
                break;
            continue;
        }
        if (record(w, started) < 0)
            break;
    }
    ldap_unbind_ext_s(ld, NULL, NULL);
    return NULL;
}

static int compare_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

static void usage(void)
{
    fprintf(stderr, "usage: ldapload -H URI -m search|bind|modify [-b BASE] [-s SCOPE] [-f FILTER]\n"
                    "       [-a ATTR]... [-D DN] [-w PASSWORD] [-v VALUE] [-P PAGESIZE]\n"
                    "       [-t THREADS] [-d SECONDS] [-r LO:HI] [-L FILE] [-S SEED]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct load_config cfg = { .scope = LDAP_SCOPE_SUBTREE, .threads = 4, .seconds = 10,
                               .filter = "(objectClass=*)", .seed = 1 };
    int opt;
    while ((opt = getopt(argc, argv, "H:m:b:s:f:a:D:w:v:P:t:d:r:L:S:")) != -1) {
        switch (opt) {
        case 'H': cfg.uri = optarg; break;
        case 'm':
            if (!strcmp(optarg, "search")) cfg.mode = MODE_SEARCH;
            else if (!strcmp(optarg, "bind")) cfg.mode = MODE_BIND;
            else if (!strcmp(optarg, "modify")) cfg.mode = MODE_MODIFY;
            else usage();
            break;
        case 'b': cfg.base = optarg; break;
        case 's':
            if (!strcmp(optarg, "base")) cfg.scope = LDAP_SCOPE_BASE;
            else if (!strcmp(optarg, "one")) cfg.scope = LDAP_SCOPE_ONELEVEL;
            else if (!strcmp(optarg, "sub")) cfg.scope = LDAP_SCOPE_SUBTREE;
            else usage();
            break;
        case 'f': cfg.filter = optarg; break;
        case 'a': if (cfg.n_attrs < 15) cfg.attrs[cfg.n_attrs++] = optarg; break;
        case 'D': cfg.bind_dn = optarg; break;
        case 'w': cfg.password = optarg; break;
        case 'v': cfg.value = optarg; break;
        case 'P': cfg.page_size = atoi(optarg); break;
        case 't': cfg.threads = atoi(optarg); break;
        case 'd': cfg.seconds = atof(optarg); break;
        case 'r':
            if (sscanf(optarg, "%ld:%ld", &cfg.range_lo, &cfg.range_hi) != 2) usage();
            break;
        case 'L':
            if (load_words(&cfg, optarg) < 0) {
                fprintf(stderr, "ldapload: cannot read words from %s\n", optarg);
                return 2;
            }
            break;
        case 'S': cfg.seed = (unsigned)strtoul(optarg, NULL, 10); break;
        default: usage();
        }
    }
    if (!cfg.uri || cfg.threads < 1 || cfg.threads > 256 || cfg.seconds <= 0)
        usage();
    if ((cfg.mode == MODE_SEARCH && !cfg.base) || (cfg.mode == MODE_BIND && (!cfg.bind_dn || !cfg.password))
        || (cfg.mode == MODE_MODIFY && (!cfg.base || !cfg.n_attrs || !cfg.value)))
        usage();

    struct worker *workers = calloc(cfg.threads, sizeof *workers);
    if (!workers)
        return 1;
    double started = now_seconds();
    for (int i = 0; i < cfg.threads; i++) {
        workers[i].cfg = &cfg;
        workers[i].index = i;
        workers[i].rand_state = cfg.seed * 7919u + (unsigned)i;
        pthread_create(&workers[i].thread, NULL, run_worker, &workers[i]);
    }
    size_t total = 0;
    long entries = 0, errors = 0;
    int first_error = 0;
    for (int i = 0; i < cfg.threads; i++) {
        pthread_join(workers[i].thread, NULL);
        total += workers[i].n_latencies;
        entries += workers[i].entries;
        errors += workers[i].errors;
        if (!first_error)
            first_error = workers[i].first_error;
    }
    double elapsed = now_seconds() - started;
    uint32_t *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < cfg.threads; i++) {
        if (workers[i].n_latencies)
            memcpy(all + k, workers[i].latencies_us, workers[i].n_latencies * sizeof *all);
        k += workers[i].n_latencies;
        free(workers[i].latencies_us);
    }
    qsort(all, total, sizeof *all, compare_u32);
#define PCT(p) (total ? all[(size_t)((p) / 100.0 * (total - 1))] : 0)
    printf("{\"ops\":%zu,\"seconds\":%.3f,\"ops_per_sec\":%.1f,\"entries\":%ld,\"errors\":%ld,"
           "\"first_error\":\"%s\",\"p50_us\":%u,\"p90_us\":%u,\"p99_us\":%u,\"max_us\":%u}\n",
           total, elapsed, total / elapsed, entries, errors,
           first_error ? ldap_err2string(first_error) : "", PCT(50), PCT(90), PCT(99),
           total ? all[total - 1] : 0);
    free(all);
    free(workers);
    return errors && !total ? 1 : 0;
}
