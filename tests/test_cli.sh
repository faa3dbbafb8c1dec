#!/bin/sh
# test_cli.sh - the credpolicy command as scripts and people use it:
# exit statuses, --json, bad input, bad configuration, GNU options, and no
# password ever on stderr.
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
CP="$top_builddir/tools/credpolicy"
IDX=${CREDPOLICY_TEST_INDEX:-$top_builddir/data/banned.idx}
tmp=$(mktemp -d /tmp/cp-test-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export LANG=C.UTF-8 LANGUAGE=
: >"$tmp/empty.conf"
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
	if grep -q -- "$1" "$2"; then fail "$3: found '$1'"; else ok "$3"; fi
}
check() { "$CP" check --config "$tmp/empty.conf" --index "$IDX" "$@"; }

# R1-R5 verdicts and exit statuses
printf 'Horqin#River%%82\nBlue-Tiger-42-Lamp\n' | check >"$tmp/out" 2>"$tmp/err"
expect_status 0 $? "all accepted"
expect_grep 'line 2: accepted' "$tmp/out" "one verdict per line"

printf 'Horqin#River%%82\nP@ssw0rd2024\n' | check >"$tmp/out" 2>"$tmp/err"
expect_status 1 $? "any rejected"
expect_grep 'dictionary_word' "$tmp/out" "R4 reason code shown"
expect_no_grep 'P@ssw0rd2024' "$tmp/out" "verdict does not echo the password"
expect_no_grep 'P@ssw0rd2024' "$tmp/err" "stderr does not echo the password"

# --json: one object per line, parseable
printf 'Zhangwei@1990\nHorqin#River%%82\n' | check --json --info name=张伟 \
	--info birthday=1990-03-15 >"$tmp/out"
expect_status 1 $? "json with a rejection"
if python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 2
assert lines[0]["ok"] is False and lines[0]["reasons"][0]["code"] == "personal_info"
assert lines[0]["reasons"][0]["message"]
assert lines[1] == {"ok": True, "line": 2, "reasons": []}
' "$tmp/out"; then ok "json objects as documented"; else fail "json objects"; cat "$tmp/out"; fi

# --class
printf 'Gq7vR2mkxw\n' | check --class important-host >"$tmp/out"
expect_status 1 $? "R2: important-host needs four classes"
expect_grep too_few_classes "$tmp/out" "class policy applied"
printf 'Gq7vR2mkxw\n' | check --class admin-workstation >/dev/null
expect_status 0 $? "admin-workstation accepts three classes"
printf 'x\n' | check --class no-such >/dev/null 2>"$tmp/err"
expect_status 2 $? "unknown class is a usage error"
expect_grep "no-such" "$tmp/err" "unknown class named"

# Bad input: invalid UTF-8, NUL, a 1 MB line: rejected, no crash, next line still checked
printf 'Gq7!\377vR2m\nHorqin#River%%82\n' | check --json >"$tmp/out"
expect_status 1 $? "invalid UTF-8 rejected"
expect_grep '"invalid_utf8"' "$tmp/out" "invalid UTF-8 named"
expect_grep '"line": 2, "reasons": \[\]' "$tmp/out" "line after bad input still checked"
printf 'abc\000def\n' | check --json >"$tmp/out"
expect_status 1 $? "NUL byte rejected"
expect_grep '"nul_byte"' "$tmp/out" "NUL byte named"
python3 -c 'import sys; sys.stdout.write("A1!" + "x" * 1048576 + "\nHorqin#River%82\n")' |
	check --json >"$tmp/out"
expect_status 1 $? "1 MB line rejected"
expect_grep '"too_long"' "$tmp/out" "too long named"
printf '' | check >/dev/null
expect_status 0 $? "empty input: nothing rejected"

# Personal information errors name the key, never the value
printf 'x\n' | check --info birthday=1990-13-45 >/dev/null 2>"$tmp/err"
expect_status 2 $? "bad birthday is a usage error"
expect_no_grep '1990-13-45' "$tmp/err" "personal value not echoed"
printf 'x\n' | check --info nonsense >/dev/null 2>&1
expect_status 2 $? "--info without = is a usage error"

