// SPDX-License-Identifier: GPL-2.0
/*
 * uring_pi: an external fio ioengine doing io_uring reads and writes that
 * carry protection information (T10 DIF / NVMe PI).
 *
 * The glue stays thin: options, ring set-up, queue/commit/getevents/event.
 * PI arithmetic lives in pi.c, SQE encoding in sqe.c, device discovery in
 * profile.c.
 *
 * Load with ioengine=external:engines/uring_pi.so.
 */
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include <liburing.h>

#include "fio.h"
#include "optgroup.h"

#include "opts.h"
#include "pi.h"
#include "profile.h"
#include "sqe.h"
#include "uapi.h"

/* The UAPI offsets agree with the SQE of the headers liburing was built with. */
_Static_assert(sizeof(struct io_uring_sqe) == 64, "64-byte SQE");
_Static_assert(offsetof(struct io_uring_sqe, splice_fd_in) == UPI_SQE_META_TYPE_OFF, "meta_type at 44");
_Static_assert(offsetof(struct io_uring_sqe, addr3) == UPI_SQE_ATTR_PTR_OFF, "attr_ptr at 48");
_Static_assert(IORING_SETUP_SQE128 == UPI_SETUP_SQE128, "IORING_SETUP_SQE128");

#ifndef UPI_FIO_BUILD_ID
#error "UPI_FIO_BUILD_ID (the build-id of the fio binary this engine is built for) must be defined"
#endif

enum { INJECT_NONE = 0, INJECT_GUARD = PI_TAG_GUARD, INJECT_REFTAG = PI_TAG_REF, INJECT_APPTAG = PI_TAG_APP };

/* The engine's check bits (PI_TAG_*) go to the kernel as they are (upi_pi_desc.flags). */
_Static_assert(PI_TAG_GUARD == UPI_INTEGRITY_CHK_GUARD && PI_TAG_REF == UPI_INTEGRITY_CHK_REFTAG &&
	       PI_TAG_APP == UPI_INTEGRITY_CHK_APPTAG && PI_TAG_ALL == UPI_INTEGRITY_CHK_ALL,
	       "PI_TAG_* must have the values of IO_INTEGRITY_CHK_*");

struct upi_options {
	void *pad;			/* reserved for fio */
	unsigned int md_per_io_size;
	unsigned int pi_act;
	char *pi_chk;
	unsigned int apptag;
	unsigned int apptag_mask;
	unsigned int pi_abi;
	unsigned int pi_verify;
	unsigned int pi_inject;
	unsigned int pi_inject_pct;
	unsigned int pi_escape;
	unsigned int fixedbufs;
	unsigned int registerfiles;
};

struct upi_stats {
	uint64_t generated;		/* intervals whose PI the engine wrote */
	uint64_t checked;		/* intervals the engine checked on reads */
	uint64_t escaped;		/* intervals read with an escaped tuple (no tag checked) */
	uint64_t host_errors;		/* failed checks found by the engine */
	uint64_t dev_errors;		/* I/Os completed with -EILSEQ */
	uint64_t injected;		/* writes sent with a corrupted tag */
	uint64_t injected_rejected;	/* ... that completed with -EILSEQ */
	uint64_t injected_silent;	/* ... that completed without error */
	uint64_t arith_ticks;		/* upi_ticks() spent in pi_generate/pi_verify */
	uint64_t arith_ios;		/* I/Os those ticks were spent on */
};

struct upi_data {
	struct io_uring ring;
	struct io_u **events;		/* completed, handed out by ->event */
	struct io_u **pending;		/* queued, not yet submitted (FIFO) */
	unsigned int npending;
	unsigned int inflight;
	bool trim_busy;			/* a trim is queued or in flight: it runs alone */
	bool trim_sync;			/* no io_uring discard here: BLKDISCARD, as fio does */
	struct iovec *iovecs;
	int *fds;			/* registerfiles: opened in post_init, closed in cleanup */
	unsigned int nfds;
	struct upi_file *files;		/* every file's PI state, freed in cleanup */
	unsigned int features;

	bool pi;			/* the engine generates and checks PI (pi_act=0) */
	bool kpi;			/* the kernel generates and checks PI (pi_act=1) */
	enum upi_abi abi;		/* chosen when the first file is proven; AUTO until then */
	struct upi_pi_desc *desc;	/* one per io_u (ABI 2 points at it) */
	uint8_t *inject;		/* tag corrupted in the io_u's write, 0 if none */
	uint64_t rng;
	struct upi_stats st;
	uint64_t t0_ticks, t0_ns;	/* at set-up: to convert ticks to ns */
};

/*
 * The cost of the PI arithmetic per I/O, for the split of the PI overhead into
 * arithmetic and kernel/device (docs/perf.md): the TSC where there is one (a
 * few cycles, no system call even where the clock source is not the TSC, as in
 * a TCG guest), converted to ns by the monotonic clock over the job's life.
 */
static uint64_t upi_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t upi_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __rdtsc();
#else
	return upi_ns();
#endif
}

/*
 * Per file: the device's profile and the checks for its format, set up (and
 * proven) at the first open. fio frees its file list before ->cleanup, so
 * they are kept on the engine's own list too.
 */
struct upi_file {
	struct upi_dev dev;
	bool ready;
	unsigned int dev_checks;	/* IO_INTEGRITY_CHK_* sent to the kernel */
	unsigned int host_checks;	/* PI_TAG_* checked by the engine */
	size_t md_len;			/* metadata bytes per io_u */
	uint8_t *md;			/* md_len per io_u, for this file's format */
	struct upi_file *next;
};

