#!/bin/sh
# test_ledger_cli.sh - credpolicy ledger, status and events as scripts and
# people use them: exit statuses, --json, every state of an account, the
# event log and its tampering, round trips, bad input that changes nothing,
# --help, and no personal value ever printed.
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
CP="$top_builddir/tools/credpolicy"
SAMPLE="$top_srcdir/docs/ledger-sample.json"
command -v python3 >/dev/null 2>&1 || { echo "# python3 is needed"; exit 77; }
tmp=$(mktemp -d /tmp/cp-test-ledger-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export LANG=C.UTF-8 LANGUAGE=
: >"$tmp/empty.conf"
export CREDPOLICY_CONF="$tmp/empty.conf"
L="$tmp/ledger.db"
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # skip $1"; }
expect_status() { # want got what
	if [ "$1" -eq "$2" ]; then ok "$3 (exit $2)"; else fail "$3: exit $2, wanted $1"; fi
}
expect_grep() { # pattern file what
	if grep -q -- "$1" "$2"; then ok "$3"; else fail "$3: no '$1' in:"; sed 's/^/    /' "$2"; fi
}
expect_no_grep() {
	if grep -q -- "$1" "$2"; then fail "$3: found '$1'"; else ok "$3"; fi
}
expect_same() { # file1 file2 what
	if cmp -s "$1" "$2"; then ok "$3"; else fail "$3"; diff "$1" "$2" | head -20 | sed 's/^/    /'; fi
}
# python3 -c CODE FILE what: CODE asserts on the file.
expect_py() {
	if python3 -c "$1" "$2" 2>"$tmp/py.err"; then ok "$3"; else
		fail "$3"; sed 's/^/    /' "$tmp/py.err" "$2" | head -20; fi
}
cpl() { "$CP" "$@" --ledger "$L"; }

# ---- --help and usage errors ----
for cmd in "ledger" "ledger init" "ledger import" "ledger export" "status" "events" \
	"events verify"; do
	# shellcheck disable=SC2086
	"$CP" $cmd --help >"$tmp/out" 2>&1
	expect_status 0 $? "$cmd --help"
	expect_grep "^Usage: credpolicy $cmd" "$tmp/out" "$cmd --help shows the usage"
done
"$CP" ledger >/dev/null 2>&1; expect_status 2 $? "ledger without a command"
"$CP" ledger frobnicate >/dev/null 2>&1; expect_status 2 $? "ledger: unknown command"
"$CP" ledger import --bogus x >/dev/null 2>"$tmp/err"
expect_status 2 $? "ledger import: unknown option"
expect_grep "'--bogus'" "$tmp/err" "unknown option named"
"$CP" ledger import >/dev/null 2>&1; expect_status 2 $? "ledger import without FILE"
"$CP" ledger export --dry-run >/dev/null 2>&1; expect_status 2 $? "export takes no --dry-run"
"$CP" status >/dev/null 2>&1; expect_status 2 $? "status without USER"
"$CP" events --since yesterday >/dev/null 2>&1; expect_status 2 $? "events: bad --since"
"$CP" events --since 2026-02-30 >/dev/null 2>&1; expect_status 2 $? "events: --since February 30th is no date"
"$CP" events verify --account x >/dev/null 2>&1; expect_status 2 $? "verify takes no filter"

# ---- init ----
cpl ledger init >"$tmp/out"; expect_status 0 $? "ledger init"
expect_grep "created the ledger" "$tmp/out" "init says it created the ledger"
mode=$(stat -c %a "$L")
if [ "$mode" = 600 ]; then ok "ledger created 0600"; else fail "ledger mode $mode"; fi
cpl ledger init --json >"$tmp/out"; expect_status 0 $? "ledger init again (idempotent)"
expect_py 'import json,sys; d=json.load(open(sys.argv[1])); assert d["created"] is False and d["schema_version"] >= 1, d' \
	"$tmp/out" "init --json: existing ledger, schema version"
echo "not a ledger" >"$tmp/text.db"; chmod 600 "$tmp/text.db"
"$CP" ledger init --ledger "$tmp/text.db" >/dev/null 2>"$tmp/err"
expect_status 2 $? "init refuses a file that is not a ledger"
cp "$L" "$tmp/open.db"; chmod 666 "$tmp/open.db"
"$CP" ledger init --ledger "$tmp/open.db" >/dev/null 2>"$tmp/err"
expect_status 2 $? "init refuses a world-writable ledger"

# The ledger path from the configuration ([ledger] path), when this build
# reads that section.
printf '[ledger]\npath = %s\n' "$tmp/conf.db" >"$tmp/ledger.conf"
if printf '' | "$CP" check --config "$tmp/ledger.conf" >/dev/null 2>&1; then
	CREDPOLICY_CONF="$tmp/ledger.conf" "$CP" ledger init >/dev/null
	expect_status 0 $? "init at the configured path"
	if [ -f "$tmp/conf.db" ]; then ok "[ledger] path honoured"; else fail "[ledger] path"; fi
else
	skip "[ledger] path: this configuration parser does not read [ledger] yet"
fi

# ---- import ----
"$CP" ledger import "$SAMPLE" --ledger "$tmp/missing.db" >/dev/null 2>"$tmp/err"
expect_status 2 $? "import into a missing ledger"
expect_grep "ledger init" "$tmp/err" "missing ledger: points to init"
"$CP" ledger import "$tmp/nonexistent.json" --ledger "$L" >/dev/null 2>"$tmp/err"
expect_status 2 $? "import of a missing file"
cpl ledger import "$SAMPLE" >"$tmp/out"; expect_status 0 $? "import the sample"
expect_grep "people: *4" "$tmp/out" "import counts people"
expect_grep "accounts: *9" "$tmp/out" "import counts accounts"
expect_grep "custodians: *5" "$tmp/out" "import counts custodians"
cpl ledger export >"$tmp/export1.json"; expect_status 0 $? "export"
expect_grep '^    {"employee_id": "E10086", "name": "张伟", "status": "active"' "$tmp/export1.json" \
	"export lists the people, one a line"
expect_grep '^    {"name": "liuy", "scope": "web-\*"' "$tmp/export1.json" "export lists the accounts"

# The same again from standard input, as JSON: nothing new.
cpl ledger import - --json <"$SAMPLE" >"$tmp/out"; expect_status 0 $? "import from stdin"
expect_py 'import json,sys; d=json.load(open(sys.argv[1])); assert d == {"ok": True, "dry_run": False, "ledger": d["ledger"], "people": 4, "accounts": 9, "custodians": 5}, d' \
	"$tmp/out" "import --json"
cpl ledger export >"$tmp/export2.json"
expect_same "$tmp/export1.json" "$tmp/export2.json" "re-import of the same document changes nothing"

# ---- bad input: exit 1, every problem, nothing written ----
cat >"$tmp/bad.json" <<'EOF'
{"format": "credpolicy-ledger", "version": 1,
 "people": [{"employee_id": "E1", "name": "赵敏", "personal": {"birthday": "1991-02-30"}},
            {"employee_id": "E1", "name": "Zhao Min"}],
 "accounts": [{"name": "zhaom", "class": "no-such-class", "kind": "personal", "owner": "E1"},
              {"name": "zhaom", "class": "default", "kind": "personal", "owner": "E10086"},
              {"name": "x", "class": "default", "kind": "personal", "owner": "E404",
               "custodian": ["E1"]}]}
EOF
cpl events --json >"$tmp/events-before"
cpl ledger import "$tmp/bad.json" >"$tmp/out" 2>"$tmp/err"
expect_status 1 $? "bad document rejected"
expect_grep "bad.json: people\[0\].personal.birthday: " "$tmp/err" "bad birthday named by record"
expect_grep "people\[1\].employee_id: .*listed twice" "$tmp/err" "duplicate employee id"
expect_grep "accounts\[0\].class: unknown account class \"no-such-class\"" "$tmp/err" "unknown class"
expect_grep "accounts\[1\]: account \"zhaom\" with scope \"\*\" is listed twice" "$tmp/err" \
	"account listed twice with two owners"
expect_grep "accounts\[2\].owner: no person" "$tmp/err" "unknown owner"
expect_grep "accounts\[2\]: unknown field \"custodian\"" "$tmp/err" "unknown field"
expect_grep "import rejected (6 problems); nothing was written" "$tmp/err" "problems counted"
expect_no_grep "1991-02-30" "$tmp/err" "bad birthday not repeated"
cpl ledger export >"$tmp/export3.json"
expect_same "$tmp/export1.json" "$tmp/export3.json" "rejected import changed no record"
cpl events --json >"$tmp/events-after"
expect_same "$tmp/events-before" "$tmp/events-after" "rejected import wrote no event"
cpl ledger import --json "$tmp/bad.json" >"$tmp/out" 2>/dev/null
expect_status 1 $? "bad document rejected (--json)"
expect_py 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] is False and len(d["problems"]) == 6 and d["problems"][0].startswith("people[0]"), d' \
	"$tmp/out" "rejection as JSON lists every problem"
