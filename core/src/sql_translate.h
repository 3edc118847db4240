/*
 * sql_translate.h: the models' SQL as a server engine takes it.  The models
 * write one dialect (SQLite's: bare names, ?N placeholders, a few of its
 * spellings); the PostgreSQL and MariaDB engines turn each statement into
 * their own at prepare time, so that one text serves every engine.
 * Not installed.
 */
#ifndef CLUSTERDB_SQL_TRANSLATE_H
#define CLUSTERDB_SQL_TRANSLATE_H

#include <stddef.h>

typedef enum sql_dialect { SQL_DIALECT_POSTGRESQL, SQL_DIALECT_MARIADB } sql_dialect;

typedef struct sql_translation {
    char *text;
    int n_params;  /* the statement's own parameters: the highest ?N */
    /* PostgreSQL only (MariaDB keeps ?N, its engine maps them): */
    int n_server;  /* the server's: n_params and one more per NULL test */
    int *source;   /* n_server entries: the statement parameter (from 1) each takes */
    unsigned char *used; /* n_server entries: 0 for a ?N the text never names */
} sql_translation;

/*
 * Translate sql.  `names` are schema names to quote: a bare word equal to
 * one of them in any case is written "in its schema spelling" (the
 * PostgreSQL engine passes the mixed-case ones, which it would fold; the
 * MariaDB engine all of them, since some are its reserved words).  Besides:
 *                     PostgreSQL                      MariaDB
 *   ?N, ?             $N                              (kept)
 *   ?N IS [NOT] NULL  $K::text IS [NOT] NULL, K a     (kept)
 *                     parameter of its own taking ?N
 *                     (PostgreSQL types a parameter
 *                     at its first use)
 *   x IS ?N           x IS NOT DISTINCT FROM $N       x <=> ?N
 *   x COLLATE NOCASE  lower(x)  (x a name or a        (dropped: the NOCASE columns
 *                     parameter; the NOCASE columns'  are utf8mb4_unicode_nopad_ci)
 *                     unique indexes are on lower())
 *   COLLATE BINARY    COLLATE "C"                     COLLATE utf8mb4_bin
 *   json_each(?N)     json_array_elements_text($N)    JSON_TABLE(?N, '$[*]' COLUMNS
 *                                                     ("value" LONGTEXT COLLATE
 *                                                     utf8mb4_unicode_nopad_ci PATH '$'))
 *   max(a, b, ...)    GREATEST(a, b, ...)             GREATEST(a, b, ...)
 *                     (SQLite's scalar max; max(x) is the aggregate and kept)
 *   ifnull(           coalesce(                       (kept)
 *   AS INTEGER/TEXT   (kept)                          AS SIGNED/CHAR
 * Quoted strings, quoted names and comments are left alone.
 * 0, or -1 when memory ran out.
 */
int sql_translate(sql_dialect dialect, const char *sql, const char *const *names, size_t n_names,
                  sql_translation *out);
void sql_translation_free(sql_translation *t);

#endif
