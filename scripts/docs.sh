#!/usr/bin/env bash
# scripts/docs.sh [--check]: writes the tables of the docs that come from the project's data (make docs):
# docs/harness.md's device table from vm/devices, between its "<!-- generated: devices -->" and
# "<!-- end: devices -->" lines, the kernel table from vm/kernels, the tests' times from
# docs/results/check-times.txt. --check changes nothing: exit 1, naming the file, if it is not current
# (make lint runs that).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Each table: FILE:NAME; NAME_md prints it.
TABLES="docs/harness.md:devices docs/harness.md:kernels docs/harness.md:times"

# devices_md: the device table, in Markdown.
# shellcheck disable=SC2317 # called as ${name}_md
devices_md() {
	local d kind lbs ms pi pil pif guard format tag interval note what
	echo "<!-- scripts/docs.sh writes this table from vm/devices: edit that, then run make docs -->"
	echo "| name | device | sysfs \`integrity/format\`, \`tag_size\`, interval | note |"
	echo "|---|---|---|---|"
	for d in $(device_names ""); do
		read -r kind lbs ms pi pil pif guard format tag interval <<<"$(device_field "$d" kind lbs ms pi pil pif guard format tag interval)"
		note=$(device_field "$d" note)
		if [ "$kind" = scsi ]; then
			what="scsi_debug dif=$pi dix=1 guard=$guard, $lbs-byte sectors"
		elif [ "$ms" = 0 ]; then
			what="NVMe, $lbs B blocks, no metadata"
		else
			what="NVMe, $lbs+$ms, pi=$pi"
			[ "$pil" = 0 ] || what+=", pil=$pil"
			[ "$pif" = 0 ] || what+=", pif=$pif"
		fi
		echo "| \`$d\` | $what | $format $tag $interval | $note |"
	done
}

# kernels_md: the kernel table, in Markdown.
# shellcheck disable=SC2317 # called as ${name}_md
kernels_md() {
	local k src series patches config out
	echo "<!-- scripts/docs.sh writes this table from vm/kernels: edit that, then run make docs -->"
	echo "| name | source | series | test-only patches | config after vm/guest.config | output | note |"
	echo "|---|---|---|---|---|---|---|"
	for k in $KERNEL_NAMES; do
		read -r src series patches config <<<"$(kernel_field "$k" source series patches config)"
		out=$(kernel_image "$k")
		out=${out#"$TOP/"}
		case $src in distro*) out+=", initrd" ;; esac
		case $src in
		6.12) src="Debian's linux-source-6.12" ;; 6.18) src="Linux 6.18.15" ;;
		distro) src="Debian's trixie-backports binary" ;; distro-6.12) src="Debian's trixie binary 6.12" ;;
		esac
		echo "| \`$k\` | $src | $series | ${patches//,/, } | ${config//,/, } | \`$out\` | $(kernel_field "$k" note) |"
	done
}

# times_md: the time of each test of make check, fresh and warm, from docs/results/check-times.txt
# (lines "fresh|warm TEST SECONDS [CPU-SECONDS]", TEST ".ci/run" for the whole run; # comments say what
# was measured).
# shellcheck disable=SC2317 # called as ${name}_md
times_md() {
	local f=$TOP/docs/results/check-times.txt
	echo "<!-- scripts/docs.sh writes this table from docs/results/check-times.txt: edit that, then run make docs -->"
	sed -n 's/^# /- /p' "$f"
	echo
	echo "| test | fresh (s) | fresh (CPU s) | warm (s) | warm (CPU s) |"
	echo "|---|---|---|---|---|"
	awk '!/^#/ && (NF == 3 || NF == 4) { if (!($2 in row)) order[n++] = $2; row[$2] = 1; t[$1, $2] = $3; c[$1, $2] = $4 }
		END { for (i = 0; i < n; i++) { k = order[i]
			printf "| `%s` | %s | %s | %s | %s |\n", k, t["fresh", k], c["fresh", k], t["warm", k], c["warm", k] } }' "$f"
}

# section FILE NAME: FILE with the lines between NAME's markers replaced by NAME_md's output.
section() {
	local file=$1 name=$2 begin end
	begin="<!-- generated: $name -->" end="<!-- end: $name -->"
	grep -qxF "$begin" "$file" && grep -qxF "$end" "$file" || die "$file has no '$begin' ... '$end' lines"
	awk -v b="$begin" -v e="$end" -v gen="$("${name}_md")" '
		$0 == b { print; print gen; skip = 1; next }
		$0 == e { skip = 0 }
		!skip' "$file"
}

check=0
[ "${1:-}" = --check ] && check=1
[ $# -eq 0 ] || [ $check = 1 ] && [ $# -le 1 ] || { echo "usage: scripts/docs.sh [--check]" >&2; exit 2; }
stale=0
for spec in $TABLES; do
	file=$TOP/${spec%%:*} name=${spec#*:}
	new=$(section "$file" "$name")
	if [ "$new" = "$(cat "$file")" ]; then
		continue
	elif [ $check = 1 ]; then
		echo "uring-pi: ${spec%%:*}: the $name table is not what scripts/docs.sh makes of the project's data; run make docs" >&2
		stale=1
	else
		printf '%s\n' "$new" >"$file.tmp" && mv "$file.tmp" "$file"
		say "wrote the $name table of ${spec%%:*}"
	fi
done
exit $stale
