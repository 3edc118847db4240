-- 0002_monotonic_ids: identity is forever.  A row id, uidNumber or gidNumber
-- once given is never given again, even after its row is deleted: a job
-- queued for container 6 must never act on a later container that got id 6,
-- and a uidNumber reused would hand every file of a deleted user on every
-- container host to the next one.
--
-- Table ids: SQLite reuses the highest rowid after a delete unless the
-- table is AUTOINCREMENT, which a table cannot become in place, so each is
-- rebuilt (SQLite's recipe: new table, copy, drop, rename; the runner has
-- foreign keys off and checks them before it commits).  Rows keep their ids.
-- The triggers of 0001 are dropped first (a rename re-parses every trigger,
-- and a trigger naming a table dropped a moment before would fail it) and
-- made again at the end, unchanged.
--
-- uidNumber and gidNumber are chosen by the store (the next after the
-- highest), or given explicitly: IdentityHighWater keeps the highest ever
-- used, raised by triggers so that plain-SQL writers raise it too.

DROP TRIGGER HTTPServices_type;
DROP TRIGGER TransportServices_type;
DROP TRIGGER DnsServices_type;
DROP TRIGGER UserGroups_insert_touch;
DROP TRIGGER UserGroups_delete_touch;
DROP TRIGGER Sites_touch;
DROP TRIGGER Nodes_touch;
DROP TRIGGER ExternalDomains_touch;
DROP TRIGGER Jobs_touch;
DROP TRIGGER JobStatuses_touch;
DROP TRIGGER Containers_touch;
DROP TRIGGER Services_touch;
DROP TRIGGER HTTPServices_touch;
DROP TRIGGER TransportServices_touch;
DROP TRIGGER DnsServices_touch;
DROP TRIGGER Users_touch;
DROP TRIGGER Groups_touch;
DROP TRIGGER SessionSecrets_touch;
DROP TRIGGER Settings_touch;

CREATE TABLE Sites_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    internalDomain TEXT NOT NULL,
    dhcpRange TEXT,
    subnetMask TEXT,
    gateway TEXT,
    dnsForwarders TEXT,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO Sites_rebuilt SELECT * FROM Sites;
DROP TABLE Sites;
ALTER TABLE Sites_rebuilt RENAME TO Sites;

CREATE TABLE Nodes_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    ipv4Address TEXT,
    apiUrl TEXT,
    apiTokenIdOrUsername TEXT,
    apiTokenSecretOrPassword TEXT,
    disableTlsVerification INTEGER NOT NULL DEFAULT 0
        CONSTRAINT "Nodes.disableTlsVerification" CHECK (disableTlsVerification IN (0, 1)),
    siteId INTEGER NOT NULL REFERENCES Sites (id) ON DELETE RESTRICT ON UPDATE CASCADE,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO Nodes_rebuilt SELECT * FROM Nodes;
DROP TABLE Nodes;
ALTER TABLE Nodes_rebuilt RENAME TO Nodes;

CREATE TABLE ExternalDomains_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain TEXT NOT NULL,
    acmeEmail TEXT,
    acmeDirectory TEXT,
    cloudflareApiEmail TEXT,
    cloudflareApiKey TEXT,
    siteId INTEGER NOT NULL REFERENCES Sites (id) ON DELETE RESTRICT ON UPDATE CASCADE,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO ExternalDomains_rebuilt SELECT * FROM ExternalDomains;
DROP TABLE ExternalDomains;
ALTER TABLE ExternalDomains_rebuilt RENAME TO ExternalDomains;

CREATE TABLE Jobs_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    associatedResource TEXT,
    status TEXT NOT NULL DEFAULT 'pending'
        CONSTRAINT "Jobs.status"
        CHECK (status IN ('pending', 'running', 'success', 'failure', 'cancelled')),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO Jobs_rebuilt SELECT * FROM Jobs;
DROP TABLE Jobs;
ALTER TABLE Jobs_rebuilt RENAME TO Jobs;

CREATE TABLE JobStatuses_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    jobId INTEGER NOT NULL REFERENCES Jobs (id) ON DELETE CASCADE ON UPDATE CASCADE,
    message TEXT NOT NULL,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO JobStatuses_rebuilt SELECT * FROM JobStatuses;
