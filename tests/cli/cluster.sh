#!/usr/bin/env bash
# clusterdb site | node | domain | container | service | job: happy paths,
# failures, and secrets (node API secret, Cloudflare key) never printed.
. "$(dirname "$0")/cli-lib.bash"
new_db
# The containers' owners (a container's owner must be a user).
"$CLI" --db "$DB" user add alice > /dev/null && "$CLI" --db "$DB" user add bob > /dev/null
NODE_SECRET='3f1c2a9e-node-secret-d00d'
CF_KEY='cf-api-key-5e5e5e5e5e5e'

# no_secret DESC: neither secret appears in the last command's output.
no_secret() {
    case "$OUT$ERR" in *"$NODE_SECRET"*|*"$CF_KEY"*) not_ok "$1"; diag "$OUT" ;; *) ok "$1" ;; esac
}

# ---- sites
expect_ok "site add" site add dc1 --internal-domain cluster.internal --dhcp-range 10.0.0.100-10.0.0.200 \
    --subnet-mask 255.255.255.0 --gateway 10.0.0.1 --dns-forwarders 1.1.1.1,8.8.8.8
expect_eq "site stored" "dc1|cluster.internal|10.0.0.1" "$(sql "SELECT name || '|' || internalDomain || '|' || gateway FROM Sites")"
expect_ok "site list" site list
expect_match "site list table" "ID +NAME +DOMAIN.*1 +dc1 +cluster.internal" "$(echo $OUT)"
expect_ok "site show by name --json" --json site show dc1
json_ok "site show --json parses"
expect_eq "site show by id" dc1 "$("$CLI" --db "$DB" --json site show 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')"
expect_ok "site set" site set dc1 --dns-forwarders 9.9.9.9
expect_eq "site set stored" 9.9.9.9 "$(sql "SELECT dnsForwarders FROM Sites")"
expect_fail "site without internal domain: exit 3" 3 internalDomain site add dc2
expect_fail "site with a bad gateway: exit 3" 3 gateway site add dc2 --internal-domain x.internal \
    --dhcp-range 10.0.0.100-10.0.0.200 --subnet-mask 255.255.255.0 --gateway 300.1.1.1
expect_fail "unknown site: exit 5" 5 site site show nowhere

# ---- nodes
expect_ok "node add with a secret from stdin" node add pve1 --site dc1 --ip 10.0.0.2 \
    --api-url https://pve1.example.org:8006 --token-id 'root@pam!clusterdb' --secret-stdin --insecure \
    <<< "$NODE_SECRET"
no_secret "node add does not echo the secret"
expect_eq "node secret stored" "$NODE_SECRET" "$(sql "SELECT apiTokenSecretOrPassword FROM Nodes WHERE name='pve1'")"
expect_eq "insecure stored" 1 "$(sql "SELECT disableTlsVerification FROM Nodes WHERE name='pve1'")"
expect_ok "node show" node show pve1
no_secret "node show hides the secret"
expect_match "node show says only that the secret is set" "apiTokenSecretOrPassword +yes" "$OUT"
expect_ok "node show --json" --json node show pve1
json_ok "node show --json parses"
no_secret "node show --json hides the secret"
expect_eq "node show --json: the secret as a boolean" "True" "$(json_get 'd["apiTokenSecretOrPassword"]')"
expect_ok "node list" node list
no_secret "node list hides the secret"
expect_ok "node list --json" --json node list --site dc1
json_ok "node list --json parses"
no_secret "node list --json hides the secret"
expect_ok "node add without a secret" node add pve2 --site dc1
expect_ok "node set --verify-tls --ip" node set pve1 --verify-tls --ip 10.0.0.3
expect_eq "node set stored" "0|10.0.0.3" "$(sql "SELECT disableTlsVerification || '|' || ipv4Address FROM Nodes WHERE name='pve1'")"
expect_eq "node set kept the secret" "$NODE_SECRET" "$(sql "SELECT apiTokenSecretOrPassword FROM Nodes WHERE name='pve1'")"
expect_fail "duplicate node name: exit 4" 4 'Nodes\.name|name' node add pve1 --site dc1
expect_fail "node with a bad IPv4: exit 3" 3 ipv4Address node add pve3 --site dc1 --ip 10.0.0.256
expect_fail "node with a bad URL: exit 3" 3 apiUrl node add pve3 --site dc1 --api-url ftp://x
expect_fail "node with a bad name: exit 3" 3 name node add 'pve 3' --site dc1
expect_fail "node on an unknown site: exit 5" 5 site node add pve3 --site nowhere
expect_fail "node add without --site: exit 2" 2 '' node add pve3
expect_fail "node secret not on argv: exit 2" 2 '' node add pve3 --site dc1 --secret "$NODE_SECRET"
expect_fail "unknown node: exit 5" 5 node node show pve9

