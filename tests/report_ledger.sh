# report_ledger.sh - sourced by tests/test_report.sh and
# tests/test_report_html.sh: a ledger with one case of every finding of
# credpolicy report, as of NOW (2026-07-01 unless set), built the way an
# administrator builds one (import, then credpolicy review) plus the states
# only the API makes (tests/test_report_fixture: a second owner, sharing
# alerts).
#
# build_report_ledger DIR [hostile]
#   writes DIR/report.conf and DIR/ledger.db; with "hostile", three people
#   then get display names made to break HTML and spreadsheets (through the
#   API: an import derives pinyin from a name and refuses such text).
# Needs $CP (tools/credpolicy) and $FIXTURE (tests/test_report_fixture).
#
# What the report must find, as of NOW (see test_report.sh; the dates are
# those of NOW 2026-07-01):
#   rotation  important-host: root ok, root@db-* due (4 days left), lina
#             OTP-exempt, oracle must change, breakglass locked;
#             admin-workstation: zhangw overdue, liuy@web-* must change,
#             wangf departed, wangf@web-* locked; default: temp01 unowned,
#             ops shared, backup overdue, hr01 must change; new-media:
#             weibo ok
#   R12       temp01 unowned, ops shared (E1, E2); two sharing alerts on ops
#   R13       backup and wangf (owner E3 left 2026-03-01: 122 days),
#             oracle (custodian E5 left 2026-05-01: 61 days), hr01 (flag
#             "owner transferred to another post", no leaver named);
#             wangf@web-* is E3's own and locked: not listed
#   R18       E1 sudo@* + dba@db-01, E3 sudo@db-* + dba@*-01, E4 wheel@DB-02 +
#             dba@db-02; not E2 (web-* / db-*) nor E4's sudo@db-03
#   R19       reviewed: root (2026-06-01), lina (2026-05-01); root@db-*
#             last reviewed 2025-06-01 (395 days); the 11 others never

# The dates are relative to NOW, so that the same ledger can be built for
# another day (docs/REPORT.md: the screenshots); the tests use this NOW.
: "${NOW:=2026-07-01}"

# ago N: the date N days before NOW.
ago() { date -u -d "$NOW -$1 days" +%F; }

build_report_ledger() {
	dir=$1
	printf '[roles]\nos_admin_groups = sudo wheel\ndb_admin_groups = dba\n' >"$dir/report.conf"
	cat >"$dir/people.json" <<EOF
{"format": "credpolicy-ledger", "version": 1,
 "people": [
  {"employee_id": "E1", "name": "张伟", "groups": [{"group": "sudo"}, {"group": "dba", "scope": "db-01"}]},
  {"employee_id": "E2", "name": "李娜", "groups": [{"group": "wheel", "scope": "web-*"}, {"group": "dba", "scope": "db-*"}]},
  {"employee_id": "E3", "name": "王芳", "status": "departed", "departed_at": "$(ago 122)",
   "groups": [{"group": "sudo", "scope": "db-*"}, {"group": "dba", "scope": "*-01"}]},
  {"employee_id": "E4", "name": "刘洋", "groups": [{"group": "dba", "scope": "db-02"},
   {"group": "sudo", "scope": "db-03"}, {"group": "wheel", "scope": "DB-02"}]},
  {"employee_id": "E5", "name": "赵敏"}
 ],
 "accounts": [
  {"name": "root", "class": "important-host", "kind": "service", "last_change": "$(ago 11)",
   "custodians": ["E4"], "review": {"reviewed_at": "$(ago 30)", "reviewer": "li.na", "note": "quarterly check"}},
  {"name": "root", "scope": "db-*", "class": "important-host", "kind": "service", "last_change": "$(ago 26)",
   "review": {"reviewed_at": "$(ago 395)", "reviewer": "li.na"}},
  {"name": "lina", "class": "important-host", "kind": "personal", "owner": "E2", "otp": true, "last_change": "$(ago 181)"},
  {"name": "zhangw", "class": "admin-workstation", "kind": "personal", "owner": "E1", "last_change": "$(ago 91)"},
  {"name": "liuy", "scope": "web-*", "class": "admin-workstation", "kind": "personal", "owner": "E4",
   "last_change": "$(ago 16)", "must_change": "password reset, INC-2026-0042"},
  {"name": "temp01", "class": "default", "kind": "personal"},
  {"name": "ops", "class": "default", "kind": "personal", "owner": "E1", "last_change": "$(ago 30)"},
  {"name": "wangf", "class": "admin-workstation", "kind": "personal", "owner": "E3", "last_change": "$(ago 150)"},
  {"name": "wangf", "scope": "web-*", "class": "admin-workstation", "kind": "personal", "owner": "E3",
   "locked": true, "last_change": "$(ago 150)"},
  {"name": "backup", "class": "default", "kind": "service", "owner": "E3", "last_change": "$(ago 167)"},
  {"name": "oracle", "class": "important-host", "kind": "service", "last_change": "$(ago 91)", "custodians": ["E5"]},
  {"name": "breakglass", "class": "important-host", "kind": "break-glass", "locked": true, "custodians": ["E2"]},
  {"name": "weibo", "class": "new-media", "kind": "service", "last_change": "$(ago 47)", "custodians": ["E4"]},
  {"name": "hr01", "class": "default", "kind": "personal", "owner": "E2", "last_change": "$(ago 21)",
   "must_change": "owner transferred to another post"}
 ]}
EOF
	# E5 leaves after the first import: the departure marks oracle
	# must-change and revokes the custodian link (R13).
	cat >"$dir/leaver.json" <<EOF
{"format": "credpolicy-ledger", "version": 1,
 "people": [{"employee_id": "E5", "name": "赵敏", "status": "departed", "departed_at": "$(ago 61)"}]}
EOF
	L="$dir/ledger.db"
	"$CP" ledger init --config "$dir/report.conf" --ledger "$L" >/dev/null &&
	"$CP" ledger import --quiet --config "$dir/report.conf" --ledger "$L" "$dir/people.json" &&
	"$CP" ledger import --quiet --config "$dir/report.conf" --ledger "$L" "$dir/leaver.json" &&
	"$CP" review lina --config "$dir/report.conf" --ledger "$L" --by auditor \
		--date "$(ago 61)" --note "checked with HR" >/dev/null &&
	"$FIXTURE" "$L" owner-add ops '*' E2 &&
	"$FIXTURE" "$L" alert ops 10.0.0.9 1 &&
	"$FIXTURE" "$L" alert ops 10.0.0.23 2 refused || return 1
	if [ "${2-}" = hostile ]; then
		"$FIXTURE" "$L" person-name E3 '<script>alert("x")</script> & Co' &&
		"$FIXTURE" "$L" person-name E4 '@SUM(1,2)' &&
		"$FIXTURE" "$L" person-name E5 "=cmd|' /C calc'!A0"
	fi
}
