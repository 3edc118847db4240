-- 0005_container_access on MariaDB: who may enter a container beyond its
-- owner and the administrators (migrations/0005_container_access.sql says why).
--
-- Two things MariaDB does not allow on a column whose foreign key cascades an
-- UPDATE: a CHECK naming it, and a generated column built from it (kept in an
-- index, such a column goes stale under the cascade).  The references here are
-- therefore ON UPDATE RESTRICT; ids are never changed (identity is forever), so
-- only the ON DELETE CASCADE the grants need matters.
CREATE TABLE "ContainerAccessGrants" (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    "uidNumber" BIGINT REFERENCES "Users" ("uidNumber") ON DELETE CASCADE ON UPDATE RESTRICT,
    "gidNumber" BIGINT REFERENCES "Groups" ("gidNumber") ON DELETE CASCADE ON UPDATE RESTRICT,
    "containerId" BIGINT REFERENCES "Containers" (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    "siteId" BIGINT REFERENCES "Sites" (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    -- One grant per subject and scope: NULLs are distinct in a unique key, so
    -- the key is over the columns with NULL as -1 (SQLite: ifnull(column, -1)).
    "uidNumberKey" BIGINT AS (coalesce("uidNumber", -1)) STORED INVISIBLE,
    "gidNumberKey" BIGINT AS (coalesce("gidNumber", -1)) STORED INVISIBLE,
    "containerIdKey" BIGINT AS (coalesce("containerId", -1)) STORED INVISIBLE,
    "siteIdKey" BIGINT AS (coalesce("siteId", -1)) STORED INVISIBLE,
    CONSTRAINT "ContainerAccessGrants.subject" CHECK (("uidNumber" IS NULL) <> ("gidNumber" IS NULL)),
    CONSTRAINT "ContainerAccessGrants.scope" CHECK (("containerId" IS NULL) <> ("siteId" IS NULL)),
    CONSTRAINT "ContainerAccessGrants_unique"
        UNIQUE ("uidNumberKey", "gidNumberKey", "containerIdKey", "siteIdKey"),
    INDEX "ContainerAccessGrants_uidNumber" ("uidNumber"),
    INDEX "ContainerAccessGrants_gidNumber" ("gidNumber"),
    INDEX "ContainerAccessGrants_containerId" ("containerId"),
    INDEX "ContainerAccessGrants_siteId" ("siteId")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE INDEX "Containers_username" ON "Containers" (username);

-- A grant changes the host attribute of the users it names: touch them so
-- modifyTimestamp>= refreshes (SSSD) see it, as membership changes do.
CREATE TRIGGER "ContainerAccessGrants_insert_touch" AFTER INSERT ON "ContainerAccessGrants" FOR EACH ROW
    UPDATE "Users" SET "updatedAt" = (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z'))
     WHERE "uidNumber" = NEW."uidNumber"
        OR "uidNumber" IN (SELECT "uidNumber" FROM "UserGroups" WHERE "gidNumber" = NEW."gidNumber");
CREATE TRIGGER "ContainerAccessGrants_delete_touch" AFTER DELETE ON "ContainerAccessGrants" FOR EACH ROW
    UPDATE "Users" SET "updatedAt" = (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z'))
     WHERE "uidNumber" = OLD."uidNumber"
        OR "uidNumber" IN (SELECT "uidNumber" FROM "UserGroups" WHERE "gidNumber" = OLD."gidNumber");
-- A container's owner enters it.  Users.username's collation (case-insensitive)
-- decides the comparison, as its NOCASE does in SQLite.
CREATE TRIGGER "Containers_owner_insert_touch" AFTER INSERT ON "Containers" FOR EACH ROW
    UPDATE "Users" SET "updatedAt" = (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z'))
     WHERE username = NEW.username COLLATE utf8mb4_unicode_nopad_ci;
CREATE TRIGGER "Containers_owner_delete_touch" AFTER DELETE ON "Containers" FOR EACH ROW
    UPDATE "Users" SET "updatedAt" = (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z'))
     WHERE username = OLD.username COLLATE utf8mb4_unicode_nopad_ci;
CREATE TRIGGER "Containers_owner_update_touch" AFTER UPDATE ON "Containers" FOR EACH ROW
    UPDATE "Users" SET "updatedAt" = (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z'))
     WHERE (NOT (NEW.username <=> OLD.username) OR NOT (NEW.hostname <=> OLD.hostname))
       AND (username = OLD.username COLLATE utf8mb4_unicode_nopad_ci OR username = NEW.username COLLATE utf8mb4_unicode_nopad_ci);
-- InnoDB's cascades fire no triggers: a container or site deleted takes its
-- grants along unseen, so touch the users they named before the delete.
CREATE TRIGGER "Containers_delete_touch_grantees" BEFORE DELETE ON "Containers" FOR EACH ROW
    UPDATE "Users" SET "updatedAt" = (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z'))
     WHERE "uidNumber" IN (SELECT "uidNumber" FROM "ContainerAccessGrants" WHERE "containerId" = OLD.id)
        OR "uidNumber" IN (SELECT ug."uidNumber" FROM "UserGroups" ug
                             JOIN "ContainerAccessGrants" g ON g."gidNumber" = ug."gidNumber"
                            WHERE g."containerId" = OLD.id);
CREATE TRIGGER "Sites_delete_touch_grantees" BEFORE DELETE ON "Sites" FOR EACH ROW
    UPDATE "Users" SET "updatedAt" = (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z'))
     WHERE "uidNumber" IN (SELECT "uidNumber" FROM "ContainerAccessGrants" WHERE "siteId" = OLD.id)
        OR "uidNumber" IN (SELECT ug."uidNumber" FROM "UserGroups" ug
                             JOIN "ContainerAccessGrants" g ON g."gidNumber" = ug."gidNumber"
                            WHERE g."siteId" = OLD.id);
