// SPDX-License-Identifier: GPL-2.0
/*
 * main() for a harness built without libFuzzer (any compiler): runs each
 * file given, and each file of each directory given, through the harness
 * once. Prints the number of inputs run; a failed property aborts.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)len + 1)) || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		if (f)
			fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long runs = 0;

	for (int a = 1; a < argc; a++) {
		struct stat st;
		DIR *d;
		struct dirent *e;

		if (stat(argv[a], &st)) {
			fprintf(stderr, "replay: %s: no such file or directory\n", argv[a]);
			return 2;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[a]))
				return 2;
			runs++;
			continue;
		}
		if (!(d = opendir(argv[a])))
			return 2;
		while ((e = readdir(d))) {
			char path[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[a], e->d_name);
			if (run_file(path))
				return 2;
			runs++;
		}
		closedir(d);
	}
	printf("replayed %lu inputs\n", runs);
	return 0;
}
