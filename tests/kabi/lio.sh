#!/bin/sh
# Runs in a guest: exports the NVMe namespace DEV through the SCSI target (LIO): its block
# backend (iblock) over the loopback fabric (tcm_loop), which carries DIF/DIX. The target
# attaches the PI of each command to bios of its own, the in-kernel producer that
# pi_abi_test -t target needs; then runs it on the SCSI disk that appears.
#   tests/kabi/lio.sh DEV [pi_abi_test options...]
set -u
dev=$1
shift
cfs=/sys/kernel/config
die() { echo "lio.sh: $*"; exit 2; }
[ -b "$dev" ] || die "$dev is not a block device"
grep -q " $cfs configfs" /proc/mounts || mount -t configfs configfs $cfs || die "cannot mount configfs"
[ -d $cfs/target ] || die "no $cfs/target: the kernel lacks CONFIG_TARGET_CORE"
bs=$cfs/target/core/iblock_0/upi
mkdir -p $bs || die "cannot create an iblock backstore (CONFIG_TCM_IBLOCK?)"
echo "udev_path=$dev" >$bs/control && echo 1 >$bs/enable || die "cannot enable the backstore on $dev"
echo "lio.sh: backstore on $dev, PI type $(cat $bs/attrib/pi_prot_type)"
tpg=$cfs/target/loopback/naa.6001405000000001/tpgt_1
mkdir -p $tpg/lun/lun_0 || die "cannot create a loopback target (CONFIG_LOOPBACK_TARGET?)"
echo naa.6001405000000002 >$tpg/nexus || die "cannot create the loopback nexus"
ln -s $bs $tpg/lun/lun_0/upi || die "cannot map the backstore to the LUN"
disk=
for _ in $(seq 100); do
	for v in /sys/block/sd*/device/vendor; do
		[ -e "$v" ] && grep -q LIO-ORG "$v" && disk=${v#/sys/block/} disk=${disk%%/*}
	done
	[ -n "$disk" ] && [ -e "/sys/block/$disk/integrity/format" ] && break
	sleep 0.1
done
[ -n "$disk" ] || die "no SCSI disk of the target appeared"
echo "lio.sh: /dev/$disk, integrity $(cat "/sys/block/$disk/integrity/format")"
build/tests/pi_abi_test -t target "$@" "/dev/$disk"
