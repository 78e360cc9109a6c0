// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's io_uring PI interfaces, case by case, on a real PI device:
 * every case gets its exact errno, or correct data and tags.
 *
 *   pi_abi_test [-a sqe128|attr] [-e] [-x] [-t TEST,...] DEVICE
 *
 * -a picks the ABIs to test (default both); -e expects the ABI to be
 * unknown to the kernel (stock 6.12, mainline for sqe128): then the only
 * check is that a descriptor is never honoured silently. -x skips the
 * write whose metadata buffer ends in an unmapped page: Linux 6.18.15
 * oopses on it (docs/kernel-findings.md). -t runs only the named tests
 * (see tests[] at the end; default: every test but those marked "own
 * device"), e.g. -t iopoll,pins.
 * Prints "ok"/"FAIL" lines and "N passed, N failed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include "../../engines/pi.h"
#include "../../engines/profile.h"
#include "../../engines/sqe.h"

#include "../unit/check.h"

/* What a case does to the SQE after the descriptor is encoded. */
enum mutation {
	M_NONE,
	M_EXT_RSVD,		/* a reserved byte of the second half */
	M_EXT_PAD,		/* the u16 after meta_type */
	M_META_BIT,		/* an unknown meta_type bit */
	M_ATTR_BIT,		/* an unknown attribute bit */
	M_ATTR_PTR,		/* attr_ptr to an unmapped page */
	M_BOTH,			/* meta_type and attributes together */
	M_NOWAIT,		/* RWF_NOWAIT */
};

struct dev {
	const char *path;
	int fd, fd_buffered;
	struct upi_dev d;
	uint64_t size;
};

static struct dev dev;
static int is_scsi;		/* the device cannot check the app tag (a SCSI disk) */
static enum upi_abi abi;
static void *bad_page;		/* mapped PROT_NONE */
static int skip_last_page;	/* -x: the kernel is known to crash on that case */

/* Submit one read/write (or readv/writev) with a PI descriptor; return cqe->res. */
static int rw(struct io_uring *ring, int fd, int op, void *buf, size_t len, uint64_t off,
	      const struct upi_pi_desc *desc, enum mutation m)
{
	static struct upi_pi_desc attr;	/* stays valid until the kernel read it */
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	struct iovec iov = { buf, len };
	uint8_t *b = (uint8_t *)sqe;
	int res;

	switch (op) {
	case IORING_OP_READV:
		io_uring_prep_readv(sqe, fd, &iov, 1, off);
		break;
	case IORING_OP_WRITEV:
		io_uring_prep_writev(sqe, fd, &iov, 1, off);
		break;
	default:
		io_uring_prep_rw(op, sqe, fd, buf, len, off);
	}
	if (ring->flags & IORING_SETUP_SQE128)
		memset(b + 64, 0, 64);
	if (desc) {
		attr = *desc;
		if (abi == UPI_ABI_SQE128) {
			upi_sqe_set_pi_ext(sqe, desc);
			/* The encoder always clears rsvd; a case may want it set. */
			memcpy(b + UPI_SQE_PI_OFF + offsetof(struct upi_pi_desc, rsvd), &desc->rsvd, 8);
		} else {
			upi_sqe_set_pi_attr(sqe, &attr);
		}
	}
	switch (m) {
	case M_NONE:
		break;
	case M_EXT_RSVD:
		b[64 + 17] = 1;
		break;
	case M_EXT_PAD:
		b[46] = 1;
		break;
	case M_META_BIT:
		b[44] |= 2;
		break;
	case M_ATTR_BIT:
		b[56] |= 2;
		break;
	case M_ATTR_PTR: {
		uint64_t p = (uint64_t)(uintptr_t)bad_page;

		memcpy(b + 48, &p, 8);
		break;
	}
	case M_BOTH: {
		uint64_t mask = 1;

		b[44] = 1;
		memcpy(b + 56, &mask, 8);
		break;
	}
	case M_NOWAIT:
		sqe->rw_flags = RWF_NOWAIT;
		break;
	}
	io_uring_submit(ring);
	if (io_uring_wait_cqe(ring, &cqe))
		return -9999;
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

/* The ring flags the ABI under test needs. */
static unsigned int abi_ring_flags(void)
{
	return abi == UPI_ABI_SQE128 ? IORING_SETUP_SQE128 : 0;
}

static int ring_init(struct io_uring *ring, unsigned int entries, unsigned int flags)
{
	int ret = io_uring_queue_init(entries, ring, flags);

	if (ret) {
		fprintf(stderr, "pi_abi_test: io_uring_queue_init: %s\n", strerror(-ret));
		exit(2);
	}
	return 0;
}

static const struct pi_profile *prof(void)
{
	return &dev.d.prof;
}

/* An I/O of n intervals at interval index lba, its data and metadata buffers. */
struct io {
	uint8_t *data, *md, *md_alloc;
	size_t len, md_len;
	uint64_t off, seed;
	struct upi_pi_desc desc;
	struct pi_io pio;
};

static void io_make(struct io *io, size_t n, uint64_t lba, size_t md_misalign, uint64_t seed, unsigned int checks)
{
	const struct pi_profile *p = prof();

	io->len = n * p->interval;
	io->md_len = pi_md_len(p, io->len);
	io->off = lba * p->interval;
	io->seed = seed;
	if (posix_memalign((void **)&io->data, 4096, io->len) ||
	    posix_memalign((void **)&io->md_alloc, 4096, io->md_len + 2 * 4096))
		exit(2);
	io->md = io->md_alloc + md_misalign;
	for (size_t i = 0; i < io->len; i++)
		io->data[i] = (uint8_t)(rand() >> 7);
	for (size_t i = 0; i < io->md_len; i++)
		io->md[i] = (uint8_t)(rand() >> 7);
	io->pio = (struct pi_io){ .seed = seed, .app_tag = 0x4242, .app_mask = 0xffff, .checks = PI_TAG_ALL };
	io->desc = (struct upi_pi_desc){
		.flags = (uint16_t)checks, .app_tag = 0x4242, .len = (uint32_t)io->md_len,
		.addr = (uint64_t)(uintptr_t)io->md, .seed = seed,
	};
}

static void io_free(struct io *io)
{
	free(io->data);
	free(io->md_alloc);
}

static void in_child(void (*fn)(void));

/* Every check the device can make: SCSI has no app tag check (-EOPNOTSUPP). */
static unsigned int dev_checks(void)
{
	return UPI_INTEGRITY_CHK_GUARD | UPI_INTEGRITY_CHK_REFTAG | (is_scsi ? 0 : UPI_INTEGRITY_CHK_APPTAG);
}

/* Write io with fresh PI; read it back into new buffers; compare data and check every tuple. */

static void roundtrip(struct io_uring *ring, const char *name, size_t n, uint64_t lba, size_t misalign,
		      uint64_t seed, int wop, int rop)
{
	const unsigned int chk = dev_checks();
	struct io w, r;
	unsigned int bad;
	int res;

	io_make(&w, n, lba, misalign, seed, chk);
	pi_generate(prof(), w.data, w.len, w.md, &w.pio);
	res = rw(ring, dev.fd, wop, w.data, w.len, w.off, &w.desc, M_NONE);
	CHECK(res == (int)w.len, "%s: write returns %zu: %d (%s)", name, w.len, res, res < 0 ? strerror(-res) : "");
	io_make(&r, n, lba, misalign, seed, chk);
	res = rw(ring, dev.fd, rop, r.data, r.len, r.off, &r.desc, M_NONE);
	CHECK(res == (int)r.len, "%s: read returns %zu: %d (%s)", name, r.len, res, res < 0 ? strerror(-res) : "");
	CHECK(!memcmp(w.data, r.data, w.len), "%s: data read back equals data written", name);
	bad = pi_verify(prof(), r.data, r.len, r.md, &r.pio, NULL, 0);
	CHECK(bad == 0, "%s: every tuple read back is right (%u bad)", name, bad);
	io_free(&w);
	io_free(&r);
}

/* One I/O that must fail with exactly errno e. */
static void expect_errno(struct io_uring *ring, const char *name, int fd, int op, int e, enum mutation m,
			 void (*tweak)(struct io *))
{
	struct io io;
	int res;

	io_make(&io, 2, 64, 0, 64, UPI_INTEGRITY_CHK_GUARD);
	pi_generate(prof(), io.data, io.len, io.md, &io.pio);
	if (tweak)
		tweak(&io);
	res = rw(ring, fd, op, io.data, io.len, io.off, &io.desc, m);
	CHECK(res == -e, "%s: %s, got %d (%s)", name, strerror(e), res, res < 0 ? strerror(-res) : "success");
	io_free(&io);
}

static void t_short(struct io *io) { io->desc.len -= prof()->md_size; }
static void t_zero(struct io *io) { io->desc.len = 0; }
static void t_rsvd(struct io *io) { io->desc.rsvd = 1; }
static void t_flags(struct io *io) { io->desc.flags = 1 << 3; }
static void t_kernel_addr(struct io *io) { io->desc.addr = 0xffff888000000000ULL; }
static void t_unmapped(struct io *io) { io->desc.addr = (uint64_t)(uintptr_t)bad_page; }
static void t_bad_guard(struct io *io) { io->md[prof()->pi_offset] ^= 1; }
static void t_bad_apptag(struct io *io)
{
	io->desc.flags = UPI_INTEGRITY_CHK_APPTAG;
	io->desc.app_tag ^= 0x10;
}

/*
 * A multi-bio write whose metadata buffer ends in an unmapped page: the
 * first bios are submitted before the last one fails to map, so the error
 * comes back through the block layer's status: -EIO.
 */
static void test_last_page_unmapped(struct io_uring *ring)
{
	size_t n = 3 * 1048576 / prof()->interval, md_len = pi_md_len(prof(), n * prof()->interval);
	size_t pages = (md_len + 4095) / 4096 + 1;
	uint8_t *map = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct io io;
	int res;

	io_make(&io, n, 8192, 0, 8192, UPI_INTEGRITY_CHK_GUARD);
	/* Valid PI, so that the bios before the last one succeed; its last byte in the PROT_NONE page. */
	pi_generate(prof(), io.data, io.len, io.md, &io.pio);
	memcpy(map + (pages - 1) * 4096 + 1 - md_len, io.md, md_len - 1);
	mprotect(map + (pages - 1) * 4096, 4096, PROT_NONE);
	io.desc.addr = (uint64_t)(uintptr_t)(map + (pages - 1) * 4096 + 1 - md_len);
	res = rw(ring, dev.fd, IORING_OP_WRITE, io.data, io.len, io.off, &io.desc, M_NONE);
	CHECK(res == -EIO, "3 MiB write, metadata buffer's last page unmapped: %s, got %d (%s)", strerror(EIO), res,
	      res < 0 ? strerror(-res) : "success");
	io_free(&io);
	munmap(map, pages * 4096);
}

/* Tags of a read with and without the checks the write's PI deserves. */
static void test_checks(struct io_uring *ring)
{
	struct io io;
	int res;

	expect_errno(ring, "write with a wrong guard, guard checked", dev.fd, IORING_OP_WRITE, EILSEQ, M_NONE,
		     t_bad_guard);
	io_make(&io, 2, 64, 0, 64, 0);
	pi_generate(prof(), io.data, io.len, io.md, &io.pio);
	io.md[prof()->pi_offset] ^= 1;
	res = rw(ring, dev.fd, IORING_OP_WRITE, io.data, io.len, io.off, &io.desc, M_NONE);
	CHECK(res == (int)io.len, "write with a wrong guard, nothing checked, succeeds: %d", res);
	io_free(&io);
	roundtrip(ring, "write then read, all checks", 2, 64, 0, 64, IORING_OP_WRITE, IORING_OP_READ);
	expect_errno(ring, "read expecting another app tag, app tag checked", dev.fd, IORING_OP_READ, EILSEQ,
		     M_NONE, t_bad_apptag);
}

static void test_abi(void)
{
	struct io_uring ring, ring64;

	ring_init(&ring, 64, abi_ring_flags());
	if (abi == UPI_ABI_ATTR && !(ring.features & UPI_FEAT_RW_ATTR))
		CHECK(0, "ring advertises IORING_FEAT_RW_ATTR");

	test_checks(&ring);

	expect_errno(&ring, "metadata one tuple short", dev.fd, IORING_OP_WRITE, EINVAL, M_NONE, t_short);
	expect_errno(&ring, "metadata length 0", dev.fd, IORING_OP_WRITE, EINVAL, M_NONE, t_zero);
	expect_errno(&ring, "descriptor rsvd non-zero", dev.fd, IORING_OP_WRITE, EINVAL, M_NONE, t_rsvd);
	expect_errno(&ring, "unknown check flag", dev.fd, IORING_OP_READ, EINVAL, M_NONE, t_flags);
	expect_errno(&ring, "metadata address in the kernel half", dev.fd, IORING_OP_READ, EFAULT, M_NONE,
		     t_kernel_addr);
	expect_errno(&ring, "metadata buffer unmapped", dev.fd, IORING_OP_WRITE, EIO, M_NONE, t_unmapped);
	if (!skip_last_page)
		test_last_page_unmapped(&ring);
	expect_errno(&ring, "buffered fd", dev.fd_buffered, IORING_OP_WRITE, EOPNOTSUPP, M_NONE, NULL);
	expect_errno(&ring, "meta_type and attributes together", dev.fd, IORING_OP_WRITE, EINVAL, M_BOTH, NULL);
	if (abi == UPI_ABI_SQE128) {
		expect_errno(&ring, "reserved byte of the SQE's second half", dev.fd, IORING_OP_WRITE, EINVAL,
			     M_EXT_RSVD, NULL);
		expect_errno(&ring, "u16 after meta_type", dev.fd, IORING_OP_WRITE, EINVAL, M_EXT_PAD, NULL);
		expect_errno(&ring, "unknown meta_type bit", dev.fd, IORING_OP_WRITE, EINVAL, M_META_BIT, NULL);
		expect_errno(&ring, "WRITEV with the extended SQE", dev.fd, IORING_OP_WRITEV, EOPNOTSUPP, M_NONE,
			     NULL);
		expect_errno(&ring, "READV with the extended SQE", dev.fd, IORING_OP_READV, EOPNOTSUPP, M_NONE,
			     NULL);
		ring_init(&ring64, 8, 0);
		expect_errno(&ring64, "meta_type on a ring without SQE128", dev.fd, IORING_OP_WRITE, EINVAL,
			     M_NONE, NULL);
		io_uring_queue_exit(&ring64);
	} else {
		expect_errno(&ring, "unknown attribute bit", dev.fd, IORING_OP_WRITE, EINVAL, M_ATTR_BIT, NULL);
		expect_errno(&ring, "attr_ptr unmapped", dev.fd, IORING_OP_WRITE, EFAULT, M_ATTR_PTR, NULL);
		roundtrip(&ring, "WRITEV/READV with attributes", 4, 128, 0, 128, IORING_OP_WRITEV,
			  IORING_OP_READV);
	}

	/* Alignment and size: unaligned, page-crossing, multi-bio (> 1 MiB). */
	roundtrip(&ring, "metadata buffer at an odd address", 8, 256, 3, 256, IORING_OP_WRITE, IORING_OP_READ);
	roundtrip(&ring, "metadata buffer crossing a page", 64, 512, 4096 - prof()->md_size * 2 - 4, 512,
		  IORING_OP_WRITE, IORING_OP_READ);
	roundtrip(&ring, "3 MiB I/O, metadata at an odd address", 3 * 1048576 / prof()->interval, 8192, 3, 8192,
		  IORING_OP_WRITE, IORING_OP_READ);
	roundtrip(&ring, "3 MiB I/O, metadata 4-byte aligned, not page aligned", 3 * 1048576 / prof()->interval,
		  8192, 4, 8192, IORING_OP_WRITE, IORING_OP_READ);
	/* A seed far from the LBA, wider than 32 bits where the tuple has room (Type 1 remaps it). */
	roundtrip(&ring, "seed unrelated to the LBA", 16, 4096, 0,
		  prof()->tuple_size == 16 ? 0x0000a5a500001000ULL : 0x7f001000ULL, IORING_OP_WRITE,
		  IORING_OP_READ);
	io_uring_queue_exit(&ring);
}

/*
 * Metadata whose tuples straddle pages: the buffer 4 bytes past a multiple
 * of the tuple size (8 on a 64-byte format), crossing pages. Where it is
 * mapped in place and the device takes several integrity segments (SCSI
 * with DIX), each page is a segment and a tuple is split across two; the
 * ref tag remap must still see every tuple whole, on writes and on reads,
 * for a seed that is the LBA and one that is not. A page-crossing I/O and a
 * 3 MiB one (several bios) each; and data that would split intervals.
 */
static void test_split(void)
{
	const size_t md = prof()->md_size, n3 = 3 * 1048576 / prof()->interval;
	const size_t at = 4096 - 2 * md - 4;
	const uint64_t far = prof()->tuple_size == 16 ? 0x0000a5a500001000ULL : 0x7f001000ULL;
	struct io_uring ring;
	char name[128];

	ring_init(&ring, 8, abi_ring_flags());
	for (int s = 0; s < 2; s++) {
		snprintf(name, sizeof(name), "tuples split across pages (metadata at page offset %zu), %s", at,
			 s ? "seed not the LBA" : "seed the LBA");
		roundtrip(&ring, name, 64, 1024, at, s ? far : 1024, IORING_OP_WRITE, IORING_OP_READ);
		snprintf(name, sizeof(name), "3 MiB I/O, tuples split across pages, %s",
			 s ? "seed not the LBA" : "seed the LBA");
		roundtrip(&ring, name, n3, 16384, at, s ? far + 0x100000 : 16384, IORING_OP_WRITE,
			  IORING_OP_READ);
	}

	/*
	 * The data side: a direct write without metadata whose buffer is 4
	 * bytes past an interval boundary and crosses a page, so that a
	 * segment ends inside an interval. The kernel generates its PI; it must
	 * refuse the buffer (-EINVAL: this series, and mainline since it
	 * required interval alignment) or generate the right tuples across the
	 * split (later mainline on NVMe), read back with the device's checks.
	 */
	const size_t iv = prof()->interval, start = (iv < 4096 ? 4096 - 2 * iv : 0) + 4;
	struct io r;
	uint8_t *buf;
	ssize_t res;
	int rr;

	if (posix_memalign((void **)&buf, 4096, 4 * iv + 8192))
		exit(2);
	memset(buf, 0x5a, 4 * iv + 8192);
	snprintf(name, sizeof(name), "direct write without metadata, data at page offset %zu crossing a page", start);
	res = pwrite(dev.fd, buf + start, 4 * iv, 1024 * iv);
	if (res < 0) {
		CHECK(errno == EINVAL, "%s: refused with %s, or written with the right PI: got %s", name,
		      strerror(EINVAL), strerror(errno));
	} else {
		io_make(&r, 4, 1024, 0, 1024, UPI_INTEGRITY_CHK_GUARD | UPI_INTEGRITY_CHK_REFTAG);
		r.pio.checks = PI_TAG_GUARD | PI_TAG_REF;
		rr = rw(&ring, dev.fd, IORING_OP_READ, r.data, r.len, r.off, &r.desc, M_NONE);
		CHECK(res == (ssize_t)(4 * iv) && rr == (int)r.len && !memcmp(r.data, buf + start, r.len) &&
		      !pi_verify(prof(), r.data, r.len, r.md, &r.pio, NULL, 0),
		      "%s: written (%zd), so read back with the device's checks (%d) with its data and the PI "
		      "the kernel generated", name, res, rr);
		io_free(&r);
	}
	free(buf);
	io_uring_queue_exit(&ring);
}

/*
 * Many writes at once on a queue of depth 2 (nvme.io_queue_depth=2): the
 * block layer turns most NOWAIT submissions back with -EAGAIN and io_uring
 * reissues them. Every reissued write must keep its seed: a seed wider than
 * 32 bits on a 16-byte format fails the device's ref tag check otherwise.
 */
/* io_uring's io-wq threads of this process (iou-wrk-*): where -EAGAIN'd I/O is retried. */
static int count_io_workers(void)
{
	char path[64], comm[32];
	int n = 0;

	for (int tid = getpid(); tid < getpid() + 4096; tid++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "iou-wrk", 7))
			n++;
		fclose(f);
	}
	return n;
}

