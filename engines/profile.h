/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A block device's integrity profile, from FS_IOC_GETLBMD_CAP where the
 * kernel has it (6.17+), else from sysfs. No fio.
 */
#ifndef URING_PI_PROFILE_H
#define URING_PI_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "pi.h"

struct upi_dev {
	struct pi_profile prof;
	char format[32];	/* sysfs integrity/format, or built from the ioctl */
	const char *source;	/* "FS_IOC_GETLBMD_CAP" or "sysfs" */
	int write_generate;	/* sysfs; -1 unknown */
	int read_verify;	/* sysfs; -1 unknown */
	bool app_tag_check;	/* the device can check the app tag: not a SCSI disk, nor over one */
	uint32_t lbs;		/* logical block size (BLKSSZGET): error lines name LBAs in it */
};

/*
 * Fill dev for the open block device fd (name used in messages). Returns 0,
 * or -1 with a one-line reason and what to do in err.
 */
int upi_dev_discover(int fd, const char *name, struct upi_dev *dev, char *err, size_t errlen);

/*
 * The parts, for tests on a sysfs-like directory tree. dir: a disk's sysfs
 * directory (/sys/dev/block/MAJ:MIN).
 * upi_sysfs_read: integrity/format, write_generate, read_verify (of dir, or
 * of its parent for a partition), and whether the app tag can be checked
 * (not on a SCSI disk: device/scsi_level, of the disk, a partition's disk
 * or any slave of either); -1 if there is no integrity/.
 * upi_sysfs_profile: the profile from those and integrity/
 * protection_interval_bytes; the metadata size from NVMe's metadata_bytes,
 * of the disk or, for a stacked device or a partition of one, of its
 * slaves (recursively; they must agree), else the tuple alone (SCSI DIF).
 * Metadata larger than the tuple asks pi_first(leaf, arg) where the tuple
 * is (leaf: the name of the disk the size came from; 1 first, 0 last, -1
 * unknown: refused).
 * upi_profile_from_cap: the profile from FS_IOC_GETLBMD_CAP's answer.
 */
typedef int (*upi_pi_first_fn)(const char *leaf, void *arg);
struct upi_lbmd_cap;
int upi_sysfs_read(const char *dir, const char *name, struct upi_dev *dev, char *err, size_t errlen);
int upi_sysfs_profile(const char *dir, const char *name, upi_pi_first_fn pi_first, void *arg,
		      struct upi_dev *dev, char *err, size_t errlen);
int upi_profile_from_cap(const struct upi_lbmd_cap *cap, const char *name, struct upi_dev *dev,
			 char *err, size_t errlen);
/*
 * upi_set_lbs: the logical block size, cross-checked against the profile's
 * interval (an NVMe or SCSI format protects each logical block whole, or in
 * intervals that divide it; an interval larger than the block is not a format).
 */
int upi_set_lbs(struct upi_dev *dev, const char *name, long lbs, char *err, size_t errlen);

/*
 * Where the PI tuple sits in metadata larger than the tuple, from len bytes of
 * an NVMe Identify Namespace page: DPS bit 3 ("PI first"). 1 first, 0 last,
 * -1 if the page is too short.
 */
int upi_id_ns_pi_first(const void *id, size_t len);

/* Parse a sysfs integrity format name: 0, or -1 if it is not a PI format. */
int upi_parse_format(const char *format, enum pi_guard *guard, int *type);

#endif
