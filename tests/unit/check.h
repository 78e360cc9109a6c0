/* Minimal test reporting: one line per failed check, a summary line per program. */
#ifndef URING_PI_CHECK_H
#define URING_PI_CHECK_H
#include <stdio.h>

static unsigned int check_pass, check_fail;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (cond) {                                                    \
			check_pass++;                                          \
		} else {                                                       \
			check_fail++;                                          \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);            \
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
