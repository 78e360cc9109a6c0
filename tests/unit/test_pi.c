// SPDX-License-Identifier: GPL-2.0
/*
 * PI arithmetic against slow references written here: check values, every
 * format, every field of every tuple, every corruption kind at the right
 * interval, escapes, masks, Type 3, tuple first/last.
 */
#include <stdlib.h>
#include <string.h>

#include <isa-l/crc.h>
#include <isa-l/crc64.h>

#include "../../bench/crc_multi.h"
#include "../../engines/pi.h"
#include "check.h"

/* Bit-at-a-time references, straight from the polynomial definitions. */
static uint16_t ref_crc16(uint16_t crc, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)b[i] << 8;
		for (int k = 0; k < 8; k++)
			crc = crc & 0x8000 ? (uint16_t)(crc << 1) ^ 0x8bb7 : (uint16_t)(crc << 1);
	}
	return crc;
}

/* CRC-64/NVME, reflected: state kept inverted between calls like isa-l's. */
static uint64_t ref_crc64(uint64_t crc, const uint8_t *b, size_t len)
{
	const uint64_t poly = 0x9a6c9329ac4bc9b5ULL; /* 0xad93d23594c93659 reflected */

	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= b[i];
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ poly : crc >> 1;
	}
	return ~crc;
}

static uint16_t ref_ip(const uint8_t *b, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i += 2) {
		sum += (uint32_t)b[i] << 8 | (i + 1 < len ? b[i + 1] : 0);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

static uint64_t rd_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void fill_random(uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)rand();
}

static uint64_t ref_guard(const struct pi_profile *p, const uint8_t *d, const uint8_t *m)
{
	switch (p->guard) {
	case PI_GUARD_CRC16:
		return ref_crc16(ref_crc16(0, d, p->interval), m, p->pi_offset);
	case PI_GUARD_CRC64:
		return ref_crc64(ref_crc64(0, d, p->interval), m, p->pi_offset);
	case PI_GUARD_IP:
		return ref_ip(d, p->interval);
	}
	return 0;
}

static void test_check_values(void)
{
	const uint8_t s[] = "123456789";
	uint8_t buf[4096 + 3];

	CHECK(ref_crc16(0, s, 9) == 0xd0db, "reference CRC16 check value");
	CHECK(crc16_t10dif(0, s, 9) == 0xd0db, "isa-l CRC16 check value");
	CHECK(ref_crc64(0, s, 9) == 0xae8b14860a799888ULL, "reference CRC64 check value");
	CHECK(crc64_rocksoft_refl(0, s, 9) == 0xae8b14860a799888ULL, "isa-l CRC64 check value");
	CHECK(crc64_rocksoft_refl(crc64_rocksoft_refl(0, s, 4), s + 4, 5) == 0xae8b14860a799888ULL,
	      "CRC64 chained over two pieces");
	/* RFC 1071 example words 0001 f203 f4f5 f6f7: sum 0xddf2, checksum 0x220d. */
	const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	CHECK(pi_ip_csum(rfc, 8) == 0x220d, "IP checksum RFC 1071 example: %#x", pi_ip_csum(rfc, 8));
	for (int i = 0; i < 200; i++) {
		size_t len = (size_t)rand() % sizeof(buf);

		fill_random(buf, sizeof(buf));
		CHECK(pi_ip_csum(buf, len) == ref_ip(buf, len), "IP checksum random len %zu", len);
		CHECK(crc16_t10dif(0, buf, len) == ref_crc16(0, buf, len), "CRC16 random len %zu", len);
		CHECK(crc64_rocksoft_refl(0, buf, len) == ref_crc64(0, buf, len), "CRC64 random len %zu", len);
	}
	memset(buf, 0xff, sizeof(buf));
	CHECK(pi_ip_csum(buf, 4096) == ref_ip(buf, 4096), "IP checksum of all ones (carry folding)");
}

struct fmt {
	enum pi_guard guard;
	int type;
	uint32_t interval, md_size;
	bool first;
};

#define NINT 16

