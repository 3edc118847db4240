-- Which DNS provider answers an external domain's ACME DNS-01 challenges
-- (the daemon's certificate job hands it to lego): 'cloudflare' with the
-- row's Cloudflare credentials, or 'exec', a program configured on the
-- daemon's side (EXEC_PATH), for other providers and for tests.
ALTER TABLE ExternalDomains ADD COLUMN dnsProvider TEXT NOT NULL DEFAULT 'cloudflare'
    CONSTRAINT "ExternalDomains.dnsProvider" CHECK (dnsProvider IN ('cloudflare', 'exec'));
