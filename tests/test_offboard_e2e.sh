#!/bin/sh
# test_offboard_e2e.sh - offboarding and resets reach the fleet (R13, R14):
# two hosts' ledgers kept by `credpolicy sync` from one test slapd
# (tests/ldap/slapd.sh). On host A a custodian of several directory
# accounts leaves; the real PAM module then forces the change of each of
# those accounts (PAM_NEW_AUTHTOK_REQD) and refuses the leaver's own
# login - on host A at once, and on host B after its next sync. The
# directory holds the change (pwdReset, credpolicyMustChange,
# pwdAccountLockedTime, the custodian value gone, credpolicyDepartedTime).
# With the directory down, the offboarding exits 1 with every account
# still flagged on host A, and the re-run completes it. A reset sets the
# password with Password Modify (RFC 3062): it binds, must be changed, and
# appears nowhere else - not in slapd's log either.
NAME=offboard-e2e
. "${top_srcdir:-.}/tests/helpdesk_lib.sh"
FIX=$top_srcdir/tests/ldap/slapd.sh
for tool in /usr/sbin/slapd slapadd ldapsearch ldapmodify ldapwhoami openssl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "# $tool is needed (scripts/install-deps)"; exit 77; }
done
"$CP" sync --help >/dev/null 2>&1 || { echo "# credpolicy sync is not built"; exit 77; }
S=$tmp/srv
mkdir "$S"
cleanup_extra='"$FIX" kill "$S" >/dev/null 2>&1'
export LDAPCONF=/dev/null LDAPRC=.credpolicy-test-no-ldaprc
"$FIX" start "$S" >"$tmp/slapd-start.log" 2>&1 || { echo "Bail out! slapd"; cat "$tmp/slapd-start.log"; exit 99; }
. "$S/env"

# Two more service accounts whose password E10086 (张伟) knows; the sample
# already has root (custodians E10010, E10086) and zhangw (owner E10086).
cat >"$tmp/more.ldif" <<'EOF'
dn: uid=svc-a,ou=accounts,dc=example,dc=gov,dc=cn
objectClass: account
objectClass: simpleSecurityObject
objectClass: credpolicyAccount
uid: svc-a
userPassword: {SSHA}g/WqwvHyOjPyTomjXhaNA11AZkW6Zxon
credpolicyClass: default
credpolicyScope: *
credpolicyKind: service
credpolicyCustodian: E10086

dn: uid=svc-b,ou=accounts,dc=example,dc=gov,dc=cn
objectClass: account
objectClass: simpleSecurityObject
objectClass: credpolicyAccount
uid: svc-b
userPassword: {SSHA}g/WqwvHyOjPyTomjXhaNA11AZkW6Zxon
credpolicyClass: default
credpolicyScope: *
credpolicyKind: service
credpolicyCustodian: E10086
credpolicyCustodian: E10020
EOF
"$FIX" add "$S" "$tmp/more.ldif" >/dev/null 2>&1 || { echo "Bail out! ldapadd"; exit 99; }

# Host A and host B: the same directory, a ledger each.
ldap_section=$(sed -n '/^\[ldap\]/,$p' "$S/credpolicy.conf")
for h in a b; do
	printf 'index = %s\n[ledger]\npath = %s/%s.db\n\n%s\n' "$IDX" "$tmp" "$h" "$ldap_section" \
		>"$tmp/$h.conf"
	for svc in login; do
		sed "s|config=$CONF ledger=$LEDGER|config=$tmp/$h.conf ledger=$tmp/$h.db|" \
			"$tmp/pam.d/$svc" >"$tmp/pam.d/$svc-$h"
	done
done
A="--config $tmp/a.conf"
B="--config $tmp/b.conf"
sync() { # NAME HOST
	"$CP" sync --quiet --config "$tmp/$2.conf" >"$tmp/$1.out" 2>"$tmp/$1.err"
}
# pamh NAME HOST USER OP...: the PAM stack of host HOST.
pamh() {
	name=$1 host=$2 user=$3
	shift 3
	[ -f "$tmp/$name.in" ] && set -- -a "$tmp/$name.in" "$@"
	: >"$tmp/$name.log"
	CP_TEST_SYSLOG=$tmp/$name.log "$DRIVER" -d "$tmp/pam.d" -s "login-$host" -u "$user" "$@" \
		>"$tmp/$name.out" 2>&1
}
search() { "$FIX" search "$S" -LLL "$@" 2>/dev/null; }
: >"$tmp/secrets"

