#!/usr/bin/env bash
# clusterdb user ...: happy paths, validation (exit 3), conflicts (exit 4),
# not found (exit 5); failed commands change nothing; passwords only through
# stdin, stored as argon2id; hashes never printed.
. "$(dirname "$0")/cli-lib.bash"

KEY1='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINue/lcodPaJPw0vYl13vNJjwrmJpKqZFDWIvDLDcY7r alice@laptop'
KEY2='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMuTHRLnnATbsYN8GE4FDW9MKGxrqSKPluMEZGNIMsHM alice@desk'
printf '%s\n%s\n' "$KEY1" "$KEY2" > "$TESTDIR/keys.pub"
printf '%s\n' "$KEY1" > "$TESTDIR/one.pub"
printf 'ssh-ed25519 AAAAnotbase64!! x\n' > "$TESTDIR/bad.pub"
new_db

# ---- the password policy holds for the first user too (who becomes a sysadmin)
expect_fail "first user with a 3-character password: exit 3, nothing created" 3 userPassword \
    user add alice --password-stdin <<< 'abc'
expect_eq "the message names the rule and the setting" \
    "clusterdb: userPassword: must be at least 12 characters (setting password_min_length)" "$ERR"
expect_fail "11 characters are not enough either" 3 userPassword user add alice --password-stdin <<< 'elevenchars'

# ---- add
expect_ok "user add with every field" user add alice --cn "Alice Liddell" --sn Liddell \
    --given-name Alice --mail alice@example.org --ssh-key-file "$TESTDIR/keys.pub" --password-stdin \
    <<< 'correct horse battery staple'
expect_match "add reports the uidNumber" "uidNumber 2000" "$OUT"
expect_eq "first user gets uidNumber 2000" 2000 "$(sql "SELECT uidNumber FROM Users WHERE username='alice'")"
expect_eq "first user is active" active "$(sql "SELECT status FROM Users WHERE username='alice'")"
expect_eq "first user joins sysadmins" 2001 \
    "$(sql "SELECT gidNumber FROM UserGroups WHERE uidNumber=2000 AND gidNumber=2001")"
hash=$(sql "SELECT userPassword FROM Users WHERE username='alice'")
expect_match "the password is stored as an argon2id PHC string" '^\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$' "$hash"
case "$OUT$ERR" in *'$argon2'*|*'correct horse'*) not_ok "add prints neither hash nor password" ;;
                    *) ok "add prints neither hash nor password" ;; esac
expect_eq "both SSH keys stored, one per line" "$KEY1
$KEY2" "$(sql "SELECT sshPublicKey FROM Users WHERE username='alice'")"

expect_ok "user add with defaults" user add bob
expect_eq "second user gets 2001" 2001 "$(sql "SELECT uidNumber FROM Users WHERE username='bob'")"
expect_eq "users made by the admin CLI are active" active "$(sql "SELECT status FROM Users WHERE username='bob'")"
expect_eq "second user is not in sysadmins" 0 "$(sql "SELECT count(*) FROM UserGroups WHERE uidNumber=2001 AND gidNumber=2001")"
expect_eq "no password without --password-stdin" "" "$(sql "SELECT ifnull(userPassword,'') FROM Users WHERE username='bob'")"
expect_ok "user add --status pending --admin" user add carol --status pending --admin --mail carol@example.org
expect_eq "--status is honoured" pending "$(sql "SELECT status FROM Users WHERE username='carol'")"
expect_eq "--admin adds to sysadmins" 1 "$(sql "SELECT count(*) FROM UserGroups u JOIN Users s ON s.uidNumber=u.uidNumber WHERE s.username='carol' AND u.gidNumber=2001")"
expect_ok "user add --ssh-key-file - reads stdin" user add dave --ssh-key-file - < "$TESTDIR/one.pub"
expect_eq "key from stdin stored" "$KEY1" "$(sql "SELECT sshPublicKey FROM Users WHERE username='dave'")"
expect_ok "user add --json" --json user add erin --mail erin@example.org
json_ok "user add --json parses"
expect_eq "user add --json gives the uidNumber" "$(sql "SELECT uidNumber FROM Users WHERE username='erin'")" "$(json_get 'd["uidNumber"]')"

