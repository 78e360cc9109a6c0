// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for tests/host/engine.sh: the FAIL_ALLOC_NTH-th calloc,
 * malloc or posix_memalign called from the engine (the shared object whose
 * path has FAIL_ALLOC_IN, default uring_pi.so) fails, as under memory
 * pressure; everything else allocates as usual.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_malloc(size_t size);
extern void *__libc_memalign(size_t align, size_t size);
/*
 * With a sanitized engine the ASan runtime is preloaded after this shim: the
 * memory must come from its allocator (the engine frees it there).
 */
extern void *__interceptor_calloc(size_t n, size_t size) __attribute__((weak));
extern void *__interceptor_malloc(size_t size) __attribute__((weak));
extern int __interceptor_posix_memalign(void **p, size_t align, size_t size) __attribute__((weak));

/* Called from the engine, and the one to fail? */
static int fail_here(void *caller)
{
	static unsigned long calls;
	const char *nth = getenv("FAIL_ALLOC_NTH"), *in = getenv("FAIL_ALLOC_IN");
	Dl_info info;

	if (!nth || !dladdr(caller, &info) || !info.dli_fname || !strstr(info.dli_fname, in ? in : "uring_pi.so"))
		return 0;
	return ++calls == strtoul(nth, NULL, 0);
}

void *calloc(size_t n, size_t size)
{
	if (fail_here(__builtin_return_address(0)))
		return NULL;
	return __interceptor_calloc ? __interceptor_calloc(n, size) : __libc_calloc(n, size);
}

void *malloc(size_t size)
{
	if (fail_here(__builtin_return_address(0)))
		return NULL;
	return __interceptor_malloc ? __interceptor_malloc(size) : __libc_malloc(size);
}

int posix_memalign(void **p, size_t align, size_t size)
{
	if (fail_here(__builtin_return_address(0)))
		return ENOMEM;
	if (__interceptor_posix_memalign)
		return __interceptor_posix_memalign(p, align, size);
	*p = __libc_memalign(align, size);
	return *p ? 0 : ENOMEM;
}
