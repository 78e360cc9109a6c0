// SPDX-License-Identifier: GPL-2.0
/* SQE encoding of the PI descriptor: see sqe.h and uapi.h. */
#include <string.h>

#include "sqe.h"

static void put16(void *sqe, size_t off, uint16_t v)
{
	memcpy((uint8_t *)sqe + off, &v, sizeof(v));
}

static void put64(void *sqe, size_t off, uint64_t v)
{
	memcpy((uint8_t *)sqe + off, &v, sizeof(v));
}

void upi_sqe_set_pi_ext(void *sqe, const struct upi_pi_desc *pi)
{
	struct upi_sqe_ext ext = { .pi = *pi };

	ext.pi.rsvd = 0;
	put16(sqe, UPI_SQE_META_TYPE_OFF, UPI_META_TYPE_PI);
	put16(sqe, UPI_SQE_META_PAD_OFF, 0);
	memcpy((uint8_t *)sqe + 64, &ext, sizeof(ext));
}

void upi_sqe_set_pi_attr(void *sqe, const struct upi_pi_desc *pi)
{
	put64(sqe, UPI_SQE_ATTR_PTR_OFF, (uint64_t)(uintptr_t)pi);
	put64(sqe, UPI_SQE_ATTR_MASK_OFF, UPI_RW_ATTR_FLAG_PI);
}

void upi_sqe_clear_pi(void *sqe, enum upi_abi abi)
{
	switch (abi) {
	case UPI_ABI_SQE128:
		put16(sqe, UPI_SQE_META_TYPE_OFF, 0);
		put16(sqe, UPI_SQE_META_PAD_OFF, 0);
		memset((uint8_t *)sqe + 64, 0, 64);
		break;
	case UPI_ABI_ATTR:
		put64(sqe, UPI_SQE_ATTR_PTR_OFF, 0);
		put64(sqe, UPI_SQE_ATTR_MASK_OFF, 0);
		break;
	case UPI_ABI_AUTO:
		break;
	}
}