static void test_retry(void)
{
	enum { N = 128, NINT = 16 };
	int workers;
	struct io_uring ring;
	struct io w[N];
	uint64_t base = prof()->tuple_size == 16 ? 0x0000c0de00000000ULL : 0xc0de0000ULL;
	int ok = 0;

	ring_init(&ring, N, abi_ring_flags());
	for (int i = 0; i < N; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		uint64_t lba = 16384 + (uint64_t)i * NINT;

		io_make(&w[i], NINT, lba, 0, base + lba,
			UPI_INTEGRITY_CHK_GUARD | UPI_INTEGRITY_CHK_REFTAG | UPI_INTEGRITY_CHK_APPTAG);
		pi_generate(prof(), w[i].data, w[i].len, w[i].md, &w[i].pio);
		io_uring_prep_write(sqe, dev.fd, w[i].data, (unsigned int)w[i].len, w[i].off);
		if (abi == UPI_ABI_SQE128) {
			memset((uint8_t *)sqe + 64, 0, 64);
			upi_sqe_set_pi_ext(sqe, &w[i].desc);
		} else {
			upi_sqe_set_pi_attr(sqe, &w[i].desc);
		}
	}
	io_uring_submit(&ring);
	workers = count_io_workers();
	for (int i = 0; i < N; i++) {
		struct io_uring_cqe *cqe;

		if (io_uring_wait_cqe(&ring, &cqe))
			break;
		if (!workers)
			workers = count_io_workers();
		ok += cqe->res == (int)(NINT * prof()->interval);
		if (cqe->res < 0)
			printf("     write failed: %s\n", strerror(-cqe->res));
		io_uring_cqe_seen(&ring, cqe);
	}
	CHECK(workers > 0, "some of %d concurrent writes were retried by io-wq workers (%d seen); "
	      "boot with nvme.io_queue_depth=2", N, workers);
	CHECK(ok == N, "%d concurrent writes on a depth-2 queue (reissued after -EAGAIN) keep their seed: %d ok",
	      N, ok);
	for (int i = 0; i < N; i++) {
		struct io r;

		io_make(&r, NINT, w[i].off / prof()->interval, 0, w[i].seed, UPI_INTEGRITY_CHK_ALL);
		if (rw(&ring, dev.fd, IORING_OP_READ, r.data, r.len, r.off, &r.desc, M_NONE) != (int)r.len ||
		    memcmp(r.data, w[i].data, r.len) || pi_verify(prof(), r.data, r.len, r.md, &r.pio, NULL, 0))
			ok--;
		io_free(&r);
		io_free(&w[i]);
	}
	CHECK(ok == N, "and read back with their data and tags");
	io_uring_queue_exit(&ring);
}

