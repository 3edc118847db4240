/* The daemon's signals: SIGTERM/SIGINT stop it, SIGHUP asks for a look at
 * the jobs and a render now.  Handlers only set flags; the main loop acts. */
#include <signal.h>
#include <stddef.h>

#include "clusterdbd.h"

volatile sig_atomic_t daemon_stopping;
static volatile sig_atomic_t reload_requested;

static void on_stop_signal(int signo)
{
    (void)signo;
    daemon_stopping = 1;
}

static void on_reload_signal(int signo)
{
    (void)signo;
    reload_requested = 1;
}

void daemon_signals_install(void)
{
    struct sigaction stop = {0};
    struct sigaction reload = {0};

    /* Not SA_RESTART: the signal must cut a sleep short. */
    stop.sa_handler = on_stop_signal;
    sigemptyset(&stop.sa_mask);
    sigaction(SIGTERM, &stop, NULL);
    sigaction(SIGINT, &stop, NULL);
    reload.sa_handler = on_reload_signal;
    sigemptyset(&reload.sa_mask);
    sigaction(SIGHUP, &reload, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int daemon_take_reload_request(void)
{
    if (!reload_requested)
        return 0;
    reload_requested = 0;
    return 1;
}
