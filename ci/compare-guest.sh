#!/bin/bash
# Guest side of ci/compare.sh (run by ci/vm.sh in the guest, in the repository):
# fills the device once, finds the PI modes this kernel supports, runs every
# job of $JOBS in every mode with fio's JSON output, then prints each result
# between marker lines for the host to split:
#   @@@ uring-pi-compare BEGIN JOB MODE     ...json...    @@@ uring-pi-compare END
# Environment: DEV (default: the first device), JOBS (job file names under
# jobs/perf/, without .fio), MODES (auto or a list of off kernel engine-sqe128
# engine-attr), RUNTIME, RAMP, SIZE, THINKTIME (passed to the job files).
set -uo pipefail
cd "$(dirname "$0")/.."
FIO=build/fio/fio
DEV=${DEV:-$(awk 'NR == 1 { print $2 }' "$URING_PI_DEVICES")}
export DEV
out=/tmp/compare
mkdir -p "$out"

# PI mode -> job file variables
mode_env() {
	case $1 in
	off) echo "PI_CHK=off PI_ACT=1 PI_ABI=auto" ;;
	kernel) echo "PI_CHK=GUARD,REFTAG PI_ACT=1 PI_ABI=auto" ;;
	engine-sqe128) echo "PI_CHK=GUARD,REFTAG PI_ACT=0 PI_ABI=sqe128" ;;
	engine-attr) echo "PI_CHK=GUARD,REFTAG PI_ACT=0 PI_ABI=attr" ;;
	*) return 1 ;;
	esac
}

# A mode is supported when a 4 KiB read in it succeeds (the engine refuses an
# ABI the kernel ignores before any I/O).
probe() {
	local env
	env=$(mode_env "$1") || return 1
	(
		export $env
		"$FIO" --name=probe --ioengine=external:engines/uring_pi.so --filename="$DEV" --direct=1 \
			--rw=read --bs=4k --size=4k --pi_chk="$PI_CHK" --pi_act="$PI_ACT" --pi_abi="$PI_ABI"
	) >"$out/probe.log" 2>&1
}

ci/job.sh jobs/perf/fill.fio --output="$out/fill.log" >/dev/null 2>&1 ||
	echo "uring-pi: compare: filling $DEV failed" >&2

modes=()
for m in $([ "${MODES:-auto}" = auto ] && echo off kernel engine-sqe128 engine-attr || echo "$MODES"); do
	if probe "$m"; then
		modes+=("$m")
	else
		echo "uring-pi: compare: mode $m not supported on ${URING_PI_KERNEL:-this kernel}: $(grep -m 1 -E 'uring_pi|fio:' "$out/probe.log")" >&2
	fi
done
echo "@@@ uring-pi-compare MODES ${modes[*]}"

# Reads first, writes last: overlapping writes in flight can leave a block whose data and
# PI come from two different writes (QEMU's NVMe writes them separately), which a later
# PI-checked read would fail.
jobs=$(for j in ${JOBS:-randread-4k randwrite-4k seqread-128k}; do echo "$j"; done | grep -v write)
jobs="$jobs $(for j in ${JOBS:-randread-4k randwrite-4k seqread-128k}; do echo "$j"; done | grep write)"
rc=0
for j in $jobs; do
	for m in "${modes[@]}"; do
		env $(mode_env "$m") ci/job.sh "jobs/perf/$j.fio" --output-format=json --output="$out/$j.$m.json" \
			>"$out/$j.$m.log" 2>&1 || {
			echo "uring-pi: compare: $j in mode $m failed: $(tail -n 3 "$out/$j.$m.log" | tr '\n' ' ')" >&2
			rc=1
			continue
		}
		echo "@@@ uring-pi-compare BEGIN $j $m"
		cat "$out/$j.$m.json"
		echo "@@@ uring-pi-compare END"
	done
done
exit $rc
