// SPDX-License-Identifier: GPL-2.0
/*
 * PI generate/verify of engines/pi.c against the slow reference (ref.c), on
 * every format: CRC16, IP checksum and CRC64 guards, Types 1-3, the tuple
 * first or last in larger metadata, intervals of 512 to 4096 bytes. Per input:
 * the profile is accepted exactly when the reference says it is a PI format;
 * generated metadata is byte for byte the reference's (opaque bytes left as
 * they were); it verifies clean; arbitrary metadata and one corrupted byte
 * give the same failures (interval, tag, expected, actual) from both, and a
 * corrupted byte in a checked field is caught as that field; pi_corrupt's
 * tag is caught and its app tag is never the escape.
 */
#include <string.h>

#include "../../engines/pi.h"
#include "fuzz.h"
#include "ref.h"

_Static_assert((int)PI_TAG_GUARD == REF_GUARD && (int)PI_TAG_REF == REF_REF && (int)PI_TAG_APP == REF_APP &&
	       (int)PI_TAG_ESCAPE == REF_ESCAPE, "tag kinds");
_Static_assert(PI_GUARD_CRC16 == 1 && PI_GUARD_IP == 2 && PI_GUARD_CRC64 == 3, "guard numbers");

#define MAX_DATA 16384
#define MAX_ERRS 8

static uint8_t data[MAX_DATA], md_e[MAX_DATA], md_r[MAX_DATA], md_x[MAX_DATA];

/* The engine's and the reference's verdicts on the same data and metadata agree in every detail. */
static unsigned int same_verdict(const struct pi_profile *p, const struct ref_fmt *f, const uint8_t *md,
				 size_t n, const struct pi_io *io, struct pi_err *errs)
{
	struct ref_err rerrs[MAX_ERRS];
	unsigned int esc_e, esc_r, ne, nr;

	ne = pi_verify_count(p, data, n * p->interval, md, io, errs, MAX_ERRS, &esc_e);
	nr = ref_verify(f, data, n, md, io->seed, io->app_tag, io->app_mask, (int)io->checks, io->accept_escape,
			rerrs, MAX_ERRS, &esc_r);
	FUZZ_CHECK(ne == nr && esc_e == esc_r, "%u failed checks, %u escaped; the reference: %u, %u", ne, esc_e, nr,
		   esc_r);
	for (unsigned int k = 0; k < ne && k < MAX_ERRS; k++)
		FUZZ_CHECK(errs[k].interval == rerrs[k].interval && (int)errs[k].tag == rerrs[k].tag &&
			   errs[k].expected == rerrs[k].expected && errs[k].actual == rerrs[k].actual,
			   "failure %u: interval %u %s expected %#llx actual %#llx; the reference: interval %u tag %d "
			   "expected %#llx actual %#llx", k, errs[k].interval, pi_tag_name(errs[k].tag),
			   (unsigned long long)errs[k].expected, (unsigned long long)errs[k].actual, rerrs[k].interval,
			   rerrs[k].tag, (unsigned long long)rerrs[k].expected, (unsigned long long)rerrs[k].actual);
	return ne;
}

static bool escaped(const struct ref_fmt *f, const uint8_t *md, size_t i)
{
	uint64_t g, r;
	uint16_t a;

	ref_tuple(f, md, i, &g, &a, &r);
	return a == 0xffff && (f->type != 3 || r == ref_ref_mask(f));
}

