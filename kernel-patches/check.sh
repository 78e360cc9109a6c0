#!/usr/bin/env bash
# make patches-check: the kernel series, one patch at a time, on a clean
# Debian linux-source-6.12 tree: each patch applies with `git am` and with
# `patch -p1` without fuzz, is `checkpatch.pl --strict` clean, and the
# kernel builds after it (bisectable); the final kernel boots and passes
# the kernel ABI test. Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
series=$SERIES
tarball=/usr/src/linux-source-6.12.tar.xz
work=$BUILD/patches-check
[ -f "$tarball" ] || die "$tarball missing: run scripts/deps-vm.sh"
. "$TOP/tests/lib.sh"
result() { if [ "$1" = 0 ]; then pass "$2"; else fail "$2"; fi; }

rm -rf "$work" && mkdir -p "$work/am" "$work/plain"
say "extracting two clean trees"
tar -xf "$tarball" -C "$work/am" --strip-components=1
tar -xf "$tarball" -C "$work/plain" --strip-components=1
git -C "$work/am" init -q
git -C "$work/am" add -f . >/dev/null
git -C "$work/am" -c user.name=base -c user.email=base@invalid commit -qm base

n=0
for p in $(series_files "$series"); do
	n=$((n + 1))
	git -C "$work/am" -c user.name=uring-pi -c user.email=devel@uring-pi.invalid am -q "$series/$p" >"$work/am.log" 2>&1
	result $? "$n $p: git am"
	patch -d "$work/plain" -p1 -F0 -s --no-backup-if-mismatch -i "$series/$p" >"$work/patch.log" 2>&1 &&
		! grep -qi 'fuzz\|offset' "$work/patch.log"
	result $? "$n $p: patch -p1 without fuzz"
	# The messages cite the mainline commits they follow, which the 6.12 base does not have.
	(cd "$work/am" && perl scripts/checkpatch.pl --strict -q --ignore UNKNOWN_COMMIT_ID "$series/$p") \
		>"$work/checkpatch-$n.log" 2>&1
	rc=$?; [ $rc = 0 ] || cat "$work/checkpatch-$n.log"
	result $rc "$n $p: checkpatch --strict"
	vm/kernel.sh tree "$work/am" >"$work/build-$n.log" 2>&1
	rc=$?; [ $rc = 0 ] || tail -n 20 "$work/build-$n.log"
	result $rc "$n $p: kernel builds"
done
# Files only in the built tree are build outputs; anything else differing is a patch problem.
# shellcheck disable=SC2143 # ! diff | grep -q would, with pipefail, take diff's status (1: trees differ)
[ -z "$(diff -rq -x .git "$work/plain" "$work/am" 2>/dev/null | grep -v "^Only in $work/am")" ]
result $? "git am and patch -p1 give the same sources"
var=URING_PI_DEV_NVME_512_8_T1
out=$(URING_PI_KERNEL_ARGS=nvme.io_queue_depth=2 "$TOP/vm/vm.sh" -k "$work/am/arch/x86/boot/bzImage" \
	-d nvme-512-8-t1 -i "$work/vm" -t 900 -- "build/tests/pi_abi_test \$$var" 2>&1)
rc=$?
printf '%s\n' "$out" | grep -E '^FAIL|passed'
result $rc "the final kernel boots and passes the kernel ABI test"
done_tests
