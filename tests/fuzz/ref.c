// SPDX-License-Identifier: GPL-2.0
/* Slow reference implementations: see ref.h. Bit by bit, byte by byte. */
#include <ctype.h>
#include <string.h>

#include "ref.h"

uint16_t ref_crc16_t10dif(uint16_t crc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (int bit = 7; bit >= 0; bit--) {
			int top = (crc >> 15) ^ ((p[i] >> bit) & 1);

			crc = (uint16_t)(crc << 1);
			if (top)
				crc ^= 0x8BB7;
		}
	return crc;
}

static uint64_t reflect64(uint64_t v)
{
	uint64_t r = 0;

	for (int i = 0; i < 64; i++)
		if (v & (1ULL << i))
			r |= 1ULL << (63 - i);
	return r;
}

uint64_t ref_crc64_nvme(uint64_t crc, const uint8_t *p, size_t n)
{
	const uint64_t poly = reflect64(0xAD93D23594C93659ULL);
	uint64_t s = ~crc;

	for (size_t i = 0; i < n; i++)
		for (int bit = 0; bit < 8; bit++) {
			int low = (int)(s & 1) ^ ((p[i] >> bit) & 1);

			s >>= 1;
			if (low)
				s ^= poly;
		}
	return ~s;
}

uint16_t ref_ip_csum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < n; i += 2) {
		sum += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
		if (sum > 0xffff)
			sum -= 0xffff;		/* end-around carry */
	}
	return (uint16_t)~sum;
}

bool ref_fmt_ok(const struct ref_fmt *f)
{
	bool pow2 = false;

	for (uint64_t v = 512; v <= f->interval; v *= 2)
		pow2 |= v == f->interval;
	if (f->guard < 1 || f->guard > 3 || f->type < 1 || f->type > 3 || !pow2)
		return false;
	if (f->md_size < ref_tuple_size(f) || f->md_size > f->interval)
		return false;
	return f->guard != 2 || f->md_size == 8;
}

unsigned int ref_tuple_size(const struct ref_fmt *f)
{
	return f->guard == 3 ? 16 : 8;
}

unsigned int ref_tuple_off(const struct ref_fmt *f)
{
	return f->first ? 0 : f->md_size - ref_tuple_size(f);
}

uint64_t ref_ref_mask(const struct ref_fmt *f)
{
	return f->guard == 3 ? (1ULL << 48) - 1 : (1ULL << 32) - 1;
}

uint64_t ref_guard(const struct ref_fmt *f, const uint8_t *data, const uint8_t *md)
{
	if (f->guard == 2)
		return ref_ip_csum(data, f->interval);
	if (f->guard == 3)
		return ref_crc64_nvme(ref_crc64_nvme(0, data, f->interval), md, ref_tuple_off(f));
	return ref_crc16_t10dif(ref_crc16_t10dif(0, data, f->interval), md, ref_tuple_off(f));
}

/* Big-endian field of w bytes at p. */
static uint64_t be(const uint8_t *p, unsigned int w)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < w; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be(uint8_t *p, unsigned int w, uint64_t v)
{
	for (unsigned int i = w; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
}

/* Field widths: guard, app, ref. */
static void widths(const struct ref_fmt *f, unsigned int *g, unsigned int *r)
{
	*g = f->guard == 3 ? 8 : 2;
	*r = f->guard == 3 ? 6 : 4;
}

void ref_tuple(const struct ref_fmt *f, const uint8_t *md, size_t i, uint64_t *guard, uint16_t *app, uint64_t *ref)
{
	const uint8_t *t = md + i * f->md_size + ref_tuple_off(f);
	unsigned int g, r;

	widths(f, &g, &r);
	*guard = be(t, g);
	*app = (uint16_t)be(t + g, 2);
	*ref = be(t + g + 2, r);
}

void ref_generate(const struct ref_fmt *f, const uint8_t *data, size_t n, uint8_t *md, uint64_t seed, uint16_t app)
{
	unsigned int g, r;

	widths(f, &g, &r);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *d = data + i * f->interval;
		uint8_t *m = md + i * f->md_size, *t = m + ref_tuple_off(f);
		uint64_t ref = f->type == 3 && app == 0xffff ? ref_ref_mask(f) : (seed + i) & ref_ref_mask(f);

		put_be(t, g, ref_guard(f, d, m));
		put_be(t + g, 2, app);
		put_be(t + g + 2, r, ref);
	}
}

static void add(struct ref_err *errs, unsigned int max, unsigned int *n, size_t i, int tag, uint64_t exp, uint64_t act)
{
	if (*n < max)
		errs[*n] = (struct ref_err){ (uint32_t)i, tag, exp, act };
	(*n)++;
}

unsigned int ref_verify(const struct ref_fmt *f, const uint8_t *data, size_t n, const uint8_t *md, uint64_t seed,
			uint16_t app, uint16_t app_mask, int checks, bool accept_escape, struct ref_err *errs,
			unsigned int max, unsigned int *escaped)
{
	unsigned int nerr = 0;

	*escaped = 0;
	if (f->type == 3)
		checks &= ~REF_REF;		/* Type 3 has no ref tag to check */
	for (size_t i = 0; i < n; i++) {
		uint64_t guard, ref, want;
		uint16_t a;

		ref_tuple(f, md, i, &guard, &a, &ref);
		if (a == 0xffff && (f->type != 3 || ref == ref_ref_mask(f))) {
			(*escaped)++;
			if (!accept_escape && app != 0xffff)
				add(errs, max, &nerr, i, REF_ESCAPE, app, a);
			continue;
		}
		want = ref_guard(f, data + i * f->interval, md + i * f->md_size);
		if ((checks & REF_GUARD) && guard != want)
			add(errs, max, &nerr, i, REF_GUARD, want, guard);
		if ((checks & REF_APP) && (a & app_mask) != (app & app_mask))
			add(errs, max, &nerr, i, REF_APP, app, a);
		want = (seed + i) & ref_ref_mask(f);
		if ((checks & REF_REF) && ref != want)
			add(errs, max, &nerr, i, REF_REF, want, ref);
	}
	return nerr;
}

int ref_parse_checks(const char *s)
{
	static const char *const names[] = { "GUARD", "REFTAG", "APPTAG" };
	static const int flags[] = { REF_GUARD, REF_REF, REF_APP };
	char word[8];
	size_t len = 0;
	bool toolong = false;
	int r = 0;

	if (!s)
		return 0;
	for (;; s++) {
		if (*s && !strchr(",:|", *s)) {
			if (len < sizeof(word) - 1)
				word[len++] = (char)toupper((unsigned char)*s);
			else
				toolong = true;
			continue;
		}
		word[len] = 0;
		if (len) {
			int k = -1;

			for (int j = 0; j < 3 && !toolong; j++)
				if (!strcmp(word, names[j]))
					k = j;
			if (k < 0)
				return -1;
			r |= flags[k];
		}
		if (!*s)
			return r;
		len = 0;
		toolong = false;
	}
}

bool ref_chk_off(const char *s)
{
	char w[5] = "";
	size_t n;

	if (!s || !*s)
		return true;
	n = strlen(s);
	if (n > 4)
		return false;
	for (size_t i = 0; i < n; i++)
		w[i] = (char)tolower((unsigned char)s[i]);
	return !strcmp(w, "off") || !strcmp(w, "none");
}
