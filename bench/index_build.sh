#!/bin/sh
# index_build.sh - time 'credpolicy dict build' on a generated list, reading
# included: the end-to-end rate an administrator sees.
#
#   bench/index_build.sh [LINES] [DIR]      (default 10000000 lines, /tmp)
#
# Run from the build directory after 'make tools/credpolicy bench/bench_index'.
# The list is bench_index's synthetic entries (8-16 characters, distinct).
set -eu

lines=${1:-10000000}
dir=${2:-/tmp}
list="$dir/index-build-$$.txt"
index="$dir/index-build-$$.idx"
trap 'rm -f "$list" "$index"' EXIT INT TERM

./bench/bench_index --emit "$lines" >"$list"
echo "lines: $lines"
echo "list_bytes: $(wc -c <"$list")"
# Twice: the first run also pulls the list into the page cache.
./tools/credpolicy dict build --quiet --output "$index" --passwords "$list"
start=$(date +%s.%N)
./tools/credpolicy dict build --json --output "$index" --passwords "$list"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v n="$lines" \
	'BEGIN { printf "wall_s: %.3f\nlines_per_s: %.0f\n", e - s, n / (e - s) }'
