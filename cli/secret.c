/*
 * Reading secrets and files.  Secrets (passwords, API token secrets, API
 * keys) never come from argv, where every user of the machine can read them
 * in /proc: they come from standard input or from the terminal with echo
 * off.  Secrets are read with read(2) into the caller's fixed buffer, so no
 * stdio buffer keeps a copy, and every scratch copy is wiped.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <clusterdb/passwd.h>

#include "cli.h"

#define CLI_FILE_MAX (1024 * 1024)

/* Read one line from fd into buf (NUL-terminated, line end removed).
 * Returns 0, or an exit code after a message. */
static int read_line(int fd, const char *field, char buf[CLI_SECRET_MAX], int *got_eof)
{
    size_t len = 0;
    int saw_nul = 0;
    *got_eof = 0;
    for (;;) {
        char c;
        ssize_t n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cdb_wipe(buf, CLI_SECRET_MAX);
            return cli_error(CLI_EXIT_OTHER, field, "cannot read: %s", strerror(errno));
        }
        if (n == 0) {
            *got_eof = 1;
            break;
        }
        if (c == '\n')
            break;
        if (c == '\0')
            saw_nul = 1;
        if (len == CLI_SECRET_MAX - 1) {
            cdb_wipe(buf, CLI_SECRET_MAX);
            return cli_error(CLI_EXIT_INVALID, field, "must be at most %d bytes",
                             CLI_SECRET_MAX - 1);
        }
        buf[len++] = c;
    }
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    buf[len] = '\0';
    if (saw_nul) {
        cdb_wipe(buf, CLI_SECRET_MAX);
        return cli_error(CLI_EXIT_INVALID, field, "must not contain a NUL byte");
    }
    return 0;
}

int cli_read_secret_stdin(const char *field, char buf[CLI_SECRET_MAX])
{
    int eof;
    int rc = read_line(STDIN_FILENO, field, buf, &eof);
    if (rc)
        return rc;
    if (eof && buf[0] == '\0')
        return cli_error(CLI_EXIT_USAGE, field, "expected a line on standard input, got none");
    return 0;
}

/* The terminal's settings while echo is off, restored by a signal handler
 * too: an interrupted prompt must not leave the terminal silent. */
static struct termios saved_termios;
static volatile sig_atomic_t echo_is_off;
static int tty_fd = -1;

static void restore_echo(void)
{
    if (echo_is_off) {
        tcsetattr(tty_fd, TCSAFLUSH, &saved_termios);
        echo_is_off = 0;
    }
}

static void on_signal(int sig)
{
    restore_echo();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int prompt_once(const char *field, const char *prompt, char buf[CLI_SECRET_MAX])
{
    struct termios quiet;
    if (tcgetattr(tty_fd, &saved_termios) != 0)
        return cli_error(CLI_EXIT_OTHER, field, "cannot read terminal settings: %s", strerror(errno));
    quiet = saved_termios;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
    quiet.c_lflag |= ICANON;
    /* Echo off first, prompt second: TCSAFLUSH discards pending input, so
     * anything typed after the prompt appeared must come after the flush. */
    echo_is_off = 1;
    if (tcsetattr(tty_fd, TCSAFLUSH, &quiet) != 0) {
        echo_is_off = 0;
        return cli_error(CLI_EXIT_OTHER, field, "cannot turn off echo: %s", strerror(errno));
    }
    fputs(prompt, stderr);
    fflush(stderr);
    int eof;
    int rc = read_line(tty_fd, field, buf, &eof);
    restore_echo();
    fputc('\n', stderr);
    if (rc == 0 && eof && buf[0] == '\0')
        rc = cli_error(CLI_EXIT_USAGE, field, "no input");
    return rc;
}

int cli_prompt_new_secret(const char *field, const char *what, char buf[CLI_SECRET_MAX])
{
    if (!isatty(STDIN_FILENO))
        return cli_error(CLI_EXIT_USAGE, field,
                         "standard input is not a terminal: give --password-stdin and pipe the %s",
                         what);
    tty_fd = STDIN_FILENO;
    struct sigaction sa, old_int, old_term, old_hup;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);

    char again[CLI_SECRET_MAX];
    char prompt[128];
    snprintf(prompt, sizeof prompt, "New %s: ", what);
    int rc = prompt_once(field, prompt, buf);
    if (rc == 0) {
        snprintf(prompt, sizeof prompt, "Retype new %s: ", what);
        rc = prompt_once(field, prompt, again);
        if (rc == 0 && strcmp(buf, again) != 0)
            rc = cli_error(CLI_EXIT_INVALID, field, "the two entries do not match");
        if (rc != 0)
            cdb_wipe(buf, CLI_SECRET_MAX);
    }
    cdb_wipe(again, sizeof again);

    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    return rc;
}

int cli_read_text_file(const char *field, const char *path, char **out)
{
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    if (fd < 0)
        return cli_error(CLI_EXIT_USAGE, field, "cannot open %s: %s", cli_printable(path),
                         strerror(errno));
    int rc = 0;
    size_t len = 0;
    char *text = malloc(CLI_FILE_MAX + 1);
    if (!text) {
        rc = cli_error(CLI_EXIT_OTHER, NULL, "out of memory");
        goto done;
    }
    for (;;) {
        ssize_t n = read(fd, text + len, CLI_FILE_MAX + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = cli_error(CLI_EXIT_OTHER, field, "cannot read %s: %s", cli_printable(path),
                           strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > CLI_FILE_MAX) {
            rc = cli_error(CLI_EXIT_INVALID, field, "file larger than %d bytes", CLI_FILE_MAX);
            goto done;
        }
    }
    if (memchr(text, '\0', len)) {
        rc = cli_error(CLI_EXIT_INVALID, field, "must not contain a NUL byte");
        goto done;
    }
    /* CRLF files from other systems: keep only the LF. */
    size_t o = 0;
    for (size_t i = 0; i < len; i++)
        if (!(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n'))
            text[o++] = text[i];
    while (o > 0 && (text[o - 1] == '\n' || text[o - 1] == '\r'))
        o--;
    text[o] = '\0';
    *out = text;
    text = NULL;
done:
    free(text);
    if (fd != STDIN_FILENO)
        close(fd);
    return rc;
}
