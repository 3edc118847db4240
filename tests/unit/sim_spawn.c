/* Start and stop the Python simulators of tests/pve-sim/ (see sim_spawn.h). */
#include "sim_spawn.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

const char *sim_top(void)
{
    const char *top = getenv("CLUSTERDB_TOP");
    return top && *top ? top : CLUSTERDB_SRCDIR;
}

/* The system's interpreter starts fastest (a version manager's shim can
 * take seconds on a loaded machine); $CLUSTERDB_PYTHON overrides. */
static const char *sim_python(void)
{
    const char *python = getenv("CLUSTERDB_PYTHON");
    if (python != NULL && *python)
        return python;
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

int sim_scratch(sim_process *sim)
{
    const char *tmp = getenv("TMPDIR");
    memset(sim, 0, sizeof(*sim));
    sim->pid = -1;
    snprintf(sim->dir, sizeof(sim->dir), "%s/clusterdb-sim.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(sim->dir) ? 0 : -1;
}

int sim_start(sim_process *sim, const char *script, const char *const *args)
{
    char script_path[512], port_path[300];
    const char *argv[40];
    size_t n = 0;
    pid_t pid;

    snprintf(script_path, sizeof(script_path), "%s/tests/pve-sim/%s", sim_top(), script);
    snprintf(port_path, sizeof(port_path), "%s/port", sim->dir);
    unlink(port_path);
    argv[n++] = sim_python();
    argv[n++] = script_path;
    argv[n++] = "--port-file";
    argv[n++] = port_path;
    for (size_t i = 0; args != NULL && args[i] != NULL && n < 38; i++)
        argv[n++] = args[i];
    argv[n] = NULL;

    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    sim->pid = pid;
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(port_path, "r");
        struct timespec ts = {0, 50 * 1000000L};
        int status;
        if (f != NULL) {
            int port = 0;
            int ok = fscanf(f, "%d", &port) == 1 && port > 0;
            fclose(f);
            if (ok) {
                sim->port = port;
                return 0;
            }
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            sim->pid = -1;
            return -1;
        }
        nanosleep(&ts, NULL);
    }
    return -1;
}

void sim_stop(sim_process *sim)
{
    char cmd[300];
    if (sim->pid > 0) {
        kill(sim->pid, SIGTERM);
        while (waitpid(sim->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        sim->pid = -1;
    }
    if (sim->dir[0] != '\0' && strncmp(sim->dir, "/", 1) == 0 && strstr(sim->dir, "clusterdb-sim.")) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sim->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "# could not remove %s\n", sim->dir);
        sim->dir[0] = '\0';
    }
}

struct answer_buf {
    char *data;
    size_t len;
};

static size_t collect(char *chunk, size_t size, size_t nmemb, void *userdata)
{
    struct answer_buf *buf = userdata;
    size_t n = size * nmemb;
    char *grown = realloc(buf->data, buf->len + n + 1);
    if (grown == NULL)
        return 0;
    buf->data = grown;
    memcpy(buf->data + buf->len, chunk, n);
    buf->len += n;
    buf->data[buf->len] = '\0';
    return n;
}

int sim_http(int port, const char *path, const char *body, char **answer)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    struct answer_buf buf = {0};
    char url[512];
    long status = 0;
    int rc = -1;

    if (curl == NULL)
        return -1;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
    if (body != NULL) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    }
    if (curl_easy_perform(curl) == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        if (status == 200)
            rc = 0;
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc == 0 && answer != NULL)
        *answer = buf.data ? buf.data : strdup("");
    else
        free(buf.data);
    return rc;
}
