/*
 * Fuzz target: user writes (core/src/users.c) with hostile field values.
 *
 * Every stored value ends up in an LDAP entry, an authorized_keys answer
 * and log lines, so nothing may get past validation by any route.  The input
 * is one of cdb_user_create (then the row is deleted again) or
 * cdb_user_update on one standing user, with fields taken from the input:
 *
 *   byte 0  bit 0: update (1) or create (0); bit 1: by an administrator;
 *           bit 2: no password, bit 3: no password hash (NULL, not "")
 *   byte 1-2  the update's field mask (enum cdb_user_fields), little endian
 *   byte 3  the status (% 5 - 1: -1 is the default rule, 3 does not exist)
 *   then NUL-separated: username, cn, sn, givenName, mail, sshPublicKey text,
 *   password, password hash (a missing piece is NULL).
 *
 * Checked: the status is OK, INVALID (with the field named) or CONFLICT and
 * nothing else; whatever was stored passes the validators (username, mail,
 * 256-byte text, one valid key per line without blank lines or CR, an argon2
 * PHC string); a failed update leaves the row exactly as it was, a
 * successful one leaves the fields outside its mask alone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <clusterdb/clusterdb.h>
#include <clusterdb/directory.h>
#include <clusterdb/passwd.h>
#include <clusterdb/validate.h>

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_users: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            abort();                                                         \
        }                                                                    \
    } while (0)

static char dir[256], path[300];
static cdb *db;
static int64_t target_uid;

static void must(int rc, const char *what)
{
    if (rc != CDB_OK) {
        fprintf(stderr, "fuzz_users: set-up: %s: %s (%s)\n", what, cdb_strerror(rc),
                db ? cdb_errmsg(db) : "no handle");
        abort();
    }
}

static void remove_database(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char file[320];

    cdb_close(db);
    db = NULL;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(file, sizeof file, "%s%s", path, suffixes[i]);
        unlink(file);
    }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");
    cdb_user_input admin = {.username = "admin", .status = -1};
    cdb_user_input target = {.username = "target", .mail = "target@example.com", .status = -1,
                             .ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIItRkx6Ng85q"
                                               "+nIdwlqJ6azr2KP1sob9de5XbT0Zeroj bob@desk"};
    int64_t uid;

    /* Passwords in the input are hashed: keep that cheap. */
    setenv("CLUSTERDB_ARGON2", "m=8,t=1,p=1", 1);
    snprintf(dir, sizeof dir, "%s/cdb-fuzz-users.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("fuzz_users: mkdtemp");
        abort();
    }
    snprintf(path, sizeof path, "%s/clusterdb.sqlite", dir);
    atexit(remove_database);
    must(cdb_open(path, CDB_OPEN_CREATE | CDB_OPEN_MIGRATE, &db), "open");
    must(cdb_user_create(db, &admin, 1, &uid), "admin");
    must(cdb_user_create(db, &target, 1, &target_uid), "target");
    return 0;
}

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* What any stored user must look like. */
static void check_stored(const cdb_user *u)
{
    CHECK(cdb_valid_username(u->username), "stored username \"%s\"", u->username);
    CHECK(u->mail == NULL || cdb_valid_mail(u->mail), "stored mail \"%s\"", u->mail);
    CHECK(u->cn == NULL || cdb_valid_text(u->cn, 256), "stored cn");
    CHECK(u->sn == NULL || cdb_valid_text(u->sn, 256), "stored sn");
    CHECK(u->given_name == NULL || cdb_valid_text(u->given_name, 256), "stored givenName");
    CHECK(u->status >= CDB_USER_PENDING && u->status <= CDB_USER_SUSPENDED, "stored status %d",
          (int)u->status);
    CHECK(u->user_password == NULL || cdb_password_is_phc(u->user_password),
          "stored password is not a PHC string");
    if (u->ssh_public_key != NULL) {
        const char *k = u->ssh_public_key;
        size_t len = strlen(k);
        CHECK(len > 0 && k[0] != '\n' && k[len - 1] != '\n' && strstr(k, "\n\n") == NULL &&
                  strchr(k, '\r') == NULL,
              "stored key text has blank lines or CR");
        CHECK(cdb_valid_ssh_keys(k), "stored key text holds an invalid key");
    }
}

