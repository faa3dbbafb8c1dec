#!/bin/sh
# test_pam.sh - pam_credpolicy.so through the real libpam, without root and
# without /etc/pam.d.
#
# Service files are written to a temporary directory and opened with
# pam_start_confdir() by tests/test_pam_driver, a scripted conversation
# that prints every prompt, message and result, and catches what the
# module sends to syslog. tests/pam_fake_unix.so stands in for pam_unix.
# The ledger is tests/test_pam_fixture's: one account in every state.
# At the end, a real PAM application, pamtester, runs under pam_wrapper.
#
# Stacks: "[default=done ignore=ignore] pam_credpolicy.so" followed by the
# stand-in, which answers PAM_NO_MODULE_DATA: a result of
# PAM_NO_MODULE_DATA means that pam_credpolicy.so said PAM_IGNORE.
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
MOD=$top_builddir/pam_module/.libs/pam_credpolicy.so
FAKE=$top_builddir/tests/.libs/pam_fake_unix.so
DRIVER=$top_builddir/tests/test_pam_driver
FIXTURE=$top_builddir/tests/test_pam_fixture
IDX=${CREDPOLICY_TEST_INDEX:-$top_builddir/data/banned.idx}
for f in "$MOD" "$FAKE" "$DRIVER" "$FIXTURE" "$IDX"; do
	[ -e "$f" ] || { echo "Bail out! missing $f"; exit 99; }
done
tmp=$(mktemp -d /tmp/cp-test-pam.XXXXXX)
holder=
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$tmp"' EXIT
export LANG=C.UTF-8 LANGUAGE= LC_ALL=
unset CP_TEST_SYSLOG

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

PAMD=$tmp/pam.d
mkdir "$PAMD"
CONF=$tmp/credpolicy.conf
printf 'index = %s\n' "$IDX" >"$CONF"
LEDGER=$tmp/ledger.db
"$FIXTURE" create "$CONF" "$LEDGER" || { echo "Bail out! no fixture ledger"; exit 99; }
# libpam reads "other" when a service file is missing; keep it quiet.
echo 'account required pam_deny.so' >"$PAMD/other"
IGNORED=PAM_NO_MODULE_DATA

# ---------------------------------------------------------------- helpers

# service NAME LINE...
service() { name=$1; shift; printf '%s\n' "$@" >"$PAMD/$name"; }

# The three stacks. ARGS are added to the module's line (config= and
# ledger= first, so later arguments may replace them).
password_stack() { # NAME CHECK-ARGS CHANGER-ARGS [CONFIG LEDGER]
	c=${4:-$CONF} l=${5:-$LEDGER}
	service "$1" \
		"password requisite $MOD config=$c ledger=$l $2" \
		"password [success=1 default=ignore] $FAKE file=$tmp/changed $3" \
		"password requisite pam_deny.so" \
		"password required $MOD config=$c ledger=$l record"
}
account_stack() { # NAME ARGS [CONFIG LEDGER]
	service "$1" "account [default=done ignore=ignore] $MOD config=${3:-$CONF} ledger=${4:-$LEDGER} $2" \
		"account required $FAKE"
}
session_stack() { # NAME ARGS [CONFIG LEDGER]
	service "$1" "session [default=done ignore=ignore] $MOD config=${3:-$CONF} ledger=${4:-$LEDGER} $2" \
		"session required $FAKE"
}

# answers NAME LINE... : the answers of run NAME; every one is a secret
# that no output may contain.
answers() { name=$1; shift; printf '%s\n' "$@" >"$tmp/$name.in"; printf '%s\n' "$@" >>"$tmp/secrets"; }

# run NAME SERVICE USER [DRIVER-OPTION...] OP... ; transcript in NAME.out,
# syslog in NAME.log.
run() {
	name=$1 svc=$2 user=$3
	shift 3
	set -- -d "$PAMD" -s "$svc" -u "$user" "$@"
	[ -f "$tmp/$name.in" ] && set -- -a "$tmp/$name.in" "$@"
	: >"$tmp/$name.log"
	CP_TEST_SYSLOG=$tmp/$name.log "$DRIVER" "$@" >"$tmp/$name.out" 2>&1
}

has() { grep -qF -- "$2" "$tmp/$1.out"; }
lacks() { ! grep -qF -- "$2" "$tmp/$1.out"; }
logged() { grep -qF -- "$2" "$tmp/$1.log"; }
result() { grep -qx "result $2 $3" "$tmp/$1.out"; }
count() { grep -cF -- "$2" "$tmp/$1.out"; }
state() { "$FIXTURE" status "$CONF" "$LEDGER" "$1" | cut -d' ' -f1; }
events() { "$FIXTURE" events "$CONF" "$LEDGER"; }

# t DESCRIPTION NAME CONDITION : the condition (shell) decides; on failure
# the transcript and the syslog of NAME are shown.
t() {
	if eval "$3"; then ok "$1"; else
		fail "$1"
		sed 's/^/    | /' "$tmp/$2.out"
		sed 's/^/    syslog| /' "$tmp/$2.log"
	fi
}

