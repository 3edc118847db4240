/*
 * Opening the database and turning library failures into messages and exit
 * codes.  Every message goes to stderr as "clusterdb: <field>: <rule>", the
 * field and rule coming from the library (cdb_errfield / cdb_errmsg), which
 * never puts a secret into them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The exit code for a cdb status. */
static int cli_exit_code(int status)
{
    switch (status) {
    case CDB_OK:
        return CLI_EXIT_OK;
    case CDB_ERR_INVALID:
        return CLI_EXIT_INVALID;
    case CDB_ERR_CONFLICT:
    case CDB_ERR_CONSTRAINT:
        return CLI_EXIT_CONFLICT;
    case CDB_ERR_NOTFOUND:
        return CLI_EXIT_NOTFOUND;
    default:
        return CLI_EXIT_OTHER;
    }
}

/* Write s with control characters replaced: a message may quote input. */
static void put_printable(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        fputc(c < 0x20 || c == 0x7f ? '?' : c, stderr);
    }
}

int cli_error(int code, const char *field, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fputs("clusterdb: ", stderr);
    if (field && field[0]) {
        put_printable(field);
        fputs(": ", stderr);
    }
    put_printable(msg);
    fputc('\n', stderr);
    return code;
}

int cli_fail(struct cli *cli, int status)
{
    const char *field = cli->db ? cdb_errfield(cli->db) : NULL;
    const char *msg = cli->db ? cdb_errmsg(cli->db) : NULL;
    if (!msg || !msg[0])
        msg = cdb_strerror(status);
    /* Do not repeat the field when the message starts with it
     * ("mail must be ..." -> "clusterdb: mail: must be ..."). */
    if (field && field[0]) {
        size_t n = strlen(field);
        if (!strncmp(msg, field, n) && (msg[n] == ':' || msg[n] == ' ') && msg[n + 1]) {
            msg += n + 1;
            while (*msg == ' ')
                msg++;
        }
    }
    return cli_error(cli_exit_code(status), field, "%s", msg);
}

int cli_open(struct cli *cli, unsigned flags)
{
    if (cli->db)
        return CLI_EXIT_OK;
    cdb *db = NULL;
    int rc = cdb_open(cli->db_path, flags, &db);
    cli->db = db;
    if (rc == CDB_OK)
        return CLI_EXIT_OK;
    /* core's message names the file already */
    int code = db ? cli_error(CLI_EXIT_OTHER, NULL, "%s", cdb_errmsg(db))
                  : cli_error(CLI_EXIT_OTHER, NULL, "%s: %s", cli_printable(cli->db_path),
                              cdb_strerror(rc));
    cdb_close(db);
    cli->db = NULL;
    return code;
}
