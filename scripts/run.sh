#!/usr/bin/env bash
# make run: the main job. Prepares what is missing, boots KERNEL with DEVICE
# in QEMU and runs JOB there through the engine.
#   KERNEL: patched (default), stock, mainline, distro, or a path to a bzImage
#   DEVICE: a device of vm/vm.sh (default nvme-512-8-t1)
#   JOB:    a job file of jobs/ (default jobs/pi-write-verify.fio)
#   and any parameter of the job's "# default" lines (e.g. SIZE=64m)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
KERNEL=${KERNEL:-patched}
DEVICE=${DEVICE:-nvme-512-8-t1}
JOB=${JOB:-jobs/pi-write-verify.fio}
cd "$TOP"
[ -f "$JOB" ] || die "no job file $JOB"
say "[1/3] engine, pinned fio, isa-l"
make -s all
case "$KERNEL" in
*/*) [ -f "$KERNEL" ] || die "no kernel image $KERNEL" ;;
*)   say "[2/3] kernel '$KERNEL' (a first build takes 10-15 minutes)"; vm/kernel.sh "$KERNEL" >/dev/null ;;
esac
# The job's parameters set here (make run JOB=... SIZE=64m) go to the guest, over its defaults.
params=()
# shellcheck disable=SC2013 # variable names, one a line
for v in $(sed -n 's/^# default \([A-Z_][A-Z0-9_]*\)=.*/\1/p' "$JOB"); do
	[ -z "${!v+set}" ] || params+=(-e "$v=${!v}")
done
say "[3/3] booting '$KERNEL' with $DEVICE, running $JOB"
exec vm/vm.sh -k "$KERNEL" -d "$DEVICE" -t "${TIMEOUT:-1200}" "${params[@]}" -- "DEV=\$$(dev_var "$DEVICE") scripts/job.sh $JOB"
