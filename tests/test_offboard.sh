#!/bin/sh
# test_offboard.sh - credpolicy offboard and tools/hr-offboard on this host
# (R13), with a fake root's /etc/shadow: a custodian of several accounts
# leaves; then the real PAM module forces the change of every account
# whose password they knew (PAM_NEW_AUTHTOK_REQD) and refuses their own
# login, and shadow has pam_unix's forced change and usermod's "!" lock.
# Also: --dry-run changes nothing; a second run changes nothing and says
# so; a backend failing for one account is reported (exit 1), the account
# still flagged, and a re-run completes it; unknown employee (exit 2);
# missing ticket or reason (exit 2); a transfer; a future effective date;
# HR's script with arguments, CSV and JSON batches.
NAME=offboard
. "${top_srcdir:-.}/tests/helpdesk_lib.sh"
HR=$top_builddir/tools/hr-offboard
export CREDPOLICY="$CP"

today=$(date -u +%Y-%m-%dT00:00:00Z)
acct() { # NAME KIND OWNER CUSTODIANS
	printf '  {"name": "%s", "scope": "*", "class": "default", "kind": "%s", "owner": %s, "last_change": "%s", "custodians": [%s]}' \
		"$1" "$2" "$3" "$today" "$4"
}
{
	cat <<'EOF'
{"format": "credpolicy-ledger", "version": 1,
 "people": [
  {"employee_id": "E1", "name": "张伟"}, {"employee_id": "E2", "name": "李娜"},
  {"employee_id": "E3", "name": "王芳"}, {"employee_id": "E4", "name": "刘洋"}],
 "accounts": [
EOF
	acct zhangw personal '"E1"' ''
	echo ,
	acct lina personal '"E2"' '"E1"'
	echo ,
	acct dbadmin service null '"E1", "E3"'
	echo ,
	acct webops service null '"E1"'
	echo ,
	acct appsvc service '"E1"' ''
	echo ,
	acct backup service null '"E3"'
	echo ,
	acct broken service null '"E3"'
	echo ,
	acct liuy personal '"E4"' ''
	echo ,
	acct wangf personal '"E3"' ''
	printf '\n]}\n'
} >"$tmp/ledger.json"
"$CP" ledger init >/dev/null && "$CP" ledger import "$tmp/ledger.json" >/dev/null ||
	{ echo "Bail out! no ledger"; exit 99; }
make_shadow zhangw lina dbadmin webops appsvc backup broken liuy wangf

# ---------------------------------------------------------------- refusals

cpx help offboard --help
t "offboard --help" help '[ $rc -eq 0 ] && has help "Usage: credpolicy offboard"'
e0=$(nevents)
cp "$ROOT/etc/shadow" "$tmp/shadow.0"
cpx noticket offboard E1 --reason departure --root "$ROOT"
t "no ticket: exit 2, a clear message" noticket '[ $rc -eq 2 ] && says noticket "--ticket ID"'
cpx noreason offboard E1 --ticket HR-1 --root "$ROOT"
t "no reason: exit 2" noreason '[ $rc -eq 2 ] && says noreason "--reason departure|transfer"'
cpx badreason offboard E1 --ticket HR-1 --reason holiday --root "$ROOT"
t "a reason other than departure or transfer: exit 2" badreason '[ $rc -eq 2 ]'
cpx unknown offboard E404 --reason departure --ticket HR-1 --root "$ROOT"
t "unknown employee: exit 2, named, nothing written" unknown \
	'[ $rc -eq 2 ] && says unknown "no person with the employee id '"'"'E404'"'"'" &&
	 [ "$(nevents)" -eq "$e0" ]'
cpx future offboard E1 --reason departure --ticket HR-1 --date 2999-01-01 --root "$ROOT"
t "a future effective date: not yet, nothing changed, exit 0" future \
	'[ $rc -eq 0 ] && has future "not yet: effective 2999-01-01" && [ "$(nevents)" -eq "$e0" ]'
cpx baddate offboard E1 --reason departure --ticket HR-1 --date 2026-02-30 --root "$ROOT"
t "an impossible date: exit 2" baddate '[ $rc -eq 2 ]'

# ---------------------------------------------------------------- dry run

rm -f "$ROOT/etc/.pwd.lock"
ls -a "$ROOT/etc" >"$tmp/etc.0"
cpx dry offboard E1 --reason departure --ticket HR-1 --root "$ROOT" --dry-run --json
t "--dry-run: the plan, nothing written to the ledger or shadow (not even the lock file)" dry \
	'[ $rc -eq 0 ] && [ "$(nevents)" -eq "$e0" ] && cmp -s "$tmp/shadow.0" "$ROOT/etc/shadow" &&
	 ls -a "$ROOT/etc" | cmp -s "$tmp/etc.0" - &&
	 python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"status\"] == \"planned\" and d[\"dry_run\"], d
got = sorted((i[\"action\"], i[\"account\"] or \"\", i[\"state\"]) for i in d[\"items\"])
want = sorted([(\"depart\", \"\", \"pending\"), (\"lock\", \"zhangw\", \"pending\"),
  (\"must_change\", \"appsvc\", \"pending\"), (\"must_change\", \"dbadmin\", \"pending\"),
  (\"revoke\", \"dbadmin\", \"pending\"), (\"must_change\", \"lina\", \"pending\"),
  (\"revoke\", \"lina\", \"pending\"), (\"must_change\", \"webops\", \"pending\"),
  (\"revoke\", \"webops\", \"pending\")])
assert got == want, got
" "$tmp/dry.out"'

# ---------------------------------------------------------------- before

for u in lina dbadmin webops appsvc zhangw; do pam "before_$u" "$u" acct; done
t "before: every account logs in (PAM_SUCCESS)" before_lina \
	'for u in lina dbadmin webops appsvc zhangw; do result "before_$u" acct PAM_SUCCESS || exit 1; done'

# ---------------------------------------------------------------- offboarding (R13)

cpx off offboard E1 --reason departure --ticket HR-1 --root "$ROOT"
t "offboard E1 (custodian of lina, dbadmin, webops; owner of zhangw, appsvc): exit 0" off \
	'[ $rc -eq 0 ] && has off "E1 张伟: departure, ticket HR-1: done"'
t "it says who must now change what" off \
	'grep -q "must_change  lina .*custodian left.*notify: E2 李娜" "$tmp/off.out" &&
	 grep -q "must_change  dbadmin .*notify: E3 王芳" "$tmp/off.out"'
for u in lina dbadmin webops appsvc; do pam "after_$u" "$u" acct; done
t "PAM acct_mgmt: PAM_NEW_AUTHTOK_REQD for every account the leaver knew" after_lina \
	'for u in lina dbadmin webops; do result "after_$u" acct PAM_NEW_AUTHTOK_REQD &&
	   has "after_$u" "You must change your password now (custodian left)." || exit 1; done &&
	 result after_appsvc acct PAM_NEW_AUTHTOK_REQD && has after_appsvc "(owner left)"'
pam after_zhangw zhangw acct
t "the leaver's own login is refused" after_zhangw \
	'result after_zhangw acct PAM_PERM_DENIED && has after_zhangw "This account is locked."'
pam after_liuy liuy acct
t "someone else's account is untouched" after_liuy 'result after_liuy acct PAM_SUCCESS'
t "shadow: the leaver's account locked with \"!\" and expired (usermod -L -e 1), the others' last change 0" off \
	'case $(shadow zhangw 2) in "!"*) true ;; *) false ;; esac && [ "$(shadow zhangw 8)" = 1 ] &&
	 for u in lina dbadmin webops appsvc; do [ "$(shadow "$u" 3)" = 0 ] || exit 1; done &&
	 [ "$(shadow liuy 3)" = 20000 ] && [ "$(shadow root 2)" = "\$y\$j9T\$rootsalt\$roothash" ]'
events >"$tmp/ev.out"
me=$(id -un)
t "events: depart, lock, must_change and revoke with actor and ticket, then the summary" ev \
	'grep -q "depart person=E1 actor=$me ticket=HR-1" "$tmp/ev.out" &&
	 grep -q "lock account=zhangw person=E1 actor=$me ticket=HR-1 detail=departure" "$tmp/ev.out" &&
	 [ "$(grep -c "must_change account=.* person=E1 actor=$me ticket=HR-1" "$tmp/ev.out")" -eq 4 ] &&
	 [ "$(grep -c "revoke account=.* person=E1 actor=$me ticket=HR-1 detail=custodian left" "$tmp/ev.out")" -eq 3 ] &&
	 grep -q "offboard person=E1 actor=$me ticket=HR-1 detail=reason=departure applied=9 failed=0" "$tmp/ev.out" &&
	 "$CP" events verify >/dev/null'
"$CP" status dbadmin --json >"$tmp/links.out"
t "the custodian links are revoked; the other custodian stays" links \
	'"$CP" ledger export | python3 -c "
import json, sys
d = json.load(sys.stdin)
c = {a[\"name\"]: a.get(\"custodians\", []) for a in d[\"accounts\"]}
assert c[\"dbadmin\"] == [\"E3\"] and c[\"lina\"] == [] and c[\"webops\"] == [], c
"'

# ---------------------------------------------------------------- idempotent

e1=$(nevents)
cp "$ROOT/etc/shadow" "$tmp/shadow.1"
cpx again offboard E1 --reason departure --ticket HR-1 --root "$ROOT" --json
t "a second run: exit 0, nothing to do, every item already done" again \
	'[ $rc -eq 0 ] && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"status\"] == \"nothing_to_do\", d
assert all(i[\"state\"] == \"done\" for i in d[\"items\"]), d
" "$tmp/again.out"'
t "... and it wrote nothing, to the ledger or to shadow" again \
	'[ "$(nevents)" -eq "$e1" ] && cmp -s "$tmp/shadow.1" "$ROOT/etc/shadow"'

"$CP" offboard E1 --reason departure --ticket HR-1 --root "$ROOT" --json >/dev/full 2>"$tmp/full.err"
rc=$?
t "a report that cannot be written (a full disk) is not a success: exit 1, said" full \
	'[ $rc -eq 1 ] && says full "cannot write the output"'

# ---------------------------------------------------------------- partial failure

# E3 knows backup and broken; broken's shadow line is damaged.
sed -i 's/^broken:.*/broken:damaged/' "$ROOT/etc/shadow"
cpx partial offboard E3 --reason departure --ticket HR-3 --root "$ROOT"
t "a backend failing for one account: exit 1, reported, named" partial \
	'[ $rc -eq 1 ] && has partial "NOT completed: run it again" &&
	 grep -q "must_change  broken .*FAILED.*damaged" "$tmp/partial.out"'
pam partial_pam broken acct
t "... that account is flagged in the ledger all the same (never left unflagged)" partial_pam \
	'result partial_pam acct PAM_NEW_AUTHTOK_REQD'
t "... the others are done, its custodian link kept for the re-run" partial \
	'[ "$(shadow backup 3)" = 0 ] && "$CP" ledger export | python3 -c "
import json, sys
c = {a[\"name\"]: a.get(\"custodians\", []) for a in json.load(sys.stdin)[\"accounts\"]}
assert c[\"broken\"] == [\"E3\"] and c[\"backup\"] == [] and c[\"dbadmin\"] == [], c
"'
t "... and the summary event says failed=2" partial \
	'events | grep -q "offboard person=E3 .*detail=reason=departure applied=.* failed=2"'
sed -i 's/^broken:damaged$/broken:$y$j9T$salt$hash-of-broken:20000:0:99999:7:::/' "$ROOT/etc/shadow"
cpx rerun offboard E3 --reason departure --ticket HR-3 --root "$ROOT"
t "the re-run completes it: exit 0" rerun \
	'[ $rc -eq 0 ] && grep -q "revoke       broken .* done" "$tmp/rerun.out" &&
	 [ "$(shadow broken 3)" = 0 ]'
cpx rerun2 offboard E3 --reason departure --ticket HR-3 --root "$ROOT"
t "a third run has nothing to do" rerun2 '[ $rc -eq 0 ] && has rerun2 "nothing to do"'

# ---------------------------------------------------------------- transfer

cpx transfer offboard E2 --reason transfer --ticket HR-5 --root "$ROOT"
pam transfer_pam lina acct
t "a transfer: own account must change (transfer), not locked; person stays active" transfer_pam \
	'[ $rc -eq 0 ] && result transfer_pam acct PAM_NEW_AUTHTOK_REQD && has transfer_pam "(transfer)" &&
	 ! events | grep -q "depart person=E2"'
GOOD='Lantern$Meadow%27'
printf '%s\n' "$GOOD" >"$tmp/secrets"
answers forced "old" "$GOOD" "$GOOD"
pam forced lina $SELF login acct
t "the forced change at login, then let in" forced \
	'result forced login PAM_SUCCESS && tail -1 "$tmp/forced.out" | grep -qx "result acct PAM_SUCCESS"'
cpx transfer2 offboard E2 --reason transfer --ticket HR-5 --root "$ROOT"
t "the same transfer again (same ticket): nothing to do, no new flag" transfer2 \
	'[ $rc -eq 0 ] && has transfer2 "nothing to do" && { [ -z "$SELF" ] || [ "$(state lina)" = ok ]; }'

# pam_unix recorded lina's new password in shadow: the same transfer again
# must not force another change there.
sed -i 's/^\(lina:[^:]*:\)0:/\120500:/' "$ROOT/etc/shadow"
cpx transfer3 offboard E2 --reason transfer --ticket HR-5 --root "$ROOT"
t "... nor touch shadow again once the user has changed the password" transfer3 \
	'[ $rc -eq 0 ] && [ "$(shadow lina 3)" = 20500 ] && has transfer3 "nothing to do"'

# ---------------------------------------------------------------- HR's script

"$HR" --help >"$tmp/hrhelp.out" 2>&1
t "hr-offboard --help" hrhelp 'has hrhelp "Usage: hr-offboard"'
# HR's script speaks Chinese too: its messages come from credpolicy's
# catalogue (the tree's plus this work's pending ones, until merged).
pending="$top_srcdir/po/pending/issue6.po"
[ -f "$pending" ] || pending=""
if ! locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$' || ! command -v gettext >/dev/null 2>&1; then
	skip "hr-offboard in Chinese" "no zh_CN.UTF-8 locale or no gettext(1)"
else
	mkdir -p "$tmp/locale/zh_CN/LC_MESSAGES"
	msgcat --use-first -o "$tmp/zh.po" "$top_srcdir/po/zh_CN.po" ${pending:+"$pending"} &&
		msgfmt -o "$tmp/locale/zh_CN/LC_MESSAGES/credpolicy.mo" "$tmp/zh.po"
	LANG=zh_CN.UTF-8 LANGUAGE= CREDPOLICY_LOCALEDIR="$tmp/locale" "$HR" --help >"$tmp/hrzh.out" 2>&1
	LANG=zh_CN.UTF-8 LANGUAGE= CREDPOLICY_LOCALEDIR="$tmp/locale" "$HR" --bogus >"$tmp/hrzhbad.out" 2>"$tmp/hrzhbad.err"
	rc=$?
	t "hr-offboard in Chinese: its help and its errors" hrzh \
		'has hrzh "用法：hr-offboard" && ! has hrzh "Usage:" && [ $rc -eq 2 ] &&
		 says hrzhbad "未知选项“--bogus”" && says hrzhbad "hr-offboard --help"'
fi
"$HR" --root "$ROOT" E4 >"$tmp/hrnoticket.out" 2>"$tmp/hrnoticket.err"
rc=$?
t "hr-offboard: an employee id without a ticket, exit 2" hrnoticket \
	'[ $rc -eq 2 ] && says hrnoticket "--ticket ID"'
"$HR" --root "$ROOT" --ticket HR-9 E4 'E1,2020-01-01,departure,HR-1' 'E404,,departure,HR-10' \
	'E3,2999-12-31,transfer,HR-11' >"$tmp/hrargs.out" 2>"$tmp/hrargs.err"
rc=$?
pam hr_liuy liuy acct
t "hr-offboard with arguments: each reported; unknown employee makes it exit 2" hrargs \
	'[ $rc -eq 2 ] && has hrargs "E4 刘洋: departure, ticket HR-9: done" &&
	 has hrargs "E1 张伟: departure, ticket HR-1: nothing to do" &&
	 has hrargs "E404: departure, ticket HR-10: no such person" &&
	 has hrargs "E3: transfer, ticket HR-11: not yet" &&
	 has hrargs "4 leavers: 1 done, 1 nothing to do, 1 not yet, 1 failed" &&
	 result hr_liuy acct PAM_PERM_DENIED'
printf 'employee_id,effective_date,reason,ticket\nE4,,departure,HR-9\n"E1",2020-01-01,departure,"HR-1"\n' |
	"$HR" --root "$ROOT" --json >"$tmp/hrcsv.out" 2>"$tmp/hrcsv.err"
rc=$?
t "hr-offboard: a CSV batch on stdin, re-run safely: exit 0, JSON per person" hrcsv \
	'[ $rc -eq 0 ] && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"failed\"] == 0 and [r[\"status\"] for r in d[\"results\"]] == [\"nothing_to_do\"] * 2, d
" "$tmp/hrcsv.out"'
e2=$(nevents)
printf 'E4,,departure,HR-9\nE5,,retire,HR-12\nE6\n' | "$HR" --root "$ROOT" \
	>"$tmp/hrbad.out" 2>"$tmp/hrbad.err"
rc=$?
t "hr-offboard: a bad batch is refused whole, every problem named, nothing done" hrbad \
	'[ $rc -eq 2 ] && says hrbad "line 2: the reason must be departure or transfer" &&
	 says hrbad "line 3: expected 4 fields" && [ "$(nevents)" -eq "$e2" ]'
e2=$(nevents)
printf 'E4,,departure,HR-9\n\n# a comment\nE5,,retire,HR-12\nE6,+202-01-01,departure,HR-14\n' |
	"$HR" --root "$ROOT" >"$tmp/hrlines.out" 2>"$tmp/hrlines.err"
rc=$?
t "hr-offboard: problems named by the line of the file, blank lines counted; a date must be digits" hrlines \
	'[ $rc -eq 2 ] && says hrlines "line 4: the reason must be departure or transfer" &&
	 says hrlines "line 5: the effective date is not a date" && [ "$(nevents)" -eq "$e2" ]'
echo '[{"employee_id": "E2", "effective_date": 20991231, "reason": "transfer", "ticket": "HR-15"}]' |
	"$HR" --root "$ROOT" >"$tmp/hrtype.out" 2>"$tmp/hrtype.err"
rc=$?
t "hr-offboard: a JSON effective date that is not a string is refused, not read as today" hrtype \
	'[ $rc -eq 2 ] && says hrtype "element 1: effective_date must be a string" && [ "$(nevents)" -eq "$e2" ]'
echo '[{"employee_id": "E2", "effective_date": "", "reason": "transfer", "ticket": "HR-13"}]' |
	"$HR" --root "$ROOT" >"$tmp/hrjson.out" 2>"$tmp/hrjson.err"
rc=$?
pam hr_lina lina acct
t "hr-offboard: a JSON batch: E2's second transfer (a new ticket) flags lina again" hrjson \
	'[ $rc -eq 0 ] && has hrjson "E2 李娜: transfer, ticket HR-13: done" &&
	 result hr_lina acct PAM_NEW_AUTHTOK_REQD'
echo '[{"employee_id": "E3", "reason": "transfer", "reason": "x", "ticket": "T"}]' |
	"$HR" --root "$ROOT" >"$tmp/hrdup.out" 2>"$tmp/hrdup.err"
rc=$?
t "hr-offboard: a JSON batch with a duplicate key is refused" hrdup '[ $rc -eq 2 ]'

# ---------------------------------------------------------------- valgrind

if readelf -d "$top_builddir/libpolicy/.libs/libcredpolicy.so" 2>/dev/null | grep -q libasan; then
	skip "valgrind memcheck of offboard" "built with AddressSanitizer"
elif command -v valgrind >/dev/null 2>&1; then
	printf 'E2,,departure,HR-20\nE404,,departure,HR-21\n' |
		"$top_builddir/libtool" --mode=execute valgrind -q --error-exitcode=99 \
		--leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect "$CP" offboard --batch - --root "$ROOT" --json \
		>"$tmp/vg.out" 2>"$tmp/vg.err"
	rc=$?
	t "valgrind: a batch with a departure and an unknown employee, no error, no leak" vg \
		'[ $rc -eq 2 ]'
else
	skip "valgrind memcheck of offboard" "valgrind missing"
fi

t "no password and no shadow hash in any output" leaks \
	'no_secret && ! grep -l "hash-of-" "$tmp"/*.out "$tmp"/*.err >/dev/null 2>&1'
finish
