/* server.c: a TCP one-byte echo server. Public domain. */
/*
 * For each client: read one byte, write back that byte plus one, close.
 * The calls come in the order a socket server makes them:
 * getaddrinfo, socket, setsockopt, bind, listen, then accept, read,
 * write and close for each client, one client at a time.
 */

#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PORT	"29008"
#define DEFAULT_TIMEOUT	5
#define MAX_TIMEOUT	86400
/*
 * The kernel queues this many finished handshakes while we serve one
 * client; the article's backlog of 1 turned clients away under any load.
 * The kernel caps it at its own limit (net.core.somaxconn on Linux).
 */
#define BACKLOG		SOMAXCONN

static volatile sig_atomic_t stop;

static void
usage(void)
{
	fprintf(stderr, "usage: server [-q] [-t seconds] [-b address] [port]\n");
	exit(2);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
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

/*
 * Make a socket listening on host (NULL: every local address) and port.
 * Returns the socket, or -1 with errno set, or -2 with *gai set to the
 * resolver's error.
 */
static int
open_listener(const char *host, const char *port, int family, int *gai)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, on = 1, off = 0, ok, saved;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((*gai = getaddrinfo(host, port, &hints, &res)) != 0)
		return -2;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd == -1)
			continue;
		/*
		 * The server closes first, so TIME_WAIT lands on its port:
		 * without SO_REUSEADDR a restart fails with EADDRINUSE.
		 */
		ok = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0;
		/* "::" takes IPv4 clients too, unless the host forbids it. */
		if (ok && host == NULL && ai->ai_family == AF_INET6)
			ok = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
			    sizeof off) == 0;
		if (ok && bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, BACKLOG) == 0)
			break;
		saved = errno;
		close(fd);
		errno = saved;
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/*
 * A receive timeout on the listening socket is copied to every accepted
 * socket (Linux and the BSDs do this), so a silent client costs no
 * system call per connection to time out.  See main for the fallback.
 */
static int
set_timeout(int fd, int seconds)
{
	struct timeval tv;

	tv.tv_sec = seconds;
	tv.tv_usec = 0;
	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

static int
has_timeout(int fd)
{
	struct timeval tv;
	socklen_t len = sizeof tv;

	if (getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) == -1)
		return 0;
	return tv.tv_sec != 0 || tv.tv_usec != 0;
}

/* Write "address port N" of sa into buf: IPv4 clients of "::" as IPv4. */
static void
format_address(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host,
			    sizeof host);
		else
			inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		port = ntohs(sin6->sin6_port);
	}
	snprintf(buf, size, "%s port %u", host, port);
}

/* Show a byte as 'c', or as \xNN when it is not printable ASCII. */
static void
format_byte(unsigned char c, char *buf, size_t size)
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, size, "'%c'", c);
	else
		snprintf(buf, size, "\\x%02x", c);
}

/*
 * Read the client's byte.  We ask for more than one: whatever else the
 * client sent with it (a newline from nc or telnet) is read too, so the
 * close below sends a FIN.  Closing with unread input would send a reset
 * instead, and a reset can destroy the reply before the client reads it.
 */
static ssize_t
read_request(int fd, unsigned char *buf, size_t size)
{
	ssize_t n;

	/* A signal must not cost the client in hand its reply: retry. */
	while ((n = read(fd, buf, size)) == -1 && errno == EINTR)
		;
	return n;
}

/*
 * A client that sent a buffer full may have more on the way.  Only then
 * do we pay for a lingering close: send our FIN, then read until the
 * client's (or for at most the timeout), so close finds nothing unread.
 */
static void
drain(int fd, unsigned char *buf, size_t size, long timeout)
{
	time_t end = time(NULL) + timeout;
	ssize_t n;

	if (shutdown(fd, SHUT_WR) == -1)
		return;
	while (((n = read(fd, buf, size)) > 0 || (n == -1 && errno == EINTR)) &&
	    time(NULL) < end)
		;
}

/* One line for the log: who, and what came of the connection. */
static void
log_connection(const struct sockaddr *peer, ssize_t n, unsigned char byte,
    int err)
{
	char who[INET6_ADDRSTRLEN + 16], in[8], out[8];

	format_address(peer, who, sizeof who);
	format_byte(byte, in, sizeof in);
	format_byte((unsigned char)(byte + 1), out, sizeof out);
	if (n > 0 && err == 0)
		printf("%s: %s -> %s\n", who, in, out);
	else if (n > 0)
		printf("%s: %s -> not sent: %s\n", who, in, strerror(err));
	else if (n == 0)
		printf("%s: closed without sending\n", who);
	else if (err == EAGAIN || err == EWOULDBLOCK)
		printf("%s: timed out\n", who);
	else
		printf("%s: read: %s\n", who, strerror(err));
}