/*
 * An engine built against one fio tree must not run inside another fio
 * build: struct layouts differ and fio crashes (or silently does nothing).
 * The fio binary is identified by its GNU build-id, checked at load time.
 */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
	char *out = arg;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) ph = info->dlpi_phdr[i];
		const uint8_t *p, *end;

		if (ph.p_type != PT_NOTE)
			continue;
		p = (const uint8_t *)(info->dlpi_addr + ph.p_vaddr);
		end = p + ph.p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			ElfW(Nhdr) n;
			const uint8_t *name, *desc;

			memcpy(&n, p, sizeof(n));
			name = p + sizeof(n);
			desc = name + ((n.n_namesz + 3) & ~3U);
			if (n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 && !memcmp(name, "GNU", 4)) {
				for (unsigned int k = 0; k < n.n_descsz && k < 64; k++)
					sprintf(out + 2 * k, "%02x", desc[k]);
				return 1;
			}
			p = desc + ((n.n_descsz + 3) & ~3U);
		}
	}
	return 1;	/* only the main program (the first object) is of interest */
}

static void __attribute__((constructor)) upi_check_fio(void)
{
	char id[130] = "";

	dl_iterate_phdr(find_build_id, id);
	if (strcmp(id, UPI_FIO_BUILD_ID)) {
		fprintf(stderr, "uring_pi: this engine was built for the fio binary with build-id %s, "
			"but runs inside %s (build-id %s); rebuild it with ./configure --fio=<source tree of this fio>\n",
			UPI_FIO_BUILD_ID, "another fio", *id ? id : "none");
		_exit(1);
	}
}

static struct fio_option options[] = {
	{
		.name	= "md_per_io_size",
		.lname	= "Metadata buffer size per I/O",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct upi_options, md_per_io_size),
		.def	= "0",
		.help	= "Metadata bytes per I/O; 0 = sized from the device profile and bs. "
			  "Setting it (or pi_chk) turns PI on",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_IOURING,
	},
	{
		.name	= "pi_act",
		.lname	= "Protection Information Action",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct upi_options, pi_act),
		.def	= "1",
		.help	= "1: the kernel/device generates and checks PI (no metadata buffer); "
			  "0: the engine generates PI on writes and checks it on reads",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_IOURING,
	},
	{
		.name	= "pi_chk",
		.lname	= "Protection Information Check",
		.type	= FIO_OPT_STR_STORE,
		.off1	= offsetof(struct upi_options, pi_chk),
		.def	= NULL,
		.help	= "Checks the device makes, any of GUARD,REFTAG,APPTAG (default: all the format has). "
			  "Setting it turns PI on; off (or none) turns it off",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_IOURING,
	},
	{
		.name	= "apptag",
		.lname	= "Application tag",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct upi_options, apptag),
		.def	= "0x1234",
		.minval	= 0,
		.maxval	= 0xffff,
		.help	= "Application tag written and expected (0xffff: the format's escape, nothing checked)",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_IOURING,
	},
	{
		.name	= "apptag_mask",
		.lname	= "Application tag mask",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct upi_options, apptag_mask),
		.def	= "0xffff",
		.minval	= 0,
		.maxval	= 0xffff,
		.help	= "Bits of the application tag that are compared; other than 0xffff the app tag is "
			  "checked by the engine only (the kernel passes no mask)",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_IOURING,
	},
	{
		.name	= "pi_abi",
		.lname	= "PI kernel interface",
		.type	= FIO_OPT_STR,
		.off1	= offsetof(struct upi_options, pi_abi),
		.def	= "auto",
		.help	= "How PI reaches the kernel: auto, sqe128 (extended SQE) or attr (attribute pointer)",
		.posval	= {
			{ .ival = "auto", .oval = UPI_ABI_AUTO,
			  .help = "sqe128 where the kernel honours it, else attr; refuse if neither" },
			{ .ival = "sqe128", .oval = UPI_ABI_SQE128,
			  .help = "extended SQE (uring-pi 6.12 patches)" },
			{ .ival = "attr", .oval = UPI_ABI_ATTR,
			  .help = "attribute pointer (Linux >= 6.14)" },
		},
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_IOURING,
	},
	{
		.name	= "pi_verify",
		.lname	= "Check PI on the host",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct upi_options, pi_verify),
		.def	= "1",
		.help	= "With pi_act=0, check every interval of every read in the engine: guard and ref tag "
			  "always, app tag when pi_chk has APPTAG (on top of the device's checks)",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_IOURING,
	},
	{
		.name	= "pi_inject",
		.lname	= "Inject PI errors",
		.type	= FIO_OPT_STR,
		.off1	= offsetof(struct upi_options, pi_inject),
		.def	= "none",
		.help	= "none, guard, reftag or apptag: corrupt that tag of one interval in pi_inject_pct percent of writes (negative testing)",
		.posval	= {
			{ .ival = "none", .oval = INJECT_NONE, .help = "no corruption" },
			{ .ival = "guard", .oval = INJECT_GUARD, .help = "flip a guard bit" },
			{ .ival = "reftag", .oval = INJECT_REFTAG, .help = "flip a ref tag bit" },
			{ .ival = "apptag", .oval = INJECT_APPTAG, .help = "flip an app tag bit" },
		},
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_IOURING,
	},
	{
		.name	= "pi_inject_pct",
		.lname	= "Share of writes with injected PI errors",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct upi_options, pi_inject_pct),
		.def	= "100",
		.minval	= 0,
		.maxval	= 100,
		.help	= "Percent of writes pi_inject corrupts (0: none)",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_IOURING,
	},
	{
		.name	= "pi_escape",
		.lname	= "Escaped tuples on reads",
		.type	= FIO_OPT_STR,
		.off1	= offsetof(struct upi_options, pi_escape),
		.def	= "fail",
		.help	= "An escaped tuple (app tag 0xffff) read where apptag is not 0xffff: fail (the engine never "
			  "wrote it) or accept (no tag checked, counted in the summary)",
		.posval	= {
			{ .ival = "fail", .oval = 0, .help = "an EILSEQ error, reported by LBA" },
			{ .ival = "accept", .oval = 1, .help = "passes unchecked, counted" },
		},
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_IOURING,
	},
	{
		.name	= "fixedbufs",
		.lname	= "Fixed (pre-mapped) IO buffers",
		.type	= FIO_OPT_STR_SET,
		.off1	= offsetof(struct upi_options, fixedbufs),
		.help	= "Register the I/O buffers with the ring (READ_FIXED/WRITE_FIXED)",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_IOURING,
	},
	{
		.name	= "registerfiles",
		.lname	= "Register file set",
		.type	= FIO_OPT_STR_SET,
		.off1	= offsetof(struct upi_options, registerfiles),
		.help	= "Register the files with the ring",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_IOURING,
	},
	{
		.name	= NULL,
	},
};

