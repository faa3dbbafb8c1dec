#!/bin/sh
# test_reset.sh - the helpdesk commands (R14-R16) on a fake host root:
# credpolicy reset refuses without a ticket and an identity check, sets a
# generated password that meets the account's class (R1-R5) in the fake
# /etc/shadow with pam_unix's forced change, records who, which ticket and
# how - never the password - and shows it once (a new 0600 file, or the
# terminal); then the real PAM module forces the change at login, where the
# temporary password itself is refused as reused (R6). credpolicy
# compromised forces the change, flags the live sessions and lists whom to
# notify. No temporary password appears in any output, event, syslog line
# or the ledger file.
NAME=reset
. "${top_srcdir:-.}/tests/helpdesk_lib.sh"

today=$(date -u +%Y-%m-%dT00:00:00Z)
cat >"$tmp/ledger.json" <<EOF
{"format": "credpolicy-ledger", "version": 1,
 "people": [
  {"employee_id": "E1", "name": "张伟", "personal": {"birthday": "1990-03-15", "phone": ["13812345678"]}},
  {"employee_id": "E2", "name": "李娜"},
  {"employee_id": "E3", "name": "王芳"}],
 "accounts": [
  {"name": "alice", "scope": "*", "class": "default", "kind": "personal", "owner": "E1", "last_change": "$today"},
  {"name": "nina", "scope": "*", "class": "important-host", "kind": "personal", "owner": "E1", "last_change": "$today"},
  {"name": "bob", "scope": "*", "class": "default", "kind": "personal", "owner": "E2", "last_change": "$today"},
  {"name": "erin", "scope": "*", "class": "default", "kind": "personal", "owner": "E2", "locked": true, "last_change": "$today"},
  {"name": "svc", "scope": "*", "class": "important-host", "kind": "service", "last_change": "$today", "custodians": ["E2", "E3"]},
  {"name": "ghost", "scope": "*", "class": "default", "kind": "personal", "owner": "E3", "last_change": "$today"}]}
EOF
"$CP" ledger init >/dev/null && "$CP" ledger import "$tmp/ledger.json" >/dev/null ||
	{ echo "Bail out! no ledger"; exit 99; }
make_shadow alice nina bob erin svc
cp "$ROOT/etc/shadow" "$tmp/shadow.before"
: >"$tmp/secrets"
GOOD='Tulip#Quarry%58'
printf '%s\n' "$GOOD" >>"$tmp/secrets"

# ---------------------------------------------------------------- refusals (R14)

cpx help reset --help
t "reset --help" help '[ $rc -eq 0 ] && has help "Usage: credpolicy reset"'
e0=$(nevents)
cpx noticket reset alice --verified-by phone --root "$ROOT" --output "$tmp/pw0"
t "no ticket: refused with exit 2 and a clear message (R14)" noticket \
	'[ $rc -eq 2 ] && says noticket "needs the request'"'"'s ticket" && [ ! -e "$tmp/pw0" ]'
cpx noverify reset alice --ticket INC-1 --root "$ROOT" --output "$tmp/pw0"
t "no verification: refused with exit 2 (R14)" noverify \
	'[ $rc -eq 2 ] && says noverify "--verified-by written|phone|in-person"'
cpx badverify reset alice --ticket INC-1 --verified-by email --root "$ROOT" --output "$tmp/pw0"
t "verification other than written, phone, in-person: exit 2" badverify '[ $rc -eq 2 ]'
cpx badnotify reset alice --ticket INC-1 --verified-by phone --notified-by pigeon \
	--root "$ROOT" --output "$tmp/pw0"
t "unknown notification: exit 2" badnotify '[ $rc -eq 2 ] && says badnotify "--notified-by"'
cpx badticket reset alice --ticket "$(printf 'INC\0331')" --verified-by phone --root "$ROOT" \
	--output "$tmp/pw0"