/* Every field of every tuple as the reference computes it. */
static void check_tuples(const struct pi_profile *p, const struct fmt *f, const uint8_t *d,
			 const uint8_t *m, const struct pi_io *io, const char *name)
{
	for (unsigned int i = 0; i < NINT; i++) {
		const uint8_t *md = m + (size_t)i * p->md_size, *t = md + p->pi_offset;
		int gl = p->tuple_size == 16 ? 8 : 2, rl = p->tuple_size == 16 ? 6 : 4;
		uint64_t want_ref = (io->seed + i) & p->ref_mask;

		if (f->type == 3 && io->app_tag == 0xffff)
			want_ref = p->ref_mask;
		CHECK(rd_be(t, gl) == ref_guard(p, d + (size_t)i * p->interval, md),
		      "%s interval %u guard", name, i);
		CHECK(rd_be(t + gl, 2) == io->app_tag, "%s interval %u app tag", name, i);
		CHECK(rd_be(t + gl + 2, rl) == want_ref, "%s interval %u ref tag %#llx want %#llx",
		      name, i, (unsigned long long)rd_be(t + gl + 2, rl), (unsigned long long)want_ref);
	}
}

/* Flip one byte at off in buf, verify, expect exactly one error as described. */
static void expect_one(const struct pi_profile *p, uint8_t *d, uint8_t *m, uint8_t *buf, size_t off,
		       const struct pi_io *io, unsigned int interval, enum pi_tag tag, const char *name)
{
	struct pi_err e[4];
	size_t len = (size_t)NINT * p->interval;
	unsigned int n;

	buf[off] ^= 0x5a;
	n = pi_verify(p, d, len, m, io, e, 4);
	CHECK(n == 1, "%s: %u errors, want 1", name, n);
	if (n >= 1) {
		CHECK(e[0].interval == interval, "%s: error at interval %u, want %u", name, e[0].interval, interval);
		CHECK(e[0].tag == tag, "%s: tag %s, want %s", name, pi_tag_name(e[0].tag), pi_tag_name(tag));
		CHECK(e[0].expected != e[0].actual, "%s: expected == actual", name);
	}
	buf[off] ^= 0x5a;
	CHECK(pi_verify(p, d, len, m, io, e, 4) == 0, "%s: restored buffer verifies", name);
}

static void expect_none(const struct pi_profile *p, uint8_t *d, uint8_t *m, uint8_t *buf, size_t off,
			const struct pi_io *io, const char *name)
{
	buf[off] ^= 0x5a;
	CHECK(pi_verify(p, d, (size_t)NINT * p->interval, m, io, NULL, 0) == 0, "%s: error reported", name);
	buf[off] ^= 0x5a;
}

