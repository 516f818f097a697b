/* loop.c: the smallest serial client loop, for make bench. */
/* SPDX-License-Identifier: Unlicense */
/*
 * loop N address port: N times socket, connect, write 1, read to the
 * server's close, close; one after another, as onebyte -n N -i 0 makes
 * its checks, but blocking, with no name to resolve, no deadline and no
 * check of the reply.  The ceiling for a serial client on this kernel;
 * not a program to copy.  Exit 1 at the first failure.
 */

#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	unsigned char c = 'r', buf[64];
	long i, n;
	ssize_t r;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: loop count address port\n");
		return 2;
	}
	n = strtol(argv[1], NULL, 10);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)strtol(argv[3], NULL, 10));
	if (inet_pton(AF_INET, argv[2], &sin.sin_addr) != 1) {
		fprintf(stderr, "loop: bad address %s\n", argv[2]);
		return 2;
	}
	for (i = 0; i < n; i++) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
		    write(fd, &c, 1) != 1) {
			perror("loop");
			return 1;
		}
		while ((r = read(fd, buf, sizeof buf)) > 0)
			;
		if (r == -1) {
			perror("loop: read");
			return 1;
		}
		close(fd);
	}
	return 0;
}
