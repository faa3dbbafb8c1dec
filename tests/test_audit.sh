#!/bin/sh
# test_audit.sh - credpolicy audit on fake hosts built under --root: each
# finding (id, severity, rule, exit status), a clean host, --fail-on, the
# --json document, symbolic links that must not be followed, and no part
# of a password hash ever printed.
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
CP="$top_builddir/tools/credpolicy"
command -v python3 >/dev/null 2>&1 || { echo "# python3 is needed"; exit 77; }
# The shadow files must be owned by root: only root can make such a host.
[ "$(id -u)" -eq 0 ] || { echo "# must run as root (chown)"; exit 77; }
tmp=$(mktemp -d /tmp/cp-test-audit.XXXXXX)
# Every fake host lives under $tmp: never build one anywhere else.
case "$tmp" in /tmp/cp-test-audit.*) ;; *) echo "# mktemp failed"; exit 99 ;; esac
[ -d "$tmp" ] || exit 99
trap 'rm -rf "$tmp"' EXIT
export LANG=C.UTF-8 LANGUAGE=
: >"$tmp/empty.conf"
export CREDPOLICY_CONF="$tmp/empty.conf"
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
expect_status() { # want got what
	if [ "$1" -eq "$2" ]; then ok "$3 (exit $2)"; else fail "$3: exit $2, wanted $1"; fi
}
expect_grep() { # pattern file what
	if grep -q -- "$1" "$2"; then ok "$3"; else fail "$3: no '$1' in:"; sed 's/^/    /' "$2"; fi
}
expect_no_grep() {
	if grep -q -F -- "$1" "$2"; then fail "$3: found '$1'"; else ok "$3"; fi
}
expect_py() { # CODE FILE what: CODE asserts on the JSON document d
	if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $1" "$2" 2>"$tmp/py.err"
	then ok "$3"; else fail "$3"; sed 's/^/    /' "$tmp/py.err" "$2" | head -30; fi
}

# Distinctive hashes: none of them, nor their salts, may ever be printed.
MD5='$1$Qx7tZp2W$u2UhAlhhXCW/cEoG.57f31'
DES='kGRILqf64jPbw'
SHA512='$6$Hs9Lw2Qe5$yNy8w7SHbpjIZzSi4KdGbM8aQAVGQY.aMF.hz7pubaujjBRf05A070i.F1F3Qurq5veTdf2NP.bky/oGTMPgj/'
YES='$y$j9T$abcdefghijklmnop$QYF6ckGfiS5Dt.ot5SJxDMqXEFt8P/rpCB2LunFj6Y6'
SECRETS="$MD5 $DES $SHA512 $YES Qx7tZp2W u2UhAlhhXCW Hs9Lw2Qe5 abcdefghijklmnop QYF6ckGf"
ALL_OUT="$tmp/all-output"
: >"$ALL_OUT"

# ---- the ledger: root, alice and bob are known ----
mkdir "$tmp/ledger" && chmod 700 "$tmp/ledger"
L="$tmp/ledger/ledger.db"
cat >"$tmp/ledger.json" <<'JSON'
{"format": "credpolicy-ledger", "version": 1,
 "people": [{"employee_id": "P1", "name": "Alice Chen"}, {"employee_id": "P2", "name": "Bob Li"}],
 "accounts": [{"name": "root", "class": "default", "kind": "service", "owner": null},
              {"name": "alice", "class": "default", "kind": "personal", "owner": "P1"},
              {"name": "bob", "class": "default", "kind": "personal", "owner": "P2"},
              {"name": "carol", "class": "default", "kind": "service", "owner": null}]}
JSON
"$CP" ledger init --ledger "$L" >/dev/null && "$CP" ledger import --quiet --ledger "$L" "$tmp/ledger.json"
expect_status 0 $? "ledger for the audits"

