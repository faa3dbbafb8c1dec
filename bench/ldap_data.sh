#!/bin/sh
# ldap_data.sh - a large synthetic directory for the sync benchmark, as LDIF
# on stdout, to load offline into tests/ldap/slapd.sh's server:
#
#   bench/ldap_data.sh [N] >big.ldif && tests/ldap/slapd.sh load DIR big.ldif
#
# N people (inetOrgPerson + credpolicyPerson, employeeNumber B0000001...,
# Chinese names, a mobile number, a birth date), N personal accounts
# (account + simpleSecurityObject + credpolicyAccount, uid bu0000001...,
# each owned by its person, spread over the regulation's classes, every
# 10th with a custodian, every 50th with OTP, every 200th locked by ppolicy,
# a pwdChangedTime over the last 200 days), and N/100 groups of 100 members
# each (groupOfNames + credpolicyGroup). Default N: 100000. The entries go
# under the sample directory's ou=people, ou=accounts and ou=groups, which
# must exist already (the fixture loads them). Deterministic: no clock and no
# random source, so the same N always gives the same LDIF.
set -eu
n=${1:-100000}
case "$n" in '' | *[!0-9]*) echo "usage: ldap_data.sh [N]" >&2; exit 2 ;; esac
BASE="dc=example,dc=gov,dc=cn"
# {SSHA} of "Sample#Pass2024", as in examples/ldap/sample.ldif.
PW='{SSHA}g/WqwvHyOjPyTomjXhaNA11AZkW6Zxon'

LC_ALL=C awk -v n="$n" -v base="$BASE" -v pw="$PW" 'BEGIN {
	ns = split("王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 胡 朱 高 林 何 郭 马 罗", sur, " ")
	ng = split("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 桂英 建华 志强 海燕 晓东 春梅", giv, " ")
	nc = split("admin-workstation important-host new-media default", cls, " ")
	for (i = 1; i <= n; i++) {
		emp = sprintf("B%07d", i)
		s = sur[(i * 7) % ns + 1]; g = giv[(i * 13) % ng + 1]
		printf "dn: employeeNumber=%s,ou=people,%s\n", emp, base
		printf "objectClass: inetOrgPerson\nobjectClass: credpolicyPerson\n"
		printf "employeeNumber: %s\ncn: %s%s\nsn: %s\ngivenName: %s\n", emp, s, g, s, g
		printf "displayName: %s%s\nmobile: 139%08d\n", s, g, (i * 7919) % 100000000
		printf "credpolicyBirthDate: %04d-%02d-%02d\n\n", 1960 + i % 40, 1 + i % 12, 1 + i % 28
	}
	for (i = 1; i <= n; i++) {
		printf "dn: uid=bu%07d,ou=accounts,%s\n", i, base
		printf "objectClass: account\nobjectClass: simpleSecurityObject\n"
		printf "objectClass: credpolicyAccount\nuid: bu%07d\nuserPassword: %s\n", i, pw
		printf "credpolicyClass: %s\ncredpolicyScope: *\ncredpolicyKind: personal\n", cls[i % nc + 1]
		printf "credpolicyOwner: B%07d\n", i
		if (i % 10 == 0) printf "credpolicyCustodian: B%07d\n", (i % n) + 1
		if (i % 50 == 0) printf "credpolicyOTP: TRUE\n"
		# 20261101000000Z minus up to 199 days, as days into 2026.
		d = 305 - i % 200
		printf "pwdChangedTime: 2026%02d%02d000000Z\n", month(d), mday(d)
		if (i % 200 == 0) printf "pwdAccountLockedTime: 000001010000Z\n"
		printf "\n"
	}
	for (gi = 1; gi * 100 <= n; gi++) {
		printf "dn: cn=bgroup%05d,ou=groups,%s\n", gi, base
		printf "objectClass: groupOfNames\nobjectClass: credpolicyGroup\n"
		printf "cn: bgroup%05d\ncredpolicyScope: %s\n", gi, gi % 2 ? "*" : "db-*"
		for (j = 1; j <= 100; j++)
			printf "member: employeeNumber=B%07d,ou=people,%s\n", (gi - 1) * 100 + j, base
		printf "\n"
	}
}
# Day d (1-365) of a non-leap year: its month and its day of the month.
function month(d,   m) { for (m = 1; d > mlen(m); m++) d -= mlen(m); return m }
function mday(d,   m) { for (m = 1; d > mlen(m); m++) d -= mlen(m); return d }
function mlen(m) { return m == 2 ? 28 : (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31 }'
