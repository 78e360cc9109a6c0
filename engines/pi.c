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

int pi_profile_init(struct pi_profile *p, enum pi_guard guard, int type,
		    uint32_t interval, uint32_t md_size, bool tuple_first,
		    char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (guard != PI_GUARD_CRC16 && guard != PI_GUARD_IP && guard != PI_GUARD_CRC64) {
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
	p->tuple_size = guard == PI_GUARD_CRC64 ? 16 : 8;
	if (md_size < p->tuple_size) {
		snprintf(err, errlen, "%u bytes of metadata per interval cannot hold a %u-byte PI tuple",
			 md_size, p->tuple_size);
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
	p->ref_mask = p->tuple_size == 16 ? 0xffffffffffffULL : 0xffffffffULL;
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

uint64_t pi_guard(const struct pi_profile *p, const void *data, const void *md)
{
	switch (p->guard) {
	case PI_GUARD_CRC16: {
		uint16_t crc = crc16_t10dif(0, data, p->interval);

		if (p->pi_offset)
			crc = crc16_t10dif(crc, md, p->pi_offset);
		return crc;
	}
	case PI_GUARD_CRC64: {
		uint64_t crc = crc64_rocksoft_refl(0, data, p->interval);

		if (p->pi_offset)
			crc = crc64_rocksoft_refl(crc, md, p->pi_offset);
		return crc;
	}
	case PI_GUARD_IP:
		return pi_ip_csum(data, p->interval);
	}
	return 0;
}

void pi_generate(const struct pi_profile *p, const void *data, size_t len,
		 void *md, const struct pi_io *io)
{
	const uint8_t *d = data;
	uint8_t *m = md;
	size_t n = len / p->interval, i;
	bool t3_escape = p->type == 3 && io->app_tag == PI_APP_ESCAPE;

	for (i = 0; i < n; i++, d += p->interval, m += p->md_size) {
		uint8_t *t = m + p->pi_offset;
		uint64_t ref = t3_escape ? p->ref_mask : (io->seed + i) & p->ref_mask;
		uint64_t guard = pi_guard(p, d, m);

		if (p->tuple_size == 16) {
			put_be64(t, guard);
			put_be16(t + 8, io->app_tag);
			put_be48(t + 10, ref);
		} else {
			put_be16(t, (uint16_t)guard);
			put_be16(t + 2, io->app_tag);
			put_be32(t + 4, (uint32_t)ref);
		}
	}
}

static inline void report(struct pi_err *errs, unsigned int max, unsigned int *nerr,
			  uint32_t interval, enum pi_tag tag, uint64_t expected, uint64_t actual)
{
	if (errs && *nerr < max)
		errs[*nerr] = (struct pi_err){ interval, tag, expected, actual };
	(*nerr)++;
}

unsigned int pi_verify(const struct pi_profile *p, const void *data, size_t len,
		       const void *md, const struct pi_io *io,
		       struct pi_err *errs, unsigned int max)
{
	const uint8_t *d = data, *m = md;
	size_t n = len / p->interval, i;
	unsigned int checks = io->checks, nerr = 0;

	if (p->type == 3)
		checks &= ~PI_TAG_REF;
	for (i = 0; i < n; i++, d += p->interval, m += p->md_size) {
		const uint8_t *t = m + p->pi_offset;
		uint64_t guard, ref, want_ref;
		uint16_t app;

		if (p->tuple_size == 16) {
			guard = get_be64(t);
			app = get_be16(t + 8);
			ref = get_be48(t + 10);
		} else {
			guard = get_be16(t);
			app = get_be16(t + 2);
			ref = get_be32(t + 4);
		}
		if (app == PI_APP_ESCAPE && (p->type != 3 || ref == p->ref_mask))
			continue;
		if (checks & PI_TAG_GUARD) {
			uint64_t want = pi_guard(p, d, m);

			if (want != guard)
				report(errs, max, &nerr, i, PI_TAG_GUARD, want, guard);
		}
		if ((checks & PI_TAG_APP) && ((app ^ io->app_tag) & io->app_mask))
			report(errs, max, &nerr, i, PI_TAG_APP, io->app_tag, app);
		want_ref = (io->seed + i) & p->ref_mask;
		if ((checks & PI_TAG_REF) && ref != want_ref)
			report(errs, max, &nerr, i, PI_TAG_REF, want_ref, ref);
	}
	return nerr;
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
