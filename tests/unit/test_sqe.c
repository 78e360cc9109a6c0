// SPDX-License-Identifier: GPL-2.0
/* SQE bytes for both ABIs, checked byte by byte against uapi.md's offsets. */
#include <string.h>

#include "../../engines/sqe.h"
#include "check.h"

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static const struct upi_pi_desc desc = {
	.flags = UPI_INTEGRITY_CHK_GUARD | UPI_INTEGRITY_CHK_APPTAG, .app_tag = 0xbeef, .len = 0x1234,
	.addr = 0x00007f0011223340ULL, .seed = 0x0000abcd12345678ULL, .rsvd = 0x99,
};

static void test_ext(void)
{
	uint8_t s[128], before[128];

	for (int i = 0; i < 128; i++)
		s[i] = (uint8_t)(0xa0 + i);
	memcpy(before, s, sizeof(s));
	upi_sqe_set_pi_ext(s, &desc);
	CHECK(memcmp(s, before, 44) == 0, "bytes 0..43 untouched");
	CHECK(le(s + 44, 2) == 1, "meta_type at 44 is META_TYPE_PI (1<<0)");
	CHECK(le(s + 46, 2) == 0, "u16 at 46 is zero");
	CHECK(memcmp(s + 48, before + 48, 16) == 0, "bytes 48..63 untouched");
	for (int i = 64; i < 96; i++)
		CHECK(s[i] == 0, "reserved byte %d is zero", i);
	CHECK(le(s + 96, 2) == 5, "flags at 96");
	CHECK(le(s + 98, 2) == 0xbeef, "app_tag at 98");
	CHECK(le(s + 100, 4) == 0x1234, "len at 100");
	CHECK(le(s + 104, 8) == 0x00007f0011223340ULL, "addr at 104");
	CHECK(le(s + 112, 8) == 0x0000abcd12345678ULL, "seed at 112 (all 64 bits)");
	CHECK(le(s + 120, 8) == 0, "rsvd at 120 zero even when the caller's is not");
	upi_sqe_clear_pi(s, UPI_ABI_SQE128);
	CHECK(le(s + 44, 4) == 0, "clear: meta_type zero");
	for (int i = 64; i < 128; i++)
		CHECK(s[i] == 0, "clear: byte %d zero", i);
	CHECK(memcmp(s, before, 44) == 0 && memcmp(s + 48, before + 48, 16) == 0, "clear keeps the rest");
}

static void test_attr(void)
{
	uint8_t s[64], before[64];

	for (int i = 0; i < 64; i++)
		s[i] = (uint8_t)(0x30 + i);
	memcpy(before, s, sizeof(s));
	upi_sqe_set_pi_attr(s, &desc);
	CHECK(memcmp(s, before, 48) == 0, "bytes 0..47 untouched");
	CHECK(le(s + 48, 8) == (uint64_t)(uintptr_t)&desc, "attr_ptr at 48");
	CHECK(le(s + 56, 8) == 1, "attr_type_mask at 56 is IORING_RW_ATTR_FLAG_PI");
	/* struct io_uring_attr_pi as the kernel reads it. */
	const uint8_t *a = (const uint8_t *)&desc;
	CHECK(le(a, 2) == 5 && le(a + 2, 2) == 0xbeef && le(a + 4, 4) == 0x1234 && le(a + 8, 8) == desc.addr &&
	      le(a + 16, 8) == desc.seed, "io_uring_attr_pi field offsets");
	upi_sqe_clear_pi(s, UPI_ABI_ATTR);
	CHECK(le(s + 48, 8) == 0 && le(s + 56, 8) == 0, "clear: attr fields zero");
	CHECK(memcmp(s, before, 48) == 0, "clear keeps the rest");
}

int main(void)
{
	CHECK(UPI_FEAT_RW_ATTR == 0x10000, "IORING_FEAT_RW_ATTR");
	CHECK(UPI_SETUP_SQE128 == 0x400, "IORING_SETUP_SQE128");
	test_ext();
	test_attr();
	return check_done();
}
