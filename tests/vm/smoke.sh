#!/bin/bash
# tests/vm/smoke.sh [KERNEL...]: boots every guest kernel that is built (default: stock,
# mainline, distro, patched) with every device of ci/vm.sh and checks that each device
# shows its integrity profile in sysfs (the table of docs/harness.md);
# also checks the launcher itself: exit status and output passing, --dmesg, time limit (124)
# and, on a kernel with sysrq, panic detection (125).
set -uo pipefail
. "$(dirname "$0")/../../ci/lib.sh"
VM=$TOP/ci/vm.sh

# device -> format tag_size protection_interval_bytes (NVMe tag sizes: drivers/nvme/host/core.c,
# Type 1/2: app tag only = 2, Type 3 16-bit guard: app + ref = 6, Type 3 64-bit guard: 2 + 6 = 8)
expect() {
	case $1 in
	nvme-512-0) echo "none 0 0" ;;
	nvme-512-8-t1 | nvme-512-8-t2) echo "T10-DIF-TYPE1-CRC 2 512" ;;
	nvme-512-8-t3) echo "T10-DIF-TYPE3-CRC 6 512" ;;
	nvme-512-16-t1) echo "EXT-DIF-TYPE1-CRC64 2 512" ;;
	nvme-4k-8-t1) echo "T10-DIF-TYPE1-CRC 2 4096" ;;
	nvme-4k-16-t1) echo "EXT-DIF-TYPE1-CRC64 2 4096" ;;
	nvme-4k-16-t3) echo "EXT-DIF-TYPE3-CRC64 8 4096" ;;
	nvme-4k-64-first | nvme-4k-64-last) echo "T10-DIF-TYPE1-CRC 2 4096" ;;
	scsi-dif-crc) echo "T10-DIF-TYPE1-CRC 2 512" ;;
	scsi-dif-ip) echo "T10-DIF-TYPE1-IP 2 512" ;;
	esac
}
NVME="nvme-512-0 nvme-512-8-t1 nvme-512-8-t2 nvme-512-8-t3 nvme-512-16-t1 nvme-4k-8-t1 nvme-4k-16-t1 nvme-4k-16-t3 nvme-4k-64-first nvme-4k-64-last"
# What the guest prints for each mapped device: NAME DEV FORMAT TAG_SIZE INTERVAL BYTES
PROBE='while read -r n d; do b=/sys/block/${d#/dev/}; i=$b/integrity
  echo "$n $d $(cat $i/format) $(cat $i/tag_size) $(cat $i/protection_interval_bytes 2>/dev/null || echo -) $(($(cat $b/size) * 512))"
done <"$URING_PI_DEVICES"'

pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# check_devices KERNEL DEVICES: boot with DEVICES, compare every device's sysfs profile.
check_devices() {
	local k=$1 devs=$2 out rc t0=$SECONDS d line dev got want
	out=$("$VM" -k "$k" -d "$devs" -t 300 -- "$PROBE" 2>"$TMP/err")
	rc=$?
	if [ $rc != 0 ]; then
		bad "$k: boot with $devs: exit $rc: $(tail -n 2 "$TMP/err" | tr '\n' ' ')"
		return
	fi
	ok "$k: booted with ${devs} ($((SECONDS - t0)) s)"
	IFS=, read -r -a list <<<"$devs"
	for d in "${list[@]}"; do
		[ "$d" != none ] || continue
		line=$(grep "^$d " <<<"$out")
		if [ -z "$line" ]; then
			bad "$k: $d: not mapped in the guest"
			continue
		fi
		read -r _ dev got <<<"$line"
		want=$(expect "$d")
		if [ "${got% *}" = "$want" ]; then
			ok "$k: $d ($dev): $want"
		else
			bad "$k: $d ($dev): sysfs has '${got% *}', expected '$want'"
		fi
		[ "${got##* }" = $((256 * 1024 * 1024)) ] || bad "$k: $d: capacity ${got##* } bytes, expected 256 MiB"
	done
}

# flip_byte FILE OFFSET: invert every bit of one byte in place.
flip_byte() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059 # the format is the byte, as an octal escape
	printf "\\$(printf %03o $((255 - b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# check_corruption KERNEL: write 16 blocks through the kernel's own PI generation, flip one data
