#!/bin/sh
# test_ldap_fixture.sh - the throwaway directory server of tests/ldap/slapd.sh
# that the sync tests (issue 5) stand on: the sample directory and example
# schema load, StartTLS and ldaps verify against the test CA and refuse the
# wrong one, syncprov answers RFC 4533 requests (refreshOnly with a cookie,
# refreshAndPersist), ppolicy keeps pwdChangedTime and enforces pwdReset and
# locks, restart keeps data and ports, kill and stop leave no process, and
# the fixture also works for an ordinary user.
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
FIX="$top_srcdir/tests/ldap/slapd.sh"
for t in /usr/sbin/slapd slapadd slappasswd ldapsearch ldapmodify ldappasswd ldapwhoami openssl; do
	command -v "$t" >/dev/null 2>&1 || { echo "# $t is needed (scripts/install-deps)"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cp-test-ldap-fixture.XXXXXX")
[ -d "$tmp" ] || exit 99
chmod 755 "$tmp" # the ordinary-user case below works inside it
S="$tmp/srv"
S2="$tmp/nosync"
U="$tmp/user"
mkdir "$S" "$S2" "$U"
cleanup() {
	for d in "$S" "$S2" "$U"; do "$FIX" kill "$d" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
export LANG=C.UTF-8 LANGUAGE=
export LDAPCONF=/dev/null LDAPRC=.credpolicy-test-no-ldaprc
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # skip $1"; }
expect_status() { # want got what
	if [ "$1" -eq "$2" ]; then ok "$3 (exit $2)"; else fail "$3: exit $2, wanted $1"; fi
}
expect_fail() { # got what
	if [ "$1" -ne 0 ]; then ok "$2 (exit $1)"; else fail "$2: exit 0, wanted a failure"; fi
}
expect_grep() { # pattern file what
	if grep -q -- "$1" "$2"; then ok "$3"; else fail "$3: no '$1' in:"; sed 's/^/    /' "$2" | head -30; fi
}
expect_no_grep() {
	if grep -q -- "$1" "$2"; then fail "$3: found '$1'"; else ok "$3"; fi
}
# Is some process's command line naming directory $1 still there?
procs_of() {
	for f in /proc/[0-9]*/cmdline; do
		{ tr '\0' ' ' <"$f"; } 2>/dev/null | grep -q -F -- "$1/slapd.d" && echo "${f%/cmdline}"
	done
	return 0
}
# ldapsearch as a given identity: as_admin|as_user DN PWFILE, then args.
as_admin() { "$FIX" search "$S" "$@"; }
# The same with ldapsearch's comments, which carry the sync cookie.
as_admin_raw() {
	LDAPTLS_CACERT="$LDAP_CA" ldapsearch -x -ZZ -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" \
		-y "$LDAP_ADMIN_PWFILE" "$@"
}
user_search() { # DN PWFILE ARG...
	dn="$1" pw="$2"
	shift 2
	LDAPTLS_CACERT="$LDAP_CA" ldapsearch -x -ZZ -H "$LDAP_URI" -D "$dn" -y "$pw" -LLL "$@"
}

# ---- start: files, environment, sample directory ----
"$FIX" start "$S" >"$tmp/out" 2>&1
expect_status 0 $? "slapd.sh start creates and starts a server"
[ -f "$S/env" ] || { cat "$tmp/out"; echo "Bail out! no $S/env"; exit 1; }
# shellcheck disable=SC1091
. "$S/env"
missing=""
for v in LDAP_URI LDAPS_URI LDAP_BASE LDAP_ADMIN_DN LDAP_ADMIN_PWFILE LDAP_CA LDAP_WRONG_CA SLAPD_PID; do
	eval "val=\${$v:-}"
	[ -n "$val" ] || missing="$missing $v"
done
if [ -z "$missing" ]; then ok "env sets every contract variable"; else fail "env lacks$missing"; fi
case "$LDAP_URI $LDAPS_URI" in
ldap://127.0.0.1:*/\ ldaps://127.0.0.1:*/) ok "servers on 127.0.0.1: $LDAP_URI $LDAPS_URI" ;;
*) fail "unexpected URIs $LDAP_URI $LDAPS_URI" ;;
esac
mode=$(stat -c %a "$LDAP_ADMIN_PWFILE")
if [ "$mode" = 600 ]; then ok "admin password file is mode 0600"; else fail "admin password file mode $mode"; fi
expect_grep "^bind_password_file = $LDAP_ADMIN_PWFILE\$" "$S/credpolicy.conf" "credpolicy.conf binds with the password file"
expect_grep "^uri = $LDAP_URI\$" "$S/credpolicy.conf" "credpolicy.conf names this server"
expect_grep "^tls_ca = $LDAP_CA\$" "$S/credpolicy.conf" "credpolicy.conf verifies with the test CA"
expect_grep "^path = $S/ledger.db\$" "$S/credpolicy.conf" "credpolicy.conf keeps the ledger in DIR"
if grep -q -F -f "$LDAP_ADMIN_PWFILE" "$S/credpolicy.conf" "$S/env" "$S/slapd.log"; then
	fail "the admin password appears in a written file"
else ok "the admin password is in no config, env or log file"; fi

as_admin -b "$LDAP_BASE" '(employeeNumber=*)' dn >"$tmp/people" 2>&1
c=$(grep -c '^dn:' "$tmp/people")
expect_status 5 "$c" "the sample directory has 5 people"
as_admin -b "ou=accounts,$LDAP_BASE" '(objectClass=credpolicyAccount)' dn >"$tmp/accts" 2>&1
c=$(grep -c '^dn:' "$tmp/accts")
expect_status 8 "$c" "8 accounts carry the credpolicyAccount class of the example schema"
as_admin -b "$LDAP_BASE" '(cn=张伟)' employeeNumber >"$tmp/zw" 2>&1
expect_grep '^employeeNumber: E10086$' "$tmp/zw" "a person is found by the Chinese name (UTF-8 filter)"
as_admin -b "$LDAP_BASE" '(uid=zhangw)' credpolicyClass credpolicyOwner pwdChangedTime >"$tmp/zhangw" 2>&1
expect_grep '^credpolicyClass: admin-workstation$' "$tmp/zhangw" "the account's class is the schema attribute"
expect_grep '^pwdChangedTime: 20261001083000Z$' "$tmp/zhangw" "slapadd kept the sample's pwdChangedTime"
as_admin -b "$LDAP_BASE" '(uid=temp01)' pwdReset >"$tmp/temp01" 2>&1
expect_grep '^pwdReset: TRUE$' "$tmp/temp01" "temp01 is loaded with pwdReset"
as_admin -b "$LDAP_BASE" '(uid=liuy)' shadowLastChange >"$tmp/liuy" 2>&1
expect_grep '^shadowLastChange: 20759$' "$tmp/liuy" "the POSIX account has shadowLastChange"
as_admin -b "cn=dba,ou=groups,$LDAP_BASE" -s base member credpolicyScope >"$tmp/dba" 2>&1
expect_grep '^credpolicyScope: db-\*$' "$tmp/dba" "a group's scope comes from credpolicyGroup"
expect_grep "^member: employeeNumber=E10010,ou=people,$LDAP_BASE\$" "$tmp/dba" "group members are people's DNs"

# The .schema and the cn=config .ldif must define the same thing: convert
# the .schema with slaptest and compare the unfolded definitions.
mkdir "$tmp/conv"
printf 'include /etc/ldap/schema/core.schema\ninclude %s\n' \
	"$top_srcdir/examples/ldap/credpolicy.schema" >"$tmp/conv.conf"
slaptest -f "$tmp/conv.conf" -F "$tmp/conv" -n0 >"$tmp/conv.out" 2>&1
expect_status 0 $? "slaptest accepts credpolicy.schema"
defs() { sed -e '/^#/d' "$1" | sed -e ':a' -e '$!N' -e 's/\n //' -e 'ta' -e 'P' -e 'D' |
	grep -E '^olc(AttributeTypes|ObjectClasses|ObjectIdentifier):'; }
defs "$tmp"/conv/cn=config/cn=schema/cn=*credpolicy.ldif >"$tmp/from-schema" 2>/dev/null
defs "$top_srcdir/examples/ldap/credpolicy.ldif" >"$tmp/from-ldif"
if [ -s "$tmp/from-ldif" ] && cmp -s "$tmp/from-schema" "$tmp/from-ldif"; then
	ok "credpolicy.schema and credpolicy.ldif define the same $(wc -l <"$tmp/from-ldif") items"
else
	fail "credpolicy.schema and credpolicy.ldif differ"
	diff "$tmp/from-schema" "$tmp/from-ldif" | head -20 | sed 's/^/    /'
fi

# The systemd units of examples/systemd, checked by systemd itself with
# ExecStart pointed at the built command (systemd wants it executable).
if command -v systemd-analyze >/dev/null 2>&1; then
	exe=$(cd "$top_builddir" && pwd)/tools/credpolicy
	[ -x "$exe" ] || exe=/bin/true
	mkdir "$tmp/units"
	for f in "$top_srcdir"/examples/systemd/*.service "$top_srcdir"/examples/systemd/*.timer; do
		sed "s|/usr/bin/credpolicy|$exe|" "$f" >"$tmp/units/${f##*/}"
	done
	systemd-analyze verify --man=no "$tmp"/units/* >"$tmp/verify" 2>&1
	expect_status 0 $? "systemd-analyze verify accepts the example units"
	sed 's/^/    /' "$tmp/verify"
	for u in credpolicy-sync.service credpolicy-sync-follow.service; do
		expect_grep '^ProtectSystem=strict$' "$tmp/units/$u" "$u: ProtectSystem=strict"
		expect_grep '^ReadWritePaths=/var/lib/credpolicy$' "$tmp/units/$u" "$u: only the ledger's directory is writable"
		expect_grep '^NoNewPrivileges=yes$' "$tmp/units/$u" "$u: NoNewPrivileges"
	done
	expect_grep '^Restart=on-failure$' "$tmp/units/credpolicy-sync-follow.service" "the follow unit restarts on failure"
	expect_grep '^ExecStart=.* sync --follow$' "$tmp/units/credpolicy-sync-follow.service" "the follow unit runs sync --follow"
else
	skip "no systemd-analyze: example units not verified"
fi

# ---- TLS: the test CA is trusted, the wrong CA is refused ----
ADM="-x -D $LDAP_ADMIN_DN -y $LDAP_ADMIN_PWFILE -b $LDAP_BASE -LLL"
# shellcheck disable=SC2086
LDAPTLS_CACERT="$LDAP_CA" LDAPTLS_REQCERT=demand ldapsearch -ZZ -H "$LDAP_URI" $ADM '(uid=zhangw)' dn >"$tmp/o" 2>&1
expect_status 0 $? "StartTLS verified with the test CA"
# shellcheck disable=SC2086
LDAPTLS_CACERT="$LDAP_WRONG_CA" LDAPTLS_REQCERT=demand ldapsearch -ZZ -H "$LDAP_URI" $ADM '(uid=zhangw)' dn >"$tmp/o" 2>&1
expect_fail $? "StartTLS with the wrong CA is refused"
expect_grep 'ldap_start_tls' "$tmp/o" "the refusal comes from the TLS handshake"
# shellcheck disable=SC2086
LDAPTLS_CACERT="$LDAP_CA" LDAPTLS_REQCERT=demand ldapsearch -H "$LDAPS_URI" $ADM '(uid=zhangw)' dn >"$tmp/o" 2>&1
expect_status 0 $? "ldaps verified with the test CA"
# shellcheck disable=SC2086
LDAPTLS_CACERT="$LDAP_WRONG_CA" LDAPTLS_REQCERT=demand ldapsearch -H "$LDAPS_URI" $ADM '(uid=zhangw)' dn >"$tmp/o" 2>&1
expect_fail $? "ldaps with the wrong CA is refused"
openssl x509 -in "$S/tls/server.pem" -noout -ext subjectAltName >"$tmp/san" 2>&1
expect_grep 'IP Address:127.0.0.1' "$tmp/san" "the server certificate names 127.0.0.1"
LDAPTLS_CACERT="$LDAP_CA" LDAPTLS_CERT="$LDAP_CLIENT_CERT" LDAPTLS_KEY="$LDAP_CLIENT_KEY" \
	ldapwhoami -Y EXTERNAL -ZZ -H "$LDAP_URI" >"$tmp/o" 2>&1
expect_grep "^dn:$LDAP_ADMIN_DN\$" "$tmp/o" "SASL EXTERNAL with the client certificate is the administrator"

# ---- syncprov: RFC 4533 refreshOnly with a cookie, refreshAndPersist ----
as_admin_raw -E sync=ro -b "ou=accounts,$LDAP_BASE" '(uid=*)' dn >"$tmp/sync1" 2>&1
expect_status 0 $? "a refreshOnly sync request succeeds"
c=$(grep -c '^dn:' "$tmp/sync1")
expect_status 8 "$c" "the initial refresh returns every account"
cookie=$(sed -n 's/^# cookie: //p' "$tmp/sync1" | tail -n 1)
case "$cookie" in rid=*csn=*) ok "the server returns a cookie" ;; *) fail "no cookie in the sync answer" ;; esac
cat >"$tmp/mod.ldif" <<EOF
dn: uid=lina,ou=accounts,$LDAP_BASE
changetype: modify
replace: credpolicyClass
credpolicyClass: admin-workstation
EOF
"$FIX" modify "$S" "$tmp/mod.ldif" >"$tmp/o" 2>&1
expect_status 0 $? "slapd.sh modify applies an LDIF change"
as_admin_raw -E "sync=ro/$cookie" -b "ou=accounts,$LDAP_BASE" '(uid=*)' dn >"$tmp/sync2" 2>&1
expect_status 0 $? "a refreshOnly request with the cookie succeeds"
c=$(grep -c '^dn:' "$tmp/sync2")
if [ "$c" -eq 1 ] && grep -q '^dn: uid=lina,' "$tmp/sync2"; then
	ok "with the cookie, only the changed entry comes back"
else fail "with the cookie, $c entries came back:"; sed 's/^/    /' "$tmp/sync2" | head; fi
# refreshAndPersist: the change must arrive on the open session. Bounded
# wait (not a timing assertion): up to 30 s for slapd to push it.
"$FIX" search "$S" -E sync=rp -b "ou=accounts,$LDAP_BASE" '(uid=*)' dn >"$tmp/persist" 2>&1 &
ppid=$!
i=0
while [ "$(grep -c '^dn:' "$tmp/persist")" -lt 8 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
sed 's/admin-workstation/important-host/' "$tmp/mod.ldif" >"$tmp/mod2.ldif"
"$FIX" modify "$S" "$tmp/mod2.ldif" >/dev/null 2>&1
i=0
while [ "$(grep -c '^dn: uid=lina,' "$tmp/persist")" -lt 2 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill "$ppid" 2>/dev/null
wait "$ppid" 2>/dev/null
c=$(grep -c '^dn: uid=lina,' "$tmp/persist")
if [ "$c" -ge 2 ]; then ok "refreshAndPersist pushes a change on the open session"; else
	fail "refreshAndPersist: the change did not arrive"; sed 's/^/    /' "$tmp/persist" | tail; fi

# ---- ppolicy: pwdChangedTime, pwdReset, lock ----
ZW="uid=zhangw,ou=accounts,$LDAP_BASE"
umask 077
printf '%s' 'Reset#Tmp2026x' >"$tmp/reset.pw"
printf '%s' 'Chosen#Pwd2027y' >"$tmp/chosen.pw"
before=$(date -u +%Y%m%d%H%M%S)
cat >"$tmp/reset.ldif" <<EOF
dn: $ZW
changetype: modify
replace: userPassword
userPassword: $(cat "$tmp/reset.pw")
EOF
"$FIX" modify "$S" "$tmp/reset.ldif" >"$tmp/o" 2>&1
expect_status 0 $? "the administrator resets zhangw's password"
as_admin -b "$ZW" -s base pwdChangedTime pwdReset userPassword >"$tmp/o" 2>&1
t=$(sed -n 's/^pwdChangedTime: \([0-9]\{14\}\)Z$/\1/p' "$tmp/o")
if [ -n "$t" ] && [ "$t" -ge "$before" ]; then ok "ppolicy set pwdChangedTime to the reset time"; else
	fail "pwdChangedTime '$t' is not the reset time (>= $before)"; fi
expect_grep '^pwdReset: TRUE$' "$tmp/o" "an administrator's reset sets pwdReset (pwdMustChange)"
expect_no_grep 'Reset#Tmp2026x' "$tmp/o" "the cleartext password was hashed (olcPPolicyHashCleartext)"
LDAPTLS_CACERT="$LDAP_CA" ldapwhoami -x -ZZ -H "$LDAP_URI" -D "$ZW" -y "$tmp/reset.pw" -e ppolicy >"$tmp/o" 2>&1
expect_grep 'Password must be changed' "$tmp/o" "binding after the reset is told to change the password"
user_search "$ZW" "$tmp/reset.pw" -b "$ZW" -s base dn >"$tmp/o" 2>&1
expect_status 50 $? "after a reset, the user may do nothing but change the password"
LDAPTLS_CACERT="$LDAP_CA" ldappasswd -x -ZZ -H "$LDAP_URI" -D "$ZW" -y "$tmp/reset.pw" -T "$tmp/chosen.pw" >"$tmp/o" 2>&1
expect_status 0 $? "the user changes the password"
as_admin -b "$ZW" -s base pwdReset pwdChangedTime >"$tmp/o" 2>&1
expect_no_grep '^pwdReset:' "$tmp/o" "the user's own change clears pwdReset"
user_search "$ZW" "$tmp/chosen.pw" -b "$ZW" -s base dn >"$tmp/o" 2>&1
expect_status 0 $? "with the new password the user may search again"
WF="uid=wangf,ou=accounts,$LDAP_BASE"
LDAPTLS_CACERT="$LDAP_CA" ldapwhoami -x -ZZ -H "$LDAP_URI" -D "$WF" -y "$LDAP_SAMPLE_PWFILE" -e ppolicy >"$tmp/o" 2>&1
expect_status 49 $? "pwdAccountLockedTime locks wangf out even with the right password"
LDAPTLS_CACERT="$LDAP_CA" ldapwhoami -x -ZZ -H "$LDAP_URI" -D "uid=root,ou=accounts,$LDAP_BASE" -y "$LDAP_SAMPLE_PWFILE" >"$tmp/o" 2>&1
expect_status 0 $? "an unlocked sample account binds with the sample password"

# ---- add, rename, delete through the helpers ----
cat >"$tmp/add.ldif" <<EOF
dn: uid=fixture1,ou=accounts,$LDAP_BASE
objectClass: account
objectClass: credpolicyAccount
uid: fixture1
credpolicyClass: default
credpolicyOwner: E30001
credpolicyOwner: E10086
EOF
"$FIX" add "$S" "$tmp/add.ldif" >"$tmp/o" 2>&1
expect_status 0 $? "slapd.sh add adds an entry"
as_admin -b "uid=fixture1,ou=accounts,$LDAP_BASE" -s base credpolicyOwner >"$tmp/o" 2>&1
c=$(grep -c '^credpolicyOwner:' "$tmp/o")
expect_status 2 "$c" "credpolicyOwner holds a second claim (R12)"
printf 'dn: uid=fixture1,ou=accounts,%s\nchangetype: modrdn\nnewrdn: uid=fixture2\ndeleteoldrdn: 1\n' \
	"$LDAP_BASE" | "$FIX" modify "$S" - >"$tmp/o" 2>&1
expect_status 0 $? "slapd.sh modify renames from stdin"
printf 'dn: cn=dba,ou=groups,%s\nchangetype: delete\n' "$LDAP_BASE" | "$FIX" modify "$S" - >"$tmp/o" 2>&1
expect_status 0 $? "slapd.sh modify deletes"
printf 'dn: uid=nobody-here,ou=accounts,%s\nchangetype: delete\n' "$LDAP_BASE" | "$FIX" modify "$S" - >"$tmp/o" 2>&1
expect_fail $? "a failing change makes slapd.sh modify fail"

# ---- restart: same data, same ports; kill: nothing left, data kept ----
old_pid=$SLAPD_PID old_uri=$LDAP_URI old_uris=$LDAPS_URI
"$FIX" restart "$S" >"$tmp/o" 2>&1
expect_status 0 $? "slapd.sh restart"
# shellcheck disable=SC1091
. "$S/env"
if [ "$LDAP_URI $LDAPS_URI" = "$old_uri $old_uris" ]; then ok "restart keeps both ports"; else
	fail "restart moved $old_uri $old_uris to $LDAP_URI $LDAPS_URI"; fi
if [ -d "/proc/$old_pid" ] && grep -q slapd "/proc/$old_pid/cmdline" 2>/dev/null; then
	fail "the old slapd $old_pid survived the restart"
else ok "the old slapd is gone"; fi
as_admin -b "uid=fixture2,ou=accounts,$LDAP_BASE" -s base dn >"$tmp/o" 2>&1
expect_status 0 $? "restart keeps the data (the renamed entry)"
"$FIX" start "$S" >"$tmp/o" 2>&1
expect_fail $? "a second start of a running server is refused"
expect_grep 'already runs' "$tmp/o" "... saying that it runs"
old_pid=$SLAPD_PID
"$FIX" kill "$S" >"$tmp/o" 2>&1
expect_status 0 $? "slapd.sh kill"
if [ -z "$(procs_of "$S")" ]; then ok "kill leaves no slapd process"; else fail "left: $(procs_of "$S")"; fi
ldapsearch -x -H "$old_uri" -b "" -s base -o nettimeout=5 >"$tmp/o" 2>&1
expect_status 255 $? "after kill, nothing answers on the port"
"$FIX" start "$S" >"$tmp/o" 2>&1
expect_status 0 $? "start after a kill"
# shellcheck disable=SC1091
. "$S/env"
as_admin -b "uid=fixture2,ou=accounts,$LDAP_BASE" -s base dn >"$tmp/o" 2>&1
expect_status 0 $? "the database survived SIGKILL"
if [ "$LDAP_URI" = "$old_uri" ]; then ok "same port after kill and start"; else fail "port moved to $LDAP_URI"; fi

# ---- load: offline bulk data, server back on the same port ----
cat >"$tmp/bulk.ldif" <<EOF
dn: uid=bulk1,ou=accounts,$LDAP_BASE
objectClass: account
objectClass: credpolicyAccount
uid: bulk1
credpolicyClass: default
EOF
"$FIX" load "$S" "$tmp/bulk.ldif" >"$tmp/o" 2>&1
expect_status 0 $? "slapd.sh load adds entries offline"
# shellcheck disable=SC1091
. "$S/env"
as_admin -b "uid=bulk1,ou=accounts,$LDAP_BASE" -s base dn >"$tmp/o" 2>&1
expect_status 0 $? "the loaded entry is served after the restart"
as_admin -E sync=ro -b "ou=accounts,$LDAP_BASE" '(uid=bulk1)' dn >"$tmp/o" 2>&1
expect_status 0 $? "syncprov still answers after an offline load"

"$FIX" stop "$S" >"$tmp/o" 2>&1
expect_status 0 $? "slapd.sh stop"
if [ -z "$(procs_of "$S")" ]; then ok "stop leaves no slapd process"; else fail "left: $(procs_of "$S")"; fi
"$FIX" stop "$S" >"$tmp/o" 2>&1
expect_status 0 $? "stop of a stopped server is harmless"

# ---- a server without syncprov, for the modifyTimestamp fallback ----
SLAPD_SYNCPROV=no "$FIX" start "$S2" >"$tmp/o" 2>&1
expect_status 0 $? "SLAPD_SYNCPROV=no starts a server without syncprov"
"$FIX" search "$S2" -E '!sync=ro' -b "$LDAP_BASE" '(uid=zhangw)' dn >"$tmp/o" 2>&1
expect_fail $? "without syncprov, a critical sync request is refused"
"$FIX" search "$S2" -b "$LDAP_BASE" '(uid=zhangw)' modifyTimestamp >"$tmp/o" 2>&1
expect_grep '^modifyTimestamp: ' "$tmp/o" "... and modifyTimestamp is there for the fallback"
"$FIX" stop "$S2"

# ---- a clear failure: slapd dies at start, its log is shown ----
mkdir "$tmp/fake"
printf '#!/bin/sh\necho "fake slapd: cannot open the database" >&2\nexit 1\n' >"$tmp/fake/slapd"
chmod 755 "$tmp/fake/slapd"
SLAPD="$tmp/fake/slapd" SLAPD_START_TIMEOUT=5 "$FIX" start "$S2" >"$tmp/o" 2>&1
expect_fail $? "a slapd that dies at start fails slapd.sh start"
expect_grep 'did not answer' "$tmp/o" "... with a message saying so"
expect_grep 'fake slapd: cannot open the database' "$tmp/o" "... that includes slapd's log"

# ---- as an ordinary user ----
if [ "$(id -u)" -ne 0 ]; then
	ok "running as an ordinary user (uid $(id -u)): the whole test is that case"
elif ! command -v runuser >/dev/null 2>&1 ||
	! runuser -u nobody -- test -r "$top_srcdir/examples/ldap/sample.ldif"; then
	skip "nobody cannot read $top_srcdir: ordinary-user case not run"
else
	chown nobody "$U"
	runuser -u nobody -- env HOME="$U" "$FIX" start "$U" >"$tmp/o" 2>&1
	expect_status 0 $? "the fixture starts as user nobody"
	owner=$(stat -c %U "/proc/$(cat "$U/pid" 2>/dev/null || echo 0)" 2>/dev/null)
	if [ "$owner" = nobody ]; then ok "that slapd runs as nobody"; else fail "that slapd runs as '$owner'"; fi
	runuser -u nobody -- "$FIX" search "$U" -b "$LDAP_BASE" '(uid=zhangw)' dn >"$tmp/o" 2>&1
	expect_status 0 $? "nobody's server answers over StartTLS"
	runuser -u nobody -- "$FIX" stop "$U" >"$tmp/o" 2>&1
	expect_status 0 $? "nobody stops it"
	if [ -z "$(procs_of "$U")" ]; then ok "nothing left of it"; else fail "left: $(procs_of "$U")"; fi
fi

echo "1..$n"
[ $fails -eq 0 ]
