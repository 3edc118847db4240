/* clusterdbd's log: one line per event on stderr, with systemd's level
 * prefixes instead of a timestamp when stderr is the journal. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clusterdbd.h"

/* stderr is systemd's journal: levels as <N> prefixes, no own timestamp. */
static int log_to_journal;

/* systemd sets JOURNAL_STREAM to the device:inode of the stream it gave us;
 * stderr redirected elsewhere since does not count. */
static int stderr_is_journal(void)
{
    const char *stream = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    if (stream == NULL || sscanf(stream, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) != 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static const char *journal_prefix(const char *level)
{
    if (strcmp(level, "error") == 0)
        return "<3>";
    if (strcmp(level, "warning") == 0)
        return "<4>";
    return "<6>";
}

void dlog(const char *level, const char *fmt, ...)
{
    char stamp[32];
    struct timespec now;
    struct tm tm;
    va_list ap;

    if (log_to_journal) {
        fprintf(stderr, "%s%s: ", journal_prefix(level), level);
    } else {
        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
        fprintf(stderr, "%s clusterdbd: %s: ", stamp, level);
    }
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void dlog_init(void)
{
    log_to_journal = stderr_is_journal();
}
