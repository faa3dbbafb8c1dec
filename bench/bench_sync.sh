#!/bin/sh
# bench_sync.sh - time "credpolicy sync" against a real slapd, side by side
# with ldapsearch dumping the same entries from the same server.
#
#   bench/bench_sync.sh [N [RUNS]]      (N = 100000, RUNS = 5)
#
# Run it from the top of a built tree (the build directory: it uses
# ./tools/credpolicy, or $CREDPOLICY). It starts tests/ldap/slapd.sh's
# throwaway server, loads N people, N accounts and N/100 groups made by
# bench/ldap_data.sh with slapadd, and measures, RUNS times each, reporting
# the median (and the spread):
#   ldapsearch_s   ldapsearch of the people, accounts and groups with the
#                  attributes the sync asks for, paged like the sync (1000),
#                  over StartTLS, as LDIF to a file;
#   full_s         credpolicy sync --full into an empty ledger;
#   ratio          full_s / ldapsearch_s (the goal: at most 2);
#   reconcile_s    credpolicy sync --full again on the synced ledger (what
#                  a periodic full sync of a host does), and reconcile_ratio,
#                  reconcile_s / ldapsearch_s;
#   reconcile_dry_run_s  the same with --dry-run (read and compare only);
#   first_refresh_s  credpolicy sync (no --full) into an empty ledger: the
#                  RFC 4533 refresh without a cookie that a new host's
#                  first timer run does, and first_refresh_ratio;
#   incr100_s      credpolicy sync (RFC 4533 refreshOnly from the stored
#                  cookie) after 100 changes made with ldapmodify: 70
#                  classes and 10 owners changed, 10 accounts added, 10
#                  deleted (the goal: under 1 s). Each run checks that the
#                  changes reached the ledger.
# Needs slapd, ldap-utils, openssl; about 1 GB in $TMPDIR for N = 100000.
set -eu
n=${1:-100000}
runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
FIX="$here/../tests/ldap/slapd.sh"
CP=${CREDPOLICY:-./tools/credpolicy}
[ -x "$CP" ] || { echo "bench_sync: no $CP (run from a built tree)" >&2; exit 2; }
"$CP" sync --help >/dev/null 2>&1 || { echo "bench_sync: $CP has no sync command" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/credpolicy-bench-sync.XXXXXX")
S="$tmp/srv"
mkdir "$S"
trap '"$FIX" stop "$S" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
export LANG=C.UTF-8 LANGUAGE=
export LDAPCONF=/dev/null LDAPRC=.credpolicy-bench-no-ldaprc

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }'; }
# median, min and max of the numbers in a file, one a line
stats() { sort -n "$1" | awk '{ v[NR] = $1 } END {
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "%.3f (min %.3f, max %.3f, %d runs)\n", m, v[1], v[NR], NR }'; }
median() { sort -n "$1" | awk '{ v[NR] = $1 } END {
	printf "%.3f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "# machine"
echo "cores: $(nproc)"
echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p')"
echo "memory: $(free -g | awk '/^Mem:/ { print $2 " GiB" }')"
echo "slapd: $(/usr/sbin/slapd -VV 2>&1 | sed -n 's/.*\(slapd [0-9][^ ]*\).*/\1/p' | head -n 1)"
echo "date: $(date -u +%Y-%m-%d)"

echo "# directory: $n people, $n accounts, $((n / 100)) groups"
SLAPD_DEBUG=none "$FIX" start "$S"
t0=$(now)
sh "$here/ldap_data.sh" "$n" >"$tmp/data.ldif"
echo "generate_s: $(since "$t0")"
t0=$(now)
SLAPD_DEBUG=none "$FIX" load "$S" "$tmp/data.ldif"
echo "slapadd_s: $(since "$t0")"
rm -f "$tmp/data.ldif"
# shellcheck disable=SC1091
. "$S/env"
CONF="$S/credpolicy.conf"
LEDGER="$S/ledger.db"

# The attributes the sync asks for: the [ldap_map] defaults, plus entryUUID
# that names each entry and modifyTimestamp.
P_ATTRS="entryUUID modifyTimestamp employeeNumber displayName cn mobile telephoneNumber credpolicyBirthDate
credpolicyIdCard credpolicyDepartedTime"
A_ATTRS="entryUUID modifyTimestamp uid credpolicyScope credpolicyClass credpolicyKind credpolicyOwner
credpolicyCustodian credpolicyOTP credpolicyMustChange pwdReset pwdAccountLockedTime
pwdChangedTime shadowLastChange"
G_ATTRS="entryUUID modifyTimestamp cn member credpolicyScope"
dump() {
	for what in "people (employeeNumber=*) $P_ATTRS" "accounts (uid=*) $A_ATTRS" \
		"groups (objectClass=groupOfNames) $G_ATTRS"; do
		# shellcheck disable=SC2086
		set -- $what
		ou=$1 filter=$2
		shift 2
		LDAPTLS_CACERT="$LDAP_CA" ldapsearch -x -ZZ -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" \
			-y "$LDAP_ADMIN_PWFILE" -LLL -E pr=1000/noprompt -b "ou=$ou,$LDAP_BASE" \
			"$filter" "$@"
	done >"$tmp/dump.ldif"
}
sync_empty() { # [--full]
	rm -f "$LEDGER" "$LEDGER-wal" "$LEDGER-shm" "$LEDGER-journal"
	"$CP" ledger init --config "$CONF" >/dev/null &&
		"$CP" sync "$@" --config "$CONF" >"$tmp/sync.out" 2>&1
}
sync_full() { sync_empty --full; }

# One untimed pass of each, to warm slapd's and the kernel's caches alike.
dump
sync_full || { cat "$tmp/sync.out" >&2; exit 1; }
echo "entries_dumped: $(grep -c '^dn:' "$tmp/dump.ldif")"
echo "ldif_bytes: $(wc -c <"$tmp/dump.ldif")"
echo "ledger_bytes: $(wc -c <"$LEDGER")"

echo "# full sync against ldapsearch (alternating, $runs runs each)"
: >"$tmp/ls" && : >"$tmp/full"
r=0
while [ $r -lt "$runs" ]; do
	t0=$(now) && dump && since "$t0" >>"$tmp/ls"
	t0=$(now)
	sync_full || { cat "$tmp/sync.out" >&2; exit 1; }
	since "$t0" >>"$tmp/full"
	r=$((r + 1))
done
echo "ldapsearch_s: $(stats "$tmp/ls")"
echo "full_s: $(stats "$tmp/full")"
echo "ratio: $(awk -v a="$(median "$tmp/full")" -v b="$(median "$tmp/ls")" 'BEGIN { printf "%.2f\n", a / b }')"

echo "# reconciliation: sync --full of an unchanged directory"
: >"$tmp/rec"
r=0
while [ $r -lt "$runs" ]; do
	t0=$(now)
	"$CP" sync --full --config "$CONF" >"$tmp/sync.out" 2>&1 || { cat "$tmp/sync.out" >&2; exit 1; }
	since "$t0" >>"$tmp/rec"
	r=$((r + 1))
done
echo "reconcile_s: $(stats "$tmp/rec")"
echo "reconcile_ratio: $(awk -v a="$(median "$tmp/rec")" -v b="$(median "$tmp/ls")" 'BEGIN { printf "%.2f\n", a / b }')"
: >"$tmp/dry"
r=0
while [ $r -lt "$runs" ]; do
	t0=$(now)
	"$CP" sync --full --dry-run --config "$CONF" >"$tmp/sync.out" 2>&1 ||
		{ cat "$tmp/sync.out" >&2; exit 1; }
	since "$t0" >>"$tmp/dry"
	r=$((r + 1))
done
echo "reconcile_dry_run_s: $(stats "$tmp/dry")"

echo "# first sync of a host: credpolicy sync (RFC 4533, no cookie) into an empty ledger"
: >"$tmp/first"
r=0
while [ $r -lt "$runs" ]; do
	t0=$(now)
	sync_empty || { cat "$tmp/sync.out" >&2; exit 1; }
	since "$t0" >>"$tmp/first"
	grep -q "^sync (refresh): .* added" "$tmp/sync.out" ||
		{ echo "bench_sync: the first sync was not a refresh:" >&2; cat "$tmp/sync.out" >&2; exit 1; }
	r=$((r + 1))
done
echo "first_refresh_s: $(stats "$tmp/first")"
echo "first_refresh_ratio: $(awk -v a="$(median "$tmp/first")" -v b="$(median "$tmp/ls")" 'BEGIN { printf "%.2f\n", a / b }')"

echo "# 100 changes, then an incremental sync"
# The ledger has the cookies of the first sync; this sync checks them.
"$CP" sync --config "$CONF" >"$tmp/sync.out" 2>&1 || { cat "$tmp/sync.out" >&2; exit 1; }
# The classes of ldap_data.sh: account i has class (i mod 4); in run r it
# gets the class (i + 1 + r mod 3) mod 4, never the one it had.
CLASSES="admin-workstation important-host new-media default"
new_class() { # ACCOUNT-NUMBER RUN
	# shellcheck disable=SC2086
	set -- $((($1 + 1 + $2 % 3) % 4 + 1)) $CLASSES
	shift "$1"
	echo "$1"
}
changes() { # RUN: 100 changes on accounts no earlier run touched
	k=$((1000 + $1 * 100))
	i=0
	while [ $i -lt 70 ]; do
		printf 'dn: uid=bu%07d,ou=accounts,%s\nchangetype: modify\nreplace: credpolicyClass\ncredpolicyClass: %s\n\n' \
			$((k + i)) "$LDAP_BASE" "$(new_class $((k + i)) "$1")"
		i=$((i + 1))
	done
	while [ $i -lt 80 ]; do
		printf 'dn: uid=bu%07d,ou=accounts,%s\nchangetype: modify\nreplace: credpolicyOwner\ncredpolicyOwner: B%07d\n\n' \
			$((k + i)) "$LDAP_BASE" $((k + i + 1))
		i=$((i + 1))
	done
	while [ $i -lt 90 ]; do
		printf 'dn: uid=bu%07d,ou=accounts,%s\nchangetype: delete\n\n' $((k + i)) "$LDAP_BASE"
		i=$((i + 1))
	done
	while [ $i -lt 100 ]; do
		printf 'dn: uid=new%d-%d,ou=accounts,%s\nchangetype: add\nobjectClass: account\nobjectClass: credpolicyAccount\nuid: new%d-%d\ncredpolicyClass: default\ncredpolicyKind: personal\ncredpolicyOwner: B%07d\n\n' \
			"$1" $i "$LDAP_BASE" "$1" $i $((k + i))
		i=$((i + 1))
	done
}
: >"$tmp/incr"
r=0
while [ $r -lt "$runs" ]; do
	changes $r >"$tmp/changes.ldif"
	"$FIX" modify "$S" "$tmp/changes.ldif"
	t0=$(now)
	"$CP" sync --config "$CONF" >"$tmp/sync.out" 2>&1 || { cat "$tmp/sync.out" >&2; exit 1; }
	since "$t0" >>"$tmp/incr"
	# The changes must be in the ledger: a class, an owner, an add, a delete.
	k=$((1000 + r * 100))
	acct=$(printf 'bu%07d' "$k")
	"$CP" status "$acct" --config "$CONF" 2>&1 | grep -q "^class: *$(new_class "$k" "$r")\$" ||
		{ echo "bench_sync: run $r: the class change of $acct is not in the ledger" >&2; exit 1; }
	# status exits 2 when the ledger has no such account (0 or 1: a state).
	st=0
	"$CP" status "new$r-99" --config "$CONF" >/dev/null 2>&1 || st=$?
	[ $st -ne 2 ] ||
		{ echo "bench_sync: run $r: the added account new$r-99 is not in the ledger" >&2; exit 1; }
	gone=$(printf 'bu%07d' $((k + 89)))
	st=0
	"$CP" status "$gone" --config "$CONF" >/dev/null 2>&1 || st=$?
	[ $st -eq 2 ] ||
		{ echo "bench_sync: run $r: the deleted account $gone is still in the ledger" >&2; exit 1; }
	r=$((r + 1))
done
echo "incr100_s: $(stats "$tmp/incr")"
echo "last_sync_output:"
sed 's/^/  /' "$tmp/sync.out"
