-- 0001_initial: the whole schema of the data specification
-- (docs: /seed/database-schema.md), with the column names used there.
--
-- Conventions:
--  * Every table has createdAt / updatedAt: ISO-8601 UTC with milliseconds
--    ("2026-11-26T22:16:04.123Z"), text that sorts as time.  The *_touch
--    triggers bump updatedAt on an UPDATE that did not set it itself, so
--    modifyTimestamp-based refreshes (SSSD) never miss a change.
--  * Enumerations and ranges are CHECK constraints named "Table.column", so
--    a violation names the field (the store maps it to CDB_ERR_INVALID).
--  * Booleans are INTEGER 0/1.
--  * Usernames, mail addresses and group names are unique case-insensitively
--    (COLLATE NOCASE): "Alice" and "alice" are one LDAP name.
--  * The runner executes this file inside one transaction and records it in
--    SchemaMigrations; no BEGIN/COMMIT here.

CREATE TABLE SchemaMigrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    appliedAt TEXT NOT NULL
);

-- ------------------------------------------------------------ cluster

CREATE TABLE Sites (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    internalDomain TEXT NOT NULL,
    dhcpRange TEXT,
    subnetMask TEXT,
    gateway TEXT,
    dnsForwarders TEXT,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE Nodes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    ipv4Address TEXT,
    apiUrl TEXT,
    apiTokenIdOrUsername TEXT,
    apiTokenSecretOrPassword TEXT,
    disableTlsVerification INTEGER NOT NULL DEFAULT 0
        CONSTRAINT "Nodes.disableTlsVerification" CHECK (disableTlsVerification IN (0, 1)),
    -- A site that still has nodes cannot be deleted.
    siteId INTEGER NOT NULL REFERENCES Sites (id) ON DELETE RESTRICT ON UPDATE CASCADE,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX Nodes_siteId ON Nodes (siteId);

CREATE TABLE ExternalDomains (
    id INTEGER PRIMARY KEY,
    domain TEXT NOT NULL,
    acmeEmail TEXT,
    acmeDirectory TEXT,
    cloudflareApiEmail TEXT,
    cloudflareApiKey TEXT,
    siteId INTEGER NOT NULL REFERENCES Sites (id) ON DELETE RESTRICT ON UPDATE CASCADE,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX ExternalDomains_siteId ON ExternalDomains (siteId);

CREATE TABLE Jobs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    associatedResource TEXT,
    status TEXT NOT NULL DEFAULT 'pending'
        CONSTRAINT "Jobs.status"
        CHECK (status IN ('pending', 'running', 'success', 'failure', 'cancelled')),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX Jobs_status ON Jobs (status);

CREATE TABLE JobStatuses (
    id INTEGER PRIMARY KEY,
    jobId INTEGER NOT NULL REFERENCES Jobs (id) ON DELETE CASCADE ON UPDATE CASCADE,
    message TEXT NOT NULL,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX JobStatuses_jobId ON JobStatuses (jobId, id);

CREATE TABLE Containers (
    id INTEGER PRIMARY KEY,
    hostname TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CONSTRAINT "Containers.status" CHECK (status IN ('pending', 'creating', 'running', 'failed')),
    template TEXT,
    -- Deleting the job that created a container keeps the container.
    creationJobId INTEGER REFERENCES Jobs (id) ON DELETE SET NULL ON UPDATE CASCADE,
    -- A node that still hosts containers cannot be deleted.
    nodeId INTEGER NOT NULL REFERENCES Nodes (id) ON DELETE RESTRICT ON UPDATE CASCADE,
    -- The Proxmox CTID; NULL until the creation job has one.
    containerId INTEGER
        CONSTRAINT "Containers.containerId" CHECK (containerId BETWEEN 100 AND 999999999),
    -- NULL (several allowed) until the container exists on Proxmox.
    macAddress TEXT UNIQUE,
    ipv4Address TEXT UNIQUE,
    aiContainer TEXT NOT NULL DEFAULT 'N',
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (nodeId, containerId)
);
CREATE INDEX Containers_creationJobId ON Containers (creationJobId);

CREATE TABLE Services (
    id INTEGER PRIMARY KEY,
    containerId INTEGER NOT NULL REFERENCES Containers (id) ON DELETE CASCADE ON UPDATE CASCADE,
    type TEXT NOT NULL CONSTRAINT "Services.type" CHECK (type IN ('http', 'transport', 'dns')),
    containerPort INTEGER NOT NULL
        CONSTRAINT "Services.containerPort" CHECK (containerPort BETWEEN 1 AND 65535),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX Services_containerId ON Services (containerId);

CREATE TABLE HTTPServices (
    id INTEGER PRIMARY KEY,
    serviceId INTEGER NOT NULL UNIQUE REFERENCES Services (id) ON DELETE CASCADE ON UPDATE CASCADE,
    externalHostname TEXT NOT NULL,
    -- A domain still used by an HTTP service cannot be deleted.
    externalDomainId INTEGER NOT NULL
        REFERENCES ExternalDomains (id) ON DELETE RESTRICT ON UPDATE CASCADE,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (externalHostname, externalDomainId)
);
CREATE INDEX HTTPServices_externalDomainId ON HTTPServices (externalDomainId);

CREATE TABLE TransportServices (
    id INTEGER PRIMARY KEY,
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

CREATE TABLE DnsServices (
    id INTEGER PRIMARY KEY,
    serviceId INTEGER NOT NULL UNIQUE REFERENCES Services (id) ON DELETE CASCADE ON UPDATE CASCADE,
    recordType TEXT NOT NULL DEFAULT 'SRV'
        CONSTRAINT "DnsServices.recordType" CHECK (recordType IN ('SRV')),
    serviceName TEXT NOT NULL,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- A subtype row must belong to a Services row of its own type (the STI
-- discriminator and the subtype table can never disagree).
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

-- ------------------------------------------------------------ directory

CREATE TABLE Users (
    uidNumber INTEGER PRIMARY KEY
        CONSTRAINT "Users.uidNumber" CHECK (uidNumber BETWEEN 0 AND 4294967294),
    username TEXT NOT NULL COLLATE NOCASE UNIQUE,
    cn TEXT,
    sn TEXT,
    givenName TEXT,
    -- NULL allowed (several); a set address is unique.
    mail TEXT COLLATE NOCASE UNIQUE,
    sshPublicKey TEXT,
    userPassword TEXT,
    status TEXT NOT NULL DEFAULT 'pending'
        CONSTRAINT "Users.status" CHECK (status IN ('pending', 'active', 'suspended')),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- modifyTimestamp>= filters (SSSD's refresh).
CREATE INDEX Users_updatedAt ON Users (updatedAt);

CREATE TABLE Groups (
    gidNumber INTEGER PRIMARY KEY
        CONSTRAINT "Groups.gidNumber" CHECK (gidNumber BETWEEN 0 AND 4294967294),
    cn TEXT NOT NULL COLLATE NOCASE UNIQUE,
    isAdministrator INTEGER NOT NULL DEFAULT 0
        CONSTRAINT "Groups.isAdministrator" CHECK (isAdministrator IN (0, 1)),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX Groups_updatedAt ON Groups (updatedAt);

CREATE TABLE UserGroups (
    uidNumber INTEGER NOT NULL REFERENCES Users (uidNumber) ON DELETE CASCADE ON UPDATE CASCADE,
    gidNumber INTEGER NOT NULL REFERENCES Groups (gidNumber) ON DELETE CASCADE ON UPDATE CASCADE,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (uidNumber, gidNumber)
) WITHOUT ROWID;
-- Members of a group (memberUid, member): the PK serves a user's groups.
CREATE INDEX UserGroups_gidNumber_uidNumber ON UserGroups (gidNumber, uidNumber);

-- A membership change is a change of both entries (memberUid / memberOf).
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

-- ------------------------------------------------------------ sessions, settings

CREATE TABLE SessionSecrets (
    id INTEGER PRIMARY KEY,
    secret TEXT NOT NULL UNIQUE
        CONSTRAINT "SessionSecrets.secret" CHECK (length(secret) BETWEEN 32 AND 64),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE Settings (
    key TEXT PRIMARY KEY NOT NULL
        CONSTRAINT "Settings.key" CHECK (length(key) BETWEEN 1 AND 255),
    value TEXT NOT NULL,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- ------------------------------------------------------------ updatedAt

-- An UPDATE that leaves updatedAt as it was (or sets it to the value it
-- already had) gets the current time; an UPDATE that sets a new value keeps
-- it.  recursive_triggers is off, so the inner UPDATE does not fire the
-- trigger again.
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

-- ------------------------------------------------------------ seed

INSERT INTO Groups (gidNumber, cn, isAdministrator) VALUES
    (2000, 'ldapusers', 0),
    (2001, 'sysadmins', 1);

INSERT INTO Settings (key, value) VALUES
    ('push_notification_url', ''),
    ('push_notification_enabled', 'false');
