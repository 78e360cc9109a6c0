#!/bin/bash
# vm/vm.sh [-k KERNEL] [-d DEVICES] [-t SECONDS] [-i IMAGEDIR] [--keep-images] [--dmesg FILE]
#          [-e NAME=VALUE]... [-p HOSTPORT:GUESTPORT]... [-v] -- COMMAND...
# Boots a QEMU guest (TCG) whose root is this machine's root, read-only, over virtio-9p,
# with the PI devices named in DEVICES, runs COMMAND in the guest in the current directory
# (same path as on the host) and returns COMMAND's stdout, stderr and exit status.
#   -k KERNEL   a kernel of vm/kernel.sh (KERNEL_NAMES in scripts/lib.sh) or a path to a bzImage (default: stock)
#   -d DEVICES  comma-separated device names from the table below (default: none)
#   -t SECONDS  time limit for the whole guest run, boot included (default: 600); exit 124 when reached
#   -i IMAGEDIR where disk images and console logs live (default: $BUILD/vm)
#   --keep-images  reuse existing disk images in IMAGEDIR (created if missing) instead of fresh ones
#   --dmesg FILE   save the guest's kernel log (taken after COMMAND) to FILE
#   -e NAME=VALUE  export a variable to COMMAND (repeatable)
#   -p HOSTPORT:GUESTPORT  give the guest a network (QEMU user networking: the guest is 10.0.2.15 and
#               reaches nothing but the host's forwards) and forward TCP 127.0.0.1:HOSTPORT to its
#               GUESTPORT (repeatable); e.g. a "fio --server" in the guest driven by fio --client
#   -v          copy the guest console to stderr as it runs
# One argument after -- is a shell script (sh -c 'ARG'); several are a command and its arguments.
# In the guest: /run/uring-pi/devices has one line "NAME /dev/DEV" per device, and
# URING_PI_DEV_<NAME, upper case, - as _>=/dev/DEV is exported (e.g. URING_PI_DEV_NVME_512_8_T1);
# URING_PI_KERNEL is the kernel name; /tmp, /run, /var/tmp, /root and /dev/shm are writable tmpfs.
# Environment: URING_PI_KERNEL_ARGS (extra kernel parameters; MODULE.PARAM=VALUE works for the distro
# kernel's modules too), URING_PI_DISK_MIB (data size of every device, 256), URING_PI_BOOT_LIMIT (s, 180),
# URING_PI_QEMU_CPU (max), URING_PI_QEMU_ACCEL (tcg), URING_PI_QEMU_SMP (vCPUs, 2), URING_PI_QEMU_ARGS
# (more QEMU options, split at spaces; e.g. "-trace pci_nvme_dif_rw -D FILE" logs each NVMe PI command),
# URING_PI_GUEST_THEN (a shell command the guest runs after COMMAND, for tests of the harness: e.g.
# "echo c >/proc/sysrq-trigger" crashes the guest after COMMAND's last line, tests/vm/planted.sh),
# URING_PI_TIMING (real, or icount[:SHIFT]: the guest's clock counts its instructions, 2^SHIFT ns
# each (default 4): one vCPU, single-threaded TCG, -icount sleep=off, and the guest kernel's idle=poll
# (an idle vCPU would jump the clock to its next timer). scsi_debug's I/O then costs guest instructions
# only; QEMU 7.2's NVMe model, which completes on host threads, is paced to about one completion per
# ms of guest time (docs/perf.md, section 7; make compare's TIMING=).
# Exit status: COMMAND's; 124 on timeout; 125 when the guest kernel panicked, oopsed or hit a BUG
# (or stopped before COMMAND finished); 2 on a usage error; 1 when the run cannot be set up
# (unknown device, kernel not built, ...).
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

# The devices: vm/devices (name kind lbs ms pi pil pif guard ...), "none" for no device.
DEVICE_NAMES="$(device_names "") none"
DATA_MIB=${URING_PI_DISK_MIB:-256} # data capacity of every device

usage() {
	sed -n '2,/^set -e/p' "$0" | sed -e '/^set -e/d' -e 's/^# \{0,1\}//' >&2
	# shellcheck disable=SC2086,SC2116 # echo of the unquoted list joins its lines into one
	echo "devices: $(echo $DEVICE_NAMES)" >&2
	exit 2
}
# bad_usage WHAT: a usage error in one line, exit 2.
bad_usage() { echo "uring-pi: $*; vm/vm.sh -h shows the usage" >&2; exit 2; }

