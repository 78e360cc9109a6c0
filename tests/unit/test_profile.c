// SPDX-License-Identifier: GPL-2.0
/*
 * Device discovery from a sysfs-like tree in a temporary directory (NVMe
 * namespaces, a partition, stacked devices over them, SCSI DIF) and from
 * FS_IOC_GETLBMD_CAP answers: what each is taken for, and what is refused
 * with which reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../engines/profile.h"
#include "../../engines/uapi.h"
#include "check.h"

static char root[64];

/* Write root/path (directories made as needed) with one line. */
static void put(const char *path, const char *line)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, path);
	for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
	f = fopen(p, "w");
	if (!f || fprintf(f, "%s\n", line) < 0 || fclose(f)) {
		perror(p);
		exit(2);
	}
}

static void link_to(const char *target, const char *path)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, path);
	if (symlink(target, p)) {
		perror(p);
		exit(2);
	}
}

static void disk(const char *name, const char *format, const char *interval, const char *md)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/integrity/format", name);
	put(p, format);
	snprintf(p, sizeof(p), "%s/integrity/protection_interval_bytes", name);
	put(p, interval);
	snprintf(p, sizeof(p), "%s/integrity/write_generate", name);
	put(p, "1");
	snprintf(p, sizeof(p), "%s/integrity/read_verify", name);
	put(p, "0");
	if (md) {
		snprintf(p, sizeof(p), "%s/metadata_bytes", name);
		put(p, md);
	}
}

/* A stacked device (no metadata size of its own) over the disk slave, made before it. */
static void stacked(const char *name, const char *format, const char *interval, const char *slave)
{
	char p[256], target[96];

	disk(name, format, interval, NULL);
	snprintf(p, sizeof(p), "%s/slaves/.keep", name);
	put(p, "");
	snprintf(p, sizeof(p), "%s/slaves/%s", name, slave);
	snprintf(target, sizeof(target), "../../%s", slave);
	link_to(target, p);
}

/* pi_first callback: answers *arg, records the disk asked about. */
static char asked[64];
static int answer(const char *leaf, void *arg)
{
	snprintf(asked, sizeof(asked), "%s", leaf);
	return *(int *)arg;
}

/* Discover root/dir with pi_first answering first; 0 or -1, reason in err. */
static int discover(const char *dir, int first, struct upi_dev *dev, char *err, size_t errlen)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, dir);
	asked[0] = 0;
	err[0] = 0;
	if (upi_sysfs_read(p, dir, dev, err, errlen))
		return -1;
	return upi_sysfs_profile(p, dir, answer, &first, dev, err, errlen);
}

static void expect(const char *dir, int first, uint32_t interval, uint32_t md, uint32_t tuple, uint32_t off,
		   int type, const char *leaf)
{
	struct upi_dev dev;
	char err[256];
	int r = discover(dir, first, &dev, err, sizeof(err));

	CHECK(r == 0, "%s: discovered: %s", dir, err);
	if (r)
		return;
	CHECK(dev.prof.interval == interval && dev.prof.md_size == md && dev.prof.tuple_size == tuple &&
	      dev.prof.pi_offset == off && dev.prof.type == type,
	      "%s: %u+%u, %u-byte tuple at %u, Type %d; want %u+%u, %u at %u, Type %d", dir, dev.prof.interval,
	      dev.prof.md_size, dev.prof.tuple_size, dev.prof.pi_offset, dev.prof.type, interval, md, tuple, off, type);
	CHECK(!strcmp(asked, leaf), "%s: tuple position asked of '%s', want '%s'", dir, asked, leaf);
	CHECK(dev.write_generate == 1 && dev.read_verify == 0, "%s: write_generate %d read_verify %d", dir,
	      dev.write_generate, dev.read_verify);
	CHECK(dev.app_tag_check == (strstr(dir, "sd") == NULL && strcmp(dir, "dm-3") != 0 && strncmp(dir, "md1", 3)),
	      "%s: the app tag can%s be checked", dir, dev.app_tag_check ? "" : "not");
}

static void refused(const char *dir, int first, const char *reason)
{
	struct upi_dev dev;
	char err[256];

	CHECK(discover(dir, first, &dev, err, sizeof(err)) == -1 && strstr(err, reason) && !strchr(err, '\n'),
	      "%s refused: '%s', want '%s'", dir, err, reason);
}