DROP TABLE JobStatuses;
ALTER TABLE JobStatuses_rebuilt RENAME TO JobStatuses;

CREATE TABLE Containers_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hostname TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CONSTRAINT "Containers.status" CHECK (status IN ('pending', 'creating', 'running', 'failed')),
    template TEXT,
    creationJobId INTEGER REFERENCES Jobs (id) ON DELETE SET NULL ON UPDATE CASCADE,
    nodeId INTEGER NOT NULL REFERENCES Nodes (id) ON DELETE RESTRICT ON UPDATE CASCADE,
    containerId INTEGER
        CONSTRAINT "Containers.containerId" CHECK (containerId BETWEEN 100 AND 999999999),
    macAddress TEXT UNIQUE,
    ipv4Address TEXT UNIQUE,
    aiContainer TEXT NOT NULL DEFAULT 'N',
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (nodeId, containerId)
);
INSERT INTO Containers_rebuilt SELECT * FROM Containers;
DROP TABLE Containers;
ALTER TABLE Containers_rebuilt RENAME TO Containers;

CREATE TABLE Services_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    containerId INTEGER NOT NULL REFERENCES Containers (id) ON DELETE CASCADE ON UPDATE CASCADE,
    type TEXT NOT NULL CONSTRAINT "Services.type" CHECK (type IN ('http', 'transport', 'dns')),
    containerPort INTEGER NOT NULL
        CONSTRAINT "Services.containerPort" CHECK (containerPort BETWEEN 1 AND 65535),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO Services_rebuilt SELECT * FROM Services;
DROP TABLE Services;
ALTER TABLE Services_rebuilt RENAME TO Services;

CREATE TABLE HTTPServices_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    serviceId INTEGER NOT NULL UNIQUE REFERENCES Services (id) ON DELETE CASCADE ON UPDATE CASCADE,
    externalHostname TEXT NOT NULL,
    externalDomainId INTEGER NOT NULL
        REFERENCES ExternalDomains (id) ON DELETE RESTRICT ON UPDATE CASCADE,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (externalHostname, externalDomainId)
);
INSERT INTO HTTPServices_rebuilt SELECT * FROM HTTPServices;
DROP TABLE HTTPServices;
ALTER TABLE HTTPServices_rebuilt RENAME TO HTTPServices;

CREATE TABLE TransportServices_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    serviceId INTEGER NOT NULL UNIQUE REFERENCES Services (id) ON DELETE CASCADE ON UPDATE CASCADE,
    protocol TEXT NOT NULL CONSTRAINT "TransportServices.protocol" CHECK (protocol IN ('tcp', 'udp')),
    externalPort INTEGER NOT NULL
        CONSTRAINT "TransportServices.externalPort" CHECK (externalPort BETWEEN 1 AND 65535),
    useTls INTEGER NOT NULL DEFAULT 0
        CONSTRAINT "TransportServices.useTls" CHECK (useTls IN (0, 1)),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (protocol, externalPort)
);
INSERT INTO TransportServices_rebuilt SELECT * FROM TransportServices;
DROP TABLE TransportServices;
ALTER TABLE TransportServices_rebuilt RENAME TO TransportServices;

CREATE TABLE DnsServices_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    serviceId INTEGER NOT NULL UNIQUE REFERENCES Services (id) ON DELETE CASCADE ON UPDATE CASCADE,
    recordType TEXT NOT NULL DEFAULT 'SRV'
        CONSTRAINT "DnsServices.recordType" CHECK (recordType IN ('SRV')),
    serviceName TEXT NOT NULL,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO DnsServices_rebuilt SELECT * FROM DnsServices;
DROP TABLE DnsServices;
ALTER TABLE DnsServices_rebuilt RENAME TO DnsServices;

CREATE TABLE SessionSecrets_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    secret TEXT NOT NULL UNIQUE
        CONSTRAINT "SessionSecrets.secret" CHECK (length(secret) BETWEEN 32 AND 64),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO SessionSecrets_rebuilt SELECT * FROM SessionSecrets;
DROP TABLE SessionSecrets;
ALTER TABLE SessionSecrets_rebuilt RENAME TO SessionSecrets;

