/* clusterdb user add | list | show | set | passwd | delete */
#include <stdlib.h>
#include <string.h>

#include <clusterdb/passwd.h>

#include "cli.h"

/* The JSON shape of a user; the password hash is never shown, only whether
 * there is one. */
static json_t *user_json(const cdb_user *u)
{
    json_t *keys = json_array();
    if (u->ssh_public_key) {
        const char *line = u->ssh_public_key;
        while (*line) {
            size_t n = strcspn(line, "\n");
            if (n > 0) {
                char *one = strndup(line, n);
                json_array_append_new(keys, cli_jstr(one));
                free(one);
            }
            line += n;
            if (*line == '\n')
                line++;
        }
    }
    json_t *groups = json_array();
    for (size_t i = 0; i < u->n_groups; i++)
        json_array_append_new(groups, cli_jstr(u->groups[i].cn));
    /* What the directory serves: the stored values or core's defaults. */
    size_t home_len = cdb_user_home_directory(u, NULL, 0);
    char *home = malloc(home_len + 1);
    if (home)
        cdb_user_home_directory(u, home, home_len + 1);
    json_t *out = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:s, s:I, s:o, s:o, s:o, s:o, s:o,"
                            " s:o, s:o}",
                     "uidNumber", (json_int_t)u->uid_number,
                     "username", cli_jstr(u->username),
                     "cn", cli_jstr(u->cn),
                     "sn", cli_jstr(u->sn),
                     "givenName", cli_jstr(u->given_name),
                     "mail", cli_jstr(u->mail),
                     "status", cdb_user_status_name(u->status),
                     "gidNumber", (json_int_t)CDB_PRIMARY_GID,
                     "userPassword", cli_jsecret(u->user_password),
                     "sshPublicKeys", keys,
                     "groups", groups,
                     "loginShell", cli_jstr(cdb_user_login_shell(u)),
                     "homeDirectory", cli_jstr(home),
                     "createdAt", cli_jstr(u->created_at),
                     "updatedAt", cli_jstr(u->updated_at));
    free(home);
    return out;
}

static int parse_status(const char *text, int *out)
{
    cdb_user_status st;
    if (cdb_user_status_parse(text, &st) != CDB_OK)
        return cli_error(CLI_EXIT_INVALID, "status", "must be one of pending, active, suspended");
    *out = (int)st;
    return 0;
}

/* Print the stored user (after add / set) or its JSON. */
static int emit_user_done(struct cli *cli, int64_t uid, const char *verb)
{
    cdb_user *u = NULL;
    int st = cdb_user_get(cli->db, uid, &u);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    int rc = cli_emit_done(cli, user_json(u), "%s user %s (uidNumber %lld)", verb,
                           cli_printable(u->username), (long long)u->uid_number);
    cdb_user_free(u);
    return rc;
}