static uint64_t upi_rand(struct upi_data *ld)
{
	ld->rng ^= ld->rng << 13;
	ld->rng ^= ld->rng >> 7;
	ld->rng ^= ld->rng << 17;
	return ld->rng;
}

static void upi_free(struct upi_data *ld)
{
	for (unsigned int i = 0; i < ld->nfds; i++)
		close(ld->fds[i]);
	while (ld->files) {
		struct upi_file *uf = ld->files;

		ld->files = uf->next;
		free(uf->md);
		free(uf);
	}
	free(ld->events);
	free(ld->pending);
	free(ld->iovecs);
	free(ld->fds);
	free(ld->desc);
	free(ld->inject);
	free(ld);
}

static int fio_uring_pi_init(struct thread_data *td)
{
	struct upi_options *o = td->eo;
	struct upi_data *ld;
	struct io_uring_params p = { 0 };
	unsigned int depth = td->o.iodepth;
	struct upi_opts uo = {
		.md_per_io_size = o->md_per_io_size, .pi_act = o->pi_act, .pi_chk = o->pi_chk, .apptag = o->apptag,
		.apptag_mask = o->apptag_mask, .pi_abi = o->pi_abi, .pi_inject = o->pi_inject, .odirect = td->o.odirect,
	};
	char err[256];
	int mode, ret;

	mode = upi_opts_mode(&uo, err, sizeof(err));
	if (mode < 0) {
		log_err("uring_pi: %s\n", err);
		return 1;
	}

	ld = calloc(1, sizeof(*ld));
	if (ld) {
		ld->events = calloc(depth, sizeof(*ld->events));
		ld->pending = calloc(depth, sizeof(*ld->pending));
		ld->iovecs = calloc(depth, sizeof(*ld->iovecs));
		ld->desc = calloc(depth, sizeof(*ld->desc));
		ld->inject = calloc(depth, 1);
	}
	if (!ld || !ld->events || !ld->pending || !ld->iovecs || !ld->desc || !ld->inject) {
		log_err("uring_pi: out of memory for the state of %u I/Os; lower iodepth\n", depth);
		if (ld)
			upi_free(ld);
		return 1;
	}
	ld->rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)td->thread_number;
	ld->pi = mode == UPI_MODE_ENGINE;
	ld->kpi = mode == UPI_MODE_KERNEL;
	td->io_ops_data = ld;

	/*
	 * The ring fio's own io_uring engine sets up (CQ no larger than the SQ,
	 * no IPIs for completions, task work run only when reaping), dropping
	 * what an older kernel refuses in the same order; plus SQE128 when the
	 * extended SQE may be used.
	 */
	unsigned int flags = IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
			     IORING_SETUP_DEFER_TASKRUN;
	static const unsigned int optional[] = { IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
						 IORING_SETUP_COOP_TASKRUN, IORING_SETUP_CQSIZE, 0 };

	if (ld->pi && o->pi_abi != UPI_ABI_ATTR)
		flags |= IORING_SETUP_SQE128;
	for (unsigned int i = 0;; i++) {
		memset(&p, 0, sizeof(p));
		p.flags = flags;
		p.cq_entries = depth;
		ret = io_uring_queue_init_params(depth, &ld->ring, &p);
		if (ret != -EINVAL || !optional[i])
			break;
		flags &= ~optional[i];
	}
	if (ret) {
		log_err("uring_pi: io_uring set-up (%u entries%s) failed: %s\n", depth,
			p.flags & IORING_SETUP_SQE128 ? ", SQE128" : "", strerror(-ret));
		td->io_ops_data = NULL;
		upi_free(ld);
		return 1;
	}
	ld->features = p.features;
	ld->t0_ticks = upi_ticks();
	ld->t0_ns = upi_ns();
	return 0;
}

static void fio_uring_pi_cleanup(struct thread_data *td)
{
	struct upi_data *ld = td->io_ops_data;

	if (!ld)
		return;
	if (ld->pi && ld->abi != UPI_ABI_AUTO) {
		uint64_t dt = upi_ticks() - ld->t0_ticks, dns = upi_ns() - ld->t0_ns;
		double arith_ns = ld->st.arith_ios && dt ?
			(double)ld->st.arith_ticks * ((double)dns / (double)dt) / (double)ld->st.arith_ios : 0;

		log_info("uring_pi: PI summary: %llu intervals generated, %llu checked, %llu escaped (not checked), %llu errors "
			 "(engine %llu, device %llu I/Os), injected %llu: %llu rejected, %llu silent; "
			 "arithmetic %.0f ns per I/O\n",
			 (unsigned long long)ld->st.generated, (unsigned long long)ld->st.checked,
			 (unsigned long long)ld->st.escaped,
			 (unsigned long long)(ld->st.host_errors + ld->st.dev_errors),
			 (unsigned long long)ld->st.host_errors, (unsigned long long)ld->st.dev_errors,
			 (unsigned long long)ld->st.injected, (unsigned long long)ld->st.injected_rejected,
			 (unsigned long long)ld->st.injected_silent, arith_ns);
	}
	io_uring_queue_exit(&ld->ring);
	upi_free(ld);
	td->io_ops_data = NULL;
}

