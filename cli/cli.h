/*
 * Shared declarations of the clusterdb admin CLI: the invocation context,
 * exit codes, the option parser, the output layer (tables for people, JSON
 * for programs) and the secret readers.  Each command group lives in its own
 * cmd_*.c file and exports one cli_cmd_<group>() entry point.
 */
#ifndef CLUSTERDB_CLI_H
#define CLUSTERDB_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <clusterdb/access.h>
#include <clusterdb/cluster.h>
#include <clusterdb/clusterdb.h>
#include <clusterdb/directory.h>

/* Exit codes; documented in `clusterdb --help` and docs/cli.md. */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_OTHER = 1,     /* internal error, I/O, busy database, ... */
    CLI_EXIT_USAGE = 2,     /* bad command line */
    CLI_EXIT_INVALID = 3,   /* a value failed validation */
    CLI_EXIT_CONFLICT = 4,  /* a unique key is taken, or a row is still referenced */
    CLI_EXIT_NOTFOUND = 5   /* no such row */
};

/* Returned by cli_parse() when the command should go on (not an exit code). */
#define CLI_CONTINUE (-1)

/* One invocation: global options and the database handle (opened lazily). */
struct cli {
    const char *db_path;
    int json;
    cdb *db;
};

/* ------------------------------------------------------------ commands */

typedef int (*cli_run_fn)(struct cli *cli, int argc, char **argv);

/* A subcommand: argv[0] is its name when run is called. */
struct cli_command {
    const char *name;
    cli_run_fn run;
    const char *summary;
};

/* Run the subcommand argv[1] of `group` (argv[0] is the group name), or print
 * the group's help.  `cmds` ends with an entry whose name is NULL. */
int cli_dispatch(struct cli *cli, const char *group, const char *summary,
                 const struct cli_command *cmds, int argc, char **argv);

int cli_cmd_init(struct cli *cli, int argc, char **argv);
int cli_cmd_migrate(struct cli *cli, int argc, char **argv);
int cli_cmd_status(struct cli *cli, int argc, char **argv);
int cli_cmd_backup(struct cli *cli, int argc, char **argv);
int cli_cmd_user(struct cli *cli, int argc, char **argv);
int cli_cmd_group(struct cli *cli, int argc, char **argv);
int cli_cmd_setting(struct cli *cli, int argc, char **argv);
int cli_cmd_site(struct cli *cli, int argc, char **argv);
int cli_cmd_node(struct cli *cli, int argc, char **argv);
int cli_cmd_domain(struct cli *cli, int argc, char **argv);
int cli_cmd_container(struct cli *cli, int argc, char **argv);
int cli_cmd_service(struct cli *cli, int argc, char **argv);
int cli_cmd_job(struct cli *cli, int argc, char **argv);
/* Print a job's messages as they arrive ("[step] message") until it ends;
 * 0 when it succeeded, CLI_EXIT_OTHER when it failed or was cancelled. */
int cli_follow_job(struct cli *cli, int64_t job_id);

/* ------------------------------------------------------------- options */

/*
 * One long option of a command.  A string option stores its argument in
 * *value (argv memory, not copied); a flag sets *flag to 1.  Exactly one of
 * value / flag is set.  Every option may be given at most once.
 */
struct cli_opt {
    const char *name;   /* without the leading "--" */
    const char *arg;    /* placeholder shown in help ("FILE"); NULL for a flag */
    const char *help;
    const char **value;
    int *flag;
};

struct cli_spec {
    const char *usage;          /* after "clusterdb ": "user add USERNAME [options]" */
    const char *summary;        /* one or more lines of description */
    const struct cli_opt *opts; /* ends with an entry whose name is NULL; may be NULL */
    int min_args, max_args;     /* positional arguments accepted */
};

/*
 * Parse a command's argv (argv[0] is the command name) with getopt_long.
 * --help and --json are understood by every command.  On CLI_CONTINUE the
 * positional arguments are (*args)[0 .. *nargs-1].  Otherwise the return
 * value is the exit code: 0 after printing help, CLI_EXIT_USAGE after a
 * message.
 */
int cli_parse(struct cli *cli, const struct cli_spec *spec, int argc, char **argv,
              char ***args, int *nargs);

/* cli_parse, then cli_open(flags) when the command goes on. */
int cli_parse_open(struct cli *cli, const struct cli_spec *spec, int argc, char **argv,
                   char ***args, int *nargs, unsigned flags);

/* Parse a decimal integer in [min, max]; otherwise print
 * "clusterdb: FIELD: must be an integer from MIN to MAX" and return
 * CLI_EXIT_INVALID.  Returns 0 on success. */
int cli_parse_int64(const char *field, const char *text, int64_t min, int64_t max, int64_t *out);

/* Empty string -> NULL: how optional fields are cleared on the command line. */
const char *cli_empty_to_null(const char *s);

/* ---------------------------------------------------- database / errors */

/* Open cli->db_path with cdb flags unless already open.  0 or an exit code
 * (after a message). */
