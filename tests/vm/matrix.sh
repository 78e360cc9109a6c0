#!/usr/bin/env bash
# The PI matrix: kernels x devices x cases (tests/vm/cases.sh), each guest
# booted with ci/vm.sh. Prints every case, writes the table to
# build/matrix/matrix.md, ends with "N passed, N failed".
#   tests/vm/matrix.sh [--full]
# Default (make check): every case on every device on the patched kernel
# with each ABI; the default device on stock and distro (Debian's 7.x,
# standing for mainline: no mainline build in make check); the
# corruption-on-the-medium case on every NVMe device (patched kernel);
# the peer on distro.
# --full (make check-full): every device on every kernel and ABI, mainline
# 6.18 included, the peer on mainline.
set -uo pipefail
. "$(dirname "$0")/../../ci/lib.sh"
. "$TOP/tests/lib.sh" # bad_input_collect: the refusals cases.sh records
cd "$TOP" || exit 1
full=0
[ "${1:-${MATRIX_ARGS:-}}" = --full ] && full=1
out=build/matrix
mkdir -p "$out"
rows=$out/rows.txt
: >"$rows"
imgs=$out/images
# The devices of ci/devices: those with PI, the NVMe ones among them (their images can be corrupted
# from the host), and those without (PI must be refused there).
mapfile -t PI_DEVICES < <(device_names format!=none)
mapfile -t NVME < <(device_names kind=nvme format!=none)
mapfile -t NO_PI < <(device_names format=none)
DEFAULT=nvme-512-8-t1

# guest KERNEL ABI PHASE DEVICE...: one boot, cases.sh on each device
# (ABI "peer": upstream fio's own PI support, tests/vm/peer.sh; PHASE
# two-files: one cases.sh run with the two devices in one fio job).
guest() {
	local kernel=$1 abi=$2 phase=$3 devs script="" d log
	shift 3
	devs=$(echo "$*" | tr ' ' ,)
	for d in "$@"; do
		if [ "$abi" = peer ]; then
			script="$script tests/vm/peer.sh $d \$$(dev_var "$d") $kernel $phase;"
		elif [ "$phase" != two-files ]; then
			script="$script tests/vm/cases.sh $d \$$(dev_var "$d") $kernel $abi $phase;"
		fi
	done
	[ "$phase" = two-files ] && script="tests/vm/cases.sh $1+$2 \$$(dev_var "$1"):\$$(dev_var "$2") $kernel $abi $phase"
	log=$out/$kernel-$abi-$phase-${devs//,/_}.log
	echo "== $kernel, $abi, $phase: $devs"
	ci/vm.sh -k "$kernel" -d "$devs" -i "$imgs" ${KEEP:+--keep-images} -t "${GUEST_LIMIT:-2400}" -- "$script" >"$log" 2>&1
	local rc=$?
	grep '^CASE\|^     |' "$log"
	grep '^CASE' "$log" >>"$rows"
	bad_input_collect "$log"
	if [ $rc -ne 0 ] && ! grep -q '^CASE' "$log"; then
		echo "CASE $kernel $devs $abi guest expect=runs seen=exit-$rc FAIL" | tee -a "$rows"
		tail -n 5 "$log" | sed 's/^/     | /'
	fi
}

# every KERNEL ABI PHASE DEVICE...: guest for each of ci/lib.sh's device_boots of DEVICEs.
every() {
	local k=$1 abi=$2 phase=$3 boot boots
	shift 3
	mapfile -t boots < <(device_boots "$@")
	for boot in "${boots[@]}"; do
		# shellcheck disable=SC2046 # the boot's comma-separated devices, one word each
		guest "$k" "$abi" "$phase" $(tr , ' ' <<<"$boot")
	done
}

# The corruption-on-the-medium case: write, flip data bytes of one LBA in
# each image from the host, boot again and read.
medium() {
	local kernel=$1 abi=$2 d lbs img
	shift 2
	rm -rf "$imgs"
	KEEP=1 guest "$kernel" "$abi" medium-write "$@"
	for d in "$@"; do
		img=$imgs/$d.img
		lbs=$(device_field "$d" lbs)
		[ -f "$img" ] || { echo "CASE $kernel $d $abi medium-image expect=exists seen=missing FAIL" | tee -a "$rows"; continue; }
		# LBA 37's data, bytes 100..103 (QEMU keeps all data first, then all metadata).
		printf '\x5a\xa5\x5a\xa5' | dd of="$img" bs=1 seek=$((37 * lbs + 100)) conv=notrunc status=none
	done
	KEEP=1 guest "$kernel" "$abi" medium-read "$@"
	rm -rf "$imgs"
}

# Debian's prebuilt 7.x kernel (distro) stands for mainline in make check; --full has both.
kernels="stock patched distro"
[ $full = 1 ] && kernels="$kernels mainline"
for k in $kernels; do
	ci/kernel.sh "$k" >"$out/kernel-$k.log" 2>&1 || {
		echo "CASE $k - - kernel expect=built seen=failed FAIL" | tee -a "$rows"
		tail -n 5 "$out/kernel-$k.log"
	}
done

# On the devices without integrity (format none): PI refused there too (before any kernel interface).
guest stock none all $DEFAULT "${NO_PI[@]}"
for abi in sqe128 attr; do every patched $abi all "${PI_DEVICES[@]}"; done
if [ $full = 1 ]; then
	for k in mainline distro; do every $k attr all "${PI_DEVICES[@]}"; done
else
	guest distro attr all $DEFAULT
fi
medium patched sqe128 "${NVME[@]}"
# Two formats in one job: Type 1 512+8 and Type 3 4096+16.
guest patched sqe128 two-files nvme-512-8-t1 nvme-4k-16-t3
[ $full = 1 ] && medium mainline attr "${NVME[@]}"
# The peer: upstream fio 3.41's io_uring and io_uring_cmd PI options, on a mainline kernel.
peer_kernel=distro
[ $full = 1 ] && peer_kernel=mainline
guest $peer_kernel peer all $DEFAULT
medium $peer_kernel peer $DEFAULT

npass=$(grep -c ' ok$' "$rows")
nfail=$(grep -c ' FAIL$' "$rows")
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