/*
 * A ring set up with IORING_SETUP_IOPOLL polls its reads and writes through
 * the kiocb's ->private, which the block layer keeps a bio (or NULL): it must
 * never see the metadata descriptor there (the kernel took its seed for a
 * bio's bi_bdev and oopsed).
 */
static void test_iopoll(void)
{
	struct io_uring ring;

	ring_init(&ring, 8, IORING_SETUP_IOPOLL | abi_ring_flags());
	roundtrip(&ring, "IOPOLL ring, one 4 KiB write then read", 4096 / prof()->interval, 2048, 0, 2048,
		  IORING_OP_WRITE, IORING_OP_READ);
	roundtrip(&ring, "IOPOLL ring, 3 MiB, metadata at an odd address", 3 * 1048576 / prof()->interval, 8192, 3,
		  8192, IORING_OP_WRITE, IORING_OP_READ);
	io_uring_queue_exit(&ring);
}

/*
 * Pages pinned for I/O and not released yet, system-wide (/proc/vmstat),
 * with the per-CPU deltas folded in first (vm.stat_refresh), else the
 * counters lag by up to a batch per CPU.
 */
static long long pins_held(void)
{
	long long v, acquired = -1, released = -1;
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	char name[64];
	FILE *f;

	if (fd < 0 || write(fd, "1", 1) != 1 || close(fd))
		return -1;
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acquired = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			released = v;
	}
	fclose(f);
	return acquired < 0 || released < 0 ? -1 : acquired - released;
}

