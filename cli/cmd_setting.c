/* clusterdb setting get | set | list | delete */
#include <stdio.h>

#include <clusterdb/settings.h>
#include <clusterdb/validate.h>

#include "cli.h"

#define CLI_SETTING_MAX 4096

static int setting_get(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"setting get KEY",
                                         "Print a setting's value (exit 5 if it is not set).", NULL,
                                         1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    char *value = NULL;
    int st = cdb_setting_get(cli->db, args[0], &value);
    if (st != CDB_OK)
        return cli_lookup_fail(cli, st, "key", "setting", args[0]);
    if (cli->json)
        rc = cli_emit_object(cli, json_pack("{s:o, s:o}", "key", cli_jstr(args[0]), "value",
                                            cli_jstr(value)));
    else
        rc = cli_emit_done(cli, NULL, "%s", value ? value : "");
    cdb_free(value);
    return rc;
}

static int setting_set(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {
        "setting set KEY VALUE",
        "Create or change a setting.  Known keys: " CDB_SETTING_PUSH_URL ",\n"
        CDB_SETTING_PUSH_ENABLED " (true or false).", NULL, 2, 2};
    char **args;
    int nargs;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    /* The store takes any string as a value; settings end up in URLs and
     * LDAP-facing behaviour, so refuse what is not clean text here. */
    if (!cdb_valid_text(args[1], CLI_SETTING_MAX))
        return cli_error(CLI_EXIT_INVALID, "value",
                         "must be valid UTF-8 without control characters, at most %d bytes",
                         CLI_SETTING_MAX);
    if ((rc = cli_open(cli, 0)))
        return rc;
    int st = cdb_setting_set(cli->db, args[0], args[1]);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    return cli_emit_done(cli, json_pack("{s:o, s:o}", "key", cli_jstr(args[0]), "value",
                                        cli_jstr(args[1])),
                         "%s set", cli_printable(args[0]));
}

static int setting_delete(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"setting delete KEY", "Remove a setting.", NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    int st = cdb_setting_delete(cli->db, args[0]);
    if (st != CDB_OK)
        return cli_lookup_fail(cli, st, "key", "setting", args[0]);
    return cli_emit_done(cli, json_pack("{s:o}", "key", cli_jstr(args[0])), "%s deleted",
                         cli_printable(args[0]));
}

static int setting_list(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"setting list", "List all settings by key.", NULL, 0, 0};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_setting *settings = NULL;
    size_t n = 0;
    int st = cdb_setting_list(cli->db, &settings, &n);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:o, s:o}", "key", cli_jstr(settings[i].key),
                                              "value", cli_jstr(settings[i].value)));
    cdb_setting_array_free(settings, n);
    static const struct cli_column cols[] = {{"key", "KEY"}, {"value", "VALUE"}, {NULL, NULL}};
    return cli_emit_list(cli, list, cols);
}

int cli_cmd_setting(struct cli *cli, int argc, char **argv)
{
    static const struct cli_command cmds[] = {
        {"get", setting_get, "print a setting's value"},
        {"set", setting_set, "create or change a setting"},
        {"list", setting_list, "list settings"},
        {"delete", setting_delete, "remove a setting"},
        {NULL, NULL, NULL}
    };
    return cli_dispatch(cli, "setting", "Read and change Settings.", cmds, argc, argv);
}
