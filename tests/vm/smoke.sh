#!/bin/bash
# tests/vm/smoke.sh [KERNEL...]: boots each guest kernel (default: make check's, debian-6.12,
# distro and patched; make check-full's, FULL=1: stock, mainline, distro, patched, debian-6.12),
# built first where it is not, with every device of vm/devices (all NVMe ones and the first
# scsi_debug disk in one guest, each other scsi_debug disk in one more) and checks that each
# device shows the integrity profile the table gives in sysfs, and that it boots with no device;
# also checks the launcher itself: exit status and output passing, --dmesg, time limit (124),
# on a kernel with sysrq panic detection (125), and a corrupted data byte in a kept image (on
# the patched kernel; FULL=1: on each).
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
. "$TOP/tests/lib.sh"
VM=$TOP/vm/vm.sh
mapfile -t DEVICES < <(device_names "")

# What the guest prints for each mapped device: NAME DEV FORMAT TAG_SIZE INTERVAL BYTES
PROBE='while read -r n d; do b=/sys/block/${d#/dev/}; i=$b/integrity
  echo "$n $d $(cat $i/format) $(cat $i/tag_size) $(cat $i/protection_interval_bytes 2>/dev/null || echo -) $(($(cat $b/size) * 512))"
done <"$URING_PI_DEVICES"'


# check_devices KERNEL DEVICES: boot with DEVICES, compare every device's sysfs profile.
check_devices() {
	local k=$1 devs=$2 out rc t0=$SECONDS d line dev got want
	out=$("$VM" -k "$k" -d "$devs" -t 300 -- "$PROBE" 2>"$TMP/err")
	rc=$?
	if [ $rc != 0 ]; then
		fail "$k: boot with $devs: exit $rc: $(tail -n 2 "$TMP/err" | tr '\n' ' ')"
		return
	fi
	pass "$k: booted with ${devs} ($((SECONDS - t0)) s)"
	IFS=, read -r -a list <<<"$devs"
	for d in "${list[@]}"; do
		[ "$d" != none ] || continue
		line=$(grep "^$d " <<<"$out")
		if [ -z "$line" ]; then
			fail "$k: $d: not mapped in the guest"
			continue
		fi
		read -r _ dev got <<<"$line"
		want=$(device_field "$d" format tag interval)
		if [ "${got% *}" = "$want" ]; then
			pass "$k: $d ($dev): $want"
		else
			fail "$k: $d ($dev): sysfs has '${got% *}', expected '$want'"
		fi
		[ "${got##* }" = $((256 * 1024 * 1024)) ] || fail "$k: $d: capacity ${got##* } bytes, expected 256 MiB"
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
		fail "$k: write + read back 16 blocks on $dev: '$out' $(tail -n 1 "$TMP/err")"
		return
	fi
	flip_byte "$img/$dev.img" $((3 * 4096 + 100))
	out=$("$VM" -k "$k" -i "$img" --keep-images --dmesg "$TMP/dmesg" -d $dev -t 300 -- 'd=$URING_PI_DEV_NVME_4K_8_T1
		dd if=$d of=/dev/null bs=4096 count=3 iflag=direct 2>/dev/null && echo head-ok
		dd if=$d of=/dev/null bs=4096 count=16 iflag=direct 2>&1 | grep -o "error reading.*"' 2>"$TMP/err")
	if [ "$out" = "head-ok
error reading '/dev/nvme0n1': Invalid or incomplete multibyte or wide character" ] &&
		grep -q 'protection error' "$TMP/dmesg"; then
		pass "$k: a corrupted data byte in the kept image fails the read with EILSEQ (guard error)"
	else
		fail "$k: corrupted image: got '$out'; dmesg: $(grep -m1 -i 'error' "$TMP/dmesg")"
	fi
	rm -rf "$img"
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
kernels=("$@")
if [ ${#kernels[@]} = 0 ]; then
	kernels=(debian-6.12 distro patched)
	[ "${FULL:-}" != 1 ] || kernels=(stock mainline distro patched debian-6.12)
fi
built=()
for k in "${kernels[@]}"; do
	if ! "$TOP/vm/kernel.sh" "$k" >"$TMP/kernel.log" 2>&1; then
		fail "$k: not built: $(tail -n 1 "$TMP/kernel.log")"
		continue
	fi
	built+=("$k")
	while read -r boot; do check_devices "$k" "$boot"; done < <(device_boots "${DEVICES[@]}")
	[ "${FULL:-}" != 1 ] && [ "$k" != patched ] || check_corruption "$k"
	# with no device, then sysrq 'c' crashes the kernel on purpose, where the kernel has sysrq
	out=$("$VM" -k "$k" -d none -t 300 -- 'test ! -s "$URING_PI_DEVICES" || { echo devices; exit 3; }
		if [ -w /proc/sysrq-trigger ]; then echo c >/proc/sysrq-trigger; else echo nosysrq; fi' 2>"$TMP/err")
	rc=$?
	if [ "$out" = nosysrq ] && [ $rc = 0 ]; then
		pass "$k: boots with -d none"
		skip "$k: crash detection: the kernel has no sysrq"
	elif [ $rc = 125 ] && grep -q 'guest kernel panicked' "$TMP/err"; then
		pass "$k: boots with -d none"
		pass "$k: a kernel crash in the guest gives exit 125"
	else
		fail "$k: -d none, then a sysrq crash: exit $rc, expected 125: $out $(tail -n 1 "$TMP/err")"
	fi
done

# The launcher's contract, on one kernel: patched where it is built (it boots in 10 s, Debian's in 17),
# else the first that is.
k=${built[0]:-}
in_list patched "${built[*]}" && k=patched
if [ -n "$k" ]; then
	out=$(cd "$TOP/vm" && "$VM" -k "$k" --dmesg "$TMP/dmesg" -e SMOKE_VAR='a b' -- 'echo "$SMOKE_VAR"; pwd; echo to-stderr >&2
		echo "BUG: in the output, not in the kernel"; echo "Kernel panic" >&2; exit 7' 2>"$TMP/err")
	rc=$?
	# 7, not 125: the panic words the command printed are not taken for a crash
	[ $rc = 7 ] && pass "$k: exit status passed through, panic words in the output not taken for a crash" ||
		fail "$k: exit status: got $rc, expected 7"
	[ "$out" = "a b
$TOP/vm
BUG: in the output, not in the kernel" ] && pass "$k: stdout, -e and working directory passed through" || fail "$k: stdout was '$out'"
	grep -qx to-stderr "$TMP/err" && pass "$k: stderr passed through" || fail "$k: stderr was '$(cat "$TMP/err")'"
	grep -q 'Linux version' "$TMP/dmesg" 2>/dev/null && pass "$k: --dmesg saves the guest's kernel log" || fail "$k: --dmesg file has no kernel log"
	out=$("$VM" -k "$k" -- printf '%s|' 'one arg' two 2>/dev/null)
	[ "$out" = "one arg|two|" ] && pass "$k: several arguments after -- are a command line" || fail "$k: argv passing gave '$out'"
	t0=$SECONDS
	"$VM" -k "$k" -t 5 -- sleep 60 >/dev/null 2>"$TMP/err"
	rc=$?
	if [ $rc = 124 ] && grep -q '^uring-pi: guest timed out after 5 s (log: ' "$TMP/err" && [ $((SECONDS - t0)) -lt 30 ]; then
		pass "$k: -t 5 with sleep 60 gives exit 124 after $((SECONDS - t0)) s"
	else
		fail "$k: timeout: exit $rc after $((SECONDS - t0)) s: $(tail -n 1 "$TMP/err")"
	fi
fi

done_tests
