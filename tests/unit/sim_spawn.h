/* Start and stop the Python simulators of tests/pve-sim/ from a unit test. */
#ifndef CLUSTERDB_TEST_SIM_SPAWN_H
#define CLUSTERDB_TEST_SIM_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

typedef struct sim_process {
    pid_t pid;
    int port;
    char dir[256];  /* scratch directory (port file, certificates) */
} sim_process;

/* A fresh scratch directory in *sim (removed by sim_stop). 0 or -1. */
int sim_scratch(sim_process *sim);

/* Run `python3 <top>/tests/pve-sim/<script> --port-file <dir>/port args...`
 * (args NULL-terminated) and wait up to 10 s for the port.  0 or -1. */
int sim_start(sim_process *sim, const char *script, const char *const *args);

/* Kill the process (by its PID) and remove the scratch directory. */
void sim_stop(sim_process *sim);

/* The source tree's top directory ($CLUSTERDB_TOP, else the configured one). */
const char *sim_top(void);

/* POST a JSON body to http://127.0.0.1:<port><path>; GET when body is NULL.
 * The answer (malloc'd, NUL-terminated) in *answer when not NULL.  0 or -1. */
int sim_http(int port, const char *path, const char *body, char **answer);

#endif