static void check_unchanged(const cdb_user *before, const cdb_user *after, unsigned mask)
{
    if (!(mask & CDB_UF_USERNAME))
        CHECK(same(before->username, after->username), "username changed outside the mask");
    if (!(mask & CDB_UF_MAIL))
        CHECK(same(before->mail, after->mail), "mail changed outside the mask");
    if (!(mask & CDB_UF_SSH_PUBLIC_KEY))
        CHECK(same(before->ssh_public_key, after->ssh_public_key), "keys changed outside the mask");
    if (!(mask & (CDB_UF_PASSWORD | CDB_UF_PASSWORD_HASH)))
        CHECK(same(before->user_password, after->user_password),
              "password changed outside the mask");
    if (!(mask & CDB_UF_STATUS))
        CHECK(before->status == after->status, "status changed outside the mask");
    if (!(mask & (CDB_UF_CN | CDB_UF_SN | CDB_UF_GIVEN_NAME | CDB_UF_USERNAME))) {
        /* cn defaults from givenName, sn and username: only untouched when none changed. */
        CHECK(same(before->cn, after->cn) && same(before->sn, after->sn) &&
                  same(before->given_name, after->given_name),
              "names changed outside the mask");
    }
}

static void check_status(int rc)
{
    if (getenv("CDB_FUZZ_USERS_PRINT") != NULL) /* see what a seed does */
        fprintf(stderr, "# %s%s%s\n", cdb_strerror(rc), rc == CDB_OK ? "" : ": ",
                rc == CDB_OK ? "" : cdb_errmsg(db));
    CHECK(rc == CDB_OK || rc == CDB_ERR_INVALID || rc == CDB_ERR_CONFLICT, "status %s: %s",
          cdb_strerror(rc), cdb_errmsg(db));
    if (rc == CDB_ERR_INVALID)
        CHECK(cdb_errfield(db) != NULL, "INVALID without a field: %s", cdb_errmsg(db));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *piece[8] = {NULL};
    char *text;
    size_t pos = 4, n = 0;
    unsigned mask;
    cdb_user_input in;
    cdb_user *before = NULL, *after = NULL;
    int64_t uid;
    int rc;

    if (size < 4)
        return 0;
    text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    while (pos < size && n < 8) {
        piece[n++] = text + pos;
        pos += strlen(text + pos) + 1;
    }
    mask = (unsigned)(data[1] | data[2] << 8) & 0x1ffu;
    in = (cdb_user_input){.username = piece[0], .cn = piece[1], .sn = piece[2],
                          .given_name = piece[3], .mail = piece[4], .ssh_public_key = piece[5],
                          .password = data[0] & 4 ? NULL : piece[6],
                          .password_hash = data[0] & 8 ? NULL : piece[7],
                          .status = data[3] % 5 - 1};

    if (!(data[0] & 1)) {
        rc = cdb_user_create(db, &in, data[0] & 2, &uid);
        check_status(rc);
        if (rc == CDB_OK) {
            must(cdb_user_get(db, uid, &after), "reading the new user");
            check_stored(after);
            CHECK(same(after->username, in.username), "username stored as \"%s\"", after->username);
            must(cdb_user_delete(db, uid), "deleting the new user");
        }
    } else {
        must(cdb_user_get(db, target_uid, &before), "reading the user");
        rc = cdb_user_update(db, target_uid, mask, &in);
        check_status(rc);
        must(cdb_user_get(db, target_uid, &after), "reading the user again");
        check_stored(after);
        if (rc != CDB_OK) {
            CHECK(same(before->username, after->username) && same(before->mail, after->mail) &&
                      same(before->cn, after->cn) && same(before->sn, after->sn) &&
                      same(before->given_name, after->given_name) &&
                      same(before->ssh_public_key, after->ssh_public_key) &&
                      same(before->user_password, after->user_password) &&
                      before->status == after->status &&
                      same(before->updated_at, after->updated_at),
                  "a failed update (%s) changed the row", cdb_strerror(rc));
        } else {
            check_unchanged(before, after, mask);
        }
    }
    cdb_user_free(before);
    cdb_user_free(after);
    free(text);
    return 0;
}
