// SPDX-License-Identifier: GPL-2.0
/*
 * Profile discovery (engines/profile.c) on arbitrary sysfs text and NVMe
 * Identify data: the input is a list of records (file, length, bytes) that
 * become a sysfs-like tree in a temporary directory (a disk, a partition of
 * it, slaves below it, a slave link back to the disk), an Identify
 * Namespace page and an FS_IOC_GETLBMD_CAP answer. Whatever the text, a
 * profile taken is a valid PI format that matches the files it came from, and
 * a refusal is one line naming the device.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../engines/profile.h"
#include "../../engines/uapi.h"
#include "fuzz.h"
#include "ref.h"

#define NAME "fuzzdev"

static const char *const files[] = {
	"disk/integrity/format",			/* 0 */
	"disk/integrity/protection_interval_bytes",	/* 1 */
	"disk/integrity/write_generate",		/* 2 */
	"disk/integrity/read_verify",			/* 3 */
	"disk/metadata_bytes",				/* 4 */
	"disk/device/scsi_level",			/* 5 */
	"disk/slaves/a/metadata_bytes",			/* 6 */
	"disk/slaves/a/device/scsi_level",		/* 7 */
	"disk/slaves/b/metadata_bytes",			/* 8 */
	"disk/slaves/a/slaves/c/metadata_bytes",	/* 9 */
	"disk/p1/metadata_bytes",			/* 10 */
	"disk/p1/integrity/format",			/* 11 */
	"disk/slaves/f",				/* 12: a file where a slave directory is expected */
};
enum { NFILES = sizeof(files) / sizeof(files[0]), REC_LOOP = NFILES, REC_ID, REC_CAP };

