// SPDX-License-Identifier: GPL-2.0
/*
 * ns per 4 KiB I/O for PI generation and verification, measured in one run,
 * side by side with
 *  (a) isa-l's CRC alone over the same bytes (one call per interval, the
 *      work the guards need; and one call over the whole 4 KiB, a floor),
 *  (b) fio's own PI helpers (engines/nvme.c of the pinned fio tree);
 * then variants of the engine's loop (one isa-l call per interval): batched
 * guards (crc_multi.c) and isa-l's fused copy-and-CRC, each as a gain.
 * Implementations alternate within each repetition; the fastest repetition
 * of each is reported (the least disturbed by other load; the spread to the
 * median is printed as the noise), with the ratios.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <isa-l/crc.h>
#include <isa-l/crc64.h>

#include "fio.h"
#include "engines/nvme.h"

#include "../engines/pi.h"
#include "crc_multi.h"

#define IO_BYTES 4096
#define REPS 31

/* fio's nvme.c logs through these; the bench never takes those paths. */
ssize_t log_err(const char *format, ...)
{
	(void)format;
	return 0;
}

struct fmt {
	const char *name;
	uint32_t interval, md;
	enum pi_guard guard;
};

struct ctx {
	const struct fmt *f;
	struct pi_profile prof;
	struct pi_io gen, chk;
	uint8_t *data, *md, *src;
	/* fio */
	struct nvme_data nd;
	struct fio_file file;
	struct io_u io_u;
	struct nvme_pi_data pd;
	struct nvme_cmd_ext_io_opts opts;
	struct nvme_uring_cmd cmd;
};

static volatile uint64_t sink;

static void isal_per_interval(struct ctx *c)
{
	uint64_t s = 0;

	for (uint32_t off = 0; off < IO_BYTES; off += c->f->interval)
		s += c->f->guard == PI_GUARD_CRC64 ? crc64_rocksoft_refl(0, c->data + off, c->f->interval)
						   : crc16_t10dif(0, c->data + off, c->f->interval);
	sink += s;
}

static void isal_whole(struct ctx *c)
{
	sink += c->f->guard == PI_GUARD_CRC64 ? crc64_rocksoft_refl(0, c->data, IO_BYTES)
					      : crc16_t10dif(0, c->data, IO_BYTES);
}

static void upi_gen(struct ctx *c)
{
	pi_generate(&c->prof, c->data, IO_BYTES, c->md, &c->gen);
}

static void upi_ver(struct ctx *c)
{
	sink += pi_verify(&c->prof, c->data, IO_BYTES, c->md, &c->chk, NULL, 0);
}

/* An 8-byte Type 1 tuple (the batched and fused variants write the engine's tuples by hand). */
static void put_t1(uint8_t *t, uint16_t guard, uint16_t app, uint32_t ref)
{
	uint32_t r = __builtin_bswap32(ref);

	t[0] = guard >> 8, t[1] = (uint8_t)guard, t[2] = app >> 8, t[3] = (uint8_t)app;
	memcpy(t + 4, &r, 4);
}

/* Batched (CRC16, 8-byte tuples): the guards of all intervals at once, then the tuples ... */
static void gen_batched(struct ctx *c)
{
	uint32_t n = IO_BYTES / c->f->interval;
	uint16_t g[8];

	crc16_t10dif_multi(c->data, c->f->interval, n, c->f->interval, g);
	for (uint32_t i = 0; i < n; i++)
		put_t1(c->md + i * c->f->md, g[i], c->gen.app_tag, (uint32_t)c->gen.seed + i);
}

/* ... and every field of every tuple checked against them (escape: app tag 0xffff). */
static void ver_batched(struct ctx *c)
{
	uint32_t n = IO_BYTES / c->f->interval, bad = 0;
	uint16_t g[8];

	crc16_t10dif_multi(c->data, c->f->interval, n, c->f->interval, g);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *t = c->md + i * c->f->md;
		uint16_t app = (uint16_t)(t[2] << 8 | t[3]);
		uint32_t ref;

		memcpy(&ref, t + 4, 4);
		if (app != 0xffff)
			bad += ((uint16_t)(t[0] << 8 | t[1]) != g[i]) + (app != c->chk.app_tag) +
			       (__builtin_bswap32(ref) != (uint32_t)c->chk.seed + i);
	}
	sink += bad;
}

