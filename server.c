/* server.c: a TCP one-byte echo server. Public domain. */
/*
 * For each client: read one byte, write back that byte plus one, close.
 * The calls come in the order a socket server makes them:
 * getaddrinfo, socket, setsockopt, bind, listen, then accept, read,
 * write and close for each client, one client at a time.
 *
 * One client at a time is the lesson, not a limit: for clients at once,
 * let a supervisor run one server per connection (-i, inetd mode), or
 * hand it the listening socket (systemd socket activation).
 */

#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
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
/* systemd hands over sockets from fd 3 on (SD_LISTEN_FDS_START). */
#define LISTEN_FD	3

static volatile sig_atomic_t stop;

/* What came of one client: for the log, and -i's exit status. */
struct exchange {
	ssize_t n;		/* read's result: bytes, 0 at EOF, -1 */
	unsigned char byte;	/* the client's byte, when n > 0 */
	int err;		/* errno of a failed read or write, else 0 */
};

/* What the command line asked for. */
struct options {
	const char *host;	/* -b; NULL: every address */
	const char *port;	/* NULL: the default, or none with -i */
	long timeout;		/* -t */
	int inetd;		/* -i */
	int quiet;		/* -q */
};

/* The connection log: one line per client, on fd, unless fd is -1. */
struct log {
	int fd;
	int pipe;		/* a pipe or socket: its reader may stall */
	unsigned long dropped;	/* lines not written since the last one */
};

static void
usage(FILE *to, int status)
{
	fprintf(to, "usage: server [-iq] [-t seconds] [-b address] [port]\n");
	exit(status);
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
 * Started with fd 0, 1 or 2 closed (some init scripts and cron do it),
 * the next socket we make would get that number, and the log would be
 * written into a client's connection.  /dev/null holds their places.
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

static void
set_signals(void)
{
	struct sigaction sa;

	/* A client that leaves before its reply must give EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	/* No SA_RESTART: SIGINT and SIGTERM interrupt a blocked accept. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
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

/* Every address: one IPv6 socket that takes IPv4 too, else IPv4 alone. */
static int
open_listeners(const char *host, const char *port)
{
	int fd, gai;

	if (host == NULL) {
		fd = open_listener(NULL, port, AF_INET6, &gai);
		if (fd == -2 || (fd == -1 && (errno == EAFNOSUPPORT ||
		    errno == EADDRNOTAVAIL)))
			fd = open_listener(NULL, port, AF_INET, &gai);
	} else
		fd = open_listener(host, port, AF_UNSPEC, &gai);
	if (fd == -2)
		fprintf(stderr, "server: resolve %s port %s: %s\n",
		    host ? host : "*", port, gai_strerror(gai));
	else if (fd == -1)
		fprintf(stderr, "server: bind to %s%sport %s: %s\n",
		    host ? host : "", host ? " " : "", port, strerror(errno));
	return fd < 0 ? -1 : fd;
}

/*
 * systemd socket activation (Accept=no): systemd made the listening
 * socket and passes it as fd 3, with LISTEN_PID set to our pid and
 * LISTEN_FDS to the number of sockets.  Returns that number, -1 when
 * nothing was passed to us (no LISTEN_PID, or another process's), -2
 * when LISTEN_FDS is not a number.  The variables are unset, as the
 * protocol asks, so no child sees them.
 */
static long
listen_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	long n;

	if (pid == NULL || fds == NULL ||
	    parse_number(pid, 1, LONG_MAX) != (long)getpid())
		return -1;
	if ((n = parse_number(fds, 0, INT_MAX)) == -1)
		n = -2;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return n;
}

/*
 * The inherited fd must be what we would have made: a listening TCP
 * socket (Accept=yes passes a connection instead: that is -i's work).
 * systemd may pass it non-blocking; we block in accept, so clear that
 * (systemd only polls its copy, so the shared flag is ours to set).
 */
static int
check_listener(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int type, listening, flags;
	socklen_t ilen = sizeof type;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ilen) == -1)
		return -1;
	ilen = sizeof listening;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (type != SOCK_STREAM || !listening ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
		errno = EINVAL;
		return -1;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
}

/*
 * A receive timeout on the listening socket is copied to every accepted
 * socket (Linux and the BSDs do this), so a silent client costs no
 * system call per connection to time out.  See main for the fallback.
 */
