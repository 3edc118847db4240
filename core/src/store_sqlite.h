/*
 * store_sqlite.h: what only the SQLite engine has, for the parts of core
 * that are SQLite's alone (migrations as scripts, the online backup) and
 * for tests that look at the file with plain SQL.  Not installed.
 */
#ifndef CLUSTERDB_STORE_SQLITE_H
#define CLUSTERDB_STORE_SQLITE_H

#include <sqlite3.h>

#include <clusterdb/clusterdb.h>

/* The handle's SQLite connection, or NULL when the handle is on another
 * engine.  Never handed outside core (tests aside). */
sqlite3 *cdb_sqlite(cdb *db);

#endif
