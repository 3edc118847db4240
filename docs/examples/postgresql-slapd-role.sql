-- The role slapd's back_clusterdb connects as, with the least it needs:
-- it reads every table and writes only what LDAP writes change (users,
-- groups, memberships, container grants; IdentityHighWater through the
-- schema's triggers, which run with the writer's rights).  Run it as the
-- database's owner after `clusterdb init`, and again after a schema step
-- that adds a table (docs/store.md, "Roles").  It gives no password: put
-- one in slapd's user's ~/.pgpass (or use peer authentication over the
-- socket, or a certificate), never in olcClusterdbUri.
-- Used as it stands by tests/integration/pg_sites.sh.
CREATE ROLE clusterdb_slapd LOGIN;
GRANT CONNECT ON DATABASE clusterdb TO clusterdb_slapd;
GRANT USAGE ON SCHEMA public TO clusterdb_slapd;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO clusterdb_slapd;
GRANT INSERT, UPDATE, DELETE ON "Users", "Groups", "UserGroups", "ContainerAccessGrants"
    TO clusterdb_slapd;
GRANT UPDATE ON "IdentityHighWater" TO clusterdb_slapd;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO clusterdb_slapd;