static int
set_timeout(int fd, long seconds)
{
	struct timeval tv;

	tv.tv_sec = (time_t)seconds;
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

/*
 * Show a byte as 'c', or as \xNN when it is not printable ASCII, in buf
 * of 5 bytes or more.  By hand: snprintf would cost more than the rest
 * of the log line, twice per connection.
 */
static void
format_byte(unsigned char c, char *buf)
{
	static const char hex[] = "0123456789abcdef";

	if (c >= 0x20 && c < 0x7f) {
		buf[0] = '\'';
		buf[1] = (char)c;
		buf[2] = '\'';
		buf[3] = '\0';
	} else {
		buf[0] = '\\';
		buf[1] = 'x';
		buf[2] = hex[c >> 4];
		buf[3] = hex[c & 0xf];
		buf[4] = '\0';
	}
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
 * client's, for at most the timeout in all, however the client trickles.
 */
static void
drain(int in, int out, unsigned char *buf, size_t size, long timeout)
{
	long long end = now_ms() + timeout * 1000, left;
	struct pollfd pfd;
	ssize_t n;
	int r;

	if (shutdown(out, SHUT_WR) == -1)
		return;
	pfd.fd = in;
	pfd.events = POLLIN;
	while ((left = end - now_ms()) > 0) {
		if ((r = poll(&pfd, 1, (int)left)) == -1 && errno == EINTR)
			continue;
		if (r != 1 || (n = read(in, buf, size)) == 0 ||
		    (n == -1 && errno != EINTR))
			break;
	}
}

/*
 * Serve one client: read its byte, write that byte plus one.  in and out
 * are one socket: the same descriptor in the loop, fds 0 and 1 with -i.
 */
static void
serve(int in, int out, long timeout, struct exchange *x)
{
	unsigned char buf[512], reply;
	ssize_t w;

	x->err = 0;
	x->byte = 0;
	if ((x->n = read_request(in, buf, sizeof buf)) == -1) {
		x->err = errno;
		return;
	}
	if (x->n == 0)
		return;
	x->byte = buf[0];
	reply = (unsigned char)(x->byte + 1);
	/* One byte fits an empty send buffer: this does not block. */
	while ((w = write(out, &reply, 1)) == -1 && errno == EINTR)
		;
	if (w == -1)
		x->err = errno;	/* EPIPE, ECONNRESET: the client left */
	else if ((size_t)x->n == sizeof buf)
		drain(in, out, buf, sizeof buf, timeout);
}

/*
 * Log on fd.  A pipe or socket whose reader stalls (a pager left open,
 * a log shipper that hangs) would block a write, and every client with
 * it: there a line is written only when it can be at once, else dropped
 * and counted.  O_NONBLOCK would do that too, but it belongs to the
 * open pipe, shared with whoever else writes to it; poll only asks.
 */
static void
open_log(struct log *log, int fd)
{
	struct stat st;

	log->fd = fd;
	log->pipe = fd != -1 && fstat(fd, &st) == 0 &&
	    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
	log->dropped = 0;
}

/* One write per line, at most PIPE_BUF bytes: lines never interleave. */
static void
log_line(struct log *log, const char *line)
{
	struct pollfd pfd;
	char buf[256];
	const char *p = line;
	int len = (int)strlen(line);
	ssize_t w;

	if (log->fd == -1 || (len == 0 && log->dropped == 0))
		return;
	pfd.fd = log->fd;
	pfd.events = POLLOUT;
	if (log->pipe && (poll(&pfd, 1, 0) != 1 || pfd.revents != POLLOUT)) {
		log->dropped++;
		return;
	}
	if (log->dropped > 0) {
		len = snprintf(buf, sizeof buf, "server: %lu log lines dropped "
		    "(the log was not read)\n%s", log->dropped, line);
		if (len >= (int)sizeof buf)
			len = (int)sizeof buf - 1;
		p = buf;
	}
	while ((w = write(log->fd, p, (size_t)len)) == -1 && errno == EINTR)
		;
	if (w == len)
		log->dropped = 0;
	else if (*line != '\0')
		log->dropped++;
}

/* One line for the log: who, and what came of the connection. */
static void
log_connection(struct log *log, const struct sockaddr *peer,
    const struct exchange *x)
{
	char line[160], who[INET6_ADDRSTRLEN + 16], in[8], out[8];

	if (log->fd == -1)
		return;
	format_address(peer, who, sizeof who);
	format_byte(x->byte, in);
	format_byte((unsigned char)(x->byte + 1), out);
	if (x->n > 0 && x->err == 0)
		snprintf(line, sizeof line, "%s: %s -> %s\n", who, in, out);
	else if (x->n > 0)
		snprintf(line, sizeof line, "%s: %s -> not sent: %s\n", who, in,
		    strerror(x->err));
	else if (x->n == 0)
		snprintf(line, sizeof line, "%s: closed without sending\n", who);
	else if (x->err == EAGAIN || x->err == EWOULDBLOCK)
		snprintf(line, sizeof line, "%s: timed out\n", who);
	else
		snprintf(line, sizeof line, "%s: read: %s\n", who,
		    strerror(x->err));
	log_line(log, line);
}

/* Do fds a and b name the same open file (inetd: all three the socket)? */
static int
same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Is fd a TCP connection (not a terminal, file, pipe or local socket)? */
static int
is_tcp_connection(int fd)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;

	return getpeername(fd, (struct sockaddr *)&peer, &len) == 0 &&
	    (peer.ss_family == AF_INET || peer.ss_family == AF_INET6);
}

/*
 * inetd mode (-i): inetd, xinetd, tcpserver, systemd (Accept=yes) or
 * socat accepted the connection and runs us for it, with the socket on
 * fd 0 to read and fd 1 to write.  Serve it as the loop would.  The log
 * goes to stderr, unless stderr is the connection too (inetd, xinetd):
 * then nothing is logged, since the client must get its byte alone.
 */
static int
serve_inetd(long timeout, int quiet)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	struct exchange x;
	struct log log;

	if (getpeername(0, (struct sockaddr *)&peer, &len) == -1) {
		fprintf(stderr, "server: -i: standard input is not a connected "
		    "socket (%s); %s\n", strerror(errno),
		    getenv("LISTEN_FDS") != NULL ? "systemd passed a listening "
		    "socket: drop -i, or use Accept=yes" :
		    "-i is for inetd, tcpserver, systemd or socat");
		return 1;
	}
	if (set_timeout(0, timeout) == -1) {
		fprintf(stderr, "server: setsockopt SO_RCVTIMEO: %s\n",
		    strerror(errno));
		return 1;
	}
	open_log(&log, quiet || same_file(0, 2) ? -1 : 2);
	serve(0, 1, timeout, &x);
	log_connection(&log, (struct sockaddr *)&peer, &x);
	return x.n > 0 && x.err == 0 ? 0 : 1;
}