# ---- list / show
expect_ok "user list" user list
expect_match "user list has a header and the users" "UID +USERNAME.*2000 +alice +Alice Liddell +alice@example.org +active +sysadmins" "$(echo $OUT)"
expect_eq "user list: one line per user plus the header" 6 "$(printf '%s\n' "$OUT" | wc -l)"
expect_ok "user list --json" user list --json
json_ok "user list --json parses"
expect_eq "user list --json has every user" "alice bob carol dave erin" "$(json_get '" ".join(u["username"] for u in d)')"
expect_ok "user list --status pending" --json user list --status pending
expect_eq "status filter" carol "$(json_get '" ".join(u["username"] for u in d)')"
expect_ok "user show" user show alice
expect_match "show has the fields" "uidNumber +2000.*username +alice.*mail +alice@example.org.*userPassword +yes" "$(echo $OUT)"
expect_match "show lists every key" "alice@laptop.*alice@desk" "$(echo $OUT)"
case "$OUT" in *'$argon2'*) not_ok "show never prints the hash" ;; *) ok "show never prints the hash" ;; esac
expect_ok "user show --json" --json user show alice
json_ok "user show --json parses"
expect_eq "show --json: keys as an array" 2 "$(json_get 'len(d["sshPublicKeys"])')"
expect_eq "show --json: groups" sysadmins "$(json_get '",".join(d["groups"])')"
expect_eq "show --json: password only as a boolean" "True" "$(json_get 'd["userPassword"]')"

# ---- set
expect_ok "user set --mail --cn" user set bob --mail bob@example.org --cn "Bob Builder"
expect_eq "set changed mail" bob@example.org "$(sql "SELECT mail FROM Users WHERE username='bob'")"
expect_eq "set changed cn" "Bob Builder" "$(sql "SELECT cn FROM Users WHERE username='bob'")"
expect_ok "user set --status suspended" user set bob --status suspended
expect_eq "status changed" suspended "$(sql "SELECT status FROM Users WHERE username='bob'")"
expect_ok "user set --ssh-key-file replaces keys" user set alice --ssh-key-file "$TESTDIR/one.pub"
expect_eq "keys replaced" "$KEY1" "$(sql "SELECT sshPublicKey FROM Users WHERE username='alice'")"
expect_ok "user set --clear-ssh-keys" user set alice --clear-ssh-keys
expect_eq "keys cleared" "" "$(sql "SELECT ifnull(sshPublicKey,'') FROM Users WHERE username='alice'")"
expect_ok "user set --mail '' clears the mail" user set bob --mail ''
expect_eq "mail cleared" "" "$(sql "SELECT ifnull(mail,'') FROM Users WHERE username='bob'")"
expect_ok "user set --username renames" user set dave --username david
expect_eq "renamed, same uidNumber" 2003 "$(sql "SELECT uidNumber FROM Users WHERE username='david'")"

# ---- passwd
old=$(sql "SELECT userPassword FROM Users WHERE username='alice'")
expect_ok "user passwd --password-stdin" user passwd alice --password-stdin <<< 'a new secret'
new=$(sql "SELECT userPassword FROM Users WHERE username='alice'")
expect_match "new hash is argon2id" '^\$argon2id\$' "$new"
if [ "$old" != "$new" ]; then ok "passwd changed the hash"; else not_ok "passwd changed the hash"; fi
case "$OUT$ERR" in *'a new secret'*|*'$argon2'*) not_ok "passwd prints no secret" ;; *) ok "passwd prints no secret" ;; esac
expect_ok "user passwd for a user without one" user passwd bob --password-stdin <<< 'bobs password'
expect_match "bob now has an argon2id hash" '^\$argon2id\$' "$(sql "SELECT userPassword FROM Users WHERE username='bob'")"
expect_fail "passwd without a terminal and without --password-stdin: exit 2" 2 userPassword user passwd bob < /dev/null
expect_fail "passwd with empty stdin: exit 2" 2 userPassword user passwd bob --password-stdin < /dev/null
expect_fail "passwd of an unknown user: exit 5" 5 username user passwd nobody --password-stdin <<< 'x'

# ---- the password policy on change; the setting moves it
expect_fail "passwd with a short password: exit 3, the hash unchanged" 3 userPassword \
    user passwd alice --password-stdin <<< 'short'
