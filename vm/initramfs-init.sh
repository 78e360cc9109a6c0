#!/bin/busybox sh
# shellcheck shell=dash
# /init of the distro kernel's initramfs (built by vm/kernel.sh distro): loads the modules the
# harness needs (list and order in /lib/modules/order, dependencies first), mounts the host
# root over virtio-9p at /host and hands over to the init= program given on the command line
# (vm/guest-init.sh), like the stock kernels that mount the 9p root themselves.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Module parameters from the command line (MODULE.PARAM=VALUE), which insmod does not read itself.
init=
cmdline=$(cat /proc/cmdline)
params=
for a in $cmdline; do
	case $a in
	init=*) init=${a#init=} ;;
	*.*=*) params="$params $(echo "${a%%.*}" | tr - _).${a#*.}" ;; # module-name dashes as underscores
	esac
done
# shellcheck disable=SC2013 # module file names, one a line
for m in $(cat /lib/modules/order); do
	name=$(echo "${m%.ko}" | tr - _) args=
	for a in $params; do
		case $a in "$name".*) args="$args ${a#*.}" ;; esac
	done
	# no scsi_debug host wanted: do not load it at all
	case "$name: $args " in "scsi_debug:"*" add_host=0 "*) continue ;; esac
	# shellcheck disable=SC2086 # args: the module parameters, one word each
	insmod "/lib/modules/$m" $args 2>/tmp/err || {
		# "File exists": already loaded as a dependency or built in
		grep -q 'exists' /tmp/err || echo "uring-pi-initramfs: insmod $m$args failed: $(cat /tmp/err)"
	}
done
i=0
until mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host 2>/dev/null; do
	i=$((i + 1))
	if [ $i -ge 50 ]; then
		echo "uring-pi-initramfs: cannot mount the host root (9p hostroot)"
		poweroff -f
	fi
	sleep 0.1
done
mount --move /dev /host/dev
umount /sys /proc
exec switch_root /host "${init:-/sbin/init}"
