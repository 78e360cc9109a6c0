/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The engine's option rules, no fio: whether a job asks for PI, who generates
 * it, and which combinations are refused, with the reason. fio parses the
 * values themselves (numbers and their ranges, the words of pi_abi,
 * pi_inject and pi_escape); these rules judge what it hands over.
 */
#ifndef URING_PI_OPTS_H
#define URING_PI_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "sqe.h"

/* What the rules read of the engine's options (engines/uring_pi.c) and of fio's. */
struct upi_opts {
	unsigned int md_per_io_size;
	unsigned int pi_act;
	const char *pi_chk;		/* NULL: not set */
	unsigned int apptag;
	unsigned int apptag_mask;
	unsigned int pi_abi;		/* enum upi_abi */
	unsigned int pi_inject;		/* 0, or the PI_TAG_* to corrupt */
	bool odirect;			/* fio's direct=1 */
};

enum upi_mode {
	UPI_MODE_OFF,			/* no PI */
	UPI_MODE_KERNEL,		/* pi_act=1: the kernel generates and checks */
	UPI_MODE_ENGINE,		/* pi_act=0: the engine generates and checks */
};

/* pi_chk unset, empty, off or none (any case): PI off, as job files switch it with a variable. */
bool upi_chk_off(const char *chk);

/* The mode the options ask for, or -1 with a one-line reason in err. */
int upi_opts_mode(const struct upi_opts *o, char *err, size_t errlen);

#endif
