// SPDX-License-Identifier: GPL-2.0
/*
 * CRC16 T10-DIF of up to eight equal-length buffers at once: the protection
 * intervals of one I/O, a batched variant that make bench sets against the
 * engine's loop of one isa-l call per interval. isa-l's fixed per-call work
 * (set-up, folding 512 bits down to 16) is repeated for every 512-byte
 * interval; here eight independent fold chains run interleaved in AVX-512
 * registers (VPCLMULQDQ) and end in two shared reductions. Measured, it does
 * not pay enough to be used by the engine (docs/bench.md).
 *
 * Math (non-reflected CRC, P = 0x18BB7, init 0, no final xor): the CRC of a
 * message M is M(x)·x^16 mod P. Each chain keeps four 128-bit lanes whose sum
 * lane_i·x^(128·(3-i)) is congruent to the data folded so far (a lane holds 16
 * bytes, first byte in the top bits). Folding in the next 64 bytes multiplies
 * every lane by x^512: a lane H·x^64 + L becomes H·(x^576 mod P) + L·(x^512 mod
 * P), at most 79 bits, XORed with the new data. At the end the lanes are
 * weighted by their position the same way and added, the sum A·x^16 folded to
 * below 48 bits, and Barrett's reduction gives the remainder, four chains at a
 * time.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crc_multi.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define P16 0x18BB7u

static struct {
	uint64_t k512, k576, k384, k448, k256, k320, k128, k192, k64, k80, k48;
	uint64_t mu;		/* x^48 / P */
	int ok;			/* 1 usable, -1 not on this CPU, 0 not yet known */
} c;

/* x^k mod P */
static uint64_t xpow(unsigned int k)
{
	uint32_t r = 1;

	while (k--) {
		r <<= 1;
		if (r & 0x10000)
			r ^= P16;
	}
	return r;
}

static void init(void)
{
	uint64_t rem = 1ULL << 48, q = 0;

	c.k512 = xpow(512), c.k576 = xpow(576), c.k384 = xpow(384), c.k448 = xpow(448);
	c.k256 = xpow(256), c.k320 = xpow(320), c.k128 = xpow(128), c.k192 = xpow(192);
	c.k64 = xpow(64), c.k80 = xpow(80), c.k48 = xpow(48);
	for (int b = 48; b >= 16; b--)
		if (rem & (1ULL << b)) {
			q |= 1ULL << (b - 16);
			rem ^= (uint64_t)P16 << (b - 16);
		}
	c.mu = q;
	__builtin_cpu_init();
	c.ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("pclmul") ? 1 : -1;
}

#define TARGET __attribute__((target("avx512f,avx512bw,avx2,vpclmulqdq,pclmul,sse4.1")))

/*
 * Four chains' lanes (t0..t3, already weighted by position) -> A_j·x^16 mod P in
 * the low 16 bits of lane j, where A_j is the sum of t_j's lanes (at most 79
 * bits): a 4x4 transpose of the 128-bit lanes adds them up, then all four are
 * reduced at once. A·x^16 = hi·x^80 + (lo >> 32)·x^48 + (lo & 0xffffffff)·x^16
 * is folded to T below x^48, and Barrett gives T mod P = T + ((T >> 16)·mu >> 32)·P.
 */
TARGET static inline void reduce4(__m512i t0, __m512i t1, __m512i t2, __m512i t3, uint16_t *out, unsigned int n)
{
	const __m512i kr = _mm512_broadcast_i32x4(_mm_set_epi64x((long long)c.k80, (long long)c.k48));
	const __m512i km = _mm512_broadcast_i32x4(_mm_set_epi64x(0, (long long)c.mu));
	const __m512i kp = _mm512_broadcast_i32x4(_mm_set_epi64x(0, P16));
	const __m512i lo32 = _mm512_broadcast_i32x4(_mm_set_epi64x(0, 0xffffffffLL));
	__m512i s1 = _mm512_xor_si512(_mm512_shuffle_i64x2(t0, t1, 0x44), _mm512_shuffle_i64x2(t0, t1, 0xee));
	__m512i s2 = _mm512_xor_si512(_mm512_shuffle_i64x2(t2, t3, 0x44), _mm512_shuffle_i64x2(t2, t3, 0xee));
	__m512i a = _mm512_xor_si512(_mm512_shuffle_i64x2(s1, s2, 0x88), _mm512_shuffle_i64x2(s1, s2, 0xdd));
	__m512i t = _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(a, kr, 0x11),
					      _mm512_clmulepi64_epi128(_mm512_srli_epi64(a, 32), kr, 0x00),
					      _mm512_slli_epi64(_mm512_and_si512(a, lo32), 16), 0x96);
	__m512i q = _mm512_srli_epi64(_mm512_clmulepi64_epi128(_mm512_srli_epi64(t, 16), km, 0x00), 32);
	uint16_t r[8];

	_mm_storeu_si128((__m128i *)r, _mm512_cvtepi64_epi16(_mm512_xor_si512(t, _mm512_clmulepi64_epi128(q, kp, 0x00))));
	for (unsigned int j = 0; j < n; j++)
		out[j] = r[2 * j];
}

TARGET static void multi(const uint8_t *d, size_t len, unsigned int n, size_t stride, uint16_t *out)
{
	const __m512i rev = _mm512_broadcast_i32x4(_mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
	const __m512i kf = _mm512_broadcast_i32x4(_mm_set_epi64x((long long)c.k576, (long long)c.k512));
	/* lane 0 holds the earliest 16 bytes: weight x^384; lane 3 weight 1 (x^64 mod P for its top half) */
	const __m512i kw = _mm512_set_epi64((long long)c.k64, 1, (long long)c.k192, (long long)c.k128,
					    (long long)c.k320, (long long)c.k256, (long long)c.k448, (long long)c.k384);
	__m512i acc[8];

	for (unsigned int i = 0; i < 8; i++)
		acc[i] = i < n ? _mm512_shuffle_epi8(_mm512_loadu_si512(d + i * stride), rev) : _mm512_setzero_si512();
	for (size_t off = 64; off < len; off += 64)
		for (unsigned int i = 0; i < n; i++) {
			__m512i x = acc[i], next = _mm512_shuffle_epi8(_mm512_loadu_si512(d + i * stride + off), rev);

			acc[i] = _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(x, kf, 0x11),
							   _mm512_clmulepi64_epi128(x, kf, 0x00), next, 0x96);
		}
	for (unsigned int i = 0; i < 8; i++)
		acc[i] = _mm512_xor_si512(_mm512_clmulepi64_epi128(acc[i], kw, 0x11),
					  _mm512_clmulepi64_epi128(acc[i], kw, 0x00));
	reduce4(acc[0], acc[1], acc[2], acc[3], out, n < 4 ? n : 4);
	if (n > 4)
		reduce4(acc[4], acc[5], acc[6], acc[7], out + 4, n - 4);
}

bool crc_multi_available(void)
{
	if (!c.ok)
		init();
	return c.ok > 0;
}

bool crc16_t10dif_multi(const uint8_t *d, size_t len, unsigned int n, size_t stride, uint16_t *out)
{
	if (!crc_multi_available() || n > 8 || !len || len % 64)
		return false;
	multi(d, len, n, stride, out);
	return true;
}

#else
bool crc_multi_available(void)
{
	return false;
}

bool crc16_t10dif_multi(const uint8_t *d, size_t len, unsigned int n, size_t stride, uint16_t *out)
{
	return false;
}
#endif
