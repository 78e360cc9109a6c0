/* Minimal test reporting: one line per failed check (all with VERBOSE set), a summary line per program. */
#ifndef URING_PI_CHECK_H
#define URING_PI_CHECK_H
#include <stdio.h>
#include <stdlib.h>

static unsigned int check_pass, check_fail;
static const char *check_label = "";	/* printed before each line, e.g. "[attr] " */

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		int ok_ = !!(cond);                                            \
		if (ok_)                                                       \
			check_pass++;                                          \
		else                                                           \
			check_fail++;                                          \
		if (!ok_ || getenv("VERBOSE")) {                               \
			printf("%s %s%s:%d: ", ok_ ? "ok  " : "FAIL", check_label, \
			       __FILE__, __LINE__);                            \
			printf(__VA_ARGS__);                                   \
			printf("\n");                                          \
		}                                                              \
	} while (0)

/* Prints "N passed, N failed" and returns the exit status. */
static inline int check_done(void)
{
	printf("%u passed, %u failed\n", check_pass, check_fail);
	return check_fail ? 1 : 0;
}
#endif
