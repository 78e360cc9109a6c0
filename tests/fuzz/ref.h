/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Slow reference implementations for the fuzz harnesses, written from the
 * format definitions only: nothing of engines/ is included or called, so a
 * harness compares two independent implementations.
 */
#ifndef URING_PI_FUZZ_REF_H
#define URING_PI_FUZZ_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CRC-16/T10-DIF (poly 0x8BB7, MSB first, init 0, no final xor), continuing from crc. */
uint16_t ref_crc16_t10dif(uint16_t crc, const uint8_t *p, size_t n);
/* CRC-64/NVME (poly 0xAD93D23594C93659 reflected, init and final xor all ones), continuing from a previous result (0 to start). */
uint64_t ref_crc64_nvme(uint64_t crc, const uint8_t *p, size_t n);
/* Internet checksum: ones' complement of the ones' complement sum of big-endian 16-bit words (an odd last byte padded with 0). */
uint16_t ref_ip_csum(const uint8_t *p, size_t n);

/* A PI format: guard 1 CRC16, 2 IP checksum, 3 CRC64 (8-byte tuple, 8, 16-byte tuple). */
struct ref_fmt {
	int guard;
	int type;
	uint32_t interval;
	uint32_t md_size;
	bool first;		/* tuple at the start of the metadata, else at its end */
};
/* Tag kinds (the kernel's IO_INTEGRITY_CHK_* bits), and an escaped tuple read where it is not expected. */
enum { REF_GUARD = 1, REF_REF = 2, REF_APP = 4, REF_ESCAPE = 8 };

struct ref_err {
	uint32_t interval;
	int tag;
	uint64_t expected, actual;
};

/* Is f a format a PI device can have (interval a power of two >= 512, metadata holding the tuple, at most the interval; IP only with 8 bytes)? */
bool ref_fmt_ok(const struct ref_fmt *f);
unsigned int ref_tuple_size(const struct ref_fmt *f);
unsigned int ref_tuple_off(const struct ref_fmt *f);
uint64_t ref_ref_mask(const struct ref_fmt *f);
/* The guard of one interval: over its data, then (CRCs) the metadata bytes before the tuple. */
uint64_t ref_guard(const struct ref_fmt *f, const uint8_t *data, const uint8_t *md);
/* The tuple fields of interval i. */
void ref_tuple(const struct ref_fmt *f, const uint8_t *md, size_t i, uint64_t *guard, uint16_t *app, uint64_t *ref);
/* Writes the tuples of n intervals (ref tags seed, seed+1...; Type 3 with app 0xffff: all-ones ref tags). */
void ref_generate(const struct ref_fmt *f, const uint8_t *data, size_t n, uint8_t *md, uint64_t seed, uint16_t app);
/* Checks n intervals; returns the number of failed checks, the first max in errs; escaped tuples in *escaped. */
unsigned int ref_verify(const struct ref_fmt *f, const uint8_t *data, size_t n, const uint8_t *md, uint64_t seed,
			uint16_t app, uint16_t app_mask, int checks, bool accept_escape, struct ref_err *errs,
			unsigned int max, unsigned int *escaped);

/* pi_chk words: GUARD, REFTAG, APPTAG in any case, separated by ',', ':' or '|', empty words ignored; -1 for another word. */
int ref_parse_checks(const char *s);
/* pi_chk meaning PI off: unset, empty, "off" or "none" in any case. */
bool ref_chk_off(const char *s);

#endif