/*
 * Does the running kernel honour a PI descriptor on this ABI? Read one
 * interval into a metadata buffer filled with a random marker, asking for
 * no checks: a kernel that ignores the descriptor leaves the marker.
 * Returns 1 honoured, 0 ignored, -errno if the read failed.
 */
static int upi_prove(struct upi_data *ld, int fd, const struct pi_profile *prof, uint64_t off,
		     enum upi_abi abi)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct upi_pi_desc desc = { 0 };
	uint8_t *marker = malloc(prof->md_size), *md = NULL;
	void *buf = NULL;
	int ret;

	ret = io_uring_queue_init(2, &ring, abi == UPI_ABI_SQE128 ? IORING_SETUP_SQE128 : 0);
	if (ret) {
		free(marker);
		return ret;
	}
	if (!marker || posix_memalign(&buf, 4096, prof->interval) || posix_memalign((void **)&md, 64, prof->md_size)) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < prof->md_size; i++)
		marker[i] = (uint8_t)upi_rand(ld);
	memcpy(md, marker, prof->md_size);
	desc.len = prof->md_size;
	desc.addr = (uint64_t)(uintptr_t)md;
	desc.seed = off / prof->interval;

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf, prof->interval, off);
	if (abi == UPI_ABI_SQE128)
		upi_sqe_set_pi_ext(sqe, &desc);
	else
		upi_sqe_set_pi_attr(sqe, &desc);
	ret = io_uring_submit_and_wait(&ring, 1);
	if (ret >= 0)
		ret = io_uring_wait_cqe(&ring, &cqe);
	if (!ret) {
		ret = cqe->res < 0 ? cqe->res : memcmp(md, marker, prof->md_size) != 0;
		io_uring_cqe_seen(&ring, cqe);
	}
out:
	free(buf);
	free(md);
	free(marker);
	io_uring_queue_exit(&ring);
	return ret;
}

static const char *abi_name(enum upi_abi abi)
{
	return abi == UPI_ABI_SQE128 ? "sqe128 (extended SQE)" : "attr (attribute pointer)";
}

/* Choose (first file) or confirm (later files) the ABI the kernel honours. */
static int upi_choose_abi(struct thread_data *td, struct fio_file *f, const struct pi_profile *prof)
{
	struct upi_options *o = td->eo;
	struct upi_data *ld = td->io_ops_data;
	enum upi_abi tries[2];
	unsigned int n = 0;
	struct utsname u;
	uint64_t off = f->file_offset / prof->interval * prof->interval;

	uname(&u);
	if (ld->abi != UPI_ABI_AUTO)
		tries[n++] = ld->abi;
	else {
		if (o->pi_abi != UPI_ABI_ATTR)
			tries[n++] = UPI_ABI_SQE128;
		if (o->pi_abi != UPI_ABI_SQE128)
			tries[n++] = UPI_ABI_ATTR;
	}
	for (unsigned int i = 0; i < n; i++) {
		int r;

		if (tries[i] == UPI_ABI_ATTR && !(ld->features & UPI_FEAT_RW_ATTR)) {
			if (o->pi_abi == UPI_ABI_ATTR || ld->abi == UPI_ABI_ATTR) {
				log_err("uring_pi: kernel %s has no io_uring PI attributes (IORING_FEAT_RW_ATTR); "
					"pi_abi=attr needs Linux >= 6.14 or the uring-pi 6.12 patches\n", u.release);
				return 1;
			}
			continue;
		}
		r = upi_prove(ld, f->fd, prof, off, tries[i]);
		if (r == 1) {
			ld->abi = tries[i];
			return 0;
		}
		if (r == -EILSEQ) {
			/* a device that checks every read (scsi_debug does) found tags that do not fit the data */
			log_err("uring_pi: %s: the PI read at byte %llu failed the device's check (EILSEQ): the blocks "
				"there carry tags that do not match their data (written with the kernel's PI off?); "
				"write them with PI first\n", f->file_name, (unsigned long long)off);
			td_verror(td, EILSEQ, "uring_pi PI set-up");
			return 1;
		}
		if (r < 0 && (o->pi_abi != UPI_ABI_AUTO || i + 1 == n)) {
			log_err("uring_pi: %s: a PI read with pi_abi=%s failed on kernel %s: %s\n",
				f->file_name, abi_name(tries[i]), u.release, strerror(-r));
			return 1;
		}
		if (r == 0 && o->pi_abi != UPI_ABI_AUTO) {
			log_err("uring_pi: kernel %s ignores the PI descriptor of pi_abi=%s; %s\n", u.release,
				abi_name(tries[i]), tries[i] == UPI_ABI_SQE128 ?
				"the extended SQE needs the uring-pi 6.12 patches (try pi_abi=attr on Linux >= 6.14)" :
				"the attribute ABI needs Linux >= 6.14 or the uring-pi 6.12 patches");
			return 1;
		}
	}
	log_err("uring_pi: kernel %s honours no io_uring PI interface (neither the extended SQE of the uring-pi "
		"patches nor the attributes of Linux >= 6.14); refusing to run without protection\n", u.release);
	return 1;
}

static bool multiple_of(unsigned long long v, unsigned int m)
{
	return v % m == 0;
}