# ---- external domains
expect_ok "domain add with a Cloudflare key from stdin" domain add example.org --site dc1 \
    --acme-email ops@example.org --cloudflare-email cf@example.org --cloudflare-key-stdin <<< "$CF_KEY"
no_secret "domain add does not echo the key"
expect_eq "key stored" "$CF_KEY" "$(sql "SELECT cloudflareApiKey FROM ExternalDomains")"
expect_ok "domain show" domain show example.org
no_secret "domain show hides the key"
expect_match "domain show says only that the key is set" "cloudflareApiKey +yes" "$OUT"
expect_ok "domain list --json" --json domain list
json_ok "domain list --json parses"
no_secret "domain list --json hides the key"
expect_fail "domain with a bad name: exit 3" 3 domain domain add 'not a domain' --site dc1
expect_fail "domain with a bad ACME mail: exit 3" 3 acmeEmail domain add example.net --site dc1 --acme-email nope
expect_fail "site still used: exit 4" 4 '' site delete dc1

# ---- jobs
expect_ok "job add" --json job add "create container web1" --resource container:web1
json_ok "job add --json parses"
JOB=$(json_get 'd["id"]')
expect_eq "job pending" pending "$(sql "SELECT status FROM Jobs WHERE id=$JOB")"
expect_ok "job list" job list
expect_match "job list table" "ID +STATUS +NAME.*$JOB +pending +create container web1" "$(echo $OUT)"
expect_ok "job list --status pending --json" --json job list --status pending
json_ok "job list --json parses"
expect_ok "job show" --json job show "$JOB"
json_ok "job show --json parses"
expect_fail "job list with a bad status: exit 3" 3 status job list --status done
expect_fail "job show of a huge id: exit 3" 3 id job show 99999999999999999999999
expect_fail "unknown job: exit 5" 5 id job show 4242

# ---- containers
expect_ok "container add" container add web1 --node pve1 --username alice --template debian-12 \
    --ctid 101 --mac AA:BB:CC:DD:EE:01 --ip 10.0.0.101 --job "$JOB"
expect_eq "container stored" "web1|alice|101|10.0.0.101" "$(sql "SELECT hostname || '|' || username || '|' || containerId || '|' || ipv4Address FROM Containers")"
expect_ok "container add, pending" container add web2 --node pve1 --username bob
expect_ok "container list" container list
expect_match "container list table" "HOSTNAME.*web1 +alice.*web2 +bob +pending" "$(echo $OUT)"
expect_ok "container show --json" --json container show web1
json_ok "container show --json parses"
expect_eq "container show: status" pending "$(json_get 'd["status"]')"
expect_fail "duplicate hostname: exit 4" 4 'Containers\.hostname|hostname' container add web1 --node pve1 --username alice
expect_fail "duplicate IPv4: exit 4" 4 'Containers\.ipv4Address|ipv4Address' container add web3 --node pve1 --username alice --ip 10.0.0.101
expect_fail "duplicate MAC: exit 4" 4 'Containers\.macAddress|macAddress' container add web3 --node pve1 --username alice --mac aa:bb:cc:dd:ee:01
expect_fail "bad hostname: exit 3" 3 hostname container add 'Web_3!' --node pve1 --username x
expect_fail "bad MAC: exit 3" 3 macAddress container add web3 --node pve1 --username x --mac zz:zz
expect_fail "ctid out of range: exit 3" 3 containerId container add web3 --node pve1 --username x --ctid 5
expect_fail "huge ctid: exit 3" 3 containerId container add web3 --node pve1 --username x --ctid 123456789012345678901234
expect_fail "bad container status: exit 3" 3 status container add web3 --node pve1 --username x --status exploded
expect_fail "container on an unknown node: exit 5" 5 node container add web3 --node pve9 --username x
expect_fail "node still used: exit 4" 4 '' node delete pve1

