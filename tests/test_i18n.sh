#!/bin/sh
# test_i18n.sh - every message a person reads has a Simplified Chinese
# translation, and LANG=zh_CN.UTF-8 shows it (library and tool alike).
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
CP="$top_builddir/tools/credpolicy"
IDX=${CREDPOLICY_TEST_INDEX:-$top_builddir/data/banned.idx}
tmp=$(mktemp -d /tmp/cp-test-i18n.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

# 1. A template made fresh from the sources: no message left untranslated.
(cd "$top_srcdir" && xgettext --keyword=_ --keyword=N_ --keyword=cp_ngettext:1,2 \
	--from-code=UTF-8 -o "$tmp/fresh.pot" $(grep -v '^#' po/POTFILES.in))
if msgcmp "$top_srcdir/po/zh_CN.po" "$tmp/fresh.pot" 2>"$tmp/msgcmp"; then
	ok "zh_CN.po translates every message ($(grep -c '^msgid' "$tmp/fresh.pot") in the sources)"
else
	fail "untranslated messages:"; head -40 "$tmp/msgcmp"
fi
if msgfmt -c --statistics -o /dev/null "$top_srcdir/po/zh_CN.po" 2>&1 |
	grep -qE 'fuzzy|untranslated'; then
	fail "zh_CN.po has fuzzy or untranslated entries"
else
	ok "zh_CN.po has no fuzzy or untranslated entries"
fi

locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$' || { fail "locale zh_CN.UTF-8 missing"; exit 1; }
: >"$tmp/empty.conf"
zh() { LANG=zh_CN.UTF-8 LANGUAGE= LC_ALL= "$@"; }

# 2. Verdicts from the library, in Chinese.
printf 'Ab1!\nHorqin#River%%82\n' | zh "$CP" check --config "$tmp/empty.conf" --index "$IDX" \
	>"$tmp/out" 2>&1
if grep -q '字符' "$tmp/out" && grep -q 'too_short' "$tmp/out"; then
	ok "rejection reasons in Chinese, codes unchanged"
else fail "no Chinese reason:"; cat "$tmp/out"; fi
if grep -q 'accepted\|rejected' "$tmp/out"; then fail "English verdict words in zh_CN output"
else ok "verdict words translated"; fi

# 3. The tool's own texts.
zh "$CP" --help >"$tmp/out" 2>&1
if grep -q '用法' "$tmp/out"; then ok "--help in Chinese"; else fail "--help not translated"; fi
zh "$CP" check --bogus </dev/null >/dev/null 2>"$tmp/out"
if grep -q '选项' "$tmp/out"; then ok "usage errors in Chinese"; else fail "usage error:"; cat "$tmp/out"; fi

# 4. English stays English.
printf 'Ab1!\n' | LANG=C.UTF-8 LANGUAGE= "$CP" check --config "$tmp/empty.conf" --index "$IDX" \
	>"$tmp/out" 2>&1
if grep -q 'Use at least 8 characters' "$tmp/out"; then ok "C locale in English"
else fail "C locale:"; cat "$tmp/out"; fi

echo "1..$n"
[ "$fails" -eq 0 ]