/* Profile, option and block size checks for a PI file; sizes the metadata buffers. */
static int upi_setup_pi_file(struct thread_data *td, struct fio_file *f)
{
	struct upi_options *o = td->eo;
	struct upi_data *ld = td->io_ops_data;
	struct upi_file *uf = FILE_ENG_DATA(f);
	struct pi_profile *prof;
	char err[256];
	size_t need;
	int checks;

	if (!uf) {
		uf = calloc(1, sizeof(*uf));
		if (!uf) {
			log_err("uring_pi: %s: out of memory for its PI state\n", f->file_name);
			return 1;
		}
		uf->next = ld->files;
		ld->files = uf;
		FILE_SET_ENG_DATA(f, uf);
	}
	if (uf->ready)		/* reopened (e.g. for the verify phase) */
		return 0;
	if (upi_dev_discover(f->fd, f->file_name, &uf->dev, err, sizeof(err))) {
		log_err("uring_pi: %s\n", err);
		return 1;
	}
	prof = &uf->dev.prof;
	for (int d = DDIR_READ; d <= DDIR_WRITE; d++) {
		if (!multiple_of(td->o.min_bs[d], prof->interval) || !multiple_of(td->o.max_bs[d], prof->interval) ||
		    td->o.bs_unaligned) {
			log_err("uring_pi: %s: bs %llu-%llu is not a multiple of the %u-byte protection interval\n",
				f->file_name, td->o.min_bs[d], td->o.max_bs[d], prof->interval);
			return 1;
		}
	}
	if (!multiple_of(f->file_offset, prof->interval)) {
		log_err("uring_pi: %s: offset %llu is not a multiple of the %u-byte protection interval\n",
			f->file_name, (unsigned long long)f->file_offset, prof->interval);
		return 1;
	}
	if (ld->kpi) {
		if ((td_write(td) && uf->dev.write_generate != 1) || (td_read(td) && uf->dev.read_verify != 1)) {
			log_err("uring_pi: %s: pi_act=1 leaves PI to the kernel, but integrity/%s is off; "
				"turn it on or use pi_act=0\n", f->file_name,
				uf->dev.write_generate != 1 ? "write_generate" : "read_verify");
			return 1;
		}
		return 0;
	}

	need = pi_md_len(prof, td_max_bs(td));
	if (o->md_per_io_size && o->md_per_io_size < need) {
		log_err("uring_pi: md_per_io_size=%u is too small: bs=%llu on %s (%u+%u) needs %zu bytes of metadata\n",
			o->md_per_io_size, td_max_bs(td), f->file_name, prof->interval, prof->md_size, need);
		return 1;
	}
	if (o->md_per_io_size)
		need = o->md_per_io_size;
	/* Buffers per file: files open as fio first uses them, with other files' I/O in flight. */
	uf->md_len = (need + 63) & ~(size_t)63;
	free(uf->md);
	if (posix_memalign((void **)&uf->md, 4096, uf->md_len * td->o.iodepth)) {
		uf->md = NULL;
		log_err("uring_pi: %s: cannot allocate %zu bytes of metadata buffers; lower iodepth or bs\n",
			f->file_name, uf->md_len * td->o.iodepth);
		return 1;
	}
	memset(uf->md, 0, uf->md_len * td->o.iodepth);

	checks = pi_parse_checks(o->pi_chk);
	if (!o->pi_chk)
		checks = PI_TAG_ALL;
	if (prof->type == 3)
		checks &= ~PI_TAG_REF;
	uf->host_checks = o->pi_verify ? PI_TAG_GUARD | PI_TAG_REF | (checks & PI_TAG_APP) : 0;
	/*
	 * The kernel passes no app tag mask, and a SCSI disk cannot check the
	 * app tag at all (the kernel refuses it): then the compare is the
	 * engine's alone.
	 */
	if (!uf->dev.app_tag_check && (checks & PI_TAG_APP) && o->pi_chk && !o->pi_verify) {
		log_err("uring_pi: %s cannot check the app tag (a SCSI disk) and pi_verify=0 turns the engine's "
			"check off; drop APPTAG from pi_chk or set pi_verify=1\n", f->file_name);
		return 1;
	}
	if (o->apptag_mask != 0xffff || !uf->dev.app_tag_check)
		checks &= ~PI_TAG_APP;
	uf->dev_checks = (unsigned int)checks;
	if (upi_choose_abi(td, f, prof))
		return 1;
	uf->ready = true;
	log_info("uring_pi: %s: %s, %u+%u, %u-byte tuple %s (%s), pi_abi=%s, device checks %s%s%s, "
		 "engine checks %s%s%s\n", f->file_name, uf->dev.format, prof->interval, prof->md_size,
		 prof->tuple_size, prof->md_size == prof->tuple_size ? "alone" : prof->pi_offset ? "last" : "first", uf->dev.source, abi_name(ld->abi),
		 checks & PI_TAG_GUARD ? "G" : "-", checks & PI_TAG_REF ? "R" : "-", checks & PI_TAG_APP ? "A" : "-",
		 uf->host_checks & PI_TAG_GUARD ? "G" : "-", uf->host_checks & PI_TAG_REF ? "R" : "-",
		 uf->host_checks & PI_TAG_APP ? "A" : "-");
	return 0;
}

static int upi_open(struct thread_data *td, struct fio_file *f)
{
	struct upi_data *ld = td->io_ops_data;

	if (generic_open_file(td, f))
		return 1;
	/* fio also opens files before ->init, to size them: nothing to check yet. */
	if (ld && (ld->pi || ld->kpi) && upi_setup_pi_file(td, f)) {
		if (generic_close_file(td, f))
			log_err("uring_pi: closing %s failed\n", f->file_name);
		td_verror(td, EOPNOTSUPP, "uring_pi PI set-up");
		return 1;
	}
	return 0;
}

