#!/usr/bin/env bash
# The PI matrix: kernels x devices x cases (tests/vm/cases.sh), each guest
# booted with vm/vm.sh. Prints every case, writes the table to
# build/matrix/matrix.md, ends with "N passed, N failed, N skipped" (a skip:
# a case the device or pass does not have, with the reason).
#   [KERNELS=...] [DEVICES=...] [CASES=...] tests/vm/matrix.sh [--full] [--plan]
# (the filters: below, at wanted; make check-vm CASES=... runs this alone).
# --plan: print the guests it would boot ("== KERNEL, ABI, PHASE: DEVICES"), boot none; --ids: the ids
# of the cases those guests would run (tests/vm/cases.sh --ids; the peer's are not the project's).
# Default (make check): on the patched kernel, every case on the default
# device with each ABI and on the first scsi_debug one with sqe128 (with
# attr: FORMAT_CASES and the SCSI cases); the cases whose result depends on
# the format (FORMAT_CASES) on the other PI devices, one ABI each
# (alternately, in vm/devices' order); the default device on debian-6.12
# (Debian's prebuilt 6.12, standing for stock) and, DISTRO_CASES, on distro
# (Debian's 7.x, standing for mainline); the corruption-on-the-medium case
# on every NVMe device (patched kernel); the peer on distro.
# --full or FULL=1 (make check-full): every case on every device on every
# kernel and ABI, stock and mainline 6.18 included, the peer on mainline.
# Guests run side by side, GUESTS (default 2) at a time.
set -uo pipefail
full=0 plan=0
[ "${FULL:-}" != 1 ] || full=1
for a in "$@"; do
	case $a in --full) full=1 ;; --plan) plan=1 ;; --ids) plan=ids ;; *) echo "usage: tests/vm/matrix.sh [--full] [--plan|--ids]" >&2; exit 2 ;; esac
done
[ $full = 0 ] || export FULL=1
. "$(dirname "$0")/../../scripts/lib.sh" # STOCK, MAINLINE: the kernels standing for them
. "$TOP/tests/lib.sh" # bad_input_collect: the refusals cases.sh records
cd "$TOP" || exit 1
out=${TEST_OUT:-build/matrix}
mkdir -p "$out"
rows=$out/rows.txt skips=$out/skips.txt
: >"$rows"
: >"$skips"
imgs=$out/images
# The devices of vm/devices: those with PI, the NVMe ones among them (their images can be corrupted
# from the host), and those without (PI must be refused there).
mapfile -t PI_DEVICES < <(device_names format!=none)
mapfile -t NVME < <(device_names kind=nvme format!=none)
mapfile -t NO_PI < <(device_names format=none)
DEFAULT=nvme-512-8-t1
# What make check runs on the PI devices other than the default one and scsi_debug: the cases whose
# result depends on the format (sizes, guard, ref tag, escape, interval, layout).
FORMAT_CASES="seq-write-verify-qd1-bs1,seq-write-verify-qd32-bs16,short-read-checked,unwritten-read-fail"
FORMAT_CASES+=",inject-guard-50pct,inject-reftag-50pct,offset-not-multiple"
# On distro, standing for mainline's attribute ABI (whose every case runs on the patched kernel): the
# refusal of the extended SQE, and a case of each kind the kernel takes part in.
DISTRO_CASES="sqe128-refused,kernel-pi-write-verify,seq-write-verify-qd1-bs1,short-read-checked,read-md-unfilled"
DISTRO_CASES+=",unwritten-read-fail,apptag-mismatch-read,inject-guard-50pct,inject-reftag-50pct,md-one-byte-short"
# make check's subsets (phase all): KERNEL/ABI/DEVICE -> the cases run there; the rest run every case.
declare -A ONLY=()

