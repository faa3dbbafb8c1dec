#!/bin/sh
# test_exports.sh - libcredpolicy exports exactly the symbols of its version
# script, each declared in credpolicy.h, and the tool needs nothing else.
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
lib="$top_builddir/libpolicy/.libs/libcredpolicy.so"
map="$top_srcdir/libpolicy/libcredpolicy.map"
hdr="$top_srcdir/libpolicy/credpolicy.h"
[ -f "$lib" ] || { echo "no $lib"; exit 99; }
tmp=$(mktemp -d /tmp/cp-test-exports.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | sed 's/@.*//' |
	grep -v '^CREDPOLICY_' | sort -u >"$tmp/exported"
sed -n 's/^[[:space:]]*\(cp_[a-z0-9_]*\);.*/\1/p' "$map" | sort -u >"$tmp/mapped"
status=0
if ! diff -u "$tmp/mapped" "$tmp/exported"; then
	echo "not ok 1 - exported symbols differ from the version script"
	status=1
else
	echo "ok 1 - exported symbols equal the version script ($(wc -l <"$tmp/mapped"))"
fi
missing=0
while read -r sym; do
	grep -q "\\b$sym(" "$hdr" || { echo "  $sym is not declared in credpolicy.h"; missing=1; }
done <"$tmp/mapped"
if [ $missing -eq 0 ]; then echo "ok 2 - every export is declared"; else
	echo "not ok 2 - undeclared exports"; status=1; fi
if nm -D "$lib" | grep -q 'U cp_'; then
	echo "not ok 3 - the library depends on an undefined cp_ symbol"; status=1
else echo "ok 3 - no undefined cp_ symbols"; fi
echo "1..3"
exit $status
