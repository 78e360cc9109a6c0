// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's option rules (engines/opts.c) and the pi_chk parser
 * (engines/pi.c) on arbitrary strings and values. pi_chk's words and its
 * off/none against the reference (ref.c); for the rules, what is accepted
 * is safe (PI never without O_DIRECT, nothing the kernel would not apply with
 * pi_act=1, no injection that nothing can reject) and what a valid job asks
 * for is accepted; a refusal is one line.
 */
#include <string.h>

#include "../../engines/opts.h"
#include "../../engines/pi.h"
#include "fuzz.h"
#include "ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
	static const unsigned int injects[] = { 0, PI_TAG_GUARD, PI_TAG_REF, PI_TAG_APP };
	struct fuzz_in in = { buf, size };
	unsigned int bits = (unsigned int)fuzz_take(&in, 2);
	struct upi_opts o = {
		.md_per_io_size = bits & 1 ? (unsigned int)fuzz_take(&in, 2) : 0,
		.pi_act = bits >> 1 & 1,
		.apptag = bits & 4 ? (unsigned int)fuzz_take(&in, 2) : 0x1234,
		.apptag_mask = bits & 8 ? (unsigned int)fuzz_take(&in, 2) : 0xffff,
		.pi_abi = bits >> 4 & 3,
		.pi_inject = injects[bits >> 6 & 3],
		.odirect = bits >> 8 & 1,
	};
	char chk[512], err[256] = "";
	int checks, mode;
	bool off, ok;

	memcpy(chk, in.p, in.n < sizeof(chk) - 1 ? in.n : sizeof(chk) - 1);
	chk[in.n < sizeof(chk) - 1 ? in.n : sizeof(chk) - 1] = 0;
	o.pi_chk = bits & 0x200 ? NULL : chk;

	checks = pi_parse_checks(o.pi_chk);
	FUZZ_CHECK(checks == ref_parse_checks(o.pi_chk), "pi_chk '%s': %d, the reference %d", chk, checks,
		   ref_parse_checks(o.pi_chk));
	off = upi_chk_off(o.pi_chk);
	FUZZ_CHECK(off == ref_chk_off(o.pi_chk), "pi_chk '%s' off: %d", chk, off);

	mode = upi_opts_mode(&o, err, sizeof(err));
	if (mode < 0)
		FUZZ_CHECK(*err && !strpbrk(err, "\n\r"), "a refusal is one line: '%s'", err);
	if (off && !o.md_per_io_size) {
		ok = !o.pi_inject && o.pi_abi == UPI_ABI_AUTO && o.pi_act;
		FUZZ_CHECK(ok ? mode == UPI_MODE_OFF : mode < 0, "PI off: mode %d", mode);
		return 0;
	}
	/* PI asked for: accepted exactly when it can be given as asked. */
	ok = checks >= 0 && o.odirect && !(o.pi_inject && o.apptag == PI_APP_ESCAPE);
	if (o.pi_act)
		ok = ok && !o.pi_inject && !o.md_per_io_size && !(checks & PI_TAG_APP) && o.apptag == 0x1234 &&
		     o.apptag_mask == 0xffff;
	FUZZ_CHECK(ok ? mode == (o.pi_act ? UPI_MODE_KERNEL : UPI_MODE_ENGINE) : mode < 0,
		   "pi_chk '%s' md %u pi_act %u apptag %#x/%#x abi %u inject %u direct %d: mode %d (%s)",
		   o.pi_chk ? chk : "(unset)", o.md_per_io_size, o.pi_act, o.apptag, o.apptag_mask, o.pi_abi,
		   o.pi_inject, o.odirect, mode, err);
	return 0;
}
