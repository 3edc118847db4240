#!/usr/bin/env bash
# The store's schema on every engine: all migrations applied to a fresh
# SQLite file (migrations/*.sql), a throwaway PostgreSQL 15
# (migrations/postgresql/) and a throwaway MariaDB (migrations/mysql/), the
# way the runner applies them (each step with its SchemaMigrations row).  Their catalogs, normalized by tests/tools/engine-catalog,
# must be equal; and the rules that live in the schema behave the same on
# each through plain SQL: ids and uid numbers never reused, case-insensitive
# names, deletes that cascade, restrict or set NULL, checks and guard triggers.
. "$(dirname "$0")/../lib.sh"
. "$CLUSTERDB_TOP/tests/lib-engines.sh"
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
CATALOG="$PYTHON $CLUSTERDB_TOP/tests/tools/engine-catalog"
MIGRATIONS=${ENGINE_MIGRATIONS[sqlite]}

scratch WORK
SQLITE_DB=$WORK/clusterdb.sqlite

# The steps, as migrate.c names them: the SQLite files are the reference.
steps=()
for f in "$MIGRATIONS"/[0-9]*.sql; do steps+=("$(basename "$f" .sql)"); done

# sql ENGINE SQL: plain SQL on one engine (foreign keys on for SQLite, as
# the store opens it).  Identifiers "quoted", strings 'quoted': one text for all.
sql() {
    case "$1" in
        sqlite) printf 'PRAGMA foreign_keys = ON;\n%s\n' "$2" |
            sqlite3 -bail -batch -noheader -separator $'\t' "$SQLITE_DB" ;;
        *) engine_sql "$1" "$2" ;;
    esac
}

# apply ENGINE: every step with its SchemaMigrations row, in one transaction
# (MariaDB commits each DDL statement itself).  SQLite runs them as migrate.c
# does: foreign keys off, checked before commit.
apply() {
    local engine=$1 step file record
    for step in "${steps[@]}"; do
        file=${ENGINE_MIGRATIONS[$engine]}/$step.sql
        record="INSERT INTO \"SchemaMigrations\" (version, name, \"appliedAt\") VALUES ($((10#${step%%_*})), '$step', '2026-01-01T00:00:00.000Z');"
        case "$engine" in
            sqlite)
                {
                    echo "PRAGMA foreign_keys = OFF;"
                    echo "BEGIN IMMEDIATE;"
                    cat "$file"
                    echo "$record"
                    echo "SELECT 'foreign key violated: ' || \"table\" FROM pragma_foreign_key_check;"
                    echo "COMMIT;"
                } | sqlite3 -bail -batch "$SQLITE_DB" > "$WORK/$engine-$step.out" 2>&1 &&
                    ! grep -q 'foreign key violated' "$WORK/$engine-$step.out" ;;
            *) { cat "$file"; echo "$record"; } > "$WORK/$engine-$step.sql" &&
                engine_sql_file "$engine" "$WORK/$engine-$step.sql" > "$WORK/$engine-$step.out" 2>&1 ;;
        esac || { diag "$engine: $step failed:" "$(cat "$WORK/$engine-$step.out")"; return 1; }
    done
}

# catalog ENGINE: the normalized schema.
catalog() {
    case "$1" in
        sqlite) $CATALOG sqlite "$SQLITE_DB" ;;
        *) engine_sql "$1" "$($CATALOG --query "$1")" > "$WORK/$1.rows" && $CATALOG "$1" < "$WORK/$1.rows" ;;
    esac
}

# --- each engine has the same steps
for engine in postgresql mariadb; do
    dir=${ENGINE_MIGRATIONS[$engine]}
    expect_eq "$engine: $(basename "$dir")/ has the same steps as migrations/" \
        "$(printf '%s\n' "${steps[@]}")" \
        "$(cd "$dir" && ls [0-9]*.sql 2>/dev/null | sed 's/\.sql$//')"
done

engines=(sqlite)
for engine in postgresql mariadb; do
    if ! why=$(engine_available "$engine"); then
        skip "$engine: not installed ($why): scripts/install-deps.sh test installs it"
        continue
    fi
    if engine_start "$engine" "$WORK/$engine"; then
        engines+=("$engine"); ok "$engine: a private server started (socket in its directory)"
    else
        not_ok "$engine: a private server started"
    fi
done

