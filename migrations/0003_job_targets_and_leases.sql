-- Jobs remember what they act on and who runs them (docs/daemon.md, "Job
-- states, leases and recovery").
--
-- target*: the facts a job checks before a destructive step, copied from the
-- container row when the job is queued.  A later row that merely has the
-- same id (a look-alike) no longer matches, and the job fails untouched.
-- Plain values, not foreign keys: they must survive the rows they describe.
ALTER TABLE Jobs ADD COLUMN targetHostname TEXT;
ALTER TABLE Jobs ADD COLUMN targetNodeId INTEGER;
ALTER TABLE Jobs ADD COLUMN targetContainerId INTEGER;
-- The container row's createdAt: with the hostname it tells the row apart
-- from a later one that took its id, even before it had a CTID.
ALTER TABLE Jobs ADD COLUMN targetCreatedAt TEXT;
-- lease*: the daemon running the job ("host:pid:boot") and until when its
-- claim holds; renewed while it works.  NULL unless the job is running.
ALTER TABLE Jobs ADD COLUMN leaseOwner TEXT;
ALTER TABLE Jobs ADD COLUMN leaseExpiresAt TEXT;
CREATE INDEX JobsByStatus ON Jobs (status);
