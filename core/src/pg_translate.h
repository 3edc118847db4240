/*
 * pg_translate.h: the models' SQL as PostgreSQL takes it.  The models write
 * one dialect (SQLite's: bare mixed-case names, ?N placeholders, a few of
 * its spellings); this turns a statement into PostgreSQL's at prepare time,
 * so that one text serves every engine.  Not installed.
 */
#ifndef CLUSTERDB_PG_TRANSLATE_H
#define CLUSTERDB_PG_TRANSLATE_H

#include <stddef.h>

typedef struct pg_translation {
    char *text;
    int n_params;  /* the statement's own parameters: the highest ?N */
    int n_server;  /* the server's: n_params and one more per NULL test */
    int *source;   /* n_server entries: the statement parameter (from 1) each takes */
    unsigned char *used; /* n_server entries: 0 for a ?N the text never names */
} pg_translation;

/*
 * Translate sql.  `names` are the schema's mixed-case table and column
 * names; a bare word equal to one of them in any case is quoted in its
 * schema spelling.  Besides:
 *   ?N, ?           -> $N (a bare ? numbered after the highest so far)
 *   ?N IS [NOT] NULL-> $K::text IS [NOT] NULL, K a server parameter of its
 *                      own taking ?N's value (PostgreSQL types a parameter
 *                      at its first use, and a NULL test gives it none)
 *   x IS ?N         -> x IS NOT DISTINCT FROM $N
 *   COLLATE BINARY  -> COLLATE "C"
 *   json_each(?N)   -> json_array_elements_text($N)
 *   ifnull(         -> coalesce(
 * Quoted strings, quoted names and comments are left alone.
 * 0, or -1 when memory ran out.
 */
int pg_translate(const char *sql, const char *const *names, size_t n_names, pg_translation *out);
void pg_translation_free(pg_translation *t);

#endif
