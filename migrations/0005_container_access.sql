-- Who may enter a container beyond its owner and the administrators: a user
-- or a group, granted one container or every container of a site.  The
-- directory serves the result as the users' host attribute.
--
-- A grant means nothing without its subject and its scope, so it goes with
-- either (ON DELETE CASCADE), as UserGroups goes with its user or group.
-- Sites are never deleted while they hold nodes (Nodes.siteId RESTRICT).
CREATE TABLE ContainerAccessGrants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uidNumber INTEGER REFERENCES Users (uidNumber) ON DELETE CASCADE ON UPDATE CASCADE,
    gidNumber INTEGER REFERENCES Groups (gidNumber) ON DELETE CASCADE ON UPDATE CASCADE,
    containerId INTEGER REFERENCES Containers (id) ON DELETE CASCADE ON UPDATE CASCADE,
    siteId INTEGER REFERENCES Sites (id) ON DELETE CASCADE ON UPDATE CASCADE,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT "ContainerAccessGrants.subject"
        CHECK ((uidNumber IS NULL) <> (gidNumber IS NULL)),
    CONSTRAINT "ContainerAccessGrants.scope"
        CHECK ((containerId IS NULL) <> (siteId IS NULL))
);
-- One grant per subject and scope (NULLs are distinct in a plain UNIQUE).
CREATE UNIQUE INDEX ContainerAccessGrants_unique ON ContainerAccessGrants
    (ifnull(uidNumber, -1), ifnull(gidNumber, -1), ifnull(containerId, -1), ifnull(siteId, -1));
CREATE INDEX ContainerAccessGrants_uidNumber ON ContainerAccessGrants (uidNumber);
CREATE INDEX ContainerAccessGrants_gidNumber ON ContainerAccessGrants (gidNumber);
CREATE INDEX ContainerAccessGrants_containerId ON ContainerAccessGrants (containerId);
CREATE INDEX ContainerAccessGrants_siteId ON ContainerAccessGrants (siteId);
-- Owners are looked up by name for every user entry served.
CREATE INDEX Containers_username ON Containers (username);

-- A grant changes the host attribute of the users it names: touch them so
-- modifyTimestamp>= refreshes (SSSD) see it, as membership changes do.
CREATE TRIGGER ContainerAccessGrants_insert_touch AFTER INSERT ON ContainerAccessGrants
BEGIN
    UPDATE Users SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
     WHERE uidNumber = NEW.uidNumber
        OR uidNumber IN (SELECT uidNumber FROM UserGroups WHERE gidNumber = NEW.gidNumber);
END;
CREATE TRIGGER ContainerAccessGrants_delete_touch AFTER DELETE ON ContainerAccessGrants
BEGIN
    UPDATE Users SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
     WHERE uidNumber = OLD.uidNumber
        OR uidNumber IN (SELECT uidNumber FROM UserGroups WHERE gidNumber = OLD.gidNumber);
END;
-- A container's owner enters it: a new, removed or re-owned container
-- changes its owners' host attribute.
CREATE TRIGGER Containers_owner_insert_touch AFTER INSERT ON Containers
BEGIN
    UPDATE Users SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE username = NEW.username;
END;
CREATE TRIGGER Containers_owner_delete_touch AFTER DELETE ON Containers
BEGIN
    UPDATE Users SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE username = OLD.username;
END;
CREATE TRIGGER Containers_owner_update_touch AFTER UPDATE OF username, hostname ON Containers
BEGIN
    UPDATE Users SET updatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
     WHERE username IN (OLD.username, NEW.username);
END;
