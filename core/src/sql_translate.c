/*
 * sql_translate.c: the models' SQL as a server engine takes it
 * (sql_translate.h).  One pass over the statement's tokens; what each
 * rewrite is for is said in the header.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql_translate.h"

struct out {
    char *buf;
    size_t len, cap;
    bool failed;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        char *grown;
        while (cap < o->len + n + 1)
            cap *= 2;
        if ((grown = realloc(o->buf, cap)) == NULL) {
            o->failed = true;
            return;
        }
        o->buf = grown;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* Insert s at o->buf[at] (at <= o->len). */
static void insert(struct out *o, size_t at, const char *s)
{
    size_t n = strlen(s), tail;

    put(o, s, n); /* grows the buffer; the bytes are moved into place below */
    if (o->failed)
        return;
    tail = o->len - n - at;
    memmove(o->buf + at + n, o->buf + at, tail);
    memcpy(o->buf + at, s, n);
}

/* The operand the next COLLATE applies to starts where the last name or
 * placeholder was written, unless that was the second half of a qualified
 * name (after a '.'), which belongs to the operand before it. */
static void note_operand(const struct out *o, size_t start, size_t *operand)
{
    if (!(start > 0 && o->buf != NULL && o->buf[start - 1] == '.'))
        *operand = start;
}

static bool is_word_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static bool is_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* The end of a quoted string or name starting at sql[i] (a doubled quote
 * stays inside). */