expect_match "... saying which rule" "at least 12 characters \(setting password_min_length\)" "$ERR"
expect_ok "12 characters counted as code points (24 bytes of UTF-8) are enough" \
    user passwd alice --password-stdin <<< 'ÄÖÜäöüßéèêëï'
expect_fail "the setting refuses a bound below 8" 3 value setting set password_min_length 7
expect_fail "... above 256" 3 value setting set password_min_length 257
expect_fail "... and what is not a number" 3 value setting set password_min_length twelve
expect_ok "password_min_length 20" setting set password_min_length 20
expect_fail "then 19 characters are refused" 3 userPassword \
    user passwd alice --password-stdin <<< 'nineteen-characters'
expect_match "... naming the new length" "at least 20 characters" "$ERR"
expect_ok "... and 20 accepted" user passwd alice --password-stdin <<< 'twenty--characters!!'
expect_ok "deleting the setting restores the default" setting delete password_min_length
expect_fail "... 12" 3 userPassword user add frank --password-stdin <<< 'elevenchars'

# ---- loginShell and homeDirectory: stored values or the defaults
expect_ok "show of a user without them" --json user show bob
expect_eq "the defaults are served" "/bin/bash /home/bob" "$(json_get 'd["loginShell"] + " " + d["homeDirectory"]')"
expect_eq "and nothing is stored" "1" \
    "$(sql "SELECT count(*) FROM Users WHERE username='bob' AND loginShell IS NULL AND homeDirectory IS NULL")"
expect_ok "user add --shell --home" --json user add gina --shell /usr/bin/zsh --home /srv/home/gina
expect_eq "add shows them" "/usr/bin/zsh /srv/home/gina" "$(json_get 'd["loginShell"] + " " + d["homeDirectory"]')"
expect_eq "stored" "/usr/bin/zsh|/srv/home/gina" \
    "$(sql "SELECT loginShell || '|' || homeDirectory FROM Users WHERE username='gina'")"
expect_ok "user set --shell" user set bob --shell /bin/sh
expect_eq "set stores it" "/bin/sh" "$(sql "SELECT loginShell FROM Users WHERE username='bob'")"
expect_ok "user show has the shell" user show bob
expect_match "... in the text form" "loginShell +/bin/sh" "$(echo "$OUT")"
expect_ok "user list has a SHELL column" user list
expect_match "... with the values" "SHELL.*/bin/sh.*/usr/bin/zsh" "$(echo $OUT)"
expect_ok "an empty --shell and --home go back to the defaults" user set gina --shell '' --home ''
expect_eq "... stored as NULL" "1" \
    "$(sql "SELECT count(*) FROM Users WHERE username='gina' AND loginShell IS NULL AND homeDirectory IS NULL")"
expect_ok "... and served as the defaults" --json user show gina
expect_eq "... /bin/bash and /home/gina" "/bin/bash /home/gina" "$(json_get 'd["loginShell"] + " " + d["homeDirectory"]')"
expect_fail "a relative shell: exit 3" 3 loginShell user set bob --shell bin/zsh
expect_match "... naming the rule" "absolute path" "$ERR"
expect_fail "a ':' in the home directory: exit 3" 3 homeDirectory user set bob --home /home/a:b
expect_fail "a control character in the shell: exit 3" 3 loginShell user add frank --shell $'/bin/z\tsh'
expect_fail "non-ASCII in the home directory: exit 3" 3 homeDirectory user add frank --home /home/jürgen
expect_fail "an overlong home directory: exit 3" 3 homeDirectory user set bob --home "/$(head -c 300 /dev/zero | tr '\0' x)"
expect_eq "refusals left bob's shell as it was" "/bin/sh" "$(sql "SELECT loginShell FROM Users WHERE username='bob'")"
sql "INSERT INTO Users (uidNumber, username, cn, sn, status) VALUES (5000, 'plainsql', 'p', 'p', 'active')"
expect_ok "a row written by plain SQL without the new columns" --json user show plainsql
expect_eq "... gets the defaults" "/bin/bash /home/plainsql" "$(json_get 'd["loginShell"] + " " + d["homeDirectory"]')"
expect_ok "user delete plainsql" user delete plainsql
expect_ok "user delete gina" user delete gina