/* One byte of data or metadata corrupted: a byte the tuple's field or the guard covers is caught as such. */
static void corrupt_one(const struct pi_profile *p, const struct ref_fmt *f, size_t n, const struct pi_io *io,
			uint32_t pos, uint8_t flip)
{
	size_t len = n * p->interval, mdlen = pi_md_len(p, len), i, off;
	unsigned int tsz = ref_tuple_size(f), toff = ref_tuple_off(f), gw = tsz == 16 ? 8 : 2;
	struct pi_err errs[MAX_ERRS];
	uint64_t g0, r0, g1, r1, want;
	uint16_t a0, a1;
	unsigned int ne;
	int tag = 0;

	memcpy(md_x, md_e, mdlen);
	if (pos % (len + mdlen) < len) {
		off = pos % (len + mdlen);
		i = off / p->interval;
		data[off] ^= flip;
		want = ref_guard(f, data + i * p->interval, md_x + i * p->md_size);
		ne = same_verdict(p, f, md_x, n, io, errs);
		data[off] ^= flip;
		ref_tuple(f, md_x, i, &g0, &a0, &r0);
		if ((io->checks & PI_TAG_GUARD) && !escaped(f, md_x, i))
			FUZZ_CHECK(ne == 1 && errs[0].interval == i && errs[0].tag == PI_TAG_GUARD &&
				   errs[0].expected == want && errs[0].actual == g0,
				   "data byte %zu of interval %zu corrupted: %u failures, first %s", off, i, ne,
				   ne ? pi_tag_name(errs[0].tag) : "-");
		return;
	}
	off = pos % (len + mdlen) - len;
	i = off / p->md_size;
	ref_tuple(f, md_x, i, &g0, &a0, &r0);
	md_x[off] ^= flip;
	ref_tuple(f, md_x, i, &g1, &a1, &r1);
	ne = same_verdict(p, f, md_x, n, io, errs);
	if (escaped(f, md_e, i) || escaped(f, md_x, i))
		return;			/* no tag of an escaped tuple is checked: the differential covers it */
	off %= p->md_size;
	if (off < toff && f->guard != 2)
		tag = PI_TAG_GUARD;	/* opaque bytes before the tuple are under the guard */
	else if (off >= toff && off < toff + gw)
		tag = PI_TAG_GUARD;
	else if (off >= toff + gw && off < toff + gw + 2)
		tag = (a0 ^ a1) & io->app_mask ? PI_TAG_APP : 0;
	else if (off >= toff + gw + 2 && off < toff + tsz)
		tag = p->type == 3 ? 0 : PI_TAG_REF;
	if (!(io->checks & tag) || !tag) {
		FUZZ_CHECK(ne == 0, "metadata byte %zu of interval %zu (unchecked) corrupted: %u failures", off, i, ne);
		return;
	}
	FUZZ_CHECK(ne == 1 && errs[0].interval == i && (int)errs[0].tag == tag,
		   "metadata byte %zu of interval %zu corrupted: %u failures, first %s, wanted %s", off, i, ne,
		   ne ? pi_tag_name(errs[0].tag) : "-", pi_tag_name(tag));
	if (tag == PI_TAG_GUARD)
		FUZZ_CHECK(errs[0].actual == g1 && errs[0].expected ==
			   ref_guard(f, data + i * p->interval, md_x + i * p->md_size), "guard expected/actual");
	else if (tag == PI_TAG_APP)
		FUZZ_CHECK(errs[0].expected == io->app_tag && errs[0].actual == a1, "app tag expected/actual");
	else
		FUZZ_CHECK(errs[0].expected == r0 && errs[0].actual == r1, "ref tag expected/actual");
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
	struct fuzz_in in = { buf, size };
	struct pi_profile p;
	struct ref_fmt f;
	struct pi_io io;
	struct pi_err errs[MAX_ERRS];
	char err[256];
	unsigned int mode = (unsigned int)fuzz_take(&in, 1), tag;
	size_t n, len, mdlen, rest;
	uint32_t pos;
	uint8_t flip;
	int ok;

	if (mode & 0x80) {		/* any values: the profile's validation */
		f.guard = (int)(int8_t)fuzz_take(&in, 1);
		f.type = (int)(int8_t)fuzz_take(&in, 1);
		f.interval = (uint32_t)fuzz_take(&in, 4);
		f.md_size = (uint32_t)fuzz_take(&in, 4);
	} else {			/* a format a device may have */
		f.guard = 1 + (int)(mode % 3);
		f.type = 1 + (int)(mode / 3 % 3);
		f.interval = 512U << (mode / 9 % 4);
		f.md_size = f.guard == 2 ? 8 : ref_tuple_size(&f) + (uint32_t)(fuzz_take(&in, 1) % 57);
	}
	f.first = fuzz_take(&in, 1) & 1;
	ok = pi_profile_init(&p, (enum pi_guard)f.guard, f.type, f.interval, f.md_size, f.first, err, sizeof(err));
	FUZZ_CHECK((ok == 0) == ref_fmt_ok(&f), "guard %d type %d %u+%u: pi_profile_init says %s", f.guard, f.type,
		   f.interval, f.md_size, ok ? err : "valid");
	if (ok) {
		FUZZ_CHECK(*err && !strchr(err, '\n'), "one line of reason: '%s'", err);
		return 0;
	}
	FUZZ_CHECK(p.tuple_size == ref_tuple_size(&f) && p.pi_offset == ref_tuple_off(&f) &&
		   p.ref_mask == ref_ref_mask(&f) && p.interval == f.interval && p.md_size == f.md_size,
		   "profile fields");
	if (f.interval > MAX_DATA)
		return 0;

	n = 1 + fuzz_take(&in, 1) % (MAX_DATA / f.interval < 8 ? MAX_DATA / f.interval : 8);
	len = n * f.interval;
	mdlen = pi_md_len(&p, len);
	io = (struct pi_io){
		.seed = fuzz_take(&in, 8),
		.app_tag = (uint16_t)fuzz_take(&in, 2),
		.app_mask = (uint16_t)fuzz_take(&in, 2),
	};
	tag = (unsigned int)fuzz_take(&in, 1);
	io.checks = tag & PI_TAG_ALL;
	io.accept_escape = tag & 0x80;
	pos = (uint32_t)fuzz_take(&in, 4);
	flip = (uint8_t)fuzz_take(&in, 1);
	flip = flip ? flip : 0x01;
	fuzz_fill(data, len, fuzz_take(&in, 8));
	fuzz_fill(md_e, mdlen, fuzz_take(&in, 8));
	rest = in.n < len ? in.n : len;
	memcpy(data, in.p, rest);	/* the input's own bytes lead the data */

	/* The CRCs and the IP checksum alone, on the input's bytes. */
	FUZZ_CHECK(pi_ip_csum(in.p, in.n) == ref_ip_csum(in.p, in.n), "IP checksum of %zu bytes", in.n);

	memcpy(md_r, md_e, mdlen);
	pi_generate(&p, data, len, md_e, &io);
	ref_generate(&f, data, n, md_r, io.seed, io.app_tag);
	for (size_t k = 0; k < mdlen; k++)
		FUZZ_CHECK(md_e[k] == md_r[k], "generated metadata byte %zu (interval %zu): %#x, the reference %#x", k,
			   k / f.md_size, md_e[k], md_r[k]);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(pi_guard(&p, data + i * f.interval, md_e + i * f.md_size) ==
			   ref_guard(&f, data + i * f.interval, md_e + i * f.md_size), "pi_guard of interval %zu", i);
	FUZZ_CHECK(same_verdict(&p, &f, md_e, n, &io, errs) == 0, "generated metadata fails its own check");

	/* Metadata straight from the input: any mix of failures and escapes. */
	memcpy(md_x, md_e, mdlen);
	memcpy(md_x, in.p, in.n < mdlen ? in.n : mdlen);
	same_verdict(&p, &f, md_x, n, &io, errs);

	corrupt_one(&p, &f, n, &io, pos, flip);

	/* pi_corrupt: the tag corrupted is the one caught, and an app tag never becomes the escape. */
	tag = 1U << (flip % 3);
	memcpy(md_x, md_e, mdlen);
	pi_corrupt(&p, md_x, pos % n, (enum pi_tag)tag);
	{
		uint64_t g, r;
		uint16_t a;
		struct pi_io all = io;
		unsigned int ne;

		ref_tuple(&f, md_x, pos % n, &g, &a, &r);
		FUZZ_CHECK(tag != PI_TAG_APP || a != 0xffff, "pi_corrupt made the app tag the escape");
		all.checks = PI_TAG_ALL;
		all.app_mask = 0xffff;
		ne = same_verdict(&p, &f, md_x, n, &all, errs);
		if (!escaped(&f, md_x, pos % n) && !(tag == PI_TAG_REF && f.type == 3))
			FUZZ_CHECK(ne == 1 && errs[0].tag == tag && errs[0].interval == pos % n,
				   "pi_corrupt(%s) of interval %zu: %u failures", pi_tag_name(tag), (size_t)(pos % n), ne);
	}
	return 0;
}
