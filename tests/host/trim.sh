#!/usr/bin/env bash
# Trims through the engine on the host (PI off): fio's rw=trim, randtrim and trimwrite go to the block
# device's io_uring discard command; where the kernel has none, BLKDISCARD, as fio's io_uring engine does.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"; [ -n "${loopdev:-}" ] && losetup -d "$loopdev"' EXIT
f=$tmp/data
truncate -s 16m "$f"

# zero_blocks FROM COUNT: how many of the COUNT 4 KiB blocks from block FROM of the loop device are all zero.
zero_blocks() {
	python3 -c 'import sys
f = open(sys.argv[1], "rb"); f.seek(int(sys.argv[2]) * 4096)
print(sum(f.read(4096) == bytes(4096) for _ in range(int(sys.argv[3]))))' "$loopdev" "$1" "$2"
}
fill() { runfio --name=fill --filename="$loopdev" --direct=1 --rw=write --bs=64k --size=16m --iodepth=8; }

if loopdev=$(losetup -f --show "$f" 2>/dev/null); then
	fill
	expect_ok "rw=trim, 128 x 64 KiB at qd8" --name=t --filename="$loopdev" --direct=1 --rw=trim --bs=64k \
		--size=8m --iodepth=8
	grep -q 'issued rwts: total=0,0,128,' <<<"$out" && pass "rw=trim issued 128 trims" ||
		fail "rw=trim issued 128 trims: $(grep -o 'issued rwts: [^ ]*' <<<"$out")"
	z=$(zero_blocks 0 4096)
	[ "$z" = 2048 ] && pass "rw=trim: the 8 MiB trimmed read back zero, the 8 MiB after it did not" ||
		fail "rw=trim: $z zero 4 KiB blocks, want 2048 (the trimmed 8 MiB)"

	fill
	expect_ok "rw=randtrim, 64 x 4 KiB at qd16" --name=t --filename="$loopdev" --direct=1 --rw=randtrim --bs=4k \
		--size=16m --iodepth=16 --number_ios=64
	z=$(zero_blocks 0 4096)
	[ "$z" = 64 ] && pass "rw=randtrim: 64 distinct blocks read back zero" || fail "rw=randtrim: $z zero blocks, want 64"

	expect_ok "rw=trimwrite at qd16, every block verified" --name=t --filename="$loopdev" --direct=1 --rw=trimwrite \
		--bs=4k --size=16m --iodepth=16 --verify=crc32c --do_verify=1 --verify_fatal=1
	grep -q 'issued rwts: total=4096,4096,4096,' <<<"$out" && pass "rw=trimwrite: 4096 trims, writes and verify reads" ||
		fail "rw=trimwrite: $(grep -o 'issued rwts: [^ ]*' <<<"$out")"
else
	skip "loop device cases: losetup unavailable"
fi

# A regular file has no io_uring discard (-EOPNOTSUPP): the engine goes on with BLKDISCARD, which a
# file refuses (ENOTTY, an error only the ioctl gives).
expect_err "no io_uring discard: BLKDISCARD instead, its error reported" \
	'fio: io_u error on file .*/data: Inappropriate ioctl for device: trim offset=0, buflen=4096' \
	--name=t --filename="$f" --direct=1 --rw=trim --bs=4k --size=1m --iodepth=4
done_tests