# byte of LBA 3 in the image on the host, boot again with --keep-images: LBAs 0-2 still read,
# LBA 3 fails with EILSEQ and the kernel logs a guard error. Proves the image layout and --keep-images.
check_corruption() {
	local k=$1 img=$TMP/img dev=nvme-4k-8-t1 out rc
	mkdir -p "$img"
	out=$("$VM" -k "$k" -i "$img" -d $dev -t 300 -- 'd=$URING_PI_DEV_NVME_4K_8_T1
		dd if=/dev/urandom of=/tmp/x bs=4096 count=16 2>/dev/null
		dd if=/tmp/x of=$d bs=4096 count=16 oflag=direct 2>/dev/null &&
		dd if=$d bs=4096 count=16 iflag=direct 2>/dev/null | cmp - /tmp/x && echo same' 2>"$TMP/err")
	if [ "$out" != same ]; then
		bad "$k: write + read back 16 blocks on $dev: '$out' $(tail -n 1 "$TMP/err")"
		return
	fi
	flip_byte "$img/$dev.img" $((3 * 4096 + 100))
	out=$("$VM" -k "$k" -i "$img" --keep-images --dmesg "$TMP/dmesg" -d $dev -t 300 -- 'd=$URING_PI_DEV_NVME_4K_8_T1
		dd if=$d of=/dev/null bs=4096 count=3 iflag=direct 2>/dev/null && echo head-ok
		dd if=$d of=/dev/null bs=4096 count=16 iflag=direct 2>&1 | grep -o "error reading.*"' 2>"$TMP/err")
	if [ "$out" = "head-ok
error reading '/dev/nvme0n1': Invalid or incomplete multibyte or wide character" ] &&
		grep -q 'protection error' "$TMP/dmesg"; then
		ok "$k: a corrupted data byte in the kept image fails the read with EILSEQ (guard error)"
	else
		bad "$k: corrupted image: got '$out'; dmesg: $(grep -m1 -i 'error' "$TMP/dmesg")"
	fi
	rm -rf "$img"
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(stock mainline distro patched)
tested=0
for k in "${kernels[@]}"; do
	[ -f "$(kernel_image "$k")" ] || { echo "skip $k: not built (ci/kernel.sh $k)"; continue; }
	tested=$((tested + 1))
	check_devices "$k" "$(echo "$NVME" | tr ' ' ,),scsi-dif-crc"
	check_devices "$k" scsi-dif-ip
	if "$VM" -k "$k" -d none -t 300 -- 'test ! -s "$URING_PI_DEVICES"' >/dev/null 2>"$TMP/err"; then
		ok "$k: boots with -d none"
	else
		bad "$k: -d none: $(tail -n 1 "$TMP/err")"
	fi
	check_corruption "$k"
	# sysrq 'c' crashes the kernel on purpose, where the kernel has sysrq
	out=$("$VM" -k "$k" -t 300 -- 'if [ -w /proc/sysrq-trigger ]; then echo c >/proc/sysrq-trigger; else echo nosysrq; fi' 2>"$TMP/err")
	rc=$?
	if [ "$out" = nosysrq ] && [ $rc = 0 ]; then
		:
	elif [ $rc = 125 ] && grep -q 'guest kernel panicked' "$TMP/err"; then
		ok "$k: a kernel crash in the guest gives exit 125"
	else
		bad "$k: sysrq crash: exit $rc, expected 125: $(tail -n 1 "$TMP/err")"
	fi
done
[ $tested -gt 0 ] || bad "no guest kernel is built (ci/kernel.sh stock)"

# The launcher's contract, on the first kernel that is built.
for k in "${kernels[@]}"; do
	[ -f "$(kernel_image "$k")" ] || continue
	out=$(cd "$TOP/ci" && "$VM" -k "$k" --dmesg "$TMP/dmesg" -e SMOKE_VAR='a b' -- 'echo "$SMOKE_VAR"; pwd; echo to-stderr >&2; exit 7' 2>"$TMP/err")
	rc=$?
	[ $rc = 7 ] && ok "$k: exit status passed through" || bad "$k: exit status: got $rc, expected 7"
	[ "$out" = "a b
$TOP/ci" ] && ok "$k: stdout, -e and working directory passed through" || bad "$k: stdout was '$out'"
	grep -qx to-stderr "$TMP/err" && ok "$k: stderr passed through" || bad "$k: stderr was '$(cat "$TMP/err")'"
	grep -q 'Linux version' "$TMP/dmesg" 2>/dev/null && ok "$k: --dmesg saves the guest's kernel log" || bad "$k: --dmesg file has no kernel log"
	"$VM" -k "$k" -- 'echo "BUG: in the output, not in the kernel"; echo "Kernel panic" >&2' >/dev/null 2>&1 &&
		ok "$k: panic words in the command's output are not taken for a crash" || bad "$k: the command's output was taken for a kernel crash"
	out=$("$VM" -k "$k" -- printf '%s|' 'one arg' two 2>/dev/null)
	[ "$out" = "one arg|two|" ] && ok "$k: several arguments after -- are a command line" || bad "$k: argv passing gave '$out'"
	t0=$SECONDS
	"$VM" -k "$k" -t 5 -- sleep 60 >/dev/null 2>"$TMP/err"
	rc=$?
	if [ $rc = 124 ] && grep -q '^uring-pi: guest timed out after 5 s (log: ' "$TMP/err" && [ $((SECONDS - t0)) -lt 30 ]; then
		ok "$k: -t 5 with sleep 60 gives exit 124 after $((SECONDS - t0)) s"
	else
		bad "$k: timeout: exit $rc after $((SECONDS - t0)) s: $(tail -n 1 "$TMP/err")"
	fi
	break
done

echo "$pass passed, $fail failed"
[ $fail = 0 ]
