#!/usr/bin/env bash
# Password prompts on a terminal: asked twice with echo off, a mismatch is
# refused and changes nothing.  Driven through a pseudo-terminal.
. "$(dirname "$0")/cli-lib.bash"
new_db
"$CLI" --db "$DB" user add alice >/dev/null

# prompt_run FIRST SECOND ARGS...: run the CLI on a pty, answer both prompts;
# prints "exit=N" and then everything the terminal showed.
prompt_run() {
    python3 - "$@" <<'EOF'
import os, pty, sys, time, select
first, second, args = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(os.environ["CLI"], [os.environ["CLI"], "--db", os.environ["DB"]] + args)
seen = b""
def read_until(token, timeout=60):
    global seen
    end = time.time() + timeout
    while token not in seen and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return
            if not data:
                return
            seen += data
read_until(b"New password: ")
os.write(fd, first.encode() + b"\n")
read_until(b"Retype new password: ")
os.write(fd, second.encode() + b"\n")
read_until(b"\x00", timeout=60)  # until the program closes the terminal
# A program stuck on the terminal must fail the test, not hang it.
for _ in range(100):
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    time.sleep(0.1)
else:
    os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
print("exit=%d" % os.waitstatus_to_exitcode(status))
sys.stdout.write(seen.decode(errors="replace"))
EOF
}
export CLI DB

out=$(prompt_run 'tty secret 1' 'tty secret 1' user passwd alice)
expect_match "user passwd on a terminal succeeds" "^exit=0" "$out"
expect_match "both prompts were shown" "New password: .*Retype new password: " "$(echo $out)"
case "$out" in *'tty secret 1'*) not_ok "the typed password is not echoed" ;; *) ok "the typed password is not echoed" ;; esac
expect_match "hash stored" '^\$argon2id\$' "$(sql "SELECT userPassword FROM Users WHERE username='alice'")"

before=$(sql "SELECT userPassword FROM Users WHERE username='alice'")
out=$(prompt_run 'one thing' 'another' user passwd alice)
expect_match "mismatched entries: exit 3" "^exit=3" "$out"
expect_match "mismatch message names the field" "clusterdb: userPassword: the two entries do not match" "$out"
expect_eq "mismatch leaves the hash" "$before" "$(sql "SELECT userPassword FROM Users WHERE username='alice'")"

out=$(prompt_run 'new user password' 'new user password' user add bob --prompt-password)
expect_match "user add --prompt-password succeeds" "^exit=0" "$out"
expect_match "bob has an argon2id hash" '^\$argon2id\$' "$(sql "SELECT userPassword FROM Users WHERE username='bob'")"
case "$out" in *'new user password'*) not_ok "add's password is not echoed" ;; *) ok "add's password is not echoed" ;; esac

tap_done