# ---- a clean host: make_host DIR ----
make_host() {
	h=$1
	mkdir -p "$h/etc/pam.d" "$h/var/backups"
	cat >"$h/etc/passwd" <<-'EOF2'
	root:x:0:0:root:/root:/bin/bash
	daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
	alice:x:1000:1000:Alice:/home/alice:/bin/bash
	svc:x:998:998::/var/lib/svc:/bin/false
	EOF2
	printf 'root:x:0:\nshadow:x:42:\nusers:x:100:\n' >"$h/etc/group"
	cat >"$h/etc/shadow" <<-EOF2
	root:!:20000:0:99999:7:::
	daemon:*:20000:0:99999:7:::
	alice:$YES:20000:0:99999:7:::
	svc:$SHA512:20000:0:99999:7:::
	EOF2
	printf 'root:*::\nshadow:*::\n' >"$h/etc/gshadow"
	cp "$h/etc/shadow" "$h/etc/shadow-"
	cp "$h/etc/gshadow" "$h/etc/gshadow-"
	cp "$h/etc/shadow" "$h/var/backups/shadow.bak"
	cp "$h/etc/passwd" "$h/var/backups/passwd.bak"
	chmod 644 "$h/etc/passwd" "$h/etc/group" "$h/var/backups/passwd.bak"
	for f in etc/shadow etc/gshadow etc/shadow- etc/gshadow- var/backups/shadow.bak; do
		chown 0:42 "$h/$f" && chmod 640 "$h/$f"
	done
	cat >"$h/etc/pam.d/common-password" <<-'EOF2'
	# pam_credpolicy.so in a comment does not count
	password [success=1 default=ignore] pam_unix.so obscure yescrypt
	password requisite /usr/lib/x86_64-linux-gnu/security/pam_credpolicy.so
	EOF2
	printf 'account required pam_unix.so\n@include credpolicy-account\n' >"$h/etc/pam.d/common-account"
	printf 'account required pam_credpolicy.so\n' >"$h/etc/pam.d/credpolicy-account"
	# display managers and gettys present, without automatic login
	mkdir -p "$h/etc/gdm3" "$h/etc/lightdm/lightdm.conf.d" "$h/etc/sddm.conf.d" \
		"$h/etc/systemd/system/getty@tty1.service.d"
	printf '[daemon]\nAutomaticLoginEnable=false\n# AutomaticLoginEnable=true\nAutomaticLogin=alice\n' \
		>"$h/etc/gdm3/custom.conf"
	printf '[Seat:*]\nautologin-user=\n#autologin-user=alice\n' >"$h/etc/lightdm/lightdm.conf"
	printf '[Autologin]\nUser=\nSession=plasma\n' >"$h/etc/sddm.conf.d/kde.conf"
	printf '[Service]\nExecStart=\nExecStart=-/sbin/agetty --noclear %%I $TERM\n' \
		>"$h/etc/systemd/system/getty@tty1.service.d/override.conf"
}

# audit NAME ARGS...: run on $tmp/NAME with the ledger; text to NAME.txt,
# JSON to NAME.json; $st is the exit status of the text run.
audit() {
	name=$1; shift
	"$CP" audit --root "$tmp/$name" --ledger "$L" "$@" >"$tmp/$name.txt" 2>"$tmp/$name.err"
	st=$?
	"$CP" audit --root "$tmp/$name" --ledger "$L" --json "$@" >"$tmp/$name.json" 2>>"$tmp/$name.err"
	cat "$tmp/$name.txt" "$tmp/$name.json" "$tmp/$name.err" >>"$ALL_OUT"
}
# finding NAME ID SEVERITY RULE [PATH [ACCOUNT]]: the JSON has that finding.
finding() {
	expect_py "f=[x for x in d['findings'] if x['id']=='$2' and x['severity']=='$3' and x['rule']=='$4'
	  and ('${5-}'=='' or x['where']['path']=='${5-}') and ('${6-}'=='' or x['where']['account']=='${6-}')]
assert f and all(x['message'] and x['fix'] for x in f), d['findings']" \
		"$tmp/$1.json" "$1: $2 $3 $4${5:+ $5}${6:+ $6}"
}
only_ids() { # NAME "id id ...": exactly these findings (sorted list of ids)
	expect_py "assert sorted(x['id'] for x in d['findings']) == sorted('$2'.split()), [x['id'] for x in d['findings']]" \
		"$tmp/$1.json" "$1: findings are exactly [$2]"
}

# ---- usage ----
"$CP" audit --help >"$tmp/out" 2>&1; expect_status 0 $? "audit --help"
expect_grep "^Usage: credpolicy audit" "$tmp/out" "--help shows the usage"
"$CP" audit --fail-on severe >/dev/null 2>"$tmp/err"; expect_status 2 $? "unknown severity"
expect_grep "severe" "$tmp/err" "unknown severity named"
"$CP" audit --bogus >/dev/null 2>&1; expect_status 2 $? "unknown option"
"$CP" audit extra >/dev/null 2>&1; expect_status 2 $? "unexpected argument"
"$CP" audit --root "$tmp/no-such-host" >/dev/null 2>&1; expect_status 2 $? "missing root"

