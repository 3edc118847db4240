-- 0003_job_targets_and_leases on MariaDB: what a job acts on and who runs it
-- (migrations/0003_job_targets_and_leases.sql says why).
ALTER TABLE "Jobs"
    ADD COLUMN "targetHostname" VARCHAR(255),
    ADD COLUMN "targetNodeId" BIGINT,
    ADD COLUMN "targetContainerId" BIGINT,
    ADD COLUMN "targetCreatedAt" VARCHAR(255),
    ADD COLUMN "leaseOwner" VARCHAR(255),
    ADD COLUMN "leaseExpiresAt" VARCHAR(255);
CREATE INDEX "JobsByStatus" ON "Jobs" (status);
