#!/usr/bin/env bash
# The kernel ABI test (tests/kabi/pi_abi_test.c) in guests:
#   patched: every case of both ABIs on three NVMe formats, with a depth-2
#            NVMe queue so that I/O gets retried (IOPOLL rings, pinned-page
#            balance, read-only metadata, files without metadata included);
#            the SCSI app tag refusal and tuples split across pages (several
#            integrity segments) on scsi_debug; the device checks under
#            an in-kernel PI producer (tests/kabi/lio.sh); after each guest
#            its kernel log must have no WARNING, BUG or Oops;
#   patched-debug: the patched kernel with KASAN, kmemleak, lockdep, list
#            debugging and fault injection (vm/guest-debug.config): the ABI
#            test, the same under failing allocations and bios, fio under
#            faults and matrix cases, pinned pages and kmemleak checked
#            (tests/vm/debug.sh); its log must have no KASAN, lockdep or
#            kmemleak report either;
#   stock, mainline (make check: debian-6.12 and distro, Debian's prebuilt
#            6.12 and 7.x, standing for them; make check-full: both kinds):
#            the extended SQE (and on 6.12 the attribute ABI too) is never
#            honoured silently.
# make check runs the debug kernel's matrix cases that take the kernel's PI
# paths (the matrix runs them all on the patched kernel) and fio under
# faults on a smaller region, and the ABI test under faults on the attribute
# ABI only; make check-full (FULL=1) all of them, both ABIs, and on a second
# device. The pin-balance cases: 100 I/Os of each kind in make check
# (a leak of one page per I/O shows as 100), 1000 in make check-full.
# KABI_PARTS=LABEL[,LABEL...] runs only those guests (patched, patched-scsi, ...).
# Ends with "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
. "$TOP/tests/lib.sh" # bad_input_kabi: the misuse cases as bad input records
cd "$TOP" || exit 1
out=${TEST_OUT:-build/kabi}
mkdir -p "$out"
# The matrix cases the debug kernel runs in make check: those that take the kernel's PI paths
# (submission, splitting, completion, the device's errors); the refusals and the engine's own rules
# do not reach the kernel.
DEBUG_CASES="kernel-pi-write-verify,rand-write-verify-qd32-bs1..16,short-read-checked,apptag-mismatch-read"
DEBUG_CASES+=",inject-guard-50pct"
# What must not be in a guest's kernel log (KASAN reports say "BUG: KASAN", lockdep's "WARNING: possible ...").
KERNEL_LOG_BAD='WARNING|BUG|Oops|KASAN|kmemleak: .*suspected|lockdep is turned off|list_(add|del) corruption'

# run LABEL KERNEL COMMAND DEVICE...: COMMAND DEV on each device in one guest (log: LABEL.log); false
# when KABI_PARTS leaves it out.
run() {
	local label=$1 kernel=$2 cmd=$3 script="" d log=$out/$1.log
	shift 3
	[ -z "${KABI_PARTS:-}" ] || in_list "$label" "$KABI_PARTS" || return 1
	for d in "$@"; do script="$script echo \"== $d\"; $cmd \$$(dev_var "$d");"; done
	echo "== $label: $cmd on $*"
	# the kernel, built unless it is (a build under way is waited for)
	vm/kernel.sh "$kernel" >"$out/kernel-$kernel.log" 2>&1 ||
		{ fail "$label: kernel $kernel not built (log: $out/kernel-$kernel.log)"; return; }
	rm -f "$out/$label.dmesg"
	# two vCPUs for the debug kernel (make check gives the other guests one): lockdep and KASAN want concurrency
	local smp=${URING_PI_QEMU_SMP:-2}
	[ "$kernel" != patched-debug ] || smp=2
	URING_PI_QEMU_SMP=$smp URING_PI_KERNEL_ARGS=nvme.io_queue_depth=2 vm/vm.sh -k "$kernel" -d "$(echo "$*" | tr ' ' ,)" \
		-i "$out/images" -t 1800 --dmesg "$out/$label.dmesg" -- "$script" >"$log" 2>&1
	local rc=$?
	grep -E '^(FAIL|skip|==|lio.sh)' "$log"
	local p0=$npass f0=$nfail line
	while read -r line; do counts_add "$line"; done < <(grep -E "$RESULT_RE" "$log")
	if grep -qE "$RESULT_RE" "$log"; then
		guest_ok "$label" "$rc" "$log"
		# each device's part ended with its result line
		for d in "$@"; do
			awk -v d="== $d" -v re="$RESULT_RE" '$0 == d { on = 1; next } on && /^== [^[]/ { exit } on && $0 ~ re { n++ }
				END { exit !n }' "$log" || fail "$label: no result line after \"== $d\" (log: $log)"
		done
	else
		fail "$label: the test did not run (exit $rc)"; tail -n 5 "$log"
	fi
	if [ -f "$out/$label.dmesg" ] && grep -E "$KERNEL_LOG_BAD" "$out/$label.dmesg"; then
		fail "$label: the kernel log has a WARNING, BUG, Oops or a debugging report"
	else
		pass "$label: the kernel log has no WARNING, BUG, Oops or debugging report"
	fi
	echo "$label: $((npass - p0)) passed, $((nfail - f0)) failed"
}

t=build/tests/pi_abi_test
pins=100
[ "${FULL:-}" != 1 ] || pins=1000
run patched patched "PINS_N=$pins VERBOSE=1 $t" nvme-512-8-t1 nvme-4k-16-t1 nvme-4k-64-last &&
	bad_input_kabi "$out/patched.log" patched
run patched-scsi patched "VERBOSE=1 $t -t scsi-apptag,split" scsi-dif-crc &&
	bad_input_kabi "$out/patched-scsi.log" patched
run patched-lio patched "tests/kabi/lio.sh" nvme-512-8-t1
run stock "$STOCK" "$t -e" nvme-512-8-t1
run distro distro "$t -e -a sqe128" nvme-512-8-t1
[ "${FULL:-}" != 1 ] || { run debian-6.12 debian-6.12 "$t -e" nvme-512-8-t1; run mainline mainline "$t -e -a sqe128" nvme-512-8-t1; }
if [ "${FULL:-}" = 1 ]; then
	run patched-debug patched-debug tests/vm/debug.sh nvme-512-8-t1 nvme-4k-16-t1
else
	run patched-debug patched-debug "CASES=$DEBUG_CASES FAULT_SIZE=2m FAULT_ABI=attr tests/vm/debug.sh" nvme-512-8-t1
fi
done_tests
