#!/usr/bin/env bash
# Differential test: one random directory (tests/tools/gen-directory: >= 1,000
# users, 100 groups, odd but legal names, 60 containers with grants: host
# values and sudoRoles) served by back_clusterdb from SQLite (or the engine
# CLUSTERDB_TEST_ENGINE names: tests/integration/on_server_engines.sh)
# and by back_mdb from LDIF; thousands of random filters, every scope, several
# bases, must get identical answers from both.
#   DIFF_SEED   the seed (random by default; printed always, and with the
#               first differing filter on failure)
#   DIFF_COUNT  number of searches (default 2000)
#   DIFF_USERS / DIFF_GROUPS / DIFF_CONTAINERS   directory size (default 1000 / 100 / 60)
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/tests/integration/lib-slapd.sh"
. "$top/tests/lib-engines.sh"

seed=${DIFF_SEED:-$(( (RANDOM << 15 | RANDOM) ))}
diag "DIFF_SEED=$seed (rerun with DIFF_SEED=$seed tests/run-all.sh BUILD tests/integration/differential)"
slapd_require_module

scratch work
test_database "$work" || { not_ok "a database on $TEST_ENGINE"; tap_done; exit 1; }
S=dc=cluster,dc=internal
REF=$work/directory.ldif
export SLAPD_SIZELIMIT=unlimited SLAPD_DEBUG=${SLAPD_DEBUG_DIFF:-0}

t0=$(date +%s)
check "clusterdb init" "$CLI" --db "$DB" init
gen=("$PYTHON" "$CLUSTERDB_TOP/tests/tools/gen-directory" --seed "$seed"
    --users "${DIFF_USERS:-1000}" --groups "${DIFF_GROUPS:-100}" --containers "${DIFF_CONTAINERS:-60}"
    --suffix "$S" --ldif "$REF")
if [ "$TEST_ENGINE" = sqlite ]; then
    check "generate the directory (seed $seed) into SQLite and LDIF" "${gen[@]}" --sqlite "$DB"
else
    load_directory() { "${gen[@]}" --sql "$work/directory.sql" && test_sql_file "$work/directory.sql" > /dev/null; }
    check "generate the directory (seed $seed) into $TEST_ENGINE and LDIF" load_directory
fi
# The rootdn's entry, which back_clusterdb serves (nslcd's pam_authc_search).
printf '\ndn: %s\nobjectClass: top\nobjectClass: organizationalRole\ncn: admin\ndescription: %s\n' \
    "$SLAPD_ROOTDN" "directory administrator (slapd rootdn)" >> "$REF"
diag "directory generated in $(( $(date +%s) - t0 ))s: $(grep -c '^dn: uid=' "$REF") users, $(grep -c '^dn: cn=.*,ou=groups,' "$REF") groups, $(grep -c '^dn: cn=.*,ou=SUDOers,' "$REF") sudoRoles"
# Containers must give some users host values, else host filters prove little.
nhost=$(grep -c '^host:' "$REF")
if [ "${DIFF_CONTAINERS:-60}" -eq 0 ] || [ "$nhost" -gt 0 ]; then ok "the directory holds $nhost host values"
else not_ok "the directory holds host values"; fi

started=1
SLAPD_DBFILE=$DB slapd_start cdb "$work/cdb" || started=0
mdb_start mdb "$work/mdb" "$REF" || started=0
if [ "$started" -ne 1 ]; then
    not_ok "both servers start"; tap_done; exit
fi
ok "both servers start"

# The whole directory first: the same entries with the same values.
dump() { lsearch "$1" -b "$S" '(objectClass=*)' '*' 2>&1 |
    ldif_normalize --drop memberOf --drop userPassword; }
a=$(dump cdb); b=$(dump mdb)
n=$(printf '%s\n' "$a" | grep -c '^dn:')
if [ "$a" == "$b" ] && [ "$n" -ge 1000 ]; then
    ok "whole directory identical ($n entries)"
else
    not_ok "whole directory identical"
    diag "entries: back_clusterdb $n, back_mdb $(printf '%s\n' "$b" | grep -c '^dn:')" \
        "$(diff <(echo "$b") <(echo "$a") | head -40)"
fi

# Password hashes are served as stored: compare them as the rootdn.
hashes() { rsearch "$1" -b "ou=people,$S" '(userPassword=*)' userPassword 2>&1 | ldif_normalize; }
a=$(hashes cdb); b=$(hashes mdb)
if [ "$a" == "$b" ] && [ -n "$a" ]; then ok "userPassword values identical (rootdn)"; else
    not_ok "userPassword values identical (rootdn)"; diag "$(diff <(echo "$b") <(echo "$a") | head -20)"; fi

# Paged enumerations from back_clusterdb equal back_mdb's unpaged answers.
for flt in '(objectClass=*)' '(objectClass=posixAccount)' '(|(memberUid=*)(shadowExpire=1))' '(!(mail=*))'; do
    a=$(lsearch mdb -b "$S" "$flt" '*' 2>&1 | ldif_normalize --drop memberOf --drop userPassword)
    b=$(lsearch cdb -E pr=37/noprompt -b "$S" "$flt" '*' 2>&1 | ldif_normalize --drop memberOf --drop userPassword)
    na=$(printf '%s\n' "$a" | grep -c '^dn:')
    if [ "$a" == "$b" ] && [ "$na" -gt 37 ]; then ok "paged (37 per page) $flt: the same $na entries"; else
        not_ok "paged (37 per page) $flt: the same entries"
        diag "back_mdb $na entries, back_clusterdb $(printf '%s\n' "$b" | grep -c '^dn:')"; fi
