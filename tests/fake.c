/* fake.c: a misbehaving server, to test the client's errors. Public domain. */
/*
 * fake -m close|wrong|silent|full
 * Listens on 127.0.0.1, a port the kernel picks, prints it, then for each
 * client: close (read its byte, close without a reply), wrong (reply
 * byte + 2), silent (read, never reply), full (never accept: backlog 0, so
 * the kernel drops the SYNs after the first).  Exits after 60 seconds.
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
	socklen_t len = sizeof sin;
	unsigned char c;
	const char *mode;
	int lfd, cfd;

	if (argc != 3 || strcmp(argv[1], "-m") != 0) {
		fprintf(stderr, "usage: fake -m close|wrong|silent|full\n");
		return 2;
	}
	mode = argv[2];
	alarm(60);	/* a test that forgets us does not leave us running */
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		perror("fake: socket");
		return 1;
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(lfd, strcmp(mode, "full") == 0 ? 0 : 16) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == -1) {
		perror("fake: bind");
		return 1;
	}
	printf("fake: listening on 127.0.0.1 port %u\n", ntohs(sin.sin_port));
	fflush(stdout);
	if (strcmp(mode, "full") == 0)
		for (;;)
			pause();
	for (;;) {
		if ((cfd = accept(lfd, NULL, NULL)) == -1)
			continue;
		if (read(cfd, &c, 1) != 1) {
			close(cfd);
			continue;
		}
		if (strcmp(mode, "wrong") == 0) {
			c = (unsigned char)(c + 2);
			if (write(cfd, &c, 1) != 1)
				perror("fake: write");
		}
		if (strcmp(mode, "silent") != 0)
			close(cfd);	/* silent: held open until we exit */
	}
}