CREATE INDEX Nodes_siteId ON Nodes (siteId);
CREATE INDEX ExternalDomains_siteId ON ExternalDomains (siteId);
CREATE INDEX Jobs_status ON Jobs (status);
CREATE INDEX JobStatuses_jobId ON JobStatuses (jobId, id);
CREATE INDEX Containers_creationJobId ON Containers (creationJobId);
CREATE INDEX Services_containerId ON Services (containerId);
CREATE INDEX HTTPServices_externalDomainId ON HTTPServices (externalDomainId);

CREATE TRIGGER HTTPServices_type BEFORE INSERT ON HTTPServices
WHEN (SELECT type FROM Services WHERE id = NEW.serviceId) IS NOT 'http'
 AND EXISTS (SELECT 1 FROM Services WHERE id = NEW.serviceId)
BEGIN SELECT RAISE(ABORT, 'HTTPServices.serviceId: the service is not of type http'); END;
CREATE TRIGGER TransportServices_type BEFORE INSERT ON TransportServices
WHEN (SELECT type FROM Services WHERE id = NEW.serviceId) IS NOT 'transport'
 AND EXISTS (SELECT 1 FROM Services WHERE id = NEW.serviceId)
BEGIN SELECT RAISE(ABORT, 'TransportServices.serviceId: the service is not of type transport'); END;
CREATE TRIGGER DnsServices_type BEFORE INSERT ON DnsServices
WHEN (SELECT type FROM Services WHERE id = NEW.serviceId) IS NOT 'dns'
 AND EXISTS (SELECT 1 FROM Services WHERE id = NEW.serviceId)
BEGIN SELECT RAISE(ABORT, 'DnsServices.serviceId: the service is not of type dns'); END;
CREATE TRIGGER UserGroups_insert_touch AFTER INSERT ON UserGroups
BEGIN
    UPDATE Users SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE uidNumber = NEW.uidNumber;
    UPDATE Groups SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE gidNumber = NEW.gidNumber;
END;
CREATE TRIGGER UserGroups_delete_touch AFTER DELETE ON UserGroups
BEGIN
    UPDATE Users SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE uidNumber = OLD.uidNumber;
    UPDATE Groups SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE gidNumber = OLD.gidNumber;
END;
CREATE TRIGGER Sites_touch AFTER UPDATE ON Sites WHEN NEW.updatedAt IS OLD.updatedAt
BEGIN UPDATE Sites SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER Nodes_touch AFTER UPDATE ON Nodes WHEN NEW.updatedAt IS OLD.updatedAt
BEGIN UPDATE Nodes SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER ExternalDomains_touch AFTER UPDATE ON ExternalDomains WHEN NEW.updatedAt IS OLD.updatedAt
BEGIN UPDATE ExternalDomains SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER Jobs_touch AFTER UPDATE ON Jobs WHEN NEW.updatedAt IS OLD.updatedAt
BEGIN UPDATE Jobs SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER JobStatuses_touch AFTER UPDATE ON JobStatuses WHEN NEW.updatedAt IS OLD.updatedAt
BEGIN UPDATE JobStatuses SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER Containers_touch AFTER UPDATE ON Containers WHEN NEW.updatedAt IS OLD.updatedAt
BEGIN UPDATE Containers SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER Services_touch AFTER UPDATE ON Services WHEN NEW.updatedAt IS OLD.updatedAt
BEGIN UPDATE Services SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER HTTPServices_touch AFTER UPDATE ON HTTPServices WHEN NEW.updatedAt IS OLD.updatedAt
BEGIN UPDATE HTTPServices SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER TransportServices_touch AFTER UPDATE ON TransportServices WHEN NEW.updatedAt IS OLD.updatedAt
BEGIN UPDATE TransportServices SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER DnsServices_touch AFTER UPDATE ON DnsServices WHEN NEW.updatedAt IS OLD.updatedAt
BEGIN UPDATE DnsServices SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER Users_touch AFTER UPDATE ON Users WHEN NEW.updatedAt IS OLD.updatedAt
BEGIN UPDATE Users SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE uidNumber = NEW.uidNumber; END;
CREATE TRIGGER Groups_touch AFTER UPDATE ON Groups WHEN NEW.updatedAt IS OLD.updatedAt
BEGIN UPDATE Groups SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE gidNumber = NEW.gidNumber; END;
CREATE TRIGGER SessionSecrets_touch AFTER UPDATE ON SessionSecrets WHEN NEW.updatedAt IS OLD.updatedAt
BEGIN UPDATE SessionSecrets SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER Settings_touch AFTER UPDATE ON Settings WHEN NEW.updatedAt IS OLD.updatedAt
BEGIN UPDATE Settings SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE key = NEW.key; END;