for h in a b; do
	"$CP" ledger init --config "$tmp/$h.conf" >/dev/null
	sync "sync0$h" "$h"
done
t "both hosts sync the directory" sync0b \
	'"$CP" status $B svc-a >/dev/null 2>&1; [ $? -ne 2 ] && "$CP" status $A svc-b >/dev/null 2>&1; [ $? -ne 2 ]'

# ---------------------------------------------------------------- offboarding on host A

cpx off offboard E10086 --reason departure --ticket HR-2026-7 $A --root "$ROOT" --json
t "offboard E10086 on host A: exit 0, every change made in the directory" off \
	'[ $rc -eq 0 ] && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"status\"] == \"done\", d
items = {(i[\"action\"], i[\"account\"]): i for i in d[\"items\"]}
for key in [(\"depart\", None), (\"lock\", \"zhangw\"), (\"must_change\", \"root\"), (\"revoke\", \"root\"),
            (\"must_change\", \"svc-a\"), (\"revoke\", \"svc-a\"), (\"must_change\", \"svc-b\"), (\"revoke\", \"svc-b\")]:
    i = items[key]
    assert i[\"state\"] == \"applied\" and i[\"backend\"] == \"directory\" and i[\"backend_result\"] == \"changed\", i
" "$tmp/off.out"'
for u in root svc-a svc-b zhangw; do pamh "a_$u" a "$u" acct; done
t "host A: PAM_NEW_AUTHTOK_REQD for root, svc-a and svc-b (custodian left)" a_root \
	'for u in root svc-a svc-b; do result "a_$u" acct PAM_NEW_AUTHTOK_REQD &&
	   has "a_$u" "(custodian left)" || exit 1; done'
t "host A: the leaver's own login is refused" a_zhangw \
	'result a_zhangw acct PAM_PERM_DENIED || result a_zhangw acct PAM_ACCT_EXPIRED'
search -b "ou=accounts,$LDAP_BASE" "(|(uid=svc-b)(uid=zhangw))" pwdReset credpolicyMustChange \
	pwdAccountLockedTime credpolicyCustodian >"$tmp/dir.out"
search -b "ou=people,$LDAP_BASE" "(employeeNumber=E10086)" credpolicyDepartedTime >>"$tmp/dir.out"
t "the directory holds it: pwdReset, the reason, the lock, the custodian gone, the departure" dir \
	'grep -qx "pwdReset: TRUE" "$tmp/dir.out" && grep -qx "credpolicyMustChange: custodian left" "$tmp/dir.out" &&
	 grep -qx "pwdAccountLockedTime: 000001010000Z" "$tmp/dir.out" &&
	 grep -qx "credpolicyCustodian: E10020" "$tmp/dir.out" && ! grep -q "credpolicyCustodian: E10086" "$tmp/dir.out" &&
	 grep -q "^credpolicyDepartedTime: " "$tmp/dir.out"'

# ---------------------------------------------------------------- host B, after its sync

# (Host B's sync may apply the departure of the person before the accounts:
# its must-change reason then reads "custodian E10086 departed".)
sync sync1b b
for u in root svc-a svc-b zhangw; do pamh "b_$u" b "$u" acct; done
t "host B after its sync: PAM_NEW_AUTHTOK_REQD for root, svc-a and svc-b" b_root \
	'for u in root svc-a svc-b; do result "b_$u" acct PAM_NEW_AUTHTOK_REQD &&
	   has "b_$u" "(custodian" || exit 1; done'
t "host B: the leaver's own login is refused" b_zhangw \
	'result b_zhangw acct PAM_PERM_DENIED || result b_zhangw acct PAM_ACCT_EXPIRED'

# ---------------------------------------------------------------- idempotent

sync sync1a a
e1=$("$CP" events $A | wc -l)
cpx again offboard E10086 --reason departure --ticket HR-2026-7 $A --root "$ROOT"
pamh a2_svc_a a svc-a acct
t "host A, a second run after a sync: nothing to do, nothing written, still flagged" again \
	'[ $rc -eq 0 ] && has again "nothing to do" && [ "$("$CP" events $A | wc -l)" -eq "$e1" ] &&
	 result a2_svc_a acct PAM_NEW_AUTHTOK_REQD'

# ---------------------------------------------------------------- a reset, through the directory

cpx reset reset tongliao-weibo --ticket INC-3 --verified-by phone --notified-by written $A \
	--root "$ROOT" --output "$tmp/pw-weibo"
tr -d '\n' <"$tmp/pw-weibo" >"$tmp/pw-weibo.bind"
chmod 600 "$tmp/pw-weibo.bind"
cat "$tmp/pw-weibo" >>"$tmp/secrets"
LDAPTLS_CACERT=$LDAP_CA ldapwhoami -x -ZZ -H "$LDAP_URI" -D "uid=tongliao-weibo,ou=accounts,$LDAP_BASE" \
	-y "$tmp/pw-weibo.bind" >"$tmp/bind.out" 2>"$tmp/bind.err"
rc_bind=$?
t "reset of a directory account: exit 0, the new password binds (Password Modify)" reset \
	'[ $rc -eq 0 ] && [ $rc_bind -eq 0 ] && has reset "in the directory backend"'
search -b "ou=accounts,$LDAP_BASE" "(uid=tongliao-weibo)" pwdReset credpolicyMustChange >"$tmp/dirreset.out"
t "... and must be changed: pwdReset and the reason in the directory" dirreset \
	'grep -qx "pwdReset: TRUE" "$tmp/dirreset.out" && grep -qx "credpolicyMustChange: reset" "$tmp/dirreset.out"'
sync sync2b b
pamh b_weibo b tongliao-weibo acct
t "host B after its sync: the reset account must change its password" b_weibo \
	'result b_weibo acct PAM_NEW_AUTHTOK_REQD'
GOOD='Orchid&Valley%36'
printf '%s\n' "$GOOD" >>"$tmp/secrets"
answers forced "$(cat "$tmp/pw-weibo")" "$GOOD" "$GOOD"
pamh forced a tongliao-weibo $SELF login acct
t "host A: the forced change at login after the reset, then let in" forced \
	'grep -qx "result acct PAM_NEW_AUTHTOK_REQD" "$tmp/forced.out" && result forced login PAM_SUCCESS &&
	 { [ -z "$SELF" ] || tail -1 "$tmp/forced.out" | grep -qx "result acct PAM_SUCCESS"; }'

# ---------------------------------------------------------------- a reset: never in the clear, partial

# starttls = no: neither the bind password nor the new one is sent over the
# unprotected connection (the connection refuses it first; directory_write.c
# refuses a Password Modify without TLS as well); the account keeps its
# password.
sed 's/^starttls = yes$/starttls = no/' "$tmp/a.conf" >"$tmp/plain.conf"
e_before=$("$CP" events $A | wc -l)
cpx plain reset tongliao-weibo --ticket INC-4 --verified-by phone --config "$tmp/plain.conf" \
	--root "$ROOT" --output "$tmp/pw-plain"
LDAPTLS_CACERT=$LDAP_CA ldapwhoami -x -ZZ -H "$LDAP_URI" -D "uid=tongliao-weibo,ou=accounts,$LDAP_BASE" \
	-y "$tmp/pw-weibo.bind" >"$tmp/bind-plain.out" 2>&1
rc_bind=$?
t "reset without TLS: refused (exit 1) before the password is sent; nothing changed" plain \
	'[ $rc -eq 1 ] && says plain "unencrypted" && [ $rc_bind -eq 0 ] &&
	 [ ! -e "$tmp/pw-plain" ] && [ "$("$CP" events $A | wc -l)" -eq "$e_before" ]'
# The same under valgrind: the directory's message reaches the operator
# and nothing leaks on the way (libldap, the message, the password).
if readelf -d "$top_builddir/libpolicy/.libs/libcredpolicy.so" 2>/dev/null | grep -q libasan; then
	skip "valgrind memcheck of a refused directory reset" "built with AddressSanitizer"
elif command -v valgrind >/dev/null 2>&1; then
	"$top_builddir/libtool" --mode=execute valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		"$CP" reset tongliao-weibo --ticket INC-4 --verified-by phone --config "$tmp/plain.conf" \
		--root "$ROOT" --output "$tmp/pw-plainvg" >"$tmp/plainvg.out" 2>"$tmp/plainvg.err" </dev/null
	rc=$?
	t "valgrind: the refused directory reset, no error, no leak" plainvg \
		'[ $rc -eq 1 ] && says plainvg "unencrypted"'
else
	skip "valgrind memcheck of a refused directory reset" "valgrind missing"
fi
# The directory takes the password, then refuses the forced change (here
# an attribute its schema does not have): the password is the account's
# now, so it is shown, recorded (the ledger forces the change), exit 1.
printf '\n[ldap_map]\nmust_change = credpolicyNoSuchAttribute\n' | cat "$tmp/a.conf" - >"$tmp/badmap.conf"
cpx badmap reset tongliao-weibo --ticket INC-5 --verified-by phone --config "$tmp/badmap.conf" \
	--root "$ROOT" --output "$tmp/pw-badmap" --json
cat "$tmp/pw-badmap" >>"$tmp/secrets" 2>/dev/null
tr -d '\n' <"$tmp/pw-badmap" >"$tmp/pw-badmap.bind" 2>/dev/null
chmod 600 "$tmp/pw-badmap.bind"
LDAPTLS_CACERT=$LDAP_CA ldapwhoami -x -ZZ -H "$LDAP_URI" -D "uid=tongliao-weibo,ou=accounts,$LDAP_BASE" \
	-y "$tmp/pw-badmap.bind" >"$tmp/bind-badmap.out" 2>&1
rc_bind=$?
t "the directory sets the password but refuses the forced change: shown, recorded, exit 1" badmap \
	'[ $rc -eq 1 ] && [ $rc_bind -eq 0 ] && says badmap "was set, but its change at the next login" &&
	 says badmap "credpolicyNoSuchAttribute" &&
	 python3 -c "import json, sys; d = json.load(open(sys.argv[1])); assert d[\"password_set\"] and not d[\"backend_must_change\"] and d[\"recorded\"], d" "$tmp/badmap.out" &&
	 "$CP" events $A | grep -q "reset account=tongliao-weibo .*ticket=INC-5" &&
	 [ "$("$CP" status $A --json tongliao-weibo | python3 -c "import json, sys; print(json.load(sys.stdin)[\"state\"])")" = must_change ]'

# ---------------------------------------------------------------- the directory down

"$FIX" stop "$S"
cpx down offboard E10010 --reason departure --ticket HR-2026-8 $A --root "$ROOT"
for u in lina breakglass; do pamh "down_$u" a "$u" acct; done
t "directory down: exit 1, each failed change named with the directory's reason" down \
	'[ $rc -eq 1 ] && has down "NOT completed: run it again" &&
	 grep -q "lock  *lina .*FAILED: cannot reach the directory at ldap://" "$tmp/down.out"'
t "... host A refuses the leaver's account all the same" down_lina \
	'result down_lina acct PAM_PERM_DENIED || result down_lina acct PAM_ACCT_EXPIRED'
"$FIX" start "$S" >>"$tmp/slapd-start.log" 2>&1
cpx up offboard E10010 --reason departure --ticket HR-2026-8 $A --root "$ROOT"
search -b "ou=accounts,$LDAP_BASE" "(|(uid=lina)(uid=breakglass))" pwdAccountLockedTime credpolicyCustodian >"$tmp/dirup.out"
t "the re-run with the directory back completes it: exit 0, lock and custodian in the directory" up \
	'[ $rc -eq 0 ] && ! has up "FAILED" && grep -q "revoke  *breakglass .* done" "$tmp/up.out" &&
	 [ "$(grep -c "^pwdAccountLockedTime: 000001010000Z" "$tmp/dirup.out")" -eq 2 ] &&
	 ! grep -q "credpolicyCustodian: E10010" "$tmp/dirup.out"'
sync sync3b b
pamh b_lina b lina acct
t "host B after its sync: the second leaver's login is refused too" b_lina \
	'result b_lina acct PAM_PERM_DENIED || result b_lina acct PAM_ACCT_EXPIRED'

# ---------------------------------------------------------------- no secret

"$CP" events $B >"$tmp/events-b.out"
cp "$S/slapd.log" "$tmp/slapd.log" 2>/dev/null
t "no password in any output, event, syslog line, ledger file or slapd's log" leaks \
	'no_secret && for f in "$tmp/a.db" "$tmp/b.db" "$tmp/a.db-wal" "$tmp/b.db-wal"; do
	   [ ! -f "$f" ] || ! grep -qaF -f "$tmp/secrets" "$f" || exit 1; done'
[ -s "$tmp/leaks" ] && sed 's/^/    leak in /' "$tmp/leaks"
finish
