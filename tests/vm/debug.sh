#!/bin/bash
# Runs in a guest of the debug kernel (vm/kernel.sh patched-debug, tests/vm/kabi.sh):
#   [CASES=...] [FAULT_SIZE=8m] [FAULT_ABI=sqe128|attr] tests/vm/debug.sh DEV
# On the device, in this order: the matrix cases (tests/vm/cases.sh, which
# want a device nothing has written; ABI 1 on the guest's first device, ABI 2
# on its second, and so on); the kernel ABI test on both ABIs, misuse cases
# included; the same with kmalloc, page allocations and the device's bios
# failing on the test's task (pi_abi_test -t faults; FAULT_ABI: on that ABI only); fio jobs of the engine
# with the device's bios failing, on FAULT_SIZE (default 8m) of the device.
# CASES= selects matrix cases (tests/vm/cases.sh). Pinned pages must balance after each part
# and kmemleak must find nothing at the end; tests/vm/kabi.sh checks the
# kernel log for KASAN, lockdep, list corruption, WARNING and BUG.
# Each part prints its own "N passed, N failed"; so does this script.
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/lib.sh
FIO=build/fio/fio ENGINE=external:engines/uring_pi.so
dbg=/sys/kernel/debug
grep -q " $dbg debugfs" /proc/mounts || mount -t debugfs none $dbg
[ -e $dbg/kmemleak ] && echo clear >$dbg/kmemleak && pass "kmemleak is on" || fail "kmemleak is on (CONFIG_DEBUG_KMEMLEAK)"

# Pages pinned for I/O and not released yet (/proc/vmstat, per-CPU deltas folded in).
pins() {
	echo 1 >/proc/sys/vm/stat_refresh
	awk '/^nr_foll_pin_acquired /{ a = $2 } /^nr_foll_pin_released /{ r = $2 } END { print a - r }' /proc/vmstat
}
# balanced WHAT BEFORE: pins held now equal BEFORE (waiting up to 5 s for rings torn down late).
balanced() {
	i=0 now=$(pins)
	while [ "$now" != "$2" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); now=$(pins); done
	[ "$now" = "$2" ] && pass "$1: pinned pages balance ($2 held)" || fail "$1: pinned pages balance ($2 held before, $now after)"
}

dev=$1
# The device's name and place in the guest's table (vm/vm.sh writes it).
line=$(grep -n " $dev\$" "$URING_PI_DEVICES" | head -n 1)
name=$(echo "${line#*:}" | cut -d' ' -f1)
[ -n "$name" ] || { echo "tests/vm/debug.sh: $dev is not a device of this guest"; exit 2; }
{
	# The matrix cases first: they expect a device nothing has written yet.
	p=$(pins)
	[ $((${line%%:*} % 2)) = 1 ] && abi=sqe128 || abi=attr
	tests/vm/cases.sh "$name" "$dev" patched-debug "$abi"
	balanced "$name: matrix cases, $abi" "$p"
	p=$(pins)
	PINS_N=100 build/tests/pi_abi_test "$dev"
	balanced "$name: kernel ABI test, both ABIs" "$p"
	p=$(pins)
	build/tests/pi_abi_test ${FAULT_ABI:+-a "$FAULT_ABI"} -t faults "$dev"
	balanced "$name: kernel ABI test under faults" "$p"

	# fio with the device's bios failing (fail_make_request only: kmalloc and page allocations
	# failing in fio's own exec and page faults would kill it before any I/O): each run ends,
	# passing or with an error fio reports, after it wrote (a run that fails at set-up tests
	# nothing); never a PI error.
	p=$(pins)
	n=0 errs=0
	for abi in sqe128 attr; do
		for bs in 4k 1028k; do
			n=$((n + 1))
			echo 2 >$dbg/fail_make_request/probability
			out=$(timeout -k 5 300 sh -c 'echo 1 >/proc/self/make-it-fail && exec "$@"' sh "$FIO" --name=f \
				--ioengine=$ENGINE --filename="$dev" --direct=1 --pi_act=0 --pi_chk=GUARD,REFTAG,APPTAG --pi_abi=$abi --rw=write --bs=$bs \
				--size="${FAULT_SIZE:-8m}" --iodepth=4 --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 2>&1)
			rc=$?
			echo 0 >$dbg/fail_make_request/probability
			what="$name: fio $abi bs=$bs write+verify under faults"
			if [ $rc -ge 124 ]; then
				fail "$what: hung or killed (exit $rc)"
			elif echo "$out" | grep -qE 'err=84|Invalid or incomplete multibyte|uring_pi: .* (guard|ref tag|app tag)'; then
				fail "$what: a PI error"; echo "$out" | tail -n 5
			elif [ $rc -eq 0 ] && echo "$out" | grep -q 'err= 0' && echo "$out" | grep -q ', 0 errors ('; then
				pass "$what: passed"
			elif ! echo "$out" | grep -qE 'uring_pi: PI summary: [1-9][0-9]* intervals generated'; then
				fail "$what: no I/O done (exit $rc; set-up failed?)"; echo "$out" | tail -n 5
			elif [ $rc -ne 0 ] && echo "$out" | grep -qE 'err= *[1-9]|fio: |error'; then
				errs=$((errs + 1))
				pass "$what: failed with an error fio reports ($(echo "$out" | grep -m 1 -oE 'err= *[0-9]+[^:]*: [^,]*|error=[^ ]*' || echo "exit $rc"))"
			else
				fail "$what: exit $rc without an error report"; echo "$out" | tail -n 5
			fi
		done
	done
	echo "fio under faults: $n runs, $errs failed with an error"
	balanced "$name: fio under faults" "$p"
	out=$("$FIO" --name=after --ioengine=$ENGINE --filename="$dev" --direct=1 --pi_act=0 --pi_chk=GUARD,REFTAG,APPTAG --rw=write --bs=64k \
		--size="${FAULT_SIZE:-8m}" --verify=crc32c --do_verify=1 --verify_state_save=0 2>&1)
	rc=$?
	[ $rc -eq 0 ] && echo "$out" | grep -q ', 0 errors (' && pass "$name: PI write+verify after the faults" ||
		{ fail "$name: PI write+verify after the faults"; echo "$out" | tail -n 5; }

}

# kmemleak reports objects unreferenced in a scan and older than 5 s: scan twice.
if [ -e $dbg/kmemleak ]; then
	echo scan >$dbg/kmemleak; sleep 6; echo scan >$dbg/kmemleak
	leaks=$(cat $dbg/kmemleak)
	[ -z "$leaks" ] && pass "kmemleak: no unreferenced object" ||
		{ fail "kmemleak: $(echo "$leaks" | grep -c '^unreferenced object') unreferenced objects"; echo "$leaks" | head -n 40; }
fi
done_tests