static int fio_uring_pi_open_file(struct thread_data *td, struct fio_file *f)
{
	struct upi_data *ld = td->io_ops_data;

	if (ld && ld->fds) {
		/* Opened and checked once in post_init; the ring holds them. */
		f->fd = ld->fds[f->engine_pos];
		return 0;
	}
	return upi_open(td, f);
}

static int fio_uring_pi_close_file(struct thread_data *td, struct fio_file *f)
{
	struct upi_data *ld = td->io_ops_data;

	if (ld && ld->fds) {
		f->fd = -1;
		return 0;
	}
	return generic_close_file(td, f);
}

static int fio_uring_pi_post_init(struct thread_data *td)
{
	struct upi_options *o = td->eo;
	struct upi_data *ld = td->io_ops_data;
	struct fio_file *f;
	unsigned int i;
	int ret;

	if (o->fixedbufs) {
		for (i = 0; i < td->o.iodepth; i++) {
			struct io_u *io_u = td->io_u_all.io_us[i];

			ld->iovecs[io_u->index].iov_base = io_u->buf;
			ld->iovecs[io_u->index].iov_len = td_max_bs(td);
		}
		ret = io_uring_register_buffers(&ld->ring, ld->iovecs, td->o.iodepth);
		if (ret) {
			log_err("uring_pi: registering %u buffers failed: %s\n", td->o.iodepth, strerror(-ret));
			td_verror(td, -ret, "io_uring_register_buffers");
			return 1;
		}
	}
	if (o->registerfiles) {
		ld->fds = calloc(td->o.nr_files, sizeof(int));
		if (!ld->fds) {
			log_err("uring_pi: out of memory for %u file descriptors\n", td->o.nr_files);
			td_verror(td, ENOMEM, "uring_pi registerfiles");
			return 1;
		}
		for_each_file(td, f, i) {
			if (upi_open(td, f))
				return 1;
			ld->fds[i] = f->fd;
			ld->nfds = i + 1;
			f->engine_pos = i;
			f->fd = -1;
		}
		ret = io_uring_register_files(&ld->ring, ld->fds, td->o.nr_files);
		if (ret) {
			log_err("uring_pi: registering %u files failed: %s\n", td->o.nr_files, strerror(-ret));
			td_verror(td, -ret, "io_uring_register_files");
			return 1;
		}
	}
	return 0;
}

/* Generate the PI of a write (or prepare a read's buffer) and put the descriptor in the SQE. */
static void upi_prep_pi(struct thread_data *td, struct upi_data *ld, struct io_u *io_u, struct io_uring_sqe *sqe)
{
	struct upi_options *o = td->eo;
	struct upi_file *uf = FILE_ENG_DATA(io_u->file);
	const struct pi_profile *prof = &uf->dev.prof;
	struct upi_pi_desc *desc = &ld->desc[io_u->index];
	uint8_t *md = uf->md + uf->md_len * io_u->index;
	size_t md_len = pi_md_len(prof, io_u->xfer_buflen);
	struct pi_io pio = {
		.seed = io_u->offset / prof->interval,
		.app_tag = (uint16_t)o->apptag,
	};

	ld->inject[io_u->index] = 0;
	if (io_u->ddir == DDIR_WRITE) {
		uint64_t t = upi_ticks();

		pi_generate(prof, io_u->xfer_buf, io_u->xfer_buflen, md, &pio);
		ld->st.arith_ticks += upi_ticks() - t;
		ld->st.arith_ios++;
		ld->st.generated += io_u->xfer_buflen / prof->interval;
		if (o->pi_inject && upi_rand(ld) % 100 < o->pi_inject_pct) {
			pi_corrupt(prof, md, upi_rand(ld) % (io_u->xfer_buflen / prof->interval), o->pi_inject);
			ld->inject[io_u->index] = (uint8_t)o->pi_inject;
			ld->st.injected++;
		}
	} else if (uf->host_checks) {
		/*
		 * Until the device returns a read's metadata, the slot holds tuples that fail the
		 * checks (0x5a bytes; 0xa5 where 0x5a5a is the expected app tag), not the tuples
		 * of the slot's last write: a read whose metadata nothing fills must fail.
		 */
		memset(md, (o->apptag & o->apptag_mask) == (0x5a5a & o->apptag_mask) ? 0xa5 : 0x5a, md_len);
	}
	*desc = (struct upi_pi_desc){
		.flags = (uint16_t)uf->dev_checks,
		.app_tag = (uint16_t)o->apptag,
		.len = (uint32_t)md_len,
		.addr = (uint64_t)(uintptr_t)md,
		.seed = pio.seed,
	};
	if (ld->abi == UPI_ABI_SQE128)
		upi_sqe_set_pi_ext(sqe, desc);
	else
		upi_sqe_set_pi_attr(sqe, desc);
}

static enum fio_q_status fio_uring_pi_queue(struct thread_data *td, struct io_u *io_u)
{
	struct upi_options *o = td->eo;
	struct upi_data *ld = td->io_ops_data;
	struct io_uring_sqe *sqe;
	int fd = o->registerfiles ? (int)io_u->file->engine_pos : io_u->file->fd;

