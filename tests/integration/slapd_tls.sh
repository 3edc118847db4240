#!/usr/bin/env bash
# TLS for slapd serving back_clusterdb, as docs/container-hosts.md ("TLS for
# slapd") sets it up: a private CA made with openssl, a server certificate for
# the directory's name, StartTLS on ldap:// and ldaps://.  Clients that trust
# the CA read users over both; a client that trusts another CA, or asks for
# another name, is refused before anything is sent; "security tls=1" refuses
# a search in the clear with confidentialityRequired (13) when set in the
# database section.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=lib-slapd.sh
. "$(dirname "$0")/lib-slapd.sh"

slapd_require_module
if ! command -v openssl >/dev/null; then
    skip "openssl is not installed (scripts/install-deps.sh test)"; tap_done; exit 0
fi

expect_no_match() { # expect_no_match DESC REGEX ACTUAL
    if [[ "$3" =~ $2 ]]; then not_ok "$1"; diag "expected not to match: $2" "actual:" "$3"; else ok "$1"; fi
}

scratch work
db=$work/clusterdb.sqlite
check "database made" "$CLI" --db "$db" init
check "alice added" sh -c "printf 'alice-password-1\n' | '$CLI' --db '$db' user add alice --password-stdin"

# The CA and the server certificate, as the docs make them.  The name is the
# address here: libldap checks the certificate against the host in the URI.
tls=$work/tls
mkdir -p "$tls"
make_ca() { # make_ca NAME
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj "/CN=clusterdb test $1 CA" -keyout "$tls/$1.key" -out "$tls/$1.pem" 2> /dev/null
}
if make_ca ca && make_ca other &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
        -keyout "$tls/server.key" -out "$tls/server.csr" 2> /dev/null &&
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$tls/ext" &&
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
        -days 2 -extfile "$tls/ext" -out "$tls/server.pem" 2> /dev/null; then
    ok "a private CA and a server certificate made with openssl"
else
    not_ok "a private CA and a server certificate made with openssl"; tap_done; exit 0
fi
# slapd runs as root here; in production the key belongs to openldap, mode 0600.
chmod 0600 "$tls/server.key"

sport=$(slapd_free_port)
mkdir -p "$work/slapd"
slapd_write_clusterdb_conf "$work/slapd/slapd.conf" "$work/slapd" "$db"
sed -i "1i TLSCACertificateFile $tls/ca.pem\nTLSCertificateFile $tls/server.pem\nTLSCertificateKeyFile $tls/server.key" \
    "$work/slapd/slapd.conf"
if ! SLAPD_EXTRA_URLS="ldaps://127.0.0.1:$sport/" slapd_start tls "$work/slapd"; then
    not_ok "slapd starts with the TLS settings"; tap_done; exit 0
fi
ok "slapd starts with the TLS settings"
uri=${SLAPD_URI[tls]}
bind=(-D "uid=alice,ou=people,$SLAPD_SUFFIX" -w alice-password-1)

search() { # search URI [ldapsearch options...]: alice's uid
    local u=$1; shift
    ldapsearch -LLL -x -o nettimeout=5 -H "$u" "$@" -b "ou=people,$SLAPD_SUFFIX" uid=alice uid 2>&1
}
trusting() { LDAPTLS_CACERT=$tls/ca.pem LDAPTLS_REQCERT=demand "$@"; }
distrusting() { LDAPTLS_CACERT=$tls/other.pem LDAPTLS_REQCERT=demand "$@"; }

out=$(trusting search "$uri" -ZZ "${bind[@]}")
expect_match "StartTLS with the CA: alice is read" "uid: alice" "$out"
out=$(trusting search "ldaps://127.0.0.1:$sport/" "${bind[@]}")
expect_match "ldaps:// with the CA: alice is read" "uid: alice" "$out"
out=$(trusting ldapwhoami -x -o nettimeout=5 -H "$uri" -ZZ "${bind[@]}" 2>&1)
expect_eq "a bind over StartTLS" "dn:uid=alice,ou=people,$SLAPD_SUFFIX" "$out"

out=$(distrusting search "$uri" -ZZ "${bind[@]}")
expect_match "StartTLS trusting another CA: refused" "certificate verify failed|Connect error" "$out"
expect_no_match "... and nothing read" "uid: alice" "$out"
out=$(distrusting search "ldaps://127.0.0.1:$sport/" "${bind[@]}")
expect_match "ldaps:// trusting another CA: refused" "certificate verify failed|Can't contact" "$out"
out=$(trusting search "ldap://localhost:${SLAPD_PORT[tls]}/" -ZZ "${bind[@]}")
expect_no_match "a name the certificate does not carry: nothing read" "uid: alice" "$out"

# The docs' hardening: no searches in the clear at all.
slapd_stop tls
echo "security tls=1" >> "$work/slapd/slapd.conf"
# In the database section: it holds for its entries, while the root DSE (and
# StartTLS itself) stay reachable in the clear.
if ! SLAPD_EXTRA_URLS="ldaps://127.0.0.1:$sport/" slapd_start tls "$work/slapd"; then
    not_ok "slapd starts with security tls=1"; tap_done; exit 0
fi
uri=${SLAPD_URI[tls]}
out=$(search "$uri" "${bind[@]}"); rc=$?
expect_match "security tls=1: a search in the clear is refused (13)" "Confidentiality required \(13\)" "$out"
out=$(trusting search "$uri" -ZZ "${bind[@]}")
expect_match "... and the same search over StartTLS answered" "uid: alice" "$out"

tap_done