/*
 * A copy of len bytes of data in pages faulted in from the last to the
 * first, so that they are not physically contiguous: the block layer merges
 * contiguous pages into one bvec, and 257 of them would fit in one bio.
 */
static uint8_t *scattered_copy(const uint8_t *data, size_t len)
{
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		exit(2);
	for (size_t off = (len - 1) / 4096 * 4096;; off -= 4096) {
		memcpy(p + off, data + off, len - off < 4096 ? len - off : 4096);
		if (!off)
			break;
	}
	return p;
}

/*
 * I/Os of 1 MiB + 4 KiB in 257 scattered pages, two bios: a non-blocking attempt gives up with
 * -EAGAIN before the second bio, and must leave no metadata page pinned
 * (nor a bounce buffer). io_uring's first attempt is non-blocking, so every
 * such I/O goes that way once before io-wq reissues it; with RWF_NOWAIT the
 * caller gets the -EAGAIN. Metadata page aligned (mapped in place where the
 * device takes it) and at an odd address (bounced). PINS_N I/Os of each kind
 * (default 1000; the debug kernel's run takes fewer).
 */
static void test_pins(void)
{
	const int N = getenv("PINS_N") ? atoi(getenv("PINS_N")) : 1000;
	static const struct {
		int op, nowait;
		size_t misalign;
	} v[] = {
		{ IORING_OP_WRITE, 1, 0 }, { IORING_OP_WRITE, 1, 3 }, { IORING_OP_READ, 1, 0 }, { IORING_OP_READ, 1, 3 },
		{ IORING_OP_WRITE, 0, 0 }, { IORING_OP_WRITE, 0, 3 }, { IORING_OP_READ, 0, 0 }, { IORING_OP_READ, 0, 3 },
	};
	size_t n = (1048576 + 4096) / prof()->interval;
	struct io_uring ring;

	CHECK(pins_held() >= 0, "/proc/vmstat has nr_foll_pin_acquired and nr_foll_pin_released");
	ring_init(&ring, 8, abi_ring_flags());
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		const char *what = v[k].op == IORING_OP_WRITE ? "writes" : "reads";
		const char *md = v[k].misalign ? "metadata at an odd address" : "metadata page aligned";
		int want, ok = 0;
		long long before, after;
		struct io io;

		uint8_t *data;

		io_make(&io, n, 24576, v[k].misalign, 24576, UPI_INTEGRITY_CHK_GUARD | UPI_INTEGRITY_CHK_REFTAG);
		pi_generate(prof(), io.data, io.len, io.md, &io.pio);
		data = scattered_copy(io.data, io.len);
		want = v[k].nowait ? -EAGAIN : (int)io.len;
		before = pins_held();
		for (int i = 0; i < N; i++)
			ok += rw(&ring, dev.fd, v[k].op, data, io.len, io.off, &io.desc,
				 v[k].nowait ? M_NOWAIT : M_NONE) == want;
		after = pins_held();
		munmap(data, io.len);
		CHECK(ok == N, "%d 1 MiB + 4 KiB %s%s, %s: %s in %d", N, v[k].nowait ? "RWF_NOWAIT " : "", what, md,
		      v[k].nowait ? "EAGAIN" : "done", ok);
		CHECK(after == before, "%d 1 MiB + 4 KiB %s%s, %s: pinned pages balance (%lld held before, %lld after)",
		      N, v[k].nowait ? "RWF_NOWAIT " : "", what, md, before, after);
		io_free(&io);
	}
	io_uring_queue_exit(&ring);
}