t "a ticket with a control character: exit 2" badticket '[ $rc -eq 2 ]'
cpx unknown reset zoe --ticket INC-1 --verified-by phone --root "$ROOT" --output "$tmp/pw0"
t "unknown account: exit 2" unknown '[ $rc -eq 2 ] && says unknown "no account '"'"'zoe'"'"'"'
cpx locked reset erin --ticket INC-1 --verified-by phone --root "$ROOT" --output "$tmp/pw0"
t "a locked account is not reset: exit 1" locked '[ $rc -eq 1 ] && says locked "erin is locked"'
cpx nobackend reset ghost --ticket INC-1 --verified-by phone --root "$ROOT" --output "$tmp/pw0"
t "an account neither in the directory nor in shadow: exit 2" nobackend \
	'[ $rc -eq 2 ] && says nobackend "neither a directory account nor in"'
echo keep >"$tmp/exists"
cpx exists reset alice --ticket INC-1 --verified-by phone --root "$ROOT" --output "$tmp/exists"
t "an existing --output file is refused and kept" exists \
	'[ $rc -eq 2 ] && [ "$(cat "$tmp/exists")" = keep ] && says exists "must be a new file"'
setsid -w "$CP" reset alice --ticket INC-1 --verified-by phone --root "$ROOT" \
	>"$tmp/notty.out" 2>"$tmp/notty.err" </dev/null
rc=$?
t "no terminal and no --output: refused before anything changes" notty \
	'[ $rc -eq 2 ] && says notty "use --output FILE"'
t "... and none of the refusals changed the ledger or shadow" notty \
	'[ "$(nevents)" -eq "$e0" ] && cmp -s "$tmp/shadow.before" "$ROOT/etc/shadow" && [ ! -e "$tmp/pw0" ]'

# ---------------------------------------------------------------- the reset

cpx reset reset alice --ticket INC-7 --verified-by phone --notified-by written \
	--root "$ROOT" --output "$tmp/pw-alice"
PW=$(cat "$tmp/pw-alice" 2>/dev/null)
printf '%s\n' "$PW" >>"$tmp/secrets"
t "reset alice: exit 0, the password in a new 0600 file" reset \
	'[ $rc -eq 0 ] && [ -n "$PW" ] && [ "$(stat -c %a "$tmp/pw-alice")" = 600 ] &&
	 [ "$(wc -l <"$tmp/pw-alice")" -eq 1 ]'
t "the temporary password meets alice's policy, owner's personal information included (R1-R5)" reset \
	'printf "%s\n" "$PW" | "$CP" check --user alice >/dev/null 2>&1'
python3 - "$ROOT/etc/shadow" "$tmp/pw-alice" >"$tmp/hash.out" 2>"$tmp/hash.err" <<'EOF'
import sys, warnings
warnings.simplefilter("ignore")
import crypt
pw = open(sys.argv[2]).read().rstrip("\n")
line = [l for l in open(sys.argv[1]) if l.startswith("alice:")][0].split(":")
print("verifies" if crypt.crypt(pw, line[1]) == line[1] else "differs", line[1][:3])
EOF
t "shadow: a new yescrypt hash of it, last change 0 so pam_unix forces the change" hash \
	'grep -qxF "verifies \$y\$" "$tmp/hash.out" && [ "$(shadow alice 3)" = 0 ]'
grep -v '^alice:' "$tmp/shadow.before" >"$tmp/others.before"
grep -v '^alice:' "$ROOT/etc/shadow" >"$tmp/others.after"
t "shadow: every other line byte for byte, mode and owner kept" reset \
	'cmp -s "$tmp/others.before" "$tmp/others.after" &&
	 [ "$(stat -c %a:%u:%g "$ROOT/etc/shadow")" = "640:$(id -u):$(id -g)" ] &&
	 [ -z "$(ls "$ROOT/etc" | grep -v "^shadow$")" ]'
t "ledger: must change, reason reset (R14)" reset '[ "$(state alice)" = must_change ]'
events >"$tmp/ev1.out"
me=$(id -un)
t "event: operator, ticket, verification and notification (R15)" ev1 \
	'grep -q "reset account=alice actor=$me ticket=INC-7 detail=verified_by=phone notified_by=written backend=local" "$tmp/ev1.out" &&
	 grep -q "must_change account=alice actor=$me ticket=INC-7 detail=reset" "$tmp/ev1.out"'
