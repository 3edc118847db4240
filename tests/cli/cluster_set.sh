#!/usr/bin/env bash
# clusterdb domain | container | service set: the same rules as add, one
# transaction, nothing written on a refusal.  Transport ports keep off the
# reserved list (setting transport_reserved_ports), HTTP services stay on a
# domain of their container's site, and a taken unique key is said as a rule
# naming the field, never as SQLite's own text.
. "$(dirname "$0")/cli-lib.bash"
new_db
CF_KEY='cf-api-key-7a7a7a7a7a7a'
"$CLI" --db "$DB" user add alice --mail alice@example.org > /dev/null
"$CLI" --db "$DB" user add bob > /dev/null
for s in dc1:one.internal dc2:two.internal; do
    "$CLI" --db "$DB" site add "${s%%:*}" --internal-domain "${s#*:}" > /dev/null
done
"$CLI" --db "$DB" node add pve1 --site dc1 > /dev/null
"$CLI" --db "$DB" node add pve2 --site dc2 > /dev/null
"$CLI" --db "$DB" domain add example.com --site dc1 > /dev/null
"$CLI" --db "$DB" domain add example.org --site dc2 > /dev/null
"$CLI" --db "$DB" domain add spare.net --site dc1 > /dev/null

# expect_unique DESC FIELD ARGS...: exit 4 naming FIELD, said as a rule.
expect_unique() {
    local desc=$1 field=$2; shift 2
    expect_fail "$desc: exit 4" 4 "$field" "$@"
    case "$ERR" in
        *"constraint failed"*|*UNIQUE*) not_ok "$desc: no SQLite text"; diag "$ERR" ;;
        *"already taken"*|*"already has"*) ok "$desc: said as a rule" ;;
        *) not_ok "$desc: said as a rule"; diag "$ERR" ;;
    esac
}

# ---- domain set
expect_ok "domain set --acme-email" domain set example.com --acme-email certs@example.com
expect_eq "stored" certs@example.com "$(sql "SELECT acmeEmail FROM ExternalDomains WHERE domain = 'example.com'")"
run domain set example.com --cloudflare-key-stdin <<< "$CF_KEY"
expect_eq "domain set --cloudflare-key-stdin: exit 0" 0 "$RC"
expect_eq "key stored" "$CF_KEY" "$(sql "SELECT cloudflareApiKey FROM ExternalDomains WHERE domain = 'example.com'")"
case "$OUT$ERR" in *"$CF_KEY"*) not_ok "the key is not echoed" ;; *) ok "the key is not echoed" ;; esac
expect_ok "domain set --acme-email '' clears it" domain set example.com --acme-email ""
expect_eq "cleared" "" "$(sql "SELECT acmeEmail FROM ExternalDomains WHERE domain = 'example.com'")"
expect_fail "domain set --acme-email not-a-mail: exit 3" 3 acmeEmail domain set example.com --acme-email not-a-mail
expect_fail "domain set --domain 'bad name': exit 3" 3 domain domain set example.com --domain "bad name"
expect_fail "domain set --dns-provider carrier-pigeon: exit 3" 3 dnsProvider domain set example.com --dns-provider carrier-pigeon
expect_unique "domain renamed onto another of the site" 'ExternalDomains\.siteId,domain' \
    domain set spare.net --domain EXAMPLE.com
expect_fail "domain set without a change: exit 2" 2 "" domain set example.com
expect_fail "domain set of an unknown domain: exit 5" 5 domain domain set nowhere.example --acme-email a@b.org
expect_fail "domain set --site of an unknown site: exit 5" 5 site domain set example.com --site dc9
expect_ok "domain rename" domain set spare.net --domain spare.org
expect_eq "renamed" 1 "$(sql "SELECT count(*) FROM ExternalDomains WHERE domain = 'spare.org'")"

