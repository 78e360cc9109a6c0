#!/bin/busybox sh
# /init of the distro kernel's initramfs (built by ci/kernel.sh distro): loads the modules the
# harness needs (list and order in /lib/modules/order, dependencies first), mounts the host
# root over virtio-9p at /host and hands over to the init= program given on the command line
# (ci/guest-init.sh), like the stock kernels that mount the 9p root themselves.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
init= sdargs=
for a in $(cat /proc/cmdline); do
	case $a in
	init=*) init=${a#init=} ;;
	scsi_debug.*) sdargs="$sdargs ${a#scsi_debug.}" ;;
	esac
done
for m in $(cat /lib/modules/order); do
	args=
	if [ "$m" = scsi_debug.ko ]; then
		case " $sdargs " in *" add_host=0 "*) continue ;; esac
		args=$sdargs
	fi
	insmod /lib/modules/$m $args 2>/tmp/err || {
		# "File exists": already loaded as a dependency or built in
		grep -q 'exists' /tmp/err || echo "uring-pi-initramfs: insmod $m failed: $(cat /tmp/err)"
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