/* A write whose data is copied into the I/O buffer first: copy, then generate ... */
static void copy_gen(struct ctx *c)
{
	memcpy(c->data, c->src, IO_BYTES);
	pi_generate(&c->prof, c->data, IO_BYTES, c->md, &c->gen);
}

/* ... or isa-l's fused copy-and-CRC per interval (CRC16 only), then the tuples. */
static void copy_gen_fused(struct ctx *c)
{
	uint32_t iv = c->f->interval;

	for (uint32_t off = 0, i = 0; off < IO_BYTES; off += iv, i++)
		put_t1(c->md + i * c->f->md, crc16_t10dif_copy(0, c->data + off, c->src + off, iv), c->gen.app_tag,
		       (uint32_t)c->gen.seed + i);
}

static void fio_gen(struct ctx *c)
{
	c->io_u.ddir = DDIR_WRITE;
	fio_nvme_pi_fill(&c->cmd, &c->io_u, &c->opts);
}

static void fio_ver(struct ctx *c)
{
	c->io_u.ddir = DDIR_READ;
	sink += fio_nvme_pi_verify(&c->nd, &c->io_u);
}

static void setup(struct ctx *c, const struct fmt *f)
{
	char err[128];

	memset(c, 0, sizeof(*c));
	c->f = f;
	if (pi_profile_init(&c->prof, f->guard, 1, f->interval, f->md, true, err, sizeof(err))) {
		fprintf(stderr, "pi_bench: %s\n", err);
		exit(1);
	}
	c->data = aligned_alloc(4096, IO_BYTES);
	c->src = aligned_alloc(4096, IO_BYTES);
	/* Metadata not 4 KiB-aligned to the data: no 4K-aliasing stalls between them. */
	c->md = (uint8_t *)aligned_alloc(4096, 2 * 4096) + 2048 + 64;
	for (int i = 0; i < IO_BYTES; i++)
		c->src[i] = c->data[i] = (uint8_t)rand();
	c->gen = (struct pi_io){ .seed = 1000, .app_tag = 0x1234 };
	c->chk = (struct pi_io){ .seed = 1000, .app_tag = 0x1234, .app_mask = 0xffff, .checks = PI_TAG_ALL };

	c->nd.lba_size = f->interval;
	c->nd.lba_shift = (uint32_t)__builtin_ctz(f->interval);
	c->nd.ms = (uint16_t)f->md;
	c->nd.pi_size = (uint16_t)c->prof.tuple_size;
	c->nd.pi_type = NVME_NS_DPS_PI_TYPE1;
	c->nd.guard_type = f->guard == PI_GUARD_CRC64 ? NVME_NVM_NS_64B_GUARD : NVME_NVM_NS_16B_GUARD;
	c->nd.pi_loc = 1;
	c->file.engine_data = &c->nd;
	c->pd.io_flags = NVME_IO_PRINFO_PRCHK_GUARD | NVME_IO_PRINFO_PRCHK_REF | NVME_IO_PRINFO_PRCHK_APP;
	c->pd.apptag = 0x1234;
	c->pd.apptag_mask = 0xffff;
	c->opts.io_flags = c->pd.io_flags;
	c->opts.apptag = 0x1234;
	c->opts.apptag_mask = 0xffff;
	c->io_u.file = &c->file;
	c->io_u.xfer_buf = c->data;
	c->io_u.xfer_buflen = IO_BYTES;
	c->io_u.mmap_data = c->md;
	c->io_u.offset = 1000ULL * f->interval;
	c->io_u.engine_data = &c->pd;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

enum { ISAL_INT, ISAL_WHOLE, UPI_GEN, FIO_GEN, UPI_VER, FIO_VER, NIMPL };
static void (*const impls[NIMPL])(struct ctx *) = { isal_per_interval, isal_whole, upi_gen, fio_gen,
						    upi_ver, fio_ver };
enum { GEN_LOOP, GEN_MULTI, VER_LOOP, VER_MULTI, COPY_GEN, COPY_FUSED, NVAR };
static void (*const variants[NVAR])(struct ctx *) = { upi_gen, gen_batched, upi_ver, ver_batched,
						      copy_gen, copy_gen_fused };

/* fastest of REPS repetitions of iters calls of each of the n functions, alternating in rotated order */
static double time_all(struct ctx *c, void (*const *fn)(struct ctx *), int n, long iters, double *best)
{
	double t[NIMPL > NVAR ? NIMPL : NVAR][REPS], noise = 0;

	for (int r = 0; r < REPS; r++)
		for (int j = 0; j < n; j++) {
			int k = (j + r) % n;	/* rotate: no implementation always follows another */
			double t0 = now_ns();

			for (long i = 0; i < iters; i++)
				fn[k](c);
			t[k][r] = (now_ns() - t0) / iters;
		}
	for (int k = 0; k < n; k++) {
		qsort(t[k], REPS, sizeof(double), cmp_double);
		best[k] = t[k][0];
		if (t[k][REPS / 2] / t[k][0] - 1 > noise)
			noise = t[k][REPS / 2] / t[k][0] - 1;
	}
	return noise;	/* the largest spread from the fastest to the median */
}

/* The batched (where measured) and fused variants agree with the engine on the tuples, else exit. */
static void same_tuples(struct ctx *c, bool multi)
{
	static void (*const gens[])(struct ctx *) = { gen_batched, copy_gen_fused };
	size_t len = IO_BYTES / c->f->interval * c->f->md;
	uint8_t want[64];
	uint64_t s0 = sink, s1;

	upi_gen(c);
	memcpy(want, c->md, len);
	for (int i = multi ? 0 : 1; i < 2; i++) {
		memset(c->md, 0, len);
		gens[i](c);
		if (memcmp(want, c->md, len)) {
			fprintf(stderr, "pi_bench: %s: a variant writes other tuples than the engine\n", c->f->name);
			exit(1);
		}
	}
	if (!multi)
		return;
	ver_batched(c);
	s1 = sink;
	c->md[len - 1] ^= 1;	/* the last ref tag */
	ver_batched(c);
	c->md[len - 1] ^= 1;
	if (s1 != s0 || sink == s1) {
		fprintf(stderr, "pi_bench: %s: the batched check is wrong\n", c->f->name);
		exit(1);
	}
}

/* Batched guards and the fused copy, each against the engine's loop (CRC16 8-byte formats). */
static void batched(const void *fmts_, size_t nfmt, long iters)
{
	const struct fmt *fmts = fmts_;
	const bool multi = crc_multi_available();
	const int first = multi ? GEN_LOOP : COPY_GEN;

	printf("\nbatched and fused, ns per 4 KiB I/O, fastest of %d repetitions; gain = engine's loop / variant\n", REPS);
	printf("batched guards (bench/crc_multi.c, 8 intervals in AVX-512 VPCLMULQDQ fold chains): %s\n",
	       multi ? "measured" : "not on this CPU");
	printf("%-14s %9s %9s %5s | %9s %9s %5s | %9s %9s %5s | %s\n", "format", "gen loop", "batched", "gain",
	       "ver loop", "batched", "gain", "copy+gen", "fused", "gain", "noise");
	for (size_t fi = 0; fi < nfmt; fi++) {
		struct ctx c;
		double best[NVAR] = { 0 }, noise;

		if (fmts[fi].guard != PI_GUARD_CRC16 || fmts[fi].md != 8)
			continue;
		setup(&c, &fmts[fi]);
		same_tuples(&c, multi);
		noise = time_all(&c, variants + first, NVAR - first, iters, best + first);
		printf("%-14s ", fmts[fi].name);
		for (int v = GEN_LOOP; v < NVAR; v += 2)
			if (v >= first)
				printf("%9.1f %9.1f %5.2f | ", best[v], best[v + 1], best[v] / best[v + 1]);
			else
				printf("%9s %9s %5s | ", "-", "-", "-");
		printf("%4.0f%%\n", noise * 100);
	}
	printf("CRC64 formats: no batched variant (crc_multi is CRC16) and no fused one (isa-l has no CRC64 copy)\n");
}

int main(int argc, char **argv)
{
	static const struct fmt fmts[] = {
		{ "512+8 CRC16", 512, 8, PI_GUARD_CRC16 },
		{ "4096+8 CRC16", 4096, 8, PI_GUARD_CRC16 },
		{ "512+16 CRC64", 512, 16, PI_GUARD_CRC64 },
		{ "4096+16 CRC64", 4096, 16, PI_GUARD_CRC64 },
	};
	long iters = argc > 1 ? atol(argv[1]) : 5000;
	int only = argc > 2 ? atoi(argv[2]) : -1;	/* one format (for instruction counting) */
	int bad = 0, slower = 0, faster = 0;

	if (iters <= 0 || only >= (int)(sizeof(fmts) / sizeof(fmts[0]))) {
		fprintf(stderr, "usage: pi_bench [I/Os per repetition (default 5000) [format index 0-3]]\n");
		return 2;
	}

	printf("ns per 4 KiB I/O, fastest of %d repetitions of %ld I/Os, implementations alternating in rotated order\n", REPS, iters);
	printf("fio's CRC path: %s\n",
#if defined(CONFIG_LIBISAL) && defined(CONFIG_LIBISAL64)
	       "isa-l for CRC16 and CRC64 (pinned fio configured with isal and isal CRC64)"
#elif defined(CONFIG_LIBISAL)
	       "isa-l for CRC16, byte table for CRC64"
#else
	       "byte tables (fio built without isa-l)"
#endif
	);
	printf("%-14s %9s %9s | %9s %9s %6s %6s | %9s %9s %6s %6s | %s\n", "format", "isal/int", "isal/4K",
	       "gen", "fio gen", "g/isal", "g/fio", "verify", "fio ver", "v/isal", "v/fio", "noise");
	for (size_t fi = 0; fi < sizeof(fmts) / sizeof(fmts[0]); fi++) {
		struct ctx c;
		double med[NIMPL], noise;

		if (only >= 0 && (size_t)only != fi)
			continue;
		setup(&c, &fmts[fi]);
		upi_gen(&c);
		if (upi_ver(&c), fio_nvme_pi_verify(&c.nd, &c.io_u) ||
		    pi_verify(&c.prof, c.data, IO_BYTES, c.md, &c.chk, NULL, 0)) {
			fprintf(stderr, "pi_bench: %s: fio and uring-pi disagree on the tuples\n", fmts[fi].name);
			return 1;
		}
		noise = time_all(&c, impls, NIMPL, iters, med);
		printf("%-14s %9.1f %9.1f | %9.1f %9.1f %6.2f %6.2f | %9.1f %9.1f %6.2f %6.2f | %4.0f%%\n", fmts[fi].name,
		       med[ISAL_INT], med[ISAL_WHOLE], med[UPI_GEN], med[FIO_GEN], med[UPI_GEN] / med[ISAL_INT],
		       med[UPI_GEN] / med[FIO_GEN], med[UPI_VER], med[FIO_VER], med[UPI_VER] / med[ISAL_INT],
		       med[UPI_VER] / med[FIO_VER], noise * 100);
		bad += med[UPI_GEN] > 1.2 * med[ISAL_INT] || med[UPI_VER] > 1.2 * med[ISAL_INT];
		/* Same work as isa-l's bare CRC (isal/4K vs isal/int at 4096) shows the measurement's own bias. */
		slower += med[UPI_GEN] > med[FIO_GEN] * (1 + noise) || med[UPI_VER] > med[FIO_VER] * (1 + noise);
		faster += med[UPI_GEN] < med[FIO_GEN] && med[UPI_VER] < med[FIO_VER];
	}
	printf("goal gen and verify <= 1.2x isa-l's CRC per interval: %s\n",
	       bad ? "MISSED in some format" : "met in every format");
	printf("against fio's helpers (time): faster in %d formats, slower beyond the noise in %d "
	       "(the instruction counts below decide within the noise)\n", faster, slower);
	if (only < 0)
		batched(fmts, sizeof(fmts) / sizeof(fmts[0]), iters);
	return 0;
}