/*
 * accept failed: 0 to accept again, -1 when the listening socket itself
 * is broken and the server must stop.
 */
static int
accept_failed(int err)
{
	switch (err) {
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		fprintf(stderr, "server: accept: %s\n", strerror(err));
		sleep(1);	/* out of resources: let some free */
		return 0;
	case EBADF:
	case EINVAL:
	case ENOTSOCK:
		fprintf(stderr, "server: accept: %s\n", strerror(err));
		return -1;
	default:
		/*
		 * The rest is not our failure: EINTR, a signal (the loop
		 * checks stop); ECONNABORTED, EPROTO and network errors, a
		 * client that left while queued; EAGAIN, the receive
		 * timeout, which Linux applies to accept too, so a signal
		 * that lands just before accept is seen within -t seconds.
		 */
		return 0;
	}
}

/* The command line, checked; usage errors exit 2 from here. */
static void
parse_options(int argc, char *argv[], struct options *o)
{
	int ch;

	memset(o, 0, sizeof *o);
	o->timeout = DEFAULT_TIMEOUT;
	while ((ch = getopt(argc, argv, "hiqt:b:")) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout, 0);
			break;
		case 'i':
			o->inetd = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 't':
			o->timeout = parse_number(optarg, 1, MAX_TIMEOUT);
			if (o->timeout == -1) {
				fprintf(stderr, "server: invalid timeout '%s'\n",
				    optarg);
				usage(stderr, 2);
			}
			break;
		case 'b':
			if (*optarg == '\0') {
				fprintf(stderr, "server: -b needs an address\n");
				usage(stderr, 2);
			}
			o->host = optarg;
			break;
		default:
			usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage(stderr, 2);
	if (argc == 1 && parse_number(argv[0], 0, 65535) == -1) {
		fprintf(stderr, "server: invalid port '%s'\n", argv[0]);
		usage(stderr, 2);
	}
	o->port = argc == 1 ? argv[0] : NULL;
	if (o->inetd && (o->host != NULL || o->port != NULL)) {
		fprintf(stderr, "server: -i serves the connection on fd 0: "
		    "no -b, no port\n");
		usage(stderr, 2);
	}
}

