#!/usr/bin/env bash
# The engine on the host (no PI there): ordinary jobs pass fio's own verify,
# bad input is refused with one clear line, foreign fio builds are refused.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"; [ -n "${loopdev:-}" ] && losetup -d "$loopdev"' EXIT
f=$tmp/data

help=$(LD_PRELOAD=$SAN_PRELOAD "$FIO" --enghelp="${ENGINE#external:}" 2>&1)
for o in md_per_io_size pi_act pi_chk apptag apptag_mask pi_abi pi_verify pi_inject pi_inject_pct pi_escape fixedbufs registerfiles; do
	grep -q "^$o " <<<"$help" && pass "enghelp lists $o" || fail "enghelp lists $o"
done

common=(--name=t --filename="$f" --size=16m --verify=crc32c --do_verify=1 --verify_fatal=1)
expect_ok "direct randwrite+verify qd32 batched" "${common[@]}" --rw=randwrite --bs=4k --direct=1 \
	--iodepth=32 --iodepth_batch_submit=8 --iodepth_batch_complete_min=4
grep -qE 'read: IOPS=' <<<"$out" && pass "verify phase read back the data" || fail "verify phase read back the data"
expect_ok "buffered write+verify qd8" "${common[@]}" --rw=write --bs=64k --direct=0 --iodepth=8
expect_ok "direct qd1 mixed bs" "${common[@]}" --rw=randwrite --bsrange=4k-128k --direct=1 --iodepth=1
expect_ok "fixedbufs + registerfiles qd16" "${common[@]}" --rw=randwrite --bs=8k --direct=1 --iodepth=16 \
	--fixedbufs --registerfiles
expect_ok "randrw 70/30 with fsync" --name=t --filename="$f" --size=16m --rw=randrw --rwmixread=70 --bs=4k \
	--direct=1 --iodepth=16 --fsync=32 --number_ios=4000

# A kernel short of resources (io_uring_submit -EAGAIN, nothing taken, 3 calls in 4) while I/O is in
# flight: what commit left queued is submitted when fio waits, so the job ends (it hung before).
if cc -O2 -shared -fPIC -o "$tmp/eagain.so" "$TOP/tests/host/submit_eagain.c" -ldl 2>"$tmp/cc.log"; then
	for d in 4 8; do
		out=$(EAGAIN_EVERY=4 timeout -k 5 30 env LD_PRELOAD="${SAN_PRELOAD:+$SAN_PRELOAD:}$tmp/eagain.so" \
			"$FIO" --aux-path="$AUX_PATH" --ioengine="$ENGINE" --thread --name=t \
			--filename="$f" --size=16m --rw=randwrite --bs=4k --direct=1 --iodepth=$d --number_ios=51 2>&1)
		rc=$?
		if san_ok "$out" && [ $rc -eq 0 ] && grep -q 'err= 0' <<<"$out" && grep -q 'issued rwts: total=0,51,' <<<"$out"; then
			pass "submit -EAGAIN with I/O in flight, qd$d: the job ends with all 51 writes"
		else
			fail "submit -EAGAIN with I/O in flight, qd$d (rc=$rc; 124/137: hung)$san_msg"
			printf '%s\n' "$out" | tail -n 5 | sed 's/^/     /'
		fi
	done
else
	fail "build the submit -EAGAIN shim: $(head -n 1 "$tmp/cc.log")"
fi

# A read that completes 0 bytes, or more than it asked (tests/vm/short_read.c changes its length at
# submission), fails, naming its offset: no residual, nothing checked past the buffers.
shim=$TOP/build/tests/short_read.so
if [ -f "$shim" ]; then
	for m in "zero 0" "double 8192"; do
		read -r mode n <<<"$m"
		expect_fail "a read of 4096 bytes completing $n bytes fails, naming its offset" \
			"^uring_pi: .*: a read of 4096 bytes at offset [0-9]+ completed $n bytes; failing it\$" \
			env SHORT_READ_MODE="$mode" LD_PRELOAD="${SAN_PRELOAD:+$SAN_PRELOAD:}$shim" "$FIO" --aux-path="$AUX_PATH" \
			--ioengine="$ENGINE" --name=t --filename="$f" --size=1m --rw=read --bssplit=4k/50:8k/50 --direct=1
	done
else
	fail "$shim is missing: make build/tests/short_read.so"
fi

