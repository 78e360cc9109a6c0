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
};

/*
 * Fill dev for the open block device fd (name used in messages). Returns 0,
 * or -1 with a one-line reason and what to do in err.
 */
int upi_dev_discover(int fd, const char *name, struct upi_dev *dev, char *err, size_t errlen);

/* Parse a sysfs integrity format name: 0, or -1 if it is not a PI format. */
int upi_parse_format(const char *format, enum pi_guard *guard, int *type);

#endif