for engine in "${engines[@]}"; do
    if apply "$engine"; then ok "$engine: every migration applied"; else not_ok "$engine: every migration applied"; fi
    expect_eq "$engine: the schema version recorded is the last step's" \
        "$((10#${steps[-1]%%_*}))" "$(sql "$engine" 'SELECT max(version) FROM "SchemaMigrations";' 2>&1)"
    catalog "$engine" > "$WORK/$engine.catalog" 2> "$WORK/$engine.catalog.err"
    if [ -s "$WORK/$engine.catalog" ] && [ ! -s "$WORK/$engine.catalog.err" ]; then
        ok "$engine: catalog read ($(grep -c '^column ' "$WORK/$engine.catalog") columns)"
    else
        not_ok "$engine: catalog read"; diag "$(cat "$WORK/$engine.catalog.err")"
    fi
done

# The reference must describe what the schema promises, or equal catalogs
# would prove little: spot checks of each kind of fact.
for fact in 'column Users uidNumber integer not null' \
    'unique Users (username ci)' 'unique Users (mail ci)' 'unique Sites (name ci)' \
    'unique ExternalDomains (domain ci, siteId)' \
    'unique ContainerAccessGrants (containerId nulls-equal, gidNumber nulls-equal, siteId nulls-equal, uidNumber nulls-equal)' \
    'fk Nodes (siteId) -> Sites (id) on delete RESTRICT' \
    'fk Containers (creationJobId) -> Jobs (id) on delete SET NULL' \
    'fk UserGroups (uidNumber) -> Users (uidNumber) on delete CASCADE' \
    'check Containers "Containers.aiContainer" {N, Y}' \
    "column Containers aiContainer text not null default 'N'" \
    'column Sites id integer not null default auto' \
    'column Users updatedAt text not null default now' \
    'pk UserGroups (uidNumber, gidNumber)' \
    'trigger Users Users_touch' 'trigger Users Users_uid_high_water'; do
    if grep -qxF "$fact" "$WORK/sqlite.catalog"; then ok "sqlite catalog: $fact"; else not_ok "sqlite catalog: $fact"; fi
done

# Tables, columns, keys and checks must be equal.  Triggers by name: every
# one of SQLite's must exist on the same table (an engine may need more: its
# extras are listed).
for engine in "${engines[@]:1}"; do
    if out=$(diff -u --label sqlite --label "$engine" <(grep -v '^trigger ' "$WORK/sqlite.catalog") <(grep -v '^trigger ' "$WORK/$engine.catalog")); then
        ok "$engine: the catalog equals SQLite's ($(grep -vc '^trigger ' "$WORK/sqlite.catalog") facts)"
    else
        not_ok "$engine: the catalog equals SQLite's"; diag "diff sqlite $engine:" "$out"
    fi
    missing=$(comm -23 <(grep '^trigger ' "$WORK/sqlite.catalog") <(grep '^trigger ' "$WORK/$engine.catalog"))
    expect_eq "$engine: every trigger of SQLite's has its namesake ($(grep -c '^trigger ' "$WORK/sqlite.catalog"))" "" "$missing"
    diag "$engine's own triggers:" \
        "$(comm -13 <(grep '^trigger ' "$WORK/sqlite.catalog") <(grep '^trigger ' "$WORK/$engine.catalog") |
            awk '{print $3}' | paste -sd ' ')"
done