int cli_open(struct cli *cli, unsigned flags);

/* Report the handle's last failure as "clusterdb: <field>: <message>" and
 * return the exit code for `status`. */
int cli_fail(struct cli *cli, int status);

/* Print "clusterdb: <field>: <message>" (field may be NULL) and return code. */
int cli_error(int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---------------------------------------------------------------- lookups */

/*
 * Find a row by what people type: a user by username, a group by cn, a node
 * by name, a container by hostname, a site or an external domain by name or
 * id, a job or a service by id.  0 or an exit code after a message
 * ("clusterdb: username: no such user: bob" and exit 5 when it is missing).
 * The database must be open.
 */
int cli_find_user(struct cli *cli, const char *username, cdb_user **out);
int cli_find_group(struct cli *cli, const char *cn, cdb_group **out);
int cli_find_site(struct cli *cli, const char *name_or_id, cdb_site **out);
int cli_find_node(struct cli *cli, const char *name, cdb_node **out);
int cli_find_domain(struct cli *cli, const char *domain_or_id, cdb_external_domain **out);
int cli_find_container(struct cli *cli, const char *hostname, cdb_container **out);
int cli_find_job(struct cli *cli, const char *id, cdb_job **out);
int cli_find_service(struct cli *cli, const char *id, cdb_service **out);

/* A lookup by KEY failed with cdb status st: "clusterdb: FIELD: no such WHAT:
 * KEY" and exit 5 when it is CDB_ERR_NOTFOUND, else as cli_fail. */
int cli_lookup_fail(struct cli *cli, int st, const char *field, const char *what, const char *key);

/* The name people know a referenced row by (site name, node name, container
 * hostname, external domain), as a JSON string; null when the id is 0 or the
 * row is gone.  One lookup per call: the cluster tables are small. */
enum cli_ref { CLI_REF_SITE, CLI_REF_NODE, CLI_REF_CONTAINER, CLI_REF_DOMAIN };
json_t *cli_jname(struct cli *cli, enum cli_ref kind, int64_t id);

/* The id of the row a user names where only its id is needed (a filter or a
 * reference), found and reported as by cli_find_*; *id is 0 when key is NULL
 * (nothing named).  0 or an exit code after a message. */
int cli_find_id(struct cli *cli, enum cli_ref kind, const char *key, int64_t *id);

/* ---------------------------------------------------------------- output */

/* A JSON string for s (null for NULL); invalid UTF-8 bytes become U+FFFD so
 * output is always valid JSON. */
json_t *cli_jstr(const char *s);

/* A secret as shown anywhere: true when there is one, else false (tables
 * say yes / no).  The value itself is never printed. */
json_t *cli_jsecret(const char *secret);
/* An optional reference id: null for 0. */
json_t *cli_jid(int64_t id);

/* A column of a human table: the JSON member shown and its heading. */
struct cli_column {
    const char *key;
    const char *heading;
};

/* Print an object: as JSON with --json, else as aligned "key  value" lines.
 * Takes ownership of obj.  Returns 0 or an exit code. */
int cli_emit_object(struct cli *cli, json_t *obj);
/* Print an array of objects: as JSON with --json, else as an aligned table
 * of `cols` (ending with a NULL key).  Takes ownership of array. */
int cli_emit_list(struct cli *cli, json_t *array, const struct cli_column *cols);
/* Fetch the rows with ids[0 .. n-1] (one cdb_*_get_many) and append their
 * JSON objects to list; returns a cdb status. */
typedef int (*cli_append_rows_fn)(struct cli *cli, const int64_t *ids, size_t n, json_t *list);
/* cli_emit_list for the ids a cdb_*_find returned, fetched in batches through
 * `append`.  Takes ownership of ids (released with cdb_free). */
int cli_emit_rows_by_id(struct cli *cli, int64_t *ids, size_t n, cli_append_rows_fn append,
                        const struct cli_column *cols);
/* After a change: with --json print obj, else print `message` to stdout.
 * Takes ownership of obj (may be NULL, then {} is printed). */
int cli_emit_done(struct cli *cli, json_t *obj, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Text safe to put on a terminal: control characters become '?'.  Returns a
 * pointer into a static rotating buffer (short values only: error messages). */
const char *cli_printable(const char *s);

/* ---------------------------------------------------------------- secrets */

#define CLI_SECRET_MAX 1024

/* Read one line (without its line end) from standard input into buf.  A
 * secret is never taken from argv.  0 or an exit code (after a message
 * naming `field`). */
int cli_read_secret_stdin(const char *field, char buf[CLI_SECRET_MAX]);
/* Prompt on the terminal with echo off, twice, and require both to match. */
int cli_prompt_new_secret(const char *field, const char *what, char buf[CLI_SECRET_MAX]);

/* Read a whole text file ("-" is standard input), at most 1 MiB, without
 * trailing line ends.  *out is released with free().  0 or an exit code. */
int cli_read_text_file(const char *field, const char *path, char **out);

#endif
