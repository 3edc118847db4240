-- 0003_job_targets_and_leases on PostgreSQL: what a job acts on and who runs
-- it (migrations/0003_job_targets_and_leases.sql says why).
ALTER TABLE "Jobs" ADD COLUMN "targetHostname" text;
ALTER TABLE "Jobs" ADD COLUMN "targetNodeId" bigint;
ALTER TABLE "Jobs" ADD COLUMN "targetContainerId" bigint;
ALTER TABLE "Jobs" ADD COLUMN "targetCreatedAt" text;
ALTER TABLE "Jobs" ADD COLUMN "leaseOwner" text;
ALTER TABLE "Jobs" ADD COLUMN "leaseExpiresAt" text;
CREATE INDEX "JobsByStatus" ON "Jobs" (status);
