#!/usr/bin/env bash
# Instructions per 4 KiB I/O of each implementation in each format, counted by
# callgrind: repeatable whatever else the machine does (unlike time). isa-l
# takes its non-AVX-512 path under valgrind; all implementations share it.
set -euo pipefail
bench=$1 iters=200 reps=31
command -v valgrind >/dev/null || { echo "instruction counts skipped: valgrind not installed"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '%-14s %10s %10s | %10s %10s %6s | %10s %10s %6s\n' format isal/int isal/4K gen "fio gen" g/fio verify "fio ver" v/fio
i=0 worse=0
for name in "512+8 CRC16" "4096+8 CRC16" "512+16 CRC64" "4096+16 CRC64"; do
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$bench" $iters $i >/dev/null 2>&1
	callgrind_annotate --inclusive=yes "$tmp/cg" >"$tmp/a" 2>/dev/null
	per() { awk -v f=":$1 " -v n=$((iters * reps)) 'index($0, f) { gsub(",", "", $1); printf "%.0f", $1 / n; exit }' "$tmp/a"; }
	ii=$(per isal_per_interval) iw=$(per isal_whole) ug=$(per upi_gen) fg=$(per fio_gen) uv=$(per upi_ver) fv=$(per fio_ver)
	printf '%-14s %10s %10s | %10s %10s %6.2f | %10s %10s %6.2f\n' "$name" "$ii" "$iw" "$ug" "$fg" \
		"$(echo "$ug / $fg" | bc -l)" "$uv" "$fv" "$(echo "$uv / $fv" | bc -l)"
	i=$((i + 1))
	[ "$ug" -le "$fg" ] && [ "$uv" -le "$fv" ] || worse=$((worse + 1))
done
echo "goal gen and verify <= fio's helpers in instructions: $([ $worse = 0 ] && echo "met in every format" || echo "MISSED in $worse formats")"
