#!/usr/bin/env bash
# clusterdbd's tests again on the server engines, each test on a throwaway
# PostgreSQL and a throwaway MariaDB of its own (tests/lib-engines.sh,
# engines_rerun): jobs through the CLI, the identity checks before a
# destructive step, the Proxmox VE client, recovery of stranded jobs and
# migration of a first-schema database, reload, rendering nginx and dnsmasq,
# signals, certificates from pebble, and TLS to the nodes.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-engines.sh"

dir=$(cd "$(dirname "$0")" && pwd)
engines_rerun "$dir"/daemon_{cli_jobs,identity,pve,recovery,reload,render,signal,certs,tls}.sh
tap_done