# ---- container set
expect_ok "container" container add web1 --node pve1 --username alice --ctid 101 --ip 10.0.0.11 --mac 02:00:00:00:00:11
expect_ok "another" container add web2 --node pve1 --username alice --ctid 102 --ip 10.0.0.12 --mac 02:00:00:00:00:12
expect_ok "container set --username --ai-container" container set web1 --username bob --ai-container Y
expect_eq "stored" "bob|Y" "$(sql "SELECT username || '|' || aiContainer FROM Containers WHERE hostname = 'web1'")"
expect_fail "container set --username nobody-here: exit 3" 3 username container set web1 --username nobody-here
expect_fail "container set --ai-container maybe: exit 3" 3 aiContainer container set web1 --ai-container maybe
expect_fail "container set --ip 10.0.0.300: exit 3" 3 ipv4Address container set web1 --ip 10.0.0.300
expect_fail "container set --ctid 5: exit 3" 3 containerId container set web1 --ctid 5
expect_fail "container set --status sleeping: exit 3" 3 status container set web1 --status sleeping
expect_fail "container set --hostname Bad_Name: exit 3" 3 hostname container set web1 --hostname Bad_Name
expect_unique "container renamed onto another" 'Containers\.hostname' container set web1 --hostname web2
expect_unique "container CTID of another on its node" 'Containers\.nodeId,containerId' container set web1 --ctid 102
expect_unique "container address of another" 'Containers\.ipv4Address' container set web1 --ip 10.0.0.12
expect_unique "container MAC of another" 'Containers\.macAddress' container set web1 --mac 02:00:00:00:00:12
expect_fail "container set without a change: exit 2" 2 "" container set web1
expect_fail "container set of an unknown container: exit 5" 5 hostname container set nowhere --ai-container Y
expect_ok "container set --ctid '' clears the CTID" container set web2 --ctid "" --ip "" --mac ""
expect_eq "cleared" "||" "$(sql "SELECT ifnull(CAST(containerId AS TEXT), '') || '|' || ifnull(ipv4Address, '') || '|' || ifnull(macAddress, '') FROM Containers WHERE hostname = 'web2'")"
expect_ok "container moves to a node of another site (no HTTP service yet)" container set web2 --node pve2
expect_ok "and back" container set web2 --node pve1

# ---- service set, and an HTTP service only on its container's site
expect_ok "http service" service add --container web1 --type http --port 8080 --hostname app --domain example.com
HTTP_ID=$(sql "SELECT serviceId FROM HTTPServices WHERE externalHostname = 'app'")
expect_fail "http service on another site's domain: exit 3" 3 externalDomainId \
    service add --container web1 --type http --port 8080 --hostname other --domain example.org
expect_match "the message says the rule" "external domain of its container's site" "$ERR"
expect_ok "service set --hostname --port" service set "$HTTP_ID" --hostname api --port 8081
expect_eq "stored" "api|8081" "$(sql "SELECT h.externalHostname || '|' || s.containerPort FROM Services s JOIN HTTPServices h ON h.serviceId = s.id")"
expect_fail "service set --domain of another site: exit 3" 3 externalDomainId service set "$HTTP_ID" --domain example.org
expect_fail "domain moved to another site under its HTTP service: exit 3" 3 siteId domain set example.com --site dc2
expect_fail "container moved to another site's node with its HTTP service: exit 3" 3 nodeId container set web1 --node pve2
expect_fail "node moved to another site with an HTTP service: exit 3" 3 siteId node set pve1 --site dc2
expect_fail "service set --port 70000: exit 3" 3 containerPort service set "$HTTP_ID" --port 70000
expect_fail "service set --hostname Bad.Label: exit 3" 3 externalHostname service set "$HTTP_ID" --hostname Bad.Label
expect_fail "service set --external-port on an http service: exit 2" 2 "" service set "$HTTP_ID" --external-port 3000
expect_fail "service set without a change: exit 2" 2 "" service set "$HTTP_ID"
expect_fail "service set of an unknown service: exit 5" 5 "" service set 999 --port 80
expect_ok "second http service" service add --container web2 --type http --port 80 --hostname www --domain example.com
expect_unique "http hostname taken on the domain" 'HTTPServices\.externalHostname,externalDomainId' \
    service set "$(sql "SELECT serviceId FROM HTTPServices WHERE externalHostname = 'www'")" --hostname api
expect_ok "dns service" service add --container web1 --type dns --port 25565 --service-name _minecraft._tcp
DNS_ID=$(sql "SELECT serviceId FROM DnsServices")
expect_fail "service set --service-name 'a b': exit 3" 3 serviceName service set "$DNS_ID" --service-name "a b"
expect_ok "service set --service-name" service set "$DNS_ID" --service-name _mc._tcp
expect_eq "stored" _mc._tcp "$(sql "SELECT serviceName FROM DnsServices")"