GOOD='Tulip#Quarry%58'
GOOD2='Lantern$Meadow%27'
GOOD3='Orchid&Valley%36'
GOOD4='Copper!Harbor%49'
WEAK='P@ssw0rd2024'
WORD='Dragonfly#7'
NOT_ACCEPTED='The new password is not accepted:'
COMMON='It is on the list of common or leaked passwords.'
PERSONAL='It contains personal information'
MISMATCH='Sorry, passwords do not match.'
LEDGER_MSG='The credential ledger cannot be read; please contact your administrator.'
CONFIG_MSG='The password policy cannot be read; please contact your administrator.'
INDEX_MSG='The list of banned passwords is unavailable'
root=$(id -u)
# SELF: driver options for a user changing their own password. Run as root,
# the driver is an administrator changing another user's password unless it
# takes a real uid of a user (-R, effective uid 0 kept: a set-uid passwd).
SELF=
self_ok=
if [ "$root" -ne 0 ]; then
	self_ok=yes
elif "$DRIVER" -d "$PAMD" -s other -u nobody -R 65534 acct 2>&1 | grep -q 'result acct'; then
	SELF="-R 65534"
	self_ok=yes
fi

# ---------------------------------------------------------------- password

password_stack passwd "" ""
answers weak "$WEAK" "Zhangwei@1990" "$GOOD" "$GOOD"
run weak passwd alice $SELF chauthtok
t "weak password refused with its reason, then a good one accepted" weak \
	'result weak chauthtok PAM_SUCCESS && has weak "$NOT_ACCEPTED" && has weak "$COMMON" &&
	 [ "$(count weak "prompt: New password:")" -eq 3 ] && has weak "prompt: Retype new password:"'
t "personal information of the owner from the ledger (张伟 as Zhangwei, R3)" weak \
	'has weak "$PERSONAL"'
t "the accepted password is handed on as PAM_AUTHTOK" weak \
	'[ "$(cat "$tmp/changed")" = "$GOOD" ]'
t "the change is recorded: event, last change" weak \
	'events | grep -q "^change alice pam:passwd:" && [ "$(state alice)" = ok ] &&
	 logged weak "password change of alice recorded"'
t "the rejection is logged with its codes, not the password" weak \
	'logged weak "new password for alice rejected (dictionary_word,common_password), try 1 of 3"'

answers reuse "$GOOD"
run reuse passwd alice chauthtok
t "a password from the history is refused (R6, reused)" reuse \
	'result reuse chauthtok PAM_MAXTRIES || result reuse chauthtok PAM_AUTHTOK_ERR'
t "... with the history message" reuse \
	'has reuse "It has been used before. Choose a password you have not used."'

rm -f "$tmp/changed"
answers maxtries "$WEAK" "$WEAK" "$WORD"
run maxtries passwd bob chauthtok
t "retry exhausted: PAM_MAXTRIES after 3 tries, nothing changed" maxtries \
	'result maxtries chauthtok PAM_MAXTRIES && [ "$(count maxtries "$NOT_ACCEPTED")" -eq 3 ] &&
	 [ ! -e "$tmp/changed" ] && [ "$(state bob)" = warn ]'
t "a decision event for the refused change" maxtries \
	'events | grep -q "^decision bob .*password_rejected: dictionary_word,common_password"'

password_stack passwd1 "retry=1" ""
answers retry1 "$WEAK"
run retry1 passwd1 bob chauthtok
t "retry=1: PAM_AUTHTOK_ERR after one try" retry1 \
	'result retry1 chauthtok PAM_AUTHTOK_ERR && [ "$(count retry1 "prompt: New password:")" -eq 1 ]'

answers mismatch "$GOOD2" "$GOOD3" "$GOOD2" "$GOOD2"
run mismatch passwd bob $SELF chauthtok
t "a mistyped retype is a try; the next one succeeds" mismatch \
	'result mismatch chauthtok PAM_SUCCESS && has mismatch "$MISMATCH" && [ "$(state bob)" = ok ]'

password_stack passwd_old "" "ask_old"
answers similar "Horqin#River%82" "Horqin#River%83" "$GOOD3" "$GOOD3"
run similar passwd_old hank chauthtok
t "too similar to the old password (R6, PAM_OLDAUTHTOK)" similar \
	'result similar chauthtok PAM_SUCCESS && has similar "$NOT_ACCEPTED" &&
	 logged similar "(too_similar)"'

answers nina 'tulip#quarry%58' "$GOOD" "$GOOD"
run nina passwd nina chauthtok
t "the account's class from the ledger: important-host needs 4 kinds (R2, R7)" nina \
	'result nina chauthtok PAM_SUCCESS && has nina "Use at least 4 of the four kinds" &&
	 logged nina "(too_few_classes)"'

answers unknown "zoe" "$GOOD" "$GOOD"
run unknown passwd zoe chauthtok
t "an account the ledger does not know: default class, nothing recorded" unknown \
	'result unknown chauthtok PAM_SUCCESS && has unknown "Use at least 8 characters." &&
	 ! events | grep -q " zoe "'

service passwd_use \
	"password requisite $FAKE ask_new" \
	"password requisite $MOD config=$CONF ledger=$LEDGER use_authtok" \
	"password required $FAKE file=$tmp/changed"
answers useauthtok "$WEAK"
run useauthtok passwd_use bob chauthtok
t "use_authtok: the earlier module's password is checked, no prompt, no retry" useauthtok \
	'result useauthtok chauthtok PAM_AUTHTOK_ERR && has useauthtok "$COMMON" &&
	 lacks useauthtok "prompt: New password:"'

# Record only what really changed.
password_stack passwd_fail "" "fail"
answers failchange "$GOOD4" "$GOOD4"
run failchange passwd_fail dave chauthtok
t "a failing change records nothing (dave still must change)" failchange \
	'result failchange chauthtok PAM_AUTHTOK_ERR && [ "$(state dave)" = must_change ] &&
	 ! events | grep -q "^change dave"'