# parse_args ARGS...: the options into globals, COMMAND into cmd.
parse_args() {
	kernel=stock devices=none limit=600 imagedir='' keep=0 dmesg_to='' verbose=0
	extra_env=() fwds=
	while [ $# -gt 0 ]; do
		case $1 in -k | -d | -t | -i | -e | -p | --dmesg) [ $# -ge 2 ] || bad_usage "$1 needs a value" ;; esac
		case $1 in
		-k) kernel=${2:?}; shift 2 ;;
		-d) devices=${2:?}; shift 2 ;;
		-t) limit=${2:?}; shift 2 ;;
		-i) imagedir=${2:?}; shift 2 ;;
		-e) extra_env+=("${2:?}"); shift 2 ;;
		-p)
			[[ ${2:-} =~ ^[0-9]+:[0-9]+$ ]] || bad_usage "-p wants HOSTPORT:GUESTPORT, not '${2:-}'"
			fwds+=",hostfwd=tcp:127.0.0.1:${2%:*}-:${2#*:}"
			shift 2
			;;
		-v) verbose=1; shift ;;
		--keep-images) keep=1; shift ;;
		--dmesg) dmesg_to=${2:?}; shift 2 ;;
		--) shift; break ;;
		-h | --help) usage ;;
		*) bad_usage "unknown option $1" ;;
		esac
	done
	[ $# -gt 0 ] || bad_usage "no command given after --"
	cmd=("$@")
	[[ $limit =~ ^[0-9]+$ ]] && [ "$limit" -gt 0 ] || bad_usage "-t wants a number of seconds, not '$limit'"
	for e in "${extra_env[@]}"; do
		[[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || bad_usage "-e wants NAME=VALUE, not '$e'"
	done
}

# find_kernel: the image (bz) and initrd of -k.
find_kernel() {
	initrd=
	if is_kernel_name "$kernel"; then
		bz=$(kernel_image "$kernel")
		case $(kernel_field "$kernel" source) in distro*) initrd=$(dirname "$bz")/initrd ;; esac
		[ -f "$bz" ] && { [ -z "$initrd" ] || [ -f "$initrd" ]; } ||
			die "no $kernel kernel at $bz; build it with: vm/kernel.sh $kernel"
	else
		bz=$kernel
		[ -f "$bz" ] || die "-k: '$kernel' is neither a kernel of vm/kernel.sh (${KERNEL_NAMES// /|}) nor a kernel image file"
		bz=$(cd "$(dirname "$bz")" && pwd)/$(basename "$bz")
		kernel=custom
	fi
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing; run scripts/deps-vm.sh"
	[ -x /bin/busybox ] || die "/bin/busybox is missing (the guest init uses it); run scripts/deps-vm.sh"
}

# attach_devices: -d as QEMU options (qdev), their NAME:KIND list (want), scsi_debug's settings.
attach_devices() {
	imagedir=${imagedir:-$BUILD/vm}
	mkdir -p "$imagedir/logs"
	imagedir=$(cd "$imagedir" && pwd)
	exec 8>"$imagedir/.lock"
	flock -n 8 || { say "another vm/vm.sh uses $imagedir; waiting"; flock 8; }

	qdev=() want='' scsi_guard='' scsi_lbs='' scsi_type='' n=0
	IFS=, read -r -a devlist <<<"$devices"
	for d in "${devlist[@]}"; do
		[ -n "$d" ] && [ "$d" != none ] || continue
		# shellcheck disable=SC2086,SC2116 # echo of the unquoted list joins its lines into one
		spec=$(device_field "$d" kind lbs ms pi pil pif guard) || die "unknown device '$d'; known: $(echo $DEVICE_NAMES)"
		case " $want " in *" $d:"*) die "device $d given twice" ;; esac
		read -r kind lbs ms pi pil pif guard <<<"$spec"
		if [ "$kind" = scsi ]; then
			[ -z "$scsi_guard" ] || die "only one scsi-* device per guest (scsi_debug's DIF settings are global)"
			scsi_guard=$guard scsi_lbs=$lbs scsi_type=$pi
			want+=" $d:scsi"
			continue
		fi
		img=$imagedir/$d.img
		blocks=$((DATA_MIB * 1024 * 1024 / lbs))
		size=$((blocks * (lbs + ms)))
		if [ $keep = 1 ] && [ -f "$img" ]; then
			[ "$(stat -c %s "$img")" = "$size" ] || die "$img has the wrong size for $d (want $size bytes); remove it"
		else
			rm -f "$img"
			truncate -s "$size" "$img"
		fi
		qdev+=(-drive "file=$img,if=none,id=d$n,format=raw,cache=writeback,discard=unmap"
			-device "nvme,serial=$d,id=nvme$n"
			-device "nvme-ns,drive=d$n,bus=nvme$n,nsid=1,logical_block_size=$lbs,physical_block_size=$lbs,ms=$ms,mset=0,pi=$pi,pil=$pil,pif=$pif")
		want+=" $d:nvme"
		n=$((n + 1))
	done
}