CREATE TABLE IdentityHighWater (
    name TEXT PRIMARY KEY NOT NULL
        CONSTRAINT "IdentityHighWater.name" CHECK (name IN ('uidNumber', 'gidNumber')),
    value INTEGER NOT NULL
);
INSERT INTO IdentityHighWater (name, value) VALUES
    ('uidNumber', coalesce((SELECT MAX(uidNumber) FROM Users), 0)),
    ('gidNumber', coalesce((SELECT MAX(gidNumber) FROM Groups), 0));

CREATE TRIGGER Users_uid_high_water AFTER INSERT ON Users
BEGIN UPDATE IdentityHighWater SET value = NEW.uidNumber
      WHERE name = 'uidNumber' AND value < NEW.uidNumber; END;
CREATE TRIGGER Users_uid_high_water_update AFTER UPDATE OF uidNumber ON Users
BEGIN UPDATE IdentityHighWater SET value = NEW.uidNumber
      WHERE name = 'uidNumber' AND value < NEW.uidNumber; END;
CREATE TRIGGER Groups_gid_high_water AFTER INSERT ON Groups
BEGIN UPDATE IdentityHighWater SET value = NEW.gidNumber
      WHERE name = 'gidNumber' AND value < NEW.gidNumber; END;
CREATE TRIGGER Groups_gid_high_water_update AFTER UPDATE OF gidNumber ON Groups
BEGIN UPDATE IdentityHighWater SET value = NEW.gidNumber
      WHERE name = 'gidNumber' AND value < NEW.gidNumber; END;
-- The counters themselves only go up.
CREATE TRIGGER IdentityHighWater_only_up BEFORE UPDATE ON IdentityHighWater
WHEN NEW.value < OLD.value
BEGIN SELECT RAISE(ABORT, 'IdentityHighWater.value: a high-water mark never goes down'); END;
CREATE TRIGGER IdentityHighWater_kept BEFORE DELETE ON IdentityHighWater
BEGIN SELECT RAISE(ABORT, 'IdentityHighWater: the high-water marks are never deleted'); END;

-- Names an operator types are unique the way people read
-- them, whoever writes the row (the store's models and plain-SQL writers
-- alike).  A file holding duplicates fails this migration, naming the index:
-- rename one of them, then migrate again.
--
-- Site and node names: case-insensitively ("Lab" and "lab" are one site).
CREATE UNIQUE INDEX Sites_name_unique ON Sites (name COLLATE NOCASE);
CREATE UNIQUE INDEX Nodes_name_unique ON Nodes (name COLLATE NOCASE);
-- An external domain once per site: nginx would silently serve only one of
-- two server blocks for the same name.  DNS names are case-insensitive.
CREATE UNIQUE INDEX ExternalDomains_site_domain_unique
    ON ExternalDomains (siteId, domain COLLATE NOCASE);

-- aiContainer is a flag, 'Y' or 'N' (the specification's default is 'N').
-- A table's CHECK cannot be added in place; triggers guard new values, and
-- existing values other than Y become N.
UPDATE Containers SET aiContainer = 'N' WHERE aiContainer IS NOT 'Y' AND aiContainer IS NOT 'N';
CREATE TRIGGER Containers_aiContainer_insert BEFORE INSERT ON Containers
WHEN NEW.aiContainer NOT IN ('Y', 'N')
BEGIN SELECT RAISE(ABORT, 'Containers.aiContainer: must be Y or N'); END;
CREATE TRIGGER Containers_aiContainer_update BEFORE UPDATE OF aiContainer ON Containers
WHEN NEW.aiContainer NOT IN ('Y', 'N')
BEGIN SELECT RAISE(ABORT, 'Containers.aiContainer: must be Y or N'); END;
