/*
 * hash_gate.c: at most N argon2 runs (hash or verify) at once in this
 * process.  Each run takes m_cost of memory (64 MiB by default) and a core
 * of CPU: without a bound, a storm of binds for unknown users (which need no
 * credentials) makes every slapd worker hash at once, and memory grows with
 * the thread count while every other operation waits for CPU.  Runs past the
 * bound wait, up to a limit, then fail with CDB_ERR_BUSY.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <clusterdb/passwd.h>

#include "internal.h"

#define DEFAULT_WAIT_MS 10000L

static pthread_mutex_t gate_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond;
static pthread_once_t gate_once = PTHREAD_ONCE_INIT;
static unsigned gate_max;     /* 0: the default */
static long gate_wait_ms;     /* 0: the default */
static unsigned gate_running;
static unsigned gate_peak;

static void gate_init(void)
{
    pthread_condattr_t attr;

    /* Waits are measured on the monotonic clock: a clock step must not
     * release or strand a waiter. */
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&gate_cond, &attr);
    pthread_condattr_destroy(&attr);
}

/* Argon2 is CPU-bound: more runs at once than cores adds memory, not
 * throughput. */
static unsigned default_max(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    return cpus < 2 ? 2 : (unsigned)cpus;
}

void cdb_password_set_concurrency(unsigned max_concurrent, long wait_ms)
{
    pthread_once(&gate_once, gate_init);
    pthread_mutex_lock(&gate_mutex);
    gate_max = max_concurrent;
    gate_wait_ms = wait_ms > 0 ? wait_ms : 0;
    pthread_cond_broadcast(&gate_cond); /* a raised bound lets waiters in */
    pthread_mutex_unlock(&gate_mutex);
}

unsigned cdb_password_peak_concurrency(void)
{
    unsigned peak;

    pthread_mutex_lock(&gate_mutex);
    peak = gate_peak;
    pthread_mutex_unlock(&gate_mutex);
    return peak;
}

int cdb_hash_gate_enter(void)
{
    struct timespec deadline;
    long wait_ms;
    int rc = 0;

    pthread_once(&gate_once, gate_init);
    pthread_mutex_lock(&gate_mutex);
    wait_ms = gate_wait_ms ? gate_wait_ms : DEFAULT_WAIT_MS;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += wait_ms / 1000;
    deadline.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    while (gate_running >= (gate_max ? gate_max : default_max()) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&gate_cond, &gate_mutex, &deadline);
    if (gate_running < (gate_max ? gate_max : default_max())) {
        gate_running++;
        if (gate_running > gate_peak)
            gate_peak = gate_running;
        rc = 0;
    }
    pthread_mutex_unlock(&gate_mutex);
    return rc == 0 ? CDB_OK : CDB_ERR_BUSY;
}

void cdb_hash_gate_leave(void)
{
    pthread_mutex_lock(&gate_mutex);
    gate_running--;
    pthread_cond_signal(&gate_cond);
    pthread_mutex_unlock(&gate_mutex);
}
