// SPDX-License-Identifier: GPL-2.0
/* Integrity profile discovery: see profile.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
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

/* One line of dir/attr, else of dir/../attr (a partition's disk). 0, or -1 if neither exists. */
static int read_attr(const char *dir, const char *attr, char *buf, size_t len, char *from, size_t fromlen)
{
	static const char *const ups[] = { "", "/.." };
	char path[PATH_MAX];

	for (size_t i = 0; i < 2; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s%s/%s", dir, ups[i], attr);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(buf, (int)len, f)) {
			fclose(f);
			return -1;
		}
		fclose(f);
		buf[strcspn(buf, "\n")] = 0;
		if (from) {
			snprintf(path, sizeof(path), "%s%s", dir, ups[i]);
			snprintf(from, fromlen, "%s", path);
		}
		return 0;
	}
	return -1;
}

/* A non-negative decimal attribute, -1 if missing or not a number. */
static long attr_num(const char *dir, const char *attr, char *from, size_t fromlen)
{
	char buf[64], *end;
	long v;

	if (read_attr(dir, attr, buf, sizeof(buf), from, fromlen))
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	return errno || end == buf || *end || v < 0 ? -1 : v;
}

/* The slaves/ of a stacked device dir, or of a partition's disk; its path in path. NULL if neither has one. */
static DIR *open_slaves(const char *dir, char *path, size_t len)
{
	DIR *d;

	snprintf(path, len, "%s/slaves", dir);
	d = opendir(path);
	if (d)
		return d;
	snprintf(path, len, "%s/../slaves", dir);
	return opendir(path);
}

/*
 * Metadata bytes per interval: the NVMe namespace's metadata_bytes (of the
 * disk, or of a partition's disk), else those of a stacked device's slaves
 * (or of a partition's stacked disk), which must agree. leaf: the sysfs
 * directory it was read from. -1 if nothing says, -2 if the slaves disagree.
 */
static long md_bytes(const char *dir, int depth, char *leaf, size_t leaflen)
{
	char path[PATH_MAX];
	struct dirent *e;
	long md;
	DIR *d;

	md = attr_num(dir, "metadata_bytes", leaf, leaflen);
	if (md >= 0 || depth > 8)
		return md;
	d = open_slaves(dir, path, sizeof(path));
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char sub[PATH_MAX + 256], subleaf[PATH_MAX];
		long m;

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		m = md_bytes(sub, depth + 1, subleaf, sizeof(subleaf));
		if (m == -2 || (md >= 0 && m != md)) {
			md = -2;
			break;
		}
		if (m < 0)
			continue;
		md = m;
		snprintf(leaf, leaflen, "%s", subleaf);
	}
	closedir(d);
	return md;
}

/*
 * Whether dir is a SCSI disk (its device has a scsi_level), a partition of
 * one, or stacked over one (or a partition of such): sd has no way to tell
 * the HBA or the disk an app tag to check, and the kernel refuses the check
 * there.
 */
static bool on_scsi(const char *dir, int depth)
{
	char path[PATH_MAX];
	struct dirent *e;
	bool scsi = false;
	DIR *d;

	if (attr_num(dir, "device/scsi_level", NULL, 0) >= 0)
		return true;
	if (depth > 8)
		return false;
	d = open_slaves(dir, path, sizeof(path));
	if (!d)
		return false;
	while (!scsi && (e = readdir(d))) {
		char sub[PATH_MAX + 256];

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		scsi = on_scsi(sub, depth + 1);
	}
	closedir(d);
	return scsi;
}

/* pi_profile_init, with the device named in the reason. */
static int profile_init(struct upi_dev *dev, const char *name, enum pi_guard guard, int type, uint32_t interval,
			uint32_t md, bool first, char *err, size_t errlen)
{
	char why[192];

	if (!pi_profile_init(&dev->prof, guard, type, interval, md, first, why, sizeof(why)))
		return 0;
	snprintf(err, errlen, "%s: %s", name, why);
	return -1;
}

