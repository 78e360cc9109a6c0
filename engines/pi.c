// SPDX-License-Identifier: GPL-2.0
/* Protection information arithmetic: see pi.h. CRCs from isa-l. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <isa-l/crc.h>
#include <isa-l/crc64.h>

#include "pi.h"

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline uint32_t get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, 4);
}

static inline uint64_t get_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(p, &v, 8);
}

static inline uint64_t get_be48(const uint8_t *p)
{
	return (uint64_t)get_be16(p) << 32 | get_be32(p + 2);
}

static inline void put_be48(uint8_t *p, uint64_t v)
{
	put_be16(p, v >> 32);
	put_be32(p + 2, (uint32_t)v);
}

uint32_t pi_tuple_size(enum pi_guard guard)
{
	switch (guard) {
	case PI_GUARD_CRC16:
	case PI_GUARD_IP:
		return 8;
	case PI_GUARD_CRC64:
		return 16;
	}
	return 0;
}

int pi_profile_init(struct pi_profile *p, enum pi_guard guard, int type,
		    uint32_t interval, uint32_t md_size, bool tuple_first,
		    char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (!pi_tuple_size(guard)) {
		snprintf(err, errlen, "unknown guard type %d", guard);
		return -1;
	}
	if (type < 1 || type > 3) {
		snprintf(err, errlen, "PI type %d is not 1, 2 or 3", type);
		return -1;
	}
	if (interval < 512 || (interval & (interval - 1))) {
		snprintf(err, errlen, "protection interval %u is not a power of two >= 512", interval);
		return -1;
	}
	p->tuple_size = pi_tuple_size(guard);
	if (md_size < p->tuple_size) {
		snprintf(err, errlen, "%u bytes of metadata per interval cannot hold a %u-byte PI tuple",
			 md_size, p->tuple_size);
		return -1;
	}
	if (md_size > interval) {
		snprintf(err, errlen, "%u bytes of metadata per %u-byte interval: more than the data; not a PI format",
			 md_size, interval);
		return -1;
	}
	if (guard == PI_GUARD_IP && md_size != 8) {
		snprintf(err, errlen, "the IP-checksum guard exists only with 8-byte metadata (SCSI DIF), not %u",
			 md_size);
		return -1;
	}
	p->guard = guard;
	p->type = type;
	p->interval = interval;
	p->md_size = md_size;
	p->pi_offset = tuple_first ? 0 : md_size - p->tuple_size;
	p->guard_size = p->tuple_size == 16 ? 8 : 2;
	p->ref_size = p->tuple_size - p->guard_size - PI_APP_TAG_SIZE;
	p->ref_mask = (1ULL << (8 * p->ref_size)) - 1;
	return 0;
}

uint16_t pi_ip_csum(const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint64_t sum = 0;
	uint32_t w;
	size_t i = 0;

	/*
	 * The one's complement sum is byte-order independent up to a final
	 * swap: add little-endian 32-bit words (no carry is lost in 64 bits
	 * below 16 GiB), fold, then swap to the big-endian word sum.
	 */
	for (; i + 4 <= len; i += 4) {
		memcpy(&w, b + i, 4);
		sum += w;
	}
	if (i + 2 <= len) {
		sum += (uint32_t)b[i] | (uint32_t)b[i + 1] << 8;
		i += 2;
	}
	if (i < len)
		sum += b[i];
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~__builtin_bswap16((uint16_t)sum);
}

/* The guard of one interval, for a guard type known at compile time where inlined. */
static inline __attribute__((always_inline)) uint64_t guard_of(const struct pi_profile *p, enum pi_guard g,
							       const uint8_t *d, const uint8_t *m)
{
	if (g == PI_GUARD_CRC16) {
		uint16_t crc = crc16_t10dif(0, d, p->interval);

		return p->pi_offset ? crc16_t10dif(crc, m, p->pi_offset) : crc;
	}
	if (g == PI_GUARD_CRC64) {
		uint64_t crc = crc64_rocksoft_refl(0, d, p->interval);

		return p->pi_offset ? crc64_rocksoft_refl(crc, m, p->pi_offset) : crc;
	}
	return pi_ip_csum(d, p->interval);
}

