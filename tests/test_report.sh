#!/bin/sh
# test_report.sh - credpolicy report and credpolicy review on a ledger with
# one case of every finding (tests/report_ledger.sh): each number and each
# finding of rotation by class (R7-R11), ownership and sharing alerts (R12),
# leavers (R13), separation of duties (R18, with the scope overlaps one by
# one) and access reviews (R19), in text, JSON and every CSV section;
# RFC 4180 and no formula injection; --fail-on; --output; usage errors;
# credpolicy review and its events; an empty and an old ledger.
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
CP="$top_builddir/tools/credpolicy"
FIXTURE="$top_builddir/tests/test_report_fixture"
command -v python3 >/dev/null 2>&1 || { echo "# python3 is needed"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cp-test-report.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
export LANG=C.UTF-8 LANGUAGE=
: >"$tmp/empty.conf"
export CREDPOLICY_CONF="$tmp/empty.conf"
NOW=2026-07-01 # the date every expected number below is for
. "$top_srcdir/tests/report_ledger.sh"
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
expect_status() { # want got what
	if [ "$1" -eq "$2" ]; then ok "$3 (exit $2)"; else fail "$3: exit $2, wanted $1"; fi
}
expect_grep() { # ERE file what
	if grep -qE -- "$1" "$2"; then ok "$3"; else fail "$3: no '$1' in:"; sed 's/^/    /' "$2"; fi
}
# expect_py CODE FILE what: CODE asserts on d (the JSON document of FILE).
expect_py() {
	if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $1" "$2" 2>"$tmp/py.err"
	then ok "$3"; else fail "$3"; sed 's/^/    /' "$tmp/py.err" | tail -5; fi
}
# expect_csv CODE FILE what: CODE asserts on h (the header) and rows (dicts).
expect_csv() {
	if python3 -c "
import csv,sys
f=open(sys.argv[1], newline='', encoding='utf-8'); t=list(csv.reader(f, strict=True))
h=t[0]; rows=[dict(zip(h, r)) for r in t[1:]]
assert all(len(r) == len(h) for r in t), 'ragged rows'
$1" "$2" 2>"$tmp/py.err"
	then ok "$3"; else fail "$3"; sed 's/^/    /' "$tmp/py.err" "$2" | tail -12; fi
}

D="$tmp/d"
mkdir "$D" && chmod 700 "$D"
build_report_ledger "$D"
expect_status 0 $? "the ledger of every finding"
C="$D/report.conf"
L="$D/ledger.db"
rep() { "$CP" report --config "$C" --ledger "$L" "$@"; }

# ---- usage ----
for cmd in report review; do
	"$CP" $cmd --help >"$tmp/out" 2>&1
	expect_status 0 $? "$cmd --help"
	expect_grep "^Usage: credpolicy $cmd" "$tmp/out" "$cmd --help shows the usage"
done
"$CP" --help >"$tmp/out" 2>&1
expect_grep "^  report " "$tmp/out" "credpolicy --help lists report"
expect_grep "^  review " "$tmp/out" "credpolicy --help lists review"
usage() { # what args...: exit 2 with a message on stderr
	what=$1; shift
	rep "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ "$st" -eq 2 ] && [ -s "$tmp/err" ] && [ ! -s "$tmp/out" ]; then ok "usage error: $what"
	else fail "usage error: $what (exit $st)"; sed 's/^/    /' "$tmp/err"; fi
}
usage "unknown option" --bogus
usage "unexpected argument" extra
usage "bad --now" --now 2026-02-30
usage "bad --since" --since yesterday
usage "--since after --now" --now 2026-07-01 --since 2026-07-02
usage "--section without --csv" --section leavers
usage "unknown --section" --csv --section nope
usage "unknown --format" --format pdf
usage "two formats" --json --csv
usage "unknown --fail-on" --fail-on everything
usage "empty --fail-on (a gate that could never fail)" --fail-on ""
usage "--html and --output naming two files" --html "$tmp/a.html" --output "$tmp/b.html"
if [ ! -e "$tmp/a.html" ] && [ ! -e "$tmp/b.html" ]; then ok "two output files: neither written"
else fail "two output files: one was written"; fi
"$CP" report --config "$C" --ledger "$tmp/nope.db" >/dev/null 2>"$tmp/err"
expect_status 2 $? "missing ledger"
expect_grep "ledger init" "$tmp/err" "missing ledger: says how to create one"

# ---- the report as of NOW, in every format ----
rep --now "$NOW" >"$tmp/r.txt" 2>"$tmp/err"
expect_status 0 $? "text report"
rep --now "$NOW" --json >"$tmp/r.json" 2>>"$tmp/err"
expect_status 0 $? "JSON report"
for s in summary rotation reasons accounts ownership alerts leavers duties reviews; do
	rep --now "$NOW" --csv --section "$s" >"$tmp/$s.csv" 2>>"$tmp/err"
	expect_status 0 $? "CSV section $s"
done
rep --now "$NOW" --csv >"$tmp/default.csv"
if cmp -s "$tmp/default.csv" "$tmp/summary.csv"; then ok "--csv alone is the summary"
else fail "--csv alone is not the summary"; fi
if [ -s "$tmp/err" ]; then fail "stderr is empty"; sed 's/^/    /' "$tmp/err"; else ok "stderr is empty"; fi

# ---- summary ----
expect_py "assert d['report'] == 'credpolicy-report' and d['version'] == 1
assert d['now'] == '2026-07-01T00:00:00Z' and d['since'] == '2026-06-01T00:00:00Z', (d['now'], d['since'])
assert d['summary'] == {'accounts': 14, 'rotation': 5, 'ownership': 2, 'alerts': 0, 'leavers': 4,
                        'duties': 3, 'reviews': 12}, d['summary']" "$tmp/r.json" "JSON: summary"
expect_grep "^  accounts in the ledger +14$" "$tmp/r.txt" "text: 14 accounts"
expect_grep "^  overdue or must change +R7-R11 +5$" "$tmp/r.txt" "text: 5 overdue or must change"
expect_grep "^  unowned or shared personal accounts +R12 +2$" "$tmp/r.txt" "text: 2 unowned or shared"
expect_grep "^  sharing alerts in the period +R12 +0$" "$tmp/r.txt" "text: no alert before NOW"
expect_grep "^  accounts with a leaver's credential not changed +R13 +4$" "$tmp/r.txt" "text: 4 leavers' accounts"
expect_grep "^  people who are both OS and DB administrators +R18 +3$" "$tmp/r.txt" "text: 3 people in both roles"
expect_grep "^  accounts not reviewed in 12 months +R19 +12$" "$tmp/r.txt" "text: 12 not reviewed"
expect_csv "v={(r['section'], r['item']): int(r['value']) for r in rows}
assert h == ['section', 'rule', 'item', 'value'], h
want={('ledger','accounts'): 14, ('rotation','ok'): 2, ('rotation','otp_exempt'): 1, ('rotation','warn'): 1,
 ('rotation','expired'): 2, ('rotation','must_change'): 3, ('rotation','locked'): 2, ('rotation','departed'): 1,
 ('rotation','unowned'): 1, ('rotation','shared'): 1, ('rotation','shadowed'): 0, ('ownership','unowned'): 1,
 ('ownership','shared'): 1, ('alerts','sharing_alerts'): 0, ('leavers','accounts'): 4, ('leavers','people'): 2,
 ('leavers','items'): 4, ('duties','people'): 3, ('duties','conflicts'): 3, ('reviews','never'): 11,
 ('reviews','stale'): 1, ('reviews','not_reviewed'): 12}
assert v == want, v" "$tmp/summary.csv" "CSV: every number of the summary"

# ---- rotation by class (R7-R11) ----
expect_py "c={x['class']: x['counts'] for x in d['rotation']['classes']}
z=lambda **k: dict({'ok': 0, 'otp_exempt': 0, 'warn': 0, 'expired': 0, 'must_change': 0, 'locked': 0,
  'departed': 0, 'unowned': 0, 'shared': 0}, **k, total=sum(k.values()))
assert c['important-host'] == z(ok=1, otp_exempt=1, warn=1, must_change=1, locked=1), c['important-host']
assert c['admin-workstation'] == z(expired=1, must_change=1, departed=1, locked=1), c['admin-workstation']
assert c['default'] == z(expired=1, must_change=1, unowned=1, shared=1), c['default']
assert c['new-media'] == z(ok=1), c['new-media']
assert d['rotation']['totals'] == dict(z(ok=2, otp_exempt=1, warn=1, expired=2, must_change=3, locked=2,
  departed=1, unowned=1, shared=1)), d['rotation']['totals']
m={x['class']: (x['max_age_days'], x['warn_days'], x['otp_exempt']) for x in d['rotation']['classes']}
assert m['important-host'] == (30, 7, True) and m['admin-workstation'] == (60, 7, False), m" \
	"$tmp/r.json" "JSON: counts by class and in all"
expect_py "a={(x['name'], x['scope']): x for x in d['accounts']}
assert len(a) == 14
s={k: x['category'] for k, x in a.items()}
assert s == {('root','*'): 'ok', ('root','db-*'): 'warn', ('lina','*'): 'otp_exempt', ('oracle','*'): 'must_change',
 ('breakglass','*'): 'locked', ('zhangw','*'): 'expired', ('liuy','web-*'): 'must_change', ('wangf','*'): 'departed',
 ('wangf','web-*'): 'locked', ('temp01','*'): 'unowned', ('ops','*'): 'shared', ('backup','*'): 'expired',
 ('hr01','*'): 'must_change', ('weibo','*'): 'ok'}, s
assert a[('root','db-*')]['days_left'] == 4 and a[('root','*')]['days_left'] == 19
assert a[('lina','*')]['days_left'] is None and a[('zhangw','*')]['days_left'] == -31
assert a[('root','*')]['last_review'] == '2026-06-01T00:00:00Z' and a[('root','*')]['reviewer'] == 'li.na'
assert a[('ops','*')]['owners'] == ['E1', 'E2'] and a[('root','*')]['custodians'] == ['E4']" \
	"$tmp/r.json" "JSON: each account's state, days left and review"
expect_py "r={x['class']: x['must_change_reasons'] for x in d['rotation']['classes']}
assert r['admin-workstation'] == [{'reason': 'password reset, \u2026', 'count': 1}], r
assert r['default'] == [{'reason': 'owner transferred to another post', 'count': 1}], r
assert len(r['important-host']) == 1 and r['important-host'][0]['count'] == 1, r
assert 'E5' not in r['important-host'][0]['reason'], r" "$tmp/r.json" "JSON: must-change reasons grouped without numbers"
expect_grep "^  important-host +5 +1 +1 +1 +0 +1 +1 +0$" "$tmp/r.txt" "text: important-host row"
expect_grep "^  admin-workstation +4 +0 +0 +0 +1 +1 +1 +1$" "$tmp/r.txt" "text: admin-workstation row"
expect_grep "^  default +4 +0 +0 +0 +1 +1 +0 +2$" "$tmp/r.txt" "text: default row (refused: unowned, shared)"
expect_grep "^  all classes +14 +2 +1 +1 +2 +3 +2 +3$" "$tmp/r.txt" "text: totals row"
expect_grep "^  admin-workstation +password reset, … +1$" "$tmp/r.txt" "text: a reason with its ticket left out"
expect_csv "assert h[:4] == ['class', 'max_age_days', 'warn_days', 'total'], h
r={x['class']: x for x in rows}
assert [r['important-host'][k] for k in ('total','ok','otp_exempt','warn','expired','must_change','locked')] == ['5','1','1','1','0','1','1']
assert r['all']['total'] == '14' and r['all']['shared'] == '1' and r['all']['max_age_days'] == ''
assert r['admin-workstation']['max_age_days'] == '60'" "$tmp/rotation.csv" "CSV: rotation"
expect_csv "assert sorted((r['class'], r['count']) for r in rows) == [('admin-workstation','1'), ('default','1'), ('important-host','1')], rows" \
	"$tmp/reasons.csv" "CSV: reasons"
expect_csv "a={(r['name'], r['scope']): r for r in rows}
assert len(rows) == 14 and a[('root','db-*')]['state'] == 'warn' and a[('root','db-*')]['days_left'] == '4'
assert a[('zhangw','*')]['days_left'] == '-31', a[('zhangw','*')]
assert a[('ops','*')]['owners'] == 'E1 E2' and a[('liuy','web-*')]['must_change'] == 'password reset, INC-2026-0042'" \
	"$tmp/accounts.csv" "CSV: accounts (a negative number stays a number)"

# ---- R12 ----
expect_py "o=d['ownership']
assert [x['name'] for x in o['unowned']] == ['temp01'] and o['unowned'][0]['owners'] == []
assert [(x['name'], x['owners'], x['state']) for x in o['shared']] == [('ops', ['E1', 'E2'], 'shared')]
assert d['alerts']['items'] == []" "$tmp/r.json" "JSON: unowned and shared accounts"
expect_grep "^  temp01 +\* +unowned +unowned$" "$tmp/r.txt" "text: temp01 unowned"
expect_grep "^  ops +\* +shared +E1, E2 +shared$" "$tmp/r.txt" "text: ops shared by E1 and E2"
expect_csv "assert [(r['name'], r['problem'], r['owners']) for r in rows] == [('temp01','unowned',''), ('ops','shared','E1 E2')]" \
	"$tmp/ownership.csv" "CSV: ownership"
expect_csv "assert h == ['time','account','rhost','others','refused','actor','detail'] and rows == []" \
	"$tmp/alerts.csv" "CSV: no alert before NOW"
# The alerts were written now: in the period of a report as of today.
rep --json >"$tmp/today.json"
expect_py "a=d['alerts']['items']
assert [(x['account'], x['rhost'], x['others'], x['refused']) for x in a] == [('ops', '10.0.0.9', 1, False), ('ops', '10.0.0.23', 2, True)], a
assert d['summary']['alerts'] == 2 and a[0]['actor'] == 'pam_credpolicy(sshd)'" "$tmp/today.json" "JSON: sharing alerts of the period"
rep --csv --section alerts >"$tmp/today.csv"
expect_csv "assert [(r['account'], r['rhost'], r['others'], r['refused']) for r in rows] == [('ops','10.0.0.9','1','no'), ('ops','10.0.0.23','2','yes')], rows" \
	"$tmp/today.csv" "CSV: sharing alerts"
rep >"$tmp/today.txt"
expect_grep "^  [0-9-]+ [0-9:]+ +ops +10\.0\.0\.23 +2 +yes$" "$tmp/today.txt" "text: a refused sharing alert"
rep --since 2000-01-01 --now "$NOW" --json >"$tmp/past.json"
expect_py "assert d['alerts']['items'] == [] and d['since'] == '2000-01-01T00:00:00Z'" "$tmp/past.json" "alerts after --now are not in the period"

# ---- R13 ----
expect_py "v=[(x['account'], x['scope'], x['employee_id'], x['link'], x['days_outstanding']) for x in d['leavers']['items']]
assert v[:3] == [('backup','*','E3','owner',122), ('wangf','*','E3','owner',122), ('oracle','*','E5','former_custodian',61)], v
assert [x[:4] for x in v[3:]] == [('hr01','*',None,'flag')], v
h=d['leavers']['items'][3]
assert h['must_change'] == 'owner transferred to another post' and h['days_outstanding'] == 0, h
assert d['leavers']['accounts'] == 4 and d['leavers']['people'] == 2
o=d['leavers']['items'][2]
assert o['departed_at'] == '2026-05-01T00:00:00Z' and o['name'] == '赵敏' and o['state'] == 'must_change', o" \
	"$tmp/r.json" "JSON: leavers' credentials, days outstanding (wangf@web-* is locked: not listed)"
expect_grep "^  backup +\* +E3 +王芳 +owner +2026-03-01 +122$" "$tmp/r.txt" "text: backup, owner E3, 122 days"
expect_grep "^  oracle +\* +E5 +赵敏 +former custodian +2026-05-01 +61$" "$tmp/r.txt" "text: oracle, former custodian E5, 61 days"
expect_csv "assert [(r['account'], r['employee_id'], r['link'], r['days_outstanding']) for r in rows][:3] == [('backup','E3','owner','122'), ('wangf','E3','owner','122'), ('oracle','E5','former_custodian','61')], rows
assert rows[3]['account'] == 'hr01' and rows[3]['employee_id'] == '' and rows[3]['link'] == 'flag'" \
	"$tmp/leavers.csv" "CSV: leavers"
# A password change after the departure closes it.
printf '{"format": "credpolicy-ledger", "version": 1, "accounts": [{"name": "backup", "class": "default", "kind": "service", "owner": "E3", "last_change": "2026-03-02"}]}' >"$tmp/changed.json"
cp "$L" "$tmp/changed.db"
"$CP" ledger import --quiet --config "$C" --ledger "$tmp/changed.db" "$tmp/changed.json"
expect_status 0 $? "backup's password changed after the departure"
"$CP" report --config "$C" --ledger "$tmp/changed.db" --now "$NOW" --json >"$tmp/changed.out"
expect_py "assert 'backup' not in [x['account'] for x in d['leavers']['items']] and d['leavers']['accounts'] == 3" \
	"$tmp/changed.out" "changed after the departure: no longer outstanding"

# What a flag's words and a lock mean (R13): "department" and "leftover"
# are not departures; "Offboarded" and 调岗 are; the leaver's own personal
# account stays listed until it is locked, even with its password changed
# after the departure (the leaver may have changed it).
cp "$L" "$tmp/words.db"
cat >"$tmp/words.json" <<EOF
{"format": "credpolicy-ledger", "version": 1, "accounts": [
 {"name": "wangf", "class": "admin-workstation", "kind": "personal", "owner": "E3", "last_change": "$(ago 10)"},
 {"name": "dept01", "class": "default", "kind": "service", "last_change": "$(ago 5)", "must_change": "requested by the IT department"},
 {"name": "left01", "class": "default", "kind": "service", "last_change": "$(ago 5)", "must_change": "leftover test account"},
 {"name": "ob01", "class": "default", "kind": "service", "last_change": "$(ago 5)", "must_change": "Offboarded: handover to ops"},
 {"name": "cn01", "class": "default", "kind": "service", "last_change": "$(ago 5)", "must_change": "调岗交接"}]}
EOF
"$CP" ledger import --quiet --config "$C" --ledger "$tmp/words.db" "$tmp/words.json"
expect_status 0 $? "flags of every kind of wording"
"$CP" report --config "$C" --ledger "$tmp/words.db" --now "$NOW" --json >"$tmp/words.out"
expect_py "v={x['account']: x['link'] for x in d['leavers']['items']}
assert 'dept01' not in v and 'left01' not in v, v
assert v.get('ob01') == 'flag' and v.get('cn01') == 'flag', v
assert v.get('wangf') == 'owner', v
assert d['leavers']['accounts'] == 6, d['leavers']" "$tmp/words.out" \
	"R13: whole words of a flag, and the leaver's own account until it is locked"

# ---- R18 ----
expect_py "c=sorted((x['employee_id'], x['os_group'], x['os_scope'], x['db_group'], x['db_scope'], x['hosts']) for x in d['duties']['conflicts'])
assert c == [('E1','sudo','*','dba','db-01','db-01'), ('E3','sudo','db-*','dba','*-01','db-* \u2229 *-01'),
             ('E4','wheel','DB-02','dba','db-02','db-02')], c
assert d['duties']['os_admin_groups'] == ['sudo', 'wheel'] and d['duties']['db_admin_groups'] == ['dba']
assert d['duties']['people'] == 3 and [x['departed'] for x in d['duties']['conflicts']] == [False, True, False]" \
	"$tmp/r.json" "JSON: separation-of-duties conflicts"
expect_grep "^  E1 +张伟 +sudo +\* +dba +db-01 +db-01$" "$tmp/r.txt" "text: E1 is OS and DB admin of db-01"
expect_grep "^  OS administrator groups: sudo wheel$" "$tmp/r.txt" "text: the OS groups of [roles]"
expect_csv "assert sorted(r['employee_id'] for r in rows) == ['E1', 'E3', 'E4'] and rows[1]['departed'] == 'yes'" \
	"$tmp/duties.csv" "CSV: duties"
# Scopes one by one: person Pnn is in sudo for scope A and dba for scope B.
python3 - "$tmp/scopes.json" >"$tmp/scopes.want" <<'EOF'
import json, sys
cases = [("*", "db-01", 1), ("db-01", "*", 1), ("db-01", "DB-01", 1), ("db-01", "db-02", 0),
         ("db-*", "db-01", 1), ("db-0[1-3]", "db-02", 1), ("db-0[1-3]", "db-04", 0),
         ("db-*", "web-*", 0), ("db-*", "*-01", 1), ("db-?", "db-10", 0), ("db-?", "db-??", 0),
         ("db-[!0-9]*", "db-1*", 0), ("db-[!0-9]*", "db-x*", 1), ("*.example", "DB-*", 1),
         ("[a-c]*", "[c-e]*", 1), ("[ab]", "[cd]", 0), ("web\\*", "web-*", 0), ("?", "*x", 1),
         ("db-[[:digit:]]", "db-[a-z]", 0), ("db-[[:digit:]]", "db-[0-5]", 1)]
people = [{"employee_id": "P%02d" % i, "name": "Person",
           "groups": [{"group": "sudo", "scope": a}, {"group": "dba", "scope": b}]}
          for i, (a, b, _) in enumerate(cases)]
# A directory keeps a group's case (LDAP compares cn without it): "SUDO"
# and "Dba" are the [roles] groups sudo and dba.
people.append({"employee_id": "PCASE", "name": "Person",
               "groups": [{"group": "SUDO", "scope": "db-07"}, {"group": "Dba", "scope": "db-07"}]})
json.dump({"format": "credpolicy-ledger", "version": 1, "people": people}, open(sys.argv[1], "w"))
print(" ".join(["P%02d" % i for i, c in enumerate(cases) if c[2]] + ["PCASE"]))
EOF
"$CP" ledger init --ledger "$tmp/scopes.db" >/dev/null &&
"$CP" ledger import --quiet --config "$C" --ledger "$tmp/scopes.db" "$tmp/scopes.json"
"$CP" report --config "$C" --ledger "$tmp/scopes.db" --json >"$tmp/scopes.out"
expect_py "got=' '.join(sorted(x['employee_id'] for x in d['duties']['conflicts']))
want=open(sys.argv[1].replace('.out', '.want')).read().strip()
assert got == want, (got, want)" "$tmp/scopes.out" "R18: scope overlaps (hosts, patterns, classes, case), group names without case"

# ---- R19 ----
expect_py "r=d['reviews']
assert r['max_age_days'] == 365 and r['never'] == 11 and r['stale'] == 1
i=[(x['name'], x['scope']) for x in r['items']]
assert ('lina','*') not in i and ('root','*') not in i and len(i) == 12
s=r['items'][-1]
assert (s['name'], s['scope'], s['last_review'], s['reviewer'], s['days_since']) == ('root','db-*','2025-06-01T00:00:00Z','li.na',395), s
assert all(x['last_review'] is None and x['days_since'] is None for x in r['items'][:-1])" \
	"$tmp/r.json" "JSON: accounts not reviewed in 12 months"
expect_grep "^  root +db-\* +important-host +2025-06-01 +li\.na +395$" "$tmp/r.txt" "text: root@db-* last reviewed 395 days ago"
expect_grep "^  temp01 +\* +default +never$" "$tmp/r.txt" "text: temp01 never reviewed"
expect_csv "assert len(rows) == 12 and rows[-1]['days_since'] == '395' and rows[0]['last_review'] == ''" \
	"$tmp/reviews.csv" "CSV: reviews"

# The 365 days are whole days, as every format shows them: 365 days and an
# hour is not "more than 365 days"; 366 days is.
cp "$L" "$tmp/days.db"
"$CP" review --config "$C" --ledger "$tmp/days.db" weibo --by a \
	--date "$(date -u -d "$NOW -365 days -1 hour" +%FT%TZ)" >/dev/null &&
	"$CP" review --config "$C" --ledger "$tmp/days.db" zhangw --by a \
		--date "$(date -u -d "$NOW -366 days" +%FT%TZ)" >/dev/null
expect_status 0 $? "reviews 365 and 366 days before NOW"
"$CP" report --config "$C" --ledger "$tmp/days.db" --now "$NOW" --json >"$tmp/days.out"
expect_py "i={x['name']: x['days_since'] for x in d['reviews']['items'] if x['scope'] == '*'}
assert 'weibo' not in i, i
assert i.get('zhangw') == 366, i
assert all(x['days_since'] is None or x['days_since'] > 365 for x in d['reviews']['items'])" \
	"$tmp/days.out" "R19: listed after 365 whole days, never with 365 shown"

# ---- credpolicy review ----
rv() { "$CP" review --config "$C" --ledger "$L" "$@"; }
rv root --scope 'db-*' >/dev/null 2>"$tmp/err"
expect_status 2 $? "review without --by"
expect_grep "\-\-by" "$tmp/err" "review without --by: says so"
rv nobody --by me >/dev/null 2>"$tmp/err"
expect_status 2 $? "review of an unknown account"
rv liuy --by me >/dev/null 2>"$tmp/err"
expect_status 2 $? "review of a scope the account does not have"
expect_grep "scopes: web-\*" "$tmp/err" "names the scopes the account has"
rv root --by me --date 2099-01-01 >/dev/null 2>&1
expect_status 2 $? "review dated in the future"
rv root --by me --date 2026-02-30 >/dev/null 2>"$tmp/err"
expect_status 2 $? "review dated February 30th"
expect_grep "invalid date" "$tmp/err" "review: the bad date named"
rv root --by "$(printf 'a\001b')" >/dev/null 2>"$tmp/err"
expect_status 2 $? "review: control character in --by"
rv >/dev/null 2>&1
expect_status 2 $? "review without ACCOUNT"
rv root --scope 'db-*' --by auditor --note "recertified with the DBA team" --ticket REV-7 --json \
	>"$tmp/review.json"
expect_status 0 $? "review recorded"
expect_py "assert (d['account'], d['scope'], d['reviewer'], d['ticket'], d['latest']) == ('root', 'db-*', 'auditor', 'REV-7', True), d" \
	"$tmp/review.json" "review --json"
"$CP" events --ledger "$L" --account root --json >"$tmp/events.json"
if python3 -c "
import json,sys
e=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
r=[x for x in e if x['kind'] == 'review' and x['account'] == 'root@db-*' and x['ticket'] == 'REV-7']
assert r and 'reviewer=auditor' in r[-1]['detail'] and 'note=recertified' in r[-1]['detail'], e[-1]
" "$tmp/events.json" 2>"$tmp/py.err"; then ok "the review is an event with its ticket"
else fail "review event"; cat "$tmp/py.err"; fi
rv root --scope 'db-*' --by paper --date 2026-02-01 >"$tmp/out"
expect_status 0 $? "an older review"
expect_grep "later review .* stays the latest" "$tmp/out" "an older review does not replace the latest"
rep --json >"$tmp/after.json"
expect_py "assert ('root', 'db-*') not in [(x['name'], x['scope']) for x in d['reviews']['items']] and d['reviews']['never'] == 11" \
	"$tmp/after.json" "reviewed today: no longer listed"
expect_py "import time
a=[x for x in d['accounts'] if (x['name'], x['scope']) == ('root', 'db-*')][0]
assert a['reviewer'] == 'auditor' and a['last_review'][:10] == time.strftime('%Y-%m-%d', time.gmtime()), a" \
	"$tmp/after.json" "the older review (by paper) left today's on record"

# ---- --fail-on ----
rep --now "$NOW" --fail-on duties >/dev/null; expect_status 1 $? "--fail-on duties"
rep --now "$NOW" --fail-on alerts >/dev/null; expect_status 0 $? "--fail-on alerts, none in the period"
rep --now "$NOW" --fail-on alerts,leavers --json >/dev/null; expect_status 1 $? "--fail-on alerts,leavers"
rep --now "$NOW" --fail-on any --csv >/dev/null; expect_status 1 $? "--fail-on any"
"$CP" ledger init --ledger "$tmp/empty.db" >/dev/null
"$CP" report --ledger "$tmp/empty.db" --fail-on any >"$tmp/empty.txt"
expect_status 0 $? "an empty ledger, --fail-on any"
expect_grep "^  accounts in the ledger +0$" "$tmp/empty.txt" "empty ledger: 0 accounts"
"$CP" report --ledger "$tmp/empty.db" --json >"$tmp/empty.json"
expect_py "assert set(d['summary'].values()) == {0} and d['rotation']['totals']['total'] == 0" "$tmp/empty.json" "empty ledger: JSON"

# ---- --output ----
rep --now "$NOW" --json --output "$tmp/out.json"
expect_status 0 $? "--output"
rep --now "$NOW" --json >"$tmp/stdout.json"
if cmp -s "$tmp/out.json" "$tmp/stdout.json"; then ok "--output writes what stdout gets"
else fail "--output differs"; fi
[ "$(stat -c %a "$tmp/out.json")" = 600 ] && ok "--output: mode 0600" || fail "--output mode $(stat -c %a "$tmp/out.json")"
rep --output "$tmp/no/such/dir/r.txt" 2>"$tmp/err"
expect_status 2 $? "--output into a missing directory"
expect_grep "cannot write" "$tmp/err" "--output error named"

# ---- RFC 4180 and formulas ----
H="$tmp/h"
mkdir "$H" && chmod 700 "$H"
build_report_ledger "$H" hostile
expect_status 0 $? "a ledger with hostile display names"
for s in leavers duties; do
	"$CP" report --config "$H/report.conf" --ledger "$H/ledger.db" --now "$NOW" --csv --section "$s" >"$tmp/h-$s.csv"
done
expect_csv "n={r['employee_id']: r['name'] for r in rows}
assert n['E5'] == \"'=cmd|' /C calc'!A0\" and n['E3'] == '<script>alert(\"x\")</script> & Co', n" \
	"$tmp/h-leavers.csv" "CSV: a formula in a name is quoted with '"
expect_csv "n={r['employee_id']: r['name'] for r in rows}
assert n['E4'] == \"'@SUM(1,2)\", n" "$tmp/h-duties.csv" "CSV: a field with a comma is quoted, its @ neutralised"
if python3 -c "
import sys, glob, re
for p in sys.argv[1:]:
    b = open(p, 'rb').read()
    assert b.endswith(b'\r\n') and b.count(b'\n') == b.count(b'\r\n'), p
    import csv, io
    for row in csv.reader(io.StringIO(b.decode(), newline='')):
        for c in row:
            assert c[:1] not in ('=', '+', '-', '@') or re.fullmatch(r'-?[0-9]+', c), (p, c)
" "$tmp"/*.csv 2>"$tmp/py.err"; then ok "every CSV: CRLF lines, no cell starting a formula"
else fail "CSV form"; cat "$tmp/py.err"; fi

# ---- an old ledger (schema 2, read-only: not migrated) ----
cp "$L" "$tmp/v2.db"
python3 -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript('DROP TABLE reviews; DROP TABLE memberships; PRAGMA user_version = 2;')
db.close()" "$tmp/v2.db"
"$CP" report --config "$C" --ledger "$tmp/v2.db" --now "$NOW" --json >"$tmp/v2.json"
expect_status 0 $? "a schema 2 ledger"
expect_py "assert d['reviews']['never'] == 14 and d['duties']['conflicts'] == [] and d['summary']['accounts'] == 14" \
	"$tmp/v2.json" "schema 2: no reviews, no memberships, the rest as before"

# ---- under valgrind ----
# Not for a sanitizer build: ASan and valgrind do not run together.
if readelf -d "$top_builddir/libpolicy/.libs/libcredpolicy.so" 2>/dev/null | grep -q libasan; then
	echo "# valgrind not run: built with AddressSanitizer"
elif command -v valgrind >/dev/null 2>&1 && [ -x "$top_builddir/libtool" ]; then
	for fmt in text json csv html; do
		"$top_builddir/libtool" --mode=execute valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect "$CP" report --config "$H/report.conf" \
			--ledger "$H/ledger.db" --format "$fmt" >/dev/null 2>"$tmp/vg.log"
		st=$?
		if [ $st -eq 0 ]; then ok "valgrind: report --format $fmt"
		else fail "valgrind: report --format $fmt (exit $st)"; head -30 "$tmp/vg.log"; fi
	done
	"$top_builddir/libtool" --mode=execute valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect "$CP" review --config "$C" --ledger "$L" \
		weibo --by valgrind >/dev/null 2>"$tmp/vg.log"
	expect_status 0 $? "valgrind: review"
else
	echo "# valgrind not run"
fi

echo "1..$n"
[ "$fails" -eq 0 ]