# Every descriptor the engine opens on the file is closed (fio frees its file list before the
# engine's cleanup: registered files leaked). One process (--thread), traced (no LeakSanitizer under ptrace).
fds_left() { # fds_left FILE LOG: descriptors opened on FILE in the strace LOG and never closed
	local -A open=()
	local line
	while IFS= read -r line; do
		if [[ $line == *openat\(*\"$1\"* && $line =~ \=\ ([0-9]+)$ ]]; then
			open[${BASH_REMATCH[1]}]=1
		elif [[ $line =~ close\(([0-9]+)\)\ +=\ 0 ]]; then
			unset "open[${BASH_REMATCH[1]}]"
		fi
	done <"$2"
	echo "${#open[@]}"
}
if command -v strace >/dev/null; then
	for reg in "" --registerfiles; do
		strace -f -qq -e trace=openat,close -o "$tmp/strace.log" ${SAN_PRELOAD:+-E LD_PRELOAD=$SAN_PRELOAD -E ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0} \
			"$FIO" --aux-path="$AUX_PATH" --ioengine="$ENGINE" --thread --name=t \
			--filename="$f" --size=16m --rw=randwrite --bs=4k --direct=1 --iodepth=4 --number_ios=20 $reg \
			>"$tmp/fio.out" 2>&1
		left=$(fds_left "$f" "$tmp/strace.log")
		if san_ok "$(cat "$tmp/fio.out")" && [ "$left" = 0 ]; then pass "no descriptor left open ${reg:-without --registerfiles}"
		else fail "no descriptor left open ${reg:-without --registerfiles}: $left left$san_msg"; fi
	done
else
	skip "descriptor leak cases: strace unavailable"
fi

# Each of the engine's allocations failing in turn (tests/host/fail_alloc.c): one line, exit 1, no crash.
if cc -O2 -shared -fPIC -o "$tmp/fail_alloc.so" "$TOP/tests/host/fail_alloc.c" -ldl 2>"$tmp/cc.log"; then
	for n in 1 2 3 4 5 6 7; do
		# The shim before the ASan runtime, so that its allocation functions are the ones called.
		out=$(FAIL_ALLOC_IN=$(basename "${ENGINE#external:}") FAIL_ALLOC_NTH=$n ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 \
			timeout -k 5 30 env LD_PRELOAD="$tmp/fail_alloc.so${SAN_PRELOAD:+:$SAN_PRELOAD}" \
			"$FIO" --aux-path="$AUX_PATH" --ioengine="$ENGINE" --thread --name=t --filename="$f" --size=16m \
			--rw=randwrite --bs=4k --direct=1 --iodepth=4 --number_ios=20 --registerfiles 2>&1)
		rc=$?
		if san_ok "$out" && [ $rc -eq 1 ] && grep -q '^uring_pi: out of memory for ' <<<"$out"; then
			pass "allocation $n of the engine failing: refused with one line"
		else
			fail "allocation $n of the engine failing (rc=$rc; 139: crashed)$san_msg"
			printf '%s\n' "$out" | grep -v '^ *$' | tail -n 3 | sed 's/^/     /'
		fi
	done
else
	fail "build the allocation failure shim: $(head -n 1 "$tmp/cc.log")"
fi

# fio's verify sees what the engine read: a byte flipped on disk fails the job.
expect_ok "write a verifiable file" "${common[@]}" --rw=write --bs=4k --direct=1 --iodepth=4 --do_verify=0
printf '\xff\xfe' | dd of="$f" bs=1 seek=$((4096 * 100 + 2000)) conv=notrunc status=none
expect_err "corrupted block caught by fio verify through the engine" 'verify failed|bad (magic|header)|crc32c' \
	"${common[@]}" --rw=read --bs=4k --direct=1 --iodepth=4 --verify_only=1

if loopdev=$(losetup -f --show "$f" 2>/dev/null); then
	expect_ok "loop device direct write+verify" --name=t --filename="$loopdev" --size=16m --rw=randwrite \
		--bs=4k --direct=1 --iodepth=32 --verify=crc32c --do_verify=1
	BAD=devices BAD_TARGET=$loopdev BAD_DEV=$loopdev expect_err "PI on a device without integrity" \
		"^uring_pi: $loopdev: the kernel has no block integrity support" \
		--name=t --filename="$loopdev" --size=1m --rw=write --bs=4k --direct=1 --pi_act=0 --pi_chk=GUARD
else
	skip "loop device cases: losetup unavailable"
fi

# Bad input: one clear line, non-zero exit, nothing written to the file (tests/lib.sh records each:
# docs/bad-input.md).
pi=(--name=t --filename="$f" --size=1m --rw=write --bs=4k --pi_act=0)
opt() { BAD=options BAD_TARGET=$f expect_err "$@"; }
pattern_write "$f" 0
runfio --name=t --filename="$f" --size=1m --rw=write --bs=4k --direct=1
[ "$rc" = 0 ] && ! pattern_kept "$f" 0 && pass "a job that writes is seen to change the pattern" ||
	fail "a job that writes is seen to change the pattern (rc=$rc)"
opt "PI with buffered I/O" '^uring_pi: PI needs direct=1' "${pi[@]}" --direct=0 --pi_chk=GUARD
opt "unknown pi_chk word" '^uring_pi: pi_chk=GUARD,CRC: use a comma-separated subset' "${pi[@]}" \
	--direct=1 --pi_chk=GUARD,CRC
opt "pi_chk with a newline in it" '^uring_pi: pi_chk=GUARD\\x0aREFTAG: use a comma-separated subset' "${pi[@]}" \
	--direct=1 --pi_chk=$'GUARD\nREFTAG'
BAD=devices BAD_TARGET=$f expect_err "PI on a regular file" 'is not a block device; PI needs a block device' \
	"${pi[@]}" --direct=1 --pi_chk=GUARD
opt "unknown pi_abi value" '^fio: failed parsing pi_abi=sqe256$' "${pi[@]}" --direct=1 --pi_abi=sqe256
opt "unknown pi_inject value" '^fio: failed parsing pi_inject=crc$' "${pi[@]}" --direct=1 --pi_chk=GUARD \
	--pi_inject=crc
opt "unknown pi_escape value" '^fio: failed parsing pi_escape=ignore$' "${pi[@]}" --direct=1 --pi_chk=GUARD \
	--pi_escape=ignore
opt "pi_act out of range" '^max value out of range: 2 \(1 max\)$' "${pi[@]}" --direct=1 --pi_chk=GUARD --pi_act=2
opt "pi_inject_pct out of range" '^pi_inject_pct: max value out of range: 101 \(100 max\)$' "${pi[@]}" \
	--direct=1 --pi_chk=GUARD --pi_inject=guard --pi_inject_pct=101
opt "pi_inject without PI" '^uring_pi: pi_inject, pi_abi and pi_act=0 need PI on' --name=t --filename="$f" \
	--size=1m --rw=write --pi_inject=guard
opt "pi_act=0 without PI" '^uring_pi: pi_inject, pi_abi and pi_act=0 need PI on' "${pi[@]}" --direct=1
opt "apptag out of range" '^apptag: max value out of range: 65536 \(65535 max\)$' "${pi[@]}" --direct=1 \
	--pi_chk=APPTAG --apptag=0x10000
opt "apptag_mask out of range" '^apptag_mask: max value out of range' "${pi[@]}" --direct=1 --pi_chk=APPTAG \
	--apptag_mask=0x1ffff
opt "pi_inject with the escape app tag" '^uring_pi: pi_inject with apptag=0xffff: escaped intervals' \
	"${pi[@]}" --direct=1 --pi_chk=GUARD --pi_inject=guard --apptag=0xffff
opt "APPTAG with pi_act=1" '^uring_pi: pi_chk=GUARD,APPTAG with pi_act=1: the kernel checks the guard and ref tag only' \
	--name=t --filename="$f" --size=1m --rw=write --direct=1 --pi_chk=GUARD,APPTAG
opt "apptag with pi_act=1" '^uring_pi: apptag and apptag_mask need pi_act=0' --name=t --filename="$f" \
	--size=1m --rw=write --direct=1 --pi_chk=GUARD --apptag=0x4321
opt "apptag_mask with pi_act=1" '^uring_pi: apptag and apptag_mask need pi_act=0' --name=t --filename="$f" \
	--size=1m --rw=write --direct=1 --pi_chk=GUARD,REFTAG --apptag_mask=0xff00
opt "md_per_io_size with pi_act=1" 'md_per_io_size needs pi_act=0' --name=t --filename="$f" --size=1m \
	--rw=write --direct=1 --md_per_io_size=64

# A different fio build must be refused, with the reason, not a crash, before it writes.
cp "$FIO" "$tmp/fio-other"
objcopy --remove-section .note.gnu.build-id "$tmp/fio-other"
FIO=$tmp/fio-other BAD="fio builds" BAD_TARGET=$f expect_err "refused by a fio binary with another build-id" \
	'^uring_pi: this engine was built for the fio binary with build-id [0-9a-f]+, but runs inside another fio' \
	--name=t --filename="$f" --size=1m --rw=write
if [ -x /usr/bin/fio ]; then
	FIO=/usr/bin/fio BAD="fio builds" BAD_TARGET=$f expect_err "refused by Debian's fio $(/usr/bin/fio --version)" \
		'^uring_pi: this engine was built for the fio binary' --name=t --filename="$f" --size=1m --rw=write
fi
done_tests