	fio_ro_check(td, io_u);
	/*
	 * A trim runs alone: it waits until nothing else is queued or in
	 * flight, and nothing is queued while it is. Requests in flight have no
	 * order, and fio's trimwrite issues a block's trim and write back to back.
	 */
	if (io_u->ddir == DDIR_TRIM ? ld->npending || ld->inflight : ld->trim_busy)
		return FIO_Q_BUSY;
	if (io_u->ddir == DDIR_TRIM && ld->trim_sync) {
		if (fio_fill_issue_time(td))
			fio_gettime(&io_u->issue_time, NULL);
		do_io_u_trim(td, io_u);
		io_u_mark_submit(td, 1);
		io_u_mark_complete(td, 1);
		return FIO_Q_COMPLETED;
	}
	sqe = io_uring_get_sqe(&ld->ring);
	if (!sqe)
		return FIO_Q_BUSY;

	switch (io_u->ddir) {
	case DDIR_READ:
	case DDIR_WRITE: {
		bool rd = io_u->ddir == DDIR_READ;

		if (o->fixedbufs) {
			if (rd)
				io_uring_prep_read_fixed(sqe, fd, io_u->xfer_buf, io_u->xfer_buflen, io_u->offset,
							 io_u->index);
			else
				io_uring_prep_write_fixed(sqe, fd, io_u->xfer_buf, io_u->xfer_buflen, io_u->offset,
							  io_u->index);
		} else if (rd) {
			io_uring_prep_read(sqe, fd, io_u->xfer_buf, io_u->xfer_buflen, io_u->offset);
		} else {
			io_uring_prep_write(sqe, fd, io_u->xfer_buf, io_u->xfer_buflen, io_u->offset);
		}
		break;
	}
	case DDIR_SYNC:
		io_uring_prep_fsync(sqe, fd, 0);
		break;
	case DDIR_DATASYNC:
		io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
		break;
	case DDIR_TRIM:
		/* As fio's io_uring engine: the block device's discard command (Linux >= 6.12). */
		io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
		sqe->cmd_op = UPI_BLOCK_URING_CMD_DISCARD;
		sqe->addr = io_u->offset;
		sqe->addr3 = io_u->xfer_buflen;
		ld->trim_busy = true;
		break;
	default:
		log_err("uring_pi: I/O direction %d is not supported\n", io_u->ddir);
		io_u->error = EINVAL;
		return FIO_Q_COMPLETED;
	}
	if (o->registerfiles)
		sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data(sqe, io_u);
	if (ld->pi && (io_u->ddir == DDIR_READ || io_u->ddir == DDIR_WRITE))
		upi_prep_pi(td, ld, io_u, sqe);
	else if (ld->ring.flags & IORING_SETUP_SQE128)
		upi_sqe_clear_pi(sqe, UPI_ABI_SQE128);

	ld->pending[ld->npending++] = io_u;
	return FIO_Q_QUEUED;
}

/*
 * Submit what is queued: the number submitted, 0 if the kernel took none
 * for now (-EAGAIN, -EINTR: short of resources; they stay pending), or a
 * negative errno.
 */
static int upi_submit(struct thread_data *td, struct upi_data *ld)
{
	struct timespec now;
	int ret = io_uring_submit(&ld->ring);

	if (ret == -EAGAIN || ret == -EINTR)
		return 0;
	if (ret < 0) {
		td_verror(td, -ret, "io_uring_submit");
		return ret;
	}
	if ((unsigned int)ret > ld->npending)
		ret = (int)ld->npending;
	if (fio_fill_issue_time(td)) {
		fio_gettime(&now, NULL);
		for (int i = 0; i < ret; i++) {
			ld->pending[i]->issue_time = now;
			io_u_queued(td, ld->pending[i]);
		}
	}
	io_u_mark_submit(td, ret);
	ld->npending -= (unsigned int)ret;
	ld->inflight += (unsigned int)ret;
	memmove(ld->pending, ld->pending + ret, ld->npending * sizeof(*ld->pending));
	return ret;
}

static int fio_uring_pi_commit(struct thread_data *td)
{
	struct upi_data *ld = td->io_ops_data;

	while (ld->npending) {
		int ret = upi_submit(td, ld);

		if (ret < 0)
			return ret;
		/* None taken: completions free resources; getevents submits the rest. */
		if (!ret && ld->inflight)
			return 0;
		if (!ret)
			usleep(1);
	}
	return 0;
}

/* Check the first len bytes a read completed, in the engine; report each failure by LBA and tag. */
static void upi_check_read(struct thread_data *td, struct upi_data *ld, struct io_u *io_u, size_t len)
{
	struct upi_options *o = td->eo;
	const struct upi_file *uf = FILE_ENG_DATA(io_u->file);
	const struct pi_profile *prof = &uf->dev.prof;
	struct pi_err errs[8];
	struct pi_io pio = {
		.seed = io_u->offset / prof->interval,
		.app_tag = (uint16_t)o->apptag,
		.app_mask = (uint16_t)o->apptag_mask,
		.checks = uf->host_checks,
		.accept_escape = o->pi_escape,
	};
	unsigned int n, escaped;
	uint64_t t = upi_ticks();

	n = pi_verify_count(prof, io_u->xfer_buf, len, uf->md + uf->md_len * io_u->index, &pio, errs, 8, &escaped);
	ld->st.arith_ticks += upi_ticks() - t;
	ld->st.arith_ios++;
	ld->st.checked += len / prof->interval - escaped;
	ld->st.escaped += escaped;
	if (!n)
		return;
	ld->st.host_errors += n;
	for (unsigned int i = 0; i < n && i < 8; i++) {
		/* the LBA in the device's logical blocks (an interval may be a part of one) */
		unsigned long long lba = (io_u->offset + (unsigned long long)errs[i].interval * prof->interval) /
					 uf->dev.lbs;

		if (errs[i].tag == PI_TAG_ESCAPE)
			log_err("uring_pi: %s: PI escape at LBA %llu: app tag 0xffff (no tag checked) where apptag %#x "
				"is expected: not written by this engine (unwritten or discarded?); pi_escape=accept "
				"passes escapes\n", io_u->file->file_name, lba, o->apptag);
		else
			log_err("uring_pi: %s: PI %s mismatch at LBA %llu: expected %#llx, actual %#llx\n",
				io_u->file->file_name, pi_tag_name(errs[i].tag), lba,
				(unsigned long long)errs[i].expected, (unsigned long long)errs[i].actual);
	}
	if (n > 8)
		log_err("uring_pi: %s: %u more PI mismatches in the read at offset %llu\n",
			io_u->file->file_name, n - 8, io_u->offset);
	io_u->error = EILSEQ;
}