done

# Filters larger or deeper than one SQL statement takes (the module widens
# its candidate query): ORs of 256+ equalities on each indexed attribute and
# alternating |/& nesting 61-70 levels deep, with values of the directory.
"$PYTHON" - "$REF" "$seed" > "$work/big-filters" <<'PY'
import random, re, sys
ref, seed = sys.argv[1], int(sys.argv[2])
rnd = random.Random(seed)
vals = {}
for line in open(ref, encoding="utf-8"):
    m = re.match(r"(uid|uidNumber|mail|cn|memberUid|gidNumber): (.*)", line.rstrip("\n"))
    if m and re.fullmatch(r"[A-Za-z0-9._@+-]+", m.group(2)):
        vals.setdefault(m.group(1), set()).add(m.group(2))
def esc(v): return v
def big_or(attr, n, real):
    pool = sorted(vals.get(attr, ()))
    terms = [rnd.choice(pool) for _ in range(real)] if pool else []
    while len(terms) < n:
        terms.append(str(900000 + len(terms)) if attr.endswith("Number") else "zz-none-%d" % len(terms))
    rnd.shuffle(terms)
    return "(|" + "".join("(%s=%s)" % (attr, t) for t in terms) + ")"
for attr in ("uid", "uidNumber", "mail", "cn", "memberUid", "gidNumber"):
    for n in (256, 300, 1000):
        print(big_or(attr, n, rnd.randint(1, 20)))
    print("(&(objectClass=*)%s)" % big_or(attr, 400, 5))
print("(|%s%s)" % (big_or("uid", 300, 5), big_or("cn", 300, 5)))
def term():
    attr = rnd.choice(("uid", "uidNumber", "mail", "cn", "memberUid"))
    pool = sorted(vals.get(attr, ()))
    return "(%s=%s)" % (attr, rnd.choice(pool)) if pool and rnd.random() < 0.7 else "(%s=*)" % attr
for depth in (61, 63, 64, 65, 66, 68, 70):
    for last in (0, 1):
        f = term()
        for i in range(depth, 0, -1):
            op = "|" if i % 2 else "&"
            side = term()
            f = "(%s%s%s)" % (op, f, side) if last else "(%s%s%s)" % (op, side, f)
        print(f)
PY
nbig=0; nbig_diff=0; nbig_found=0
while IFS= read -r flt; do
    nbig=$((nbig + 1))
    a=$(lsearch mdb -b "$S" "$flt" 1.1 2>&1 | ldif_normalize)
    b=$(lsearch cdb -b "$S" "$flt" 1.1 2>&1 | ldif_normalize)
    [[ $a == *"dn: "* ]] && nbig_found=$((nbig_found + 1))
    if [ "$a" != "$b" ]; then
        nbig_diff=$((nbig_diff + 1))
        [ "$nbig_diff" -le 3 ] && diag "differs: ${flt:0:200}..." "$(diff <(echo "$a") <(echo "$b") | head -8)"
    fi
done < "$work/big-filters"
if [ "$nbig" -ge 30 ] && [ "$nbig_diff" -eq 0 ] && [ "$nbig_found" -ge $((nbig / 2)) ]; then
    ok "$nbig wide or deep filters: identical answers ($nbig_found found entries)"
else
    not_ok "$nbig wide or deep filters: identical answers: $nbig_diff differ, $nbig_found found entries"
fi

t0=$(date +%s)
out=$("$PYTHON" "$CLUSTERDB_TOP/tests/tools/differential-driver" --seed "$seed" --ldif "$REF" \
    --suffix "$S" --uri-a "${SLAPD_URI[mdb]}" --name-a back_mdb \
    --uri-b "${SLAPD_URI[cdb]}" --name-b back_clusterdb \
    --count "${DIFF_COUNT:-2000}" --out "$work" 2>&1)
rc=$?
diag "driver took $(( $(date +%s) - t0 ))s"
printf '%s\n' "$out" | grep '^#' | head -80 | sed 's/^# \?/# /'
summary=$(printf '%s\n' "$out" | grep '^SEARCHED')
read -r _ searched _ nonempty _ different <<< "$summary"
if [ "$rc" -eq 0 ] && [ "${different:-1}" -eq 0 ]; then
    ok "${searched} random searches: identical answers (seed $seed)"
else
    not_ok "${searched:-?} random searches: identical answers (seed $seed): ${different:-?} differ"
    [ -n "$summary" ] || diag "$(printf '%s\n' "$out" | tail -20)"
fi
# The test has teeth only if many searches find something.
if [ "${searched:-0}" -ge "${DIFF_COUNT:-2000}" ] && [ "${nonempty:-0}" -ge $(( ${searched:-0} / 5 )) ]; then
    ok "searches exercised the data (${nonempty} of ${searched} found entries)"
else
    not_ok "searches exercised the data (${nonempty:-0} of ${searched:-0} found entries)"
fi

for s in cdb mdb; do
    if slapd_alive $s; then ok "$s still running"; else not_ok "$s still running"; slapd_log_tail $s; fi
done
tap_done