SUDO_USER=helpdesk.li "$CP" reset bob --ticket INC-8 --verified-by in-person --root "$ROOT" \
	--output "$tmp/pw-bob" --json >"$tmp/sudo.out" 2>"$tmp/sudo.err" </dev/null
rc=$?
cat "$tmp/pw-bob" >>"$tmp/secrets" 2>/dev/null
t "run through sudo: the operator is SUDO_USER; --json says where the password went" sudo \
	'[ $rc -eq 0 ] && events | grep -q "reset account=bob actor=helpdesk.li ticket=INC-8" &&
	 python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"backend\"] == \"local\" and d[\"recorded\"] and d[\"shown_on\"] == sys.argv[2] and d[\"verified_by\"] == \"in-person\", d" "$tmp/sudo.out" "$tmp/pw-bob"'
cpx nina reset nina --ticket INC-9 --verified-by written --root "$ROOT" --output "$tmp/pw-nina"
cat "$tmp/pw-nina" >>"$tmp/secrets"
t "important-host: the temporary password has all four kinds (R2, R7)" nina \
	'[ $rc -eq 0 ] && python3 -c "
import sys; p = open(sys.argv[1]).read().strip()
assert any(c.isupper() for c in p) and any(c.islower() for c in p) and any(c.isdigit() for c in p) and any(not c.isalnum() for c in p)" "$tmp/pw-nina"'

# The terminal: shown there once (a pseudo-terminal from script(1)).
if command -v script >/dev/null 2>&1; then
	script -qec "'$CP' reset nina --ticket INC-10 --verified-by phone --root '$ROOT'" \
		/dev/null >"$tmp/tty.out" 2>&1 </dev/null
	sed -n 's/^    \([^ ]*\)[[:space:]]*$/\1/p' "$tmp/tty.out" | tr -d '\r' | head -1 >"$tmp/pw-tty"
	cat "$tmp/pw-tty" >>"$tmp/secrets"
	t "without --output the password is shown on the terminal" tty \
		'grep -q "Temporary password for nina (shown once" "$tmp/tty.out" && [ -s "$tmp/pw-tty" ] &&
		 printf "%s\n" "$(cat "$tmp/pw-tty")" | "$CP" check --user nina >/dev/null 2>&1'
else
	skip "the password on the terminal" "script(1) missing"
fi

# ---------------------------------------------------------------- PAM (R14, R6)

pam acct1 alice acct
t "PAM acct_mgmt after the reset: PAM_NEW_AUTHTOK_REQD with the reason" acct1 \
	'result acct1 acct PAM_NEW_AUTHTOK_REQD && has acct1 "You must change your password now (reset)."'
answers forced "$PW" "$PW" "$GOOD" "$GOOD"
pam forced alice $SELF login acct
t "the forced change at login: the temporary password is refused as reused (R6), a new one accepted" forced \
	'result forced login PAM_SUCCESS && has forced "It has been used before" &&
	 tail -1 "$tmp/forced.out" | grep -qx "result acct PAM_SUCCESS"'
t "then alice's state is ok" forced '[ -z "$SELF" ] || [ "$(state alice)" = ok ]'

# ---------------------------------------------------------------- compromised (R16)

cpx cnoev compromised svc --ticket INC-20 --root "$ROOT"
t "compromised without evidence: exit 2" cnoev '[ $rc -eq 2 ] && says cnoev "--evidence TEXT"'
cpx cnotk compromised svc --evidence "on a paste site" --root "$ROOT"
t "compromised without a ticket: exit 2" cnotk '[ $rc -eq 2 ]'
cpx cunk compromised zoe --ticket INC-20 --evidence "x" --root "$ROOT"
t "compromised: unknown account, exit 2" cunk '[ $rc -eq 2 ]'
# Two live sessions of svc, from two addresses, held open meanwhile.
for who in a:192.0.2.10 b:198.51.100.7; do
	CP_TEST_SYSLOG=$tmp/sess-${who%%:*}.log "$DRIVER" -d "$tmp/pam.d" -s login -u svc \
		-t "pts/${who%%:*}" -r "${who#*:}" open "wait=$tmp/go" close \
		>"$tmp/sess-${who%%:*}.out" 2>&1 &
	eval "pid_${who%%:*}=\$!"
	i=0
	while ! grep -q "result open" "$tmp/sess-${who%%:*}.out" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
