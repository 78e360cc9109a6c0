#!/bin/sh
# PID 1 of a harness guest (vm/vm.sh). The root file system is the host's root, read-only,
# over virtio-9p. Mounts what a program needs, maps device names to block devices, runs the
# command given by vm/vm.sh, saves its output, status and the kernel log, and powers off.
# Everything the launcher and the guest exchange is in the writable 9p share "uringpi"
# (mounted at /run/uring-pi/out): config (in), started, stdout, stderr, status, dmesg (out).
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
BB=/bin/busybox

off() {
	sync
	$BB poweroff -f
	$BB reboot -f # with qemu -no-reboot this stops the VM too
	sleep 3600
}
fatal() {
	echo "uring-pi-guest: $*" >/dev/console
	off
}

# Through 9p, /proc, /sys and /dev show the host's: mount the guest's own over them.
$BB mount -t proc proc /proc
$BB mount -t sysfs sysfs /sys
$BB grep -q '^[^ ]* /dev devtmpfs' /proc/mounts || $BB mount -t devtmpfs devtmpfs /dev
# devtmpfs has no /dev/fd, which bash's process substitution, <(...), needs.
[ -e /dev/fd ] || $BB ln -s /proc/self/fd /dev/fd
# The repository (this script's) may lie under a directory that gets a tmpfs below (a CI
# clone under /tmp): hold a bind mount of it and put it back on top of the tmpfs.
TOP=$(cd "$($BB dirname "$0")/.." && pwd)
HOLD=/dev/.uring-pi-top
$BB mkdir -p $HOLD && $BB mount -o bind "$TOP" $HOLD
for d in /tmp /run /var/tmp /var/lock /root; do
	[ -d $d ] && $BB mount -t tmpfs -o mode=1777 tmpfs $d
done
if [ ! -e "$0" ]; then # this script is not visible under the tmpfs
	$BB mkdir -p "$TOP" && $BB mount -o move $HOLD "$TOP" || fatal "cannot keep $TOP visible"
fi
$BB mkdir -p /dev/shm /run/uring-pi/out
$BB mount -t tmpfs -o mode=1777 tmpfs /dev/shm
$BB mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 uringpi /run/uring-pi/out ||
	fatal "cannot mount the uringpi 9p share"
OUT=/run/uring-pi/out
[ -f $OUT/config ] || fatal "no $OUT/config"
# config sets: URING_PI_CWD, URING_PI_KERNEL, URING_PI_WANT (NAME:KIND pairs), extra exports.
# shellcheck source=/dev/null # written by vm/vm.sh for this boot
. $OUT/config

# Map device names to block devices: NVMe controllers carry the device name as serial
# number; the scsi_debug disk is the one scsi device (model "scsi_debug").
map_devices() {
	: >/run/uring-pi/devices.tmp
	missing=
	for w in $URING_PI_WANT; do
		name=${w%%:*} kind=${w#*:} dev=
		case $kind in
		nvme)
			for b in /sys/block/nvme*; do
				[ -e "$b/device/serial" ] || continue
				s=$($BB cat "$b/device/serial" 2>/dev/null | $BB tr -d ' ')
				[ "$s" = "$name" ] && dev=/dev/${b##*/} && break
			done
			;;
		scsi)
			for b in /sys/block/sd*; do
				[ -e "$b/device/model" ] || continue
				m=$($BB cat "$b/device/model" | $BB tr -d ' ')
				[ "$m" = scsi_debug ] && dev=/dev/${b##*/} && break
			done
			;;
		esac
		if [ -n "$dev" ] && [ -b "$dev" ]; then
			echo "$name $dev" >>/run/uring-pi/devices.tmp
		else
			missing="$missing $name"
		fi
	done
	[ -z "$missing" ]
}
i=0
until map_devices; do
	i=$((i + 1))
	[ $i -lt 300 ] || fatal "devices did not appear within 30 s:$missing"
	sleep 0.1
done
$BB mv /run/uring-pi/devices.tmp /run/uring-pi/devices
while read -r name dev; do
	v=$(echo "$name" | $BB tr 'a-z-' 'A-Z_')
	export "URING_PI_DEV_$v=$dev"
done </run/uring-pi/devices
export URING_PI_DEVICES=/run/uring-pi/devices URING_PI_KERNEL HOME=/root TMPDIR=/tmp

# QEMU user networking (vm/vm.sh -p): the fixed addresses of its built-in DHCP range.
if [ -n "${URING_PI_NET:-}" ]; then
	i=0
	until [ -e /sys/class/net/eth0 ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fatal "no network interface eth0 within 10 s (CONFIG_VIRTIO_NET?)"
		sleep 0.1
	done
	$BB ip link set lo up && $BB ip link set eth0 up && $BB ip addr add 10.0.2.15/24 dev eth0 &&
		$BB ip route add default via 10.0.2.2 || fatal "cannot configure eth0"
fi

cd "$URING_PI_CWD" 2>/dev/null || cd /
# shellcheck disable=SC2005,SC2046 # echo of the unquoted list joins its lines into one
echo "uring-pi-guest: $(uname -r), devices: $(echo $($BB cat /run/uring-pi/devices))" >/dev/console
: >$OUT/started
echo "@@URING-PI-START@@" >/dev/console
sh -c "$($BB cat $OUT/cmd)" >$OUT/stdout 2>$OUT/stderr </dev/null
st=$?
echo "@@URING-PI-END@@ status $st" >/dev/console
(dmesg 2>/dev/null || $BB dmesg) >$OUT/dmesg
echo $st >$OUT/status
off
