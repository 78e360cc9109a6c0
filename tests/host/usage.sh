#!/usr/bin/env bash
# The harness's command lines: vm/vm.sh, vm/kernel.sh, scripts/job.sh and scripts/run.sh refuse bad ones with one
# line and a non-zero exit, before they boot, build or write anything (recorded: docs/bad-input.md).
# Nothing here boots a guest or builds a kernel: every trial is refused first.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$TOP" || exit 1
# A file that passes for a kernel image (-k PATH): the device checks come before the boot.
bz=$tmp/bzImage
: >"$bz"
vm=(vm/vm.sh -i "$tmp/vm")
harness() { # harness REGEX CMD...: CMD is refused with a line matching REGEX
	local re=$1; shift
	BAD=harness expect_fail "$*" "$re" "$@"
}
harness '^uring-pi: unknown option -x; vm/vm.sh -h shows the usage$' "${vm[@]}" -x -- true
harness '^uring-pi: no command given after --; vm/vm.sh -h shows the usage$' "${vm[@]}" -d nvme-512-8-t1
harness '^uring-pi: -k needs a value; vm/vm.sh -h shows the usage$' "${vm[@]}" -k
harness "^uring-pi: -t wants a number of seconds, not '10m'" "${vm[@]}" -t 10m -- true
harness "^uring-pi: -e wants NAME=VALUE, not 'DEV'" "${vm[@]}" -e DEV -- true
harness "^uring-pi: -p wants HOSTPORT:GUESTPORT, not '8765'" "${vm[@]}" -p 8765 -- true
harness "^uring-pi: -k: 'stokc' is neither a kernel of vm/kernel.sh (stock|patched|.*) nor a kernel image file" "${vm[@]}" -k stokc -- true
harness "^uring-pi: unknown device 'nvme-512-8-t9'; known: nvme-512-0 " "${vm[@]}" -k "$bz" -d nvme-512-8-t9 -- true
harness '^uring-pi: device nvme-512-8-t1 given twice$' "${vm[@]}" -k "$bz" -d nvme-512-8-t1,nvme-512-8-t1 -- true
harness '^uring-pi: only one scsi-\* device per guest' "${vm[@]}" -k "$bz" -d scsi-dif-crc,scsi-dif-ip -- true
harness '^uring-pi: usage: vm/kernel.sh stock\|patched' vm/kernel.sh
harness '^uring-pi: usage: vm/kernel.sh stock\|patched' vm/kernel.sh stokc
harness '^uring-pi: no job file jobs/pi-write.fio$' scripts/job.sh jobs/pi-write.fio
harness '^uring-pi: jobs/pi-write-verify.fio needs DEV \(e.g. DEV=/dev/nvme0n1\)$' env -u DEV scripts/job.sh jobs/pi-write-verify.fio
harness '^uring-pi: no job file jobs/pi-write.fio$' env JOB=jobs/pi-write.fio scripts/run.sh
done_tests
