/*
 * Password logins.  Every refusal looks and costs the same: an unknown user,
 * a user without a hash, a wrong password and an account that is not active
 * all verify one argon2 hash and return CDB_ERR_DENIED with the same words.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clusterdb/passwd.h>
#include <clusterdb/validate.h>

#include "directory_internal.h"

/* A hash of nothing in particular, made once with the current default
 * parameters, so that a login for an unknown user costs what a real one does. */
static char dummy_phc[256];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_phc(void)
{
    char *phc = NULL;

    if (cdb_password_hash("clusterdb-dummy", 15, NULL, &phc) == CDB_OK &&
        strlen(phc) < sizeof dummy_phc) {
        memcpy(dummy_phc, phc, strlen(phc) + 1);
    } else {
        /* Cannot hash: still a valid PHC string so verification takes its path. */
        snprintf(dummy_phc, sizeof dummy_phc, "%s",
                 "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA"
                 "$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA");
    }
    free(phc);
}

/* The cost of a real verification for a login that cannot succeed.  Its
 * only status worth passing on is CDB_ERR_BUSY: a storm must answer busy
 * for unknown and known names alike, or the answer tells them apart. */
static int burn_dummy_verify(const char *password, size_t password_len)
{
    pthread_once(&dummy_once, make_dummy_phc);
    return cdb_password_verify(dummy_phc, password, password_len) == CDB_ERR_BUSY
               ? CDB_ERR_BUSY
               : CDB_ERR_DENIED;
}

static int refuse(cdb *db, int status)
{
    if (status == CDB_ERR_BUSY)
        return cdb_fail(db, CDB_ERR_BUSY, NULL,
                        "too many password checks under way; try again");
    /* The same words for every reason: the caller must not learn which. */
    return cdb_fail(db, CDB_ERR_DENIED, NULL, "invalid credentials");
}

int cdb_user_authenticate(cdb *db, const char *username, const char *password,
                          size_t password_len, cdb_user **out)
{
    cdb_user *user = NULL;
    int rc;

    if (db == NULL || (password == NULL && password_len > 0))
        return CDB_ERR_INVALID;
    if (password == NULL)
        password = "";
    if (username == NULL || !cdb_valid_username(username))
        return refuse(db, burn_dummy_verify(password, password_len));
    rc = cdb_user_get_by_name(db, username, &user);
    if (rc == CDB_ERR_NOTFOUND)
        return refuse(db, burn_dummy_verify(password, password_len));
    if (rc != CDB_OK)
        return rc; /* the store failed: not a verdict on the credentials */
    if (user->user_password == NULL) {
        rc = burn_dummy_verify(password, password_len);
    } else {
        rc = cdb_password_verify(user->user_password, password, password_len);
        if (rc != CDB_OK && rc != CDB_ERR_BUSY)
            rc = CDB_ERR_DENIED; /* a mismatch, or a stored hash that is not argon2 */
        else if (rc == CDB_OK && user->status != CDB_USER_ACTIVE)
            rc = CDB_ERR_DENIED;
    }
    if (rc != CDB_OK) {
        cdb_user_free(user);
        return refuse(db, rc);
    }
    if (out != NULL)
        *out = user;
    else
        cdb_user_free(user);
    return CDB_OK;
}
