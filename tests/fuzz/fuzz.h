/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the libFuzzer harnesses of tests/fuzz/: a failed property
 * aborts (libFuzzer keeps the input as a crash artifact), and a reader that
 * takes the fields of a test case from the fuzz input, zeros once it runs out.
 */
#ifndef URING_PI_FUZZ_H
#define URING_PI_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                          \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "fuzz property failed at %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                                  \
			fprintf(stderr, "\n");                                         \
			abort();                                                       \
		}                                                                      \
	} while (0)

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t fuzz_take(struct fuzz_in *in, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		v = v << 8 | (in->n ? *in->p : 0);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

/* xorshift64: fills buffers from a seed taken from the input. */
static inline uint64_t fuzz_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline void fuzz_fill(uint8_t *buf, size_t len, uint64_t seed)
{
	seed |= 1;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(fuzz_rand(&seed) >> 24);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