int upi_sysfs_read(const char *dir, const char *name, struct upi_dev *dev, char *err, size_t errlen)
{
	memset(dev, 0, sizeof(*dev));
	if (read_attr(dir, "integrity/format", dev->format, sizeof(dev->format), NULL, 0)) {
		snprintf(err, errlen, "%s: the kernel has no block integrity support (no integrity/ in sysfs); "
			 "PI needs CONFIG_BLK_DEV_INTEGRITY", name);
		return -1;
	}
	dev->write_generate = (int)attr_num(dir, "integrity/write_generate", NULL, 0);
	dev->read_verify = (int)attr_num(dir, "integrity/read_verify", NULL, 0);
	dev->app_tag_check = !on_scsi(dir, 0);
	return 0;
}

int upi_sysfs_profile(const char *dir, const char *name, upi_pi_first_fn pi_first, void *arg,
		      struct upi_dev *dev, char *err, size_t errlen)
{
	char leaf[PATH_MAX] = "";
	enum pi_guard guard;
	long interval, md, tuple;
	int type;
	bool first = false;

	if (upi_parse_format(dev->format, &guard, &type)) {
		snprintf(err, errlen, "%s has no PI integrity profile (format=%s); PI needs a PI-formatted namespace",
			 name, dev->format);
		return -1;
	}
	tuple = pi_tuple_size(guard);
	interval = attr_num(dir, "integrity/protection_interval_bytes", NULL, 0);
	if (interval <= 0 || interval > UINT32_MAX) {
		snprintf(err, errlen, "%s: cannot read integrity/protection_interval_bytes", name);
		return -1;
	}
	/*
	 * sysfs has no metadata size (integrity/tag_size is the app/ref tag
	 * space, not the tuple): NVMe's metadata_bytes, of the namespace or
	 * under a stacked device's slaves; else the tuple alone (SCSI DIF).
	 */
	md = md_bytes(dir, 0, leaf, sizeof(leaf));
	if (md == -2) {
		snprintf(err, errlen, "%s: the devices under it have different metadata sizes (slaves/*/metadata_bytes); "
			 "PI needs one format", name);
		return -1;
	}
	if (md < 0)
		md = tuple;
	if (md > UINT32_MAX) {
		snprintf(err, errlen, "%s: metadata_bytes %ld is not a metadata size", name, md);
		return -1;
	}
	if (md > tuple) {
		/* sysfs does not say where the tuple sits in larger metadata: NVMe Identify does. */
		char real[PATH_MAX];
		const char *base;
		int r;

		if (!realpath(leaf, real))
			snprintf(real, sizeof(real), "%s", leaf);
		base = strrchr(real, '/') ? strrchr(real, '/') + 1 : real;
		r = pi_first ? pi_first(base, arg) : -1;
		if (r < 0) {
			snprintf(err, errlen, "%s: %ld bytes of metadata per interval, and neither FS_IOC_GETLBMD_CAP "
				 "(Linux >= 6.17) nor NVMe Identify (of %s) tells where the PI tuple is in them",
				 name, md, base);
			return -1;
		}
		first = r;
	}
	if (profile_init(dev, name, guard, type, (uint32_t)interval, (uint32_t)md, first, err, errlen))
		return -1;
	dev->source = md > tuple ? "sysfs, NVMe Identify" : "sysfs";
	return 0;
}

