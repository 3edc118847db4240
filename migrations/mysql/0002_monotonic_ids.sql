-- 0002_monotonic_ids on MariaDB: identity is forever (migrations/0002_monotonic_ids.sql
-- says why).  Ids, uidNumbers and gidNumbers once given are never given again.
--
-- Table ids need nothing here: InnoDB's AUTO_INCREMENT counter (persistent
-- since MariaDB 10.2) moves past every id written, explicit or not, and never
-- goes back after a delete.  The step is kept so that the versions of every
-- engine mean the same schema.

-- uidNumber and gidNumber: IdentityHighWater keeps the highest ever used,
-- raised by triggers so that plain-SQL writers raise it too.
CREATE TABLE "IdentityHighWater" (
    name VARCHAR(255) NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL,
    CONSTRAINT "IdentityHighWater.name" CHECK (name IN ('uidNumber', 'gidNumber'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
INSERT INTO "IdentityHighWater" (name, value) VALUES
    ('uidNumber', coalesce((SELECT MAX("uidNumber") FROM "Users"), 0)),
    ('gidNumber', coalesce((SELECT MAX("gidNumber") FROM "Groups"), 0));

CREATE TRIGGER "Users_uid_high_water" AFTER INSERT ON "Users" FOR EACH ROW
    UPDATE "IdentityHighWater" SET value = NEW."uidNumber"
     WHERE name = 'uidNumber' AND value < NEW."uidNumber";
-- MariaDB has no UPDATE OF column: the IF stands for it.  Without it every
-- update of a user (each membership change touches one) would lock the
-- counter row until commit: InnoDB keeps locks on the rows an UPDATE read.
CREATE TRIGGER "Users_uid_high_water_update" AFTER UPDATE ON "Users" FOR EACH ROW
BEGIN
    IF NEW."uidNumber" <> OLD."uidNumber" THEN
        UPDATE "IdentityHighWater" SET value = NEW."uidNumber"
         WHERE name = 'uidNumber' AND value < NEW."uidNumber";
    END IF;
END;
CREATE TRIGGER "Groups_gid_high_water" AFTER INSERT ON "Groups" FOR EACH ROW
    UPDATE "IdentityHighWater" SET value = NEW."gidNumber"
     WHERE name = 'gidNumber' AND value < NEW."gidNumber";
CREATE TRIGGER "Groups_gid_high_water_update" AFTER UPDATE ON "Groups" FOR EACH ROW
BEGIN
    IF NEW."gidNumber" <> OLD."gidNumber" THEN
        UPDATE "IdentityHighWater" SET value = NEW."gidNumber"
         WHERE name = 'gidNumber' AND value < NEW."gidNumber";
    END IF;
END;
-- The counters themselves only go up.
CREATE TRIGGER "IdentityHighWater_only_up" BEFORE UPDATE ON "IdentityHighWater" FOR EACH ROW
BEGIN
    IF NEW.value < OLD.value THEN
        SIGNAL SQLSTATE '23000' SET MYSQL_ERRNO = 4025,
            MESSAGE_TEXT = 'IdentityHighWater.value: a high-water mark never goes down';
    END IF;
END;
CREATE TRIGGER "IdentityHighWater_kept" BEFORE DELETE ON "IdentityHighWater" FOR EACH ROW
    SIGNAL SQLSTATE '23000' SET MYSQL_ERRNO = 4025,
        MESSAGE_TEXT = 'IdentityHighWater: the high-water marks are never deleted';

-- Names an operator types are unique the way people read them.  Site and
-- node names case-insensitively, an external domain once per site.  A key
-- cannot have a collation of its own here, so the columns get the
-- case-insensitive one: every comparison of them ignores case, not only the
-- unique key's (docs/store.md).
ALTER TABLE "Sites" MODIFY name VARCHAR(255) COLLATE utf8mb4_unicode_nopad_ci NOT NULL,
    ADD CONSTRAINT "Sites_name_unique" UNIQUE (name);
ALTER TABLE "Nodes" MODIFY name VARCHAR(255) COLLATE utf8mb4_unicode_nopad_ci NOT NULL,
    ADD CONSTRAINT "Nodes_name_unique" UNIQUE (name);
ALTER TABLE "ExternalDomains" MODIFY domain VARCHAR(255) COLLATE utf8mb4_unicode_nopad_ci NOT NULL,
    ADD CONSTRAINT "ExternalDomains_site_domain_unique" UNIQUE ("siteId", domain);

-- aiContainer is a flag, 'Y' or 'N': a CHECK added in place (SQLite needs
-- triggers); existing values other than Y become N first.
UPDATE "Containers" SET "aiContainer" = 'N' WHERE NOT ("aiContainer" <=> 'Y');
ALTER TABLE "Containers" ADD CONSTRAINT "Containers.aiContainer" CHECK ("aiContainer" IN ('Y', 'N'));
