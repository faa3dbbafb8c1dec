#!/bin/sh
# test_sync.sh - credpolicy sync against a real slapd (tests/ldap/slapd.sh:
# mdb, syncprov, ppolicy, the example schema, a test CA), as an
# administrator and a systemd timer use it (issue 5):
#  - the first sync (RFC 4533 without a cookie) and what the ledger then
#    says: class, owner, custodians, OTP, lock, must-change (R7-R13), R18
#    memberships; a repeat writes nothing;
#  - incremental add, modify, delete, rename from the cookie, the cookie
#    surviving a server restart, a person deleted is departed (R13);
#  - end to end: a class or owner changed in the directory reaches
#    "credpolicy status" after one sync, and with --follow within seconds
#    (polled, with a generous bound), also across a server restart;
#  - the server down or killed in the middle of a large sync: exit 2 and
#    the ledger exactly as it was ("ledger export" compared); logins go on
#    from the ledger ("status" still answers);
#  - TLS with the wrong CA refused (StartTLS and ldaps), an unsafe or wrong
#    bind password refused and never printed;
#  - hostile entries (filter metacharacters, control characters, invalid
#    UTF-8, NUL, oversized values, unknown class or owner): each refused
#    with its DN, the rest applied, exit 1;
#  - a server without syncprov: the modifyTimestamp mode, deletions seen
#    by the full reconciliation; --dry-run, local records, --adopt, --json.
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
CP="$top_builddir/tools/credpolicy"
FIX="$top_srcdir/tests/ldap/slapd.sh"
for t in /usr/sbin/slapd slapadd ldapmodify ldapsearch openssl python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "# $t is needed (scripts/install-deps)"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cp-test-sync.XXXXXX")
[ -d "$tmp" ] || exit 99
chmod 700 "$tmp"
S="$tmp/srv"   # the sample directory, with syncprov
B="$tmp/big"   # a large directory, for the interrupted sync
T="$tmp/ts"    # a server without syncprov: the modifyTimestamp mode
mkdir "$S" "$B" "$T"
follow_pid=""
cleanup() {
	[ -n "$follow_pid" ] && kill "$follow_pid" 2>/dev/null
	for d in "$S" "$B" "$T"; do "$FIX" kill "$d" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
export LANG=C.UTF-8 LANGUAGE=
export LDAPCONF=/dev/null LDAPRC=.credpolicy-test-no-ldaprc
unset CREDPOLICY_CONF
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
expect_status() { # want got what
	if [ "$1" -eq "$2" ]; then ok "$3 (exit $2)"; else fail "$3: exit $2, wanted $1"; sed 's/^/    /' "$tmp/err" 2>/dev/null | head -20; fi
}
expect_grep() { # pattern file what
	if grep -q -- "$1" "$2"; then ok "$3"; else fail "$3: no '$1' in:"; sed 's/^/    /' "$2" | head -30; fi
}
expect_no_grep() {
	if grep -q -- "$1" "$2"; then fail "$3: found '$1'"; else ok "$3"; fi
}
expect_same() { # file1 file2 what
	if cmp -s "$1" "$2"; then ok "$3"; else fail "$3"; diff "$1" "$2" | head -20 | sed 's/^/    /'; fi
}
expect_py() { # code file what: code asserts on json.load(file) as d
	if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $1" "$2" 2>"$tmp/py.err"; then
		ok "$3"
	else fail "$3"; sed 's/^/    /' "$tmp/py.err" "$2" | head -20; fi
}

# ---- the sample directory ----
"$FIX" start "$S" >"$tmp/err" 2>&1 || { cat "$tmp/err"; echo "Bail out! slapd did not start"; exit 1; }
# shellcheck disable=SC1091
. "$S/env"
BASE=$LDAP_BASE
CONF="$S/credpolicy.conf"
cps() { "$CP" sync --config "$CONF" "$@"; }
st() { "$CP" status --config "$CONF" "$@"; }
export_ledger() { "$CP" ledger export --config "$CONF" --output "$1" >/dev/null 2>&1; }
nevents() { "$CP" events --config "$CONF" | wc -l; }
modify() { "$FIX" modify "$S" - >"$tmp/mod.err" 2>&1 || { echo "# ldapmodify failed:"; sed 's/^/#   /' "$tmp/mod.err"; }; }
# Poll until cmd succeeds, at most $1 seconds (a generous bound, not a
# measurement); returns 1 if it never did.
poll() {
	limit=$(($1 * 10))
	shift
	i=0
	while [ $i -lt $limit ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
class_is() { st "$1" | grep -q "^class:     $2\$"; }

# ---- usage ----
"$CP" sync --help >"$tmp/out" 2>&1
expect_status 0 $? "sync --help"
expect_grep "^Usage: credpolicy sync" "$tmp/out" "--help shows the usage"
"$CP" sync extra >/dev/null 2>&1
expect_status 2 $? "sync takes no argument"
"$CP" sync --follow --dry-run >/dev/null 2>&1
expect_status 2 $? "--follow and --dry-run cannot be combined"
printf '[ledger]\npath = %s\n' "$S/ledger.db" >"$tmp/noldap.conf"
"$CP" ledger init --config "$CONF" >/dev/null 2>&1
"$CP" sync --config "$tmp/noldap.conf" >/dev/null 2>"$tmp/err"
expect_status 2 $? "no [ldap] uri"
expect_grep "no directory configured" "$tmp/err" "says the directory is not configured"

# ---- the first sync: the whole content ----
cps --json >"$tmp/first.json" 2>"$tmp/err"
expect_status 0 $? "first sync"
expect_py 'assert d["mode"] == "refresh" and d["added"] == 15 and d["errors"] == 0, d' \
	"$tmp/first.json" "5 people, 8 accounts and 2 groups added, RFC 4533 without a cookie"
st zhangw >"$tmp/out"
expect_grep "^class:     admin-workstation" "$tmp/out" "zhangw has its class from credpolicyClass"
st wangf >"$tmp/out"
expect_status 1 $? "wangf may not log in"
expect_grep "^state:     locked" "$tmp/out" "wangf is locked (pwdAccountLockedTime)"
st temp01 >"$tmp/out"
expect_grep "^reason:    directory: pwdReset" "$tmp/out" "temp01 must change: ppolicy pwdReset"
st --host web-01 liuy >"$tmp/out"
expect_grep "^reason:    password reset, INC-2026-0042" "$tmp/out" "liuy must change: credpolicyMustChange reason, scope web-*"
st lina >"$tmp/out"
expect_grep "^days left: never expires" "$tmp/out" "lina's OTP device exempts it (R7)"
export_ledger "$tmp/l1.json"
expect_py 'a={x["name"]:x for x in d["accounts"]}; assert a["root"]["custodians"] == ["E10010", "E10086"] and a["zhangw"]["owner"] == "E10086" and a["zhangw"]["last_change"].startswith("2026-10-01"), a' \
	"$tmp/l1.json" "owners, custodians and pwdChangedTime in the ledger"
expect_py 'p={x["employee_id"]:x for x in d["people"]}; assert p["E20001"].get("status") == "departed", p["E20001"]' \
	"$tmp/l1.json" "a person with credpolicyDepartedTime is departed (R13)"
"$CP" events --config "$CONF" >"$tmp/ev"
expect_grep "membership_add.*person=E10010 actor=sync detail=group=dba scope=db-\*" "$tmp/ev" \
	"group members recorded as memberships (R18)"
expect_no_grep "actor=[^s]" "$tmp/ev" "every change is an event with actor sync"

# ---- a repeat writes nothing ----
before=$(nevents)
cps --json >"$tmp/out" 2>"$tmp/err"
expect_status 0 $? "second sync"
expect_py 'assert d["mode"] == "incremental" and d["added"] + d["changed"] + d["removed"] == 0, d' \
	"$tmp/out" "from the cookie, nothing to do"
expect_status "$before" "$(nevents)" "no event written by an unchanged directory"
cps --full --json >"$tmp/out" 2>"$tmp/err"
expect_py 'assert d["mode"] == "full" and d["unchanged"] == 15 and d["changed"] == 0, d' \
	"$tmp/out" "--full reads everything (paged) and changes nothing"
expect_status "$before" "$(nevents)" "no event written by the full reconciliation"

# ---- incremental: add, modify, delete, rename ----
modify <<EOF
dn: uid=lina,ou=accounts,$BASE
changetype: modify
replace: credpolicyClass
credpolicyClass: new-media

dn: uid=zhangw,ou=accounts,$BASE
changetype: modify
replace: credpolicyOwner
credpolicyOwner: E10010

dn: uid=new01,ou=accounts,$BASE
changetype: add
objectClass: account
objectClass: credpolicyAccount
uid: new01
credpolicyClass: important-host
credpolicyOwner: E30001

dn: uid=temp01,ou=accounts,$BASE
changetype: delete

dn: uid=tongliao-weibo,ou=accounts,$BASE
changetype: modrdn
newrdn: uid=tongliao-wechat
deleteoldrdn: 1

dn: cn=sudo,ou=groups,$BASE
changetype: modify
add: member
member: employeeNumber=E30001,ou=people,$BASE
EOF
cps --json >"$tmp/out" 2>"$tmp/err"
expect_status 0 $? "incremental sync"
expect_py 'assert d["mode"] == "incremental" and d["added"] == 1 and d["removed"] == 1 and d["changed"] >= 3, d' \
	"$tmp/out" "one added, one removed, the rest changed"
class_is lina new-media && ok "a class changed in the directory reaches status after one sync" ||
	fail "lina's class did not change"
export_ledger "$tmp/l2.json"
expect_py 'a={x["name"]:x for x in d["accounts"]}; assert a["zhangw"]["owner"] == "E10010", a["zhangw"]' \
	"$tmp/l2.json" "an owner changed in the directory reaches the ledger"
st new01 >"$tmp/out" 2>&1
expect_grep "^class:     important-host" "$tmp/out" "an added account is in the ledger"
st temp01 >"$tmp/out" 2>&1
expect_status 2 $? "a deleted account is removed from the ledger"
expect_py 'a={x["name"]:x for x in d["accounts"]}; assert "tongliao-weibo" not in a and a["tongliao-wechat"]["custodians"] == ["E10020"], a.keys()' \
	"$tmp/l2.json" "a renamed entry renames its account, custodians kept"
"$CP" events --config "$CONF" >"$tmp/ev"
expect_grep "rename account=tongliao-weibo actor=sync detail=name=tongliao-wechat" "$tmp/ev" "the rename is an event"
expect_grep "remove account=temp01 actor=sync" "$tmp/ev" "the removal is an event"

# ---- a person deleted in the directory is departed (R13) ----
modify <<EOF
dn: employeeNumber=E30001,ou=people,$BASE
changetype: delete
EOF
cps >/dev/null 2>"$tmp/err"
expect_status 0 $? "sync after a person's deletion"
st new01 >"$tmp/out"
expect_grep "^state:     departed" "$tmp/out" "their personal account is departed"
export_ledger "$tmp/l3.json"
expect_py 'p={x["employee_id"]:x for x in d["people"]}; assert p["E30001"].get("status") == "departed"' \
	"$tmp/l3.json" "the person stays in the ledger, departed (never deleted)"

# ---- the cookie survives a server restart ----
# (syncprov's session log does not: the refresh is then a present phase,
# and a deletion is known by the entry's absence.)
"$FIX" restart "$S" >/dev/null 2>&1
modify <<EOF
dn: uid=lina,ou=accounts,$BASE
changetype: modify
replace: credpolicyClass
credpolicyClass: important-host

dn: uid=new01,ou=accounts,$BASE
changetype: delete
EOF
cps --json >"$tmp/out" 2>"$tmp/err"
expect_py 'assert d["mode"] == "incremental" and d["changed"] == 1 and d["removed"] == 1, d' "$tmp/out" \
	"after a restart, incremental from the stored cookie"
class_is lina important-host && ok "the change after the restart arrived" || fail "lina not important-host"
st new01 >/dev/null 2>&1
expect_status 2 $? "the deletion after the restart arrived"

# ---- --full: entries deleted and created again keep their records ----
# --full writes while it reads; whether the old entry is gone is known only
# at the end of the read, so the new entry's record waits for it.
modify <<EOF
dn: uid=zhangw,ou=accounts,$BASE
changetype: delete

dn: uid=zhangw,ou=accounts,$BASE
changetype: add
objectClass: account
objectClass: credpolicyAccount
uid: zhangw
credpolicyClass: important-host
credpolicyOwner: E10010

dn: employeeNumber=E10020,ou=people,$BASE
changetype: delete

dn: employeeNumber=E10020,ou=people,$BASE
changetype: add
objectClass: inetOrgPerson
employeeNumber: E10020
cn: 刘洋
sn: 刘
givenName: 洋
EOF
cps --full --json >"$tmp/out" 2>"$tmp/err"
expect_status 0 $? "--full after an account and a person were deleted and created again"
# (changed: the two, and the sudo group, whose member E30001 left above.)
expect_py 'assert d["mode"] == "full" and d["added"] == 0 and d["removed"] == 0 and d["changed"] >= 2 and d["errors"] == 0, d' \
	"$tmp/out" "--full relinks both records: none added, none removed"
class_is zhangw important-host && ok "the relinked account has the new entry's class" ||
	fail "zhangw not important-host after --full"
"$CP" events --config "$CONF" >"$tmp/ev"
expect_no_grep "remove account=zhangw" "$tmp/ev" "the relinked account was not removed"
expect_no_grep "depart.*person=E10020" "$tmp/ev" "the relinked person was not departed (R13)"
expect_grep "membership_remove.*person=E30001.*group=sudo" "$tmp/ev" \
	"the full read also drops the membership of the member deleted above"
export_ledger "$tmp/l4.json"
expect_py 'a={x["name"]:x for x in d["accounts"]}; assert a["tongliao-wechat"]["custodians"] == ["E10020"], a["tongliao-wechat"]' \
	"$tmp/l4.json" "the relinked person keeps their custodianship"
cps --json >"$tmp/out" 2>"$tmp/err"
expect_py 'assert d["added"] + d["changed"] + d["removed"] == 0, d' "$tmp/out" \
	"the incremental sync after it finds nothing left to do"

# ---- --dry-run changes nothing ----
modify <<EOF
dn: uid=lina,ou=accounts,$BASE
changetype: modify
replace: credpolicyClass
credpolicyClass: admin-workstation
EOF
export_ledger "$tmp/before.json"
cps --dry-run >"$tmp/out" 2>"$tmp/err"
expect_status 0 $? "--dry-run"
expect_grep "dry run: nothing was changed" "$tmp/out" "--dry-run says so"
export_ledger "$tmp/after.json"
expect_same "$tmp/before.json" "$tmp/after.json" "--dry-run left the ledger as it was"
cps >/dev/null 2>&1
class_is lina admin-workstation && ok "the change applies after the dry run" || fail "lina not changed"

# ---- the directory down: nothing changes, logins go on ----
export_ledger "$tmp/before.json"
"$FIX" stop "$S" >/dev/null 2>&1
cps >"$tmp/out" 2>"$tmp/err"
expect_status 2 $? "the directory down"
expect_grep "cannot reach the directory at $LDAP_URI" "$tmp/err" "says it cannot reach the directory, naming it"
export_ledger "$tmp/after.json"
expect_same "$tmp/before.json" "$tmp/after.json" "the ledger is untouched"
st zhangw >/dev/null 2>&1
rc=$?
if [ $rc -ne 2 ]; then ok "status still answers from the ledger (exit $rc)"; else fail "status failed"; fi
"$FIX" start "$S" >/dev/null 2>&1

# ---- TLS and the bind ----
sed "s#^tls_ca = .*#tls_ca = $LDAP_WRONG_CA#" "$CONF" >"$tmp/wrongca.conf"
"$CP" sync --config "$tmp/wrongca.conf" >/dev/null 2>"$tmp/err"
expect_status 2 $? "StartTLS with the wrong CA"
expect_grep "StartTLS failed" "$tmp/err" "the failed TLS handshake is named"
sed "s#^uri = .*#uri = $LDAPS_URI#" "$tmp/wrongca.conf" >"$tmp/ldaps-wrong.conf"
"$CP" sync --config "$tmp/ldaps-wrong.conf" >/dev/null 2>"$tmp/err"
expect_status 2 $? "ldaps:// with the wrong CA"
sed "s#^uri = .*#uri = $LDAPS_URI#" "$CONF" >"$tmp/ldaps.conf"
"$CP" sync --config "$tmp/ldaps.conf" >/dev/null 2>"$tmp/err"
expect_status 0 $? "ldaps:// with the right CA"
# R23: a simple bind never goes out unencrypted; ldaps:// with StartTLS off is fine.
if grep -q '^starttls' "$CONF"; then sed 's#^starttls = .*#starttls = no#' "$CONF"; else
	sed 's#^\[ldap\]$#[ldap]\nstarttls = no#' "$CONF"; fi >"$tmp/plain.conf"
"$CP" sync --config "$tmp/plain.conf" >/dev/null 2>"$tmp/err"
expect_status 2 $? "starttls = no with a simple bind to ldap:// is refused"
expect_grep "unencrypted" "$tmp/err" "and says the password would go unencrypted"
sed "s#^uri = .*#uri = $LDAPS_URI#" "$tmp/plain.conf" >"$tmp/plain-ldaps.conf"
"$CP" sync --config "$tmp/plain-ldaps.conf" >/dev/null 2>"$tmp/err"
expect_status 0 $? "starttls = no with ldaps:// still works"
printf 'ldap://127.0.0.1:1/ %s' "$LDAP_URI" >"$tmp/uris"
sed "s#^uri = .*#uri = $(cat "$tmp/uris")#" "$CONF" >"$tmp/two.conf"
"$CP" sync --config "$tmp/two.conf" >/dev/null 2>"$tmp/err"
expect_status 0 $? "the second server of the uri list when the first does not answer"
grep -v '^tls_ca' "$CONF" >"$tmp/noca.conf"
LDAPTLS_CACERT="$LDAP_CA" "$CP" sync --config "$tmp/noca.conf" >/dev/null 2>"$tmp/err"
expect_status 0 $? "without tls_ca, the CAs of ldap.conf / LDAPTLS_CACERT"
"$CP" sync --config "$tmp/noca.conf" >/dev/null 2>"$tmp/err"
expect_status 2 $? "without any CA that signed the server's certificate"
grep -v '^bind_' "$CONF" >"$tmp/external.conf"
printf 'sasl_mech = EXTERNAL\n' >>"$tmp/external.conf"
# libldap 2.5.13 with GnuTLS leaks the client certificate and key it loads
# (so does ldapwhoami -Y EXTERNAL, under valgrind): not ours to report in a
# sanitizer build.
printf 'leak:gnutls_x509_privkey_init\nleak:gnutls_x509_crt_init\n' >"$tmp/lsan.supp"
LSAN_OPTIONS="suppressions=$tmp/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
	LDAPTLS_CERT="$LDAP_CLIENT_CERT" LDAPTLS_KEY="$LDAP_CLIENT_KEY" \
	"$CP" sync --config "$tmp/external.conf" >/dev/null 2>"$tmp/err"
expect_status 0 $? "SASL EXTERNAL with a TLS client certificate"
"$CP" sync --config "$tmp/external.conf" >/dev/null 2>"$tmp/err"
expect_status 2 $? "SASL EXTERNAL without a certificate"
expect_grep "refused the bind" "$tmp/err" "says the bind was refused"
cp "$LDAP_ADMIN_PWFILE" "$tmp/open.pw" && chmod 644 "$tmp/open.pw"
sed "s#^bind_password_file = .*#bind_password_file = $tmp/open.pw#" "$CONF" >"$tmp/openpw.conf"
"$CP" sync --config "$tmp/openpw.conf" >/dev/null 2>"$tmp/err"
expect_status 2 $? "a bind password file readable by others"
expect_grep "mode 0600 or 0400" "$tmp/err" "says why"
printf 'not-the-password\n' >"$tmp/bad.pw" && chmod 600 "$tmp/bad.pw"
sed "s#^bind_password_file = .*#bind_password_file = $tmp/bad.pw#" "$CONF" >"$tmp/badpw.conf"
"$CP" sync --config "$tmp/badpw.conf" >"$tmp/out" 2>"$tmp/err"
expect_status 2 $? "a wrong bind password"
expect_grep "refused the bind as $LDAP_ADMIN_DN" "$tmp/err" "says the bind was refused"
if grep -q -e "not-the-password" -e "$(cat "$LDAP_ADMIN_PWFILE")" "$tmp/err" "$tmp/out"; then
	fail "a password appears in the output"
else ok "no password in any message"; fi

# ---- hostile entries ----
esc_dn=$(printf 'uid=bad\033[31muser,ou=accounts,%s' "$BASE" | base64 -w0)
esc_uid=$(printf 'bad\033[31muser' | base64 -w0)
long=$(python3 -c "print('长' * 400)")
modify <<EOF
dn: uid=evil*(uid=*),ou=accounts,$BASE
changetype: add
objectClass: account
objectClass: credpolicyAccount
uid: evil*(uid=*)

dn:: $esc_dn
changetype: add
objectClass: account
objectClass: credpolicyAccount
uid:: $esc_uid

dn: employeeNumber=E40001,ou=people,$BASE
changetype: add
objectClass: inetOrgPerson
employeeNumber: E40001
cn: x
sn: x
displayName: $long

dn: employeeNumber=E40002,ou=people,$BASE
changetype: add
objectClass: inetOrgPerson
employeeNumber: E40002
cn: y
sn: y
audio:: /w==

dn: employeeNumber=E40003,ou=people,$BASE
changetype: add
objectClass: inetOrgPerson
employeeNumber: E40003
cn: z
sn: z
audio:: YQBi

dn: uid=badclass,ou=accounts,$BASE
changetype: add
objectClass: account
objectClass: credpolicyAccount
uid: badclass
credpolicyClass: platinum

dn: uid=orphan,ou=accounts,$BASE
changetype: add
objectClass: account
objectClass: credpolicyAccount
uid: orphan
credpolicyOwner: E99999

dn: uid=good01,ou=accounts,$BASE
changetype: add
objectClass: account
objectClass: credpolicyAccount
uid: good01
credpolicyOwner: E10086
EOF
# audio (an octet string: anything goes) as the display name, first.
sed 's/^\[ldap\]$/[ldap_map]\ndisplay_name = audio displayName cn\n\n[ldap]/' "$CONF" >"$tmp/hostile.conf"
"$CP" sync --config "$tmp/hostile.conf" --json >"$tmp/out" 2>"$tmp/err"
expect_status 1 $? "hostile entries: refused, the rest applied"
expect_py 'assert d["errors"] == 7 and len(d["problems"]) == 7, d' "$tmp/out" "seven entries refused, all reported"
expect_grep "uid=evil\*(uid.*,ou=accounts.*uid: .*a name may not have" "$tmp/err" "filter metacharacters in a name"
expect_grep 'uid=bad\\x1b\[31muser,ou=accounts.*control character' "$tmp/err" "a control character, shown escaped"
if grep -q "$(printf '\033')" "$tmp/err" "$tmp/out"; then fail "an escape character reached the output"; else ok "no control character reaches the terminal"; fi
expect_grep "employeeNumber=E40001.*displayName: the value is too long" "$tmp/err" "an oversized value"
expect_grep "employeeNumber=E40002.*audio: the value is not valid UTF-8" "$tmp/err" "invalid UTF-8"
expect_grep "employeeNumber=E40003.*audio: the value is not valid UTF-8 or contains a NUL" "$tmp/err" "a NUL byte"
expect_grep 'uid=badclass.*class "platinum" is not defined' "$tmp/err" "an unknown class"
expect_grep "uid=orphan.*owner E99999 is not a person in the ledger" "$tmp/err" "an unknown owner"
st good01 >/dev/null 2>&1
if [ $? -ne 2 ]; then ok "the good entry in the same batch is applied"; else fail "good01 missing"; fi
"$CP" events verify --config "$CONF" >/dev/null 2>&1
expect_status 0 $? "the event log still verifies"
# The unknown owner is added in the directory: the refused entry is read
# again by the next incremental sync, though it did not change itself.
modify <<EOF
dn: employeeNumber=E99999,ou=people,$BASE
changetype: add
objectClass: inetOrgPerson
employeeNumber: E99999
cn: w
sn: w
EOF
"$CP" sync --config "$tmp/hostile.conf" >/dev/null 2>&1
st orphan >"$tmp/out" 2>&1
if [ $? -ne 2 ]; then ok "a refused entry is applied once its owner exists"; else fail "orphan still missing"; fi

# ---- local records, --adopt ----
cat >"$tmp/local.json" <<'EOF'
{"format": "credpolicy-ledger", "version": 1,
 "people": [{"employee_id": "L1", "name": "Local Person"}],
 "accounts": [{"name": "localonly", "scope": "*", "class": "default", "kind": "service"},
              {"name": "adoptme", "scope": "*", "class": "new-media", "kind": "service"}]}
EOF
"$CP" ledger import --config "$CONF" "$tmp/local.json" >/dev/null 2>"$tmp/err"
expect_status 0 $? "local records imported"
modify <<EOF
dn: uid=adoptme,ou=accounts,$BASE
changetype: add
objectClass: account
objectClass: credpolicyAccount
uid: adoptme
credpolicyClass: important-host
EOF
cps --full >/dev/null 2>"$tmp/err"
expect_status 1 $? "a directory entry with a local record's name"
expect_grep "uid=adoptme.*local record adoptme.*--adopt" "$tmp/err" "is refused and says how to adopt it"
st localonly >/dev/null 2>&1
if [ $? -ne 2 ]; then ok "a local record survives a full reconciliation"; else fail "localonly removed"; fi
class_is adoptme new-media && ok "the local record is not changed" || fail "adoptme changed"
cps --adopt >/dev/null 2>&1
class_is adoptme important-host && ok "--adopt hands it to the directory" || fail "adoptme not adopted"

# ---- --follow: a change arrives within seconds, across a restart ----
"$CP" sync --follow --config "$CONF" >"$tmp/follow.out" 2>"$tmp/follow.err" &
follow_pid=$!
modify <<EOF
dn: uid=root,ou=accounts,$BASE
changetype: modify
replace: credpolicyClass
credpolicyClass: admin-workstation
EOF
if poll 60 class_is root admin-workstation; then ok "--follow: the change reached status within seconds"
else fail "--follow: no change within 60 s"; sed 's/^/    /' "$tmp/follow.err"; fi
"$FIX" restart "$S" >/dev/null 2>&1
modify <<EOF
dn: uid=root,ou=accounts,$BASE
changetype: modify
replace: credpolicyClass
credpolicyClass: important-host
EOF
if poll 90 class_is root important-host; then ok "--follow reconnects after a server restart"
else fail "--follow: no change after the restart"; sed 's/^/    /' "$tmp/follow.err"; fi
kill -TERM "$follow_pid"
wait "$follow_pid"
expect_status 0 $? "--follow stops cleanly on SIGTERM"
follow_pid=""
expect_grep "trying again" "$tmp/follow.err" "--follow said it lost the server and retried"

# ---- a large directory, the server killed in the middle ----
"$FIX" start "$B" >/dev/null 2>&1 || { echo "Bail out! second slapd"; exit 1; }
sh "$top_srcdir/bench/ldap_data.sh" 20000 >"$tmp/big.ldif"
"$FIX" load "$B" "$tmp/big.ldif" >/dev/null 2>&1
rm -f "$tmp/big.ldif"
BCONF="$B/credpolicy.conf"
# Small pages: many round trips, so that the kill lands mid-read.
printf 'page_size = 100\n' >>"$BCONF"
"$CP" ledger init --config "$BCONF" >/dev/null 2>&1
"$CP" sync --config "$BCONF" --full >/dev/null 2>&1 # a ledger to compare with
"$CP" ledger export --config "$BCONF" --output "$tmp/big-before.json" >/dev/null 2>&1
modify_big() { "$FIX" modify "$B" - >/dev/null 2>&1; }
modify_big <<EOF
dn: uid=bu0000001,ou=accounts,$BASE
changetype: delete
EOF
log_pages() { grep -c "nentries=100 " "$B/slapd.log" 2>/dev/null || echo 0; }
pages0=$(log_pages)
"$CP" sync --config "$BCONF" --full >"$tmp/big.out" 2>"$tmp/big.err" &
sync_pid=$!
poll 120 sh -c "[ \$(grep -c 'nentries=100 ' '$B/slapd.log') -ge $((pages0 + 20)) ]"
kill -STOP "$(cat "$B/pid")" 2>/dev/null # no more page goes out ...
"$FIX" kill "$B" >/dev/null 2>&1         # ... and the server dies
wait "$sync_pid"
rc=$?
if [ $rc -eq 2 ]; then ok "the server killed in the middle of a full sync: exit 2"
else fail "interrupted sync: exit $rc"; sed 's/^/    /' "$tmp/big.out" "$tmp/big.err"; fi
expect_grep "stopped answering" "$tmp/big.err" "says the directory went away"
"$CP" ledger export --config "$BCONF" --output "$tmp/big-after.json" >/dev/null 2>&1
expect_same "$tmp/big-before.json" "$tmp/big-after.json" "the ledger is exactly as it was"
"$FIX" start "$B" >/dev/null 2>&1
"$CP" sync --config "$BCONF" --full --json >"$tmp/out" 2>"$tmp/err"
expect_py 'assert d["removed"] == 1 and d["entries"] > 40000, d' "$tmp/out" "the next sync completes it"
# A search that misses most people (here a narrowed filter; an access rule
# or a moved subtree do the same) would depart them all: refused.
sed 's/^person_filter = .*//' "$BCONF" >"$tmp/narrow.conf"
printf 'person_filter = (employeeNumber=B00000*)\n' >>"$tmp/narrow.conf"
"$CP" ledger export --config "$BCONF" --output "$tmp/big-before.json" >/dev/null 2>&1
"$CP" sync --config "$tmp/narrow.conf" --full >"$tmp/out" 2>"$tmp/err"
expect_status 2 $? "a full read missing most people is refused"
expect_grep "more than max_removals (10%)" "$tmp/err" "and names max_removals"
"$CP" ledger export --config "$BCONF" --output "$tmp/big-after.json" >/dev/null 2>&1
expect_same "$tmp/big-before.json" "$tmp/big-after.json" "nobody was departed"
"$CP" sync --config "$tmp/narrow.conf" --full --dry-run --allow-removals --json >"$tmp/out" 2>"$tmp/err"
expect_py 'assert d["removed"] > 19000, d' "$tmp/out" "--allow-removals lets it through (here a dry run)"
"$FIX" stop "$B" >/dev/null 2>&1

# ---- no syncprov: the modifyTimestamp mode ----
SLAPD_SYNCPROV=no "$FIX" start "$T" >/dev/null 2>&1 || { echo "Bail out! third slapd"; exit 1; }
TCONF="$T/credpolicy.conf"
tsync() { "$CP" sync --config "$TCONF" --json "$@"; }
"$CP" ledger init --config "$TCONF" >/dev/null 2>&1
tsync >"$tmp/out" 2>"$tmp/err"
expect_py 'assert d["mode"] == "full" and d["added"] == 15, d' "$tmp/out" \
	"without RFC 4533: a full read first"
"$FIX" modify "$T" - >/dev/null 2>&1 <<EOF
dn: uid=lina,ou=accounts,$BASE
changetype: modify
replace: credpolicyClass
credpolicyClass: new-media

dn: uid=root,ou=accounts,$BASE
changetype: delete
EOF
tsync >"$tmp/out" 2>"$tmp/err"
expect_py 'assert d["mode"] == "timestamp" and d["changed"] >= 1 and d["removed"] == 0, d' \
	"$tmp/out" "then entries changed since the high-water mark"
"$CP" status --config "$TCONF" lina | grep -q "^class:     new-media" &&
	ok "the change reached the ledger" || fail "lina not changed (timestamp mode)"
tsync --full >"$tmp/out" 2>"$tmp/err"
expect_py 'assert d["mode"] == "full" and d["removed"] == 1, d' "$tmp/out" \
	"the full reconciliation sees the deletion"
printf 'sync_mode = syncrepl\n' >>"$TCONF"
"$CP" sync --config "$TCONF" >/dev/null 2>"$tmp/err"
expect_status 2 $? "sync_mode = syncrepl against a server without it"

# ---- an Active Directory shape: objectGUID, whenChanged, pwdLastSet, lockoutTime ----
# (no RFC 4533, like AD; tests/ldap/ad-shaped.ldif gives slapd AD's attributes)
guid() { # the 16 octets of a GUID, base64 for LDIF: N, then 01 02 ... 0f
	python3 -c 'import base64, sys; print(base64.b64encode(bytes([int(sys.argv[1])] + list(range(1, 16)))).decode())' "$1"
}
ADCONF="$tmp/ad.conf"
sed -e "s|^path = .*|path = $tmp/ad-ledger.db|" -e "s|ou=people,|ou=adpeople,|" \
	-e "s|ou=accounts,|ou=adaccounts,|" -e "s|ou=groups,|ou=adgroups,|" "$TCONF" |
	grep -v '^sync_mode' >"$ADCONF"
cat >>"$ADCONF" <<EOF
account_filter = (sAMAccountName=*)
[ldap_map]
entry_uuid = objectGUID
modified = whenChanged
account_name = sAMAccountName
last_change = pwdLastSet
locked = lockoutTime
disabled = userAccountControl
EOF
"$FIX" modify "$T" - >/dev/null 2>"$tmp/err" <<EOF
dn: ou=adpeople,$BASE
changetype: add
objectClass: organizationalUnit
ou: adpeople

dn: ou=adaccounts,$BASE
changetype: add
objectClass: organizationalUnit
ou: adaccounts

dn: ou=adgroups,$BASE
changetype: add
objectClass: organizationalUnit
ou: adgroups

dn: cn=Liu Yang,ou=adpeople,$BASE
changetype: add
objectClass: inetOrgPerson
objectClass: credpolicyTestAD
cn: Liu Yang
sn: Liu
employeeNumber: E70001
objectGUID:: $(guid 1)
whenChanged: 20260101000000.0Z

dn: cn=liuy,ou=adaccounts,$BASE
changetype: add
objectClass: organizationalRole
objectClass: credpolicyAccount
objectClass: credpolicyTestAD
cn: liuy
sAMAccountName: liuy
credpolicyOwner: E70001
objectGUID:: $(guid 2)
pwdLastSet: 0
lockoutTime: 0
userAccountControl: 512
whenChanged: 20260101000000.0Z

dn: cn=zhaol,ou=adaccounts,$BASE
changetype: add
objectClass: organizationalRole
objectClass: credpolicyAccount
objectClass: credpolicyTestAD
cn: zhaol
sAMAccountName: zhaol
credpolicyOwner: E70001
objectGUID:: $(guid 7)
userAccountControl: 514
whenChanged: 20260101000000.0Z

dn: cn=wangf,ou=adaccounts,$BASE
changetype: add
objectClass: organizationalRole
objectClass: credpolicyAccount
objectClass: credpolicyTestAD
cn: wangf
sAMAccountName: wangf
credpolicyOwner: E70001
objectGUID:: $(guid 3)
pwdLastSet: 134353170000000000
lockoutTime: 134353170000000000
whenChanged: 20260101000000.0Z

dn: cn=orphan,ou=adaccounts,$BASE
changetype: add
objectClass: organizationalRole
objectClass: credpolicyAccount
objectClass: credpolicyTestAD
cn: orphan
sAMAccountName: orphan
credpolicyOwner: E70009
objectGUID:: $(guid 4)
whenChanged: 20250101000000.0Z

dn: cn=staff,ou=adgroups,$BASE
changetype: add
objectClass: groupOfNames
objectClass: credpolicyTestAD
cn: staff
member: cn=Liu Yang,ou=adpeople,$BASE
objectGUID:: $(guid 5)
whenChanged: 20260101000000.0Z
EOF
expect_status 0 $? "AD-shaped entries loaded"
"$CP" ledger init --config "$ADCONF" >/dev/null 2>&1
"$CP" sync --config "$ADCONF" --json >"$tmp/out" 2>"$tmp/err"
expect_py 'assert d["mode"] == "full" and d["added"] == 5 and d["errors"] == 1, d' "$tmp/out" \
	"AD shape: a person, three accounts and a group by objectGUID; the unknown owner refused"
"$CP" status --config "$ADCONF" --json liuy >"$tmp/out" 2>/dev/null
expect_py 'assert d["state"] == "must_change", d' "$tmp/out" "pwdLastSet 0: must change"
"$CP" status --config "$ADCONF" --json wangf >"$tmp/out" 2>/dev/null
expect_py 'assert d["state"] == "locked", d' "$tmp/out" "lockoutTime set: locked"
"$CP" status --config "$ADCONF" --json zhaol >"$tmp/out" 2>/dev/null
expect_py 'assert d["state"] == "locked", d' "$tmp/out" "userAccountControl with ACCOUNTDISABLE: locked"
# The owner appears; the refused account is older than the whenChanged
# mark, so only reading it again by its objectGUID (octets in the filter)
# can bring it in.
"$FIX" modify "$T" - >/dev/null 2>"$tmp/err" <<EOF
dn: cn=Wang Fang,ou=adpeople,$BASE
changetype: add
objectClass: inetOrgPerson
objectClass: credpolicyTestAD
cn: Wang Fang
sn: Wang
employeeNumber: E70009
objectGUID:: $(guid 6)
whenChanged: 20260601000000.0Z
EOF
"$CP" sync --config "$ADCONF" --json >"$tmp/out" 2>"$tmp/err"
# 7 entries: the six changed since the mark (whenChanged, not
# modifyTimestamp, which would give every one), and the orphan again.
expect_py 'assert d["mode"] == "timestamp" and d["added"] == 2 and d["errors"] == 0 and d["entries"] == 7, d' \
	"$tmp/out" "AD shape: whenChanged since the mark, and the refused account read again by objectGUID"
"$CP" status --config "$ADCONF" orphan >/dev/null 2>&1
[ $? -ne 2 ] && ok "the account is in the ledger now" || fail "orphan not applied"
sed '/^\[ldap_map\]/i sync_mode = syncrepl' "$ADCONF" >"$tmp/ad-syncrepl.conf"
"$CP" sync --config "$tmp/ad-syncrepl.conf" >/dev/null 2>"$tmp/err"
expect_status 2 $? "RFC 4533 with entries named by objectGUID"
expect_grep "needs \[ldap_map\] entry_uuid = entryUUID" "$tmp/err" "says RFC 4533 needs entryUUID"
"$FIX" stop "$T" >/dev/null 2>&1

# ---- the connection interface (ldap_conn.h), as the offboarding uses it ----
modify <<EOF
dn: uid=dup,ou=accounts,$BASE
changetype: add
objectClass: account
uid: dup

dn: uid=dup2,ou=accounts,$BASE
changetype: add
objectClass: account
uid: dup2
uid: dup
EOF
vg=""
# Under valgrind too, unless this is a sanitizer build (the two do not mix).
command -v valgrind >/dev/null 2>&1 && ! ldd "$top_builddir/tests/test_sync_conn" | grep -q libasan &&
	vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
CREDPOLICY_TEST_LDAP_CONF="$CONF" CK_FORK=no $vg "$top_builddir/tests/test_sync_conn" \
	>"$tmp/conn.out" 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "cp_ldap_connect, cp_ldap_account_dn (escaped filters), cp_ldap_map${vg:+, under valgrind}"
else fail "test_sync_conn: exit $rc"; sed 's/^/    /' "$tmp/conn.out" | head -30; fi

echo "1..$n"
[ "$fails" -eq 0 ]
