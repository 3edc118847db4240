/*
 * pg-translate NAME...: the SQL on standard input as the store's
 * PostgreSQL engine sends it (core/src/pg_translate.c), for tests whose
 * plain SQL is written as the models write theirs (bare mixed-case names,
 * SQLite's spellings).  NAME... are the schema's mixed-case names.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pg_translate.h"

int main(int argc, char **argv)
{
    char *sql = NULL;
    size_t cap = 0, len = 0, n;
    char buf[4096];
    pg_translation t;

    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            if ((sql = realloc(sql, cap)) == NULL)
                return 2;
        }
        for (size_t i = 0; i < n; i++)
            sql[len++] = buf[i];
    }
    if (sql == NULL)
        return 0;
    sql[len] = '\0';
    if (pg_translate(sql, (const char *const *)(argv + 1), (size_t)(argc - 1), &t) != 0)
        return 2;
    fputs(t.text, stdout);
    pg_translation_free(&t);
    free(sql);
    return 0;
}
