-- 0004_external_domain_dns_provider on PostgreSQL: who answers an external
-- domain's DNS-01 challenges (migrations/0004_external_domain_dns_provider.sql).
ALTER TABLE "ExternalDomains" ADD COLUMN "dnsProvider" text NOT NULL DEFAULT 'cloudflare'
    CONSTRAINT "ExternalDomains.dnsProvider" CHECK ("dnsProvider" IN ('cloudflare', 'exec'));
