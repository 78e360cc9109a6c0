// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for tests/host/engine.sh: io_uring_submit refuses with
 * -EAGAIN, submitting nothing, on all but every EAGAIN_EVERY-th call (as a
 * kernel short of request memory does), so the engine must submit again.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <liburing.h>

int io_uring_submit(struct io_uring *ring)
{
	static int (*real)(struct io_uring *);
	static unsigned long calls;
	const char *every = getenv("EAGAIN_EVERY");

	if (!real) {
		/* the engine's liburing, loaded in fio's local scope with the engine */
		void *h = dlopen("liburing.so.2", RTLD_NOW | RTLD_NOLOAD);

		real = h ? (int (*)(struct io_uring *))dlsym(h, "io_uring_submit") : NULL;
		if (!real) {
			fprintf(stderr, "submit_eagain: liburing.so.2 is not loaded\n");
			abort();
		}
	}
	if (calls++ % strtoul(every ? every : "2", NULL, 0))
		return -EAGAIN;
	return real(ring);
}
