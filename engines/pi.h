/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Protection information arithmetic: generate and verify the tuples of a
 * metadata buffer that accompanies a data buffer. Pure C, no fio.
 *
 * A profile describes the device format and is validated once
 * (pi_profile_init); generate/verify are then plain loops over intervals.
 * Tuples are big-endian on the wire:
 *   8 bytes:  u16 guard (CRC16 T10-DIF or IP checksum), u16 app tag, u32 ref tag
 *   16 bytes: u64 guard (CRC-64/NVME), u16 app tag, u48 ref tag
 * The layout is known here only: everyone else reads it off the profile
 * (guard_size, ref_size) or asks pi_tuple_size().
 */
#ifndef URING_PI_PI_H
#define URING_PI_PI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pi_guard {
	PI_GUARD_CRC16 = 1,	/* CRC16 T10-DIF, 8-byte tuple */
	PI_GUARD_IP = 2,	/* IP checksum (SCSI), 8-byte tuple */
	PI_GUARD_CRC64 = 3,	/* CRC-64/NVME, 16-byte tuple */
};

/* Tag kinds; as check flags they have the values of IO_INTEGRITY_CHK_*. */
enum pi_tag {
	PI_TAG_GUARD = 1 << 0,
	PI_TAG_REF = 1 << 1,
	PI_TAG_APP = 1 << 2,
	PI_TAG_ESCAPE = 1 << 3,	/* an error only: an escaped tuple where the reader expects its app tag */
};
#define PI_TAG_ALL (PI_TAG_GUARD | PI_TAG_REF | PI_TAG_APP)

#define PI_APP_ESCAPE 0xffff
#define PI_APP_TAG_SIZE 2	/* bytes, in every format, right after the guard */

struct pi_profile {
	uint32_t interval;	/* data bytes per protection interval: 512 or 4096 */
	uint32_t md_size;	/* metadata bytes per interval, tuple_size..interval */
	uint32_t tuple_size;	/* 8 or 16 */
	uint32_t pi_offset;	/* tuple offset inside the metadata */
	uint32_t guard_size;	/* 2 or 8: the guard, at tuple byte 0; the app tag follows */
	uint32_t ref_size;	/* 4 or 6: the ref tag, after the app tag, to the tuple's end */
	uint64_t ref_mask;	/* 32 or 48 bits */
	enum pi_guard guard;
	int type;		/* 1, 2 or 3 */
};

/* Bytes of the PI tuple of a guard type (8 or 16), 0 for an unknown one. */
uint32_t pi_tuple_size(enum pi_guard guard);

/*
 * Fill and validate a profile. tuple_first: the tuple is at the start of
 * larger metadata (NVMe "PI first"), else at its end. Returns 0, or -1 with a
 * one-line reason in err.
 */
int pi_profile_init(struct pi_profile *p, enum pi_guard guard, int type,
		    uint32_t interval, uint32_t md_size, bool tuple_first,
		    char *err, size_t errlen);

/* Metadata bytes needed for len bytes of data (len a multiple of interval). */
static inline size_t pi_md_len(const struct pi_profile *p, size_t len)
{
	return len / p->interval * p->md_size;
}

/* What one I/O carries: the first interval's ref tag and the app tag. */
struct pi_io {
	uint64_t seed;		/* ref tag of the first interval */
	uint16_t app_tag;
	uint16_t app_mask;	/* bits of the app tag that verify compares */
	unsigned int checks;	/* PI_TAG_* that verify checks */
	bool accept_escape;	/* escaped tuples pass unchecked even where app_tag is not the escape */
};

/* A failed check, as data: which interval, which tag, what was expected, what was found. */
struct pi_err {
	uint32_t interval;
	enum pi_tag tag;
	uint64_t expected;
	uint64_t actual;
};

/*
 * Write every field of every tuple in md for len bytes of data. Ref tags are
 * seed, seed + 1, ... (truncated to the tuple's width). An app tag of 0xffff
 * on Type 3 also writes an all-ones ref tag: the format's escape.
 * Opaque metadata bytes are left as they are (the guard covers those before a
 * tuple placed last).
 */
void pi_generate(const struct pi_profile *p, const void *data, size_t len,
		 void *md, const struct pi_io *io);

/*
 * Check every interval; returns the number of failed checks and stores the
 * first max of them in errs (errs may be NULL). Type 3 never checks the ref
 * tag. An escaped tuple (app tag 0xffff; on Type 3 with an all-ones ref tag
 * too) has no other tag checked: it passes where the reader wrote escapes
 * itself (app_tag 0xffff) or accepts them, else it is one PI_TAG_ESCAPE error
 * (expected app_tag, actual 0xffff), since a writer of another app tag never
 * leaves an escape (unwritten blocks often read back all-ones).
 */
unsigned int pi_verify(const struct pi_profile *p, const void *data, size_t len,
		       const void *md, const struct pi_io *io,
		       struct pi_err *errs, unsigned int max);

/* pi_verify that also counts the escaped intervals in *escaped. */
unsigned int pi_verify_count(const struct pi_profile *p, const void *data, size_t len,
			     const void *md, const struct pi_io *io,
			     struct pi_err *errs, unsigned int max, unsigned int *escaped);

/*
 * Corrupt one tag (PI_TAG_GUARD, _REF or _APP) of interval i of md by one
 * bit, for negative tests; a corrupted app tag is never the escape (which
 * the device would skip instead of rejecting).
 */
void pi_corrupt(const struct pi_profile *p, void *md, size_t i, enum pi_tag tag);

/* The guard of one interval (data plus the opaque metadata bytes before a tuple placed last). */
uint64_t pi_guard(const struct pi_profile *p, const void *data, const void *md);

/* The IP checksum guard (RFC 1071 over big-endian 16-bit words, complemented). */
uint16_t pi_ip_csum(const void *buf, size_t len);

const char *pi_tag_name(enum pi_tag tag);

/* Parse "GUARD,REFTAG,APPTAG" (any subset, any case, ',' or ':' or '|') into PI_TAG_*. -1 on an unknown word. */
int pi_parse_checks(const char *s);

#endif