printf '{"format": "credpolicy-ledger", "version": 1, "people": [' >"$tmp/trunc.json"
cpl ledger import "$tmp/trunc.json" >/dev/null 2>"$tmp/err"
expect_status 1 $? "malformed JSON rejected"
expect_grep "line 1, column" "$tmp/err" "malformed JSON: position named"
printf '{"format": "credpolicy-ledger", "version": 1, "people": [{"employee_id": "E9", "name": "\377"}]}' \
	>"$tmp/latin1.json"
cpl ledger import "$tmp/latin1.json" >/dev/null 2>"$tmp/err"
expect_status 1 $? "invalid UTF-8 rejected"

# --dry-run: checked and applied, then rolled back.
cat >"$tmp/new.json" <<'EOF'
{"format": "credpolicy-ledger", "version": 1,
 "people": [{"employee_id": "E30001", "name": "赵敏"}],
 "accounts": [{"name": "zhaom", "class": "default", "kind": "personal", "owner": "E30001"}]}
EOF
cpl ledger import --dry-run "$tmp/new.json" >"$tmp/out"; expect_status 0 $? "dry run"
expect_grep "dry run" "$tmp/out" "dry run says so"
cpl ledger export >"$tmp/export4.json"
expect_same "$tmp/export1.json" "$tmp/export4.json" "dry run wrote nothing"
cpl ledger import --dry-run "$tmp/bad.json" >/dev/null 2>&1
expect_status 1 $? "dry run of a bad document"

