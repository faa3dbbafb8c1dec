# helpdesk_lib.sh - sourced by test_reset.sh, test_offboard.sh and
# test_offboard_e2e.sh: TAP-ish results, a scratch directory, a fake host
# root whose etc/shadow the commands change (never the real one), and the
# real pam_credpolicy.so driven by tests/test_pam_driver with service files
# in the scratch directory (see tests/test_pam.sh).
#
# Before sourcing: NAME (the scratch directory's prefix). After: $tmp,
# $CP (the credpolicy command), $ROOT (the fake root), and the functions
# below. Every command's output goes to $tmp/NAME.out and .err, so that
# the secret check at the end can read them all.
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
top_srcdir=$(cd "$top_srcdir" && pwd)
CP=$top_builddir/tools/credpolicy
MOD=$top_builddir/pam_module/.libs/pam_credpolicy.so
FAKE=$top_builddir/tests/.libs/pam_fake_unix.so
DRIVER=$top_builddir/tests/test_pam_driver
IDX=${CREDPOLICY_TEST_INDEX:-$top_builddir/data/banned.idx}
for f in "$CP" "$MOD" "$FAKE" "$DRIVER" "$IDX"; do
	[ -e "$f" ] || { echo "Bail out! missing $f"; exit 99; }
done
command -v python3 >/dev/null 2>&1 || { echo "# python3 is needed"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cp-test-$NAME.XXXXXX")
cleanup_extra=:
trap 'eval "$cleanup_extra"; rm -rf "$tmp"' EXIT
export LANG=C.UTF-8 LANGUAGE= LC_ALL=
unset CP_TEST_SYSLOG SUDO_USER

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
# t DESCRIPTION NAME CONDITION: on failure, NAME's output is shown.
t() {
	if (eval "$3"); then ok "$1"; else
		fail "$1"
		for f in "$tmp/$2.out" "$tmp/$2.err" "$tmp/$2.log"; do
			[ -s "$f" ] && sed "s|^|    $(basename "$f"): |" "$f"
		done
	fi
	return 0
}
finish() { echo "1..$n"; [ "$fails" -eq 0 ]; }

# The configuration, the ledger and the fake root.
CONF=$tmp/credpolicy.conf
LEDGER=$tmp/ledger.db
ROOT=$tmp/root
mkdir -p "$ROOT/etc" "$tmp/pam.d"
printf 'index = %s\n[ledger]\npath = %s\n' "$IDX" "$LEDGER" >"$CONF"
export CREDPOLICY_CONF="$CONF"
echo 'account required pam_deny.so' >"$tmp/pam.d/other"

# cpx NAME ARG...: credpolicy ARG... with output in NAME.out/.err; $rc.
cpx() {
	name=$1
	shift
	"$CP" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
	rc=$?
}
has() { grep -qF -- "$2" "$tmp/$1.out"; }
says() { grep -qF -- "$2" "$tmp/$1.err"; }
events() { "$CP" events --ledger "$LEDGER"; }
nevents() { events | wc -l; }
state() { "$CP" status --json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }
# shadow NAME FIELD: field 1-9 of NAME's line in the fake root.
shadow() { awk -F: -v u="$1" -v f="$2" '$1 == u { print $f }' "$ROOT/etc/shadow"; }

# A shadow file with a line for each NAME (a stand-in hash, changed on day
# 20000), and root's.
make_shadow() {
	{
		echo 'root:$y$j9T$rootsalt$roothash:19000:0:99999:7:::'
		for u in "$@"; do
			echo "$u:\$y\$j9T\$salt\$hash-of-$u:20000:0:99999:7:::"
		done
	} >"$ROOT/etc/shadow"
	chmod 640 "$ROOT/etc/shadow"
}

# ---------------------------------------------------------------- PAM

# The account stack (and the forced change at login, as login(1) does).
printf '%s\n' \
	"account [default=done ignore=ignore] $MOD config=$CONF ledger=$LEDGER" \
	"account required $FAKE" \
	"password requisite $MOD config=$CONF ledger=$LEDGER" \
	"password [success=1 default=ignore] $FAKE ask_old" \
	"password requisite pam_deny.so" \
	"password required $MOD config=$CONF ledger=$LEDGER record" \
	"session [default=done ignore=ignore] $MOD config=$CONF ledger=$LEDGER" \
	"session required $FAKE" >"$tmp/pam.d/login"
# SELF: driver options for a user changing their own password (as root,
# the driver is otherwise an administrator setting another's, R14).
SELF=
if [ "$(id -u)" -eq 0 ] && "$DRIVER" -d "$tmp/pam.d" -s other -u nobody -R 65534 acct 2>&1 |
	grep -q 'result acct'; then
	SELF="-R 65534"
fi

# pam NAME USER [DRIVER-OPTION...] OP...: transcript in NAME.out, syslog in
# NAME.log; answers (secrets) from NAME.in when it exists.
pam() {
	name=$1 user=$2
	shift 2
	[ -f "$tmp/$name.in" ] && set -- -a "$tmp/$name.in" "$@"
	: >"$tmp/$name.log"
	CP_TEST_SYSLOG=$tmp/$name.log "$DRIVER" -d "$tmp/pam.d" -s login -u "$user" "$@" \
		>"$tmp/$name.out" 2>&1
}
result() { grep -qx "result $2 $3" "$tmp/$1.out"; }
answers() { name=$1; shift; printf '%s\n' "$@" >"$tmp/$name.in"; }

# No secret (one per line of $tmp/secrets) in any output, transcript,
# syslog capture, event or the ledger file, except in the files named as
# arguments (where a password is meant to be shown).
no_secret() {
	[ -f "$LEDGER" ] && events >"$tmp/events-final.out" &&
		"$CP" events --json --ledger "$LEDGER" >"$tmp/events-final-json.out"
	: >"$tmp/leaks"
	[ -s "$tmp/secrets" ] || return 0
	while IFS= read -r secret; do
		[ ${#secret} -ge 6 ] || continue
		for f in "$tmp"/*.out "$tmp"/*.err "$tmp"/*.log "$LEDGER" "$LEDGER-wal"; do
			[ -f "$f" ] || continue
			case " $* " in *" $f "*) continue ;; esac
			grep -qaF -- "$secret" "$f" && echo "$f" >>"$tmp/leaks"
		done
	done <"$tmp/secrets"
	[ ! -s "$tmp/leaks" ]
}
