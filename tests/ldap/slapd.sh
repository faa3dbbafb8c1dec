#!/bin/sh
# slapd.sh - a throwaway OpenLDAP server for credpolicy's tests, demo and
# benchmarks: Debian's /usr/sbin/slapd run as an ordinary process (as root
# or as any user) on 127.0.0.1, with its whole state in one directory.
#
#   slapd.sh start DIR      create DIR's server on first use (config, test
#                           CA, sample directory), then start it and wait
#                           until it answers; a later start reuses DIR
#   slapd.sh stop DIR       SIGTERM, wait until it is gone
#   slapd.sh kill DIR       SIGKILL (a crash), wait until it is gone
#   slapd.sh restart DIR    stop + start: same data, same ports
#   slapd.sh add DIR FILE   ldapadd as the administrator (FILE "-": stdin)
#   slapd.sh modify DIR FILE  ldapmodify as the administrator (any changetype)
#   slapd.sh load DIR FILE  slapadd FILE offline (stops and restarts a
#                           running server): for bulk data
#   slapd.sh search DIR ARG...  ldapsearch -LLL as the administrator over StartTLS
#
# DIR/env (sourceable) gives LDAP_URI, LDAPS_URI, LDAP_BASE, LDAP_ADMIN_DN,
# LDAP_ADMIN_PWFILE, LDAP_CA, LDAP_WRONG_CA, SLAPD_PID, and also
# LDAP_CLIENT_CERT/LDAP_CLIENT_KEY (a client certificate that SASL EXTERNAL
# maps to the administrator), LDAP_SAMPLE_PWFILE (the sample accounts'
# password), LDAP_CONFIG_DN (cn=config's root, same password), SLAPD_LOG.
# DIR/credpolicy.conf: a [ledger] in DIR and [ldap] for this server.
#
# Environment: SLAPD_SYNCPROV=no creates a server without the syncprov
# overlay (no RFC 4533); SLAPD_LDIF=FILE loads FILE instead of the sample
# directory; SLAPD_DEBUG is slapd's -d level (default stats; none: errors only);
# SLAPD_START_TIMEOUT the seconds to wait for it to answer (default 30);
# SLAPD_LDIF=/dev/null starts with an empty database.
# Tests: trap 'slapd.sh stop DIR' EXIT.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
SLAPD=${SLAPD:-/usr/sbin/slapd}
BASE="dc=example,dc=gov,dc=cn"
ADMIN="cn=admin,$BASE"
# Ignore the host's ldap.conf and the user's ldaprc: everything is given
# explicitly. (LDAPNOINIT would also ignore the LDAPTLS_* variables.)
LDAPCONF=/dev/null LDAPRC=.credpolicy-test-no-ldaprc
export LDAPCONF LDAPRC

die() { echo "slapd.sh: $*" >&2; exit 1; }

# A random port in 20000-59999 that nothing listens on now. slapd binds it
# a moment later; if another process wins the race, start() retries.
pick_port() {
	while :; do
		p=$(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 + 20000))
		command -v perl >/dev/null 2>&1 || { echo "$p"; return; }
		perl -MIO::Socket::INET -e 'exit !IO::Socket::INET->new(LocalAddr =>
			"127.0.0.1", LocalPort => $ARGV[0], Listen => 1, ReuseAddr => 1)' "$p" &&
			{ echo "$p"; return; }
	done
}

# A process that exists and is not a zombie (a container's pid 1 may not
# reap the slapd an exited shell left behind).
alive() {
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$state" != Z ] && grep -q slapd "/proc/$1/cmdline" 2>/dev/null
}

make_tls() { # DIR: a test CA, a server and a client certificate, a wrong CA
	t="$1/tls"
	mkdir -p "$t"
	ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	for ca in ca wrong-ca; do
		# shellcheck disable=SC2086
		openssl req -x509 $ec -keyout "$t/$ca.key" -out "$t/$ca.pem" -days 3650 \
			-subj "/O=credpolicy tests/CN=credpolicy test $ca" \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	done
	for who in server client; do
		if [ $who = server ]; then
			ext="subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
			subj="/CN=localhost"
		else
			ext="extendedKeyUsage=clientAuth"
			subj="/CN=credpolicy-sync"
		fi
		# shellcheck disable=SC2086
		openssl req -new $ec -keyout "$t/$who.key" -out "$t/$who.csr" -subj "$subj" 2>/dev/null
		printf '%s\nkeyUsage=critical,digitalSignature\n' "$ext" >"$t/$who.ext"
		openssl x509 -req -in "$t/$who.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" \
			-set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" -days 365 \
			-extfile "$t/$who.ext" -out "$t/$who.pem" 2>/dev/null
		rm -f "$t/$who.csr" "$t/$who.ext"
	done
	rm -f "$t/wrong-ca.key"
}

