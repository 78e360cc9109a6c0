// SPDX-License-Identifier: GPL-2.0
/* The engine's option rules (engines/opts.c): each mode, each refusal with its exact reason. */
#include <string.h>

#include "../../engines/opts.h"
#include "../../engines/pi.h"
#include "check.h"

/* fio's defaults, PI off */
static struct upi_opts dflt(void)
{
	return (struct upi_opts){ .pi_act = 1, .apptag = 0x1234, .apptag_mask = 0xffff, .odirect = true };
}

static void mode(const char *what, struct upi_opts o, int want)
{
	char err[256] = "";
	int m = upi_opts_mode(&o, err, sizeof(err));

	CHECK(m == want, "%s: mode %d, want %d (%s)", what, m, want, err);
}

static void refused(const char *what, struct upi_opts o, const char *reason)
{
	char err[256] = "";
	int m = upi_opts_mode(&o, err, sizeof(err));

	CHECK(m == -1 && !strcmp(err, reason), "%s: refused with '%s', want '%s'", what, err, reason);
}

int main(void)
{
	struct upi_opts o;

	mode("defaults", dflt(), UPI_MODE_OFF);
	o = dflt(), o.pi_chk = "OFF";
	mode("pi_chk=OFF", o, UPI_MODE_OFF);
	o = dflt(), o.pi_chk = "none";
	mode("pi_chk=none", o, UPI_MODE_OFF);
	o = dflt(), o.pi_chk = "";
	mode("pi_chk empty", o, UPI_MODE_OFF);
	o = dflt(), o.pi_chk = "GUARD,REFTAG";
	mode("pi_act=1 GUARD,REFTAG", o, UPI_MODE_KERNEL);
	o = dflt(), o.pi_chk = "guard:reftag|apptag", o.pi_act = 0, o.apptag = 0xffff, o.apptag_mask = 0;
	mode("pi_act=0 with any app tag and mask", o, UPI_MODE_ENGINE);
	o = dflt(), o.md_per_io_size = 64, o.pi_act = 0, o.pi_inject = PI_TAG_GUARD, o.pi_abi = UPI_ABI_ATTR;
	mode("md_per_io_size alone turns PI on", o, UPI_MODE_ENGINE);
	CHECK(upi_chk_off(NULL) && upi_chk_off("None") && !upi_chk_off("offf") && !upi_chk_off("GUARD"), "upi_chk_off");

	for (unsigned int i = 0; i < 3; i++) {
		o = dflt();
		if (i == 0)
			o.pi_inject = PI_TAG_APP;
		else if (i == 1)
			o.pi_abi = UPI_ABI_SQE128;
		else
			o.pi_act = 0;
		refused("PI off with a PI option", o,
			"pi_inject, pi_abi and pi_act=0 need PI on: set pi_chk or md_per_io_size");
	}
	o = dflt(), o.pi_chk = "GUARD,CRC";
	refused("unknown word", o, "pi_chk=GUARD,CRC: use a comma-separated subset of GUARD,REFTAG,APPTAG");
	/* a refusal is one line whatever pi_chk holds (fuzz_opts found a newline taken verbatim) */
	o = dflt(), o.pi_chk = "GUARD\nX\x7f\xe9";
	refused("pi_chk with control bytes", o,
		"pi_chk=GUARD\\x0aX\\x7f\\xe9: use a comma-separated subset of GUARD,REFTAG,APPTAG");
	o = dflt(), o.pi_chk = "GUARD", o.odirect = false;
	refused("buffered", o, "PI needs direct=1 (the kernel takes metadata only with O_DIRECT)");
	o = dflt(), o.pi_chk = "GUARD", o.pi_inject = PI_TAG_REF;
	refused("pi_inject with pi_act=1", o,
		"pi_inject needs pi_act=0 (with pi_act=1 the kernel generates PI and no metadata buffer is sent)");
	o = dflt(), o.md_per_io_size = 8;
	refused("md_per_io_size with pi_act=1", o,
		"md_per_io_size needs pi_act=0 (with pi_act=1 the kernel generates PI and no metadata buffer is sent)");
	o = dflt(), o.pi_chk = "GUARD,APPTAG";
	refused("APPTAG with pi_act=1", o, "pi_chk=GUARD,APPTAG with pi_act=1: the kernel checks the guard and ref "
		"tag only, never the app tag; use pi_act=0 for APPTAG");
	o = dflt(), o.pi_chk = "GUARD", o.apptag_mask = 0xff00;
	refused("apptag_mask with pi_act=1", o, "apptag and apptag_mask need pi_act=0 (with pi_act=1 the kernel "
		"writes app tag 0 and checks none)");
	o = dflt(), o.pi_chk = "GUARD", o.pi_act = 0, o.pi_inject = PI_TAG_GUARD, o.apptag = 0xffff;
	refused("pi_inject with the escape", o, "pi_inject with apptag=0xffff: escaped intervals are not checked by "
		"the device, so nothing can be rejected; use another apptag");
	return check_done();
}