static char base[256], text[NFILES][256];
static size_t textlen[NFILES];
static bool have[NFILES];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Remove the tree of one input. */
static void clean_case(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/c", base);
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void cleanup(void)
{
	clean_case();
	rmdir(base);
}

static void write_file(const char *rel, const char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/c/%s", base, rel);
	for (char *s = path + strlen(base) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(path, 0755);
		*s = '/';
	}
	f = fopen(path, "w");
	FUZZ_CHECK(f && fwrite(buf, 1, len, f) == len && !fclose(f), "cannot write %s", path);
}

/* The first line of a file as sysfs gives it: a decimal number, or -1 if it is not one. */
static long decimal(int k)
{
	long v = 0;
	size_t i = 0;

	if (!have[k])
		return -1;
	for (; i < textlen[k] && text[k][i] >= '0' && text[k][i] <= '9' && i < 9; i++)
		v = v * 10 + (text[k][i] - '0');
	if (!i || (i < textlen[k] && !(text[k][i] == '\n' || text[k][i] == 0)))
		return -1;
	return v;
}

static uint8_t id[4096];
static size_t idlen;

static int pi_first(const char *leaf, void *arg)
{
	(void)arg;
	FUZZ_CHECK(*leaf && !strchr(leaf, '/'), "pi_first asked about '%s'", leaf);
	return idlen ? upi_id_ns_pi_first(id, idlen) : -1;
}

static void one_line(int r, const char *err)
{
	if (r)
		FUZZ_CHECK(*err && !strchr(err, '\n') && strstr(err, NAME), "a refusal is one line naming the "
			   "device: '%s'", err);
}

/* The profile is a valid PI format. */
static void valid(const struct pi_profile *p)
{
	struct ref_fmt f = { p->guard, p->type, p->interval, p->md_size, p->pi_offset == 0 };

	FUZZ_CHECK(ref_fmt_ok(&f) && p->tuple_size == ref_tuple_size(&f) && p->pi_offset == ref_tuple_off(&f),
		   "not a PI format: guard %d type %d %u+%u tuple %u at %u", p->guard, p->type, p->interval,
		   p->md_size, p->tuple_size, p->pi_offset);
}

static void from_cap(const struct upi_lbmd_cap *cap)
{
	struct upi_dev dev;
	char err[512] = "";
	int r = upi_profile_from_cap(cap, NAME, &dev, err, sizeof(err));

	one_line(r, err);
	if (r)
		return;
	valid(&dev.prof);
	FUZZ_CHECK(cap->lbmd_flags & UPI_LBMD_CAP_INTEGRITY, "a profile without the integrity flag");
	FUZZ_CHECK(dev.prof.interval == cap->lbmd_interval && dev.prof.md_size == cap->lbmd_size &&
		   dev.prof.tuple_size == cap->lbmd_pi_size && dev.prof.pi_offset == cap->lbmd_pi_offset,
		   "profile %u+%u tuple %u at %u from interval %u, %u bytes, tuple %u at %u", dev.prof.interval,
		   dev.prof.md_size, dev.prof.tuple_size, dev.prof.pi_offset, cap->lbmd_interval, cap->lbmd_size,
		   cap->lbmd_pi_size, cap->lbmd_pi_offset);
	FUZZ_CHECK(dev.prof.type == (cap->lbmd_flags & UPI_LBMD_CAP_REFTAG ? 1 : 3), "type %d", dev.prof.type);
	FUZZ_CHECK((cap->lbmd_guard_tag_type == UPI_LBMD_CSUM_IP && dev.prof.guard == PI_GUARD_IP) ||
		   (cap->lbmd_guard_tag_type == UPI_LBMD_CSUM_CRC16_T10DIF && dev.prof.guard == PI_GUARD_CRC16) ||
		   (cap->lbmd_guard_tag_type == UPI_LBMD_CSUM_CRC64_NVME && dev.prof.guard == PI_GUARD_CRC64),
		   "guard %d from guard tag type %u", dev.prof.guard, cap->lbmd_guard_tag_type);
	FUZZ_CHECK(!cap->lbmd_storage_tag_size && cap->lbmd_app_tag_size == 2, "tag sizes");
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
	static const char *const formats[] = { "T10-DIF-TYPE1-CRC", "T10-DIF-TYPE3-CRC", "T10-DIF-TYPE1-IP",
					       "T10-DIF-TYPE3-IP", "EXT-DIF-TYPE1-CRC64", "EXT-DIF-TYPE3-CRC64" };
	struct fuzz_in in = { buf, size };
	struct upi_lbmd_cap cap = { 0 };
	struct upi_dev dev;
	char dir[PATH_MAX], err[512] = "";
	bool part = fuzz_take(&in, 1) & 1, known = false, scsi;
	enum pi_guard guard;
	long md, interval;
	int r, type;

	if (!*base) {
		snprintf(base, sizeof(base), "%s/upi-fuzz-profile.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		FUZZ_CHECK(mkdtemp(base), "cannot make a directory %s", base);
		atexit(cleanup);
	}
	memset(have, 0, sizeof(have));
	idlen = 0;
	write_file("disk/p1/.keep", "", 0);
	while (in.n) {
		unsigned int k = (unsigned int)fuzz_take(&in, 1) % (REC_CAP + 1);
		size_t len = (size_t)fuzz_take(&in, 1);

		len = len < in.n ? len : in.n;
		if (k < NFILES) {
			memcpy(text[k], in.p, len);
			text[k][len] = 0;
			textlen[k] = len;
			have[k] = true;
			write_file(files[k], (const char *)in.p, len);
		} else if (k == REC_LOOP) {
			char path[PATH_MAX];

			write_file("disk/slaves/.keep", "", 0);
			snprintf(path, sizeof(path), "%s/c/disk/slaves/loop", base);
			symlink("..", path);	/* the disk itself: a stacking loop */
		} else if (k == REC_ID) {
			memset(id, 0, sizeof(id));
			memcpy(id, in.p, len);
			idlen = sizeof(id);
		} else {
			memcpy(&cap, in.p, len < sizeof(cap) ? len : sizeof(cap));
		}
		in.p += len;
		in.n -= len;
	}

	from_cap(&cap);
	for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++)
		known |= have[0] && !strcmp(text[0], formats[k]);
	r = upi_parse_format(have[0] ? text[0] : "", &guard, &type);
	FUZZ_CHECK(!r == known, "format '%s': %d", have[0] ? text[0] : "", r);
	if (!r)
		FUZZ_CHECK(guard == (strstr(text[0], "CRC64") ? PI_GUARD_CRC64 : strstr(text[0], "IP") ? PI_GUARD_IP :
				     PI_GUARD_CRC16) && type == (strstr(text[0], "TYPE3") ? 3 : 1),
			   "format %s: guard %d type %d", text[0], guard, type);

	snprintf(dir, sizeof(dir), "%s/c/%s", base, part ? "disk/p1" : "disk");
	r = upi_sysfs_read(dir, NAME, &dev, err, sizeof(err));
	one_line(r, err);
	/* integrity/format of the partition, else of its disk; an empty one is unreadable */
	FUZZ_CHECK((r == 0) == (part && have[11] ? textlen[11] > 0 : have[0] && textlen[0] > 0),
		   "integrity/format %s but upi_sysfs_read returned %d", have[0] ? "present" : "absent", r);
	if (r)
		goto out;
	FUZZ_CHECK(strlen(dev.format) < sizeof(dev.format) && !strchr(dev.format, '\n'), "format '%s'", dev.format);
	FUZZ_CHECK(decimal(2) < 0 || dev.write_generate == decimal(2), "write_generate %d from '%.*s'",
		   dev.write_generate, (int)textlen[2], text[2]);
	scsi = decimal(5) >= 0 || decimal(7) >= 0;
	FUZZ_CHECK(!scsi || !dev.app_tag_check, "the app tag checked on a SCSI disk");
	FUZZ_CHECK(have[5] || have[7] || dev.app_tag_check, "no scsi_level anywhere, yet no app tag check");

	r = upi_sysfs_profile(dir, NAME, pi_first, NULL, &dev, err, sizeof(err));
	one_line(r, err);
	if (r)
		goto out;
	valid(&dev.prof);
	interval = decimal(1);
	FUZZ_CHECK(interval < 0 || dev.prof.interval == (uint32_t)interval, "interval %u from '%.*s'",
		   dev.prof.interval, (int)textlen[1], text[1]);
	md = part && have[10] ? decimal(10) : have[4] ? decimal(4) : -2;
	if (md >= 0)
		FUZZ_CHECK(dev.prof.md_size == (uint32_t)md, "metadata size %u from '%ld'", dev.prof.md_size, md);
	if (!have[4] && !have[6] && !have[8] && !have[9] && !have[10])
		FUZZ_CHECK(dev.prof.md_size == dev.prof.tuple_size, "metadata size %u without metadata_bytes",
			   dev.prof.md_size);
	if (dev.prof.md_size > dev.prof.tuple_size)
		FUZZ_CHECK(idlen && (dev.prof.pi_offset == 0) == ((id[29] & 0x08) != 0), "tuple at %u, DPS %#x",
			   dev.prof.pi_offset, id[29]);
out:
	clean_case();
	return 0;
}
