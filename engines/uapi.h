/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces uring-pi speaks, carried here so the engine builds
 * whatever the system's kernel headers are (documented where the kernel defines them:
 * include/uapi/linux/io_uring.h of kernel-patches/linux-6.12):
 *  ABI 1 (this project's 6.12 patches): SQE128 ring, u16 meta_type bit set at
 *        SQE byte 44, META_TYPE_PI, the PI descriptor at bytes 96..127;
 *  ABI 2 (mainline >= 6.14): attr_ptr (byte 48) -> struct io_uring_attr_pi,
 *        attr_type_mask (byte 56) with IORING_RW_ATTR_FLAG_PI.
 * Names carry a UPI_ prefix so they never clash with newer system headers.
 */
#ifndef URING_PI_UAPI_H
#define URING_PI_UAPI_H

#include <stddef.h>
#include <stdint.h>
#include <linux/ioctl.h>

/* Checks the kernel/device performs (both ABIs). */
#define UPI_INTEGRITY_CHK_GUARD		(1U << 0)
#define UPI_INTEGRITY_CHK_REFTAG	(1U << 1)
#define UPI_INTEGRITY_CHK_APPTAG	(1U << 2)
#define UPI_INTEGRITY_CHK_ALL		0x7U

/* The PI descriptor: ABI 1's inline descriptor and ABI 2's struct io_uring_attr_pi. */
struct upi_pi_desc {
	uint16_t flags;
	uint16_t app_tag;
	uint32_t len;
	uint64_t addr;
	uint64_t seed;
	uint64_t rsvd;
};

/* SQE byte offsets. */
#define UPI_SQE_OPCODE_OFF		0
#define UPI_SQE_META_TYPE_OFF		44	/* ABI 1: u16 bit set */
#define UPI_SQE_META_PAD_OFF		46	/* ABI 1: u16, must be 0 */
#define UPI_SQE_ATTR_PTR_OFF		48	/* ABI 2: u64 */
#define UPI_SQE_ATTR_MASK_OFF		56	/* ABI 2: u64 */
#define UPI_SQE_EXT_RSVD_OFF		64	/* ABI 1: 32 bytes, must be 0 */
#define UPI_SQE_EXT_RSVD_LEN		32
#define UPI_SQE_PI_OFF			96	/* ABI 1: struct upi_pi_desc */

#define UPI_META_TYPE_PI		(1U << 0)
#define UPI_RW_ATTR_FLAG_PI		(1ULL << 0)
#define UPI_FEAT_RW_ATTR		(1U << 16)
#define UPI_SETUP_SQE128		(1U << 10)

/* The second half of a 128-byte SQE under ABI 1. */
struct upi_sqe_ext {
	uint8_t rsvd[UPI_SQE_EXT_RSVD_LEN];
	struct upi_pi_desc pi;
};

/* FS_IOC_GETLBMD_CAP (Linux 6.17+). */
struct upi_lbmd_cap {
	uint32_t lbmd_flags;
	uint16_t lbmd_interval;
	uint8_t lbmd_size;
	uint8_t lbmd_opaque_size;
	uint8_t lbmd_opaque_offset;
	uint8_t lbmd_pi_size;
	uint8_t lbmd_pi_offset;
	uint8_t lbmd_guard_tag_type;
	uint8_t lbmd_app_tag_size;
	uint8_t lbmd_ref_tag_size;
	uint8_t lbmd_storage_tag_size;
	uint8_t pad;
};
#define UPI_LBMD_CAP_INTEGRITY		(1U << 0)
#define UPI_LBMD_CAP_REFTAG		(1U << 1)
#define UPI_LBMD_CSUM_NONE		0
#define UPI_LBMD_CSUM_IP		1
#define UPI_LBMD_CSUM_CRC16_T10DIF	2
#define UPI_LBMD_CSUM_CRC64_NVME	4
#define UPI_FS_IOC_GETLBMD_CAP		_IOWR(0x15, 2, struct upi_lbmd_cap)

/*
 * The block device's io_uring discard (Linux >= 6.12, include/uapi/linux/blkdev.h):
 * IORING_OP_URING_CMD with cmd_op this, addr = byte offset, addr3 = byte length.
 */
#define UPI_BLOCK_URING_CMD_DISCARD	_IO(0x12, 0)

_Static_assert(sizeof(struct upi_pi_desc) == 32, "PI descriptor is 32 bytes");
_Static_assert(offsetof(struct upi_pi_desc, flags) == 0, "flags at 0");
_Static_assert(offsetof(struct upi_pi_desc, app_tag) == 2, "app_tag at 2");
_Static_assert(offsetof(struct upi_pi_desc, len) == 4, "len at 4");
_Static_assert(offsetof(struct upi_pi_desc, addr) == 8, "addr at 8");
_Static_assert(offsetof(struct upi_pi_desc, seed) == 16, "seed at 16");
_Static_assert(offsetof(struct upi_pi_desc, rsvd) == 24, "rsvd at 24");
_Static_assert(sizeof(struct upi_sqe_ext) == 64, "SQE second half is 64 bytes");
_Static_assert(64 + offsetof(struct upi_sqe_ext, pi) == UPI_SQE_PI_OFF, "descriptor at SQE byte 96");
_Static_assert(sizeof(struct upi_lbmd_cap) == 16, "logical_block_metadata_cap is 16 bytes");
_Static_assert(offsetof(struct upi_lbmd_cap, lbmd_pi_offset) == 10, "lbmd_pi_offset at 10");
_Static_assert(offsetof(struct upi_lbmd_cap, lbmd_guard_tag_type) == 11, "lbmd_guard_tag_type at 11");
_Static_assert(UPI_FS_IOC_GETLBMD_CAP == 0xc0101502, "FS_IOC_GETLBMD_CAP number");
_Static_assert(UPI_BLOCK_URING_CMD_DISCARD == 0x1200, "BLOCK_URING_CMD_DISCARD number");

#endif