static void
serve(int fd, const struct sockaddr *peer, long timeout, int quiet)
{
	unsigned char buf[512], byte = 0, reply;
	ssize_t n, w = 0;
	int err = 0;

	n = read_request(fd, buf, sizeof buf);
	if (n == -1)
		err = errno;
	if (n > 0) {
		byte = buf[0];
		reply = (unsigned char)(byte + 1);
		/* One byte fits an empty send buffer: this does not block. */
		while ((w = write(fd, &reply, 1)) == -1 && errno == EINTR)
			;
		if (w == -1)
			err = errno;	/* EPIPE, ECONNRESET: the client left */
		else if ((size_t)n == sizeof buf)
			drain(fd, buf, sizeof buf, timeout);
	}
	if (!quiet)
		log_connection(peer, n, byte, err);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_storage addr;
	struct sigaction sa;
	socklen_t len;
	const char *host = NULL, *port = DEFAULT_PORT;
	char where[INET6_ADDRSTRLEN + 16];
	int ch, quiet = 0, gai, lfd, cfd, err, inherits = -1;
	long timeout = DEFAULT_TIMEOUT;

	while ((ch = getopt(argc, argv, "qt:b:")) != -1) {
		switch (ch) {
		case 'q':
			quiet = 1;
			break;
		case 't':
			if ((timeout = parse_number(optarg, 1, MAX_TIMEOUT)) == -1) {
				fprintf(stderr, "server: invalid timeout '%s'\n",
				    optarg);
				usage();
			}
			break;
		case 'b':
			host = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage();
	if (argc == 1) {
		if (parse_number(argv[0], 0, 65535) == -1) {
			fprintf(stderr, "server: invalid port '%s'\n", argv[0]);
			usage();
		}
		port = argv[0];
	}

	/* A client that leaves before its reply must give EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	/* No SA_RESTART: SIGINT and SIGTERM interrupt a blocked accept. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Each line shows at once, also through a pipe or into a file. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Every address: one IPv6 socket that takes IPv4 too, else IPv4. */
	if (host == NULL) {
		lfd = open_listener(NULL, port, AF_INET6, &gai);
		if (lfd == -2 || (lfd == -1 && (errno == EAFNOSUPPORT ||
		    errno == EADDRNOTAVAIL)))
			lfd = open_listener(NULL, port, AF_INET, &gai);
	} else
		lfd = open_listener(host, port, AF_UNSPEC, &gai);
	if (lfd == -2) {
		fprintf(stderr, "server: resolve %s port %s: %s\n",
		    host ? host : "*", port, gai_strerror(gai));
		return 1;
	}
	if (lfd == -1) {
		fprintf(stderr, "server: bind to %s%sport %s: %s\n",
		    host ? host : "", host ? " " : "", port, strerror(errno));
		return 1;
	}
	if (set_timeout(lfd, (int)timeout) == -1) {
		fprintf(stderr, "server: setsockopt SO_RCVTIMEO: %s\n",
		    strerror(errno));
		return 1;
	}
#if defined(TCP_DEFER_ACCEPT) && !defined(NO_DEFER_ACCEPT)
	/*
	 * Linux: the kernel keeps a new connection to itself for about a
	 * second, until its first byte arrives, so a crowd of clients that
	 * connect and say nothing does not stand in front of the ones that
	 * talk.  It costs some latency at one client at a time (see README,
	 * Performance); build with -DNO_DEFER_ACCEPT to leave it out.
	 */
	{
		int secs = 1;

		(void)setsockopt(lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs,
		    sizeof secs);
	}
#endif

	/* getsockname tells the port the kernel chose when we asked for 0. */
	len = sizeof addr;
	if (getsockname(lfd, (struct sockaddr *)&addr, &len) == -1) {
		fprintf(stderr, "server: getsockname: %s\n", strerror(errno));
		return 1;
	}
	format_address((struct sockaddr *)&addr, where, sizeof where);
	printf("server: listening on %s\n", where);

	while (!stop) {
		len = sizeof addr;
		cfd = accept(lfd, (struct sockaddr *)&addr, &len);
		if (cfd == -1) {
			err = errno;
			if (err == EMFILE || err == ENFILE || err == ENOBUFS ||
			    err == ENOMEM) {
				fprintf(stderr, "server: accept: %s\n",
				    strerror(err));
				sleep(1);	/* out of resources: let some free */
				continue;
			}
			if (err == EBADF || err == EINVAL || err == ENOTSOCK) {
				fprintf(stderr, "server: accept: %s\n",
				    strerror(err));
				close(lfd);
				return 1;
			}
			/*
			 * The rest is not our failure: EINTR, a signal (the
			 * loop checks stop); ECONNABORTED, EPROTO and network
			 * errors, a client that left while queued; EAGAIN,
			 * the receive timeout, which Linux applies to accept
			 * too, so a signal that lands just before accept is
			 * seen within -t seconds at worst.
			 */
			continue;
		}
		/* Once: where the timeout is not inherited, set it each time. */
		if (inherits == -1)
			inherits = has_timeout(cfd);
		if (!inherits)
			set_timeout(cfd, (int)timeout);
		serve(cfd, (struct sockaddr *)&addr, timeout, quiet);
		close(cfd);
	}
	close(lfd);
	return 0;
}
