#!/usr/bin/env bash
# The kernel ABI test (tests/kabi/pi_abi_test.c) in guests:
#   patched: every case of both ABIs on three NVMe formats, with a depth-2
#            NVMe queue so that I/O gets retried (IOPOLL rings, pinned-page
#            balance, read-only metadata, files without metadata included);
#            the SCSI app tag refusal on scsi_debug; the device checks under
#            an in-kernel PI producer (tests/kabi/lio.sh); after each guest
#            its kernel log must have no WARNING, BUG or Oops;
#   patched-debug: the patched kernel with KASAN, kmemleak, lockdep, list
#            debugging and fault injection (vm/guest-debug.config): the ABI
#            test, the same under failing allocations and bios, fio under
#            faults and matrix cases, pinned pages and kmemleak checked
#            (tests/vm/debug.sh); its log must have no KASAN, lockdep or
#            kmemleak report either;
#   stock, distro (and mainline in make check-full): the extended SQE (and
#            on stock the attribute ABI too) is never honoured silently.
# Ends with "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
. "$TOP/tests/lib.sh" # bad_input_kabi: the misuse cases as bad input records
cd "$TOP" || exit 1
out=build/kabi
mkdir -p "$out"
# What must not be in a guest's kernel log (KASAN reports say "BUG: KASAN", lockdep's "WARNING: possible ...").
KERNEL_LOG_BAD='WARNING|BUG|Oops|KASAN|kmemleak: .*suspected|lockdep is turned off|list_(add|del) corruption'

# run LABEL KERNEL COMMAND DEVICE...: COMMAND DEV on each device in one guest (log: LABEL.log).
run() {
	local label=$1 kernel=$2 cmd=$3 script="" d log=$out/$1.log
	shift 3
	for d in "$@"; do script="$script echo \"== $d\"; $cmd \$$(dev_var "$d");"; done
	echo "== $label: $cmd on $*"
	rm -f "$out/$label.dmesg"
	URING_PI_KERNEL_ARGS=nvme.io_queue_depth=2 vm/vm.sh -k "$kernel" -d "$(echo "$*" | tr ' ' ,)" \
		-i build/vm-kabi -t 1800 --dmesg "$out/$label.dmesg" -- "$script" >"$log" 2>&1
	local rc=$?
	grep -E '^(FAIL|skip|==|lio.sh)' "$log"
	local p0=$npass f0=$nfail line
	while read -r line; do counts_add "$line"; done < <(grep -E "$RESULT_RE" "$log")
	grep -qE "$RESULT_RE" "$log" || { fail "$label: the test did not run (exit $rc)"; tail -n 5 "$log"; }
	if [ -f "$out/$label.dmesg" ] && grep -E "$KERNEL_LOG_BAD" "$out/$label.dmesg"; then
		fail "$label: the kernel log has a WARNING, BUG, Oops or a debugging report"
	else
		pass "$label: the kernel log has no WARNING, BUG, Oops or debugging report"
	fi
	echo "$label: $((npass - p0)) passed, $((nfail - f0)) failed"
}

# make check-full (MATRIX_ARGS=--full) adds mainline; make check has Debian's 7.x kernel for a mainline one.
kernels="stock patched patched-debug distro"
[ "${MATRIX_ARGS:-}" = --full ] && kernels="$kernels mainline"
for k in $kernels; do
	vm/kernel.sh "$k" >"$out/kernel-$k.log" 2>&1 || fail "$k: kernel not built (log: $out/kernel-$k.log)"
done
t=build/tests/pi_abi_test
run patched patched "VERBOSE=1 $t" nvme-512-8-t1 nvme-4k-16-t1 nvme-4k-64-last
bad_input_kabi "$out/patched.log" patched
run patched-scsi patched "VERBOSE=1 $t -t scsi-apptag" scsi-dif-crc
bad_input_kabi "$out/patched-scsi.log" patched
run patched-lio patched "tests/kabi/lio.sh" nvme-512-8-t1
# make check: one device (~6 minutes under KASAN); make check-full adds a 4096+16 one.
debug_devs=nvme-512-8-t1
[ "${MATRIX_ARGS:-}" = --full ] && debug_devs="$debug_devs nvme-4k-16-t1"
# shellcheck disable=SC2086 # debug_devs: device names, one word each
run patched-debug patched-debug tests/vm/debug.sh $debug_devs
run stock stock "$t -e" nvme-512-8-t1
[ "${MATRIX_ARGS:-}" = --full ] && run mainline mainline "$t -e -a sqe128" nvme-512-8-t1
run distro distro "$t -e -a sqe128" nvme-512-8-t1
done_tests