# --- behaviour, the same plain SQL on every engine
for e in "${engines[@]}"; do
    expect_eq "$e: seed groups" $'2000\tldapusers\t0\n2001\tsysadmins\t1' \
        "$(sql "$e" 'SELECT "gidNumber", cn, "isAdministrator" FROM "Groups" ORDER BY "gidNumber";' 2>&1)"
    expect_eq "$e: seed settings" $'push_notification_enabled\tfalse\npush_notification_url\t' \
        "$(sql "$e" 'SELECT "key", value FROM "Settings" ORDER BY "key";' 2>&1)"

    # A row id once given is never given again, also after an explicit id.
    out=$(sql "$e" "INSERT INTO \"Sites\" (name, \"internalDomain\") VALUES ('first', 'a.internal');
INSERT INTO \"Sites\" (id, name, \"internalDomain\") VALUES (41, 'explicit', 'b.internal');
DELETE FROM \"Sites\" WHERE id = 41;
INSERT INTO \"Sites\" (name, \"internalDomain\") VALUES ('next', 'c.internal');
SELECT id FROM \"Sites\" WHERE name = 'next';" 2>&1)
    expect_eq "$e: a deleted explicit id (41) is not given again" 42 "$out"
    out=$(sql "$e" "DELETE FROM \"Sites\" WHERE id = 42;
INSERT INTO \"Sites\" (name, \"internalDomain\") VALUES ('after', 'd.internal');
SELECT id FROM \"Sites\" WHERE name = 'after';" 2>&1)
    expect_eq "$e: a deleted highest id (42) is not given again" 43 "$out"

    # uidNumber high-water mark.
    out=$(sql "$e" "INSERT INTO \"Users\" (\"uidNumber\", username) VALUES (3000, 'gone');
DELETE FROM \"Users\" WHERE \"uidNumber\" = 3000;
SELECT value FROM \"IdentityHighWater\" WHERE name = 'uidNumber';" 2>&1)
    expect_eq "$e: the uidNumber high-water mark keeps a deleted user's 3000" 3000 "$out"
    out=$(sql "$e" "INSERT INTO \"Groups\" (\"gidNumber\", cn) VALUES (5000, 'gone');
DELETE FROM \"Groups\" WHERE \"gidNumber\" = 5000;
SELECT value FROM \"IdentityHighWater\" WHERE name = 'gidNumber';" 2>&1)
    expect_eq "$e: the gidNumber high-water mark keeps a deleted group's 5000" 5000 "$out"
    check_fails "$e: the high-water mark never goes down" \
        sql "$e" "UPDATE \"IdentityHighWater\" SET value = 1 WHERE name = 'uidNumber';"
    check_fails "$e: the high-water marks are never deleted" sql "$e" 'DELETE FROM "IdentityHighWater";'
    expect_eq "$e: high-water marks unchanged by the refused writes" $'gidNumber\t5000\nuidNumber\t3000' \
        "$(sql "$e" 'SELECT name, value FROM "IdentityHighWater" ORDER BY name;' 2>&1)"

    # Case-insensitive unique names.
    check "$e: user Alice added" sql "$e" \
        "INSERT INTO \"Users\" (\"uidNumber\", username, mail) VALUES (3001, 'Alice', 'Alice@Example.org');"
    check_fails "$e: username 'alice' refused beside 'Alice'" sql "$e" \
        "INSERT INTO \"Users\" (\"uidNumber\", username) VALUES (3002, 'alice');"
    check_fails "$e: mail 'alice@example.ORG' refused beside 'Alice@Example.org'" sql "$e" \
        "INSERT INTO \"Users\" (\"uidNumber\", username, mail) VALUES (3002, 'bob', 'alice@example.ORG');"
    check_fails "$e: group 'LDAPUsers' refused beside 'ldapusers'" sql "$e" \
        "INSERT INTO \"Groups\" (\"gidNumber\", cn) VALUES (3000, 'LDAPUsers');"
    check_fails "$e: site 'FIRST' refused beside 'first'" sql "$e" \
        "INSERT INTO \"Sites\" (name, \"internalDomain\") VALUES ('FIRST', 'e.internal');"
    check "$e: users without mail do not conflict" sql "$e" \
        "INSERT INTO \"Users\" (\"uidNumber\", username) VALUES (3002, 'bob');
INSERT INTO \"Users\" (\"uidNumber\", username) VALUES (3003, 'carol');"
    check "$e: hostnames compare exactly ('Web' beside 'web')" sql "$e" \
        "INSERT INTO \"Nodes\" (id, name, \"siteId\") VALUES (1, 'pve1', 1);
