#!/usr/bin/env bash
# clusterdbd's tests again on the server engines, each test on a database of
# its own in a throwaway PostgreSQL and a throwaway MariaDB (tests/lib-engines.sh,
# engines_rerun): jobs through the CLI, the identity checks before a
# destructive step, the Proxmox VE client, recovery of stranded jobs and
# migration of a first-schema database, reload, rendering nginx and dnsmasq,
# signals, certificates from pebble, and TLS to the nodes.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-engines.sh"

dir=$(cd "$(dirname "$0")" && pwd)
# The engines side by side: the simulators take free ports (port files),
# pebble and nginx run in a private network namespace of their own
# (daemon_certs), the servers are reached through their Unix sockets.
export ENGINES_PARALLEL=${ENGINES_PARALLEL:-1}
engines_rerun "$dir"/daemon_{cli_jobs,identity,pve,recovery,reload,render,signal,certs,tls}.sh
tap_done
