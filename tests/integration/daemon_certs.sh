#!/usr/bin/env bash
# clusterdbd's certificates end to end: pebble (an ACME test server) issues
# them through DNS-01, answered by pebble-challtestsrv standing in for the DNS
# provider (lego's exec provider runs a hook that drives its management API);
# nginx then serves the certificate to openssl s_client with the right SNI.
# Renewal runs once the (injected) clock reaches the renewal window; a failing
# issuance leaves a failed job with lego's message while the other domain's
# services are still served.
#
# Everything runs in a private network namespace (only its own loopback):
# the rendered nginx configuration listens on port 443 as in production,
# pebble and the challenge server on 127.0.0.1, and nothing collides with
# the machine's own services or other tests.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.bash"

for tool in lego pebble pebble-challtestsrv nginx openssl curl sqlite3 unshare ip; do
    if ! command -v "$tool" >/dev/null; then
        skip "$tool not installed (scripts/install-deps.sh test installs it)"; tap_done; exit 0
    fi
done
if [ ! -x "$DAEMON" ]; then skip "clusterdbd not built"; tap_done; exit 0; fi
if [ -z "${CLUSTERDB_CERTS_NETNS:-}" ]; then
    if ! err=$(unshare -n true 2>&1); then
        skip "cannot make a private network namespace (unshare -n: $err)"; tap_done; exit 0
    fi
    exec unshare -n env CLUSTERDB_CERTS_NETNS=1 bash "$0" "$@"
fi
ip link set lo up

scratch work
daemon_database "$work"
tls=$work/tls
etc=$work/etc; mkdir -p "$etc" "$work/nginx"
cli() { "$CLI" --db "$db" "$@"; }

# ---- the test CA that signs pebble's own HTTPS certificate (lego trusts it
# through LEGO_CA_CERTIFICATES)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=clusterdb test CA" \
    -keyout "$work/ca.key" -out "$work/ca.pem" >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
    -keyout "$work/pebble.key" -out "$work/pebble.csr" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$work/san.ext"
openssl x509 -req -in "$work/pebble.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
    -extfile "$work/san.ext" -out "$work/pebble.pem" >/dev/null 2>&1

cat > "$work/pebble.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:14000", "managementListenAddress": "127.0.0.1:15000",
 "certificate": "$work/pebble.pem", "privateKey": "$work/pebble.key",
 "httpPort": 5002, "tlsPort": 5001, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
EOF

pebble-challtestsrv -dns01 127.0.0.1:8053 -http01 "" -https01 "" -tlsalpn01 "" \
    -management 127.0.0.1:8055 >"$work/challtestsrv.log" 2>&1 &
cts_pid=$!
on_exit "kill $cts_pid 2>/dev/null; wait $cts_pid 2>/dev/null"
# No random validation sleeps, no rejected nonces: the test waits for nothing.
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 pebble -config "$work/pebble.json" -dnsserver 127.0.0.1:8053 \
    >"$work/pebble.log" 2>&1 &
pebble_pid=$!
on_exit "kill $pebble_pid 2>/dev/null; wait $pebble_pid 2>/dev/null"
for _ in $(seq 1 100); do   # both up: pebble answers, the challenge server accepts connections
    if curl -sf --cacert "$work/ca.pem" https://127.0.0.1:14000/dir >/dev/null; then
        curl -s -o /dev/null http://127.0.0.1:8055/; [ $? -ne 7 ] && break
    fi
    sleep 0.1
done
check "pebble serves its ACME directory on 127.0.0.1" curl -sf --cacert "$work/ca.pem" https://127.0.0.1:14000/dir

# ---- the DNS "provider": lego's exec provider calls this hook with
# present|cleanup FQDN VALUE.  For broken.test it refuses, as a provider
# would for a zone the credentials do not cover.
cat > "$work/dns-hook" <<'EOF'
#!/bin/sh
case "$2" in *broken.test.) echo "dns-hook: no such zone: $2" >&2; exit 1 ;; esac
case "$1" in
present) exec curl -sf -d "{\"host\":\"$2\",\"value\":\"$3\"}" http://127.0.0.1:8055/set-txt ;;
cleanup) exec curl -sf -d "{\"host\":\"$2\"}" http://127.0.0.1:8055/clear-txt ;;
esac
EOF
chmod 755 "$work/dns-hook"

cli init >/dev/null && add_owners alice 
check "site" cli site add lab --internal-domain cluster.internal
check "node" cli node add pve1 --site lab --ip 10.0.0.2
check "container" cli container add web1 --node pve1 --username alice --status running \
    --ctid 100 --mac bc:24:11:00:00:01 --ip 127.0.0.1