/* The listening socket: passed by systemd, or made here.  Or -1. */
static int
get_listener(const struct options *o)
{
	long nfds;

	if ((nfds = listen_fds()) == -1)
		return open_listeners(o->host, o->port ? o->port : DEFAULT_PORT);
	if (o->host != NULL || o->port != NULL) {
		fprintf(stderr, "server: systemd passed the listening socket "
		    "(LISTEN_FDS): no -b, no port\n");
		usage(stderr, 2);
	}
	if (nfds == -2) {
		fprintf(stderr, "server: LISTEN_FDS is not a number; give the "
		    ".socket unit one ListenStream=\n");
		return -1;
	}
	if (nfds != 1) {
		fprintf(stderr, "server: systemd passed %ld sockets (LISTEN_FDS);"
		    " give the .socket unit one ListenStream=\n", nfds);
		return -1;
	}
	if (check_listener(LISTEN_FD) == -1) {
		fprintf(stderr, "server: fd 3 from systemd is not a listening "
		    "TCP socket: use Accept=no, or server -i for Accept=yes\n");
		return -1;
	}
	return LISTEN_FD;
}

/* Set the clients' timeout, and say where we listen. */
static int
announce(int lfd, long timeout)
{
	struct sockaddr_storage addr;
	socklen_t len = sizeof addr;
	char where[INET6_ADDRSTRLEN + 16];

	if (set_timeout(lfd, timeout) == -1) {
		fprintf(stderr, "server: setsockopt SO_RCVTIMEO: %s\n",
		    strerror(errno));
		return -1;
	}
	/* getsockname tells the port the kernel chose when we asked for 0. */
	if (getsockname(lfd, (struct sockaddr *)&addr, &len) == -1) {
		fprintf(stderr, "server: getsockname: %s\n", strerror(errno));
		return -1;
	}
	format_address((struct sockaddr *)&addr, where, sizeof where);
	printf("server: listening on %s\n", where);
	fflush(stdout);	/* no reader (EPIPE) is no reason not to serve */
	return 0;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_storage addr;
	socklen_t len;
	struct options o;
	struct exchange x;
	struct log log;
	int lfd, cfd, inherits = -1;

	parse_options(argc, argv, &o);
	if (open_std_fds() == -1) {
		fprintf(stderr, "server: open /dev/null: %s\n", strerror(errno));
		return 1;
	}
	set_signals();

	/* A supervisor accepted the connection for us: serve it, exit. */
	if (o.inetd)
		return serve_inetd(o.timeout, o.quiet);
	/*
	 * The same without -i would write our listening line into that
	 * connection ('s' first: a client would even take it for a reply)
	 * and leave a daemon behind.  Say so, where the client cannot see.
	 */
	if (is_tcp_connection(0)) {
		if (!same_file(0, 2))
			fprintf(stderr, "server: standard input is a TCP "
			    "connection: run server -i under inetd, tcpserver, "
			    "systemd Accept=yes or socat\n");
		return 2;
	}

	if ((lfd = get_listener(&o)) == -1 || announce(lfd, o.timeout) == -1)
		return 1;
	open_log(&log, o.quiet ? -1 : 1);

	while (!stop) {
		len = sizeof addr;
		if ((cfd = accept(lfd, (struct sockaddr *)&addr, &len)) == -1) {
			if (accept_failed(errno) == -1)
				return 1;
			continue;
		}
		/* Once: where the timeout is not inherited, set it each time. */
		if (inherits == -1)
			inherits = has_timeout(cfd);
		if (!inherits)
			set_timeout(cfd, o.timeout);
		serve(cfd, cfd, o.timeout, &x);
		close(cfd);
		log_connection(&log, (struct sockaddr *)&addr, &x);
	}
	log_line(&log, "");	/* the count of lines dropped, if any */
	close(lfd);
	return 0;
}