static void upi_complete(struct thread_data *td, struct upi_data *ld, struct io_u *io_u, int res)
{
	bool injected = ld->pi && io_u->ddir == DDIR_WRITE && ld->inject[io_u->index];

	io_u->error = 0;
	if (io_u->ddir == DDIR_TRIM) {
		ld->trim_busy = false;
		/* Not in this kernel (or not on this file): BLKDISCARD from now on, this one too. */
		if (res == -EOPNOTSUPP && !ld->trim_sync) {
			ld->trim_sync = true;
			do_io_u_trim(td, io_u);
			return;
		}
		io_u->error = res < 0 ? -res : 0;
		return;
	}
	if (res < 0) {
		io_u->error = -res;
		if (res == -EILSEQ)
			ld->st.dev_errors++;
		goto out;
	}
	if (ddir_rw(io_u->ddir)) {
		/* Nothing done, or more than asked: no residual to requeue, nothing to check. */
		if (!res || (unsigned long long)res > io_u->xfer_buflen) {
			log_err("uring_pi: %s: a %s of %llu bytes at offset %llu completed %d bytes; failing it\n",
				io_u->file->file_name, io_u->ddir == DDIR_READ ? "read" : "write", io_u->xfer_buflen,
				io_u->offset, res);
			io_u->error = EIO;
			goto out;
		}
		io_u->resid = io_u->xfer_buflen - (unsigned long long)res;
	}
	if (ld->pi && io_u->ddir == DDIR_READ) {
		const struct upi_file *uf = FILE_ENG_DATA(io_u->file);
		unsigned int iv = uf->dev.prof.interval;

		/* A short read: fio requeues only the rest, so what completed is checked now. */
		if (uf->host_checks && res)
			upi_check_read(td, ld, io_u, (size_t)res / iv * iv);
		if (res % iv && !io_u->error) {
			log_err("uring_pi: %s: a read at offset %llu completed %d bytes, which ends inside a %u-byte "
				"protection interval that cannot be checked; failing it\n", io_u->file->file_name,
				io_u->offset, res, iv);
			io_u->error = EIO;
		}
	}
out:
	if (injected) {
		if (res == -EILSEQ)
			ld->st.injected_rejected++;
		else if (res >= 0)
			ld->st.injected_silent++;
	}
}

static int fio_uring_pi_getevents(struct thread_data *td, unsigned int min, unsigned int max,
				  const struct timespec *t)
{
	struct upi_data *ld = td->io_ops_data;
	unsigned int events = 0;

	(void)t;
	while (events < max) {
		struct io_uring_cqe *cqe;
		unsigned int head, n = 0;
		int ret;

		io_uring_for_each_cqe(&ld->ring, head, cqe) {
			struct io_u *io_u = io_uring_cqe_get_data(cqe);

			upi_complete(td, ld, io_u, cqe->res);
			ld->events[events++] = io_u;
			n++;
			if (events == max)
				break;
		}
		io_uring_cq_advance(&ld->ring, n);
		ld->inflight -= n;
		if (events >= min) {
			/* with DEFER_TASKRUN, completions become CQEs only when asked for */
			if (!events && ld->inflight && io_uring_get_events(&ld->ring) >= 0 && io_uring_cq_ready(&ld->ring))
				continue;
			break;
		}
		/* What commit could not submit: else the wait would be for I/O never sent. */
		if (ld->npending) {
			ret = upi_submit(td, ld);
			if (ret < 0)
				return ret;
			if (!ld->inflight) {
				usleep(1);
				continue;
			}
		}
		ret = io_uring_wait_cqe_nr(&ld->ring, &cqe, min - events < ld->inflight ? min - events : ld->inflight);
		if (ret && ret != -EINTR && ret != -EAGAIN && ret != -ETIME) {
			td_verror(td, -ret, "io_uring_wait_cqe");
			return ret;
		}
	}
	return (int)events;
}

static struct io_u *fio_uring_pi_event(struct thread_data *td, int event)
{
	struct upi_data *ld = td->io_ops_data;

	return ld->events[event];
}

/*
 * The one symbol the engine exports (the Makefile builds with -fvisibility=hidden): the name fio
 * looks up in an external engine. The constructor above runs from the init array, no symbol needed.
 */
__attribute__((visibility("default"))) struct ioengine_ops ioengine = {
	.name			= "uring_pi",
	.version		= FIO_IOOPS_VERSION,
	.flags			= FIO_ASYNCIO_SETS_ISSUE_TIME | FIO_NO_OFFLOAD,
	.init			= fio_uring_pi_init,
	.post_init		= fio_uring_pi_post_init,
	.queue			= fio_uring_pi_queue,
	.commit			= fio_uring_pi_commit,
	.getevents		= fio_uring_pi_getevents,
	.event			= fio_uring_pi_event,
	.cleanup		= fio_uring_pi_cleanup,
	.open_file		= fio_uring_pi_open_file,
	.close_file		= fio_uring_pi_close_file,
	.get_file_size		= generic_get_file_size,
	.options		= options,
	.option_struct_size	= sizeof(struct upi_options),
};