int upi_profile_from_cap(const struct upi_lbmd_cap *cap, const char *name, struct upi_dev *dev,
			 char *err, size_t errlen)
{
	enum pi_guard guard;
	unsigned int ref;
	bool first;

	if (!(cap->lbmd_flags & UPI_LBMD_CAP_INTEGRITY) || !cap->lbmd_pi_size) {
		snprintf(err, errlen, "%s has no PI integrity profile (metadata %u bytes, PI tuple %u bytes); "
			 "PI needs a PI-formatted device", name, cap->lbmd_size, cap->lbmd_pi_size);
		return -1;
	}
	switch (cap->lbmd_guard_tag_type) {
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
		snprintf(err, errlen, "%s: unknown PI guard type %u", name, cap->lbmd_guard_tag_type);
		return -1;
	}
	first = cap->lbmd_pi_offset == 0;
	if (!first && cap->lbmd_pi_offset + cap->lbmd_pi_size != cap->lbmd_size) {
		snprintf(err, errlen, "%s: PI tuple at offset %u of %u metadata bytes is neither first nor last",
			 name, cap->lbmd_pi_offset, cap->lbmd_size);
		return -1;
	}
	/* Linux reports Type 2 as Type 1: a ref tag means Type 1/2, none Type 3. */
	if (profile_init(dev, name, guard, cap->lbmd_flags & UPI_LBMD_CAP_REFTAG ? 1 : 3, cap->lbmd_interval,
			 cap->lbmd_size, first, err, errlen))
		return -1;
	if (dev->prof.tuple_size != cap->lbmd_pi_size) {
		snprintf(err, errlen, "%s: %u-byte PI tuple does not match the guard type", name, cap->lbmd_pi_size);
		return -1;
	}
	/* The tag layout the engine writes (pi.h): the app tag after the guard, the ref tag to the tuple's end. */
	if (cap->lbmd_storage_tag_size) {
		snprintf(err, errlen, "%s: the format has a %u-byte storage tag; the engine supports PI without "
			 "storage tags only (reformat without them)", name, cap->lbmd_storage_tag_size);
		return -1;
	}
	ref = cap->lbmd_flags & UPI_LBMD_CAP_REFTAG ? dev->prof.ref_size : 0;
	if (cap->lbmd_app_tag_size != PI_APP_TAG_SIZE || cap->lbmd_ref_tag_size != ref) {
		snprintf(err, errlen, "%s: %u-byte app tag and %u-byte ref tag in a %u-byte PI tuple; the engine "
			 "knows %u and %u only", name, cap->lbmd_app_tag_size, cap->lbmd_ref_tag_size,
			 cap->lbmd_pi_size, PI_APP_TAG_SIZE, ref);
		return -1;
	}
	dev->source = "FS_IOC_GETLBMD_CAP";
	return 0;
}

int upi_id_ns_pi_first(const void *id, size_t len)
{
	return len > 29 ? (((const uint8_t *)id)[29] & 0x08) != 0 : -1;	/* DPS */
}

/*
 * Where the PI tuple sits in metadata larger than the tuple, for an NVMe
 * namespace, from its Identify Namespace page. 1 first, 0 last, -1 unknown
 * (not NVMe, or the command failed).
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
	return upi_id_ns_pi_first(id, sizeof(id));
}

/* The device itself, else the namespace the metadata size came from (under a stacked device). */
static int pi_first_of(const char *leaf, void *arg)
{
	char path[PATH_MAX];
	int r = nvme_pi_first(*(int *)arg), fd;

	if (r >= 0)
		return r;
	snprintf(path, sizeof(path), "/dev/%s", leaf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = nvme_pi_first(fd);
	close(fd);
	return r;
}

int upi_set_lbs(struct upi_dev *dev, const char *name, long lbs, char *err, size_t errlen)
{
	uint32_t interval = dev->prof.interval;

	if (lbs < 512 || lbs > 65536 || (lbs & (lbs - 1))) {
		snprintf(err, errlen, "%s: logical block size %ld is not a power of two from 512 to 65536", name, lbs);
		return -1;
	}
	if (interval > lbs || lbs % interval) {
		snprintf(err, errlen, "%s: the %u-byte protection interval does not divide the %ld-byte logical block: "
			 "not a PI format the engine knows (check the device's format)", name, interval, lbs);
		return -1;
	}
	dev->lbs = (uint32_t)lbs;
	return 0;
}

int upi_dev_discover(int fd, const char *name, struct upi_dev *dev, char *err, size_t errlen)
{
	struct upi_lbmd_cap cap = { 0 };
	char dir[64];
	struct stat st;
	int lbs = 0, r;

	memset(dev, 0, sizeof(*dev));
	if (fstat(fd, &st) || !S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "%s is not a block device; PI needs a block device with an integrity profile", name);
		return -1;
	}
	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u", major(st.st_rdev), minor(st.st_rdev));
	if (upi_sysfs_read(dir, name, dev, err, errlen))
		return -1;
	if (!ioctl(fd, UPI_FS_IOC_GETLBMD_CAP, &cap))
		r = upi_profile_from_cap(&cap, name, dev, err, errlen);
	else	/* older kernel: sysfs */
		r = upi_sysfs_profile(dir, name, pi_first_of, &fd, dev, err, errlen);
	if (r)
		return r;
	if (ioctl(fd, BLKSSZGET, &lbs)) {
		snprintf(err, errlen, "%s: BLKSSZGET: %s", name, strerror(errno));
		return -1;
	}
	return upi_set_lbs(dev, name, lbs, err, errlen);
}