# Configuration errors: file:line, exit 2
printf 'min_length = 8\n[class admins]\nmin_length = many\n' >"$tmp/bad.conf"
printf 'x\n' | "$CP" check --config "$tmp/bad.conf" >/dev/null 2>"$tmp/err"
expect_status 2 $? "bad config"
expect_grep "bad.conf:3:" "$tmp/err" "config error names file:line"
printf 'x\n' | CREDPOLICY_CONF="$tmp/bad.conf" "$CP" check >/dev/null 2>&1
expect_status 2 $? "CREDPOLICY_CONF is honoured"
printf 'x\n' | "$CP" check --config "$tmp/missing.conf" >/dev/null 2>"$tmp/err"
expect_status 2 $? "missing explicit config"
printf 'x\n' | check --index "$tmp/missing.idx" >/dev/null 2>&1
expect_status 2 $? "missing explicit index"

# dict: build, info, lookup, verify, damage
printf '# comment\nPineapple\nzebra\n' >"$tmp/words.txt"
printf 'woaini1314\nqq123456\n' >"$tmp/pw.txt"
printf 'frobnicate\n' >"$tmp/cmds.txt"
"$CP" dict build --quiet --output "$tmp/t.idx" --words "$tmp/words.txt" \
	--passwords "$tmp/pw.txt" --commands "$tmp/cmds.txt"
expect_status 0 $? "dict build"
"$CP" dict info --json "$tmp/t.idx" >"$tmp/out"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["entries"] == 5, d' \
	"$tmp/out"; then ok "dict info --json counts distinct entries"; else fail "dict info"; fi
printf 'PINEAPPLE\nWoAiNi1314\n' | "$CP" dict lookup "$tmp/t.idx" >"$tmp/out"
expect_status 0 $? "dict lookup finds members, case folded"
printf 'pineapple\n' | "$CP" dict lookup --kind command "$tmp/t.idx" >"$tmp/out"
expect_status 1 $? "dict lookup keeps kinds apart"
printf 'Frobnicate#12\n' | check --index "$tmp/t.idx" >"$tmp/out"
expect_grep command_name "$tmp/out" "a built index is used by check"
"$CP" dict verify "$tmp/t.idx" >/dev/null; expect_status 0 $? "dict verify intact"
size=$(wc -c <"$tmp/t.idx")
cp "$tmp/t.idx" "$tmp/flip.idx"
printf '\377' | dd of="$tmp/flip.idx" bs=1 seek=$((size - 9)) conv=notrunc 2>/dev/null
"$CP" dict verify "$tmp/flip.idx" >/dev/null 2>&1; expect_status 1 $? "dict verify finds a flipped byte"
head -c $((size / 2)) "$tmp/t.idx" >"$tmp/trunc.idx"
printf 'x\n' | check --index "$tmp/trunc.idx" >/dev/null 2>"$tmp/err"
expect_status 2 $? "truncated index refused"
expect_grep "trunc.idx" "$tmp/err" "truncated index named"

# GNU conventions
"$CP" --help >"$tmp/out"; expect_status 0 $? "--help"
expect_grep 'check' "$tmp/out" "--help lists commands"
"$CP" check --help >"$tmp/out"; expect_status 0 $? "check --help"
expect_grep 'json' "$tmp/out" "check --help lists options"
"$CP" --version >"$tmp/out"; expect_status 0 $? "--version"
expect_grep 'credpolicy' "$tmp/out" "--version names the program"
"$CP" check --bogus </dev/null >/dev/null 2>&1; expect_status 2 $? "unknown option"
"$CP" bogus >/dev/null 2>&1; expect_status 2 $? "unknown command"
"$CP" >/dev/null 2>&1; expect_status 2 $? "no command"
"$CP" check Secret#Pass1 </dev/null >/dev/null 2>"$tmp/err"
expect_status 2 $? "password as an argument refused"
expect_no_grep 'Secret#Pass1' "$tmp/err" "refused argument not repeated"

echo "1..$n"
[ "$fails" -eq 0 ]
