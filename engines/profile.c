// SPDX-License-Identifier: GPL-2.0
/* Integrity profile discovery: see profile.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nvme_ioctl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "profile.h"
#include "uapi.h"

int upi_parse_format(const char *format, enum pi_guard *guard, int *type)
{
	static const struct { const char *name; enum pi_guard guard; int type; } formats[] = {
		{ "T10-DIF-TYPE1-CRC", PI_GUARD_CRC16, 1 },
		{ "T10-DIF-TYPE3-CRC", PI_GUARD_CRC16, 3 },
		{ "T10-DIF-TYPE1-IP", PI_GUARD_IP, 1 },
		{ "T10-DIF-TYPE3-IP", PI_GUARD_IP, 3 },
		{ "EXT-DIF-TYPE1-CRC64", PI_GUARD_CRC64, 1 },
		{ "EXT-DIF-TYPE3-CRC64", PI_GUARD_CRC64, 3 },
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(format, formats[i].name)) {
			*guard = formats[i].guard;
			*type = formats[i].type;
			return 0;
		}
	return -1;
}

/* Read one line of a sysfs attribute of the disk (a partition's parent). */
static int read_attr(dev_t rdev, const char *attr, char *buf, size_t len)
{
	static const char *const bases[] = { "/sys/dev/block/%u:%u/%s", "/sys/dev/block/%u:%u/../%s" };
	char path[256];

	for (size_t i = 0; i < 2; i++) {
		FILE *f;

		snprintf(path, sizeof(path), bases[i], major(rdev), minor(rdev), attr);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(buf, (int)len, f)) {
			fclose(f);
			return -1;
		}
		fclose(f);
		buf[strcspn(buf, "\n")] = 0;
		return 0;
	}
	return -1;
}

static long attr_num(dev_t rdev, const char *attr)
{
	char buf[64];

	return read_attr(rdev, attr, buf, sizeof(buf)) ? -1 : strtol(buf, NULL, 0);
}

static int from_ioctl(int fd, const char *name, struct upi_dev *dev, char *err, size_t errlen)
{
	struct upi_lbmd_cap cap = { 0 };
	enum pi_guard guard;
	bool first;

	if (ioctl(fd, UPI_FS_IOC_GETLBMD_CAP, &cap))
		return 1;	/* older kernel: fall back to sysfs */
	if (!(cap.lbmd_flags & UPI_LBMD_CAP_INTEGRITY) || !cap.lbmd_pi_size) {
		snprintf(err, errlen, "%s has no PI integrity profile (metadata %u bytes, PI tuple %u bytes); "
			 "PI needs a PI-formatted device", name, cap.lbmd_size, cap.lbmd_pi_size);
		return -1;
	}
	switch (cap.lbmd_guard_tag_type) {
	case UPI_LBMD_CSUM_CRC16_T10DIF:
		guard = PI_GUARD_CRC16;
		break;
	case UPI_LBMD_CSUM_IP:
		guard = PI_GUARD_IP;
		break;
	case UPI_LBMD_CSUM_CRC64_NVME:
		guard = PI_GUARD_CRC64;
		break;
	default:
		snprintf(err, errlen, "%s: unknown PI guard type %u", name, cap.lbmd_guard_tag_type);
		return -1;
	}
	first = cap.lbmd_pi_offset == 0;
	if (!first && cap.lbmd_pi_offset + cap.lbmd_pi_size != cap.lbmd_size) {
		snprintf(err, errlen, "%s: PI tuple at offset %u of %u metadata bytes is neither first nor last",
			 name, cap.lbmd_pi_offset, cap.lbmd_size);
		return -1;
	}
	/* Linux reports Type 2 as Type 1: a ref tag means Type 1/2, none Type 3. */
	if (pi_profile_init(&dev->prof, guard, cap.lbmd_flags & UPI_LBMD_CAP_REFTAG ? 1 : 3,
			    cap.lbmd_interval, cap.lbmd_size, first, err, errlen))
		return -1;
	if (dev->prof.tuple_size != cap.lbmd_pi_size) {
		snprintf(err, errlen, "%s: %u-byte PI tuple does not match the guard type", name, cap.lbmd_pi_size);
		return -1;
	}
	dev->source = "FS_IOC_GETLBMD_CAP";
	return 0;
}

