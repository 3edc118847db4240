/*
 * Command-line parsing shared by every command: one getopt_long loop driven
 * by a table of options, so no command has an option loop of its own, and
 * the help text is generated from the same table that the parser uses.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CLI_MAX_OPTS 40

/* Options every command accepts, after its own. */
enum { OPT_HELP = 1000, OPT_JSON = 1001 };

/* Print spec's help to stdout. */
static void cli_print_help(const struct cli_spec *spec)
{
    printf("Usage: clusterdb [--db FILE] [--json] %s\n\n%s\n", spec->usage, spec->summary);
    printf("\nOptions:\n");
    size_t width = strlen("--json");
    for (const struct cli_opt *o = spec->opts; o && o->name; o++) {
        size_t w = 2 + strlen(o->name) + (o->arg ? 1 + strlen(o->arg) : 0);
        if (w > width)
            width = w;
    }
    for (const struct cli_opt *o = spec->opts; o && o->name; o++) {
        char left[128];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-*s  %s\n", (int)width, left, o->help);
    }
    printf("  %-*s  %s\n", (int)width, "--json", "machine-readable output");
    printf("  %-*s  %s\n", (int)width, "--help", "show this help");
    printf("\nExit status: 0 ok, 1 other error, 2 usage error, 3 invalid value,\n"
           "4 conflict (unique key taken or row still referenced), 5 not found.\n");
}

/* Length of the command words at the start of a usage line ("user add"):
 * they end before the first argument placeholder (upper case or '['). */
static size_t command_length(const char *usage)
{
    size_t end = 0;
    for (size_t i = 0; usage[i];) {
        if (usage[i] == '[' || (usage[i] >= 'A' && usage[i] <= 'Z'))
            break;
        while (usage[i] && usage[i] != ' ')
            i++;
        end = i;
        while (usage[i] == ' ')
            i++;
    }
    return end;
}

static int usage_error(const struct cli_spec *spec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int usage_error(const struct cli_spec *spec, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("clusterdb: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nUsage: clusterdb %s\n(see clusterdb %.*s --help)\n", spec->usage,
            (int)command_length(spec->usage), spec->usage);
    return CLI_EXIT_USAGE;
}

int cli_parse(struct cli *cli, const struct cli_spec *spec, int argc, char **argv,
              char ***args, int *nargs)
{
    struct option longopts[CLI_MAX_OPTS + 3];
    int seen[CLI_MAX_OPTS] = {0};
    size_t n = 0;
    for (const struct cli_opt *o = spec->opts; o && o->name; o++) {
        if (n == CLI_MAX_OPTS)
            return cli_error(CLI_EXIT_OTHER, NULL, "too many options in %s", spec->usage);
        /* val is index + 1: glibc reports a missing argument through optopt = val,
         * and 0 there means "unknown option". */
        longopts[n] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL, (int)n + 1};
        n++;
    }
    longopts[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
    longopts[n++] = (struct option){"json", no_argument, NULL, OPT_JSON};
    longopts[n] = (struct option){NULL, 0, NULL, 0};

    /* optind = 0 makes glibc reinitialise: main() already ran getopt once. */
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == OPT_HELP || c == 'h') {
            cli_print_help(spec);
            return CLI_EXIT_OK;
        }
        if (c == OPT_JSON) {
            cli->json = 1;
            continue;
        }
        if (c == '?' || c == ':') {
            const char *bad = argv[optind - 1];
            if (optopt > 0 && optopt <= CLI_MAX_OPTS && longopts[optopt - 1].has_arg == required_argument)
                return usage_error(spec, "option --%s needs a value", longopts[optopt - 1].name);
            return usage_error(spec, "unknown option %s", cli_printable(bad));
        }
        const struct cli_opt *o = &spec->opts[c - 1];
        if (seen[c - 1]++)
            return usage_error(spec, "option --%s given twice", o->name);
        if (o->arg)
            *o->value = optarg;
        else
            *o->flag = 1;
    }
    int count = argc - optind;
    if (count < spec->min_args)
        return usage_error(spec, "%s", "missing argument");
    if (count > spec->max_args)
        return usage_error(spec, "unexpected argument %s", cli_printable(argv[optind + spec->max_args]));
    *args = argv + optind;
    *nargs = count;
    return CLI_CONTINUE;
}

int cli_parse_open(struct cli *cli, const struct cli_spec *spec, int argc, char **argv,
                   char ***args, int *nargs, unsigned flags)
{
    int rc = cli_parse(cli, spec, argc, argv, args, nargs);
    if (rc != CLI_CONTINUE)
        return rc;
    rc = cli_open(cli, flags);
    return rc ? rc : CLI_CONTINUE;
}

int cli_parse_int64(const char *field, const char *text, int64_t min, int64_t max, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (text[0] == '\0' || text[0] == ' ' || *end != '\0' || errno == ERANGE || v < min || v > max)
        return cli_error(CLI_EXIT_INVALID, field, "must be an integer from %" PRId64 " to %" PRId64,
                         min, max);
    *out = v;
    return 0;
}

const char *cli_empty_to_null(const char *s)
{
    return s && s[0] ? s : NULL;
}

int cli_dispatch(struct cli *cli, const char *group, const char *summary,
                 const struct cli_command *cmds, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL;
    int help = sub && (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help"));
    if (sub && !help) {
        for (const struct cli_command *c = cmds; c->name; c++)
            if (!strcmp(c->name, sub))
                return c->run(cli, argc - 1, argv + 1);
    }
    FILE *out = help ? stdout : stderr;
    if (!help)
        fprintf(stderr, sub ? "clusterdb: %s: unknown command %s\n" : "clusterdb: %s: missing command%s\n",
                group, sub ? cli_printable(sub) : "");
    fprintf(out, "Usage: clusterdb [--db FILE] [--json] %s COMMAND [options]\n\n%s\n\nCommands:\n",
            group, summary);
    for (const struct cli_command *c = cmds; c->name; c++)
        fprintf(out, "  %-16s %s\n", c->name, c->summary);
    fprintf(out, "\nRun `clusterdb %s COMMAND --help` for a command's options.\n", group);
    return help ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}