# ---- validation errors: exit 3, the field named, nothing written
expect_fail "bad username: exit 3" 3 username user add 'Bad User'
expect_fail "username with a slash: exit 3" 3 username user add 'a/b'
expect_fail "overlong username: exit 3" 3 username user add "$(printf 'a%.0s' {1..40})"
expect_fail "bad mail: exit 3" 3 mail user add frank --mail 'not-a-mail'
expect_fail "bad mail in set: exit 3" 3 mail user set bob --mail 'x@'
expect_fail "malformed SSH key: exit 3" 3 sshPublicKey user add frank --ssh-key-file "$TESTDIR/bad.pub"
expect_fail "malformed SSH key in set: exit 3" 3 sshPublicKey user set bob --ssh-key-file "$TESTDIR/bad.pub"
expect_fail "bad status enum: exit 3" 3 status user add frank --status sleeping
expect_fail "bad status in set: exit 3" 3 status user set bob --status deleted
expect_fail "non-UTF-8 cn: exit 3" 3 cn user add frank --cn $'caf\xe9'
expect_fail "non-UTF-8 sn in set: exit 3" 3 sn user set bob --sn $'\xff\xfe'
expect_fail "control character in given name: exit 3" 3 givenName user add frank --given-name $'a\033[2Jb'
expect_fail "overlong cn: exit 3" 3 cn user add frank --cn "$(head -c 5000 /dev/zero | tr '\0' x)"
printf 'ssh-ed25519 AAAA\0x\n' > "$TESTDIR/nul.pub"
expect_fail "NUL byte in key file: exit 3" 3 sshPublicKey user add frank --ssh-key-file "$TESTDIR/nul.pub"
expect_fail "huge password line: exit 3" 3 userPassword user add frank --password-stdin < <(head -c 5000 /dev/zero | tr '\0' x; echo)
expect_fail "missing key file: exit 2" 2 sshPublicKey user add frank --ssh-key-file "$TESTDIR/nope.pub"

# ---- conflicts: exit 4, the unique key named
expect_fail "duplicate username: exit 4" 4 'Users\.username|username' user add alice
expect_fail "duplicate mail, other case: exit 4" 4 'Users\.mail|mail' user add frank --mail ALICE@Example.ORG
expect_fail "duplicate mail: exit 4" 4 'Users\.mail|mail' user add frank --mail alice@example.org
expect_fail "duplicate mail in set: exit 4" 4 'Users\.mail|mail' user set bob --mail carol@example.org
expect_fail "rename onto an existing name: exit 4" 4 'Users\.username|username' user set bob --username alice

# ---- not found: exit 5
expect_fail "show unknown user: exit 5" 5 username user show nobody
expect_fail "set unknown user: exit 5" 5 username user set nobody --cn X
expect_fail "delete unknown user: exit 5" 5 username user delete nobody

# ---- stored values that bypassed validation (old rows, direct SQL) are shown safely
sql "UPDATE Users SET cn = CAST(X'666fff6f' AS TEXT), sn = 'a' || char(27) || '[2Jb' WHERE username='bob'"
expect_ok "show of a row with invalid UTF-8 and an escape sequence" --json user show bob
json_ok "its JSON still parses"
expect_ok "human show of that row" user show bob
case "$OUT" in *$'\033'*) not_ok "no raw escape character reaches the terminal" ;; *) ok "no raw escape character reaches the terminal" ;; esac
run user list
case "$OUT" in *$'\033'*) not_ok "nor in the table" ;; *) ok "nor in the table" ;; esac
out=$("$CLI" --db "$DB" user list 2>&1 > /dev/full); rc=$?
expect_eq "a failed write of the output: exit 1" 1 "$rc"
expect_match "and says so" "clusterdb: cannot write the output" "$out"

# ---- delete
expect_ok "user delete" user delete erin
expect_eq "erin is gone" 0 "$(sql "SELECT count(*) FROM Users WHERE username='erin'")"
expect_ok "user delete --json" --json user delete carol
json_ok "user delete --json parses"
expect_eq "carol's memberships are gone too" 0 "$(sql "SELECT count(*) FROM UserGroups WHERE uidNumber=2002")"
expect_eq "integrity after everything" ok "$(integrity)"

tap_done
