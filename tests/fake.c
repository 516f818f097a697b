/* fake.c: a misbehaving server, to test the client's errors. */
/* SPDX-License-Identifier: Unlicense */
/*
 * fake -m mode [-b address] [-p port]
 * Listens on address (IPv4, default 127.0.0.1) and port (default: one
 * the kernel picks), prints them, then for each client, by mode:
 *	close	read its byte, close without a reply
 *	wrong	reply byte + 2
 *	silent	read, never reply
 *	full	never accept: a backlog of 0 that fake fills itself with one
 *		connection, so the kernel drops the SYNs of every client
 *	banner	at once, without reading, send an SSH server's greeting,
 *		and keep the connection open
 *	line	read, reply with a line that starts with byte + 1 (a stray
 *		server's listening line, "server: ..." for r)
 *	hold	reply byte + 1 right, and keep the connection open
 *	two	reply byte + 1 twice, in two writes
 *	reset	reply byte + 1 right, then reset the connection (no FIN)
 * Exits after 60 seconds.
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

static const char *mode;

static int
is(const char *m)
{
	return strcmp(mode, m) == 0;
}

/* One client, as the mode says; 1 to keep its connection open. */
static int
serve(int cfd)
{
	static const char banner[] = "SSH-2.0-OpenSSH_9.6\r\n";
	char line[] = "?erver: listening on :: port 29008\n";
	struct linger reset = { 1, 0 };	/* on: close sends a reset */
	unsigned char c, two[2];

	/* An SSH server speaks first, then waits for the client's greeting. */
	if (is("banner")) {
		if (write(cfd, banner, sizeof banner - 1) < 0)
			perror("fake: write");
		return 1;
	}
	if (read(cfd, &c, 1) != 1)
		return 0;
	two[0] = two[1] = (unsigned char)(c + 1);
	if (is("wrong"))
		two[0] = (unsigned char)(c + 2);
	line[0] = (char)two[1];
	if (is("wrong") || is("hold") || is("two") || is("reset"))
		if (write(cfd, two, 1) != 1)
			perror("fake: write");
	if (is("two") && write(cfd, two + 1, 1) != 1)
		perror("fake: write");
	if (is("line") && write(cfd, line, strlen(line)) < 0)
		perror("fake: write");
	if (is("reset") &&
	    setsockopt(cfd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset) == -1)
		perror("fake: setsockopt");
	return is("silent") || is("hold");	/* held until we exit */
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	const char *addr = "127.0.0.1";
	int ch, lfd, cfd, port = 0;

	while ((ch = getopt(argc, argv, "b:m:p:")) != -1)
		if (ch == 'b')
			addr = optarg;
		else if (ch == 'm')
			mode = optarg;
		else if (ch == 'p')
			port = (int)strtol(optarg, NULL, 10);
		else
			mode = NULL;
	if (mode == NULL || optind != argc) {
		fprintf(stderr, "usage: fake -m close|wrong|silent|full|banner|"
		    "line|hold|two|reset [-b address] [-p port]\n");
		return 2;
	}
	alarm(60);	/* a test that forgets us does not leave us running */
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    (lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(lfd, is("full") ? 0 : 16) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == -1) {
		perror("fake: listen");
		return 1;
	}
	/* full: our own connection takes the one place in the queue. */
	if (is("full") && ((cfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(cfd, (struct sockaddr *)&sin, sizeof sin) == -1)) {
		perror("fake: connect");
		return 1;
	}
	printf("fake: listening on %s port %u\n", addr, ntohs(sin.sin_port));
	fflush(stdout);
	if (is("full"))
		for (;;)
			pause();
	for (;;)
		if ((cfd = accept(lfd, NULL, NULL)) != -1 && !serve(cfd))
			close(cfd);
}