q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	rm -rf "$run"
}
# make_run_dir: the directory shared with the guest (run), its console log (log), COMMAND and config.
make_run_dir() {
	run=$(mktemp -d "$imagedir/run.XXXXXX")
	log=$imagedir/logs/console-$(date +%Y%m%d-%H%M%S)-$$.log
	qpid=
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	# keep the 50 newest console logs
	{ ls -1t "$imagedir"/logs/console-*.log 2>/dev/null || true; } | tail -n +50 | xargs -r rm -f
	if [ ${#cmd[@]} -eq 1 ]; then
		printf '%s\n' "${cmd[0]}" >"$run/cmd"
	else
		for a in "${cmd[@]}"; do printf '%s ' "$(q "$a")"; done >"$run/cmd"
		echo >>"$run/cmd"
	fi
	[ -z "${URING_PI_GUEST_THEN:-}" ] || printf '%s\n' "$URING_PI_GUEST_THEN" >>"$run/cmd"
	{
		echo "URING_PI_CWD=$(q "$PWD")"
		echo "URING_PI_KERNEL=$(q "$kernel")"
		echo "URING_PI_WANT=$(q "${want# }")"
		[ -z "$fwds" ] || echo "URING_PI_NET=1"
		for e in "${extra_env[@]}"; do echo "export ${e%%=*}=$(q "${e#*=}")"; done
	} >"$run/config"
}

# kernel_cmdline: the guest kernel's parameters (append) and memory (mem).
# pci=noacpi: PCI interrupts routed from the BIOS's table, not by running the ACPI _PRT methods, whose
# AML loops under TCG took 1.5 s of each boot of our kernels and timed out twice (30 s each) in every
# boot of the debug kernel (114 s to the command, 21 s with it).
kernel_cmdline() {
	append="console=ttyS0 edd=off panic=-1 oops=panic printk.devkmsg=on pci=noacpi"
	if [ -n "$scsi_guard" ]; then
		append+=" scsi_debug.dif=$scsi_type scsi_debug.dix=1 scsi_debug.guard=$scsi_guard scsi_debug.dev_size_mb=$DATA_MIB"
		append+=" scsi_debug.sector_size=$scsi_lbs"
		append+=" scsi_debug.num_parts=0 scsi_debug.delay=0 scsi_debug.lbpu=1"
	else
		append+=" scsi_debug.add_host=0"
	fi
	if [ -n "$initrd" ]; then
		append+=" init=$TOP/vm/guest-init.sh" # the initramfs mounts the 9p root and switches to it
	else
		append+=" root=hostroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose ro"
		append+=" init=$TOP/vm/guest-init.sh"
	fi
	# Extra kernel parameters for a test (e.g. nvme.io_queue_depth=2).
	[ -z "${URING_PI_KERNEL_ARGS:-}" ] || append+=" $URING_PI_KERNEL_ARGS"
	mem=1G
	[ -z "$scsi_guard" ] || mem=$((1024 + 2 * DATA_MIB))M # scsi_debug keeps its disk in guest RAM
}

# qemu_command: the QEMU command line (qemu), with the timing mode.
qemu_command() {
	accel=${URING_PI_QEMU_ACCEL:-tcg} timing=() smp=${URING_PI_QEMU_SMP:-2}
	case ${URING_PI_TIMING:-real} in
	real) ;;
	icount | icount:[0-9] | icount:10)
		icount_shift=${URING_PI_TIMING#icount:}
		[ "$icount_shift" != icount ] || icount_shift=4
		timing=(-icount "shift=$icount_shift,sleep=off")
		accel+=,thread=single smp=1 append+=" idle=poll" ;;
	*) bad_usage "URING_PI_TIMING=$URING_PI_TIMING: want real, icount or icount:SHIFT (SHIFT 0-10)" ;;
	esac
	qemu=(qemu-system-x86_64 -nodefaults -no-user-config -machine pc -accel "$accel" -cpu "${URING_PI_QEMU_CPU:-max}"
		"${timing[@]}" -smp "$smp" -m "$mem" -display none -monitor none -no-reboot
		-chardev "file,id=con0,path=$log" -serial chardev:con0
		-kernel "$bz" -append "$append"
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
		-virtfs "local,path=$run,mount_tag=uringpi,security_model=none,multidevs=remap"
		"${qdev[@]}")
	[ -z "$initrd" ] || qemu+=(-initrd "$initrd")
	# shellcheck disable=SC2206 # split at spaces on purpose
	[ -z "${URING_PI_QEMU_ARGS:-}" ] || qemu+=($URING_PI_QEMU_ARGS)
	[ -z "$fwds" ] || qemu+=(-netdev "user,id=net0,restrict=on$fwds" -device "virtio-net-pci,netdev=net0")
}

# A boot that has not started COMMAND after this long is taken as hung (and retried once).
BOOT_LIMIT=${URING_PI_BOOT_LIMIT:-180}
PANIC_RE='Kernel panic|Oops[:]|BUG[:]|kernel BUG at|general protection fault|Unable to handle kernel|Attempted to kill init'

# boot: runs QEMU once; sets result to ok|timeout|crashed (QEMU stopped without a status)
boot() {
	rm -f "$run"/{started,stdout,stderr,status,dmesg}
	: >"$log"
	"${qemu[@]}" >"$run/qemu.out" 2>&1 &
	qpid=$!
	local tailpid='' t0=$SECONDS
	if [ $verbose = 1 ]; then
		tail -n +1 -f "$log" --pid=$qpid >&2 &
		tailpid=$!
	fi
	result=
	while kill -0 $qpid 2>/dev/null; do
		if [ $((SECONDS - t0)) -ge "$limit" ] ||
			{ [ $((SECONDS - t0)) -ge "$BOOT_LIMIT" ] && ! [ -f "$run/started" ]; }; then
			kill $qpid 2>/dev/null
			result=timeout
			break
		fi
		sleep 0.2
	done
	wait $qpid 2>/dev/null || true
	qpid=
	[ -z "$tailpid" ] || { kill $tailpid 2>/dev/null; wait $tailpid 2>/dev/null || true; }
	booted_in=$((SECONDS - t0))
	if [ -z "$result" ]; then
		[ -f "$run/status" ] && result=ok || result=crashed
	fi
}

# finish: COMMAND's output and status, or why there is none.
finish() {
	# Only the console's own lines count for a crash (COMMAND's output is not on the console).
	panicked=0
	grep -qE "$PANIC_RE" "$log" && panicked=1
	# The console log gets the command's output too, after the kernel's lines.
	{
		echo "---- uring-pi: $kernel kernel, devices: ${devices}, result: $result after ${booted_in}s ----"
		[ ! -s "$run/qemu.out" ] || { echo "---- qemu ----"; cat "$run/qemu.out"; }
		for f in stdout stderr; do [ ! -f "$run/$f" ] || { echo "---- command $f ----"; cat "$run/$f"; }; done
	} >>"$log"
	[ ! -f "$run/stdout" ] || cat "$run/stdout"
	[ ! -f "$run/stderr" ] || cat "$run/stderr" >&2
	[ -z "$dmesg_to" ] || { [ -f "$run/dmesg" ] && cp "$run/dmesg" "$dmesg_to" || sed -n '1,/@@URING-PI-END@@/p' "$log" >"$dmesg_to"; }

	if [ "$result" = timeout ]; then
		[ -f "$run/started" ] || [ "$booted_in" -ge "$limit" ] || limit=$booted_in # the boot hung
		echo "uring-pi: guest timed out after $limit s (log: $log)" >&2
		exit 124
	fi
	if [ $panicked = 1 ]; then
		echo "uring-pi: guest kernel panicked (log: $log)" >&2
		sed -n '/^---- uring-pi: /q;p' "$log" | grep -m 3 -E "$PANIC_RE" | sed 's/^/uring-pi:   /' >&2
		exit 125
	fi
	if [ "$result" != ok ]; then
		[ ! -s "$run/qemu.out" ] || sed 's/^/uring-pi: qemu: /' "$run/qemu.out" >&2
		grep -h 'uring-pi-guest:' "$log" | tail -n 3 | sed 's/^/uring-pi: /' >&2 || true
		echo "uring-pi: guest stopped before the command finished (log: $log)" >&2
		exit 125
	fi
	exit "$(cat "$run/status")"
}

main() {
	parse_args "$@"
	find_kernel
	attach_devices
	make_run_dir
	kernel_cmdline
	qemu_command
	boot
	if [ "$result" != ok ] && ! [ -f "$run/started" ]; then
		say "guest did not reach the command ($result, log: $log); retrying the boot once"
		mv "$log" "${log%.log}-try1.log"
		boot
	fi
	finish
}

main "$@"