answers dochange "$GOOD4" "$GOOD4"
run dochange passwd dave $SELF chauthtok
t "the same change succeeding clears must-change" dochange \
	'result dochange chauthtok PAM_SUCCESS && [ "$(state dave)" = ok ] &&
	 events | grep -q "^change dave"'

# An actor longer than its 127 bytes is cut between characters: "pam:"
# and 62 two-byte characters would end with half of one.
LONGSVC=$(i=0; while [ $i -lt 62 ]; do printf 'é'; i=$((i + 1)); done)
password_stack "$LONGSVC" "" ""
answers longsvc "$GOOD3" "$GOOD3"
run longsvc "$LONGSVC" alice $SELF chauthtok
t "a long multi-byte service name: the actor is cut at a character, the change recorded" longsvc \
	'result longsvc chauthtok PAM_SUCCESS && logged longsvc "password change of alice recorded" &&
	 events | grep -q "^change alice pam:$(printf "%.122s" "$LONGSVC") "'

if [ "$root" -eq 0 ]; then
	password_stack passwd_root "root_override=yes" ""
	answers override "$WEAK" "$WEAK"
	run override passwd_root bob chauthtok
	t "root_override=yes: root sets another user's rejected password, with a warning" override \
		'result override chauthtok PAM_SUCCESS && has override "$COMMON" &&
		 has override "you may set it anyway" && logged override "root_override=yes" &&
		 events | grep -q "^decision bob .*root_override"'
	t "... and bob must replace it at the next login (R14)" override \
		'[ "$(state bob)" = must_change ]'
	password_stack passwd_enforce "root_override=yes enforce_for_root retry=1" ""
	answers enforce "$WEAK"
	run enforce passwd_enforce bob chauthtok
	t "enforce_for_root: no override" enforce 'result enforce chauthtok PAM_AUTHTOK_ERR'
	answers expiredroot "$WEAK"
	run expiredroot passwd_root bob chauthtok-expired
	t "no override for a forced change at login (PAM_CHANGE_EXPIRED_AUTHTOK)" expiredroot \
		'! result expiredroot chauthtok-expired PAM_SUCCESS &&
		 lacks expiredroot "you may set it anyway"'
	answers rootdefault "$WEAK"
	run rootdefault passwd1 bob chauthtok
	t "by default root's changes are checked like anyone's" rootdefault \
		'result rootdefault chauthtok PAM_AUTHTOK_ERR'
	if [ -n "$self_ok" ]; then
		answers selfbob "$GOOD3" "$GOOD3"
		run selfbob passwd bob $SELF chauthtok
		answers adminset "$GOOD4" "$GOOD4"
		run adminset passwd bob chauthtok
		t "root sets bob's password: recorded, and bob must change it at the next login (R14)" adminset \
			'result selfbob chauthtok PAM_SUCCESS && result adminset chauthtok PAM_SUCCESS &&
			 [ "$(state bob)" = must_change ] &&
			 events | tail -2 | grep -q "^must_change bob pam:passwd:root" &&
			 has adminset "info: The user must change this password at the next login." &&
			 logged adminset "must be changed at the next login"'
		account_stack acct_bob ""
		run acct_adminset acct_bob bob acct
		t "... the account hook then forces the change, with the reason" acct_adminset \
			'result acct_adminset acct PAM_NEW_AUTHTOK_REQD &&
			 has acct_adminset "password set by an administrator"'
	else
		skip "root sets another user's password: must change" "setresuid failed"
		skip "... the account hook then forces the change" "setresuid failed"
	fi
else
	skip "root override" "not running as root"
fi

# ---------------------------------------------------------------- account

account_stack acct ""
for case in "alice PAM_SUCCESS" "carol PAM_NEW_AUTHTOK_REQD" "dave PAM_SUCCESS" \
	"erin PAM_PERM_DENIED" "frank PAM_ACCT_EXPIRED" "gina PAM_PERM_DENIED" \
	"hank PAM_PERM_DENIED" "svc PAM_SUCCESS" "zoe $IGNORED"; do
	set -- $case
	run "acct_$1" acct "$1" acct
	t "account: $1 -> $2" "acct_$1" "result acct_$1 acct $2"
done
t "expired: told to change now" acct_carol 'has acct_carol "error: Your password has expired; you must change it now."'
t "locked: told so" acct_erin 'has acct_erin "error: This account is locked."'
t "departed owner: told so" acct_frank 'has acct_frank "The owner of this account has left"'
t "unowned: refused with the reason (R12)" acct_gina 'has acct_gina "has no owner in the ledger"'
t "shared: refused with the reason (R12)" acct_hank 'has acct_hank "claimed by more than one person"'
t "refusals logged for the administrator" acct_erin 'logged acct_erin "login of erin refused: locked"'

# bob changed his password above; a fresh ledger for the states of the fixture.
LEDGER2=$tmp/ledger2.db
"$FIXTURE" create "$CONF" "$LEDGER2" || exit 99
account_stack acct2 "" "$CONF" "$LEDGER2"
run acct_warn acct2 bob acct
t "inside the warn window: a message with the days left, PAM_SUCCESS (R11)" acct_warn \
	'result acct_warn acct PAM_SUCCESS && has acct_warn "info: Your password expires in 3 days"'
run acct_warnq acct2 bob -q acct
t "PAM_SILENT: no information message" acct_warnq \
	'result acct_warnq acct PAM_SUCCESS && lacks acct_warnq "info:"'
