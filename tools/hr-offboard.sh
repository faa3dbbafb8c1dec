#!/bin/sh
# hr-offboard - offboarding for HR's system (R13): one or many leavers, as
# arguments or as a CSV or JSON batch on standard input, each offboarded
# by `credpolicy offboard --batch`, which checks the whole batch before
# doing anything, reports each person and is safe to run again after a
# partial failure. See hr-offboard(1) and docs/HR-OFFBOARDING.md.
#
#   hr-offboard [OPTION]... LEAVER...
#   hr-offboard [OPTION]... < batch.csv|batch.json
#
# LEAVER is EMPLOYEE_ID (with --ticket, and --reason and --date or their
# defaults) or a whole CSV record EMPLOYEE_ID,EFFECTIVE_DATE,REASON,TICKET.
#
# Exit status: 0 every leaver done (or nothing left to do, or not yet due);
# 1 some not completed - run the same batch again; 2 a usage error, a
# batch that cannot be read (nothing was done) or an unknown employee.
#
# This is tools/hr-offboard.sh; the build writes tools/hr-offboard from it
# with the message catalogue's directory. Messages go through gettext(1)
# with credpolicy's catalogue (Simplified Chinese), as the command's do.
set -u

CREDPOLICY=${CREDPOLICY:-credpolicy}
prog=hr-offboard
TEXTDOMAIN=credpolicy
TEXTDOMAINDIR=${CREDPOLICY_LOCALEDIR:-@localedir@}
export TEXTDOMAIN TEXTDOMAINDIR
command -v gettext >/dev/null 2>&1 || gettext() { printf '%s' "$1"; }

# say FORMAT ARG...: printf with a format from gettext (written at each
# call as $(gettext '...'), which is what xgettext extracts).
say() {
	fmt=$1
	shift
	# shellcheck disable=SC2059 # the format is the message catalogue's
	printf "$fmt" "$@"
}

usage() {
	# xgettext: c-format
	say "$(gettext "Usage: %s [OPTION]... LEAVER...
  or:  %s [OPTION]... < BATCH
Offboard the people who leave or change post (R13): lock their own accounts,
force the change of every password they knew, revoke their custodian links,
and record it all, through 'credpolicy offboard'.

A LEAVER is an EMPLOYEE_ID, or a CSV record
EMPLOYEE_ID,EFFECTIVE_DATE,REASON,TICKET. Without LEAVER arguments the batch
is read from standard input: such CSV lines (a header line is allowed), or a
JSON array of objects with the keys employee_id, effective_date, reason and
ticket.

  -t, --ticket ID     the ticket of the EMPLOYEE_ID arguments
  -R, --reason WHY    departure (default) or transfer, for EMPLOYEE_IDs
  -d, --date DATE     effective date YYYY-MM-DD of EMPLOYEE_IDs (default today)
  -n, --dry-run       show what would be done; change nothing
  -j, --json          print the results as JSON
  -c, --config FILE   credpolicy's configuration file
  -l, --ledger FILE   the ledger
  -r, --root DIR      change DIR/etc/shadow instead of /etc/shadow
  -h, --help          show this help and exit

A future effective date is not done yet: that leaver is reported 'not yet'
and nothing is changed; run the batch again on or after that date.
Exit status: 0 if every leaver is done (or not yet due), 1 if some could not
be completed (run the same batch again), 2 on a usage error, a batch that
cannot be read (nothing is done) or an unknown employee.")" "$prog" "$prog"
	echo
}

# die_usage FORMAT ARG...: FORMAT already translated.
die_usage() {
	fmt=$1
	shift
	{
		printf '%s: ' "$prog"
		say "$fmt" "$@"
		echo
		# xgettext: c-format
		say "$(gettext "Try '%s --help' for more information.")" "$prog"
		echo
	} >&2
	exit 2
}

# A CSV field, quoted: "a""b" for a"b.
quote() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"
}

ticket='' reason=departure date='' pass='' leavers=''
nl='
'
while [ $# -gt 0 ]; do
	case $1 in
	-t | --ticket | -R | --reason | -d | --date | -c | --config | -l | --ledger | -r | --root)
		# xgettext: c-format
		[ $# -ge 2 ] || die_usage "$(gettext '%s needs a value')" "$1"
		case $1 in
		-t | --ticket) ticket=$2 ;;
		-R | --reason) reason=$2 ;;
		-d | --date) date=$2 ;;
		-c | --config) config=$2 ;;
		-l | --ledger) ledger=$2 ;;
		*) root=$2 ;;
		esac
		shift ;;
	--ticket=*) ticket=${1#*=} ;;
	--reason=*) reason=${1#*=} ;;
	--date=*) date=${1#*=} ;;
	-n | --dry-run) pass="$pass --dry-run" ;;
	-j | --json) pass="$pass --json" ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	# xgettext: c-format
	-*) die_usage "$(gettext "unknown option '%s'")" "$1" ;;
	*) leavers="$leavers$1$nl" ;;
	esac
	shift
done
for a in "$@"; do leavers="$leavers$a$nl"; done

# The options credpolicy takes as they are (values may hold blanks).
set --
[ -n "${config:-}" ] && set -- "$@" --config "$config"
[ -n "${ledger:-}" ] && set -- "$@" --ledger "$ledger"
[ -n "${root:-}" ] && set -- "$@" --root "$root"
# shellcheck disable=SC2086 # $pass holds option words only
set -- "$@" $pass

if [ -z "$leavers" ]; then
	[ -t 0 ] && die_usage "$(gettext 'no leaver given and no batch on standard input')"
	exec "$CREDPOLICY" offboard --batch - "$@"
fi

# Arguments: a record as it is, an employee id with the options.
if [ -z "$ticket" ] && printf '%s' "$leavers" | grep -v ',' | grep -q .; then
	die_usage "$(gettext "an EMPLOYEE_ID needs HR's ticket: --ticket ID")"
fi
printf '%s' "$leavers" | while IFS= read -r leaver; do
	case $leaver in
	*,*) printf '%s\n' "$leaver" ;;
	*) printf '%s,%s,%s,%s\n' "$(quote "$leaver")" "$date" "$reason" "$(quote "$ticket")" ;;
	esac
done | "$CREDPOLICY" offboard --batch - "$@"
