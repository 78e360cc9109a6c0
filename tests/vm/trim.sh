#!/usr/bin/env bash
# Trims with PI, in a guest on the patched kernel: a deallocated range reads back as the device makes
# it, and the engine treats that by the rule of README.md (pi_escape): on QEMU's NVMe (whole 4 KiB of
# its image deallocated) and on scsi_debug (lbpu=1), zeros with all-ones PI, an escaped tuple:
# pi_escape=fail fails the read naming the first LBA, accept passes it counted as escaped, and the
# kernel's own check (pi_act=1) passes it. trimwrite and randtrimwrite then read back checked data.
#   tests/vm/trim.sh                     (boots the guest)
#   tests/vm/trim.sh --guest NAME DEV... (in the guest: the cases on each device)
set -uo pipefail
. "$(dirname "$0")/guest.sh"
DEVICES=${TRIM_DEVICES:-nvme-512-8-t1,nvme-4k-16-t3,scsi-dif-crc}

if [ "${1:-}" != --guest ]; then
	out=${TEST_OUT:-$BUILD/trim}
	mkdir -p "$out"
	script=tests/vm/trim.sh\ --guest
	for d in ${DEVICES//,/ }; do script+=" $d \$$(dev_var "$d")"; done
	echo "== guest (patched): $DEVICES"
	guest "$out/guest.log" -k patched -d "$DEVICES" -i "$out/images" -t "${GUEST_LIMIT:-1200}" -- "$script"
	done_tests
	exit
fi

# pi ARGS: a PI job through the engine (app tag 0x1234); output in $out, exit status in $rc.
pi() {
	runfio --name=t --filename="$dev" --direct=1 --pi_act=0 --pi_chk=GUARD,REFTAG,APPTAG --verify_state_save=0 "$@"
}
# check WHAT CONDITION: pass or fail WHAT on $name, with fio's output when it fails.
check() {
	if eval "$2"; then
		pass "$name: $1"
	else
		fail "$name: $1 (rc=$rc; wanted: $2)"
		printf '%s\n' "$out" | grep -v '^ *$' | tail -n 8 | sed 's/^/     | /'
	fi
}
ok() { [ "$rc" -eq 0 ] && grep -q 'err= 0' <<<"$out" && ! grep -qE 'err= *[1-9]' <<<"$out"; }
eilseq() { [ "$rc" -ne 0 ] && [ "$rc" -le 127 ] && grep -q 'err=84' <<<"$out"; }
total() { pi_total "$1" "$out"; }

# cases NAME DEV: every case on one device.
cases() {
	local name=$1 dev=$2 iv MiB abi rw
	iv=$(cat "/sys/block/$(basename "$dev")/integrity/protection_interval_bytes")
	# shellcheck disable=SC2034 # used by the check expressions
	MiB=$((1048576 / iv)) # intervals per MiB

	# MiB 0-1 written with PI, then trimmed in 4 KiB units; MiB 1-2 written, 32 scattered 4 KiB blocks trimmed.
	pi --rw=write --bs=64k --size=2m --iodepth=8
	check "2 MiB written with PI" 'ok'
	pi --rw=trim --bs=4k --size=1m --iodepth=8
	check "rw=trim of MiB 0-1, 4 KiB at qd8" 'ok && grep -q "issued rwts: total=0,0,256," <<<"$out"'
	pi --rw=read --bs=8k --size=1m --iodepth=4
	check "read of the trimmed MiB, pi_escape=fail: EILSEQ, the escape at LBA 0 named" \
		'eilseq && grep -q "^uring_pi: $dev: PI escape at LBA 0: app tag 0xffff" <<<"$out"'
	pi --rw=read --bs=8k --size=1m --iodepth=4 --pi_escape=accept --verify=pattern --verify_pattern=0 --verify_fatal=1
	check "read of the trimmed MiB, pi_escape=accept: passes, zeros (fio verify), every interval escaped" \
		'ok && [ "$(total checked)" = 0 ] && [ "$(total escaped)" = $MiB ]'
	runfio --name=t --filename="$dev" --direct=1 --pi_chk=GUARD,REFTAG --rw=read --bs=8k --size=1m
	check "read of the trimmed MiB, pi_act=1: the kernel's check passes escaped tuples" 'ok'
	pi --rw=randtrim --bs=4k --offset=1m --size=1m --number_ios=32 --iodepth=8
	check "rw=randtrim of 32 blocks of MiB 1-2" 'ok'
	pi --rw=read --bs=64k --offset=1m --size=1m --pi_escape=accept
	check "MiB 1-2 read back: the 32 trimmed blocks escaped, all else checked" \
		'ok && [ "$(total checked)" = $((MiB - 32 * 4096 / iv)) ] && [ "$(total escaped)" = $((32 * 4096 / iv)) ]'

	# trimwrite and randtrimwrite at qd32 on both ABIs: every block trimmed, written, read back and checked
	# (the engine runs a trim alone: with a write of the same block in flight beside it, QEMU's NVMe lost
	# the write), then the region read again with escapes failing.
	for abi in sqe128 attr; do
		for rw in trimwrite randtrimwrite; do
			pi --rw=$rw --bs=4k --offset=2m --size=2m --iodepth=32 --iodepth_batch_submit=8 --pi_abi=$abi \
				--verify=crc32c --do_verify=1 --verify_fatal=1
			check "rw=$rw at qd32, pi_abi=$abi: every block verified and checked" \
				'ok && [ "$(total checked)" = $((2 * MiB)) ] && [ "$(total generated)" = $((2 * MiB)) ]'
		done
	done
	pi --rw=read --bs=128k --offset=2m --size=2m
	check "the trimwritten region read again: no escape" 'ok && [ "$(total escaped)" = 0 ]'

	# QEMU's NVMe deallocating less than 4 KiB of its image (single 512-byte LBAs) zeroes the data and keeps
	# the old PI: the device's guard check fails the read, whatever pi_escape says. scsi_debug escapes them.
	if [ "$iv" = 512 ]; then
		pi --rw=write --bs=4k --offset=4m --size=4k
		pi --rw=trim --bs=512 --offset=4m --size=4k
		pi --rw=read --bs=4k --offset=4m --size=4k --pi_escape=accept
		case $name in
		nvme-*) check "512-byte trims, pi_escape=accept: the device's guard error (EILSEQ)" \
			'eilseq && grep -q "device 1 I/Os" <<<"$out"' ;;
		*) check "512-byte trims, pi_escape=accept: zeros, escaped" 'ok && [ "$(total escaped)" = 8 ]' ;;
		esac
	fi
}

shift
while [ $# -ge 2 ]; do cases "$1" "$2"; shift 2; done
done_tests