account_stack acct2q "quiet" "$CONF" "$LEDGER2"
run acct_quiet acct2q bob acct
t "quiet: no information message" acct_quiet 'lacks acct_quiet "info:"'
run acct_must acct2 dave acct
t "must-change flag: PAM_NEW_AUTHTOK_REQD with its reason (R13-R16)" acct_must \
	'result acct_must acct PAM_NEW_AUTHTOK_REQD && has acct_must "You must change your password now (reset)."'

account_stack acct_warnmode "unowned=warn" "$CONF" "$LEDGER2"
run unowned_warn acct_warnmode gina acct
t "unowned=warn: a warning, and the expiry it hid still forces the change" unowned_warn \
	'result unowned_warn acct PAM_NEW_AUTHTOK_REQD && has unowned_warn "info: This personal account has no owner" &&
	 logged unowned_warn "unowned=warn"'
run shared_warn acct_warnmode hank acct
t "unowned=warn: a shared account gets in with a warning" shared_warn \
	'result shared_warn acct PAM_SUCCESS && has shared_warn "claimed by more than one person"'

# The forced change, as login(1) and sshd do it: acct, then chauthtok.
service login \
	"account [default=done ignore=ignore] $MOD config=$CONF ledger=$LEDGER2" \
	"account required $FAKE" \
	"password requisite $MOD config=$CONF ledger=$LEDGER2" \
	"password [success=1 default=ignore] $FAKE" \
	"password requisite pam_deny.so" \
	"password required $MOD config=$CONF ledger=$LEDGER2 record"
answers forced "$GOOD2" "$GOOD2"
run forced login carol login acct
t "expired account forced to change at login, then let in" forced \
	'grep -qx "result acct PAM_NEW_AUTHTOK_REQD" "$tmp/forced.out" &&
	 result forced login PAM_SUCCESS && tail -1 "$tmp/forced.out" | grep -qx "result acct PAM_SUCCESS"'

# ---------------------------------------------------------------- session

session_stack sess ""
run sess_open sess alice -t pts/1 -r 192.0.2.10 open close
t "session open and close recorded as events (R22)" sess_open \
	'result sess_open open PAM_SUCCESS && result sess_open close PAM_SUCCESS &&
	 events | grep -q "^session_open alice .*rhost=192.0.2.10" && events | grep -q "^session_close alice"'
run sess_unknown sess zoe -r 192.0.2.10 open
t "session of an account the ledger does not know: PAM_IGNORE" sess_unknown \
	"result sess_unknown open $IGNORED"

# Two live sessions of one personal account from two addresses (R12).
run share_a sess alice -t pts/2 -r 192.0.2.10 open "wait=$tmp/go" close &
a=$!
i=0
while ! grep -q "result open" "$tmp/share_a.out" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
run share_b sess alice -t pts/3 -r 198.51.100.7 open close
session_stack sess_deny "shared_session=deny"
run share_c sess_deny alice -t pts/4 -r 198.51.100.8 open
run share_svc sess svc -r 198.51.100.9 open close
touch "$tmp/go"
wait $a
t "a second address while the first session lives: sharing alert, let in" share_b \
	'result share_b open PAM_SUCCESS && events | grep -q "^sharing_alert alice .*rhost=198.51.100.7" &&
	 logged share_b "sharing alert"'
t "shared_session=deny: the second address is refused" share_c \
	'result share_c open PAM_PERM_DENIED && has share_c "already in use from another address"'
t "service accounts raise no sharing alert" share_svc \
	'result share_svc open PAM_SUCCESS && ! events | grep -q "^sharing_alert svc"'
run share_after sess alice -r 198.51.100.7 open close
t "after the first session closed, no alert" share_after \
	'[ "$(events | grep -c "^sharing_alert alice")" -eq 2 ]'
# A process that dies without closing its session (a crashed sshd).
: >"$tmp/crash.log"
CP_TEST_SYSLOG=$tmp/crash.log "$DRIVER" -d "$PAMD" -s sess -u alice -r 192.0.2.50 open \
	"wait=$tmp/never" >"$tmp/crash.out" 2>&1 &
crashed=$!
i=0
while ! grep -q "result open" "$tmp/crash.out" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
kill -9 "$crashed"
wait "$crashed" 2>/dev/null
run after_crash sess alice -r 198.51.100.7 open close
t "the session of a process that died is forgotten: no alert" after_crash \
	'result crash open PAM_SUCCESS && result after_crash open PAM_SUCCESS &&
	 [ "$(events | grep -c "^sharing_alert alice")" -eq 2 ]'

# PAM_RHOST and PAM_TTY that are not printable UTF-8 (a byte 0xff, a C1
# control) are recorded as "(unprintable)", not refused by the ledger.
session_stack sess_ldeny "ledger_unavailable=deny"
run badhost sess_ldeny alice -t "$(printf 'pts/\302\2059')" -r "$(printf 'host\377')" open close
t "session with an invalid UTF-8 rhost and a C1 control in the tty: recorded as (unprintable)" badhost \
	'result badhost open PAM_SUCCESS && result badhost close PAM_SUCCESS &&
	 events | grep -q "^session_open alice .*tty=(unprintable) rhost=(unprintable)" &&
	 ! logged badhost "unavailable"'

# ---------------------------------------------------------------- failure modes