# ---- clean host ----
make_host "$tmp/clean"
audit clean
expect_status 0 "$st" "clean host"
expect_grep "^no findings" "$tmp/clean.txt" "clean host: no findings"
expect_py "assert d['findings'] == [] and d['counts']['total'] == 0 and d['complete'] is True
assert set(d) >= {'host', 'findings', 'counts'} and d['root'].endswith('/clean'), d" \
	"$tmp/clean.json" "clean host: JSON"
"$CP" audit --root "$tmp/clean" --ledger "$L" --fail-on info >/dev/null 2>&1
expect_status 0 $? "clean host, --fail-on info"

# ---- R20: modes and owners ----
make_host "$tmp/modes"
chmod 644 "$tmp/modes/etc/shadow"                        # readable by all: critical
chown 1000:42 "$tmp/modes/etc/gshadow"                   # owner not root: high
chown 0:100 "$tmp/modes/etc/shadow-"                     # group users: high
chmod 604 "$tmp/modes/etc/gshadow-"                      # other-readable copy: critical
chmod 660 "$tmp/modes/var/backups/shadow.bak"            # group-writable: high
cp "$tmp/modes/etc/gshadow" "$tmp/modes/var/backups/gshadow.2.gz"
chown 0:0 "$tmp/modes/var/backups/gshadow.2.gz"; chmod 644 "$tmp/modes/var/backups/gshadow.2.gz"
chown 0:0 "$tmp/modes/etc/passwd"                        # passwd.bak 0644 is fine
audit modes
expect_status 1 "$st" "bad modes"
finding modes shadow-mode critical R20 /etc/shadow
finding modes shadow-mode high R20 /etc/gshadow
finding modes shadow-copy-mode high R20 /etc/shadow-
finding modes shadow-copy-mode critical R20 /etc/gshadow-
finding modes shadow-copy-mode high R20 /var/backups/shadow.bak
finding modes shadow-copy-mode critical R20 /var/backups/gshadow.2.gz
only_ids modes "shadow-mode shadow-mode shadow-copy-mode shadow-copy-mode shadow-copy-mode shadow-copy-mode"
expect_grep "mode 0644, owner root, group shadow" "$tmp/modes.txt" "mode, owner and group reported"
expect_grep "owner alice, group shadow" "$tmp/modes.txt" "a non-root owner named"
expect_grep "group users" "$tmp/modes.txt" "a wrong group named"
expect_py "s=[x['severity'] for x in d['findings']]; assert s == sorted(s, key=['critical','high','medium','low','info'].index), s" \
	"$tmp/modes.json" "findings sorted by severity"
expect_py "assert d['counts'] == {'critical': 3, 'high': 3, 'medium': 0, 'low': 0, 'info': 0, 'total': 6}, d['counts']" \
	"$tmp/modes.json" "counts"
"$CP" audit --root "$tmp/modes" --ledger "$L" --fail-on critical >/dev/null 2>&1
expect_status 1 $? "--fail-on critical with critical findings"

# Only high findings: --fail-on critical passes, the default fails.
make_host "$tmp/high"
chmod 600 "$tmp/high/etc/shadow"; chown 0:100 "$tmp/high/etc/shadow"
audit high
expect_status 1 "$st" "a high finding fails by default"
finding high shadow-mode high R20 /etc/shadow
"$CP" audit --root "$tmp/high" --ledger "$L" --fail-on critical >/dev/null 2>&1
expect_status 0 $? "--fail-on critical ignores high"
"$CP" audit --root "$tmp/high" --ledger "$L" -f medium >/dev/null 2>&1
expect_status 1 $? "--fail-on medium"

# ---- R20: hashes ----
make_host "$tmp/hashes"
cat >>"$tmp/hashes/etc/passwd" <<'EOF'
bob:x:1001:1001:Bob:/home/bob:/bin/bash
carol:x:1002:1002:Carol:/home/carol:/bin/sh
erin:x:1003:1003:Erin:/home/erin:/bin/bash
EOF
cat >>"$tmp/hashes/etc/shadow" <<EOF
bob:$MD5:20000:0:99999:7:::
carol:$DES:20000:0:99999:7:::
erin::20000:0:99999:7:::
locked:!$MD5:20000:0:99999:7:::
EOF
audit hashes
expect_status 1 "$st" "weak and empty hashes"
finding hashes weak-hash high R20 /etc/shadow bob
finding hashes weak-hash high R20 /etc/shadow carol
finding hashes empty-password critical R20 /etc/shadow erin
expect_grep "md5crypt" "$tmp/hashes.txt" "md5crypt named"
expect_grep "DES" "$tmp/hashes.txt" "DES named"
expect_py "assert [x['where']['line'] for x in d['findings'] if x['id'] == 'weak-hash'] == [5, 6], d" \
	"$tmp/hashes.json" "weak-hash: shadow line numbers"
