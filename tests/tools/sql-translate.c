/*
 * sql-translate postgresql|mariadb NAME...: the SQL on standard input as
 * the store's engine sends it (core/src/sql_translate.c), for tests whose
 * plain SQL is written as the models write theirs (bare names, SQLite's
 * spellings).  NAME... are the schema names the engine quotes.
 */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql_translate.h"

int main(int argc, char **argv)
{
    char *sql = NULL;
    size_t cap = 0, len = 0, n;
    char buf[4096];
    sql_translation t;
    sql_dialect dialect;

    if (argc < 2 || (strcmp(argv[1], "postgresql") != 0 && strcmp(argv[1], "mariadb") != 0)) {
        fputs("usage: sql-translate postgresql|mariadb NAME... < SQL\n", stderr);
        return 2;
    }
    dialect = strcmp(argv[1], "postgresql") == 0 ? SQL_DIALECT_POSTGRESQL : SQL_DIALECT_MARIADB;

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
    if (sql_translate(dialect, sql, (const char *const *)(argv + 2), (size_t)(argc - 2), &t) != 0)
        return 2;
    fputs(t.text, stdout);
    sql_translation_free(&t);
    free(sql);
    return 0;
}
