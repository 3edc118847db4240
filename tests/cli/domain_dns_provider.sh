#!/usr/bin/env bash
# ExternalDomains.dnsProvider (migration 0004): who answers the certificate's
# DNS-01 challenge.  Set and shown by the CLI, checked by the model, and a
# database made before the migration keeps its domains (as cloudflare).
. "$(dirname "$0")/cli-lib.bash"
new_db
expect_ok "site" site add dc1 --internal-domain cluster.internal
expect_ok "domain without a provider" domain add example.com --site dc1
expect_eq "defaults to cloudflare" "cloudflare" "$(sql "SELECT dnsProvider FROM ExternalDomains WHERE domain = 'example.com'")"
expect_ok "domain with the exec provider" domain add example.org --site dc1 --dns-provider exec
expect_eq "exec stored" "exec" "$(sql "SELECT dnsProvider FROM ExternalDomains WHERE domain = 'example.org'")"
expect_ok "shown in JSON" --json domain show example.org
expect_eq "JSON dnsProvider" "exec" "$(json_get 'd["dnsProvider"]')"
expect_fail "an unknown provider: refused naming the field, nothing written" 3 dnsProvider \
    domain add example.net --site dc1 --dns-provider bind9

# ---- a database from before migration 0004 (the column, what later
# migrations made, and their migration rows taken away again) gets the
# column on migrate, its rows kept
check "back to the schema before 0004" sql "ALTER TABLE ExternalDomains DROP COLUMN dnsProvider;
    DROP TABLE ContainerAccessGrants; DROP INDEX Containers_username;
    DROP TRIGGER Containers_owner_insert_touch; DROP TRIGGER Containers_owner_delete_touch;
    DROP TRIGGER Containers_owner_update_touch;
    ALTER TABLE Users DROP COLUMN loginShell; ALTER TABLE Users DROP COLUMN homeDirectory;
    DELETE FROM SchemaMigrations WHERE version >= 4;"
run domain list
expect_eq "before 0004: the CLI asks for a migration" 1 "$([ "$RC" -ne 0 ] && echo 1)"
expect_ok "migrate" migrate
expect_eq "both domains kept, as cloudflare" "example.com|cloudflare example.org|cloudflare" \
    "$(echo $(sql "SELECT domain || '|' || dnsProvider FROM ExternalDomains ORDER BY id"))"
expect_eq "the CHECK constraint came with it" "1" \
    "$(sql "UPDATE ExternalDomains SET dnsProvider = 'bind9'" 2>&1 | grep -c 'CHECK constraint failed')"
tap_done
