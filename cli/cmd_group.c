/* clusterdb group add | list | show | add-member | remove-member | delete */
#include <stdint.h>

#include "cli.h"

static json_t *group_json(const cdb_group *g)
{
    json_t *members = json_array();
    for (size_t i = 0; i < g->n_members; i++)
        json_array_append_new(members, cli_jstr(g->member_usernames[i]));
    return json_pack("{s:I, s:o, s:b, s:o, s:o, s:o}",
                     "gidNumber", (json_int_t)g->gid_number,
                     "cn", cli_jstr(g->cn),
                     "isAdministrator", g->is_administrator != 0,
                     "members", members,
                     "createdAt", cli_jstr(g->created_at),
                     "updatedAt", cli_jstr(g->updated_at));
}

static int group_add(struct cli *cli, int argc, char **argv)
{
    const char *gid_text = NULL;
    int admin = 0, system_id = 0;
    const struct cli_opt opts[] = {
        {"gid", "N", "the gidNumber (default: the next free one, from 2000 up)", &gid_text, NULL},
        {"admin", NULL, "members of this group are administrators", NULL, &admin},
        {"allow-system-id", NULL, "accept a --gid below 1000 (Debian's system range)", NULL,
         &system_id},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {"group add CN [--gid N [--allow-system-id]] [--admin]", "Create a group.", opts, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    int64_t gid = 0;
    /* POSIX gid_t is 32 bits and 4294967295 is (gid_t)-1. */
    if (gid_text && (rc = cli_parse_int64("gidNumber", gid_text, 1, 4294967294LL, &gid)))
        return rc;
    if ((rc = cli_open(cli, 0)))
        return rc;
    int64_t created = 0;
    int st = cdb_group_create(cli->db, args[0], gid,
                              (admin ? CDB_GROUP_ADMINISTRATOR : 0) |
                                  (system_id ? CDB_GROUP_ALLOW_SYSTEM_ID : 0),
                              &created);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    cdb_group *g = NULL;
    st = cdb_group_get(cli->db, created, &g);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    rc = cli_emit_done(cli, group_json(g), "created group %s (gidNumber %lld)", cli_printable(g->cn),
                       (long long)g->gid_number);
    cdb_group_free(g);
    return rc;
}

static int append_groups(struct cli *cli, const int64_t *ids, size_t n, json_t *list)
{
    cdb_group **groups = NULL;
    size_t got = 0;
    int st = cdb_group_get_many(cli->db, ids, n, &groups, &got);
    if (st != CDB_OK)
        return st;
    for (size_t i = 0; i < got; i++)
        json_array_append_new(list, group_json(groups[i]));
    cdb_group_array_free(groups, got);
    return CDB_OK;
}

static int group_list(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"group list", "List groups by gidNumber, with members.",
                                         NULL, 0, 0};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    int64_t *ids = NULL;
    size_t n = 0;
    int st = cdb_group_find(cli->db, NULL, 0, 0, &ids, &n);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    static const struct cli_column cols[] = {
        {"gidNumber", "GID"}, {"cn", "CN"}, {"isAdministrator", "ADMIN"}, {"members", "MEMBERS"},
        {NULL, NULL}
    };
    return cli_emit_rows_by_id(cli, ids, n, append_groups, cols);
}

static int group_show(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"group show CN", "Show a group and its members.", NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_group *g = NULL;
    if ((rc = cli_find_group(cli, args[0], &g)))
        return rc;
    rc = cli_emit_object(cli, group_json(g));
    cdb_group_free(g);
    return rc;
}

/* add-member and remove-member differ only in the call and the words. */
static int change_membership(struct cli *cli, int argc, char **argv, int add)
{
    const struct cli_spec spec = {
        add ? "group add-member CN USERNAME" : "group remove-member CN USERNAME",
        add ? "Add a user to a group." : "Remove a user from a group.", NULL, 2, 2};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_group *g = NULL;
    cdb_user *u = NULL;
    if ((rc = cli_find_group(cli, args[0], &g)) || (rc = cli_find_user(cli, args[1], &u)))
        goto done;
    int st = add ? cdb_membership_add(cli->db, u->uid_number, g->gid_number)
                 : cdb_membership_remove(cli->db, u->uid_number, g->gid_number);
    if (st == CDB_ERR_NOTFOUND && !add) {
        rc = cli_error(CLI_EXIT_NOTFOUND, "member", "%s is not a member of %s",
                       cli_printable(u->username), cli_printable(g->cn));
        goto done;
    }
    if (st != CDB_OK) {
        rc = cli_fail(cli, st);
        goto done;
    }
    rc = cli_emit_done(cli, json_pack("{s:o, s:o, s:b}", "cn", cli_jstr(g->cn), "username",
                                      cli_jstr(u->username), "member", add),
                       add ? "added %s to %s" : "removed %s from %s", cli_printable(u->username),
                       cli_printable(g->cn));
done:
    cdb_group_free(g);
    cdb_user_free(u);
    return rc;
}

static int group_add_member(struct cli *cli, int argc, char **argv)
{
    return change_membership(cli, argc, argv, 1);
}

static int group_remove_member(struct cli *cli, int argc, char **argv)
{
    return change_membership(cli, argc, argv, 0);
}

static int group_delete(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"group delete CN",
                                         "Delete a group and its memberships.", NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_group *g = NULL;
    if ((rc = cli_find_group(cli, args[0], &g)))
        return rc;
    int st = cdb_group_delete(cli->db, g->gid_number);
    if (st != CDB_OK)
        rc = cli_fail(cli, st);
    else
        rc = cli_emit_done(cli, json_pack("{s:o, s:I}", "cn", cli_jstr(g->cn), "gidNumber",
                                          (json_int_t)g->gid_number),
                           "deleted group %s", cli_printable(g->cn));
    cdb_group_free(g);
    return rc;
}

int cli_cmd_group(struct cli *cli, int argc, char **argv)
{
    static const struct cli_command cmds[] = {
        {"add", group_add, "create a group"},
        {"list", group_list, "list groups"},
        {"show", group_show, "show one group"},
        {"add-member", group_add_member, "add a user to a group"},
        {"remove-member", group_remove_member, "remove a user from a group"},
        {"delete", group_delete, "delete a group"},
        {NULL, NULL, NULL}
    };
    return cli_dispatch(cli, "group", "Manage groups (Groups and UserGroups).", cmds, argc, argv);
}