# The broken things: no ledger, a corrupt one, an unsafe one (group
# writable), a locked one, a bad configuration, no index.
printf 'this is not a database\n' >"$tmp/corrupt.db"
chmod 600 "$tmp/corrupt.db"
cp "$LEDGER2" "$tmp/unsafe.db"
chmod 660 "$tmp/unsafe.db"
cp "$LEDGER2" "$tmp/locked.db"
printf 'index = %s\n[ledger]\nbusy_timeout_ms = 200\n' "$IDX" >"$tmp/busy.conf"
printf 'min_length = eight\n' >"$tmp/bad.conf"
printf 'index = %s/nonexistent.idx\n' "$tmp" >"$tmp/noindex.conf"
# A process holding the lock of locked.db until its input closes.
mkfifo "$tmp/lock.fifo"
sqlite3 "$tmp/locked.db" <"$tmp/lock.fifo" >/dev/null 2>&1 &
holder=$!
exec 9>"$tmp/lock.fifo"
echo 'PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; SELECT count(*) FROM sqlite_master;' >&9
i=0
while "$FIXTURE" status "$tmp/busy.conf" "$tmp/locked.db" alice >/dev/null 2>&1 && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done

for broken in "missing:$CONF:$tmp/none.db:does not exist" \
	"corrupt:$CONF:$tmp/corrupt.db:not a credpolicy ledger" \
	"unsafe:$CONF:$tmp/unsafe.db:ledger" \
	"locked:$tmp/busy.conf:$tmp/locked.db:locked"; do
	what=${broken%%:*}; rest=${broken#*:}
	conf=${rest%%:*}; rest=${rest#*:}
	ledger=${rest%%:*}; why=${rest#*:}

	account_stack "fa_$what" "" "$conf" "$ledger"
	run "fa_${what}" "fa_$what" alice acct
	t "ledger $what, account, ledger_unavailable=allow: PAM_IGNORE, logged" "fa_$what" \
		"result fa_$what acct $IGNORED && logged fa_$what 'ledger_unavailable=allow' && logged fa_$what '$why'"
	account_stack "fad_$what" "ledger_unavailable=deny" "$conf" "$ledger"
	run "fad_${what}" "fad_$what" alice acct
	t "ledger $what, account, deny: PAM_PERM_DENIED with a message" "fad_$what" \
		"result fad_$what acct PAM_PERM_DENIED && has fad_$what '$LEDGER_MSG'"
	run "fadr_${what}" "fad_$what" root -t tty1 acct
	t "ledger $what, account, deny: root on tty1 still gets in" "fadr_$what" \
		"result fadr_$what acct $IGNORED && logged fadr_$what 'root_console=allow'"

	password_stack "fp_$what" "" "" "$conf" "$ledger"
	answers "fp_$what" "$WEAK" "$GOOD" "$GOOD"
	run "fp_${what}" "fp_$what" alice chauthtok
	t "ledger $what, password, allow: still checked, accepted, not recorded" "fp_$what" \
		"result fp_$what chauthtok PAM_SUCCESS && has fp_$what '$COMMON' && logged fp_$what 'not recorded'"
	password_stack "fpd_$what" "ledger_unavailable=deny" "" "$conf" "$ledger"
	answers "fpd_$what" "$GOOD"
	run "fpd_${what}" "fpd_$what" alice chauthtok
	t "ledger $what, password, deny: PAM_AUTHTOK_ERR before any prompt" "fpd_$what" \
		"result fpd_$what chauthtok PAM_AUTHTOK_ERR && has fpd_$what '$LEDGER_MSG' && lacks fpd_$what prompt:"

	session_stack "fs_$what" "" "$conf" "$ledger"
	run "fs_${what}" "fs_$what" alice -r 192.0.2.10 open close
	t "ledger $what, session, allow: PAM_IGNORE both ways" "fs_$what" \
		"result fs_$what open $IGNORED && result fs_$what close $IGNORED"
	session_stack "fsd_$what" "ledger_unavailable=deny" "$conf" "$ledger"
	run "fsd_${what}" "fsd_$what" alice -r 192.0.2.10 open close
	t "ledger $what, session, deny: open refused (PAM_SESSION_ERR), close never" "fsd_$what" \
		"result fsd_$what open PAM_SESSION_ERR && result fsd_$what close $IGNORED"
done
account_stack fa_rootpolicy "ledger_unavailable=deny root_console=policy" "$CONF" "$tmp/none.db"
run fa_rootpolicy fa_rootpolicy root -t tty1 acct
t "root_console=policy: root on tty1 is refused like anyone" fa_rootpolicy \
	'result fa_rootpolicy acct PAM_PERM_DENIED'
run fa_rootssh fad_missing root -t pts/0 -r 203.0.113.5 acct
t "root from a remote host is not on the console: refused" fa_rootssh \
	'result fa_rootssh acct PAM_PERM_DENIED'
if [ "$root" -eq 0 ] && [ -n "$SELF" ]; then
	# su started by a user: effective uid 0, real uid the user's.
	run fa_rootsu fad_missing root -t tty1 $SELF acct
	t "root on tty1 without a real uid 0 (su from a user) is not on the console: refused" fa_rootsu \
		'result fa_rootsu acct PAM_PERM_DENIED && has fa_rootsu "$LEDGER_MSG"'
else
	skip "root on tty1 without a real uid 0 is refused" "needs root and setresuid"
fi

# The history cannot be read after the account was (a table gone).
"$FIXTURE" create "$CONF" "$tmp/nohist.db" || exit 99
sqlite3 "$tmp/nohist.db" 'DROP TABLE history;'
password_stack fh_deny "ledger_unavailable=deny" "" "$CONF" "$tmp/nohist.db"
answers fh_deny "$GOOD"
run fh_deny fh_deny alice $SELF chauthtok
t "password history unreadable, deny: PAM_AUTHTOK_ERR through the ledger failure" fh_deny \
	'result fh_deny chauthtok PAM_AUTHTOK_ERR && has fh_deny "$LEDGER_MSG" &&
	 logged fh_deny "password history of alice not checked"'
password_stack fh_allow "" "" "$CONF" "$tmp/nohist.db"
answers fh_allow "$GOOD" "$GOOD"
run fh_allow fh_allow alice $SELF chauthtok
t "password history unreadable, allow: accepted, logged" fh_allow \
	'result fh_allow chauthtok PAM_SUCCESS && logged fh_allow "password history of alice not checked" &&
	 logged fh_allow "ledger_unavailable=allow"'

# A bad configuration: on_config_error=defaults (the default), allow, deny.
account_stack fc_acct "" "$tmp/bad.conf" "$LEDGER2"
run fc_acct fc_acct erin acct
t "bad config, account, defaults: with the built-in policy, still refuses erin (locked)" fc_acct \
	'result fc_acct acct PAM_PERM_DENIED && logged fc_acct "bad.conf:1" && logged fc_acct "built-in policy"'
password_stack fc_pw "" "" "$tmp/bad.conf" "$LEDGER2"
answers fc_pw "Ab1!" "$GOOD3" "$GOOD3"
run fc_pw fc_pw alice $SELF chauthtok
t "bad config, password, defaults: checked with the built-in policy" fc_pw \
	'result fc_pw chauthtok PAM_SUCCESS && has fc_pw "Use at least 8 characters."'
account_stack fc_allow "on_config_error=allow" "$tmp/bad.conf" "$LEDGER2"
run fc_allow fc_allow carol acct
t "bad config, on_config_error=allow: PAM_IGNORE" fc_allow "result fc_allow acct $IGNORED"
account_stack fc_deny "on_config_error=deny" "$tmp/bad.conf" "$LEDGER2"
run fc_deny fc_deny alice acct
t "bad config, on_config_error=deny: refused with a message" fc_deny \
	'result fc_deny acct PAM_PERM_DENIED && has fc_deny "$CONFIG_MSG"'
run fc_denyroot fc_deny root -t tty1 acct
t "bad config, deny: root on tty1 gets in" fc_denyroot "result fc_denyroot acct $IGNORED"
session_stack fc_sdeny "on_config_error=deny" "$tmp/bad.conf" "$LEDGER2"
run fc_sdeny fc_sdeny alice -r 192.0.2.10 open close
t "bad config, session, deny: open refused, close never" fc_sdeny \
	"result fc_sdeny open PAM_SESSION_ERR && result fc_sdeny close $IGNORED"
password_stack fc_pdeny "on_config_error=deny" "" "$tmp/bad.conf" "$LEDGER2"
answers fc_pdeny "$GOOD"
run fc_pdeny fc_pdeny alice chauthtok
t "bad config, password, deny: PAM_AUTHTOK_ERR" fc_pdeny \
	'result fc_pdeny chauthtok PAM_AUTHTOK_ERR && has fc_pdeny "$CONFIG_MSG"'
account_stack fc_missing "" "$tmp/no-such.conf" "$LEDGER2"
run fc_missing fc_missing erin acct
t "a config= file that does not exist is a configuration error" fc_missing \
	'result fc_missing acct PAM_PERM_DENIED && logged fc_missing "no-such.conf"'

# No banned-password index: the password hook only.
password_stack fi_allow "" "" "$tmp/noindex.conf" "$LEDGER2"
answers fi_allow "$WORD" "$WORD"
run fi_allow fi_allow alice $SELF chauthtok
t "index missing, index_unavailable=allow: word checks off, logged" fi_allow \
	'result fi_allow chauthtok PAM_SUCCESS && logged fi_allow "word-list checks (R4, R5) are off"'
password_stack fi_deny "index_unavailable=deny" "" "$tmp/noindex.conf" "$LEDGER2"
answers fi_deny "$GOOD"
run fi_deny fi_deny alice chauthtok
t "index missing, deny: no change, before any prompt" fi_deny \
	'result fi_deny chauthtok PAM_AUTHTOK_ERR && has fi_deny "$INDEX_MSG" && lacks fi_deny prompt:'
answers fi_denyroot "$GOOD" "$GOOD"
run fi_denyroot fi_deny root -t tty1 chauthtok
t "index missing, deny: root on tty1 may still change (checked without the index)" fi_denyroot \
	'result fi_denyroot chauthtok PAM_SUCCESS'
account_stack fi_acct "index_unavailable=deny" "$tmp/noindex.conf" "$LEDGER2"
run fi_acct fi_acct alice acct
t "index missing: logins do not care" fi_acct 'result fi_acct acct PAM_SUCCESS'

# The [pam] section of the configuration, and arguments over it.
printf 'index = %s\n[pam]\nunowned = warn\nledger_unavailable = deny\n' "$IDX" >"$tmp/pam.conf"
account_stack pamconf "" "$tmp/pam.conf" "$LEDGER2"
run pamconf pamconf gina acct
t "[pam] unowned = warn in credpolicy.conf" pamconf \
	'result pamconf acct PAM_NEW_AUTHTOK_REQD && has pamconf "info: This personal account has no owner"'
account_stack pamconf_arg "unowned=deny" "$tmp/pam.conf" "$LEDGER2"
run pamconf_arg pamconf_arg gina acct
t "a module argument overrides the [pam] section" pamconf_arg \
	'result pamconf_arg acct PAM_PERM_DENIED'
account_stack pamconf_noledger "" "$tmp/pam.conf" "$tmp/none.db"
run pamconf_noledger pamconf_noledger alice acct
t "[pam] ledger_unavailable = deny in credpolicy.conf" pamconf_noledger \
	'result pamconf_noledger acct PAM_PERM_DENIED && has pamconf_noledger "$LEDGER_MSG"'

# Arguments.
account_stack args "bogus retry=0 unowned=maybe debug" "$CONF" "$LEDGER2"
run args args gina acct
t "unknown and malformed arguments are logged and ignored" args \
	'result args acct PAM_PERM_DENIED && logged args "unknown module argument \"bogus\"" &&
	 logged args "retry=0" && logged args "unowned=maybe"'
account_stack localonly "local_users_only" "$CONF" "$LEDGER2"
run localonly localonly gina acct
t "local_users_only: a user not in /etc/passwd is not checked" localonly \
	"result localonly acct $IGNORED"

# ---------------------------------------------------------------- Chinese

if locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$'; then
	answers zh "$WEAK" "$GOOD4" "$GOOD4"
	(export LANG=zh_CN.UTF-8; run zh passwd1 hank chauthtok; run zh_acct acct erin acct)
	t "LANG=zh_CN.UTF-8: the reasons in Chinese" zh 'grep -q "常见\|泄露" "$tmp/zh.out" && lacks zh "$COMMON"'
	# Messages of the ledger and of the module are tested once the
	# catalogue has them (po/ is maintained with them).
	if grep -qF 'msgid "This account is locked."' "$top_srcdir/po/zh_CN.po"; then
		t "LANG=zh_CN.UTF-8: the account hook's message in Chinese" zh_acct \
			'result zh_acct acct PAM_PERM_DENIED && lacks zh_acct "This account is locked."'
	else
		skip "the account hook's message in Chinese" "the ledger's messages are not yet in po/zh_CN.po"
	fi
	if grep -qF 'msgid "The new password is not accepted:"' "$top_srcdir/po/zh_CN.po"; then
		t "LANG=zh_CN.UTF-8: the module's own messages in Chinese" zh 'lacks zh "$NOT_ACCEPTED"'
	else
		skip "the module's own messages in Chinese" "not yet in po/zh_CN.po"
	fi
else
	fail "locale zh_CN.UTF-8 missing"
fi

# ---------------------------------------------------------------- valgrind

# The module under memcheck through a whole login: the forced change
# (account, chauthtok with a refusal, record), account again, a session;
# then the failure paths (bad configuration, no ledger).
asan=
readelf -d "$MOD" 2>/dev/null | grep -q 'libasan' && asan=yes
if [ -n "$asan" ]; then
	skip "valgrind memcheck of the module" "built with AddressSanitizer"
elif command -v valgrind >/dev/null; then
	LEDGER4=$tmp/ledger4.db
	"$FIXTURE" create "$CONF" "$LEDGER4" || exit 99
	service vg \
		"account [default=done ignore=ignore] $MOD config=$CONF ledger=$LEDGER4" \
		"account required $FAKE" \
		"password requisite $MOD config=$CONF ledger=$LEDGER4" \
		"password [success=1 default=ignore] $FAKE ask_old" \
		"password requisite pam_deny.so" \
		"password required $MOD config=$CONF ledger=$LEDGER4 record" \
		"session [default=done ignore=ignore] $MOD config=$CONF ledger=$LEDGER4" \
		"session required $FAKE"
	service vg_fail \
		"account [default=done ignore=ignore] $MOD config=$tmp/bad.conf ledger=$tmp/none.db" \
		"account required $FAKE" \
		"password requisite $MOD config=$tmp/bad.conf ledger=$tmp/corrupt.db" \
		"password [success=1 default=ignore] $FAKE" \
		"password requisite pam_deny.so" \
		"password required $MOD config=$tmp/bad.conf ledger=$tmp/corrupt.db record" \
		"session [default=done ignore=ignore] $MOD config=$CONF ledger=$tmp/none.db" \
		"session required $FAKE"
	# 99: memcheck found an error or a leak.
	vg() { valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect "$@"; }
	answers vg "Horqin#River%82" "$WEAK" "$GOOD" "$GOOD"
	: >"$tmp/vg.log"
	CP_TEST_SYSLOG=$tmp/vg.log vg "$DRIVER" -d "$PAMD" -s vg -u carol -r 192.0.2.1 \
		-a "$tmp/vg.in" login acct open close >"$tmp/vg.out" 2>&1
	vgrc=$?
	t "valgrind: forced change, account, session: no error, no leak" vg \
		'[ $vgrc -ne 99 ] && result vg login PAM_SUCCESS && result vg close PAM_SUCCESS'
	answers vg_fail "Ab1!" "$GOOD" "$GOOD"
	: >"$tmp/vg_fail.log"
	CP_TEST_SYSLOG=$tmp/vg_fail.log vg "$DRIVER" -d "$PAMD" -s vg_fail -u alice \
		-r 192.0.2.1 -a "$tmp/vg_fail.in" acct chauthtok open close >"$tmp/vg_fail.out" 2>&1
	vgrc=$?
	t "valgrind: the failure paths: no error, no leak" vg_fail \
		'[ $vgrc -ne 99 ] && result vg_fail chauthtok PAM_SUCCESS && result vg_fail acct $IGNORED'
else
	skip "valgrind memcheck of the module" "valgrind missing"
fi

# ---------------------------------------------------------------- pamtester

# A real PAM application under pam_wrapper: the forced change of an
# expired account (carol in a fresh ledger), as an administrator sees it.
LEDGER3=$tmp/ledger3.db
"$FIXTURE" create "$CONF" "$LEDGER3" || exit 99
service pamtester \
	"account required $MOD config=$CONF ledger=$LEDGER3" \
	"password requisite $MOD config=$CONF ledger=$LEDGER3" \
	"password [success=1 default=ignore] $FAKE" \
	"password requisite pam_deny.so" \
	"password required $MOD config=$CONF ledger=$LEDGER3 record"
wrapper=$(ls /usr/lib/*/libpam_wrapper.so /usr/lib/libpam_wrapper.so 2>/dev/null | head -1)
if command -v pamtester >/dev/null && [ -n "$wrapper" ]; then
	# An AddressSanitizer build of the module needs the runtime loaded first
	# in a program that was not built with it.
	[ -n "$asan" ] && wrapper="$(ldd "$MOD" | awk '/libasan/ { print $3 }') $wrapper"
	pt() { ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="$wrapper${LD_PRELOAD:+ $LD_PRELOAD}" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$PAMD pamtester -v pamtester "$@"; }
	pt carol acct_mgmt >"$tmp/pt1.out" 2>&1 </dev/null
	: >"$tmp/pt1.log"
	t "pamtester acct_mgmt: PAM_NEW_AUTHTOK_REQD for the expired account" pt1 \
		'has pt1 "Your password has expired; you must change it now." &&
		 has pt1 "Authentication token is no longer valid; new one required"'
	printf '%s\n' "$WEAK" "$GOOD" "$GOOD" >>"$tmp/secrets"
	printf '%s\n' "$WEAK" "$GOOD" "$GOOD" | pt carol chauthtok >"$tmp/pt2.out" 2>&1
	: >"$tmp/pt2.log"
	t "pamtester chauthtok: weak refused with its reason, good accepted" pt2 \
		'has pt2 "$COMMON" && has pt2 "authentication token altered successfully"'
	pt carol acct_mgmt >"$tmp/pt3.out" 2>&1 </dev/null
	: >"$tmp/pt3.log"
	if [ "$root" -eq 0 ]; then
		# pamtester runs as root: an administrator set carol's password.
		t "pamtester acct_mgmt after root set the password: must change it (R14)" pt3 \
			'has pt3 "password set by an administrator" &&
			 has pt3 "Authentication token is no longer valid; new one required"'
	else
		t "pamtester acct_mgmt after the change: let in" pt3 'has pt3 "account management done"'
	fi
else
	skip "pamtester under pam_wrapper" "pamtester or libpam_wrapper missing"
fi

# ---------------------------------------------------------------- pam-auth-update

# The Debian profiles, applied by the real pam-auth-update to a copy of the
# system's templates under a root of its own, give the example files.
if command -v pam-auth-update >/dev/null && [ -d /usr/share/pam ] && command -v perl >/dev/null; then
	R=$tmp/root
	mkdir -p "$R/usr/share/pam-configs" "$R/usr/share/pam" "$R/etc/pam.d" "$R/var/lib/pam"
	cp /usr/share/pam/common-* "$R/usr/share/pam/"
	cp /usr/share/pam-configs/unix "$top_srcdir"/examples/pam-configs/* "$R/usr/share/pam-configs/"
	DEBIAN_FRONTEND=noninteractive pam-auth-update --root "$R" --force \
		--enable credpolicy credpolicy-record >"$tmp/pau.out" 2>&1
	: >"$tmp/pau.log"
	rules() { grep -v '^#' "$1" | grep -v '^$' | sed 's/[[:space:]]\{1,\}/ /g; s/ $//'; }
	for f in common-password common-account; do
		rules "$R/etc/pam.d/$f" >"$tmp/pau.generated"
		rules "$top_srcdir/examples/pam.d/$f" >"$tmp/pau.example"
		diff "$tmp/pau.example" "$tmp/pau.generated" >>"$tmp/pau.out" 2>&1
		t "pam-auth-update with examples/pam-configs gives examples/pam.d/$f" pau \
			'diff -q "$tmp/pau.example" "$tmp/pau.generated" >/dev/null'
	done
else
	skip "pam-auth-update profiles" "pam-auth-update missing"
fi

# ---------------------------------------------------------------- no secret anywhere

# Every answer given to a prompt is a password; none may appear in what
# the user saw, in syslog or in the ledger's events ("changed", the
# stand-in's output, excepted).
events >"$tmp/events.out"
: >"$tmp/events.log"
: >"$tmp/leaks.out"
: >"$tmp/leaks.log"
sort -u "$tmp/secrets" | while IFS= read -r secret; do
	[ ${#secret} -ge 6 ] || continue
	grep -lF -- "$secret" "$tmp"/*.out "$tmp"/*.log >>"$tmp/leaks.out" 2>/dev/null
done
t "no password in any transcript or syslog line" leaks '[ ! -s "$tmp/leaks.out" ]'

exec 9>&-
wait "$holder"
holder=
echo "1..$n"
[ "$fails" -eq 0 ]
