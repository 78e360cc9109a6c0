// SPDX-License-Identifier: GPL-2.0
/*
 * The SQE encoders (engines/sqe.c) on arbitrary descriptors and SQE contents:
 * the SQE is filled with a canary pattern from the input, encoded, and
 * compared byte by byte. Each ABI writes only its own bytes, with the values
 * engines/uapi.h puts there (little-endian, as the kernel reads them);
 * every other byte keeps its canary; clearing zeroes exactly those bytes.
 */
#include <string.h>

#include "../../engines/sqe.h"
#include "fuzz.h"

static uint64_t le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Bytes [from, to) of s are the canary's; what differs is reported. */
static void canary(const uint8_t *s, const uint8_t *c, size_t from, size_t to, const char *what)
{
	for (size_t i = from; i < to; i++)
		FUZZ_CHECK(s[i] == c[i], "%s: SQE byte %zu changed from %#x to %#x", what, i, c[i], s[i]);
}

static void zero(const uint8_t *s, size_t from, size_t to, const char *what)
{
	for (size_t i = from; i < to; i++)
		FUZZ_CHECK(!s[i], "%s: SQE byte %zu is %#x, not 0", what, i, s[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
	struct fuzz_in in = { buf, size };
	struct upi_pi_desc d;
	uint8_t c[128], s[128];
	const uint8_t *pi = s + UPI_SQE_PI_OFF;
	int abi;

	memset(&d, 0, sizeof(d));
	memcpy(&d, in.p, in.n < sizeof(d) ? in.n : sizeof(d));
	in.p += in.n < sizeof(d) ? in.n : sizeof(d);
	in.n -= in.n < sizeof(d) ? in.n : sizeof(d);
	abi = (int)(int8_t)fuzz_take(&in, 1);
	fuzz_fill(c, sizeof(c), fuzz_take(&in, 8));
	memcpy(c, in.p, in.n < sizeof(c) ? in.n : sizeof(c));

	/* ABI 1: meta_type and its pad in the first half, reserved bytes and the descriptor in the second. */
	memcpy(s, c, sizeof(s));
	upi_sqe_set_pi_ext(s, &d);
	canary(s, c, 0, UPI_SQE_META_TYPE_OFF, "ext");
	FUZZ_CHECK(le(s + UPI_SQE_META_TYPE_OFF, 2) == UPI_META_TYPE_PI, "ext: meta_type %#llx",
		   (unsigned long long)le(s + UPI_SQE_META_TYPE_OFF, 2));
	zero(s, UPI_SQE_META_PAD_OFF, UPI_SQE_META_PAD_OFF + 2, "ext pad");
	canary(s, c, UPI_SQE_META_PAD_OFF + 2, UPI_SQE_EXT_RSVD_OFF, "ext");
	zero(s, UPI_SQE_EXT_RSVD_OFF, UPI_SQE_EXT_RSVD_OFF + UPI_SQE_EXT_RSVD_LEN, "ext reserved");
	FUZZ_CHECK(le(pi + offsetof(struct upi_pi_desc, flags), 2) == d.flags &&
		   le(pi + offsetof(struct upi_pi_desc, app_tag), 2) == d.app_tag &&
		   le(pi + offsetof(struct upi_pi_desc, len), 4) == d.len &&
		   le(pi + offsetof(struct upi_pi_desc, addr), 8) == d.addr &&
		   le(pi + offsetof(struct upi_pi_desc, seed), 8) == d.seed, "ext: descriptor fields");
	zero(pi, offsetof(struct upi_pi_desc, rsvd), sizeof(d), "ext descriptor rsvd");
	FUZZ_CHECK(UPI_SQE_PI_OFF + sizeof(d) == sizeof(s), "the descriptor ends the SQE");
	upi_sqe_clear_pi(s, UPI_ABI_SQE128);
	canary(s, c, 0, UPI_SQE_META_TYPE_OFF, "ext cleared");
	zero(s, UPI_SQE_META_TYPE_OFF, UPI_SQE_META_PAD_OFF + 2, "ext cleared");
	canary(s, c, UPI_SQE_META_PAD_OFF + 2, 64, "ext cleared");
	zero(s, 64, sizeof(s), "ext cleared");

	/* ABI 2: the attribute pointer and mask only, nothing past the 64-byte SQE. */
	memcpy(s, c, sizeof(s));
	upi_sqe_set_pi_attr(s, &d);
	canary(s, c, 0, UPI_SQE_ATTR_PTR_OFF, "attr");
	FUZZ_CHECK(le(s + UPI_SQE_ATTR_PTR_OFF, 8) == (uint64_t)(uintptr_t)&d, "attr: attr_ptr");
	FUZZ_CHECK(le(s + UPI_SQE_ATTR_MASK_OFF, 8) == UPI_RW_ATTR_FLAG_PI, "attr: attr_type_mask");
	canary(s, c, UPI_SQE_ATTR_MASK_OFF + 8, sizeof(s), "attr");
	upi_sqe_clear_pi(s, UPI_ABI_ATTR);
	canary(s, c, 0, UPI_SQE_ATTR_PTR_OFF, "attr cleared");
	zero(s, UPI_SQE_ATTR_PTR_OFF, UPI_SQE_ATTR_MASK_OFF + 8, "attr cleared");
	canary(s, c, UPI_SQE_ATTR_MASK_OFF + 8, sizeof(s), "attr cleared");

	/* No PI, or an ABI value the engine does not have: nothing touched. */
	memcpy(s, c, sizeof(s));
	if (abi != UPI_ABI_SQE128 && abi != UPI_ABI_ATTR) {
		upi_sqe_clear_pi(s, (enum upi_abi)abi);
		canary(s, c, 0, sizeof(s), "clear with no PI ABI");
	}
	return 0;
}