# Filters: KERNELS= and DEVICES= (names, space- or comma-separated) keep those kernels and devices,
# CASES= the cases it selects (tests/lib.sh, case_selected; ids KERNEL/DEVICE/ABI/CASE, a matrix row's
# first four columns). A guest with nothing selected does not boot. The peer (ABI fio-io_uring and
# fio-io_uring_cmd in the rows) runs under CASES= only when a pattern names it ("*/fio-*").
kernel_wanted() { [ -z "${KERNELS:-}" ] || in_list "$1" "$KERNELS"; }
# wanted KERNEL ABI PHASE DEVICE: the guest would run a selected case on DEVICE (two-files: A+B).
wanted() {
	local k=$1 abi=$2 phase=$3 d=$4 c
	kernel_wanted "$k" || return 1
	for c in ${d//+/ }; do [ -z "${DEVICES:-}" ] || in_list "$c" "$DEVICES" || return 1; done
	[ -n "${CASES:-}" ] || return 0
	[ "$abi" != peer ] || { [[ ,$CASES, == *,*/fio-* ]]; return; }
	for c in $(tests/vm/cases.sh --list "$(device_field "${d%%+*}" format)" "$abi" "$phase"); do
		case_selected "$k/$d/$abi/$c" && return 0
	done
	return 1
}

# guest KERNEL ABI PHASE DEVICE...: one boot, cases.sh on each device that is wanted
# (ABI "peer": upstream fio's own PI support, tests/vm/peer.sh; PHASE
# two-files: one cases.sh run with the two devices in one fio job).
# What counts: each case the guest was planned to run (cases.sh --ids) has its row, and no row is
# unplanned; every FAIL line of cases.sh and every cases.sh result line is there; the guest exits 0
# (a time limit, 124, or a kernel oops or panic, 125, after the last row is still a failure).
guest() {
	local kernel=$1 abi=$2 phase=$3 devs script="" d log env=() ids=() runs=0 cases=${GUEST_CASES:-${CASES:-}}
	shift 3
	if [ "$phase" = two-files ]; then
		wanted "$kernel" "$abi" "$phase" "$1+$2" || return 0
		script="tests/vm/cases.sh $1+$2 \$$(dev_var "$1"):\$$(dev_var "$2") $kernel $abi $phase"
		mapfile -t ids < <(CASES=$cases tests/vm/cases.sh --ids "$1+$2" "$kernel" "$abi" "$phase")
		runs=1
	else
		local keep=()
		for d in "$@"; do wanted "$kernel" "$abi" "${WANT_PHASE:-$phase}" "$d" && keep+=("$d"); done
		set -- "${keep[@]}"
		[ $# -gt 0 ] || return 0
		for d in "$@"; do
			if [ "$abi" = peer ]; then
				script="$script tests/vm/peer.sh $d \$$(dev_var "$d") $kernel $phase;"
			else
				script="$script $(case_env "$kernel" "$abi" "$phase" "$d")tests/vm/cases.sh $d \$$(dev_var "$d") $kernel $abi $phase;"
				# shellcheck disable=SC2046 # NAME=VALUE words, or none
				mapfile -t -O ${#ids[@]} ids < <(env CASES="$cases" $(case_env "$kernel" "$abi" "$phase" "$d") tests/vm/cases.sh --ids "$d" "$kernel" "$abi" "$phase")
				runs=$((runs + 1))
			fi
		done
	fi
	devs=$(echo "$*" | tr ' ' ,)
	[ -z "$cases" ] || env=(-e "CASES=$cases")
	log=$out/$kernel-$abi-$phase-${devs//,/_}.log
	if [ $plan = ids ]; then [ ${#ids[@]} = 0 ] || printf '%s\n' "${ids[@]}"; return 0; fi
	[ $plan = 0 ] || { echo "== $kernel, $abi, $phase: $devs"; return 0; }
	# the kernel, built unless it is (a build under way is waited for)
	if ! vm/kernel.sh "$kernel" >>"$out/kernel-$kernel.log" 2>&1; then
		echo "CASE $kernel $devs $abi kernel expect=built seen=failed FAIL" | tee -a "$rows"
		tail -n 5 "$out/kernel-$kernel.log"
		return
	fi
	vm/vm.sh -k "$kernel" -d "$devs" -i "${IMGDIR:-$imgs/${log##*/}}" ${KEEP:+--keep-images} "${env[@]}" \
		-t "${GUEST_LIMIT:-2400}" -- "$script" >"$log" 2>&1
	local rc=$? bad=()
	grep '^skip ' "$log" >>"$skips"
	bad_input_collect "$log"
	# what the guest owes: a row for each planned case, nothing else, each cases.sh ended, exit 0
	local seen
	seen=$(awk '/^CASE / { print $2 "/" $3 "/" $4 "/" $5 }' "$log" | sort)
	if [ "$abi" != peer ]; then
		for d in $(comm -23 <(printf '%s\n' "${ids[@]}" | sort) <(echo "$seen")); do bad+=("$d planned seen=no-row"); done
		for d in $(comm -13 <(printf '%s\n' "${ids[@]}" | sort) <(echo "$seen")); do bad+=("$d unplanned seen=row"); done
		[ "$(grep -cE "$RESULT_RE" "$log")" = "$runs" ] || bad+=("$kernel/$devs/$abi/cases.sh result-lines seen=$(grep -cE "$RESULT_RE" "$log")-of-$runs")
	fi
	while read -r d; do bad+=("$kernel/$devs/$abi/cases.sh no-FAIL-line seen=FAIL:${d// /_}"); done < <(sed -n 's/^FAIL //p' "$log")
	[ $rc = 0 ] || bad+=("$kernel/$devs/$abi/guest exit-0 seen=exit-$rc")
	for d in "${bad[@]}"; do
		read -r id want saw <<<"$d"
		echo "CASE ${id//\// } expect=$want $saw FAIL"
	done >"$log.bad"
	grep '^CASE' "$log" | cat - "$log.bad" >>"$rows"
	# one block per guest, printed when it ends (guests run side by side)
	{
		echo "== $kernel, $abi, $phase: $devs"
		grep '^CASE\|^     |\|^skip \|^# ' "$log"
		cat "$log.bad"
		[ ${#bad[@]} = 0 ] || tail -n 5 "$log" | sed 's/^/     | /'
	} >"$log.out"
	cat "$log.out"
}

# spawn COMMAND...: COMMAND in the background, at most GUESTS (default 2) at a time (a TCG guest keeps
# about one core busy); in the foreground with --plan.
spawn() {
	[ $plan = 0 ] || { "$@"; return; }
	while [ "$(jobs -pr | wc -l)" -ge "${GUESTS:-2}" ]; do wait -n; done
	"$@" &
}

# case_env KERNEL ABI PHASE DEVICE: CASES= make check's subset there (ONLY), unless CASES= selects.
case_env() {
	local only=${ONLY[$1/$2/$4]:-}
	[ -n "${CASES:-}" ] || [ "$3" != all ] || [ -z "$only" ] || printf 'CASES=%s ' "$only"
}

# every KERNEL ABI PHASE DEVICE...: guest for each of scripts/lib.sh's device_boots of DEVICEs.
every() {
	local k=$1 abi=$2 phase=$3 boot boots
	shift 3
	mapfile -t boots < <(device_boots "$@")
	for boot in "${boots[@]}"; do
		# shellcheck disable=SC2046 # the boot's comma-separated devices, one word each
		spawn guest "$k" "$abi" "$phase" $(tr , ' ' <<<"$boot")
	done
}

# alternate N NAME...: every other NAME, from the first (N=0) or the second (N=1).
alternate() {
	local n=$1 i=0 d
	shift
	for d in "$@"; do [ $((i++ % 2)) != "$n" ] || echo "$d"; done
}

# The corruption-on-the-medium case: write, flip data bytes of one LBA in
# each image from the host, boot again and read.
medium() {
	local kernel=$1 abi=$2 d lbs img keep=()
	shift 2
	for d in "$@"; do wanted "$kernel" "$abi" medium-read "$d" && keep+=("$d"); done
	[ ${#keep[@]} -gt 0 ] || return 0
	set -- "${keep[@]}"
	[ $plan = 0 ] || { GUEST_CASES=medium-write WANT_PHASE=medium-read guest "$kernel" "$abi" medium-write "$@"; guest "$kernel" "$abi" medium-read "$@"; return; }
	local IMGDIR=$imgs/medium-$kernel-$abi
	rm -rf "$IMGDIR"
	KEEP=1 GUEST_CASES=medium-write WANT_PHASE=medium-read guest "$kernel" "$abi" medium-write "$@"
	for d in "$@"; do
		img=$IMGDIR/$d.img
		lbs=$(device_field "$d" lbs)
		[ -f "$img" ] || { echo "CASE $kernel $d $abi medium-image expect=exists seen=missing FAIL" | tee -a "$rows"; continue; }
		# LBA 37's data, bytes 100..103 (QEMU keeps all data first, then all metadata).
		printf '\x5a\xa5\x5a\xa5' | dd of="$img" bs=1 seek=$((37 * lbs + 100)) conv=notrunc status=none
	done
	KEEP=1 guest "$kernel" "$abi" medium-read "$@"
	rm -rf "$IMGDIR"
}

# The guests of the prebuilt kernels first: they run while the patched kernel may still be built.
[ $plan != 0 ] || rm -rf "$imgs" # (a plan, printed beside a run, must not take its images)
# On the devices without integrity (format none): PI refused there too (before any kernel interface).
spawn guest $STOCK none all $DEFAULT "${NO_PI[@]}"
if [ $full = 1 ]; then
	for k in distro "$MAINLINE"; do every "$k" attr all "${PI_DEVICES[@]}"; done
else
	ONLY[distro/attr/$DEFAULT]=$DISTRO_CASES
	spawn guest distro attr all $DEFAULT
fi
# The peer: upstream fio 3.41's io_uring and io_uring_cmd PI options, on a mainline kernel.
spawn guest $MAINLINE peer all $DEFAULT
spawn medium $MAINLINE peer $DEFAULT
if [ $full = 1 ]; then spawn medium $MAINLINE attr "${NVME[@]}"; else spawn medium $MAINLINE attr $DEFAULT; fi
if [ $full = 1 ]; then
	for abi in sqe128 attr; do every patched $abi all "${PI_DEVICES[@]}"; done
else
	# every case on the default device with each ABI, on the first scsi_debug one with sqe128 (attr: the
	# format's and the SCSI cases); on the other PI devices, one ABI each (alternately), the format's
	scsi=$(device_names kind=scsi format!=none | head -n 1)
	mapfile -t OTHER < <(printf '%s\n' "${PI_DEVICES[@]}" | grep -vxE "$DEFAULT|$scsi")
	ONLY[patched/attr/$scsi]=$FORMAT_CASES,stale-pi-read,scsi-apptag-pi_verify-0
	for d in "${OTHER[@]}"; do ONLY[patched/sqe128/$d]=$FORMAT_CASES ONLY[patched/attr/$d]=$FORMAT_CASES; done
	# shellcheck disable=SC2046 # device names, one word each
	every patched sqe128 all $DEFAULT "$scsi" $(alternate 0 "${OTHER[@]}")
	# shellcheck disable=SC2046
	every patched attr all $DEFAULT "$scsi" $(alternate 1 "${OTHER[@]}")
fi
spawn medium patched sqe128 "${NVME[@]}"
# Two formats in one job: Type 1 512+8 and Type 3 4096+16.
spawn guest patched sqe128 two-files nvme-512-8-t1 nvme-4k-16-t3
wait

[ $plan = 0 ] || exit 0
npass=$(grep -c ' ok$' "$rows")
nfail=$(grep -c ' FAIL$' "$rows")
nskip=$(wc -l <"$skips")
[ -s "$rows" ] || fail "KERNELS='${KERNELS:-}' DEVICES='${DEVICES:-}' CASES='${CASES:-}' select no case of the matrix ($(
	[ $full = 1 ] && echo full || echo default))"
{
	echo "# PI matrix ($( [ $full = 1 ] && echo full || echo default ))"
	echo
	echo "Produced by \`tests/vm/matrix.sh$( [ $full = 1 ] && echo ' --full')\` on $(date -u +%Y-%m-%d). One row per case:"
	echo "kernel, device, ABI, case, what must happen, what happened. Rows with abi fio-io_uring and"
	echo "fio-io_uring_cmd are the peer, upstream fio 3.41's own PI options: they say whether fio meets what"
	echo "a PI tool must do, and are not counted as this project's tests."
	echo
	echo "| kernel | device | abi | case | expected | seen | |"
	echo "|---|---|---|---|---|---|---|"
	sed 's/^CASE \([^ ]*\) \([^ ]*\) \([^ ]*\) \([^ ]*\) expect=\([^ ]*\) seen=\([^ ]*\) \(.*\)$/| \1 | \2 | \3 | \4 | \5 | \6 | \7 |/' "$rows"
	echo
	counts_line
} >"$out/matrix.md"
echo "table: $out/matrix.md"
counts_line
[ "$nfail" -eq 0 ]