expect_py "assert not any(x['where']['account'] == 'locked' for x in d['findings']), d" \
	"$tmp/hashes.json" "a locked (!) legacy hash is not flagged"
# erin is also unknown to the ledger and can log in.
finding hashes unknown-account high R22 /etc/passwd erin

# ---- R21: automatic login ----
make_host "$tmp/autologin"
h="$tmp/autologin"
printf '[daemon]\nAutomaticLoginEnable=True\nAutomaticLogin=alice\n' >"$h/etc/gdm3/custom.conf"
printf '# timed\n[daemon]\nTimedLoginEnable=true\n' >"$h/etc/gdm3/daemon.conf"
printf '[Seat:*]\nautologin-user=alice\n' >"$h/etc/lightdm/lightdm.conf.d/50-kiosk.conf"
printf '[General]\n[Autologin]\nUser=alice\n' >"$h/etc/sddm.conf"
printf '[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --noclear %%I $TERM\n' \
	>"$h/etc/systemd/system/getty@tty1.service.d/override.conf"
mkdir -p "$h/etc/systemd/system/serial-getty@ttyS0.service.d"
printf '[Service]\nExecStart=-/sbin/agetty -a root -8 -L %%I 115200\n' \
	>"$h/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf"
printf '[Service]\nExecStart=-/sbin/agetty --autologin root %%I\n' \
	>"$h/etc/systemd/system/getty@tty1.service.d/notes.txt"
audit autologin
expect_status 1 "$st" "automatic login"
finding autologin autologin high R21 /etc/gdm3/custom.conf
finding autologin autologin high R21 /etc/gdm3/daemon.conf
finding autologin autologin high R21 /etc/lightdm/lightdm.conf.d/50-kiosk.conf
finding autologin autologin high R21 /etc/sddm.conf
finding autologin autologin high R21 /etc/systemd/system/getty@tty1.service.d/override.conf
finding autologin autologin high R21 /etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf
only_ids autologin "autologin autologin autologin autologin autologin autologin"
expect_py "assert sorted((x['where']['path'].rsplit('/', 1)[1], x['where']['line']) for x in d['findings']) == [('50-kiosk.conf', 2), ('autologin.conf', 2), ('custom.conf', 2), ('daemon.conf', 3), ('override.conf', 3), ('sddm.conf', 3)], d" \
	"$tmp/autologin.json" "autologin: line numbers"
expect_grep "where: /etc/sddm.conf:3" "$tmp/autologin.txt" "text: path and line"

# ---- R22: accounts unknown to the ledger ----
make_host "$tmp/accounts"
h="$tmp/accounts"
cat >>"$h/etc/passwd" <<'EOF'
dave:x:1004:1004:Dave:/home/dave:/bin/bash
frank:x:1005:1005:Frank:/home/frank:/bin/bash
gina:x:1006:1006:Gina:/home/gina:/usr/sbin/nologin
harry:x:1007:1007:Harry:/home/harry:
EOF
cat >>"$h/etc/shadow" <<EOF
dave:$SHA512:20000:0:99999:7:::
frank:!$SHA512:20000:0:99999:7:::
gina:$SHA512:20000:0:99999:7:::
harry:$YES:20000:0:99999:7:::
EOF
audit accounts
expect_status 1 "$st" "unknown accounts"
finding accounts unknown-account high R22 /etc/passwd dave
finding accounts unknown-account high R22 /etc/passwd harry
only_ids accounts "unknown-account unknown-account"
expect_py "assert [x['where']['line'] for x in d['findings']] == [5, 8], d" \
	"$tmp/accounts.json" "unknown-account: passwd line numbers"
"$CP" audit --root "$h" --ledger "$tmp/ledger/missing.db" --json >"$tmp/noledger.json" 2>&1
expect_status 0 $? "no ledger: a medium finding only"
finding noledger ledger-unavailable medium R22
expect_py "assert [x['id'] for x in d['findings']] == ['ledger-unavailable'], d" \
	"$tmp/noledger.json" "no ledger: the account check is skipped"