check "domain example.test answered by the exec provider" cli domain add example.test --site lab \
    --acme-email admin@example.test --acme-directory https://127.0.0.1:14000/dir --dns-provider exec
check "domain broken.test, whose provider fails" cli domain add broken.test --site lab \
    --acme-email admin@example.test --acme-directory https://127.0.0.1:14000/dir --dns-provider exec
check_fails "an unknown DNS provider is refused" cli domain add other.test --site lab --dns-provider bind9
check "http service on example.test" cli service add --container web1 --type http --port 8080 \
    --hostname app --domain example.test
check "http service on broken.test" cli service add --container web1 --type http --port 8081 \
    --hostname app --domain broken.test
# lego asks the challenge server, not the system resolver; the challenge
# server answers no SOA queries, so lego's own propagation check is off.
check "resolver setting" cli setting set certificate_dns_resolvers 127.0.0.1:8053
check "propagation check setting" cli setting set certificate_dns_propagation_check false
check "renewal window setting (10 days)" cli setting set certificate_renewal_days 10

cat > "$work/nginx/nginx.conf" <<EOF
$(for m in /usr/lib/nginx/modules/ngx_stream_module.so /usr/share/nginx/modules/ngx_stream_module.so; do
    [ -f "$m" ] && echo "load_module $m;" && break; done)
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    include $etc/http.conf;
}
EOF
ngx=(nginx -p "$work/nginx" -c "$work/nginx/nginx.conf")
printf '# empty until the daemon renders\n' > "$etc/http.conf"
check "nginx starts" "${ngx[@]}"
on_exit "[ -s '$work/nginx/nginx.pid' ] && kill \$(cat '$work/nginx/nginx.pid') 2>/dev/null"

daemon() {
    env -i PATH="$PATH" LEGO_CA_CERTIFICATES="$work/ca.pem" EXEC_PATH="$work/dns-hook" \
        EXEC_POLLING_INTERVAL=1 EXEC_PROPAGATION_TIMEOUT=30 EXEC_SEQUENCE_INTERVAL=1 "$@" \
        "$DAEMON" --db "$db" --once --site lab --nginx-http-conf "$etc/http.conf" --tls-dir "$tls" \
        --nginx-test "${ngx[*]} -t -q" --nginx-reload "${ngx[*]} -s reload && echo reload >> '$work/reloads'"
}
cert_job() { sql "SELECT id FROM Jobs WHERE associatedResource = 'domain:$1' ORDER BY id DESC LIMIT 1"; }
job_status() { sql "SELECT status FROM Jobs WHERE id = $1"; }
job_log() { sql "SELECT message FROM JobStatuses WHERE jobId = $1 ORDER BY id"; }
# served_serial SNI: the serial of the certificate nginx presents for that
# name.  A connection refused or cut while
# nginx swaps its workers is tried again (a few times): that is no answer,
# whereas a wrong certificate is one.
served_serial() {
    local serial i
    for i in 1 2 3 4 5; do
        serial=$(openssl s_client -connect 127.0.0.1:443 -servername "$1" </dev/null 2>/dev/null |
            openssl x509 -noout -serial 2>/dev/null | cut -d= -f2)
        [ -n "$serial" ] && break
        sleep 0.2
    done
    printf '%s\n' "$serial"
}
wait_reload() { # nginx -s reload returns before the workers switch: wait for the served serial
    for _ in $(seq 1 100); do [ "$(served_serial "$1")" = "$2" ] && return 0; sleep 0.1; done
    return 1
}

# ---- first run: both domains get a job; example.test succeeds, broken.test fails
daemon 2>"$work/run1.err"
expect_eq "first run exits 0" 0 "$?"
good=$(cert_job 1); bad=$(cert_job 2)
expect_eq "example.test: job success" "success" "$(job_status "$good")"
expect_match "example.test: the job's log holds lego's output" "Server responded with a certificate" \
    "$(job_log "$good")"
expect_match "example.test: and says where it installed what" \
    "installed the certificate for example.test and \*.example.test \(serial [0-9A-F]+, valid until" \
    "$(job_log "$good")"
expect_eq "broken.test: job failure" "failure" "$(job_status "$bad")"
expect_match "broken.test: the failure carries lego's message" \
    "failed: lego exited with status 1: .*(broken.test|exit status 1)" "$(job_log "$bad")"
expect_match "broken.test: lego's output is recorded" "dns-hook: no such zone|exit status 1" "$(job_log "$bad")"

chain=$tls/example.test/fullchain.pem key=$tls/example.test/privkey.pem
expect_eq "private key mode 0600" "600" "$(stat -c %a "$key")"
expect_eq "chain mode 0644" "644" "$(stat -c %a "$chain")"
expect_eq "lego's state directory mode 0700" "700" "$(stat -c %a "$tls/.lego")"
expect_match "certificate names the domain and its wildcard" "DNS:example.test, DNS:\*.example.test" \
    "$(openssl x509 -in "$chain" -noout -ext subjectAltName 2>/dev/null)"