/*
 * Metadata from a read-only shared mapping of a file the process cannot
 * write, for a write whose seed is not the LBA: the kernel remaps the ref
 * tags to the LBA on the way down, and must do it on its own copy, not in
 * the file's page cache. Run by an unprivileged user (nobody), who keeps
 * only the open device.
 */
static char ro_path[64];
static struct io ro_io;

static void ro_write(void)
{
	struct io_uring ring;
	void *map;
	int fd, res;

	CHECK(setgid(65534) == 0 && setuid(65534) == 0, "drop to nobody: %s", strerror(errno));
	CHECK(open(ro_path, O_RDWR) < 0 && errno == EACCES, "nobody cannot open the file for writing");
	fd = open(ro_path, O_RDONLY);
	map = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "map the file read-only%s%s", map == MAP_FAILED ? ": " : "",
	      map == MAP_FAILED ? strerror(errno) : "");
	if (map == MAP_FAILED)
		return;
	ro_io.desc.addr = (uint64_t)(uintptr_t)map;
	ring_init(&ring, 8, abi_ring_flags());
	res = rw(&ring, dev.fd, IORING_OP_WRITE, ro_io.data, ro_io.len, ro_io.off, &ro_io.desc, M_NONE);
	CHECK(res == (int)ro_io.len, "write with metadata from the read-only mapping: %d (%s)", res,
	      res < 0 ? strerror(-res) : "");
	io_uring_queue_exit(&ring);
}

static void test_romap(void)
{
	uint8_t file[4096];
	struct io_uring ring;
	struct io r;
	int fd, res;

	if (prof()->type == 3) {
		printf("     romap: skipped, Type 3 has no ref tag to remap\n");
		return;
	}
	io_make(&ro_io, 2, 3072, 0, 0x51000, dev_checks());
	pi_generate(prof(), ro_io.data, ro_io.len, ro_io.md, &ro_io.pio);
	memset(file, 0, sizeof(file));
	memcpy(file, ro_io.md, ro_io.md_len);
	snprintf(ro_path, sizeof(ro_path), "/tmp/pi_abi_ro.%d", (int)getpid());
	fd = open(ro_path, O_CREAT | O_TRUNC | O_WRONLY, 0444);
	if (fd < 0 || write(fd, file, sizeof(file)) != (ssize_t)sizeof(file) || close(fd))
		exit(2);
	in_child(ro_write);
	fd = open(ro_path, O_RDONLY);
	res = fd < 0 ? -1 : (int)read(fd, file, sizeof(file));
	CHECK(res == (int)sizeof(file) && !memcmp(file, ro_io.md, ro_io.md_len),
	      "the file's page cache is unchanged (ref tags not remapped in place)");
	close(fd);
	unlink(ro_path);
	io_make(&r, 2, 3072, 0, 0x51000, dev_checks());
	ring_init(&ring, 8, abi_ring_flags());
	res = rw(&ring, dev.fd, IORING_OP_READ, r.data, r.len, r.off, &r.desc, M_NONE);
	io_uring_queue_exit(&ring);
	CHECK(res == (int)r.len && !memcmp(r.data, ro_io.data, r.len) &&
	      !pi_verify(prof(), r.data, r.len, r.md, &r.pio, NULL, 0),
	      "and the device has the data with the tags of the seed: %d", res);
	io_free(&r);
	io_free(&ro_io);
}

/*
 * A file that cannot take metadata (tmpfs, O_DIRECT): -EINVAL, as mainline
 * answers for the attribute ABI, on both ABIs.
 */
static void test_nofile(void)
{
	char path[64];
	struct io_uring ring;
	int fd;

	snprintf(path, sizeof(path), "/tmp/pi_abi_nomd.%d", (int)getpid());
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR | O_DIRECT, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 1 << 20) == 0, "an O_DIRECT file on tmpfs: %s", strerror(errno));
	if (fd < 0)
		return;
	ring_init(&ring, 8, abi_ring_flags());
	expect_errno(&ring, "write to a file without metadata support", fd, IORING_OP_WRITE, EINVAL, M_NONE, NULL);
	expect_errno(&ring, "read from a file without metadata support", fd, IORING_OP_READ, EINVAL, M_NONE, NULL);
	io_uring_queue_exit(&ring);
	close(fd);
	unlink(path);
}

/*
 * SCSI: nothing tells the HBA or the disk an app tag to check, so asking
 * for the check fails with -EOPNOTSUPP before anything is written; the
 * other checks work.
 */