INSERT INTO \"Containers\" (id, hostname, username, \"nodeId\") VALUES (1, 'web', 'Alice', 1);
INSERT INTO \"Containers\" (id, hostname, username, \"nodeId\") VALUES (2, 'Web', 'bob', 1);"

    # Deletes: CASCADE, RESTRICT, SET NULL.
    out=$(sql "$e" "INSERT INTO \"UserGroups\" (\"uidNumber\", \"gidNumber\") VALUES (3002, 2000);
DELETE FROM \"Users\" WHERE \"uidNumber\" = 3002;
SELECT count(*) FROM \"UserGroups\" WHERE \"uidNumber\" = 3002;" 2>&1)
    expect_eq "$e: a user's memberships go with it (ON DELETE CASCADE)" 0 "$out"
    out=$(sql "$e" "INSERT INTO \"UserGroups\" (\"uidNumber\", \"gidNumber\") VALUES (3003, 2001);
UPDATE \"Groups\" SET \"updatedAt\" = '2000-01-01T00:00:00.000Z' WHERE \"gidNumber\" = 2001;
DELETE FROM \"Users\" WHERE \"uidNumber\" = 3003;
SELECT count(*) FROM \"Groups\" WHERE \"gidNumber\" = 2001 AND \"updatedAt\" > '2000-01-01T00:00:00.000Z';" 2>&1)
    expect_eq "$e: a group whose member is deleted has a new updatedAt (its memberUid changed)" 1 "$out"
    check_fails "$e: a site with nodes is not deleted (ON DELETE RESTRICT)" sql "$e" 'DELETE FROM "Sites" WHERE id = 1;'
    expect_eq "$e: the refused delete changed nothing" 1 "$(sql "$e" 'SELECT count(*) FROM "Nodes" WHERE "siteId" = 1;' 2>&1)"
    out=$(sql "$e" "INSERT INTO \"Jobs\" (id, name) VALUES (1, 'create web');
UPDATE \"Containers\" SET \"creationJobId\" = 1, \"updatedAt\" = '2000-01-01T00:00:00.000Z' WHERE id = 1;
DELETE FROM \"Jobs\" WHERE id = 1;
SELECT count(*) FROM \"Containers\" WHERE id = 1 AND \"creationJobId\" IS NULL;
SELECT count(*) FROM \"Containers\" WHERE id = 1 AND \"updatedAt\" > '2000-01-01T00:00:00.000Z';" 2>&1)
    expect_eq "$e: a container outlives its creation job (ON DELETE SET NULL) and has a new updatedAt" $'1\n1' "$out"

    # Checks and guards.
    check_fails "$e: aiContainer 'X' refused" sql "$e" \
        "INSERT INTO \"Containers\" (hostname, username, \"nodeId\", \"aiContainer\") VALUES ('ai', 'bob', 1, 'X');"
    check_fails "$e: a status outside the enumeration refused" sql "$e" \
        "UPDATE \"Users\" SET status = 'gone' WHERE \"uidNumber\" = 3001;"
    check "$e: a domain and a dns service" sql "$e" \
        "INSERT INTO \"ExternalDomains\" (id, domain, \"siteId\") VALUES (1, 'example.org', 1);
INSERT INTO \"Services\" (id, \"containerId\", type, \"containerPort\") VALUES (1, 1, 'dns', 53);"
    check_fails "$e: an HTTP service row for the dns service refused" sql "$e" \
        "INSERT INTO \"HTTPServices\" (\"serviceId\", \"externalHostname\", \"externalDomainId\") VALUES (1, 'www', 1);"
    check "$e: a grant to a user on a site" sql "$e" \
        "INSERT INTO \"ContainerAccessGrants\" (\"uidNumber\", \"siteId\") VALUES (3001, 1);"
    check_fails "$e: the same grant twice refused (NULLs count as equal)" sql "$e" \
        "INSERT INTO \"ContainerAccessGrants\" (\"uidNumber\", \"siteId\") VALUES (3001, 1);"
    check_fails "$e: a grant naming a user and a group refused" sql "$e" \
        "INSERT INTO \"ContainerAccessGrants\" (\"uidNumber\", \"gidNumber\", \"siteId\") VALUES (3001, 2000, 1);"

    # updatedAt follows every change made without it.
    out=$(sql "$e" "UPDATE \"Users\" SET \"updatedAt\" = '2000-01-01T00:00:00.000Z' WHERE \"uidNumber\" = 3001;
SELECT \"updatedAt\" FROM \"Users\" WHERE \"uidNumber\" = 3001;
UPDATE \"Users\" SET cn = 'Alice A.' WHERE \"uidNumber\" = 3001;
SELECT count(*) FROM \"Users\" WHERE \"uidNumber\" = 3001 AND \"updatedAt\" > '2000-01-01T00:00:00.000Z';" 2>&1)
    expect_eq "$e: an explicit updatedAt is kept, a change without it bumps it" $'2000-01-01T00:00:00.000Z\n1' "$out"
    out=$(sql "$e" "INSERT INTO \"Users\" (\"uidNumber\", username) VALUES (3004, 'dave');
UPDATE \"Users\" SET \"uidNumber\" = 3500 WHERE \"uidNumber\" = 3004;
SELECT value FROM \"IdentityHighWater\" WHERE name = 'uidNumber';" 2>&1)
    expect_eq "$e: a uidNumber raised by an UPDATE raises the high-water mark" 3500 "$out"
done

for engine in "${engines[@]:1}"; do
    pid=${ENGINE_PID[$engine]}
    engine_stop "$engine"
    if engine_alive "$pid"; then
        not_ok "$engine: stopped"
    else
        ok "$engine: stopped"
    fi
done
tap_done