write_config() { # DIR: the cn=config LDIF for slapadd -n0
	d="$1"
	pw=$(slappasswd -T "$d/admin.pw" -h '{SSHA}')
	cat <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $d/slapd.pid
olcArgsFile: $d/slapd.args
olcTLSCACertificateFile: $d/tls/ca.pem
olcTLSCertificateFile: $d/tls/server.pem
olcTLSCertificateKeyFile: $d/tls/server.key
olcTLSVerifyClient: try
olcAuthzRegexp: {0}"^cn=credpolicy-sync$" "$ADMIN"

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: {0}back_mdb
olcModuleLoad: {1}syncprov
olcModuleLoad: {2}ppolicy

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/nis.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif
include: file://$srcdir/examples/ldap/credpolicy.ldif
include: file://$srcdir/tests/ldap/ad-shaped.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcAccess: {0}to dn.base="" by * read
olcAccess: {1}to dn.base="cn=Subschema" by * read

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcRootDN: cn=admin,cn=config
olcRootPW: $pw

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: $BASE
olcDbDirectory: $d/data
olcRootDN: $ADMIN
olcRootPW: $pw
olcDbMaxSize: 8589934592
olcDbIndex: objectClass eq
olcDbIndex: entryUUID,entryCSN eq
olcDbIndex: uid,employeeNumber,cn eq
olcDbIndex: member,credpolicyOwner,credpolicyCustodian eq
olcSizeLimit: unlimited
olcTimeLimit: unlimited
olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to attrs=credpolicyIdCard by self read by * none
olcAccess: {2}to * by users read by * none
EOF
	if [ "${SLAPD_SYNCPROV:-yes}" != no ]; then
		cat <<EOF

dn: olcOverlay={0}syncprov,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcSyncProvConfig
olcOverlay: {0}syncprov
olcSpCheckpoint: 100 10
olcSpSessionlog: 10000
EOF
	fi
	cat <<EOF

dn: olcOverlay={1}ppolicy,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: {1}ppolicy
olcPPolicyDefault: cn=default,ou=policies,$BASE
olcPPolicyHashCleartext: TRUE
EOF
}

write_env() { # DIR PORT TLSPORT PID
	d="$1"
	cat >"$d/env.tmp" <<EOF
LDAP_URI='ldap://127.0.0.1:$2/'
LDAPS_URI='ldaps://127.0.0.1:$3/'
LDAP_BASE='$BASE'
LDAP_ADMIN_DN='$ADMIN'
LDAP_ADMIN_PWFILE='$d/admin.pw'
LDAP_CONFIG_DN='cn=admin,cn=config'
LDAP_CA='$d/tls/ca.pem'
LDAP_WRONG_CA='$d/tls/wrong-ca.pem'
LDAP_CLIENT_CERT='$d/tls/client.pem'
LDAP_CLIENT_KEY='$d/tls/client.key'
LDAP_SAMPLE_PWFILE='$d/sample.pw'
SLAPD_PID='$4'
SLAPD_LOG='$d/slapd.log'
export LDAP_URI LDAPS_URI LDAP_BASE LDAP_ADMIN_DN LDAP_ADMIN_PWFILE LDAP_CONFIG_DN
export LDAP_CA LDAP_WRONG_CA LDAP_CLIENT_CERT LDAP_CLIENT_KEY LDAP_SAMPLE_PWFILE
export SLAPD_PID SLAPD_LOG
EOF
	mv "$d/env.tmp" "$d/env"
	[ -f "$d/credpolicy.conf" ] && return 0
	cat >"$d/credpolicy.conf" <<EOF
# Written by tests/ldap/slapd.sh for the throwaway server in $d.
[ledger]
path = $d/ledger.db

[ldap]
uri = ldap://127.0.0.1:$2/
base = $BASE
person_base = ou=people,$BASE
account_base = ou=accounts,$BASE
group_base = ou=groups,$BASE
starttls = yes
tls_ca = $d/tls/ca.pem
bind_dn = $ADMIN
bind_password_file = $d/admin.pw
timeout = 10
EOF
}

create() { # DIR: everything but the running process
	d="$1"
	command -v openssl >/dev/null 2>&1 || die "openssl is needed"
	[ -x "$SLAPD" ] || die "no $SLAPD (install slapd)"
	(
		umask 077
		od -An -N18 -tx1 /dev/urandom | tr -d ' \n' >"$d/admin.pw"
		printf '%s' 'Sample#Pass2024' >"$d/sample.pw"
		make_tls "$d"
		mkdir -p "$d/slapd.d" "$d/data"
		write_config "$d" >"$d/config.ldif"
	)
	slapadd -n0 -F "$d/slapd.d" -l "$d/config.ldif" >"$d/slapadd.log" 2>&1 ||
		{ cat "$d/slapadd.log" >&2; die "cn=config of $d refused"; }
	ldif=${SLAPD_LDIF:-$srcdir/examples/ldap/sample.ldif}
	slapadd -F "$d/slapd.d" -b "$BASE" -w -l "$ldif" >>"$d/slapadd.log" 2>&1 ||
		{ cat "$d/slapadd.log" >&2; die "$ldif refused by slapadd"; }
}

