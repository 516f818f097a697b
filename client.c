/* client.c: a client for the TCP one-byte echo server. Public domain. */
/*
 * Send one byte, read the reply, check it is that byte plus one.
 * The calls come in the order a socket client makes them:
 * getaddrinfo, then socket and connect for each address until one
 * answers, then write, read and close.
 */

#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_HOST	"localhost"
#define DEFAULT_PORT	"29008"
#define DEFAULT_TIMEOUT	5
#define MAX_TIMEOUT	86400

static void
usage(FILE *to, int status)
{
	fprintf(to, "usage: client [-c char] [-t seconds] [host [port]]\n");
	exit(status);
}

/* Parse a whole decimal string in [min, max]; -1 if it is not one. */
static long
parse_number(const char *s, long min, long max)
{
	char *end;
	long n;

	if (*s < '0' || *s > '9')	/* strtol would take spaces and signs */
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	return n;
}

/* -c takes one byte, or \xNN for any byte (0 cannot be in an argument). */
static int
parse_char(const char *s)
{
	if (s[0] != '\0' && s[1] == '\0')
		return (unsigned char)s[0];
	/* Check the digits first: strtoul would take a sign or "0x". */
	if (s[0] == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
	    isxdigit((unsigned char)s[3]) && s[4] == '\0')
		return (int)strtoul(s + 2, NULL, 16);
	return -1;
}

/* Show a byte as itself, or as \xNN when it is not printable ASCII. */
static void
format_byte(unsigned char c, char *buf, size_t size)
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, size, "%c", c);
	else
		snprintf(buf, size, "\\x%02x", c);
}

/*
 * Started with fd 0, 1 or 2 closed, the socket would get that number,
 * and our output would be written into the connection.  /dev/null holds
 * their places.
 */
static int
open_std_fds(void)
{
	struct pollfd pfd[3];
	int fd;

	/* poll marks a closed descriptor POLLNVAL: one call asks for all three. */
	for (fd = 0; fd <= 2; fd++) {
		pfd[fd].fd = fd;
		pfd[fd].events = 0;
	}
	if (poll(pfd, 3, 0) == -1)
		return -1;
	/* Only a closed one is filled, so an empty root without /dev works. */
	for (fd = 0; fd <= 2; fd++)
		if ((pfd[fd].revents & POLLNVAL) &&
		    open("/dev/null", O_RDWR) != fd)
			return -1;
	return 0;
}

/* Milliseconds on a clock that nobody sets and that never jumps. */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait up to seconds for fd to be ready for events; 0, or -1 with errno
 * (ETIMEDOUT).  A signal or a stop and continue (^Z, fg) may cut the
 * wait short: it goes on for what is left of the time, not all again.
 */
static int
wait_for(int fd, short events, long seconds)
{
	long long end = now_ms() + seconds * 1000, left;
	struct pollfd pfd;
	int r;

	pfd.fd = fd;
	pfd.events = events;
	do {
		if ((left = end - now_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	} while ((r = poll(&pfd, 1, (int)left)) == -1 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	return r == 1 ? 0 : -1;
}

/*
 * connect() alone may wait minutes for a host that drops our SYN.  So
 * connect without blocking, and poll for the outcome up to the timeout.
 */
static int
connect_within(const struct addrinfo *ai, long seconds)
{
	socklen_t len;
	int fd, flags, err, saved;

	if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) == -1)
		return -1;
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS || wait_for(fd, POLLOUT, seconds) == -1)
			goto fail;
		/* The connect's own result, success or error, is SO_ERROR. */
		len = sizeof err;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			goto fail;
		if (err != 0) {
			errno = err;
			goto fail;
		}
	}
	if (fcntl(fd, F_SETFL, flags) == 0)
		return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
main(int argc, char *argv[])
{
	struct addrinfo hints, *res, *ai;
	const char *host = DEFAULT_HOST, *port = DEFAULT_PORT;
	unsigned char byte = 'r', reply;
	char shown[8], want[8];
	int ch, fd = -1, gai, c, err;
	long timeout = DEFAULT_TIMEOUT;
	ssize_t n;

	while ((ch = getopt(argc, argv, "c:ht:")) != -1) {
		switch (ch) {
		case 'c':
			if ((c = parse_char(optarg)) == -1) {
				fprintf(stderr, "client: -c takes one byte or "
				    "\\xNN, not '%s'\n", optarg);
				usage(stderr, 2);
			}
			byte = (unsigned char)c;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		case 't':
			if ((timeout = parse_number(optarg, 1, MAX_TIMEOUT)) == -1) {
				fprintf(stderr, "client: invalid timeout '%s'\n",
				    optarg);
				usage(stderr, 2);
			}
			break;
		default:
			usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 2)
		usage(stderr, 2);
	if (argc >= 1)
		host = argv[0];
	if (argc == 2) {
		if (parse_number(argv[1], 1, 65535) == -1) {
			fprintf(stderr, "client: invalid port '%s'\n", argv[1]);
			usage(stderr, 2);
		}
		port = argv[1];
	}

	if (open_std_fds() == -1) {
		fprintf(stderr, "client: open /dev/null: %s\n", strerror(errno));
		return 1;
	}
	/* A server that closes early must give us EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);

	/* A name may have several addresses (localhost: ::1, 127.0.0.1). */
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((gai = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, "client: resolve %s: %s\n", host,
		    gai_strerror(gai));
		return 1;
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next)
		fd = connect_within(ai, timeout);
	err = errno;	/* the last address's reason, if none answered */
	freeaddrinfo(res);
	if (fd == -1) {
		errno = err;
		if (errno == ECONNREFUSED)
			fprintf(stderr, "client: no server is listening on %s "
			    "port %s (connection refused)\n", host, port);
		else if (errno == ETIMEDOUT)
			fprintf(stderr, "client: connect to %s port %s: no "
			    "answer within %ld s\n", host, port, timeout);
		else
			fprintf(stderr, "client: connect to %s port %s: %s\n",
			    host, port, strerror(errno));
		return 1;
	}
	/* One byte fits the empty send buffer of a new connection. */
	while ((n = write(fd, &byte, 1)) == -1 && errno == EINTR)
		;
	if (n != 1) {
		fprintf(stderr, "client: send to %s port %s: %s\n", host, port,
		    strerror(errno));
		return 1;
	}
	if (wait_for(fd, POLLIN, timeout) == 0)
		while ((n = read(fd, &reply, 1)) == -1 && errno == EINTR)
			;
	else
		n = -1;
	if (n == 0) {
		fprintf(stderr, "client: %s port %s closed the connection "
		    "without replying\n", host, port);
		return 1;
	}
	if (n == -1) {
		if (errno == ETIMEDOUT)
			fprintf(stderr, "client: no reply from %s port %s "
			    "within %ld s\n", host, port, timeout);
		else
			fprintf(stderr, "client: read from %s port %s: %s\n",
			    host, port, strerror(errno));
		return 1;
	}
	close(fd);

	format_byte(reply, shown, sizeof shown);
	printf("Reply from server: %s\n", shown);
	if (reply != (unsigned char)(byte + 1)) {
		format_byte((unsigned char)(byte + 1), want, sizeof want);
		fprintf(stderr, "client: wrong reply: expected %s\n", want);
		return 1;
	}
	return 0;
}