static void test_sysfs(void)
{
	disk("nvme0n1", "T10-DIF-TYPE1-CRC", "512", "8");
	disk("nvme1n1", "EXT-DIF-TYPE1-CRC64", "4096", "64");
	disk("nvme2n1", "T10-DIF-TYPE3-CRC", "4096", "64");
	disk("sda", "T10-DIF-TYPE1-IP", "512", NULL);
	put("sda/device/scsi_level", "7");
	put("sda/sda1/partition", "1");
	disk("nvme3n1", "nop", "512", "0");
	disk("nvme4n1", "T10-DIF-TYPE1-CRC", "512", "1048576");
	put("nvme1n1/nvme1n1p1/partition", "1");
	/* dm over NVMe 4096+64 (as 6.12 shows it: no metadata size in integrity/), and over two of them */
	stacked("dm-0", "EXT-DIF-TYPE1-CRC64", "4096", "nvme1n1");
	stacked("dm-1", "EXT-DIF-TYPE1-CRC64", "4096", "dm-0");
	disk("nvme5n1", "EXT-DIF-TYPE1-CRC64", "4096", "16");
	stacked("dm-2", "EXT-DIF-TYPE1-CRC64", "4096", "nvme1n1");
	link_to("../../nvme5n1", "dm-2/slaves/nvme5n1");
	stacked("dm-3", "T10-DIF-TYPE1-IP", "512", "sda");
	/* partitions of stacked devices (md over NVMe 4096+64, over SCSI): the slaves are the disk's */
	stacked("md0", "EXT-DIF-TYPE1-CRC64", "4096", "nvme1n1");
	put("md0/md0p1/partition", "1");
	stacked("md1", "T10-DIF-TYPE1-IP", "512", "sda");
	put("md1/md1p1/partition", "1");
	disk("nvme6n1", "T10-DIF-TYPE1-CRC", "0512", "016");	/* decimal, whatever the leading zeros */
	put("nodisk/size", "8");

	expect("nvme0n1", -1, 512, 8, 8, 0, 1, "");
	expect("nvme1n1", 0, 4096, 64, 16, 48, 1, "nvme1n1");
	expect("nvme1n1", 1, 4096, 64, 16, 0, 1, "nvme1n1");
	expect("nvme2n1", 0, 4096, 64, 8, 56, 3, "nvme2n1");
	expect("nvme1n1/nvme1n1p1", 1, 4096, 64, 16, 0, 1, "nvme1n1");
	expect("sda", -1, 512, 8, 8, 0, 1, "");
	expect("sda/sda1", -1, 512, 8, 8, 0, 1, "");
	expect("dm-0", 0, 4096, 64, 16, 48, 1, "nvme1n1");
	expect("dm-1", 1, 4096, 64, 16, 0, 1, "nvme1n1");
	expect("dm-3", -1, 512, 8, 8, 0, 1, "");
	expect("nvme6n1", 0, 512, 16, 8, 8, 1, "nvme6n1");
	expect("md0/md0p1", 1, 4096, 64, 16, 0, 1, "nvme1n1");
	expect("md1/md1p1", -1, 512, 8, 8, 0, 1, "");
	refused("nvme1n1", -1, "nvme1n1: 64 bytes of metadata per interval, and neither FS_IOC_GETLBMD_CAP");
	refused("dm-0", -1, "nor NVMe Identify (of nvme1n1) tells where the PI tuple is");
	refused("dm-2", 0, "dm-2: the devices under it have different metadata sizes");
	refused("nvme3n1", 0, "nvme3n1 has no PI integrity profile (format=nop)");
	refused("nvme4n1", 0, "nvme4n1: 1048576 bytes of metadata per 512-byte interval");
	refused("nodisk", 0, "nodisk: the kernel has no block integrity support");
}

