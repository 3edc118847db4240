-- 0001_initial on MariaDB 10.11: the same schema as migrations/0001_initial.sql
-- (read that file for what each table and rule is for).  What differs and why
-- is in docs/store.md, "Engines"; in short:
--  * Every session runs with sql_mode ANSI_QUOTES and PIPES_AS_CONCAT (the
--    store sets it per connection): identifiers are quoted "..." as the
--    specification spells them, strings '...'.
--  * Tables are InnoDB, utf8mb4, compared byte for byte without padding
--    (utf8mb4_nopad_bin) as SQLite compares text; COLLATE NOCASE columns are
--    utf8mb4_unicode_nopad_ci, so their unique keys and comparisons ignore case.
--  * Text that is a key, an index, an enumeration or a timestamp is
--    VARCHAR(255) (InnoDB indexes no whole TEXT column); free text is TEXT.
--  * SQLite's INTEGER is 64-bit: ids, uid/gid numbers and their references are
--    BIGINT; ports, CTIDs and 0/1 flags INT.  Row ids are AUTO_INCREMENT
--    (InnoDB's counter is persistent and follows explicit ids: never reused).
--  * Timestamps are text in the same format, from UTC_TIMESTAMP(3).
--  * Triggers are single statements or BEGIN ... END blocks; the file is sent
--    as one multi-statement query, so there are no DELIMITER lines.
--  * Foreign keys' cascades do not fire triggers in InnoDB (docs/store.md).
--  * DDL commits implicitly: unlike SQLite and PostgreSQL, a migration that
--    fails half-way is not rolled back.

CREATE TABLE "SchemaMigrations" (
    version BIGINT NOT NULL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    "appliedAt" VARCHAR(255) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- ------------------------------------------------------------ cluster

CREATE TABLE "Sites" (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    "internalDomain" VARCHAR(255) NOT NULL,
    "dhcpRange" TEXT,
    "subnetMask" TEXT,
    gateway TEXT,
    "dnsForwarders" TEXT,
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE "Nodes" (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(255) NOT NULL UNIQUE,
    "ipv4Address" TEXT,
    "apiUrl" TEXT,
    "apiTokenIdOrUsername" TEXT,
    "apiTokenSecretOrPassword" TEXT,
    "disableTlsVerification" INT NOT NULL DEFAULT 0,
    "siteId" BIGINT NOT NULL REFERENCES "Sites" (id) ON DELETE RESTRICT ON UPDATE CASCADE,
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    CONSTRAINT "Nodes.disableTlsVerification" CHECK ("disableTlsVerification" IN (0, 1)),
    INDEX "Nodes_siteId" ("siteId")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE "ExternalDomains" (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    domain VARCHAR(255) NOT NULL,
    "acmeEmail" TEXT,
    "acmeDirectory" TEXT,
    "cloudflareApiEmail" TEXT,
    "cloudflareApiKey" TEXT,
    "siteId" BIGINT NOT NULL REFERENCES "Sites" (id) ON DELETE RESTRICT ON UPDATE CASCADE,
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    INDEX "ExternalDomains_siteId" ("siteId")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE "Jobs" (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name TEXT NOT NULL,
    "associatedResource" TEXT,
    status VARCHAR(255) NOT NULL DEFAULT 'pending',
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    CONSTRAINT "Jobs.status" CHECK (status IN ('pending', 'running', 'success', 'failure', 'cancelled')),
    INDEX "Jobs_status" (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE "JobStatuses" (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    "jobId" BIGINT NOT NULL REFERENCES "Jobs" (id) ON DELETE CASCADE ON UPDATE CASCADE,
    message TEXT NOT NULL,
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    INDEX "JobStatuses_jobId" ("jobId", id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE "Containers" (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    hostname VARCHAR(255) NOT NULL UNIQUE,
    username VARCHAR(255) NOT NULL,
    status VARCHAR(255) NOT NULL DEFAULT 'pending',
    template TEXT,
    "creationJobId" BIGINT REFERENCES "Jobs" (id) ON DELETE SET NULL ON UPDATE CASCADE,
    "nodeId" BIGINT NOT NULL REFERENCES "Nodes" (id) ON DELETE RESTRICT ON UPDATE CASCADE,
    "containerId" INT,
    "macAddress" VARCHAR(255) UNIQUE,
    "ipv4Address" VARCHAR(255) UNIQUE,
    "aiContainer" VARCHAR(255) NOT NULL DEFAULT 'N',
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    CONSTRAINT "Containers.status" CHECK (status IN ('pending', 'creating', 'running', 'failed')),
    CONSTRAINT "Containers.containerId" CHECK ("containerId" BETWEEN 100 AND 999999999),
    UNIQUE ("nodeId", "containerId"),
    INDEX "Containers_creationJobId" ("creationJobId")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE "Services" (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    "containerId" BIGINT NOT NULL REFERENCES "Containers" (id) ON DELETE CASCADE ON UPDATE CASCADE,
    "type" VARCHAR(255) NOT NULL,
    "containerPort" INT NOT NULL,
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    CONSTRAINT "Services.type" CHECK ("type" IN ('http', 'transport', 'dns')),
    CONSTRAINT "Services.containerPort" CHECK ("containerPort" BETWEEN 1 AND 65535),
    INDEX "Services_containerId" ("containerId")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE "HTTPServices" (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    "serviceId" BIGINT NOT NULL UNIQUE REFERENCES "Services" (id) ON DELETE CASCADE ON UPDATE CASCADE,
    "externalHostname" VARCHAR(255) NOT NULL,
    "externalDomainId" BIGINT NOT NULL
        REFERENCES "ExternalDomains" (id) ON DELETE RESTRICT ON UPDATE CASCADE,
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    UNIQUE ("externalHostname", "externalDomainId"),
    INDEX "HTTPServices_externalDomainId" ("externalDomainId")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE "TransportServices" (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    "serviceId" BIGINT NOT NULL UNIQUE REFERENCES "Services" (id) ON DELETE CASCADE ON UPDATE CASCADE,
    protocol VARCHAR(255) NOT NULL,
    "externalPort" INT NOT NULL,
    "useTls" INT NOT NULL DEFAULT 0,
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    CONSTRAINT "TransportServices.protocol" CHECK (protocol IN ('tcp', 'udp')),
    CONSTRAINT "TransportServices.externalPort" CHECK ("externalPort" BETWEEN 1 AND 65535),
    CONSTRAINT "TransportServices.useTls" CHECK ("useTls" IN (0, 1)),
    UNIQUE (protocol, "externalPort")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE "DnsServices" (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    "serviceId" BIGINT NOT NULL UNIQUE REFERENCES "Services" (id) ON DELETE CASCADE ON UPDATE CASCADE,
    "recordType" VARCHAR(255) NOT NULL DEFAULT 'SRV',
    "serviceName" TEXT NOT NULL,
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    CONSTRAINT "DnsServices.recordType" CHECK ("recordType" IN ('SRV'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- A subtype row must belong to a Services row of its own type.  Reported as
-- a failed CHECK (ER_CONSTRAINT_FAILED), as SQLite's RAISE is reported.
CREATE TRIGGER "HTTPServices_type" BEFORE INSERT ON "HTTPServices" FOR EACH ROW
BEGIN
    IF EXISTS (SELECT 1 FROM "Services" WHERE id = NEW."serviceId" AND "type" <> 'http') THEN
        SIGNAL SQLSTATE '23000' SET MYSQL_ERRNO = 4025,
            MESSAGE_TEXT = 'HTTPServices.serviceId: the service is not of type http';
    END IF;
END;
CREATE TRIGGER "TransportServices_type" BEFORE INSERT ON "TransportServices" FOR EACH ROW
BEGIN
    IF EXISTS (SELECT 1 FROM "Services" WHERE id = NEW."serviceId" AND "type" <> 'transport') THEN
        SIGNAL SQLSTATE '23000' SET MYSQL_ERRNO = 4025,
            MESSAGE_TEXT = 'TransportServices.serviceId: the service is not of type transport';
    END IF;
END;
CREATE TRIGGER "DnsServices_type" BEFORE INSERT ON "DnsServices" FOR EACH ROW
BEGIN
    IF EXISTS (SELECT 1 FROM "Services" WHERE id = NEW."serviceId" AND "type" <> 'dns') THEN
        SIGNAL SQLSTATE '23000' SET MYSQL_ERRNO = 4025,
            MESSAGE_TEXT = 'DnsServices.serviceId: the service is not of type dns';
    END IF;
END;

-- ------------------------------------------------------------ directory

CREATE TABLE "Users" (
    "uidNumber" BIGINT NOT NULL PRIMARY KEY,
    username VARCHAR(255) COLLATE utf8mb4_unicode_nopad_ci NOT NULL UNIQUE,
    cn TEXT,
    sn TEXT,
    "givenName" TEXT,
    mail VARCHAR(255) COLLATE utf8mb4_unicode_nopad_ci UNIQUE,
    "sshPublicKey" TEXT,
    "userPassword" TEXT,
    status VARCHAR(255) NOT NULL DEFAULT 'pending',
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    CONSTRAINT "Users.uidNumber" CHECK ("uidNumber" BETWEEN 0 AND 4294967294),
    CONSTRAINT "Users.status" CHECK (status IN ('pending', 'active', 'suspended')),
    INDEX "Users_updatedAt" ("updatedAt")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE "Groups" (
    "gidNumber" BIGINT NOT NULL PRIMARY KEY,
    cn VARCHAR(255) COLLATE utf8mb4_unicode_nopad_ci NOT NULL UNIQUE,
    "isAdministrator" INT NOT NULL DEFAULT 0,
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    CONSTRAINT "Groups.gidNumber" CHECK ("gidNumber" BETWEEN 0 AND 4294967294),
    CONSTRAINT "Groups.isAdministrator" CHECK ("isAdministrator" IN (0, 1)),
    INDEX "Groups_updatedAt" ("updatedAt")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE "UserGroups" (
    "uidNumber" BIGINT NOT NULL REFERENCES "Users" ("uidNumber") ON DELETE CASCADE ON UPDATE CASCADE,
    "gidNumber" BIGINT NOT NULL REFERENCES "Groups" ("gidNumber") ON DELETE CASCADE ON UPDATE CASCADE,
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    PRIMARY KEY ("uidNumber", "gidNumber"),
    INDEX "UserGroups_gidNumber_uidNumber" ("gidNumber", "uidNumber")
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- A membership change is a change of both entries (memberUid / memberOf).
CREATE TRIGGER "UserGroups_insert_touch" AFTER INSERT ON "UserGroups" FOR EACH ROW
BEGIN
    UPDATE "Users" SET "updatedAt" = (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')) WHERE "uidNumber" = NEW."uidNumber";
    UPDATE "Groups" SET "updatedAt" = (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')) WHERE "gidNumber" = NEW."gidNumber";
END;
CREATE TRIGGER "UserGroups_delete_touch" AFTER DELETE ON "UserGroups" FOR EACH ROW
BEGIN
    UPDATE "Users" SET "updatedAt" = (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')) WHERE "uidNumber" = OLD."uidNumber";
    UPDATE "Groups" SET "updatedAt" = (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')) WHERE "gidNumber" = OLD."gidNumber";
END;

-- InnoDB's cascades fire no triggers: the membership rows a deleted user or
-- group takes along would change the other side's entry unseen.  Touch it
-- before the delete, as the cascade's triggers do in SQLite.
CREATE TRIGGER "Users_delete_touch_groups" BEFORE DELETE ON "Users" FOR EACH ROW
    UPDATE "Groups" SET "updatedAt" = (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z'))
     WHERE "gidNumber" IN (SELECT "gidNumber" FROM "UserGroups" WHERE "uidNumber" = OLD."uidNumber");
CREATE TRIGGER "Groups_delete_touch_users" BEFORE DELETE ON "Groups" FOR EACH ROW
    UPDATE "Users" SET "updatedAt" = (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z'))
     WHERE "uidNumber" IN (SELECT "uidNumber" FROM "UserGroups" WHERE "gidNumber" = OLD."gidNumber");
-- Likewise ON DELETE SET NULL: clear a deleted job's containers with a plain
-- UPDATE, which bumps their updatedAt; the foreign key then finds nothing to do.
CREATE TRIGGER "Jobs_delete_containers" BEFORE DELETE ON "Jobs" FOR EACH ROW
    UPDATE "Containers" SET "creationJobId" = NULL WHERE "creationJobId" = OLD.id;

-- ------------------------------------------------------------ sessions, settings

CREATE TABLE "SessionSecrets" (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    secret VARCHAR(255) NOT NULL UNIQUE,
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    -- CHAR_LENGTH: MariaDB's LENGTH counts bytes, SQLite's characters.
    CONSTRAINT "SessionSecrets.secret" CHECK (CHAR_LENGTH(secret) BETWEEN 32 AND 64)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE "Settings" (
    "key" VARCHAR(255) NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    "createdAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    "updatedAt" VARCHAR(255) NOT NULL DEFAULT (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')),
    CONSTRAINT "Settings.key" CHECK (CHAR_LENGTH("key") BETWEEN 1 AND 255)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- ------------------------------------------------------------ updatedAt

-- An UPDATE that leaves updatedAt as it was (or sets it to the value it
-- already had) gets the current time; an UPDATE that sets a new value keeps
-- it.  BEFORE UPDATE changes the row being written: no second UPDATE.
CREATE TRIGGER "Sites_touch" BEFORE UPDATE ON "Sites" FOR EACH ROW
    SET NEW."updatedAt" = IF(NEW."updatedAt" <=> OLD."updatedAt", (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')), NEW."updatedAt");
CREATE TRIGGER "Nodes_touch" BEFORE UPDATE ON "Nodes" FOR EACH ROW
    SET NEW."updatedAt" = IF(NEW."updatedAt" <=> OLD."updatedAt", (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')), NEW."updatedAt");
CREATE TRIGGER "ExternalDomains_touch" BEFORE UPDATE ON "ExternalDomains" FOR EACH ROW
    SET NEW."updatedAt" = IF(NEW."updatedAt" <=> OLD."updatedAt", (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')), NEW."updatedAt");
CREATE TRIGGER "Jobs_touch" BEFORE UPDATE ON "Jobs" FOR EACH ROW
    SET NEW."updatedAt" = IF(NEW."updatedAt" <=> OLD."updatedAt", (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')), NEW."updatedAt");
CREATE TRIGGER "JobStatuses_touch" BEFORE UPDATE ON "JobStatuses" FOR EACH ROW
    SET NEW."updatedAt" = IF(NEW."updatedAt" <=> OLD."updatedAt", (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')), NEW."updatedAt");
CREATE TRIGGER "Containers_touch" BEFORE UPDATE ON "Containers" FOR EACH ROW
    SET NEW."updatedAt" = IF(NEW."updatedAt" <=> OLD."updatedAt", (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')), NEW."updatedAt");
CREATE TRIGGER "Services_touch" BEFORE UPDATE ON "Services" FOR EACH ROW
    SET NEW."updatedAt" = IF(NEW."updatedAt" <=> OLD."updatedAt", (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')), NEW."updatedAt");
CREATE TRIGGER "HTTPServices_touch" BEFORE UPDATE ON "HTTPServices" FOR EACH ROW
    SET NEW."updatedAt" = IF(NEW."updatedAt" <=> OLD."updatedAt", (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')), NEW."updatedAt");
CREATE TRIGGER "TransportServices_touch" BEFORE UPDATE ON "TransportServices" FOR EACH ROW
    SET NEW."updatedAt" = IF(NEW."updatedAt" <=> OLD."updatedAt", (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')), NEW."updatedAt");
CREATE TRIGGER "DnsServices_touch" BEFORE UPDATE ON "DnsServices" FOR EACH ROW
    SET NEW."updatedAt" = IF(NEW."updatedAt" <=> OLD."updatedAt", (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')), NEW."updatedAt");
CREATE TRIGGER "Users_touch" BEFORE UPDATE ON "Users" FOR EACH ROW
    SET NEW."updatedAt" = IF(NEW."updatedAt" <=> OLD."updatedAt", (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')), NEW."updatedAt");
CREATE TRIGGER "Groups_touch" BEFORE UPDATE ON "Groups" FOR EACH ROW
    SET NEW."updatedAt" = IF(NEW."updatedAt" <=> OLD."updatedAt", (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')), NEW."updatedAt");
CREATE TRIGGER "SessionSecrets_touch" BEFORE UPDATE ON "SessionSecrets" FOR EACH ROW
    SET NEW."updatedAt" = IF(NEW."updatedAt" <=> OLD."updatedAt", (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')), NEW."updatedAt");
CREATE TRIGGER "Settings_touch" BEFORE UPDATE ON "Settings" FOR EACH ROW
    SET NEW."updatedAt" = IF(NEW."updatedAt" <=> OLD."updatedAt", (CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')), NEW."updatedAt");

-- ------------------------------------------------------------ seed

INSERT INTO "Groups" ("gidNumber", cn, "isAdministrator") VALUES
    (2000, 'ldapusers', 0),
    (2001, 'sysadmins', 1);

INSERT INTO "Settings" ("key", value) VALUES
    ('push_notification_url', ''),
    ('push_notification_enabled', 'false');