/*
 * Where the PI tuple sits in metadata larger than the tuple, for an NVMe
 * namespace: DPS bit 3 of Identify Namespace ("PI first"). 1 first, 0 last,
 * -1 unknown (not NVMe, or the command failed).
 */
static int nvme_pi_first(int fd)
{
	uint8_t id[4096];
	struct nvme_admin_cmd cmd = {
		.opcode = 0x06,			/* Identify */
		.addr = (uint64_t)(uintptr_t)id,
		.data_len = sizeof(id),
		.cdw10 = 0,			/* CNS 0: namespace */
	};
	int nsid = ioctl(fd, NVME_IOCTL_ID);

	if (nsid <= 0)
		return -1;
	cmd.nsid = (uint32_t)nsid;
	if (ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd))
		return -1;
	return (id[29] & 0x08) != 0;		/* DPS */
}

int upi_dev_discover(int fd, const char *name, struct upi_dev *dev, char *err, size_t errlen)
{
	struct stat st;
	enum pi_guard guard;
	long interval, md;
	int type, r;
	bool first;

	memset(dev, 0, sizeof(*dev));
	if (fstat(fd, &st) || !S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "%s is not a block device; PI needs a block device with an integrity profile", name);
		return -1;
	}
	if (read_attr(st.st_rdev, "integrity/format", dev->format, sizeof(dev->format))) {
		snprintf(err, errlen, "%s: the kernel has no block integrity support (no integrity/ in sysfs); "
			 "PI needs CONFIG_BLK_DEV_INTEGRITY", name);
		return -1;
	}
	dev->write_generate = (int)attr_num(st.st_rdev, "integrity/write_generate");
	dev->read_verify = (int)attr_num(st.st_rdev, "integrity/read_verify");
	r = from_ioctl(fd, name, dev, err, errlen);
	if (r <= 0)
		return r;
	if (upi_parse_format(dev->format, &guard, &type)) {
		snprintf(err, errlen, "%s has no PI integrity profile (format=%s); PI needs a PI-formatted namespace",
			 name, dev->format);
		return -1;
	}
	interval = attr_num(st.st_rdev, "integrity/protection_interval_bytes");
	/* Metadata size: metadata_size (6.17+), else the NVMe namespace's metadata_bytes, else the tuple. */
	md = attr_num(st.st_rdev, "integrity/metadata_size");
	if (md <= 0)
		md = attr_num(st.st_rdev, "metadata_bytes");
	if (md <= 0)
		md = guard == PI_GUARD_CRC64 ? 16 : 8;
	if (interval <= 0) {
		snprintf(err, errlen, "%s: cannot read integrity/protection_interval_bytes", name);
		return -1;
	}
	/* sysfs does not say where the tuple sits in larger metadata: NVMe Identify does. */
	first = false;
	if (md > (guard == PI_GUARD_CRC64 ? 16 : 8)) {
		int r = nvme_pi_first(fd);

		if (r < 0) {
			snprintf(err, errlen, "%s: %ld bytes of metadata per interval, and neither FS_IOC_GETLBMD_CAP "
				 "(Linux >= 6.17) nor NVMe Identify tells where the PI tuple is in them", name, md);
			return -1;
		}
		first = r;
	}
	if (pi_profile_init(&dev->prof, guard, type, (uint32_t)interval, (uint32_t)md, first, err, errlen))
		return -1;
	dev->source = md > (guard == PI_GUARD_CRC64 ? 16 : 8) ? "sysfs, NVMe Identify" : "sysfs";
	return 0;
}
