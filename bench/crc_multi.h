/* SPDX-License-Identifier: GPL-2.0 */
/* CRCs of several protection intervals at once, for make bench: see crc_multi.c. */
#ifndef URING_PI_CRC_MULTI_H
#define URING_PI_CRC_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * out[i] = CRC16 T10-DIF (init 0) of the len bytes at d + i * stride, for
 * i < n <= 8; len a multiple of 64. Returns false, computing nothing, where
 * the CPU lacks AVX-512 BW + VPCLMULQDQ.
 */
bool crc16_t10dif_multi(const uint8_t *d, size_t len, unsigned int n, size_t stride, uint16_t *out);

/* The CPU has what crc16_t10dif_multi needs. */
bool crc_multi_available(void);

#endif