serial1=$(openssl x509 -in "$chain" -noout -serial | cut -d= -f2)

expect_match "nginx serves app.example.test" "server_name app.example.test;" "$(cat "$etc/http.conf")"
expect_eq "broken.test's service is left out (no certificate)" "" "$(grep 'broken.test' "$etc/http.conf" | grep -v '^#')"
check "nginx reloaded with the new configuration" wait_reload app.example.test "$serial1"
expect_eq "openssl s_client with SNI app.example.test gets the issued certificate" "$serial1" \
    "$(served_serial app.example.test)"

# ---- nothing due: no new job, nothing reloaded
jobs_before=$(sql "SELECT count(*) FROM Jobs")
daemon 2>"$work/run2.err"
expect_eq "a valid certificate outside the window: no new job" "$jobs_before" "$(sql "SELECT count(*) FROM Jobs")"
expect_eq "the failed domain is not retried before certificate_retry_minutes" "$bad" "$(cert_job 2)"

# ---- the clock reaches the renewal window: a new certificate is issued and served
not_after=$(date -d "$(openssl x509 -in "$chain" -noout -enddate | cut -d= -f2)" +%s)
daemon CLUSTERDBD_NOW=$((not_after - 11 * 86400)) 2>"$work/run3a.err"
expect_eq "11 days before expiry (window 10 days): no renewal" "$good" "$(cert_job 1)"
daemon CLUSTERDBD_NOW=$((not_after - 9 * 86400)) 2>"$work/run3.err"
renew=$(cert_job 1)
[ "$renew" != "$good" ]; expect_eq "inside the window: a renewal job ran" 0 "$?"
expect_match "the renewal says why it was queued" "certificate for example.test queued: the certificate expires within the renewal window" \
    "$(cat "$work/run3.err")"
expect_eq "renewal: job success" "success" "$(job_status "$renew")"
serial2=$(openssl x509 -in "$chain" -noout -serial | cut -d= -f2)
[ -n "$serial2" ] && [ "$serial2" != "$serial1" ]; expect_eq "renewal: a new certificate is installed" 0 "$?"
check "nginx reloaded after the renewal" wait_reload app.example.test "$serial2"
expect_eq "s_client now gets the renewed certificate" "$serial2" "$(served_serial app.example.test)"
expect_eq "later, the failed domain is tried again (and fails again)" "failure" "$(job_status "$(cert_job 2)")"

# ---- secrets: a Cloudflare domain's key reaches lego only through its
# environment.  A stand-in lego records its command line and environment.
mkdir -p "$work/fakebin"
cat > "$work/fakebin/lego" <<EOF
#!/bin/sh
printf '%s\n' "\$@" > "$work/lego-argv"
env > "$work/lego-env"
echo "fake lego: refusing" >&2
exit 3
EOF
chmod 755 "$work/fakebin/lego"
cf_key='cf-Token-Never-Logged-0123456789'
printf '%s\n' "$cf_key" | cli domain add cf.test --site lab --acme-email admin@example.test \
    --acme-directory https://127.0.0.1:14000/dir --cloudflare-key-stdin >/dev/null
env -i PATH="$work/fakebin:$PATH" SECRET_OF_THE_OPERATOR=x "$DAEMON" --db "$db" --once --site lab \
    --nginx-http-conf "$etc/http.conf" --tls-dir "$tls" --nginx-test true --nginx-reload true 2>"$work/run4.err"
cf=$(cert_job 3)
expect_eq "cloudflare domain: failed job" "failure" "$(job_status "$cf")"
expect_match "the token is in lego's environment as CLOUDFLARE_DNS_API_TOKEN" \
    "CLOUDFLARE_DNS_API_TOKEN=$cf_key" "$(cat "$work/lego-env")"
expect_match "with the cloudflare provider" "cloudflare" "$(cat "$work/lego-argv")"
expect_eq "the token is not on lego's command line" "" "$(grep -F "$cf_key" "$work/lego-argv")"
expect_eq "the operator's other variables are not passed on" "" "$(grep SECRET_OF_THE_OPERATOR "$work/lego-env")"
expect_match "lego's message is the failure" "failed: lego exited with status 3: fake lego: refusing" "$(job_log "$cf")"
expect_eq "the token is in no log and no job message" "" \
    "$(grep -lF "$cf_key" "$work"/*.err; sql "SELECT message FROM JobStatuses" | grep -F "$cf_key")"
expect_match "example.test is still served" "server_name app.example.test;" "$(cat "$etc/http.conf")"

tap_done
