/* baseline.c: the smallest iterative one-byte server, for make bench. */
/* SPDX-License-Identifier: Unlicense */
/*
 * socket, SO_REUSEADDR, bind, listen, then accept / read 1 / write 1 /
 * close: no error handling, no timeouts, no logging.  The ceiling for a
 * blocking accept loop on this kernel; not a program to copy.
 */

#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	unsigned char c;
	int lfd, cfd, on = 1;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	bind(lfd, (struct sockaddr *)&sin, sizeof sin);
	listen(lfd, SOMAXCONN);
	getsockname(lfd, (struct sockaddr *)&sin, &len);
	printf("baseline: listening on 127.0.0.1 port %u\n", ntohs(sin.sin_port));
	fflush(stdout);
	for (;;) {
		cfd = accept(lfd, NULL, NULL);
		if (read(cfd, &c, 1) == 1) {
			c++;
			write(cfd, &c, 1);
		}
		close(cfd);
	}
}
