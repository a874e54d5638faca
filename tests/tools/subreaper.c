/*
 * subreaper: `subreaper PROGRAM [ARG...]` makes itself a child subreaper
 * (prctl PR_SET_CHILD_SUBREAPER, kept across exec) and execs PROGRAM. The
 * program then stands where a container's PID 1 stands: orphans of its
 * descendants, such as a server its client double-forked, become its own
 * children, to be reaped by it. No root needed, unlike a PID namespace.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: subreaper PROGRAM [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
		fprintf(stderr, "subreaper: prctl: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "subreaper: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