# ---- export, and a round trip through a second ledger ----
cpl ledger export --output "$tmp/out.json"; expect_status 0 $? "export --output"
expect_same "$tmp/export1.json" "$tmp/out.json" "--output writes what stdout shows"
mode=$(stat -c %a "$tmp/out.json")
if [ "$mode" = 600 ]; then ok "export file is 0600"; else fail "export file mode $mode"; fi
L2="$tmp/second.db"
"$CP" ledger init --ledger "$L2" >/dev/null
"$CP" ledger import --quiet --ledger "$L2" "$tmp/out.json" >"$tmp/out"
expect_status 0 $? "import an export into a new ledger"
if [ -s "$tmp/out" ]; then fail "--quiet printed something"; else ok "--quiet"; fi
"$CP" ledger export --ledger "$L2" >"$tmp/export5.json"
expect_same "$tmp/export1.json" "$tmp/export5.json" "export, import, export: identical"
for secret in 1990-03-15 110105199003151239 150502198507040028 zhang.wei@; do
	expect_no_grep "$secret" "$tmp/export1.json" "export holds no raw personal value ($secret)"
done
"$CP" ledger export --ledger "$L" --output "$tmp/no/such/dir/x.json" 2>/dev/null
expect_status 2 $? "export to an unwritable place"

# ---- status: every state with its exit status ----
python3 - "$tmp/states.json" <<'EOF'
import json, sys, time
def ago(days):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - days * 86400))
def acct(name, **kw):
    a = {"name": name, "class": "admin-workstation", "kind": "personal", "owner": "S1",
         "last_change": ago(1)}
    a.update(kw)
    return a
