/* clusterdb init | migrate | status | backup: the database file and its schema. */
#include <stdio.h>
#include <time.h>

#include <clusterdb/cluster.h>
#include <clusterdb/directory.h>

#include "cli.h"

static int report_versions(struct cli *cli, const char *verb)
{
    int current = 0, known = 0;
    int st = cdb_schema_version(cli->db, &current, &known);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    json_t *o = json_pack("{s:o, s:i, s:i}", "database", cli_jstr(cli->db_path),
                          "schemaVersion", current, "knownVersion", known);
    return cli_emit_done(cli, o, "%s %s: schema version %d", verb, cli_printable(cli->db_path),
                         current);
}

int cli_cmd_init(struct cli *cli, int argc, char **argv)
{
    static int group_read;
    static const struct cli_opt opts[] = {
        {"group-read", NULL, "create the file 0640 (its directory 0750) for slapd's group",
         NULL, &group_read},
        {NULL, NULL, NULL, NULL, NULL}};
    static const struct cli_spec spec = {
        "init [--group-read]",
        "Create the database file if it does not exist and apply every migration.\n"
        "A new file is 0600 (its new directory 0700) whatever the umask.\n"
        "Safe to run again on an existing database.", opts, 0, 0};
    char **args;
    int nargs;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    rc = cli_open(cli, CDB_OPEN_CREATE | CDB_OPEN_MIGRATE | (group_read ? CDB_OPEN_GROUP_READ : 0));
    if (rc)
        return rc;
    return report_versions(cli, "initialised");
}

int cli_cmd_migrate(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {
        "migrate", "Apply pending migrations to an existing database, each in its own\n"
                   "transaction.  Does nothing when the schema is current.", NULL, 0, 0};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, CDB_OPEN_MIGRATE);
    if (rc != CLI_CONTINUE)
        return rc;
    int st = cdb_migrate(cli->db);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    return report_versions(cli, "migrated");
}

/* The cluster tables are small: counting through the list functions is fine. */
static int count_nodes(cdb *db, int64_t *count)
{
    cdb_node **rows = NULL;
    size_t n = 0;
    int st = cdb_node_list(db, 0, &rows, &n);
    if (st == CDB_OK) {
        *count = (int64_t)n;
        cdb_node_array_free(rows, n);
    }
    return st;
}

static int count_containers(cdb *db, int64_t *count)
{
    cdb_container **rows = NULL;
    size_t n = 0;
    int st = cdb_container_list(db, 0, &rows, &n);
    if (st == CDB_OK) {
        *count = (int64_t)n;
        cdb_container_array_free(rows, n);
    }
    return st;
}

int cli_cmd_status(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {
        "status", "Show the schema version of the database and of this program, and how\n"
                  "many users, groups, nodes and containers it holds.", NULL, 0, 0};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    int current = 0, known = 0;
    int64_t users = 0, groups = 0, nodes = 0, containers = 0;
    int st = cdb_schema_version(cli->db, &current, &known);
    if (st == CDB_OK)
        st = cdb_user_count(cli->db, &users);
    if (st == CDB_OK)
        st = cdb_group_count(cli->db, &groups);
    if (st == CDB_OK)
        st = count_nodes(cli->db, &nodes);
    if (st == CDB_OK)
        st = count_containers(cli->db, &containers);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    json_t *o = json_pack("{s:o, s:{s:i, s:i, s:b}, s:{s:I, s:I, s:I, s:I}}",
                          "database", cli_jstr(cli->db_path),
                          "schema", "current", current, "known", known, "upToDate", current == known,
                          "counts", "users", (json_int_t)users, "groups", (json_int_t)groups,
                          "nodes", (json_int_t)nodes, "containers", (json_int_t)containers);
    return cli_emit_object(cli, o);
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cli_cmd_backup(struct cli *cli, int argc, char **argv)
{
    static int force;
    static const struct cli_opt opts[] = {
        {"force", NULL, "replace FILE if it exists", NULL, &force},
        {NULL, NULL, NULL, NULL, NULL}};
    static const struct cli_spec spec = {
        "backup FILE [--force]",
        "Write a consistent copy of the database to FILE while other programs\n"
        "keep writing.  FILE is created 0600, checked (integrity, schema version)\n"
        "and synced under a temporary name in its directory, then renamed.\n"
        "An existing FILE is refused unless --force.  Restoring: docs/backup.md.",
        opts, 1, 1};
    char **args;
    int nargs;
    /* Any schema version: a backup before `clusterdb migrate` is the point. */
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, CDB_OPEN_ANY_VERSION);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_backup_result result;
    int64_t started = monotonic_ms();
    int st = cdb_backup(cli->db, args[0], force ? CDB_BACKUP_REPLACE : 0, &result);
    if (st == CDB_ERR_CONFLICT)
        return cli_error(CLI_EXIT_CONFLICT, NULL, "%s (--force replaces it)", cdb_errmsg(cli->db));
    if (st != CDB_OK)
        return cli_fail(cli, st);
    int64_t duration = monotonic_ms() - started;
    json_t *o = json_pack("{s:o, s:o, s:I, s:i, s:I}", "database", cli_jstr(cli->db_path),
                          "path", cli_jstr(args[0]), "bytes", (json_int_t)result.bytes,
                          "schemaVersion", result.schema_version, "durationMs", (json_int_t)duration);
    return cli_emit_done(cli, o, "backed up %s to %s: %lld bytes, schema version %d, %lld ms",
                         cli_printable(cli->db_path), cli_printable(args[0]),
                         (long long)result.bytes, result.schema_version, (long long)duration);
}