# Start slapd on PORT/TLSPORT and wait until it answers. Returns 2 when the
# ports were taken (the caller may pick others), 1 on any other failure.
launch() { # DIR PORT TLSPORT
	d="$1"
	: >"$d/slapd.log"
	# "none" still logs errors (a port in use); 0 would log nothing at all.
	lvl=${SLAPD_DEBUG:-stats}
	[ "$lvl" != 0 ] || lvl=none
	"$SLAPD" -h "ldap://127.0.0.1:$2/ ldaps://127.0.0.1:$3/" -F "$d/slapd.d" \
		-n credpolicy-test -d "$lvl" </dev/null >>"$d/slapd.log" 2>&1 &
	pid=$!
	echo "$pid" >"$d/pid"
	limit=$((${SLAPD_START_TIMEOUT:-30} * 10))
	i=0
	while [ $i -lt "$limit" ]; do
		if ! alive "$pid"; then
			grep -q 'Address already in use' "$d/slapd.log" && return 2
			return 1
		fi
		# Bind as this server's administrator: only this slapd knows that
		# password, so another server that holds the port cannot pass.
		if ldapwhoami -x -H "ldap://127.0.0.1:$2/" -o nettimeout=2 -D "$ADMIN" \
			-y "$d/admin.pw" >/dev/null 2>&1 && alive "$pid"; then
			write_env "$d" "$2" "$3" "$pid"
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null || true
	return 1
}

start() {
	d="$1"
	if [ -f "$d/pid" ] && alive "$(cat "$d/pid")"; then
		die "a slapd already runs for $d (pid $(cat "$d/pid"))"
	fi
	if [ ! -d "$d/slapd.d" ]; then
		chmod 700 "$d"
		create "$d"
	fi
	tries=0
	while :; do
		if [ -f "$d/ports" ]; then
			read -r port tport <"$d/ports"
		else
			port=$(pick_port)
			tport=$(pick_port)
			[ "$port" != "$tport" ] || continue
		fi
		rc=0
		launch "$d" "$port" "$tport" || rc=$?
		[ $rc -eq 0 ] && { echo "$port $tport" >"$d/ports"; return 0; }
		tries=$((tries + 1))
		if [ $rc -eq 2 ] && [ ! -f "$d/ports" ] && [ $tries -lt 10 ]; then
			continue # lost the race for a port: try others
		fi
		echo "slapd.sh: slapd for $d did not answer on 127.0.0.1:$port" \
			"within ${SLAPD_START_TIMEOUT:-30} s; its log ($d/slapd.log):" >&2
		tail -n 40 "$d/slapd.log" >&2
		exit 1
	done
}

stop() { # DIR SIGNAL
	d="$1"
	[ -f "$d/pid" ] || return 0
	pid=$(cat "$d/pid")
	if alive "$pid"; then
		kill "-$2" "$pid" 2>/dev/null || true
		i=0
		while alive "$pid"; do
			i=$((i + 1))
			if [ $i -eq 300 ]; then
				echo "slapd.sh: slapd $pid ignored SIG$2 for 30 s: SIGKILL" >&2
				kill -9 "$pid" 2>/dev/null || true
			fi
			sleep 0.1
		done
	fi
	rm -f "$d/pid"
}

admin() { # DIR TOOL ARG...: an OpenLDAP client bound as the administrator
	d="$1"
	tool="$2"
	shift 2
	[ -f "$d/env" ] || die "no server in $d (slapd.sh start $d)"
	# shellcheck disable=SC1091
	. "$d/env"
	LDAPTLS_CACERT="$LDAP_CA" LDAPTLS_REQCERT=demand \
		"$tool" -x -ZZ -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" "$@"
}

[ $# -ge 2 ] || die "usage: slapd.sh start|stop|kill|restart|add|modify|load|search DIR [ARG...]"
cmd="$1"
[ -d "$2" ] || die "$2: not a directory"
dir=$(cd "$2" && pwd)
shift 2
case "$cmd" in
start) start "$dir" ;;
stop) stop "$dir" TERM ;;
kill) stop "$dir" KILL ;;
restart) stop "$dir" TERM && start "$dir" ;;
add | modify)
	[ $# -eq 1 ] || die "usage: slapd.sh $cmd DIR FILE.ldif"
	file="$1"
	set --
	[ "$cmd" = add ] && set -- -a
	[ "$file" = - ] || set -- "$@" -f "$file"
	admin "$dir" ldapmodify "$@" >/dev/null
	;;
load)
	[ $# -eq 1 ] || die "usage: slapd.sh load DIR FILE.ldif"
	was_up=no
	[ -f "$dir/pid" ] && alive "$(cat "$dir/pid")" && was_up=yes
	stop "$dir" TERM
	slapadd -q -F "$dir/slapd.d" -b "$BASE" -w -l "$1" >"$dir/slapadd.log" 2>&1 ||
		{ cat "$dir/slapadd.log" >&2; die "$1 refused by slapadd"; }
	[ $was_up = no ] || start "$dir"
	;;
search) admin "$dir" ldapsearch -LLL -o ldif-wrap=no "$@" ;;
*) die "unknown command $cmd" ;;
esac