doc = {"format": "credpolicy-ledger", "version": 1,
       "people": [{"employee_id": "S1", "name": "Sun Li"},
                  {"employee_id": "S2", "name": "Qian Bo", "status": "departed",
                   "departed_at": ago(3)}],
       "accounts": [acct("st-ok"), acct("st-warn", last_change=ago(55)),
                    acct("st-expired", last_change=ago(90)),
                    acct("st-never", kind="service", owner=None, last_change=None),
                    acct("st-must", must_change="compromised, INC-1"),
                    acct("st-locked", locked=True), acct("st-departed", owner="S2"),
                    acct("st-unowned", owner=None),
                    acct("st-otp", **{"class": "important-host", "otp": True,
                                      "last_change": ago(200)}),
                    acct("st-web", scope="web-*")]}
json.dump(doc, open(sys.argv[1], "w"), ensure_ascii=False)
EOF
cpl ledger import --quiet "$tmp/states.json"; expect_status 0 $? "import the states"
status_is() { # account want_state want_exit [options]
	acc=$1 want=$2 code=$3; shift 3
	cpl status "$acc" "$@" --json >"$tmp/st.json" 2>"$tmp/err"
	got=$?
	expect_status "$code" $got "status $acc"
	expect_py "import json,sys; d=json.load(open(sys.argv[1])); assert d['state'] == '$want' and d['account'] == '$acc' and d['message'], d" \
		"$tmp/st.json" "status $acc --json: $want"
}
status_is st-ok ok 0
status_is st-warn warn 0
expect_py 'import json,sys; d=json.load(open(sys.argv[1])); assert 1 <= d["days_left"] <= 7 and d["class"] == "admin-workstation", d' \
	"$tmp/st.json" "warn: days left within the warn window"
status_is st-expired expired 1
expect_py 'import json,sys; d=json.load(open(sys.argv[1])); assert d["days_left"] < 0, d' \
	"$tmp/st.json" "expired: days left negative"
status_is st-never expired 1
status_is st-must must_change 1
expect_py 'import json,sys; d=json.load(open(sys.argv[1])); assert d["reason"] == "compromised, INC-1", d' \
	"$tmp/st.json" "must_change: the reason"
status_is st-locked locked 1
status_is st-departed departed 1
status_is st-unowned unowned 1
status_is st-otp ok 0
status_is st-web ok 0 --host web-01
cpl status st-web --host db-01 >/dev/null 2>"$tmp/err"
expect_status 2 $? "status: no account for that host"
cpl status nobody >/dev/null 2>"$tmp/err"
expect_status 2 $? "status of an unknown account"
expect_grep "nobody" "$tmp/err" "unknown account named"
cpl status st-warn >"$tmp/out"; expect_status 0 $? "status (text)"
expect_grep "^state: *warn" "$tmp/out" "status text: state"
expect_grep "^days left: *[1-7]$" "$tmp/out" "status text: days left"
expect_grep "^class: *admin-workstation" "$tmp/out" "status text: class"
"$CP" status st-ok --ledger "$tmp/missing.db" >/dev/null 2>&1
expect_status 2 $? "status without a ledger"

# ---- events ----
cpl events >"$tmp/out"; expect_status 0 $? "events"
expect_grep " import .*detail=people=4 accounts=9 custodians=5" "$tmp/out" "the import event is listed"
cpl events --json >"$tmp/out"
expect_py 'import json,sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert ev and [e["id"] for e in ev] == list(range(1, len(ev) + 1)), ev[:3]
assert all(len(e["hash"]) == 64 and e["time"].endswith("Z") for e in ev)
assert sum(e["kind"] == "import" for e in ev) == 3' "$tmp/out" "events --json: one object per line"
cpl events --account zhangw --json >"$tmp/out"
expect_py 'import json,sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert ev and all(e["account"] == "zhangw" for e in ev), ev' "$tmp/out" "events --account"
cpl events --account root >"$tmp/out"
expect_grep "account=root@db-\*" "$tmp/out" "--account matches every scope"
cpl events --since 2999-01-01 >"$tmp/out"; expect_status 0 $? "events --since the future"
if [ -s "$tmp/out" ]; then fail "events after 2999 listed"; else ok "--since filters"; fi
cpl events --since 2020-01-01T00:00:00Z >"$tmp/out"
expect_grep " import " "$tmp/out" "--since a past moment"
for secret in 1990-03-15 110105199003151239 19900315 13870615294; do
	expect_no_grep "$secret" "$tmp/out" "events hold no personal value ($secret)"