done
cleanup_extra='touch "$tmp/go"'
cpx comp compromised svc --ticket INC-21 --evidence "svc's password seen in a public repository" \
	--root "$ROOT" --json
touch "$tmp/go"
wait "$pid_a" "$pid_b"
t "compromised: exit 0, both live sessions flagged, custodians to notify" comp \
	'[ $rc -eq 0 ] && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"sessions_flagged\"] == 2 and d[\"backend\"] == \"local\" and d[\"backend_changed\"], d
assert sorted(x[\"rhost\"] for x in d[\"sessions\"]) == [\"192.0.2.10\", \"198.51.100.7\"], d
assert [(x[\"employee_id\"], x[\"role\"]) for x in d[\"notify\"]] == [(\"E2\", \"custodian\"), (\"E3\", \"custodian\")], d
" "$tmp/comp.out"'
t "the incident with its evidence, a session_flag event per session" comp \
	'events | grep -q "incident account=svc actor=$me ticket=INC-21 detail=svc'"'"'s password seen in a public repository" &&
	 [ "$(events | grep -c "session_flag account=svc .*ticket=INC-21")" -eq 2 ]'
pam acct2 svc acct
t "compromised: shadow forces the change, and so does the PAM module" acct2 \
	'[ "$(shadow svc 3)" = 0 ] && result acct2 acct PAM_NEW_AUTHTOK_REQD &&
	 has acct2 "(compromised)"'
cpx comptext compromised svc --ticket INC-22 --evidence "second report" --root "$ROOT"
t "compromised again: a second incident, the change was already forced" comptext \
	'[ $rc -eq 0 ] && has comptext "change was already forced" && has comptext "E3  王芳  custodian" &&
	 [ "$(events | grep -c "^#[0-9]* [^ ]* incident account=svc")" -eq 2 ]'

# ---------------------------------------------------------------- /etc/shadow safety

# Reset bob on a copy of the fake root's shadow; NAME, then the checks.
cp "$ROOT/etc/shadow" "$tmp/shadow.safe"
# A --root whose etc is a symbolic link to another root's: refused, that
# shadow untouched (a link swapped in between the read and the rename
# would otherwise redirect the write).
mkdir "$tmp/evil"
ln -s "$ROOT/etc" "$tmp/evil/etc"
cpx symlink reset bob --ticket INC-40 --verified-by phone --root "$tmp/evil" --output "$tmp/pw-sl"
t "a --root whose etc is a symbolic link: refused (exit 2), nothing changed, no password file" symlink \
	'[ $rc -eq 2 ] && says symlink "cannot open $tmp/evil/etc" &&
	 cmp -s "$tmp/shadow.safe" "$ROOT/etc/shadow" && [ ! -e "$tmp/pw-sl" ]'
# A shadow file with a NUL byte cannot be written back byte for byte.
printf 'junk:x\000y:1::::::\n' >>"$ROOT/etc/shadow"
cp "$ROOT/etc/shadow" "$tmp/shadow.nul"
cpx nul reset bob --ticket INC-41 --verified-by phone --root "$ROOT" --output "$tmp/pw-nul"
t "a shadow file with a NUL byte: refused, left byte for byte" nul \
	'[ $rc -eq 2 ] && says nul "contains a NUL byte" && cmp -s "$tmp/shadow.nul" "$ROOT/etc/shadow" &&
	 [ ! -e "$tmp/pw-nul" ]'
cp "$tmp/shadow.safe" "$ROOT/etc/shadow"
# Locked in shadow ("!", usermod -L) but not in the ledger: not reset - the
# password would be handed out behind a lock, and a reset must not unlock.
sed -i 's/^nina:/nina:!/' "$ROOT/etc/shadow"
cp "$ROOT/etc/shadow" "$tmp/shadow.lk"
cpx shlocked reset nina --ticket INC-42 --verified-by phone --root "$ROOT" --output "$tmp/pw-lk"
t "an account locked in shadow is not reset: exit 1, nothing changed, no password" shlocked \
	'[ $rc -eq 1 ] && says shlocked "is locked there" && cmp -s "$tmp/shadow.lk" "$ROOT/etc/shadow" &&
	 [ ! -e "$tmp/pw-lk" ] && ! events | grep -q "ticket=INC-42"'
cp "$tmp/shadow.safe" "$ROOT/etc/shadow"
# The security label (security.selinux) of the old file is kept: a new
# file labelled etc_t would be unreadable to unix_chkpwd.
label=system_u:object_r:shadow_t:s0
if python3 -c 'import os, sys; os.setxattr(sys.argv[1], "security.selinux", sys.argv[2].encode() + b"\0")' \
	"$ROOT/etc/shadow" "$label" 2>/dev/null; then
	cpx label reset bob --ticket INC-43 --verified-by phone --root "$ROOT" --output "$tmp/pw-label"
	cat "$tmp/pw-label" >>"$tmp/secrets" 2>/dev/null
	t "the shadow file's security label is kept across the replace" label \
		'[ $rc -eq 0 ] && [ "$(python3 -c "import os, sys; print(os.getxattr(sys.argv[1], \"security.selinux\").rstrip(b\"\\0\").decode())" "$ROOT/etc/shadow")" = "$label" ]'
else
	skip "the shadow file's security label is kept" "security.* attributes cannot be set here"
fi
# No core file of a process holding the temporary password: while reset
# waits for the shadow lock (held here), its core limit is already 0.
rm -f "$tmp/locked" "$tmp/go"
python3 -c '
import fcntl, os, sys, time
f = open(sys.argv[1], "w"); fcntl.lockf(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]): time.sleep(0.05)' \
	"$ROOT/etc/.pwd.lock" "$tmp/locked" "$tmp/go" &
holder=$!
while [ ! -e "$tmp/locked" ]; do sleep 0.05; done
cleanup_extra='touch "$tmp/go"'
"$CP" reset bob --ticket INC-44 --verified-by phone --root "$ROOT" --output "$tmp/pw-core" \
	>"$tmp/core.out" 2>"$tmp/core.err" </dev/null &
resetpid=$!
i=0
: >"$tmp/core.limits"
while [ $i -lt 100 ] && ! grep -q "^Max core file size  *0  *0 " "$tmp/core.limits"; do
	cat "/proc/$resetpid/limits" >"$tmp/core.limits" 2>/dev/null
	sleep 0.05
	i=$((i + 1))
done
touch "$tmp/go"
wait "$holder"
wait "$resetpid"
rc=$?
cat "$tmp/pw-core" >>"$tmp/secrets" 2>/dev/null
t "reset runs with no core file, waits for the shadow lock, then completes" core \
	'grep -q "^Max core file size  *0  *0 " "$tmp/core.limits" && [ $rc -eq 0 ] && [ -s "$tmp/pw-core" ]'

# ---------------------------------------------------------------- valgrind

if readelf -d "$top_builddir/libpolicy/.libs/libcredpolicy.so" 2>/dev/null | grep -q libasan; then
	skip "valgrind memcheck of reset" "built with AddressSanitizer"
elif command -v valgrind >/dev/null 2>&1; then
	"$top_builddir/libtool" --mode=execute valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		"$CP" reset bob --ticket INC-30 --verified-by phone --root "$ROOT" \
		--output "$tmp/pw-vg" >"$tmp/vg.out" 2>"$tmp/vg.err" </dev/null
	rc=$?
	cat "$tmp/pw-vg" >>"$tmp/secrets" 2>/dev/null
	t "valgrind: reset, no error, no leak" vg '[ $rc -eq 0 ]'
else
	skip "valgrind memcheck of reset" "valgrind missing"
fi

# ---------------------------------------------------------------- no secret

t "no temporary password in any output, event, syslog line or the ledger file" leaks \
	'no_secret "$tmp/tty.out"'
[ -s "$tmp/leaks" ] && sed 's/^/    leak in /' "$tmp/leaks"
finish
