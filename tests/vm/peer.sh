#!/usr/bin/env bash
# Runs in a guest: upstream fio 3.41's own PI support on the same cases, for
# comparison with the engine. Records what fio does; a case "meets" when fio
# did what a PI tool must do (write/read with PI pass, corruption caught).
#   tests/vm/peer.sh NAME DEV KERNEL [PHASE]
# Engines: io_uring (block device, attribute ABI) and io_uring_cmd (NVMe
# passthrough on the /dev/ngXnY char device of DEV).
# Lines: CASE <kernel> <device> fio-<engine> <case> expect=<x> seen=<y> meets|MISSES
set -u
name=$1 dev=$2 kernel=$3 phase=${4:-all}
cd "$(dirname "$0")/../.." || exit 1
FIO=build/fio/fio
ng=/dev/ng${dev#/dev/nvme}
blk=/sys/block/${dev#/dev/}
i=$(cat "$blk/integrity/protection_interval_bytes")
md=$(cat "$blk/metadata_bytes")
MEDIUM_LBA=${MEDIUM_LBA:-37}

# The verdict is on fio, not on this project: "meets" or "MISSES" (not counted as test failures).
report() {
	local r=MISSES
	[ "$3" = "$4" ] && r=meets
	echo "CASE $kernel $name fio-$1 $2 expect=$3 seen=$4 $r"
}

# peer ENGINE ARGS: fio's own engine on the device; $out, $rc.
peer() {
	local e=$1 f=$dev
	shift
	[ "$e" = io_uring_cmd ] && f=$ng
	out=$(timeout 300 "$FIO" --name=p --ioengine="$e" --filename="$f" --verify_state_save=0 "$@" 2>&1)
	rc=$?
}

# What fio did: pass (exit 0, no error), fail (exit non-zero with an error), crash (signal).
seen() {
	if [ "$rc" -ge 128 ] || grep -qiE 'segmentation fault|double free|core dumped|signal' <<<"$out"; then
		echo crash
	elif [ "$rc" -eq 0 ] && ! grep -qE 'err= *[1-9]' <<<"$out"; then
		echo pass
	else
		echo fail
	fi
}

for e in io_uring io_uring_cmd; do
	extra=()
	[ "$e" = io_uring ] && extra=(--direct=1)
	[ "$e" = io_uring_cmd ] && extra=(--cmd_type=nvme)
	pi=("${extra[@]}" --md_per_io_size=$((16 * md)) --bs=$((16 * i)) --pi_act=0 --apptag=0x1234)
	if [ "$phase" = medium-read ]; then
		peer $e "${pi[@]}" --rw=read --offset=0 --size=$((64 * i)) --pi_chk=GUARD,REFTAG,APPTAG
		report $e medium-corrupt-device-guard fail "$(seen)"
		peer $e "${pi[@]}" --rw=read --offset=0 --size=$((64 * i)) --pi_chk=REFTAG,APPTAG
		report $e medium-corrupt-host-guard fail "$(seen)"
		continue
	fi
	if [ "$phase" = medium-write ]; then
		[ "$e" = io_uring ] || continue
		peer $e "${pi[@]}" --rw=write --offset=0 --size=$((64 * i)) --pi_chk=GUARD,REFTAG,APPTAG
		report $e medium-write pass "$(seen)"
		continue
	fi
	base=$((8 * 1048576))
	peer $e "${pi[@]}" --rw=write --offset=$base --size=1m --pi_chk=GUARD,REFTAG,APPTAG
	report $e write-pi pass "$(seen)"
	peer $e "${pi[@]}" --rw=read --offset=$base --size=1m --pi_chk=GUARD,REFTAG,APPTAG
	report $e read-pi pass "$(seen)"
	peer $e "${pi[@]}" --rw=read --offset=$base --size=1m --pi_chk=GUARD,REFTAG,APPTAG --apptag=0x4321
	report $e apptag-mismatch-read fail "$(seen)"
	peer $e "${pi[@]}" --rw=read --offset=$base --size=1m --pi_chk=GUARD,REFTAG,APPTAG --apptag=0x12ff \
		--apptag_mask=0xff00
	report $e apptag-mismatch-masked pass "$(seen)"
	peer $e "${pi[@]}" --rw=read --offset=$base --size=1m --pi_chk=GUARD,REFTAG --apptag=0x5678
	report $e apptag-mismatch-unchecked pass "$(seen)"
	peer $e "${pi[@]}" --rw=write --offset=$base --size=1m
	report $e pi-chk-omitted pass "$(seen)"
	peer $e "${extra[@]}" --md_per_io_size=$((16 * md - 1)) --bs=$((16 * i)) --pi_act=0 --rw=write \
		--offset=$base --size=1m --pi_chk=GUARD
	report $e md-one-byte-short fail "$(seen)"
	peer $e "${extra[@]}" --md_per_io_size=$((16 * md)) --bs=$((i + i / 2)) --pi_act=0 --rw=write \
		--offset=$base --size=1m --pi_chk=GUARD
	report $e bs-not-multiple fail "$(seen)"
done