static void test_format(const struct fmt *f)
{
	struct pi_profile p;
	char err[128], name[96];
	size_t len = (size_t)NINT * f->interval;
	uint8_t *d = malloc(len), *m;
	unsigned int k = (unsigned int)rand() % NINT, n, nesc;
	size_t t;
	int gl;

	snprintf(name, sizeof(name), "guard %d type %d %u+%u %s", f->guard, f->type, f->interval,
		 f->md_size, f->first ? "first" : "last");
	CHECK(pi_profile_init(&p, f->guard, f->type, f->interval, f->md_size, f->first, err, sizeof(err)) == 0,
	      "%s: profile: %s", name, err);
	m = malloc(pi_md_len(&p, len));
	CHECK(pi_md_len(&p, len) == (size_t)NINT * f->md_size, "%s: md len", name);
	fill_random(d, len);
	fill_random(m, pi_md_len(&p, len));

	/* Seeds that wrap the ref tag inside the I/O. */
	struct pi_io io = { .seed = p.ref_mask - 3, .app_tag = (uint16_t)rand() & 0x7fff,
			    .app_mask = 0xffff, .checks = PI_TAG_ALL };
	pi_generate(&p, d, len, m, &io);
	check_tuples(&p, f, d, m, &io, name);
	CHECK(pi_verify(&p, d, len, m, &io, NULL, 0) == 0, "%s: fresh tuples verify", name);

	t = (size_t)k * f->md_size + p.pi_offset;
	gl = p.tuple_size == 16 ? 8 : 2;
	expect_one(&p, d, m, d, (size_t)k * f->interval + (size_t)rand() % f->interval, &io, k, PI_TAG_GUARD,
		   "data byte");
	expect_one(&p, d, m, m, t + (size_t)rand() % gl, &io, k, PI_TAG_GUARD, "guard byte");
	expect_one(&p, d, m, m, t + gl + (size_t)rand() % 2, &io, k, PI_TAG_APP, "app tag byte");
	if (f->type != 3)
		expect_one(&p, d, m, m, t + gl + 2 + (size_t)rand() % (p.tuple_size == 16 ? 6 : 4), &io, k,
			   PI_TAG_REF, "ref tag byte");
	else
		expect_none(&p, d, m, m, t + gl + 2, &io, "Type 3 ref tag byte (unchecked)");
	if (f->md_size > p.tuple_size) {
		if (f->first)
			expect_none(&p, d, m, m, (size_t)k * f->md_size + p.tuple_size, &io,
				    "opaque byte after a first tuple (not covered)");
		else
			expect_one(&p, d, m, m, (size_t)k * f->md_size, &io, k, PI_TAG_GUARD,
				   "opaque byte before a last tuple");
	}
	/* Checks not asked for are not made. */
	io.checks = PI_TAG_REF | PI_TAG_APP;
	expect_none(&p, d, m, d, (size_t)k * f->interval, &io, "data byte, guard unchecked");
	io.checks = PI_TAG_GUARD | PI_TAG_REF;
	expect_none(&p, d, m, m, t + gl, &io, "app tag byte, app tag unchecked");
	io.checks = PI_TAG_ALL;
	/* The app tag mask. */
	io.app_tag ^= 0x0100;
	io.app_mask = 0xfeff;
	CHECK(pi_verify(&p, d, len, m, &io, NULL, 0) == 0, "%s: masked app tag mismatch passes", name);
	io.app_mask = 0xffff;
	CHECK(pi_verify(&p, d, len, m, &io, NULL, 0) == NINT, "%s: unmasked app tag mismatch fails each interval",
	      name);
	io.app_tag ^= 0x0100;
	/* A wrong seed fails every interval's ref tag (Type 1/2), nothing on Type 3. */
	io.seed += 1;
	CHECK(pi_verify(&p, d, len, m, &io, NULL, 0) == (f->type == 3 ? 0 : NINT), "%s: wrong seed", name);
	io.seed -= 1;

	/* Several failures: all counted, the first ones stored in order. */
	struct pi_err e[2];
	d[1] ^= 1;
	d[3 * f->interval] ^= 1;
	d[(NINT - 1) * (size_t)f->interval + 7] ^= 1;
	CHECK(pi_verify(&p, d, len, m, &io, e, 2) == 3, "%s: three corrupt intervals counted", name);
	CHECK(e[0].interval == 0 && e[1].interval == 3, "%s: first two stored in order", name);
	CHECK(e[0].expected == ref_guard(&p, d, m) && e[0].actual == rd_be(m + p.pi_offset, gl),
	      "%s: error carries expected and actual guard", name);
	d[1] ^= 1;
	d[3 * f->interval] ^= 1;
	d[(NINT - 1) * (size_t)f->interval + 7] ^= 1;

	/* Escapes. */
	io.app_tag = 0xffff;
	pi_generate(&p, d, len, m, &io);
	check_tuples(&p, f, d, m, &io, name);
	d[k * (size_t)f->interval] ^= 1;
	CHECK(pi_verify_count(&p, d, len, m, &io, NULL, 0, &nesc) == 0 && nesc == NINT,
	      "%s: intervals escaped by the reader's own app tag pass unchecked, counted: %u", name, nesc);
	if (f->type == 3) {
		/* Type 3 needs the ref tag all ones too. */
		m[t + gl + 2 + 1] ^= 1;
		CHECK(pi_verify(&p, d, len, m, &io, e, 2) == 1 && e[0].tag == PI_TAG_GUARD,
		      "%s: Type 3 app escape without ref escape is checked", name);
		m[t + gl + 2 + 1] ^= 1;
	}
	d[k * (size_t)f->interval] ^= 1;

	/* An all-ones interval (unwritten or discarded blocks read back so) where the reader expects its app tag. */
	io.app_tag = 0x1234;
	pi_generate(&p, d, len, m, &io);
	memset(d + (size_t)k * f->interval, 0xff, f->interval);
	memset(m + (size_t)k * f->md_size, 0xff, f->md_size);
	n = pi_verify_count(&p, d, len, m, &io, e, 2, &nesc);
	CHECK(n == 1 && nesc == 1 && e[0].interval == k && e[0].tag == PI_TAG_ESCAPE && e[0].expected == 0x1234 &&
	      e[0].actual == 0xffff, "%s: all-ones interval %u fails as an escape: %u errors (first %s at %u), %u escaped",
	      name, k, n, n ? pi_tag_name(e[0].tag) : "-", n ? e[0].interval : 0, nesc);
	io.accept_escape = true;
	CHECK(pi_verify_count(&p, d, len, m, &io, NULL, 0, &nesc) == 0 && nesc == 1,
	      "%s: accepted escape passes, counted: %u", name, nesc);
	io.checks = 0;
	io.accept_escape = false;
	CHECK(pi_verify(&p, d, len, m, &io, NULL, 0) == 1, "%s: escape fails with no tag checked", name);
	io.checks = PI_TAG_ALL;
	pi_generate(&p, d, len, m, &io);
	/* Type 1/2: the app tag alone escapes, hiding a bad guard; Type 3 also needs the ref tag all ones. */
	memset(m + t + gl, 0xff, 2);
	d[k * (size_t)f->interval] ^= 1;
	n = pi_verify_count(&p, d, len, m, &io, e, 2, &nesc);
	if (f->type != 3)
		CHECK(n == 1 && nesc == 1 && e[0].tag == PI_TAG_ESCAPE, "%s: app tag escape fails: %u errors, %u escaped",
		      name, n, nesc);
	else
		CHECK(n == 2 && nesc == 0 && e[0].tag == PI_TAG_GUARD && e[1].tag == PI_TAG_APP,
		      "%s: Type 3 app tag 0xffff without ref escape checked: %u errors, %u escaped", name, n, nesc);
	io.accept_escape = true;
	CHECK(pi_verify(&p, d, len, m, &io, NULL, 0) == (f->type == 3 ? 2u : 0u), "%s: accepted app tag escape", name);
	io.accept_escape = false;
	d[k * (size_t)f->interval] ^= 1;

	/* Injected corruption: one error of the tag at the interval, never an escape. */
	for (unsigned int app = 0xfffd; app <= 0xfffe; app++) {
		static const enum pi_tag tags[] = { PI_TAG_GUARD, PI_TAG_REF, PI_TAG_APP };

		io.app_tag = (uint16_t)app;
		for (unsigned int j = 0; j < 3; j++) {
			if (tags[j] == PI_TAG_REF && f->type == 3)
				continue;
			pi_generate(&p, d, len, m, &io);
			pi_corrupt(&p, m, k, tags[j]);
			n = pi_verify_count(&p, d, len, m, &io, e, 2, &nesc);
			CHECK(n == 1 && nesc == 0 && e[0].interval == k && e[0].tag == tags[j],
			      "%s: apptag %#x, %s corrupted at %u: %u errors (first %s at %u), %u escaped", name, app,
			      pi_tag_name(tags[j]), k, n, n ? pi_tag_name(e[0].tag) : "-", n ? e[0].interval : 0, nesc);
		}
	}
	free(d);
	free(m);
}

