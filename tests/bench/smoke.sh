#!/usr/bin/env bash
# Smoke test of the benchmark harness (bench/run.sh): a 200-user directory,
# one short round of every workload against back_clusterdb (on SQLite and on a
# throwaway PostgreSQL), back_mdb and back_sql.  Asserts that the harness
# works (same answers everywhere, every run completes operations without
# errors, entry counts right); never timings.
. "$(dirname "$0")/../lib.sh"
. "$CLUSTERDB_TOP/tests/integration/lib-slapd.sh"
. "$CLUSTERDB_TOP/tests/lib-engines.sh"

slapd_require_module
if ! dpkg -L libsqliteodbc 2>/dev/null | grep -q '/libsqlite3odbc.so$' || [ ! -f /usr/lib/ldap/back_sql.so ]; then
    skip "libsqliteodbc or back_sql missing (scripts/install-deps.sh bench)"; tap_done; exit
fi
backends="clusterdb mdb sql"
if why=$(engine_available postgresql); then backends="clusterdb clusterdb_pg mdb sql"
else skip "back_clusterdb on PostgreSQL: $why"; fi
work=; scratch work
users=200
# Cheap hashes for both bind workloads: the smoke checks the plumbing, not argon2's cost.
if BENCH_USERS=$users BENCH_ROUNDS=1 BENCH_SECONDS=0.3 BENCH_THREADS=2 BENCH_NO_REPORT=1 BENCH_BACKENDS="$backends" \
        BENCH_WORK="$work/run" BENCH_DATA="$work/data" BENCH_STRONG_ARGON2="16 1 1" \
        "$CLUSTERDB_TOP/bench/run.sh" "$CLUSTERDB_BUILD" > "$work/out" 2>&1; then
    ok "bench/run.sh completes"
else
    not_ok "bench/run.sh completes"; sed 's/^/#   /' "$work/out" | tail -30
fi

# Answer checks made before measuring: expected = got for every backend.
for b in $backends; do
    for c in uid uidnumber memberuid base enum bind-cheap bind-wrong; do
        line=$(awk -F'\t' -v b="$b" -v c="$c" '$1 == b && $2 == c' "$work/run/checks.tsv" 2>/dev/null)
        exp=$(cut -f3 <<< "$line"); got=$(cut -f4 <<< "$line")
        if [ -n "$line" ] && [ "$exp" = "$got" ]; then
            ok "$b answers $c like the data ($got)"
        else
            not_ok "$b answers $c like the data (expected ${exp:-?}, got ${got:-nothing})"
        fi
    done
done
expect_eq "memberuid check counts several groups" "yes" \
    "$(awk -F'\t' '$2 == "memberuid" && $3 > 1 { print "yes"; exit }' "$work/run/checks.tsv" 2>/dev/null)"

# Every measured run: operations done, no errors, entries consistent with the workload.
for b in $backends; do
    for w in uid uidnumber memberuid base enum enum-paged bind-cheap bind-argon2id modify; do
        verdict=$("$PYTHON" - "$work/run/raw.jsonl" "$b" "$w" "$users" <<'PY'
import json, sys
path, b, w, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rs = [r for r in map(json.loads, open(path)) if r["backend"] == b and r["workload"] == w]
if not rs:
    print("no run"); sys.exit()
r = rs[0]
per_op = {"uid": 1, "uidnumber": 1, "base": 1, "enum": n, "enum-paged": n,
          "bind-cheap": 0, "bind-argon2id": 0, "modify": 0}
if r["ops"] < 1 or r["errors"]:
    print("ops %d errors %d (%s)" % (r["ops"], r["errors"], r["first_error"]))
elif w in per_op and r["entries"] != per_op[w] * r["ops"]:
    print("entries %d for %d ops" % (r["entries"], r["ops"]))
elif r["cpu_seconds"] < 0:
    print("negative cpu")
elif b == "clusterdb_pg" and not r["server_cpu_seconds"] > 0:
    print("no database server CPU measured")
elif b != "clusterdb_pg" and r["server_cpu_seconds"] != 0:
    print("database server CPU for a backend without one")
else:
    print("ok")
PY
)
        expect_eq "$b $w: operations without errors, right entry counts" ok "$verdict"
    done
done
tap_done
