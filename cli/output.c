/*
 * The output layer.  Every command describes what it shows as a JSON value
 * (named after the schema's columns); this file prints that value either as
 * JSON (--json) or for people: aligned "key  value" lines for one object,
 * an aligned table for a list.  One representation, two renderings, so the
 * two can never disagree about what a command shows.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterdb/validate.h>

#include "cli.h"

json_t *cli_jstr(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    /* Invalid UTF-8 (the store validates text, so only old or foreign rows):
     * replace each bad byte with U+FFFD rather than fail or emit bad JSON. */
    size_t len = strlen(s);
    char *fixed = malloc(len * 3 + 1);
    if (!fixed)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = cdb_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (n == 0) {
            memcpy(fixed + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(fixed + o, s + i, n);
            o += n;
            i += n;
        }
    }
    fixed[o] = '\0';
    j = json_string(fixed);
    free(fixed);
    return j;
}

json_t *cli_jsecret(const char *secret)
{
    return json_boolean(secret && secret[0]);
}

json_t *cli_jid(int64_t id)
{
    return id ? json_integer(id) : json_null();
}

/* Columns a string occupies on a terminal (code points; good enough for the
 * names and addresses shown here). */
static size_t display_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

const char *cli_printable(const char *s)
{
    static char bufs[4][256];
    static unsigned next;
    char *b = bufs[next++ % 4];
    size_t o = 0;
    if (!s)
        s = "(null)";
    for (; *s && o < sizeof bufs[0] - 4; s++) {
        unsigned char c = (unsigned char)*s;
        b[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (*s) {
        memcpy(b + o, "...", 3);
        o += 3;
    }
    b[o] = '\0';
    return b;
}

/* --------------------------------------------------- text rendering */

struct strbuf {
    char *s;
    size_t len, cap;
};

static void sb_add(struct strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p)
            return;  /* output is truncated, never corrupted */
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_str(struct strbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static char *sb_take(struct strbuf *b)
{
    if (!b->s)
        return strdup("");
    return b->s;
}

/* A scalar as text; arrays joined with `sep`, objects' values with two spaces. */
static void render(struct strbuf *b, json_t *v, const char *null_text, const char *sep)
{
    char num[32];
    size_t i;
    json_t *item;
    const char *key;
    switch (json_typeof(v)) {
    case JSON_NULL:
        sb_str(b, null_text);
        break;
    case JSON_STRING:
        sb_add(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        sb_str(b, num);
        break;
    case JSON_REAL:
        snprintf(num, sizeof num, "%g", json_real_value(v));
        sb_str(b, num);
        break;
    case JSON_TRUE:
        sb_str(b, "yes");
        break;
    case JSON_FALSE:
        sb_str(b, "no");
        break;
    case JSON_ARRAY:
        json_array_foreach(v, i, item) {
            if (i)
                sb_str(b, sep);
            render(b, item, null_text, ", ");
        }
        break;
    case JSON_OBJECT:
        i = 0;
        json_object_foreach(v, key, item) {
            if (i++)
                sb_str(b, "  ");
            render(b, item, null_text, ", ");
        }
        break;
    }
}

static char *render_text(json_t *v, const char *null_text, const char *sep)
{
    struct strbuf b = {0};
    render(&b, v, null_text, sep);
    return sb_take(&b);
}

/* Control characters would let a stored value move the cursor or fake
 * lines of output: tables flatten them to spaces. */
static void flatten_controls(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = ' ';
}

/* Keep newlines (multi-line values are printed as continuation lines) and
 * tabs; other control characters become '?'. */
static void neutralise_controls(char *s)
{
    for (; *s; s++)
        if (((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') || *s == 0x7f)
            *s = '?';
}

/* ---------------------------------------------------------- JSON */

static int emit_json(json_t *v)
{
    int rc = CLI_EXIT_OK;
    if (json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
        rc = cli_error(CLI_EXIT_OTHER, NULL, "cannot write JSON output");
    else
        putchar('\n');
    json_decref(v);
    return rc;
}

/* ----------------------------------------------------- one object */

/* Arrays of short scalars fit on one line; longer ones (SSH keys, job
 * messages) get a line per element. */
static int array_on_one_line(json_t *a)
{
    size_t i, total = 0;
    json_t *item;
    json_array_foreach(a, i, item) {
        if (json_is_object(item) || json_is_array(item))
            return 0;
        char *t = render_text(item, "", ", ");
        total += strlen(t) + 2;
        int multi = strchr(t, '\n') != NULL;
        free(t);
        if (multi)
            return 0;
    }
    return total <= 72;
}

static size_t key_width(json_t *obj, size_t prefix)
{
    size_t width = 0;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        size_t w = prefix + display_width(key);
        if (json_is_object(v))
            w = key_width(v, w + 1);
        if (w > width)
            width = w;
    }
    return width;
}

static void print_lines(const char *key, const char *text, size_t width)
{
    const char *line = text;
    int first = 1;
    do {
        size_t n = strcspn(line, "\n");
        const char *k = first ? key : "";
        if (n == 0)
            printf("%s\n", k);  /* no trailing blanks after an empty value */
        else
            printf("%s%*s  %.*s\n", k, (int)(width - display_width(k)), "", (int)n, line);
        line += n;
        first = 0;
    } while (*line++ == '\n' && *line);
}

static void show_object(json_t *obj, const char *prefix, size_t width)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        char full[256];
        snprintf(full, sizeof full, "%s%s%s", prefix, prefix[0] ? "." : "", key);
        if (json_is_object(v)) {
            show_object(v, full, width);
            continue;
        }
        char *text;
        if (json_is_array(v) && !array_on_one_line(v))
            text = render_text(v, "", "\n");
        else
            text = render_text(v, "", ", ");
        neutralise_controls(text);
        print_lines(full, text, width);
        free(text);
    }
}

int cli_emit_object(struct cli *cli, json_t *obj)
{
    if (!obj)
        return cli_error(CLI_EXIT_OTHER, NULL, "out of memory");
    if (cli->json)
        return emit_json(obj);
    show_object(obj, "", key_width(obj, 0));
    json_decref(obj);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------- tables */

int cli_emit_list(struct cli *cli, json_t *array, const struct cli_column *cols)
{
    if (!array)
        return cli_error(CLI_EXIT_OTHER, NULL, "out of memory");
    if (cli->json)
        return emit_json(array);

    size_t ncols = 0;
    while (cols[ncols].key)
        ncols++;
    size_t nrows = json_array_size(array);
    char **cells = calloc((nrows + 1) * ncols, sizeof *cells);
    size_t *width = calloc(ncols, sizeof *width);
    if (!cells || !width) {
        free(cells);
        free(width);
        json_decref(array);
        return cli_error(CLI_EXIT_OTHER, NULL, "out of memory");
    }
    for (size_t c = 0; c < ncols; c++)
        cells[c] = strdup(cols[c].heading);
    for (size_t r = 0; r < nrows; r++) {
        json_t *row = json_array_get(array, r);
        for (size_t c = 0; c < ncols; c++) {
            json_t *v = json_object_get(row, cols[c].key);
            char *t = v ? render_text(v, "-", ", ") : strdup("-");
            if (t) {
                flatten_controls(t);
                if (!t[0]) {
                    free(t);
                    t = strdup("-");
                }
            }
            cells[(r + 1) * ncols + c] = t;
        }
    }
    for (size_t i = 0; i < (nrows + 1) * ncols; i++) {
        size_t w = cells[i] ? display_width(cells[i]) : 0;
        if (w > width[i % ncols])
            width[i % ncols] = w;
    }
    for (size_t r = 0; r <= nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            const char *t = cells[r * ncols + c] ? cells[r * ncols + c] : "";
            if (c + 1 == ncols)
                printf("%s\n", t);
            else
                printf("%s%*s  ", t, (int)(width[c] - display_width(t)), "");
        }
    }
    for (size_t i = 0; i < (nrows + 1) * ncols; i++)
        free(cells[i]);
    free(cells);
    free(width);
    json_decref(array);
    return CLI_EXIT_OK;
}

/* Users and groups can be many: one query per batch keeps memory bounded. */
#define CLI_ROWS_PER_BATCH 500

int cli_emit_rows_by_id(struct cli *cli, int64_t *ids, size_t n, cli_append_rows_fn append,
                        const struct cli_column *cols)
{
    json_t *list = json_array();
    int st = CDB_OK;
    for (size_t at = 0; at < n && st == CDB_OK; at += CLI_ROWS_PER_BATCH)
        st = append(cli, ids + at, n - at < CLI_ROWS_PER_BATCH ? n - at : CLI_ROWS_PER_BATCH, list);
    cdb_free(ids);
    if (st != CDB_OK) {
        json_decref(list);
        return cli_fail(cli, st);
    }
    return cli_emit_list(cli, list, cols);
}

int cli_emit_done(struct cli *cli, json_t *obj, const char *fmt, ...)
{
    if (cli->json)
        return emit_json(obj ? obj : json_object());
    json_decref(obj);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    return CLI_EXIT_OK;
}