static size_t quoted_end(const char *sql, size_t len, size_t i)
{
    char q = sql[i];
    size_t j = i + 1;

    while (j < len) {
        if (sql[j] == q) {
            if (j + 1 < len && sql[j + 1] == q) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j++;
    }
    return len;
}

static size_t skip_space(const char *sql, size_t len, size_t i)
{
    while (i < len && isspace((unsigned char)sql[i]))
        i++;
    return i;
}

/* Whether the word at sql[i] is `word` (any case), and where it ends. */
static bool word_at(const char *sql, size_t len, size_t i, const char *word, size_t *end)
{
    size_t n = strlen(word);

    if (i + n > len || strncasecmp(sql + i, word, n) != 0 || (i + n < len && is_word_char(sql[i + n])))
        return false;
    if (end != NULL)
        *end = i + n;
    return true;
}

/* A placeholder at sql[i]: its number (0 for a bare ?) and its end. */
static size_t placeholder_end(const char *sql, size_t len, size_t i, int *number)
{
    size_t j = i + 1;
    int n = 0;

    while (j < len && isdigit((unsigned char)sql[j]) && n < 100000)
        n = n * 10 + (sql[j++] - '0');
    *number = n;
    return j;
}

/* Whether ` IS [NOT] NULL` follows at sql[i]. */
static bool null_test_follows(const char *sql, size_t len, size_t i)
{
    size_t j = skip_space(sql, len, i), k;

    if (!word_at(sql, len, j, "IS", &k))
        return false;
    j = skip_space(sql, len, k);
    if (word_at(sql, len, j, "NOT", &k))
        j = skip_space(sql, len, k);
    return word_at(sql, len, j, "NULL", NULL);
}

/* After json_each: "(?N)" with optional spaces; the end of it, or 0. */
static size_t json_each_arg(const char *sql, size_t len, size_t i)
{
    size_t j;
    int n;

    if (i >= len || sql[i] != '(')
        return 0;
    j = skip_space(sql, len, i + 1);
    if (j >= len || sql[j] != '?')
        return 0;
    j = skip_space(sql, len, placeholder_end(sql, len, j, &n));
    return j < len && sql[j] == ')' ? j + 1 : 0;
}

/* Whether the call whose "(" is at sql[i] has more than one argument: a
 * comma outside nested parentheses, strings and names before its ")". */
static bool several_arguments(const char *sql, size_t len, size_t i)
{
    int depth = 0;

    for (size_t j = i; j < len;) {
        if (sql[j] == '\'' || sql[j] == '"') {
            j = quoted_end(sql, len, j);
            continue;
        }
        if (sql[j] == '(')
            depth++;
        else if (sql[j] == ')' && --depth == 0)
            return false;
        else if (sql[j] == ',' && depth == 1)
            return true;
        j++;
    }
    return false;
}

static const char *schema_name(const char *const *names, size_t n_names, const char *word,
                               size_t len)
{
    for (size_t i = 0; i < n_names; i++) {
        if (strlen(names[i]) == len && strncasecmp(names[i], word, len) == 0)
            return names[i];
    }
    return NULL;
}

/* The highest ?N, numbering bare ? as SQLite does. */
static int count_params(const char *sql, size_t len)
{
    int highest = 0;

    for (size_t i = 0; i < len;) {
        if (sql[i] == '\'' || sql[i] == '"') {
            i = quoted_end(sql, len, i);
        } else if (sql[i] == '-' && i + 1 < len && sql[i + 1] == '-') {
            while (i < len && sql[i] != '\n')
                i++;
        } else if (sql[i] == '?') {
            int n;
            i = placeholder_end(sql, len, i, &n);
            if (n == 0)
                n = highest + 1;
            if (n > highest)
                highest = n;
        } else {
            i++;
        }
    }
    return highest;
}

int sql_translate(sql_dialect dialect, const char *sql, const char *const *names, size_t n_names,
                  sql_translation *out)
{
    const bool pg = dialect == SQL_DIALECT_POSTGRESQL;
    size_t len = strlen(sql);
    struct out o = {0};
    int highest = 0, extra = 0, max_extra;
    int *source;
    size_t operand = SIZE_MAX; /* where the last name or placeholder was written */

    memset(out, 0, sizeof *out);
    out->n_params = count_params(sql, len);
    /* At most one extra server parameter per placeholder. */
    max_extra = (int)len / 2 + 1;
    source = calloc((size_t)(out->n_params + max_extra), sizeof *source);
    out->used = calloc((size_t)(out->n_params + max_extra), 1);
    if (source == NULL || out->used == NULL) {
        free(source);
        free(out->used);
        out->used = NULL;
        return -1;
    }
    for (int p = 0; p < out->n_params; p++)
        source[p] = p + 1;

    for (size_t i = 0; i < len;) {
        char c = sql[i];
        size_t end, start = o.len;

        if (c == '\'' || c == '"') {
            end = quoted_end(sql, len, i);
            put(&o, sql + i, end - i);
            if (c == '"')
                note_operand(&o, start, &operand);
            i = end;
        } else if (c == '-' && i + 1 < len && sql[i + 1] == '-') {
            end = i;
            while (end < len && sql[end] != '\n')
                end++;
            put(&o, sql + i, end - i);
            i = end;
        } else if (c == '?' && !pg) {
            end = placeholder_end(sql, len, i, &(int){0});
            put(&o, sql + i, end - i);
            note_operand(&o, start, &operand);
            i = end;
        } else if (c == '?') {
            char num[24];
            int n;
            end = placeholder_end(sql, len, i, &n);
            if (n == 0)
                n = highest + 1;
            if (n > highest)
                highest = n;
            if (null_test_follows(sql, len, end)) {
                int k = out->n_params + extra;
                source[k] = n;
                out->used[k] = 1;
                extra++;
                snprintf(num, sizeof num, "$%d::text", k + 1);
            } else {
                snprintf(num, sizeof num, "$%d", n);
                out->used[n - 1] = 1;
            }
            puts_(&o, num);
            note_operand(&o, start, &operand);
            i = end;
        } else if (is_word_start(c) && (i == 0 || !is_word_char(sql[i - 1]))) {
            const char *name;
            size_t next, k;
            end = i;
            while (end < len && is_word_char(sql[end]))
                end++;
            next = skip_space(sql, len, end);
            if (word_at(sql, len, i, "IS", NULL) && next < len && sql[next] == '?') {
                puts_(&o, pg ? "IS NOT DISTINCT FROM " : "<=> ");
                i = next;
            } else if (word_at(sql, len, i, "COLLATE", NULL) &&
                       word_at(sql, len, next, "NOCASE", &k) && (!pg || operand != SIZE_MAX)) {
                /* PostgreSQL: lower() of the operand (a name or a parameter;
                 * after anything else the words stay, and the server refuses
                 * them), as its unique indexes on lower(col) are; MariaDB:
                 * the column's own _ci collation does it. */
                if (pg) {
                    while (o.len > operand && o.buf[o.len - 1] == ' ')
                        o.len--;
                    insert(&o, operand, "lower(");
                    puts_(&o, ")");
                    i = k;
                } else {
                    i = skip_space(sql, len, k);
                }
                operand = SIZE_MAX;
            } else if (word_at(sql, len, i, "COLLATE", NULL) && word_at(sql, len, next, "BINARY", &k)) {
                puts_(&o, pg ? "COLLATE \"C\"" : "COLLATE utf8mb4_bin");
                i = k;
            } else if (word_at(sql, len, i, "json_each", NULL) && pg) {
                puts_(&o, "json_array_elements_text");
                i = end;
            } else if (word_at(sql, len, i, "json_each", NULL) && (k = json_each_arg(sql, len, next)) != 0) {
                /* json_each(?N) -> a table of the array's values in a column "value",
         * compared as the NOCASE columns are (the text lists the models
         * pass hold names of such columns; a JSON_TABLE column would
         * otherwise take the database's default collation, and MariaDB
         * refuses to compare two columns of different collations). */
                put(&o, "JSON_TABLE(", 11);
                put(&o, sql + next + 1, k - next - 2);
                puts_(&o, ", '$[*]' COLUMNS (\"value\" LONGTEXT COLLATE utf8mb4_unicode_nopad_ci"
                           " PATH '$')) AS json_each");
                i = k;
            } else if (word_at(sql, len, i, "max", NULL) && next < len && sql[next] == '(' &&
                       several_arguments(sql, len, next)) {
                /* SQLite's scalar max(a, b, ...); max(x) is the aggregate. */
                puts_(&o, "GREATEST");
                i = end;
            } else if (word_at(sql, len, i, "ifnull", NULL) && pg && next < len && sql[next] == '(') {
                puts_(&o, "coalesce");
                i = end;
            } else if (!pg && word_at(sql, len, i, "AS", NULL) &&
                       (word_at(sql, len, next, "INTEGER", &k) || word_at(sql, len, next, "TEXT", &k))) {
                puts_(&o, word_at(sql, len, next, "INTEGER", NULL) ? "AS SIGNED" : "AS CHAR");
                i = k;
            } else if ((name = schema_name(names, n_names, sql + i, end - i)) != NULL) {
                put(&o, "\"", 1);
                puts_(&o, name);
                put(&o, "\"", 1);
                note_operand(&o, start, &operand);
                i = end;
            } else {
                put(&o, sql + i, end - i);
                note_operand(&o, start, &operand);
                i = end;
            }
        } else {
            put(&o, sql + i, 1);
            i++;
        }
    }
    if (o.buf == NULL)
        put(&o, "", 0);
    if (o.failed) {
        free(o.buf);
        free(source);
        free(out->used);
        out->used = NULL;
        return -1;
    }
    out->text = o.buf;
    out->n_server = out->n_params + extra;
    out->source = source;
    return 0;
}

void sql_translation_free(sql_translation *t)
{
    free(t->text);
    free(t->source);
    free(t->used);
    memset(t, 0, sizeof *t);
}