/* make bench's batched CRC16 (bench/crc_multi.c) against the reference, every length and count it takes. */
static void test_multi(void)
{
	static uint8_t d[8 * (4096 + 64) + 64];
	uint16_t out[8];
	bool on = crc_multi_available();

	fill_random(d, sizeof(d));
	for (size_t len = 64; len <= 4096; len += 64)
		for (unsigned int n = 1; n <= 8; n++) {
			CHECK(crc16_t10dif_multi(d + 3, len, n, len + 64, out) == on, "multi CRC16 runs where available");
			if (!on)
				continue;
			for (unsigned int i = 0; i < n; i++)
				CHECK(out[i] == ref_crc16(0, d + 3 + i * (len + 64), len),
				      "multi CRC16 len %zu n %u buffer %u", len, n, i);
		}
	printf("crc_multi (AVX-512 VPCLMULQDQ): %s on this CPU\n", on ? "tested" : "not available, not tested");
	CHECK(!crc16_t10dif_multi(d, 100, 2, 100, out) && !crc16_t10dif_multi(d, 512, 9, 512, out),
	      "multi CRC16 refuses a length not a multiple of 64 and more than 8 buffers");
}

static void test_profiles(void)
{
	struct pi_profile p;
	char err[128];

	CHECK(pi_profile_init(&p, PI_GUARD_CRC64, 1, 4096, 8, false, err, sizeof(err)) == -1 &&
	      strstr(err, "cannot hold a 16-byte"), "16-byte tuple in 8 bytes refused: %s", err);
	CHECK(pi_profile_init(&p, PI_GUARD_IP, 1, 512, 16, false, err, sizeof(err)) == -1 &&
	      strstr(err, "IP-checksum"), "IP guard with 16-byte metadata refused: %s", err);
	CHECK(pi_profile_init(&p, PI_GUARD_CRC16, 4, 512, 8, false, err, sizeof(err)) == -1, "Type 4 refused");
	CHECK(pi_profile_init(&p, PI_GUARD_CRC16, 1, 520, 8, false, err, sizeof(err)) == -1, "interval 520 refused");
	CHECK(pi_profile_init(&p, PI_GUARD_CRC16, 1, 512, 1u << 20, false, err, sizeof(err)) == -1 &&
	      !strcmp(err, "1048576 bytes of metadata per 512-byte interval: more than the data; not a PI format"),
	      "absurd metadata size refused: %s", err);
	CHECK(pi_profile_init(&p, PI_GUARD_CRC64, 1, 512, 513, true, err, sizeof(err)) == -1,
	      "metadata larger than the interval refused");
	CHECK(pi_profile_init(&p, PI_GUARD_CRC64, 1, 512, 512, true, err, sizeof(err)) == 0,
	      "metadata as large as the interval: %s", err);
	CHECK(pi_profile_init(&p, PI_GUARD_CRC16, 1, 4096, 64, false, err, sizeof(err)) == 0 && p.pi_offset == 56,
	      "tuple last in 64 bytes at 56");
	CHECK(pi_profile_init(&p, PI_GUARD_CRC64, 1, 4096, 64, false, err, sizeof(err)) == 0 && p.pi_offset == 48,
	      "16-byte tuple last in 64 bytes at 48");
	CHECK(pi_profile_init(&p, PI_GUARD_CRC16, 1, 4096, 64, true, err, sizeof(err)) == 0 && p.pi_offset == 0,
	      "tuple first at 0");
	/* The tuple layout, as pi.h states it (the injector and profile.c read it from here). */
	CHECK(pi_tuple_size(PI_GUARD_CRC16) == 8 && pi_tuple_size(PI_GUARD_IP) == 8 &&
	      pi_tuple_size(PI_GUARD_CRC64) == 16 && pi_tuple_size((enum pi_guard)9) == 0, "tuple sizes");
	CHECK(pi_profile_init(&p, PI_GUARD_IP, 1, 512, 8, false, err, sizeof(err)) == 0 && p.guard_size == 2 &&
	      p.ref_size == 4 && p.ref_mask == 0xffffffffULL, "8-byte tuple: 2-byte guard, 4-byte ref tag");
	CHECK(pi_profile_init(&p, PI_GUARD_CRC64, 3, 4096, 64, true, err, sizeof(err)) == 0 && p.guard_size == 8 &&
	      p.ref_size == 6 && p.ref_mask == 0xffffffffffffULL, "16-byte tuple: 8-byte guard, 6-byte ref tag");
	CHECK(pi_profile_init(&p, (enum pi_guard)9, 1, 512, 8, false, err, sizeof(err)) == -1 &&
	      !strcmp(err, "unknown guard type 9"), "unknown guard refused: %s", err);
	CHECK(pi_parse_checks("GUARD,REFTAG,APPTAG") == PI_TAG_ALL, "parse all checks");
	CHECK(pi_parse_checks("reftag") == PI_TAG_REF, "parse lower case");
	CHECK(pi_parse_checks("") == 0, "parse empty");
	CHECK(pi_parse_checks("GUARD,CRC") == -1, "parse unknown word");
}

int main(void)
{
	static const enum pi_guard guards[] = { PI_GUARD_CRC16, PI_GUARD_IP, PI_GUARD_CRC64 };
	static const uint32_t intervals[] = { 512, 4096 };

	srand(12345);
	test_check_values();
	test_profiles();
	test_multi();
	for (unsigned int g = 0; g < 3; g++)
		for (int type = 1; type <= 3; type++)
			for (unsigned int iv = 0; iv < 2; iv++)
				for (int big = 0; big <= 1; big++)
					for (int first = 0; first <= big; first++) {
						struct fmt f = { guards[g], type, intervals[iv],
								 big ? 64 : (guards[g] == PI_GUARD_CRC64 ? 16 : 8),
								 first };

						if (f.guard == PI_GUARD_IP && big)
							continue;
						test_format(&f);
					}
	return check_done();
}