"$CP" audit --root "$h" --ledger "$tmp/ledger/missing.db" --fail-on medium >/dev/null 2>&1
expect_status 1 $? "no ledger, --fail-on medium"
cat "$tmp/noledger.json" >>"$ALL_OUT"

# ---- R22: the PAM stack ----
make_host "$tmp/pam"
h="$tmp/pam"
printf 'password required pam_unix.so\n#password requisite pam_credpolicy.so\n' >"$h/etc/pam.d/common-password"
rm "$h/etc/pam.d/credpolicy-account"   # the include names a missing file
printf 'auth required pam_credpolicy.so\n' >>"$h/etc/pam.d/common-account"
audit pam
expect_status 1 "$st" "PAM stack without pam_credpolicy"
finding pam pam-missing-password high R22 /etc/pam.d/common-password
finding pam pam-missing-account high R22 /etc/pam.d/common-account
only_ids pam "pam-missing-password pam-missing-account"

# RHEL: system-auth and password-auth, through substack and include.
make_host "$tmp/rhel"
h="$tmp/rhel"
rm "$h/etc/pam.d/common-password" "$h/etc/pam.d/common-account"
printf 'password requisite pam_credpolicy.so\naccount required pam_credpolicy.so\n' >"$h/etc/pam.d/credpolicy"
printf -- '-password substack credpolicy\naccount include credpolicy\n' >"$h/etc/pam.d/system-auth"
printf 'password substack credpolicy\naccount required pam_unix.so\n' >"$h/etc/pam.d/password-auth"
audit rhel
expect_status 1 "$st" "RHEL stack, one file incomplete"
finding rhel pam-missing-account high R22 /etc/pam.d/password-auth
only_ids rhel "pam-missing-account"
# Includes are followed one level only.
printf 'account include credpolicy\n' >"$h/etc/pam.d/deeper"
printf 'password substack credpolicy\naccount include deeper\n' >"$h/etc/pam.d/password-auth"
audit rhel
finding rhel pam-missing-account high R22 /etc/pam.d/password-auth
printf 'password substack credpolicy\naccount include credpolicy\n' >"$h/etc/pam.d/password-auth"
audit rhel
expect_status 0 "$st" "RHEL stack complete"

make_host "$tmp/nopam"
rm -r "$tmp/nopam/etc/pam.d"
audit nopam
finding nopam pam-missing-password high R22 /etc/pam.d
finding nopam pam-missing-account high R22 /etc/pam.d

# ---- symbolic links under --root are not followed ----
make_host "$tmp/links"
h="$tmp/links"
mkdir "$tmp/outside"
printf 'root:%s:20000::::::\n' "$MD5" >"$tmp/outside/shadow"
chmod 644 "$tmp/outside/shadow"
rm "$h/etc/shadow"
ln -s ../../outside/shadow "$h/etc/shadow"
mv "$h/etc/pam.d" "$tmp/outside/pam.d"
ln -s "$tmp/outside/pam.d" "$h/etc/pam.d"
audit links
expect_status 2 "$st" "a linked shadow: the audit is incomplete"
expect_grep "symbolic link under --root is not followed" "$tmp/links.err" "the link is named"
expect_no_grep "md5crypt" "$tmp/links.txt" "the linked file was not read"
finding links pam-missing-password high R22 /etc/pam.d
expect_py "assert d['complete'] is False, d" "$tmp/links.json" "JSON says incomplete"

# ---- --json shape ----
expect_py "
assert set(d) == {'host', 'root', 'complete', 'findings', 'counts'}, d.keys()
for x in d['findings']:
    assert set(x) == {'id', 'severity', 'rule', 'where', 'message', 'fix'}, x
    assert set(x['where']) == {'path', 'line', 'account'}, x
assert sum(v for k, v in d['counts'].items() if k != 'total') == d['counts']['total'] == len(d['findings'])
" "$tmp/hashes.json" "--json shape"

# ---- no hash text, anywhere ----
expect_grep "weak-hash" "$ALL_OUT" "the outputs searched hold the hash findings"
for s in $SECRETS; do
	expect_no_grep "$s" "$ALL_OUT" "no hash text in any output (${s%"${s#????????}"}...)"
done

echo "1..$n"
[ "$fails" -eq 0 ]
