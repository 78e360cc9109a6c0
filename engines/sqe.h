/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Encoding of the PI descriptor into an SQE, for each ABI: pure functions on
 * SQE bytes (no ring, no syscalls), checked byte by byte in the unit tests.
 */
#ifndef URING_PI_SQE_H
#define URING_PI_SQE_H

#include "uapi.h"

/*
 * The PI ABIs, as the pi_abi option names them (values of the option) and as
 * a ring speaks them. AUTO: for the option, the first that works; for a
 * ring, none chosen yet (plain SQEs).
 */
enum upi_abi {
	UPI_ABI_AUTO = 0,
	UPI_ABI_SQE128 = 1,	/* ABI 1, extended SQE */
	UPI_ABI_ATTR = 2,	/* ABI 2, attribute pointer */
};

/*
 * ABI 1: sqe points to a 128-byte slot whose first 64 bytes are already
 * prepared; sets meta_type, clears the reserved bytes, writes the descriptor.
 */
void upi_sqe_set_pi_ext(void *sqe, const struct upi_pi_desc *pi);

/*
 * ABI 2: sqe points to a prepared 64-byte SQE; pi must stay valid until the
 * kernel has read it (it does so at submission).
 */
void upi_sqe_set_pi_attr(void *sqe, const struct upi_pi_desc *pi);

/* Remove any PI from an SQE of the given ABI (the slot is reused). */
void upi_sqe_clear_pi(void *sqe, enum upi_abi abi);

#endif
