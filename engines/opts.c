// SPDX-License-Identifier: GPL-2.0
/* The engine's option rules: see opts.h. */
#include <stdio.h>
#include <strings.h>

#include "opts.h"
#include "pi.h"

/* s for a message: bytes other than printable ASCII as \xNN, so that the message stays one line. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s && n + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f)
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", c);
	}
	buf[n] = 0;
	return buf;
}

bool upi_chk_off(const char *chk)
{
	return !chk || !*chk || !strcasecmp(chk, "off") || !strcasecmp(chk, "none");
}

int upi_opts_mode(const struct upi_opts *o, char *err, size_t errlen)
{
	char chk[128];
	int checks;

	if (!o->md_per_io_size && upi_chk_off(o->pi_chk)) {
		if (o->pi_inject || o->pi_abi != UPI_ABI_AUTO || !o->pi_act) {
			snprintf(err, errlen, "pi_inject, pi_abi and pi_act=0 need PI on: set pi_chk or md_per_io_size");
			return -1;
		}
		return UPI_MODE_OFF;
	}
	checks = pi_parse_checks(o->pi_chk);
	if (checks < 0) {
		snprintf(err, errlen, "pi_chk=%s: use a comma-separated subset of GUARD,REFTAG,APPTAG",
			 shown(o->pi_chk, chk, sizeof(chk)));
		return -1;
	}
	if (!o->odirect) {
		snprintf(err, errlen, "PI needs direct=1 (the kernel takes metadata only with O_DIRECT)");
		return -1;
	}
	if (o->pi_act && (o->pi_inject || o->md_per_io_size)) {
		snprintf(err, errlen, "%s needs pi_act=0 (with pi_act=1 the kernel generates PI and no metadata "
			 "buffer is sent)", o->pi_inject ? "pi_inject" : "md_per_io_size");
		return -1;
	}
	if (o->pi_act && (checks & PI_TAG_APP)) {
		snprintf(err, errlen, "pi_chk=%s with pi_act=1: the kernel checks the guard and ref tag only, never "
			 "the app tag; use pi_act=0 for APPTAG", o->pi_chk);
		return -1;
	}
	if (o->pi_act && (o->apptag != 0x1234 || o->apptag_mask != 0xffff)) {
		snprintf(err, errlen, "apptag and apptag_mask need pi_act=0 (with pi_act=1 the kernel writes app tag 0 "
			 "and checks none)");
		return -1;
	}
	if (o->pi_inject && o->apptag == PI_APP_ESCAPE) {
		snprintf(err, errlen, "pi_inject with apptag=0xffff: escaped intervals are not checked by the device, "
			 "so nothing can be rejected; use another apptag");
		return -1;
	}
	return o->pi_act ? UPI_MODE_KERNEL : UPI_MODE_ENGINE;
}
