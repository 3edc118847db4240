-- 0002_monotonic_ids on PostgreSQL: identity is forever (migrations/0002_monotonic_ids.sql
-- says why).  Ids, uidNumbers and gidNumbers once given are never given again.
--
-- Table ids: an identity column never hands out a value twice, but an
-- explicit id (a plain-SQL writer, a restore) does not move its sequence, so
-- the sequence would later reach that id again, after the row is gone.  A
-- trigger moves the sequence past every id written.  setval is not undone by
-- a rollback and two writers could race, so the move is serialised by a
-- transaction-scoped advisory lock keyed by the sequence and only ever goes up.
CREATE FUNCTION clusterdb_id_high_water() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    seq regclass := pg_get_serial_sequence(format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME), 'id')::regclass;
BEGIN
    IF NEW.id > coalesce(pg_sequence_last_value(seq), 0) THEN
        PERFORM pg_advisory_xact_lock(seq::oid::bigint);
        IF NEW.id > coalesce(pg_sequence_last_value(seq), 0) THEN
            PERFORM setval(seq, NEW.id);
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER "Sites_id_high_water" AFTER INSERT OR UPDATE OF id ON "Sites"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_id_high_water();
CREATE TRIGGER "Nodes_id_high_water" AFTER INSERT OR UPDATE OF id ON "Nodes"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_id_high_water();
CREATE TRIGGER "ExternalDomains_id_high_water" AFTER INSERT OR UPDATE OF id ON "ExternalDomains"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_id_high_water();
CREATE TRIGGER "Jobs_id_high_water" AFTER INSERT OR UPDATE OF id ON "Jobs"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_id_high_water();
CREATE TRIGGER "JobStatuses_id_high_water" AFTER INSERT OR UPDATE OF id ON "JobStatuses"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_id_high_water();
CREATE TRIGGER "Containers_id_high_water" AFTER INSERT OR UPDATE OF id ON "Containers"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_id_high_water();
CREATE TRIGGER "Services_id_high_water" AFTER INSERT OR UPDATE OF id ON "Services"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_id_high_water();
CREATE TRIGGER "HTTPServices_id_high_water" AFTER INSERT OR UPDATE OF id ON "HTTPServices"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_id_high_water();
CREATE TRIGGER "TransportServices_id_high_water" AFTER INSERT OR UPDATE OF id ON "TransportServices"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_id_high_water();
CREATE TRIGGER "DnsServices_id_high_water" AFTER INSERT OR UPDATE OF id ON "DnsServices"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_id_high_water();
CREATE TRIGGER "SessionSecrets_id_high_water" AFTER INSERT OR UPDATE OF id ON "SessionSecrets"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_id_high_water();
-- Rows written before this migration: each sequence starts past its table.
SELECT setval(pg_get_serial_sequence(quote_ident(t), 'id'), m, true)
  FROM (VALUES
        ('Sites', (SELECT max(id) FROM "Sites")),
        ('Nodes', (SELECT max(id) FROM "Nodes")),
        ('ExternalDomains', (SELECT max(id) FROM "ExternalDomains")),
        ('Jobs', (SELECT max(id) FROM "Jobs")),
        ('JobStatuses', (SELECT max(id) FROM "JobStatuses")),
        ('Containers', (SELECT max(id) FROM "Containers")),
        ('Services', (SELECT max(id) FROM "Services")),
        ('HTTPServices', (SELECT max(id) FROM "HTTPServices")),
        ('TransportServices', (SELECT max(id) FROM "TransportServices")),
        ('DnsServices', (SELECT max(id) FROM "DnsServices")),
        ('SessionSecrets', (SELECT max(id) FROM "SessionSecrets"))) AS tables (t, m)
 WHERE m > coalesce(pg_sequence_last_value(pg_get_serial_sequence(quote_ident(t), 'id')::regclass), 0);

-- uidNumber and gidNumber: IdentityHighWater keeps the highest ever used,
-- raised by triggers so that plain-SQL writers raise it too.
CREATE TABLE "IdentityHighWater" (
    name text PRIMARY KEY NOT NULL
        CONSTRAINT "IdentityHighWater.name" CHECK (name IN ('uidNumber', 'gidNumber')),
    value bigint NOT NULL
);
INSERT INTO "IdentityHighWater" (name, value) VALUES
    ('uidNumber', coalesce((SELECT max("uidNumber") FROM "Users"), 0)),
    ('gidNumber', coalesce((SELECT max("gidNumber") FROM "Groups"), 0));

CREATE FUNCTION clusterdb_uid_high_water() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE "IdentityHighWater" SET value = NEW."uidNumber"
     WHERE name = 'uidNumber' AND value < NEW."uidNumber";
    RETURN NULL;
END $$;
CREATE FUNCTION clusterdb_gid_high_water() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE "IdentityHighWater" SET value = NEW."gidNumber"
     WHERE name = 'gidNumber' AND value < NEW."gidNumber";
    RETURN NULL;
END $$;
CREATE TRIGGER "Users_uid_high_water" AFTER INSERT ON "Users"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_uid_high_water();
CREATE TRIGGER "Users_uid_high_water_update" AFTER UPDATE OF "uidNumber" ON "Users"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_uid_high_water();
CREATE TRIGGER "Groups_gid_high_water" AFTER INSERT ON "Groups"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_gid_high_water();
CREATE TRIGGER "Groups_gid_high_water_update" AFTER UPDATE OF "gidNumber" ON "Groups"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_gid_high_water();
-- The counters themselves only go up.
CREATE FUNCTION clusterdb_high_water_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = 'IdentityHighWater: the high-water marks are never deleted';
    END IF;
    IF NEW.value < OLD.value THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = 'IdentityHighWater.value: a high-water mark never goes down';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER "IdentityHighWater_only_up" BEFORE UPDATE ON "IdentityHighWater"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_high_water_kept();
CREATE TRIGGER "IdentityHighWater_kept" BEFORE DELETE ON "IdentityHighWater"
    FOR EACH ROW EXECUTE FUNCTION clusterdb_high_water_kept();

-- Names an operator types are unique the way people read them.  Site and
-- node names case-insensitively; an external domain once per site.
CREATE UNIQUE INDEX "Sites_name_unique" ON "Sites" (lower(name));
CREATE UNIQUE INDEX "Nodes_name_unique" ON "Nodes" (lower(name));
CREATE UNIQUE INDEX "ExternalDomains_site_domain_unique" ON "ExternalDomains" ("siteId", lower(domain));

-- aiContainer is a flag, 'Y' or 'N'.  PostgreSQL adds a CHECK in place
-- (SQLite needs triggers); existing values other than Y become N first.
UPDATE "Containers" SET "aiContainer" = 'N' WHERE "aiContainer" IS DISTINCT FROM 'Y';
ALTER TABLE "Containers" ADD CONSTRAINT "Containers.aiContainer" CHECK ("aiContainer" IN ('Y', 'N'));