# ---- services
expect_ok "http service" --json service add --container web1 --type http --port 8080 --hostname app --domain example.org
json_ok "service add --json parses"
HTTP=$(json_get 'd["id"]')
expect_eq "http subtype row" "app" "$(sql "SELECT externalHostname FROM HTTPServices")"
expect_ok "transport service, port allocated" --json service add --container web1 --type transport --port 22
TRANSPORT=$(json_get 'd["id"]')
expect_eq "allocated external port 2000" 2000 "$(json_get 'd["transport"]["externalPort"]')"
expect_ok "second transport service gets the next port" --json service add --container web2 --type transport --port 22 --protocol tcp
expect_eq "allocated external port 2001" 2001 "$(json_get 'd["transport"]["externalPort"]')"
expect_ok "udp service" service add --container web2 --type transport --port 53 --protocol udp --external-port 5353
expect_ok "dns service" service add --container web1 --type dns --port 25565 --service-name _minecraft._tcp
expect_ok "service list" service list
expect_match "service list table" "ID +CONTAINER +TYPE +PORT +EXTERNAL.*http +8080.*transport +22 +tcp/2000" "$(echo $OUT)"
expect_ok "service list --container --json" --json service list --container web1
json_ok "service list --json parses"
expect_eq "web1 has three services" 3 "$(json_get 'len(d)')"
expect_ok "service show" service show "$HTTP"
expect_fail "bad service type: exit 3" 3 type service add --container web1 --type ftp --port 21
expect_fail "bad protocol: exit 3" 3 protocol service add --container web1 --type transport --port 21 --protocol sctp
expect_fail "port out of range: exit 3" 3 containerPort service add --container web1 --type transport --port 70000
expect_fail "duplicate external port: exit 4" 4 '' service add --container web1 --type transport --port 80 --external-port 2000
expect_fail "duplicate http hostname: exit 4" 4 '' service add --container web2 --type http --port 80 --hostname app --domain example.org
expect_fail "option of another type: exit 2" 2 '' service add --container web1 --type dns --port 53 --external-port 99
expect_fail "service of an unknown container: exit 5" 5 hostname service add --container nope --type dns --port 53 --service-name _x._tcp
expect_fail "domain still used: exit 4" 4 '' domain delete example.org
expect_ok "service delete" service delete "$TRANSPORT"
expect_eq "subtype row removed too" 0 "$(sql "SELECT count(*) FROM TransportServices WHERE serviceId=$TRANSPORT")"
expect_fail "deleted service: exit 5" 5 id service show "$TRANSPORT"

# ---- a row named as a filter or a reference must exist: exit 5 naming the field
expect_fail "node list of an unknown site: exit 5" 5 site node list --site nowhere
expect_fail "domain list of an unknown site: exit 5" 5 site domain list --site nowhere
expect_fail "container list of an unknown node: exit 5" 5 node container list --node nowhere
expect_fail "service list of an unknown container: exit 5" 5 hostname service list --container nowhere
expect_fail "node set to an unknown site: exit 5" 5 site node set pve1 --site nowhere
expect_fail "domain set to an unknown site: exit 5" 5 site domain set example.org --site nowhere
expect_fail "container set to an unknown node: exit 5" 5 node container set web1 --node nowhere
expect_fail "container add on an unknown node: exit 5" 5 node container add web9 --node nowhere --username alice
expect_fail "service set to an unknown domain: exit 5" 5 domain service set "$HTTP" --domain nowhere.example

# ---- status counts the cluster
expect_ok "status --json" --json status
expect_eq "status: nodes" 2 "$(json_get 'd["counts"]["nodes"]')"
expect_eq "status: containers" 2 "$(json_get 'd["counts"]["containers"]')"

# ---- deletes, children first
expect_ok "container delete --record-only takes its services" container delete web1 --record-only
expect_eq "web1's services gone" 0 "$(sql "SELECT count(*) FROM Services s JOIN Containers c ON c.id = s.containerId WHERE c.hostname='web1'")"
expect_ok "container delete web2 --record-only" container delete web2 --record-only
expect_ok "job delete" job delete "$JOB"
expect_ok "domain delete" domain delete example.org
expect_ok "node delete" node delete pve2
expect_ok "node delete" node delete pve1
expect_ok "site delete" site delete dc1
expect_eq "cluster tables empty" "0" "$(sql "SELECT (SELECT count(*) FROM Sites) + (SELECT count(*) FROM Nodes) + (SELECT count(*) FROM Containers) + (SELECT count(*) FROM Services)")"
expect_eq "integrity after everything" ok "$(integrity)"

tap_done