static void test_scsi_apptag(void)
{
	struct io_uring ring;
	struct io w, r;
	int res;

	ring_init(&ring, 8, abi_ring_flags());
	roundtrip(&ring, "write then read, guard and ref tag checked", 8, 512, 0, 512, IORING_OP_WRITE,
		  IORING_OP_READ);
	io_make(&w, 8, 512, 0, 512, UPI_INTEGRITY_CHK_GUARD | UPI_INTEGRITY_CHK_APPTAG);
	pi_generate(prof(), w.data, w.len, w.md, &w.pio);
	res = rw(&ring, dev.fd, IORING_OP_WRITE, w.data, w.len, w.off, &w.desc, M_NONE);
	CHECK(res == -EOPNOTSUPP, "write asking for the app tag check: %s, got %d (%s)", strerror(EOPNOTSUPP), res,
	      res < 0 ? strerror(-res) : "success");
	io_make(&r, 8, 512, 0, 512, UPI_INTEGRITY_CHK_GUARD | UPI_INTEGRITY_CHK_APPTAG);
	res = rw(&ring, dev.fd, IORING_OP_READ, r.data, r.len, r.off, &r.desc, M_NONE);
	CHECK(res == -EOPNOTSUPP, "read asking for the app tag check: %s, got %d (%s)", strerror(EOPNOTSUPP), res,
	      res < 0 ? strerror(-res) : "success");
	r.desc.flags = UPI_INTEGRITY_CHK_GUARD;
	res = rw(&ring, dev.fd, IORING_OP_READ, r.data, r.len, r.off, &r.desc, M_NONE);
	CHECK(res == (int)r.len && memcmp(r.data, w.data, r.len) && !pi_verify(prof(), r.data, r.len, r.md, &r.pio, NULL, 0),
	      "the refused write wrote nothing: the blocks keep the roundtrip's data and tags (%d)", res);
	io_free(&w);
	io_free(&r);
	io_uring_queue_exit(&ring);
}

/*
 * A device exported by an in-kernel PI producer (tests/kabi/lio.sh: LIO's
 * block backend over an NVMe namespace, seen here as a SCSI disk): the
 * target passes the PI down in payloads of its own, which the namespace
 * must still check. A wrong guard from here (not checked on the way: the
 * loopback HBA checks nothing) is caught by the namespace.
 */
static void test_target(void)
{
	struct io_uring ring;
	struct io w;
	int res;

	ring_init(&ring, 8, abi_ring_flags());
	roundtrip(&ring, "through the target: write then read, tags right", 8, 1024, 0, 1024, IORING_OP_WRITE,
		  IORING_OP_READ);
	io_make(&w, 8, 1024, 0, 1024, 0);
	pi_generate(prof(), w.data, w.len, w.md, &w.pio);
	w.md[prof()->pi_offset] ^= 1;
	res = rw(&ring, dev.fd, IORING_OP_WRITE, w.data, w.len, w.off, &w.desc, M_NONE);
	CHECK(res == -EIO, "through the target: a wrong guard is rejected by the namespace below: %s, got %d (%s)",
	      strerror(EIO), res, res < 0 ? strerror(-res) : "success");
	io_free(&w);
	io_uring_queue_exit(&ring);
}

/* A kernel that does not know the ABI must never be seen to honour it. */
static void test_unknown(void)
{
	struct io_uring ring;
	struct io io;
	int res;

	ring_init(&ring, 8, abi_ring_flags());
	io_make(&io, 2, 64, 0, 64, UPI_INTEGRITY_CHK_GUARD);
	memset(io.md, 0xa5, io.md_len);
	res = rw(&ring, dev.fd, IORING_OP_READ, io.data, io.len, io.off, &io.desc, M_NONE);
	for (size_t i = 0; i < io.md_len; i++)
		if (io.md[i] != 0xa5)
			res = -10000;
	CHECK(res == (int)io.len || res == -EINVAL,
	      "kernel without this ABI: the metadata buffer is left alone (%d)", res);
	if (abi == UPI_ABI_ATTR)
		CHECK(!(ring.features & UPI_FEAT_RW_ATTR), "kernel without this ABI: no IORING_FEAT_RW_ATTR");
	io_free(&io);
	io_uring_queue_exit(&ring);
}

/*
 * Fault injection (a kernel with FAILSLAB, FAIL_PAGE_ALLOC, FAIL_MAKE_REQUEST
 * and debugfs: vm/kernel.sh patched-debug). A child process with
 * /proc/self/make-it-fail set submits PI writes and reads, one interval and
 * multi-bio (1 MiB + 4 KiB in scattered pages), while kmalloc, page
 * allocations and the device's bios fail at a set rate (FAULT_PCT percent,
 * default 10 for one interval, 1 for the large I/O) on its task only. Every I/O must end either with its full length and, for a
 * read, correct data and tags, or with an error other than EILSEQ (a PI error
 * would mean an allocation failure corrupted the PI); no I/O may hang. The
 * parent, which does not fail, then reads every region written: each interval
 * holds the new data or, for a failed write, the old, with correct tags.
 * Pinned pages balance once the child is gone.
 */
#define FAULT_DIR "/sys/kernel/debug/"
#define FAULT_REGIONS 48

static int put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/* Data of region i, version v: a pattern the parent can rebuild. */
static void fill(uint8_t *p, size_t len, uint64_t i, uint64_t v)
{
	uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ULL ^ (v + 1) * 0xbf58476d1ce4e5b9ULL;

	for (size_t k = 0; k < len; k++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		p[k] = (uint8_t)x;
	}
}

/* Set up failslab, fail_page_alloc and fail_make_request for tasks with make-it-fail. */
static const char *const fault_attrs[] = { "failslab", "fail_page_alloc", "fail_make_request" };

/* Each fault attribute fails with pct % per call, of the tasks that ask for it only. */
static int faults_setup(const char *pct)
{
	char path[128];

	for (size_t k = 0; k < 3; k++) {
		snprintf(path, sizeof(path), FAULT_DIR "%s/probability", fault_attrs[k]);
		if (put(path, pct))
			return -1;
	}
	return 0;
}

/* Once: every call counts, no limit, only tasks with make-it-fail, and the device's bios too. */
static int faults_init(void)
{
	static const char *const kv[][2] = {
		{ "interval", "1" }, { "times", "-1" }, { "space", "0" }, { "verbose", "0" },
		{ "task-filter", "Y" },
	};
	const char *base = strrchr(dev.path, '/') ? strrchr(dev.path, '/') + 1 : dev.path;
	char path[128];

	if (faults_setup("0"))
		return -1;
	for (size_t k = 0; k < 3; k++) {
		for (size_t j = 0; j < sizeof(kv) / sizeof(kv[0]); j++) {
			snprintf(path, sizeof(path), FAULT_DIR "%s/%s", fault_attrs[k], kv[j][0]);
			if (put(path, kv[j][1]))
				return -1;
		}
		/* failslab and fail_page_alloc spare sleeping allocations unless told. */
		snprintf(path, sizeof(path), FAULT_DIR "%s/ignore-gfp-wait", fault_attrs[k]);
		if (k < 2 && put(path, "N"))
			return -1;
	}
	snprintf(path, sizeof(path), "/sys/block/%s/make-it-fail", base);
	return put(path, "1");
}

struct fault_result {
	int res[FAULT_REGIONS];
	int bad_data;		/* reads that completed with wrong data or tags */
	int hung;
};

