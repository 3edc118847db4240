-- 0004_external_domain_dns_provider on MariaDB: who answers an external
-- domain's DNS-01 challenges (migrations/0004_external_domain_dns_provider.sql).
ALTER TABLE "ExternalDomains"
    ADD COLUMN "dnsProvider" VARCHAR(255) NOT NULL DEFAULT 'cloudflare',
    ADD CONSTRAINT "ExternalDomains.dnsProvider" CHECK ("dnsProvider" IN ('cloudflare', 'exec'));
