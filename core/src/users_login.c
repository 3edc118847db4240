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

static void burn_dummy_verify(const char *password, size_t password_len)
{
    pthread_once(&dummy_once, make_dummy_phc);
    (void)cdb_password_verify(dummy_phc, password, password_len);
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
    if (username == NULL || !cdb_valid_username(username)) {
        burn_dummy_verify(password, password_len);
        return cdb_fail(db, CDB_ERR_DENIED, NULL, "invalid credentials");
    }
    rc = cdb_user_get_by_name(db, username, &user);
    if (rc == CDB_ERR_NOTFOUND) {
        burn_dummy_verify(password, password_len);
        return cdb_fail(db, CDB_ERR_DENIED, NULL, "invalid credentials");
    }
    if (rc != CDB_OK)
        return rc; /* the store failed: not a verdict on the credentials */
    if (user->user_password == NULL) {
        burn_dummy_verify(password, password_len);
        rc = CDB_ERR_DENIED;
    } else {
        rc = cdb_password_verify(user->user_password, password, password_len);
        if (rc != CDB_OK)
            rc = CDB_ERR_DENIED; /* a mismatch, or a stored hash that is not argon2 */
        else if (user->status != CDB_USER_ACTIVE)
            rc = CDB_ERR_DENIED;
    }
    if (rc != CDB_OK) {
        cdb_user_free(user);
        /* The same words for every reason: the caller must not learn which. */
        return cdb_fail(db, CDB_ERR_DENIED, NULL, "invalid credentials");
    }
    if (out != NULL)
        *out = user;
    else
        cdb_user_free(user);
    return CDB_OK;
}