/* One I/O of the child, never waiting forever: its result, or -ETIMEDOUT. */
static int faulty_rw(struct io_uring *ring, int op, struct io *io)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct __kernel_timespec ts = { .tv_sec = 60 };
	struct io_uring_cqe *cqe;
	int ret, tries = 0;

	io_uring_prep_rw(op, sqe, dev.fd, io->data, (unsigned int)io->len, io->off);
	if (abi == UPI_ABI_SQE128) {
		memset((uint8_t *)sqe + 64, 0, 64);
		upi_sqe_set_pi_ext(sqe, &io->desc);
	} else {
		upi_sqe_set_pi_attr(sqe, &io->desc);
	}
	/* io_uring_enter itself may fail to allocate: the SQE stays queued, submit again. */
	while ((ret = io_uring_submit(ring)) <= 0 && tries++ < 1000)
		if (ret < 0 && ret != -ENOMEM && ret != -EAGAIN && ret != -EINTR)
			return ret;
	do
		ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	while (ret == -EINTR);
	if (ret)
		return -ETIMEDOUT;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

/* The child: make-it-fail on, one I/O per region, results into r. */
static void fault_child(struct fault_result *r, int op, size_t n, uint64_t lba0)
{
	static struct io io[FAULT_REGIONS];
	struct io_uring ring;

	ring_init(&ring, 4, abi_ring_flags());
	for (int i = 0; i < FAULT_REGIONS; i++) {
		io_make(&io[i], n, lba0 + (uint64_t)i * n, 3 * (i & 1), lba0 + (uint64_t)i * n,
			UPI_INTEGRITY_CHK_GUARD | UPI_INTEGRITY_CHK_REFTAG);
		if (op == IORING_OP_WRITE) {
			fill(io[i].data, io[i].len, i, 1);
			pi_generate(prof(), io[i].data, io[i].len, io[i].md, &io[i].pio);
		}
	}
	if (put("/proc/thread-self/make-it-fail", "1"))
		_exit(3);
	for (int i = 0; i < FAULT_REGIONS && !r->hung; i++) {
		r->res[i] = faulty_rw(&ring, op, &io[i]);
		r->hung = r->res[i] == -ETIMEDOUT;
	}
	for (int t = 0; put("/proc/thread-self/make-it-fail", "0") && t < 1000; t++)
		;
	/* A read that completed holds the parent's data (version 0) and right tags. */
	for (int i = 0; i < FAULT_REGIONS && op == IORING_OP_READ; i++) {
		uint8_t *want = malloc(io[i].len);

		if (!want)
			_exit(2);
		fill(want, io[i].len, i, 0);
		if (r->res[i] == (int)io[i].len &&
		    (memcmp(want, io[i].data, io[i].len) || pi_verify(prof(), io[i].data, io[i].len, io[i].md,
								       &io[i].pio, NULL, 0)))
			r->bad_data++;
		free(want);
	}
	_exit(0);
}

/* Write (version v) or read back region i of n intervals at lba0 with the parent's ring. */
static int region_io(struct io_uring *ring, int op, size_t n, uint64_t lba0, int i, struct io *io, uint64_t v)
{
	uint64_t lba = lba0 + (uint64_t)i * n;

	io_make(io, n, lba, 0, lba, UPI_INTEGRITY_CHK_GUARD | UPI_INTEGRITY_CHK_REFTAG);
	if (op == IORING_OP_WRITE) {
		fill(io->data, io->len, i, v);
		pi_generate(prof(), io->data, io->len, io->md, &io->pio);
	}
	return rw(ring, dev.fd, op, io->data, io->len, io->off, &io->desc, M_NONE);
}

static void test_faults(void)
{
	/* Rates at which some I/Os of each kind fail and some complete (a large I/O allocates more). */
	static const struct {
		int op;
		size_t bytes;
		const char *what, *pct;
	} v[] = {
		{ IORING_OP_WRITE, 0, "one-interval writes", "10" },
		{ IORING_OP_READ, 0, "one-interval reads", "10" },
		{ IORING_OP_WRITE, 1048576 + 4096, "1 MiB + 4 KiB writes", "1" },
		{ IORING_OP_READ, 1048576 + 4096, "1 MiB + 4 KiB reads", "1" },
	};
	struct io_uring ring;
	struct fault_result *r;

	if (faults_init()) {
		CHECK(0, "fault injection set up (debugfs at " FAULT_DIR ", failslab, fail_page_alloc, "
		      "fail_make_request: vm/kernel.sh patched-debug): %s", strerror(errno));
		return;
	}
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		exit(2);
	ring_init(&ring, 4, abi_ring_flags());
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		size_t n = v[k].bytes ? v[k].bytes / prof()->interval : 1;
		const char *pct = getenv("FAULT_PCT") ? getenv("FAULT_PCT") : v[k].pct;
		uint64_t lba0 = 64 * 1048576 / prof()->interval; /* 48 MiB from 64 MiB on */
		int done = 0, errs = 0, eilseq = 0, other = 0, torn = 0, status = 0, first_other = 0;
		long long before, after;
		struct io io;
		pid_t pid;

		/* Version 0 everywhere, written without faults. */
		for (int i = 0; i < FAULT_REGIONS; i++) {
			if (region_io(&ring, IORING_OP_WRITE, n, lba0, i, &io, 0) != (int)io.len)
				done = -1;
			io_free(&io);
		}
		CHECK(done == 0, "%s: the regions are written without faults first", v[k].what);
		memset(r, 0, sizeof(*r));
		faults_setup(pct);
		before = pins_held();
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			exit(2);
		if (!pid)
			fault_child(r, v[k].op, n, lba0);
		waitpid(pid, &status, 0);
		faults_setup("0");
		for (int i = 0; i < FAULT_REGIONS; i++) {
			if (r->res[i] == (int)(n * prof()->interval)) {
				done++;
			} else if (r->res[i] < 0) {
				errs++;
				eilseq += r->res[i] == -EILSEQ;
				/* ECANCELED: io_uring could not start an io-wq worker for it. */
				if (r->res[i] != -ENOMEM && r->res[i] != -EIO && r->res[i] != -EAGAIN &&
				    r->res[i] != -EFAULT && r->res[i] != -EINTR && r->res[i] != -ECANCELED &&
				    r->res[i] != -EILSEQ && !other++)
					first_other = r->res[i];
			} else {
				other++;
			}
		}
		/* The child's ring and workers are gone: its pins must be released (give the kernel a moment). */
		for (int t = 0; t < 50 && (after = pins_held()) != before; t++)
			usleep(100000);
		printf("     %s%s at %s %%: %d done, %d failed (", check_label, v[k].what, pct, done, errs);
		for (int e = 1, sep = 0; e < 256; e++) {
			int c = 0;

			for (int i = 0; i < FAULT_REGIONS; i++)
				c += r->res[i] == -e;
			if (c)
				printf("%s%s %d", sep++ ? ", " : "", strerrorname_np(e), c);
		}
		printf(")\n");
		CHECK(WIFEXITED(status) && !WEXITSTATUS(status) && !r->hung,
		      "%s under faults: the child ends, no I/O hangs (status 0x%x)", v[k].what, status);
		CHECK(done + errs == FAULT_REGIONS && !eilseq && !other,
		      "%s under faults: each I/O completes or fails with ENOMEM/EIO/EAGAIN/EFAULT/EINTR/ECANCELED, never "
		      "EILSEQ (%d done, %d failed, %d EILSEQ, %d other, first %d)", v[k].what, done, errs, eilseq,
		      other, first_other);
		CHECK(done > 0 && errs > 0, "%s under faults: some I/Os completed and some failed (%d, %d): the "
		      "faults fired, and not on every I/O", v[k].what, done, errs);
		CHECK(!r->bad_data, "%s under faults: every read that completed has its data and tags (%d bad)",
		      v[k].what, r->bad_data);
		CHECK(after == before, "%s under faults: pinned pages balance (%lld held before, %lld after)",
		      v[k].what, before, after);
		if (v[k].op != IORING_OP_WRITE)
			continue;
		/* Each interval holds what the write carried (version 1) or, if it failed, the old data. */
		for (int i = 0; i < FAULT_REGIONS; i++) {
			size_t len = n * prof()->interval, iv = prof()->interval;
			uint8_t *v0 = malloc(len), *v1 = malloc(len);
			int res = region_io(&ring, IORING_OP_READ, n, lba0, i, &io, 0);

			if (!v0 || !v1)
				exit(2);
			fill(v0, len, i, 0);
			fill(v1, len, i, 1);
			if (res != (int)len || pi_verify(prof(), io.data, io.len, io.md, &io.pio, NULL, 0))
				torn++;
			for (size_t b = 0; b < len && res == (int)len; b += iv)
				if (memcmp(io.data + b, v1 + b, iv) &&
				    (r->res[i] == (int)len || memcmp(io.data + b, v0 + b, iv))) {
					torn++;
					break;
				}
			free(v0);
			free(v1);
			io_free(&io);
		}
		CHECK(!torn, "%s under faults, read back without: every interval holds the new data, or the old "
		      "where the write failed, with right tags (%d regions wrong)", v[k].what, torn);
	}
	io_uring_queue_exit(&ring);
	munmap(r, sizeof(*r));
}

