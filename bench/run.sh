#!/bin/sh
# run.sh - reproduce the numbers in docs/PERFORMANCE.md.
#   bench/run.sh [--quick]
# Run from the top of a built tree. --quick skips the 100M-entry index
# (about 2 GB of memory and a 400 MB file in $TMPDIR).
set -eu
cd "$(dirname "$0")/.."
quick=${1:-}
tmp=${TMPDIR:-/tmp}/credpolicy-bench
mkdir -p "$tmp"
make -s bench >/dev/null
run() { ./libtool --mode=execute "$@"; }

echo "# machine"
echo "cores: $(nproc)"
echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p')"
echo "memory: $(free -g | awk '/^Mem:/ { print $2 " GiB" }')"
echo "date: $(date -u +%Y-%m-%d)"

echo "# the shipped index"
./tools/credpolicy dict info data/banned.idx

echo "# a 10-million-entry index: 10M synthetic leaked passwords plus the shipped lists"
run ./bench/bench_index --emit 10000000 >"$tmp/leaked-10M.txt"
./tools/credpolicy dict build --output "$tmp/banned-10M.idx" \
	--words /usr/share/dict/american-english --words /usr/share/dict/cracklib-small \
	--passwords /usr/share/john/password.lst --passwords data/common-zh.txt \
	--passwords data/common-extra.txt --commands data/commands.txt --commands-from-path \
	--passwords "$tmp/leaked-10M.txt"

echo "# full check: credpolicy (default and 10M index) against pwquality_check with dictcheck"
run ./bench/bench_check --size 20000 --rounds 5 --index data/banned.idx \
	--index "$tmp/banned-10M.idx" --pwquality

echo "# index at 10M entries"
run ./bench/bench_index --entries 10000000 --lookups 2000000 --dir "$tmp"
if [ "$quick" != "--quick" ]; then
	echo "# index at 100M entries"
	run ./bench/bench_index --entries 100000000 --lookups 2000000 --dir "$tmp"
	echo "# index at 100M entries, fp 1e-4 (to see the designed rate measured)"
	run ./bench/bench_index --entries 100000000 --fp-rate 1e-4 --lookups 2000000 --dir "$tmp"
fi
echo "# command-line build of a 10M-line list"
sh bench/index_build.sh 10000000 "$tmp"
rm -rf "$tmp"