uint64_t pi_guard(const struct pi_profile *p, const void *data, const void *md)
{
	return guard_of(p, p->guard, data, md);
}

/* Tuple access for a tuple size known at compile time where inlined. */
static inline __attribute__((always_inline)) void put_tuple(uint8_t *t, unsigned int tsz, uint64_t guard,
							    uint16_t app, uint64_t ref)
{
	if (tsz == 16) {
		put_be64(t, guard);
		put_be16(t + 8, app);
		put_be48(t + 10, ref);
	} else {
		put_be16(t, (uint16_t)guard);
		put_be16(t + 2, app);
		put_be32(t + 4, (uint32_t)ref);
	}
}

static inline __attribute__((always_inline)) void get_tuple(const uint8_t *t, unsigned int tsz, uint64_t *guard,
							    uint16_t *app, uint64_t *ref)
{
	if (tsz == 16) {
		*guard = get_be64(t);
		*app = get_be16(t + 8);
		*ref = get_be48(t + 10);
	} else {
		*guard = get_be16(t);
		*app = get_be16(t + 2);
		*ref = get_be32(t + 4);
	}
}

static inline __attribute__((always_inline)) void generate(const struct pi_profile *p, enum pi_guard g,
							   unsigned int tsz, const uint8_t *d, size_t len,
							   uint8_t *m, const struct pi_io *io)
{
	/* Locals: the tuple stores may alias anything, the loop must not reload these. */
	const struct pi_profile prof = *p;
	const uint16_t app = io->app_tag;
	const bool t3_escape = prof.type == 3 && app == PI_APP_ESCAPE;
	uint64_t ref = io->seed;
	size_t n = len / prof.interval;

	for (size_t i = 0; i < n; i++, d += prof.interval, m += prof.md_size, ref++)
		put_tuple(m + prof.pi_offset, tsz, guard_of(&prof, g, d, m), app,
			  t3_escape ? prof.ref_mask : ref & prof.ref_mask);
}

void pi_generate(const struct pi_profile *p, const void *data, size_t len,
		 void *md, const struct pi_io *io)
{
	switch (p->guard) {
	case PI_GUARD_CRC16:
		generate(p, PI_GUARD_CRC16, 8, data, len, md, io);
		break;
	case PI_GUARD_IP:
		generate(p, PI_GUARD_IP, 8, data, len, md, io);
		break;
	case PI_GUARD_CRC64:
		generate(p, PI_GUARD_CRC64, 16, data, len, md, io);
		break;
	}
}

static inline void report(struct pi_err *errs, unsigned int max, unsigned int *nerr,
			  uint32_t interval, enum pi_tag tag, uint64_t expected, uint64_t actual)
{
	if (errs && *nerr < max)
		errs[*nerr] = (struct pi_err){ interval, tag, expected, actual };
	(*nerr)++;
}