# ---- transport ports keep off the reserved list
for port in 22 53 67 80 389 443 636; do
    expect_fail "transport on reserved port $port: exit 3" 3 externalPort \
        service add --container web1 --type transport --port 25565 --external-port "$port"
done
expect_match "the message names the rule and the setting" \
    "externalPort: 636 is reserved for the site's own nginx, dnsmasq, sshd and slapd \(setting transport_reserved_ports: " "$ERR"
expect_fail "udp on reserved port 53: exit 3" 3 externalPort \
    service add --container web1 --type transport --port 53 --protocol udp --external-port 53
expect_ok "transport service, allocated" service add --container web1 --type transport --port 25565
TCP_ID=$(sql "SELECT serviceId FROM TransportServices")
expect_eq "from 2000" 2000 "$(sql "SELECT externalPort FROM TransportServices")"
expect_fail "service set --external-port 443: exit 3" 3 externalPort service set "$TCP_ID" --external-port 443
expect_fail "service set --tls on udp: exit 3" 3 useTls service set "$TCP_ID" --protocol udp --tls
expect_ok "service set --external-port 3000 --tls" service set "$TCP_ID" --external-port 3000 --tls
expect_eq "stored" "3000|1" "$(sql "SELECT externalPort || '|' || useTls FROM TransportServices")"
expect_ok "service set --no-tls" service set "$TCP_ID" --no-tls
expect_eq "stored" 0 "$(sql "SELECT useTls FROM TransportServices")"
expect_ok "another transport service at 3001" service add --container web2 --type transport --port 1 --external-port 3001
expect_unique "transport port taken" 'TransportServices\.protocol,externalPort' service set "$TCP_ID" --external-port 3001

for bad in "" x 0 70000 5-3 "22," "22;53"; do
    expect_fail "transport_reserved_ports '$bad': exit 3" 3 value setting set transport_reserved_ports "$bad"
done
expect_eq "the setting stays unset" 0 "$(sql "SELECT count(*) FROM Settings WHERE key = 'transport_reserved_ports'")"
expect_ok "reserve 2000-2002 and 2004 too" setting set transport_reserved_ports "22,53,67,80,389,443,636,2000-2002,2004"
expect_ok "allocated past the reserved ports" service add --container web2 --type transport --port 2
expect_eq "2003" 1 "$(sql "SELECT count(*) FROM TransportServices WHERE externalPort = 2003")"
expect_ok "next one" service add --container web2 --type transport --port 3
expect_eq "2005: 2004 is reserved" 1 "$(sql "SELECT count(*) FROM TransportServices WHERE externalPort = 2005")"
expect_fail "explicit 2004 now reserved: exit 3" 3 externalPort \
    service add --container web2 --type transport --port 4 --external-port 2004
expect_ok "the default list again" setting delete transport_reserved_ports
expect_ok "2004 is free again" service add --container web2 --type transport --port 4 --external-port 2004

# ---- a taken unique key, for every table, said as a rule
expect_unique "user mail" 'Users\.mail' user add carol --mail ALICE@example.org
expect_unique "user mail on set" 'Users\.mail' user set bob --mail alice@example.org
expect_unique "username on rename" 'Users\.username' user set bob --username alice
expect_ok "group" group add devs --gid 3000
expect_unique "group cn" 'Groups\.cn' group add devs
expect_unique "group gidNumber" 'Groups\.gidNumber' group add ops --gid 3000
expect_unique "site name" 'Sites\.name' site add DC1 --internal-domain x.internal
expect_unique "site rename" 'Sites\.name' site set dc2 --name dc1
expect_unique "node name" 'Nodes\.name' node add PVE1 --site dc1
expect_unique "node rename" 'Nodes\.name' node set pve2 --name pve1
expect_unique "domain twice on a site" 'ExternalDomains\.siteId,domain' domain add example.com --site dc1
expect_unique "container hostname" 'Containers\.hostname' container add web1 --node pve2 --username alice
expect_unique "transport port" 'TransportServices\.protocol,externalPort' \
    service add --container web1 --type transport --port 1 --external-port 3000
[ "$(integrity)" == ok ] && ok "database intact" || not_ok "database intact"
tap_done
