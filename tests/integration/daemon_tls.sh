#!/usr/bin/env bash
# clusterdbd and TLS: a node's self-signed API certificate is refused while
# verification is on; trusting its CA (--pve-ca-file) or the node's
# disableTlsVerification lets the job through.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.bash"

if [ ! -x "$DAEMON" ] || ! command -v sqlite3 >/dev/null || ! command -v openssl >/dev/null; then
    skip "clusterdbd, sqlite3 or openssl not available"; tap_done; exit 0
fi

scratch work
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
start_sim TLS --node pve --token "$TOKEN_ID=$TOKEN_SECRET" --task-seconds 0.1 --dhcp-seconds 0.1 \
    --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
start_sim INSECURE --node pve2 --token "$TOKEN_ID=$TOKEN_SECRET" --task-seconds 0.1 --dhcp-seconds 0.1 \
    --ip-prefix 10.0.2. --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"

daemon_database "$work"
cli() { "$CLI" --db "$db" "$@"; }
cli init >/dev/null && add_owners erin  && cli site add lab --internal-domain cluster.internal >/dev/null
printf '%s\n' "$TOKEN_SECRET" | cli node add pve --site lab --api-url "https://127.0.0.1:$TLS_PORT" \
    --token-id "$TOKEN_ID" --secret-stdin >/dev/null
printf '%s\n' "$TOKEN_SECRET" | cli node add pve2 --site lab --api-url "https://127.0.0.1:$INSECURE_PORT" \
    --token-id "$TOKEN_ID" --secret-stdin --insecure >/dev/null
queue_create() {
    local ct
    cli container add "$1" --node "$2" --username erin --template debian-12-standard >/dev/null || return 1
    ct=$(sql "SELECT id FROM Containers WHERE hostname = '$1'")
    cli job add "container.create $1" --resource "container:$ct" | grep -Eo '[0-9]+' | head -1
}
job_status() { sql "SELECT status FROM Jobs WHERE id = $1"; }
last_message() { sql "SELECT message FROM JobStatuses WHERE jobId = $1 ORDER BY id DESC LIMIT 1"; }

job=$(queue_create v1 pve)
"$DAEMON" --db "$db" --once 2>"$work/run1.err"
expect_eq "self-signed certificate, verification on: job failure" "failure" "$(job_status "$job")"
expect_match "the reason names the certificate" "certificate" "$(last_message "$job")"

job=$(queue_create v2 pve)
"$DAEMON" --db "$db" --once --pve-ca-file "$work/cert.pem" 2>"$work/run2.err"
expect_eq "trusted CA: job success" "success" "$(job_status "$job")"
expect_eq "trusted CA: container running" "running" "$(sql "SELECT status FROM Containers WHERE hostname = 'v2'")"

job=$(queue_create v3 pve2)
"$DAEMON" --db "$db" --once 2>"$work/run3.err"
expect_eq "node with disableTlsVerification: job success" "success" "$(job_status "$job")"

expect_eq "no secret in the logs" "" "$(grep -l -e "$TOKEN_SECRET" "$work"/*.err)"
tap_done