static int user_add(struct cli *cli, int argc, char **argv)
{
    const char *cn = NULL, *sn = NULL, *given = NULL, *mail = NULL, *key_file = NULL,
               *status_text = NULL, *shell = NULL, *home = NULL;
    int admin = 0, pw_stdin = 0, pw_prompt = 0;
    const struct cli_opt opts[] = {
        {"cn", "NAME", "common name (default: \"GIVEN SN\" or the username)", &cn, NULL},
        {"sn", "NAME", "surname (default: the username)", &sn, NULL},
        {"given-name", "NAME", "given name", &given, NULL},
        {"mail", "ADDRESS", "mail address (unique)", &mail, NULL},
        {"ssh-key-file", "FILE", "OpenSSH public keys, one per line (- for stdin)", &key_file, NULL},
        {"status", "STATUS", "pending, active or suspended (default: active)", &status_text, NULL},
        {"shell", "PATH", "login shell (default: " CDB_DEFAULT_LOGIN_SHELL ")", &shell, NULL},
        {"home", "PATH", "home directory (default: " CDB_DEFAULT_HOME_PREFIX "USERNAME)", &home,
         NULL},
        {"admin", NULL, "make the user an administrator (member of sysadmins)", NULL, &admin},
        {"password-stdin", NULL, "read the password as one line from standard input", NULL, &pw_stdin},
        {"prompt-password", NULL, "prompt for the password on the terminal", NULL, &pw_prompt},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {
        "user add USERNAME [options]",
        "Create a user.  The uidNumber is allocated from 2000 up.  The first user\n"
        "ever created becomes an active member of sysadmins.  Users created here are\n"
        "active unless --status says otherwise; without a password they can log in\n"
        "with SSH keys only.", opts, 1, 1};
    char **args;
    int nargs;
    char password[CLI_SECRET_MAX];
    char *keys = NULL;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    password[0] = '\0';
    cdb_user_input in = {.username = args[0], .cn = cn, .sn = sn, .given_name = given,
                         .mail = mail, .login_shell = shell, .home_directory = home,
                         .status = -1};
    if (pw_stdin && pw_prompt) {
        rc = cli_error(CLI_EXIT_USAGE, NULL, "give either --password-stdin or --prompt-password");
        goto done;
    }
    if (pw_stdin && key_file && !strcmp(key_file, "-")) {
        rc = cli_error(CLI_EXIT_USAGE, NULL, "--password-stdin and --ssh-key-file - both need stdin");
        goto done;
    }
    if (status_text && (rc = parse_status(status_text, &in.status)))
        goto done;
    if (key_file && (rc = cli_read_text_file("sshPublicKey", key_file, &keys)))
        goto done;
    in.ssh_public_key = keys;
    if (pw_stdin && (rc = cli_read_secret_stdin("userPassword", password)))
        goto done;
    if (pw_prompt && (rc = cli_prompt_new_secret("userPassword", "password", password)))
        goto done;
    if (pw_stdin || pw_prompt)
        in.password = password;
    if ((rc = cli_open(cli, 0)))
        goto done;

    int64_t uid = 0;
    in.administrator = admin;
    int st = cdb_user_create(cli->db, &in, 1, &uid);
    if (st != CDB_OK) {
        rc = cli_fail(cli, st);
        goto done;
    }
    rc = emit_user_done(cli, uid, "created");
done:
    cdb_wipe(password, sizeof password);
    free(keys);
    return rc;
}

static int append_users(struct cli *cli, const int64_t *ids, size_t n, json_t *list)
{
    cdb_user **users = NULL;
    size_t got = 0;
    int st = cdb_user_get_many(cli->db, ids, n, &users, &got);
    if (st != CDB_OK)
        return st;
    for (size_t i = 0; i < got; i++)
        json_array_append_new(list, user_json(users[i]));
    cdb_user_array_free(users, got);
    return CDB_OK;
}

static int user_list(struct cli *cli, int argc, char **argv)
{
    const char *status_text = NULL;
    const struct cli_opt opts[] = {
        {"status", "STATUS", "only users with this status", &status_text, NULL},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {"user list [--status STATUS]", "List users by uidNumber.", opts,
                                  0, 0};
    char **args;
    int nargs;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_query by_status = {.op = CDB_Q_EQ, .field = CDB_QF_USER_STATUS};
    if (status_text) {
        int s = 0; /* gcc 12 at -O2 cannot see that parse_status sets it whenever it returns 0 */
        if ((rc = parse_status(status_text, &s)))
            return rc;
        by_status.number = s;
    }
    if ((rc = cli_open(cli, 0)))
        return rc;
    int64_t *ids = NULL;
    size_t n = 0;
    int st = cdb_user_find(cli->db, status_text ? &by_status : NULL, 0, 0, &ids, &n);
    if (st != CDB_OK)
        return cli_fail(cli, st);
    static const struct cli_column cols[] = {
        {"uidNumber", "UID"}, {"username", "USERNAME"}, {"cn", "CN"}, {"mail", "MAIL"},
        {"status", "STATUS"}, {"groups", "GROUPS"}, {"loginShell", "SHELL"}, {NULL, NULL}
    };
    return cli_emit_rows_by_id(cli, ids, n, append_users, cols);
}

static int user_show(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"user show USERNAME",
                                         "Show a user, its SSH keys and its groups.  The password "
                                         "hash is never shown.", NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_user *u = NULL;
    if ((rc = cli_find_user(cli, args[0], &u)))
        return rc;
    rc = cli_emit_object(cli, user_json(u));
    cdb_user_free(u);
    return rc;
}

static int user_set(struct cli *cli, int argc, char **argv)
{
    const char *cn = NULL, *sn = NULL, *given = NULL, *mail = NULL, *key_file = NULL,
               *status_text = NULL, *new_name = NULL, *shell = NULL, *home = NULL;
    int clear_keys = 0;
    const struct cli_opt opts[] = {
        {"username", "NEW", "rename the user", &new_name, NULL},
        {"cn", "NAME", "common name", &cn, NULL},
        {"sn", "NAME", "surname", &sn, NULL},
        {"given-name", "NAME", "given name (\"\" clears it)", &given, NULL},
        {"mail", "ADDRESS", "mail address (\"\" clears it)", &mail, NULL},
        {"status", "STATUS", "pending, active or suspended", &status_text, NULL},
        {"shell", "PATH", "login shell (\"\" for the default, " CDB_DEFAULT_LOGIN_SHELL ")", &shell,
         NULL},
        {"home", "PATH", "home directory (\"\" for the default, " CDB_DEFAULT_HOME_PREFIX
         "USERNAME)", &home, NULL},
        {"ssh-key-file", "FILE", "replace the SSH keys with the file's (- for stdin)", &key_file, NULL},
        {"clear-ssh-keys", NULL, "remove every SSH key", NULL, &clear_keys},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {
        "user set USERNAME [options]",
        "Change fields of a user; fields not named keep their value.  All or nothing:\n"
        "if one value is refused, nothing changes.  Use `user passwd` for the password.",
        opts, 1, 1};
    char **args;
    int nargs;
    char *keys = NULL;
    int rc = cli_parse(cli, &spec, argc, argv, &args, &nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_user_input in = {.username = new_name, .cn = cli_empty_to_null(cn),
                         .sn = cli_empty_to_null(sn), .given_name = cli_empty_to_null(given),
                         .mail = cli_empty_to_null(mail),
                         .login_shell = cli_empty_to_null(shell),
                         .home_directory = cli_empty_to_null(home), .status = -1};
    unsigned fields = (new_name ? CDB_UF_USERNAME : 0) | (cn ? CDB_UF_CN : 0) |
                      (sn ? CDB_UF_SN : 0) | (given ? CDB_UF_GIVEN_NAME : 0) |
                      (mail ? CDB_UF_MAIL : 0) | (status_text ? CDB_UF_STATUS : 0) |
                      (key_file || clear_keys ? CDB_UF_SSH_PUBLIC_KEY : 0) |
                      (shell ? CDB_UF_LOGIN_SHELL : 0) | (home ? CDB_UF_HOME_DIRECTORY : 0);
    if (!fields)
        return cli_error(CLI_EXIT_USAGE, NULL, "nothing to change (see clusterdb user set --help)");
    if (key_file && clear_keys)
        return cli_error(CLI_EXIT_USAGE, NULL, "give either --ssh-key-file or --clear-ssh-keys");
    if (status_text && (rc = parse_status(status_text, &in.status)))
        return rc;
    if (key_file && (rc = cli_read_text_file("sshPublicKey", key_file, &keys)))
        return rc;
    in.ssh_public_key = keys && keys[0] ? keys : NULL;
    cdb_user *u = NULL;
    if ((rc = cli_open(cli, 0)) || (rc = cli_find_user(cli, args[0], &u)))
        goto done;
    int st = cdb_user_update(cli->db, u->uid_number, fields, &in);
    if (st != CDB_OK) {
        rc = cli_fail(cli, st);
        goto done;
    }
    rc = emit_user_done(cli, u->uid_number, "updated");
done:
    cdb_user_free(u);
    free(keys);
    return rc;
}

static int user_passwd(struct cli *cli, int argc, char **argv)
{
    int pw_stdin = 0;
    const struct cli_opt opts[] = {
        {"password-stdin", NULL, "read the password as one line from standard input", NULL, &pw_stdin},
        {NULL, NULL, NULL, NULL, NULL}
    };
    const struct cli_spec spec = {
        "user passwd USERNAME [--password-stdin]",
        "Set a user's password.  Without --password-stdin it is asked twice on the\n"
        "terminal, with echo off.  Stored as an argon2id hash.", opts, 1, 1};
    char **args;
    int nargs;
    char password[CLI_SECRET_MAX];
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_user *u = NULL;
    password[0] = '\0';
    /* Find the user first: no point asking for a password of nobody. */
    if ((rc = cli_find_user(cli, args[0], &u)))
        goto done;
    if (pw_stdin)
        rc = cli_read_secret_stdin("userPassword", password);
    else
        rc = cli_prompt_new_secret("userPassword", "password", password);
    if (rc)
        goto done;
    cdb_user_input in = {.password = password, .status = -1};
    int st = cdb_user_update(cli->db, u->uid_number, CDB_UF_PASSWORD, &in);
    if (st != CDB_OK) {
        rc = cli_fail(cli, st);
        goto done;
    }
    rc = cli_emit_done(cli, json_pack("{s:o, s:b}", "username", cli_jstr(u->username), "passwordSet", 1),
                       "password of %s changed", cli_printable(u->username));
done:
    cdb_wipe(password, sizeof password);
    cdb_user_free(u);
    return rc;
}

static int user_delete(struct cli *cli, int argc, char **argv)
{
    static const struct cli_spec spec = {"user delete USERNAME",
                                         "Delete a user and its group memberships.", NULL, 1, 1};
    char **args;
    int nargs;
    int rc = cli_parse_open(cli, &spec, argc, argv, &args, &nargs, 0);
    if (rc != CLI_CONTINUE)
        return rc;
    cdb_user *u = NULL;
    if ((rc = cli_find_user(cli, args[0], &u)))
        return rc;
    int st = cdb_user_delete(cli->db, u->uid_number);
    if (st != CDB_OK)
        rc = cli_fail(cli, st);
    else
        rc = cli_emit_done(cli, json_pack("{s:o, s:I}", "username", cli_jstr(u->username),
                                          "uidNumber", (json_int_t)u->uid_number),
                           "deleted user %s", cli_printable(u->username));
    cdb_user_free(u);
    return rc;
}

int cli_cmd_user(struct cli *cli, int argc, char **argv)
{
    static const struct cli_command cmds[] = {
        {"add", user_add, "create a user"},
        {"list", user_list, "list users"},
        {"show", user_show, "show one user"},
        {"set", user_set, "change fields of a user"},
        {"passwd", user_passwd, "set a user's password"},
        {"delete", user_delete, "delete a user"},
        {NULL, NULL, NULL}
    };
    return cli_dispatch(cli, "user", "Manage users (Users and their UserGroups).", cmds, argc, argv);
}
