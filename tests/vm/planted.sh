#!/usr/bin/env bash
# The harness fails where it must: a test that boots guests, run with a defect planted, fails and
# names what failed. Planted: a guest that crashes after its last case (vm/vm.sh's
# URING_PI_GUEST_THEN='echo c >/proc/sysrq-trigger'): its cases printed, then exit 125.
# The matrix (one case), jobs.sh (one job file), trim.sh, soak.sh and kabi.sh (one guest each): about
# a minute. Each run writes under build/planted/NAME (TEST_OUT), apart from the tests' own output.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 1
out=build/planted
rm -rf "$out"
mkdir -p "$out"

# planted NAME REGEX COMMAND...: COMMAND, with the crash planted, exits non-zero and prints a line
# matching REGEX (the failure that names the guest).
planted() {
	local name=$1 re=$2 log=$out/$1.log rc
	shift 2
	TEST_OUT=$out/$name URING_PI_GUEST_THEN='echo c >/proc/sysrq-trigger' "$@" >"$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && grep -qE -- "$re" "$log"; then
		pass "$name: a guest crashed after its last case fails the test: $(grep -m 1 -E -- "$re" "$log" | cut -c1-120)"
	else
		fail "$name: a guest crashed after its last case (exit $rc; wanted a line /$re/; log: $log)"
		tail -n 8 "$log" | sed 's/^/     | /'
	fi
}

planted matrix '^CASE patched nvme-512-8-t1 sqe128 guest expect=exit-0 seen=exit-125 FAIL$' \
	env CASES=patched/nvme-512-8-t1/sqe128/seq-write-verify-qd1-bs1 tests/vm/matrix.sh
planted jobs '^FAIL build/planted/jobs/guest\.nvme-512-8-t1\.log: guest kernel oops, panic or stop \(exit 125\)' \
	tests/vm/jobs.sh jobs/perf/fill.fio
planted trim '^FAIL build/planted/trim/guest\.log: guest kernel oops' env TRIM_DEVICES=scsi-dif-crc tests/vm/trim.sh
planted soak '^FAIL build/planted/soak/guest\.log: guest kernel oops' tests/vm/soak.sh 5s
planted kabi '^FAIL patched-scsi: guest kernel oops' env KABI_PARTS=patched-scsi tests/vm/kabi.sh
done_tests