static inline __attribute__((always_inline)) unsigned int verify(const struct pi_profile *p, enum pi_guard g,
								 unsigned int tsz, const uint8_t *d, size_t len,
								 const uint8_t *m, const struct pi_io *io,
								 struct pi_err *errs, unsigned int max,
								 unsigned int *escaped)
{
	const struct pi_profile prof = *p;
	const struct pi_io pio = *io;
	const unsigned int checks = prof.type == 3 ? pio.checks & ~PI_TAG_REF : pio.checks;
	const bool escape_ok = pio.accept_escape || pio.app_tag == PI_APP_ESCAPE;
	size_t n = len / prof.interval;
	unsigned int nerr = 0, nesc = 0;

	for (size_t i = 0; i < n; i++, d += prof.interval, m += prof.md_size) {
		uint64_t guard, ref, want;
		uint16_t app;

		get_tuple(m + prof.pi_offset, tsz, &guard, &app, &ref);
		if (app == PI_APP_ESCAPE && (prof.type != 3 || ref == prof.ref_mask)) {
			nesc++;
			if (!escape_ok)
				report(errs, max, &nerr, (uint32_t)i, PI_TAG_ESCAPE, pio.app_tag, app);
			continue;
		}
		if (checks & PI_TAG_GUARD) {
			want = guard_of(&prof, g, d, m);
			if (want != guard)
				report(errs, max, &nerr, (uint32_t)i, PI_TAG_GUARD, want, guard);
		}
		if ((checks & PI_TAG_APP) && ((app ^ pio.app_tag) & pio.app_mask))
			report(errs, max, &nerr, (uint32_t)i, PI_TAG_APP, pio.app_tag, app);
		if (checks & PI_TAG_REF) {
			want = (pio.seed + i) & prof.ref_mask;
			if (ref != want)
				report(errs, max, &nerr, (uint32_t)i, PI_TAG_REF, want, ref);
		}
	}
	*escaped = nesc;
	return nerr;
}

unsigned int pi_verify_count(const struct pi_profile *p, const void *data, size_t len,
			     const void *md, const struct pi_io *io,
			     struct pi_err *errs, unsigned int max, unsigned int *escaped)
{
	switch (p->guard) {
	case PI_GUARD_CRC16:
		return verify(p, PI_GUARD_CRC16, 8, data, len, md, io, errs, max, escaped);
	case PI_GUARD_IP:
		return verify(p, PI_GUARD_IP, 8, data, len, md, io, errs, max, escaped);
	case PI_GUARD_CRC64:
		return verify(p, PI_GUARD_CRC64, 16, data, len, md, io, errs, max, escaped);
	}
	*escaped = 0;
	return 0;
}

unsigned int pi_verify(const struct pi_profile *p, const void *data, size_t len,
		       const void *md, const struct pi_io *io,
		       struct pi_err *errs, unsigned int max)
{
	unsigned int escaped;

	return pi_verify_count(p, data, len, md, io, errs, max, &escaped);
}

void pi_corrupt(const struct pi_profile *p, void *md, size_t i, enum pi_tag tag)
{
	uint8_t *t = (uint8_t *)md + i * p->md_size + p->pi_offset;
	uint8_t *app = t + p->guard_size, *ref = app + PI_APP_TAG_SIZE;

	if (tag == PI_TAG_GUARD)
		t[0] ^= 0x01;
	else if (tag == PI_TAG_REF)
		ref[1] ^= 0x01;
	else if (tag == PI_TAG_APP)
		app[1] ^= get_be16(app) == (PI_APP_ESCAPE ^ 0x01) ? 0x02 : 0x01;
}

const char *pi_tag_name(enum pi_tag tag)
{
	switch (tag) {
	case PI_TAG_GUARD:
		return "guard";
	case PI_TAG_REF:
		return "reftag";
	case PI_TAG_APP:
		return "apptag";
	case PI_TAG_ESCAPE:
		return "escape";
	}
	return "?";
}

int pi_parse_checks(const char *s)
{
	static const struct { const char *name; int flag; } words[] = {
		{ "GUARD", PI_TAG_GUARD }, { "REFTAG", PI_TAG_REF }, { "APPTAG", PI_TAG_APP },
	};
	int flags = 0;

	while (s && *s) {
		size_t len = strcspn(s, ",:|"), i;

		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (len == strlen(words[i].name) && !strncasecmp(s, words[i].name, len))
				break;
		if (len && i == sizeof(words) / sizeof(words[0]))
			return -1;
		if (len)
			flags |= words[i].flag;
		s += len;
		if (*s)
			s++;
	}
	return flags;
}
