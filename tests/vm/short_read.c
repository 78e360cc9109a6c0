// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim: the engine's reads go to the kernel other than asked, as
 * a device, the block layer or a broken kernel may complete them. The
 * engine must notice. SHORT_READ_MODE:
 *   half (default, tests/vm/cases.sh): every read of 8 KiB or more with half
 *        its length (a 4 KiB multiple) and half its metadata, so it completes
 *        short: the engine must check the part that completed. The bytes
 *        submitted are counted in $SHORT_READ_COUNT.
 *   nopi (tests/vm/cases.sh): every read without the PI flag, so nothing
 *        fills its metadata buffer: the engine must not pass it.
 *   zero, double (tests/host/engine.sh, no PI): every read with length 0, or
 *        each read of 4 KiB with 8 KiB (the job's buffers must hold 8 KiB):
 *        it completes with 0 bytes, or more than the engine asked for.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <liburing.h>

#include "../../engines/uapi.h"

static unsigned long long reads, bytes, shortened;

/* The counts so far, "READS BYTES SHORTENED", in the file $SHORT_READ_COUNT (fio's job process ends with _exit). */
static void record(void)
{
	const char *path = getenv("SHORT_READ_COUNT");
	FILE *f = path ? fopen(path, "w") : NULL;

	if (!f)
		return;
	fprintf(f, "%llu %llu %llu\n", reads, bytes, shortened);
	fclose(f);
}

static void shorten(struct io_uring *ring, struct io_uring_sqe *sqe)
{
	uint8_t *b = (uint8_t *)sqe;
	uint32_t half = (sqe->len / 2) & ~4095u, *md_len = NULL;
	uint16_t meta_type;
	uint64_t mask, attr;
	const char *mode = getenv("SHORT_READ_MODE");

	if (sqe->opcode != IORING_OP_READ && sqe->opcode != IORING_OP_READ_FIXED)
		return;
	if (mode && !strcmp(mode, "zero")) {
		sqe->len = 0;
		return;
	}
	if (mode && !strcmp(mode, "double")) {
		if (sqe->len == 4096)
			sqe->len = 8192;
		return;
	}
	memcpy(&meta_type, b + UPI_SQE_META_TYPE_OFF, 2);
	memcpy(&mask, b + UPI_SQE_ATTR_MASK_OFF, 8);
	if (mode && !strcmp(mode, "nopi")) {
		if ((ring->flags & IORING_SETUP_SQE128) && (meta_type & UPI_META_TYPE_PI)) {
			meta_type &= (uint16_t)~UPI_META_TYPE_PI;
			memcpy(b + UPI_SQE_META_TYPE_OFF, &meta_type, 2);
		} else {
			mask &= ~UPI_RW_ATTR_FLAG_PI;
			memcpy(b + UPI_SQE_ATTR_MASK_OFF, &mask, 8);
		}
		return;
	}
	reads++;
	if (sqe->len < 8192) {
		bytes += sqe->len;
		return;
	}
	shortened++;
	bytes += half;
	memcpy(&attr, b + UPI_SQE_ATTR_PTR_OFF, 8);
	if ((ring->flags & IORING_SETUP_SQE128) && (meta_type & UPI_META_TYPE_PI))
		md_len = (uint32_t *)(b + UPI_SQE_PI_OFF + offsetof(struct upi_pi_desc, len));
	else if (mask & UPI_RW_ATTR_FLAG_PI)
		md_len = &((struct upi_pi_desc *)(uintptr_t)attr)->len;
	if (md_len)
		*md_len = (uint32_t)((uint64_t)*md_len * half / sqe->len);
	sqe->len = half;
}

int io_uring_submit(struct io_uring *ring)
{
	static int (*real)(struct io_uring *);
	unsigned int shift = ring->flags & IORING_SETUP_SQE128 ? 1 : 0;

	if (!real) {
		/* the engine's liburing, loaded in fio's local scope with the engine */
		void *h = dlopen("liburing.so.2", RTLD_NOW | RTLD_NOLOAD);

		real = h ? (int (*)(struct io_uring *))dlsym(h, "io_uring_submit") : NULL;
		if (!real) {
			fprintf(stderr, "short_read: liburing.so.2 is not loaded\n");
			abort();
		}
	}
	for (unsigned int i = ring->sq.sqe_head; i != ring->sq.sqe_tail; i++)
		shorten(ring, &ring->sq.sqes[(i & ring->sq.ring_mask) << shift]);
	record();
	return real(ring);
}