done

# ---- verify, and tampering ----
cpl events verify >"$tmp/out"; expect_status 0 $? "events verify"
expect_grep "intact" "$tmp/out" "verify says intact"
cpl events verify --json >"$tmp/out"
expect_py 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] is True and d["checked"] > 0, d' \
	"$tmp/out" "verify --json"
if command -v sqlite3 >/dev/null 2>&1; then
	cp "$L" "$tmp/tamper.db"
	[ -f "$L-wal" ] && cp "$L-wal" "$tmp/tamper.db-wal"
	sqlite3 "$tmp/tamper.db" "DROP TRIGGER events_no_update;
		UPDATE events SET actor = 'nobody' WHERE id = 3;" 2>"$tmp/err"
	expect_status 0 $? "tampering with sqlite3 (trigger dropped)"
	"$CP" events verify --ledger "$tmp/tamper.db" >"$tmp/out" 2>&1
	expect_status 1 $? "verify finds the edited event"
	expect_grep "#3 " "$tmp/out" "verify names the first bad event"
	"$CP" events verify --ledger "$tmp/tamper.db" --json >"$tmp/out" 2>&1
	expect_py 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] is False and d["first_bad_id"] == 3, d' \
		"$tmp/out" "verify --json names the first bad event"
	sqlite3 "$tmp/tamper.db" "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id = 5;"
	"$CP" events verify --ledger "$tmp/tamper.db" --json >"$tmp/out" 2>&1
	expect_status 1 $? "verify after a deletion"
else
	skip "tampering: no sqlite3 command"
fi

# ---- check --user: class and the owner's personal information from the ledger (R3) ----
IDX=${CREDPOLICY_TEST_INDEX:-$top_builddir/data/banned.idx}
L="$tmp/check.db"
cpl ledger init >/dev/null 2>&1 && cpl ledger import "$SAMPLE" >/dev/null 2>&1
printf 'Zhangwei@2024x\nHorqin#River%%82\n' |
	"$CP" check --index "$IDX" --user zhangw --ledger "$L" --json >"$tmp/out" 2>"$tmp/err"
expect_status 1 $? "check --user: the owner's name rejected"
expect_py 'import json,sys
v=[json.loads(l) for l in open(sys.argv[1])]
assert v[0]["reasons"][0]["code"] == "personal_info", v
assert v[1]["ok"] is True, v' "$tmp/out" "check --user takes personal information from the ledger"
printf 'Gq7vR2mkxw\n' | "$CP" check --index "$IDX" --user lina --ledger "$L" >"$tmp/out" 2>&1
expect_status 1 $? "check --user: the account's class applies (important-host: 4 classes)"
expect_grep too_few_classes "$tmp/out" "class from the ledger"
printf 'Gq7vR2mkxw\n' | "$CP" check --index "$IDX" --user lina --class default --ledger "$L" \
	>/dev/null 2>&1
expect_status 0 $? "check --user --class: the explicit class wins"
printf 'Horqin#River%%82\n' | "$CP" check --index "$IDX" --user nobody --ledger "$L" \
	>/dev/null 2>"$tmp/err"
expect_status 0 $? "check --user of an account the ledger does not know"
expect_grep "nobody" "$tmp/err" "unknown account warned about"
printf 'Nobody#Lake42x\n' | "$CP" check --index "$IDX" --user x --ledger "$tmp/none.db" \
	>/dev/null 2>&1
expect_status 0 $? "check --user on a host without a ledger"

echo "1..$n"
[ "$fails" -eq 0 ]