/*
 * Run a test in a child process: a fresh process has no io-wq workers
 * left over from earlier tests, so the workers it sees are its own.
 */
static void in_child(void (*fn)(void))
{
	unsigned int counts[2];
	int fds[2];
	pid_t pid;

	fflush(stdout);
	if (pipe(fds) || (pid = fork()) < 0)
		exit(2);
	if (!pid) {
		check_pass = check_fail = 0;
		fn();
		fflush(stdout);
		counts[0] = check_pass;
		counts[1] = check_fail;
		_exit(write(fds[1], counts, sizeof(counts)) == sizeof(counts) ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], counts, sizeof(counts)) != sizeof(counts)) {
		counts[0] = 0;
		counts[1] = 1;
		printf("FAIL %sthe test process died\n", check_label);
	}
	close(fds[0]);
	waitpid(pid, NULL, 0);
	check_pass += counts[0];
	check_fail += counts[1];
}

static void test_retry_child(void)
{
	in_child(test_retry);
}

/* The tests -t names. "own": needs a device of its own kind, run only when named. */
static const struct {
	const char *name;
	void (*fn)(void);
	int own;
} tests[] = {
	{ "abi", test_abi, 0 },
	{ "retry", test_retry_child, 0 },
	{ "iopoll", test_iopoll, 0 },
	{ "pins", test_pins, 0 },
	{ "romap", test_romap, 0 },
	{ "nofile", test_nofile, 0 },
	{ "split", test_split, 0 },
	{ "scsi-apptag", test_scsi_apptag, 1 },	/* a SCSI disk with DIX */
	{ "target", test_target, 1 },		/* a disk of tests/kabi/lio.sh */
	{ "faults", test_faults, 1 },		/* a kernel with fault injection (patched-debug) */
};

static int named(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int expect_unknown = 0, opt, which = 3;
	time_t t0;
	const char *only = NULL;
	char err[256];

	while ((opt = getopt(argc, argv, "a:ext:")) != -1) {
		if (opt == 'x')
			skip_last_page = 1;
		else if (opt == 'a')
			which = !strcmp(optarg, "sqe128") ? 1 : !strcmp(optarg, "attr") ? 2 : 0;
		else if (opt == 'e')
			expect_unknown = 1;
		else if (opt == 't')
			only = optarg;
	}
	if (only) {
		for (const char *p = only; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
			size_t k, n = strcspn(p, ",");

			for (k = 0; k < sizeof(tests) / sizeof(tests[0]); k++)
				if (strlen(tests[k].name) == n && !strncmp(p, tests[k].name, n))
					break;
			if (k == sizeof(tests) / sizeof(tests[0])) {
				fprintf(stderr, "pi_abi_test: no test '%.*s' (see tests[] in tests/kabi/pi_abi_test.c)\n",
					(int)n, p);
				return 2;
			}
		}
	}
	if (optind != argc - 1 || !which) {
		fprintf(stderr, "usage: pi_abi_test [-a sqe128|attr] [-e] [-x] [-t TEST,...] DEVICE\n");
		return 2;
	}
	dev.path = argv[optind];
	dev.fd = open(dev.path, O_RDWR | O_DIRECT);
	dev.fd_buffered = open(dev.path, O_RDWR);
	if (dev.fd < 0 || dev.fd_buffered < 0) {
		fprintf(stderr, "pi_abi_test: %s: %s\n", dev.path, strerror(errno));
		return 2;
	}
	if (upi_dev_discover(dev.fd, dev.path, &dev.d, err, sizeof(err))) {
		fprintf(stderr, "pi_abi_test: %s\n", err);
		return 2;
	}
	is_scsi = !dev.d.app_tag_check;
	bad_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	srand(7);
	for (int a = 1; a <= 2; a++) {
		if (!(which & a))
			continue;
		abi = a == 1 ? UPI_ABI_SQE128 : UPI_ABI_ATTR;
		check_label = a == 1 ? "[sqe128] " : "[attr] ";
		if (expect_unknown) {
			test_unknown();
			continue;
		}
		for (size_t k = 0; k < sizeof(tests) / sizeof(tests[0]); k++) {
			if (only ? !named(only, tests[k].name) : tests[k].own)
				continue;
			printf("== %s%s\n", check_label, tests[k].name);
			fflush(stdout);
			t0 = time(NULL);
			tests[k].fn();
			printf("   %s%s: %lld s\n", check_label, tests[k].name, (long long)(time(NULL) - t0));
		}
	}
	return check_done();
}
