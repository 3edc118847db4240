/*
 * clusterdb: the administration command line of the clusterdb store.
 *
 *   clusterdb [--db FILE] [--json] COMMAND [SUBCOMMAND] [options] [arguments]
 *
 * A thin front end over libclusterdb: this file reads the global options
 * and hands the rest of argv to the command group (cmd_*.c).  Business rules
 * (uid allocation, validation, uniqueness) live in the library only.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cli_command commands[] = {
    {"init", cli_cmd_init, "create the database (if missing) and apply all migrations"},
    {"migrate", cli_cmd_migrate, "apply pending migrations to an existing database"},
    {"status", cli_cmd_status, "schema version and row counts"},
    {"backup", cli_cmd_backup, "write a consistent copy of the database to a file"},
    {"user", cli_cmd_user, "manage users (add, list, show, set, passwd, delete)"},
    {"group", cli_cmd_group, "manage groups and memberships"},
    {"setting", cli_cmd_setting, "read and change settings"},
    {"site", cli_cmd_site, "manage sites"},
    {"node", cli_cmd_node, "manage Proxmox VE nodes"},
    {"domain", cli_cmd_domain, "manage external domains"},
    {"container", cli_cmd_container, "manage containers"},
    {"service", cli_cmd_service, "manage services of containers"},
    {"job", cli_cmd_job, "inspect and manage jobs"},
    {NULL, NULL, NULL}
};

static void print_help(FILE *out)
{
    fprintf(out,
            "Usage: clusterdb [--db FILE] [--json] COMMAND ...\n"
            "\n"
            "Administer the clusterdb database: users, groups, settings and the cluster.\n"
            "\n"
            "Global options:\n"
            "  --db FILE   the database (default: $CLUSTERDB_DB, else " CDB_DEFAULT_DB_PATH ")\n"
            "  --json      machine-readable output (also accepted after any command)\n"
            "  --help      show this help; `clusterdb COMMAND --help` for a command\n"
            "  --version   print the version and exit\n"
            "\n"
            "Commands:\n");
    for (const struct cli_command *c = commands; c->name; c++)
        fprintf(out, "  %-10s  %s\n", c->name, c->summary);
    fprintf(out,
            "\n"
            "Passwords and other secrets are never taken from the command line: use\n"
            "--password-stdin (one line on standard input) or the terminal prompt.\n"
            "\n"
            "Exit status:\n"
            "  0  success\n"
            "  1  other error (database cannot be opened, busy, internal error)\n"
            "  2  usage error (unknown command or option, missing argument)\n"
            "  3  invalid value (the message names the field and the rule)\n"
            "  4  conflict (a unique key is taken, or the row is still referenced)\n"
            "  5  not found\n"
            "Errors are printed to standard error as `clusterdb: <field>: <rule>`.\n");
}

int main(int argc, char **argv)
{
    struct cli cli = {0};
    cli.db_path = cdb_default_db_path();

    static const struct option global_opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}
    };
    opterr = 0;
    int c;
    /* "+": stop at the command word; the command parses the rest. */
    while ((c = getopt_long(argc, argv, "+h", global_opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (!optarg[0])
                return cli_error(CLI_EXIT_USAGE, NULL, "--db needs a file name");
            cli.db_path = optarg;
            break;
        case 'j':
            cli.json = 1;
            break;
        case 'h':
            print_help(stdout);
            return CLI_EXIT_OK;
        case 'V':
            printf("clusterdb %s\n", cdb_version());
            return CLI_EXIT_OK;
        default:
            if (optopt == 'd')
                cli_error(CLI_EXIT_USAGE, NULL, "option --db needs a value");
            else
                cli_error(CLI_EXIT_USAGE, NULL, "unknown option %s", cli_printable(argv[optind - 1]));
            print_help(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error(CLI_EXIT_USAGE, NULL, "missing command");
        print_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[optind];
    int rc = -1;
    for (const struct cli_command *cmd = commands; cmd->name; cmd++)
        if (!strcmp(cmd->name, name))
            rc = cmd->run(&cli, argc - optind, argv + optind);
    if (rc == -1) {
        if (!strcmp(name, "help")) {
            print_help(stdout);
            return CLI_EXIT_OK;
        }
        cli_error(CLI_EXIT_USAGE, NULL, "unknown command %s", cli_printable(name));
        print_help(stderr);
        rc = CLI_EXIT_USAGE;
    }
    cdb_close(cli.db);
    /* A failed write to stdout (a full disk, a closed pipe) is a failure too. */
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == CLI_EXIT_OK)
        rc = cli_error(CLI_EXIT_OTHER, NULL, "cannot write the output: %s", strerror(errno));
    return rc;
}