static void test_cap(void)
{
	static const struct { struct upi_lbmd_cap cap; uint32_t md, off; int type; const char *reason; } cases[] = {
		{ { UPI_LBMD_CAP_INTEGRITY | UPI_LBMD_CAP_REFTAG, 512, 8, 0, 0, 8, 0, UPI_LBMD_CSUM_CRC16_T10DIF, 2, 4, 0 },
		  8, 0, 1, NULL },
		{ { UPI_LBMD_CAP_INTEGRITY | UPI_LBMD_CAP_REFTAG, 4096, 64, 48, 0, 16, 48, UPI_LBMD_CSUM_CRC64_NVME, 2, 6, 0 },
		  64, 48, 1, NULL },
		{ { UPI_LBMD_CAP_INTEGRITY, 4096, 16, 0, 0, 16, 0, UPI_LBMD_CSUM_CRC64_NVME, 2, 0, 0 }, 16, 0, 3, NULL },
		{ { UPI_LBMD_CAP_INTEGRITY | UPI_LBMD_CAP_REFTAG, 4096, 16, 0, 0, 16, 0, UPI_LBMD_CSUM_CRC64_NVME, 2, 4, 2 },
		  0, 0, 0, "d: the format has a 2-byte storage tag; the engine supports PI without storage tags only" },
		{ { UPI_LBMD_CAP_INTEGRITY | UPI_LBMD_CAP_REFTAG, 4096, 16, 0, 0, 16, 0, UPI_LBMD_CSUM_CRC64_NVME, 2, 4, 0 },
		  0, 0, 0, "d: 2-byte app tag and 4-byte ref tag in a 16-byte PI tuple; the engine knows 2 and 6 only" },
		{ { UPI_LBMD_CAP_INTEGRITY | UPI_LBMD_CAP_REFTAG, 512, 8, 0, 0, 8, 0, UPI_LBMD_CSUM_CRC16_T10DIF, 2, 0, 0 },
		  0, 0, 0, "d: 2-byte app tag and 0-byte ref tag in a 8-byte PI tuple; the engine knows 2 and 4 only" },
		{ { UPI_LBMD_CAP_INTEGRITY, 512, 8, 0, 0, 8, 0, UPI_LBMD_CSUM_CRC16_T10DIF, 2, 4, 0 },
		  0, 0, 0, "d: 2-byte app tag and 4-byte ref tag in a 8-byte PI tuple; the engine knows 2 and 0 only" },
		{ { UPI_LBMD_CAP_INTEGRITY | UPI_LBMD_CAP_REFTAG, 512, 8, 0, 0, 8, 0, UPI_LBMD_CSUM_CRC16_T10DIF, 0, 4, 0 },
		  0, 0, 0, "d: 0-byte app tag and 4-byte ref tag" },
		{ { UPI_LBMD_CAP_INTEGRITY | UPI_LBMD_CAP_REFTAG, 512, 64, 8, 0, 8, 8, UPI_LBMD_CSUM_CRC16_T10DIF, 2, 4, 0 },
		  0, 0, 0, "d: PI tuple at offset 8 of 64 metadata bytes is neither first nor last" },
		{ { 0, 512, 8, 0, 0, 0, 0, 0, 0, 0, 0 }, 0, 0, 0, "d has no PI integrity profile" },
		{ { UPI_LBMD_CAP_INTEGRITY | UPI_LBMD_CAP_REFTAG, 1000, 8, 0, 0, 8, 0, UPI_LBMD_CSUM_CRC16_T10DIF, 2, 4, 0 },
		  0, 0, 0, "d: protection interval 1000 is not a power of two >= 512" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct upi_dev dev = { 0 };
		char err[256] = "";
		int r = upi_profile_from_cap(&cases[i].cap, "d", &dev, err, sizeof(err));

		if (!cases[i].reason)
			CHECK(r == 0 && dev.prof.md_size == cases[i].md && dev.prof.pi_offset == cases[i].off &&
			      dev.prof.type == cases[i].type && !strcmp(dev.source, "FS_IOC_GETLBMD_CAP"),
			      "cap %zu: %s; %u+%u at %u Type %d", i, err, dev.prof.interval, dev.prof.md_size,
			      dev.prof.pi_offset, dev.prof.type);
		else
			CHECK(r == -1 && strstr(err, cases[i].reason), "cap %zu refused: '%s', want '%s'", i, err,
			      cases[i].reason);
	}
}

/* The logical block size against the interval: equal or a multiple of it, nothing else. */
static void test_lbs(void)
{
	static const struct {
		uint32_t interval;
		long lbs;
		const char *reason;
	} cases[] = {
		{ 512, 512, NULL },
		{ 4096, 4096, NULL },
		{ 512, 4096, NULL },
		{ 4096, 512, "d: the 4096-byte protection interval does not divide the 512-byte logical block" },
		{ 512, 520, "d: logical block size 520 is not a power of two" },
		{ 512, 0, "d: logical block size 0 is not" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct upi_dev dev = { .prof.interval = cases[i].interval };
		char err[256] = "";
		int r = upi_set_lbs(&dev, "d", cases[i].lbs, err, sizeof(err));

		if (!cases[i].reason)
			CHECK(r == 0 && dev.lbs == cases[i].lbs, "lbs %zu: %s", i, err);
		else
			CHECK(r == -1 && strstr(err, cases[i].reason) && !dev.lbs, "lbs %zu refused: '%s', want '%s'", i,
			      err, cases[i].reason);
	}
}

int main(void)
{
	char cmd[96];

	snprintf(root, sizeof(root), "/tmp/upi-sysfs-XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 2;
	}
	test_sysfs();
	test_cap();
	test_lbs();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", root);
	return check_done();
}
