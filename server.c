/* SPDX-License-Identifier: Unlicense */
/*
 * server.c: a TCP one-byte echo server.  For each client, one at a time, it
 * reads one byte and writes back that byte plus one.  Bare, with no error
 * checks and no time limit, such a server is these calls:
 *	getaddrinfo(NULL, "29008", &hints, &ai);	every address, a port
 *	lfd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
 *	bind(lfd, ai->ai_addr, ai->ai_addrlen);
 *	listen(lfd, BACKLOG);			now clients can connect
 *	for (;;) {
 *		cfd = accept(lfd, NULL, NULL);	the next client's connection
 *		read(cfd, &byte, 1);
 *		byte++;
 *		write(cfd, &byte, 1);
 *		close(cfd);
 *	}
 * This file makes them (in listen_first, listen_on, main, read_request,
 * serve), checks each, and gives each client a time limit.  Read it top to
 * bottom: main tells the story, the functions follow in that order, up to
 * the banner line "---- Running as a service" (options, supervisors, the
 * log).  On a first reading, skip what is marked "Safeguard".
 */

#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PORT	"29008"
#define DEFAULT_TIMEOUT	5000	/* milliseconds a client has to send */
/*
 * listen's backlog: the queue of clients that the kernel has connected and
 * that wait for our accept, while we serve another.  SOMAXCONN: the longest.
 */
#define BACKLOG		SOMAXCONN

/* What came of one client: for the log, and -i's exit status. */
struct exchange {
	long long deadline;	/* when we stop waiting for it (now_ms) */
	ssize_t n;		/* read's result: bytes, 0 at EOF, -1 */
	unsigned char byte;	/* the client's byte, when n > 0 */
	int err;		/* errno of a failed read or write, else 0 */
};

/* What the command line asked for. */
struct options {
	const char *host;	/* -b; NULL: every address */
	const char *port;	/* NULL: the default, or none with -i */
	long timeout;		/* -t, in milliseconds */
	long children;		/* -c; 0 when not given: the loop */
	int inetd, quiet;	/* -i, -q */
};

static const char *prog = "server";	/* the name we were run as */
/* say: an error line on stderr */
#define say(...)	log_printf(STDERR_FILENO, prog, __VA_ARGS__)
static volatile sig_atomic_t stop;	/* SIGINT, SIGTERM or SIGHUP came */

static int	open_listener(const struct options *);
static int	listen_first(const char *, const char *, int, int *);
static int	listen_on(const struct addrinfo *);
static int	announce(int, long);
static int	set_timeout(int, long);
static void	serve(int, int, long, struct exchange *);
static ssize_t	read_request(int, unsigned char *, size_t, long long);
static void	log_connection(int, const struct sockaddr *,
	    const struct exchange *);
static void	format_address(const struct sockaddr *, char *, size_t);
static void	format_byte(unsigned char, char *);
static int	wait_readable(int, long long);
static long long now_ms(void);
static void	linger(int, int, unsigned char *, size_t, long long);
static int	accept_failed(int);
static int	copies_timeout(int);

static void	parse_options(int, char *[], struct options *);
static int	setup(int);
static int	serve_inetd(const struct options *);
static int	serve_forking(int, const struct options *);
static int	activated(void);
static int	inherited_listener(const struct options *);
static void	listen_failed(const char *, const char *, int);
static void	log_listening(int, const struct sockaddr_storage *);
static void	log_printf(int, const char *, const char *, ...);
static void	log_dropped(int);

int
main(int argc, char *argv[])
{
	struct sockaddr_storage peer;	/* the client's address */
	socklen_t len;
	struct options o;
	struct exchange x;
	int lfd, cfd;

	parse_options(argc, argv, &o);	/* -b, -t, the port: see the banner */
	if (setup(o.inetd) == -1)	/* fds 0-2, signals: see the banner */
		return 1;
	if (o.inetd)	/* -i: inetd accepted the client for us: the banner */
		return serve_inetd(&o);
	/* The listening socket: systemd's (see the banner), or one we make. */
	lfd = activated() ? inherited_listener(&o) : open_listener(&o);
	if (lfd == -1 || announce(lfd, o.timeout) == -1)
		return 1;
	if (o.children > 1)	/* -c: a process per client: the banner */
		return serve_forking(lfd, &o);

	/* One client at a time, until SIGINT, SIGTERM or SIGHUP sets stop. */
	while (!stop) {
		len = sizeof peer;	/* accept writes the length back */
		if ((cfd = accept(lfd, (struct sockaddr *)&peer, &len)) == -1) {
			if (accept_failed(errno) == -1)
				return 1;
			continue;
		}
		if (!copies_timeout(cfd))	/* safeguard: see set_timeout */
			set_timeout(cfd, o.timeout);
		serve(cfd, cfd, o.timeout, &x);
		close(cfd);
		if (!o.quiet)
			log_connection(STDOUT_FILENO, (struct sockaddr *)&peer,
			    &x);
	}
	log_dropped(STDOUT_FILENO);	/* how many log lines were lost */
	log_dropped(STDERR_FILENO);
	close(lfd);
	return 0;
}

/*
 * Make the listening socket.  Without -b, on every address: "::", the IPv6
 * wildcard (AI_PASSIVE and no name), which takes IPv4 clients too, or
 * 0.0.0.0 on a host without IPv6.  With -b, on an address of that name.
 */
static int
open_listener(const struct options *o)
{
	const char *port = o->port ? o->port : DEFAULT_PORT;
	int fd, gai = 0;

	if (o->host != NULL)
		fd = listen_first(o->host, port, AF_UNSPEC, &gai);
	else if ((fd = listen_first(NULL, port, AF_INET6, &gai)) == -1 &&
	    gai == 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL))
		fd = listen_first(NULL, port, AF_INET, &gai);	/* no IPv6 */
	if (fd == -1)
		listen_failed(o->host, port, gai);	/* says why */
	return fd;
}

/* getaddrinfo turns host and port into addresses: listen on the first. */
static int
listen_first(const char *host, const char *port, int family, int *gai)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, saved;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;	/* TCP */
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;	/* port: a number */
	if ((*gai = getaddrinfo(host, port, &hints, &res)) != 0)
		return -1;	/* errno is of use with EAI_SYSTEM only */
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next)
		fd = listen_on(ai);
	saved = errno;
	freeaddrinfo(res);
	errno = saved;
	return fd;
}

/* socket, setsockopt, bind, listen: one listening socket, or -1. */
static int
listen_on(const struct addrinfo *ai)
{
	const struct sockaddr_in6 *sin6 = (const void *)ai->ai_addr;
	int fd, on = 1, off = 0, ok, saved;

	if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) == -1)
		return -1;
	/*
	 * After a connection ends, the side that closed first keeps its port
	 * reserved for a minute or two (TIME_WAIT), so that late packets are
	 * not taken for a new connection.  We close first, so a restarted
	 * server would find its port taken: SO_REUSEADDR lets bind take it.
	 */
	ok = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0;
	/* "::" is every address; some hosts make it IPv6 only by default. */
	if (ok && ai->ai_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
		ok = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
		    sizeof off) == 0;
	if (ok && bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
	    listen(fd, BACKLOG) == 0)
		return fd;
	saved = errno;	/* close must not change the errno we report */
	close(fd);
	errno = saved;
	return -1;
}

/*
 * Give the listening socket the clients' time limit, and say where we
 * listen: getsockname tells the port the kernel chose if we asked for 0.
 */
static int
announce(int lfd, long timeout)
{
	struct sockaddr_storage addr;
	socklen_t len = sizeof addr;

	if (set_timeout(lfd, timeout) == -1) {
		say("setsockopt SO_RCVTIMEO: %s", strerror(errno));
		return -1;
	}
	if (getsockname(lfd, (struct sockaddr *)&addr, &len) == -1) {
		say("getsockname: %s", strerror(errno));
		return -1;
	}
	log_listening(lfd, &addr);
	return 0;
}

/*
 * A client that never sends must not hold us for ever: a receive timeout
 * makes a read that waits longer fail (EAGAIN).  Set on the listening
 * socket, it is copied to each socket accept returns, on Linux and the
 * BSDs; POSIX does not promise that, so main checks (copies_timeout).
 */
static int
set_timeout(int fd, long ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000 * 1000);
	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/*
 * Serve one client: read its byte, write back that byte plus one.  in and
 * out are one socket: main passes cfd twice (inetd passes fds 0 and 1, see
 * -i below the banner).  The client's deadline: timeout from now.
 */
static void
serve(int in, int out, long timeout, struct exchange *x)
{
	unsigned char buf[512], reply;
	ssize_t w;

	x->deadline = now_ms() + timeout;
	x->err = x->byte = 0;
	if ((x->n = read_request(in, buf, sizeof buf, x->deadline)) <= 0) {
		x->err = x->n == -1 ? errno : 0;	/* 0: EOF, no byte */
		return;
	}
	x->byte = buf[0];
	reply = (unsigned char)(x->byte + 1);
	while ((w = write(out, &reply, 1)) == -1 && errno == EINTR)
		;
	if (w == -1)
		x->err = errno;	/* EPIPE, ECONNRESET: the client left */
	else if ((size_t)x->n == sizeof buf)
		linger(in, out, buf, sizeof buf, x->deadline);	/* safeguard */
}

/*
 * Read the client's byte.  We read a whole buffer: nc and telnet send a
 * newline after the byte, and bytes left unread make close send a reset,
 * an abrupt end that can destroy our reply (see linger).  Safeguard: read
 * can fail having read nothing, with EINTR when a signal came, or EAGAIN
 * at the timeout.  Then we wait for what is left of the client's time.
 */
static ssize_t
read_request(int fd, unsigned char *buf, size_t size, long long deadline)
{
	ssize_t n;

	while ((n = read(fd, buf, size)) == -1 &&
	    (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		if (wait_readable(fd, deadline) == -1)
			break;
	return n;
}

/* One line for the log: who, and what came of the connection. */
static void
log_connection(int fd, const struct sockaddr *peer,
    const struct exchange *x)
{
	char who[INET6_ADDRSTRLEN + IF_NAMESIZE + 16], in[8], to[8];

	format_address(peer, who, sizeof who);
	format_byte(x->byte, in);
	format_byte((unsigned char)(x->byte + 1), to);
	if (x->n > 0 && x->err == 0)
		log_printf(fd, who, "%s -> %s", in, to);
	else if (x->n > 0)
		log_printf(fd, who, "%s -> not sent: %s", in, strerror(x->err));
	else if (x->n == 0)
		log_printf(fd, who, "closed without sending");
	else if (x->err == ETIMEDOUT)
		log_printf(fd, who, "timed out");
	else
		log_printf(fd, who, "read: %s", strerror(x->err));
}

/*
 * Write "ADDRESS port N" of sa into buf.  IPv4 clients of the IPv6
 * socket arrive as ::ffff:a.b.c.d: shown as a.b.c.d.  A link-local IPv6
 * address keeps its zone (fe80::1%eth0): without it nobody can use it.
 */
static void
format_address(const struct sockaddr *sa, char *buf, size_t size)
{
	const struct sockaddr_in *sin = (const void *)sa;
	const struct sockaddr_in6 *sin6 = (const void *)sa;
	char host[INET6_ADDRSTRLEN] = "?", zone[IF_NAMESIZE + 1] = "";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host,
			    sizeof host);
		else
			inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		if (sin6->sin6_scope_id != 0 &&
		    if_indextoname(sin6->sin6_scope_id, zone + 1) != NULL)
			zone[0] = '%';
		port = ntohs(sin6->sin6_port);
	}
	snprintf(buf, size, "%s%s port %u", host, zone, port);
}

/*
 * Show a byte as 'c', or as \xNN when it is not printable ASCII, in buf
 * of 5 bytes or more.  The quotes make a space or a quote visible.  By
 * hand: snprintf would cost more than the rest of the line.
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

/*
 * The safeguards of the loop above: a deadline for each client that no
 * signal extends, a clean close, and accept's errors sorted.
 */

/*
 * Safeguard: wait until fd has bytes to read, or until the deadline:
 * then -1, with errno ETIMEDOUT.  poll returns at an event or a timeout.
 * The deadline was fixed when the client came, so a signal, or a stop
 * and continue (SIGSTOP, SIGCONT), never buys a client more time.
 */
static int
wait_readable(int fd, long long deadline)
{
	struct pollfd pfd;
	long long left;
	int r;

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if ((left = deadline - now_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return 0;
		if (r == -1 && errno != EINTR)
			return -1;
	}
}

/*
 * Milliseconds on a clock that nobody sets and that never jumps, for
 * deadlines.  The time of day may be set back or forward.
 */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Safeguard: the lingering close.  A socket closed with bytes still unread
 * makes the kernel send a reset (RST): an abrupt end, after which the
 * client's kernel throws away what it has not yet handed over, our reply
 * too.  A normal close sends a FIN instead: "no more data".  So a client
 * that filled our buffer, and may have more on the way, gets our FIN first
 * (shutdown), and we read and drop what still comes, until its own FIN
 * (read returns 0) or the deadline.  Then the close is a clean one.
 */
static void
linger(int in, int out, unsigned char *buf, size_t size, long long deadline)
{
	ssize_t n;

	if (shutdown(out, SHUT_WR) == -1)
		return;
	do {
		if (wait_readable(in, deadline) == -1)
			return;
		n = read(in, buf, size);
	} while (n > 0 || (n == -1 && (errno == EINTR || errno == EAGAIN ||
	    errno == EWOULDBLOCK)));
}

/*
 * Safeguard: accept failed.  0 to accept again, -1 when the listening
 * socket itself is broken and the server must stop.
 */
static int
accept_failed(int e)
{
	switch (e) {
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		say("accept: %s", strerror(e));
		sleep(1);	/* out of descriptors or memory: let some free */
		return 0;
	case EBADF:
	case EINVAL:
	case ENOTSOCK:
		say("accept: %s", strerror(e));
		return -1;
	default:
		/*
		 * The rest is not our failure.  EINTR: a signal came while
		 * accept waited ("interrupted"), and the loop checks stop.
		 * ECONNABORTED, EPROTO and network errors: a client left
		 * while it waited in the queue.  EAGAIN: the receive timeout,
		 * which Linux applies to accept too: accept returns every -t
		 * seconds, and the loop looks at stop then.
		 */
		return 0;
	}
}

/*
 * Safeguard: did the accepted socket get the listening socket's timeout?
 * POSIX does not say that it must.  We ask of the first client only; where
 * the answer is no, main sets the timeout on each client.
 */
static int
copies_timeout(int fd)
{
	static int known, copies;
	struct timeval tv;
	socklen_t len = sizeof tv;

	if (!known) {
		known = 1;
		copies = getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) == 0 &&
		    (tv.tv_sec != 0 || tv.tv_usec != 0);
	}
	return copies;
}

/* ---- Running as a service: supervisors, the log, descriptors, signals. */

/* systemd hands over sockets from fd 3 on (SD_LISTEN_FDS_START). */
#define LISTEN_FD	3
/*
 * -c: at most this many children, a process each.  Beyond a thousand,
 * the machine's processes and memory would set the limit, not we; the
 * clients beyond -c wait in the backlog.
 */
#define MAX_CHILDREN	1024

#define USAGE	"usage: %s [-hiqV] [-b address] [-c clients] [-t seconds] [port]"
#ifndef VERSION
#define VERSION		"unknown"	/* make passes the release's */
#endif

/* A log: lines written so that they never stall the server (log_line). */
struct log {
	int fd;			/* 1 or 2, or our own open of its terminal */
	int how;		/* LOG_*, or -1: not chosen yet (log_kind) */
	int cut;		/* the last write stopped inside its line */
	unsigned long dropped;	/* lines not written since the last one */
};
enum { LOG_WRITE, LOG_POLL, LOG_SEND };

/* The logs of fds 1 (the listening line, clients) and 2 (errors). */
static struct log logs[3] = {
	{ 0, 0, 0, 0 }, { 1, -1, 0, 0 }, { 2, -1, 0, 0 }
};

static void	check_operands(int, char *[], struct options *);
static void	usage(int, int);
static void	bad_value(const char *, const char *);
static void	version(void);
static void	write_failed(void);
static long	parse_seconds(const char *);
static long	parse_number(const char *, long, long);
static int	open_std_fds(void);
static int	set_signals(int);
static int	ignore(int);
static void	on_signal(int);
static int	inetd_socket(struct sockaddr_storage *);
static int	is_tcp_connection(int);
static int	same_file(int, int);
static long	listen_fds(void);
static void	log_line(int, const char *);
static void	log_kind(struct log *);
static int	ipv6_only(int, const struct sockaddr_storage *);
static void	serve_child(int, int, const struct sockaddr *,
	    const struct options *);
static void	serve_here(int, const struct sockaddr *,
	    const struct options *);
static int	wait_turn(int, int, const sigset_t *);
static void	reap(long *);
static int	catch_children(sigset_t *);
static void	on_child(int);

static volatile sig_atomic_t exited;	/* SIGCHLD came: a child to reap */

/* The command line, checked; usage errors exit 2 from here. */
static void
parse_options(int argc, char *argv[], struct options *o)
{
	const char *slash;
	int ch;

	if (argv[0] != NULL && argv[0][0] != '\0')
		prog = (slash = strrchr(argv[0], '/')) ? slash + 1 : argv[0];
	memset(o, 0, sizeof *o);
	o->timeout = DEFAULT_TIMEOUT;
	opterr = 0;	/* getopt's messages would name the whole argv[0] */
	while ((ch = getopt(argc, argv, "hiqVb:c:t:")) != -1) {
		switch (ch) {
		case 'h':
			usage(STDOUT_FILENO, 0);
			break;
		case 'V':
			version();
			break;
		case 'i':
			o->inetd = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'b':
			if (*optarg == '\0')
				bad_value("-b needs an address", NULL);
			o->host = optarg;
			break;
		case 'c':
			o->children = parse_number(optarg, 1, MAX_CHILDREN);
			if (o->children == -1)
				bad_value("invalid number of clients", optarg);
			break;
		case 't':
			if ((o->timeout = parse_seconds(optarg)) == -1)
				bad_value("invalid timeout", optarg);
			break;
		default:
			say(strchr("bct", optopt) != NULL ? "missing argument "
			    "to '-%c'" : "unknown option '-%c'", optopt);
			usage(STDERR_FILENO, 2);
		}
	}
	check_operands(argc - optind, argv + optind, o);
}

/* The port, if any, and what cannot go together. */
static void
check_operands(int argc, char *argv[], struct options *o)
{
	if (argc > 1)
		usage(STDERR_FILENO, 2);
	if (argc == 1 && parse_number(argv[0], 0, 65535) == -1) {
		say("invalid port '%s'", argv[0]);
		usage(STDERR_FILENO, 2);
	}
	o->port = argc == 1 ? argv[0] : NULL;
	if (o->inetd && (o->host != NULL || o->port != NULL ||
	    o->children != 0)) {
		say("-i serves the connection it is given: no -b, no -c, "
		    "no port");
		usage(STDERR_FILENO, 2);
	}
	/*
	 * A supervisor set up for -i, and -i forgotten: we would write our
	 * listening line into the client's connection, and stay.  Say so,
	 * where the client cannot see it (is_tcp_connection(2): nothing).
	 */
	if (!o->inetd && is_tcp_connection(0)) {
		if (!is_tcp_connection(2))
			say("standard input is a TCP connection: run %s -i "
			    "under inetd, tcpserver, systemd Accept=yes or "
			    "socat", prog);
		exit(2);
	}
}

static void
usage(int fd, int status)
{
	if (fd != STDOUT_FILENO)
		log_printf(fd, NULL, USAGE, prog);
	else if (printf(USAGE "\n", prog) < 0 || fflush(stdout) == EOF)
		write_failed();	/* -h: the line must get there */
	exit(status);
}

/* A line for standard output that could not be written: exit 1. */
static void
write_failed(void)
{
	say("write error: %s", strerror(errno));
	exit(1);
}

/* A bad option's value: what is wrong, then the usage line; exit 2. */
static void
bad_value(const char *what, const char *arg)
{
	if (arg != NULL)
		say("%s '%s'", what, arg);
	else
		say("%s", what);
	usage(STDERR_FILENO, 2);
}

/* -V: the name we were run as, and the release, as ssh -V says it. */
static void
version(void)
{
	if (printf("%s %s\n", prog, VERSION) < 0 || fflush(stdout) == EOF)
		write_failed();
	exit(0);
}

/*
 * Seconds as decimal digits with at most one point, 0.001 to 86400, in
 * milliseconds rounded up; -1 if s is not that.  strtod alone would also
 * take signs, spaces, hex, "inf" and "nan".
 */
static long
parse_seconds(const char *s)
{
	const char *p;
	char *end;
	double d;
	int digits = 0, points = 0;

	for (p = s; *p != '\0'; p++)
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p != '.' || points++ > 0)
			return -1;
	if (digits == 0)
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || *end != '\0' || d < 0.001 || d > 86400)
		return -1;
	return (long)(d * 1000 + 0.999);
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

/* What every start needs: descriptors 0-2 open, and the signals. */
static int
setup(int inetd)
{
	if (open_std_fds() == -1) {
		say("open /dev/null: %s", strerror(errno));
		return -1;
	}
	return set_signals(inetd);
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

/*
 * A client that leaves before its reply must give EPIPE, not kill us:
 * SIGPIPE is ignored, and SIGUSR1 and SIGUSR2 too: some tools send them
 * to ask for a new log, and they mean nothing to us.  SIGINT, SIGTERM and
 * SIGHUP (the terminal or the supervisor hung up) set stop, without
 * SA_RESTART so that they end a blocked accept: the client in hand is
 * finished, then the loop ends, status 0.  A SIGHUP ignored when we
 * started stays ignored: nohup asked us to outlive the terminal.  A mask
 * inherited from whoever started us must not hold our signals back.
 * SIGQUIT keeps its default: quit at once.  Under -i there is no loop,
 * and one call holds (blocks) them all until the client is served.
 * (SIGXFSZ and SIGTTOU are for the log: see log_kind.)
 */
static int
set_signals(int inetd)
{
	struct sigaction sa, old;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (inetd)
		return sigprocmask(SIG_BLOCK, &set, NULL);
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	if (ignore(SIGPIPE) == -1 || ignore(SIGUSR1) == -1 ||
	    ignore(SIGUSR2) == -1 || sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, &old) == -1 ||
	    sigprocmask(SIG_UNBLOCK, &set, NULL) == -1)
		return -1;
	if (old.sa_handler == SIG_IGN)
		return sigaction(SIGHUP, &old, NULL);
	return 0;
}

/* Ignore sig: a kill becomes a failed call we can handle. */
static int
ignore(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	return sigaction(sig, &sa, NULL);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}


/*
 * inetd mode (-i): inetd, xinetd, tcpserver, socat or systemd
 * (Accept=yes) accepted the connection and runs us for it.  Serve it as
 * the loop would, log to stderr, and exit 0 only if the reply was sent.
 * Nothing is logged when stderr is the connection too (inetd, xinetd):
 * the client must get its byte alone.
 */
static int
serve_inetd(const struct options *o)
{
	struct sockaddr_storage peer;
	struct exchange x;
	int fd;

	if ((fd = inetd_socket(&peer)) == -1)
		return 1;
	set_timeout(fd, o->timeout);	/* no listening socket to copy it from */
	serve(fd, fd == 0 ? 1 : fd, o->timeout, &x);
	if (!o->quiet && !same_file(fd, STDERR_FILENO))
		log_connection(STDERR_FILENO, (struct sockaddr *)&peer, &x);
	return x.n > 0 && x.err == 0 ? 0 : 1;
}

/*
 * The connection -i serves, its peer in *peer: fd 0 (inetd, tcpserver,
 * socat, systemd with StandardInput=socket), else fd 3 when systemd
 * passed it the way it passes listening sockets (Accept=yes with the
 * default StandardInput).  Any other set-up gets one line that names
 * the setting that fixes it; not on stderr when stderr is the
 * connection, as for -i forgotten: the client must not read it.
 */
static int
inetd_socket(struct sockaddr_storage *peer)
{
	socklen_t len = sizeof *peer;
	int listening;

	if (getpeername(0, (struct sockaddr *)peer, &len) == 0) {
		if (peer->ss_family == AF_INET || peer->ss_family == AF_INET6)
			return 0;
		if (!same_file(0, STDERR_FILENO))
			say("-i: standard input is a local socket, not a TCP "
			    "connection; with socat, add nofork to EXEC");
		return -1;
	}
	if (!activated()) {
		say("-i: standard input is not a connected socket (%s); -i is "
		    "for inetd, tcpserver, socat or systemd Accept=yes",
		    strerror(errno));
		return -1;
	}
	len = sizeof *peer;
	if (listen_fds() == 1 &&
	    getpeername(LISTEN_FD, (struct sockaddr *)peer, &len) == 0)
		return LISTEN_FD;
	len = sizeof listening;
	if (listen_fds() == 1 && getsockopt(LISTEN_FD, SOL_SOCKET,
	    SO_ACCEPTCONN, &listening, &len) == 0 && listening)
		say("-i: systemd passed a listening socket (Accept=no): run "
		    "%s without -i for it, or set Accept=yes", prog);
	else
		say("-i: systemd passed no connection on fd 3 (LISTEN_FDS); "
		    "give the .socket unit one ListenStream= and Accept=yes");
	return -1;
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

/* Are descriptors a and b one open file (a socket, a terminal)? */
static int
same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Did systemd pass us sockets (socket activation)? */
static int
activated(void)
{
	return listen_fds() != -1;
}

/*
 * systemd socket activation: systemd made the sockets and passes them
 * from fd 3 on, with LISTEN_PID set to our pid and LISTEN_FDS to their
 * number.  Returns that number; -1 when nothing was passed to us (no
 * LISTEN_PID, or another process's); -2 when LISTEN_FDS is not a number.
 * Read once: the variables are then unset, as the protocol asks, so that
 * no child of ours takes them for its own.
 */
static long
listen_fds(void)
{
	static long n = -3;	/* not read yet */
	const char *pid, *fds;

	if (n != -3)
		return n;
	pid = getenv("LISTEN_PID");
	fds = getenv("LISTEN_FDS");
	if (pid == NULL || fds == NULL ||
	    parse_number(pid, 1, LONG_MAX) != (long)getpid())
		return n = -1;
	if ((n = parse_number(fds, 0, INT_MAX)) == -1)
		n = -2;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return n;
}

/*
 * Accept=no: the listening socket systemd made, as fd 3.  It must be
 * what we would have made, a listening TCP socket.  systemd may pass it
 * non-blocking (NonBlocking=yes); we block in accept, so clear that
 * (systemd only polls its copy while we run, so the flag is ours to set).
 */
static int
inherited_listener(const struct options *o)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int listening = 0, flags;
	socklen_t ilen = sizeof listening;

	if (o->host != NULL || o->port != NULL) {
		say("systemd passed the listening socket (LISTEN_FDS): "
		    "no -b, no port");
		usage(STDERR_FILENO, 2);
	}
	if (listen_fds() != 1) {
		say(listen_fds() == -2 ? "LISTEN_FDS is not a number; give the "
		    ".socket unit one ListenStream=" : "systemd passed %ld "
		    "sockets (LISTEN_FDS); give the .socket unit one "
		    "ListenStream=", listen_fds());
		return -1;
	}
	if (is_tcp_connection(LISTEN_FD)) {
		say("fd 3 from systemd is a connection (Accept=yes): run "
		    "%s -i for it, or set Accept=no", prog);
		return -1;
	}
	if (getsockopt(LISTEN_FD, SOL_SOCKET, SO_ACCEPTCONN, &listening,
	    &ilen) == -1 || !listening ||
	    getsockname(LISTEN_FD, (struct sockaddr *)&ss, &len) == -1 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) ||
	    (flags = fcntl(LISTEN_FD, F_GETFL)) == -1 ||
	    fcntl(LISTEN_FD, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		say("fd 3 from systemd is not a listening TCP socket: give "
		    "the .socket unit one ListenStream=");
		return -1;
	}
	return LISTEN_FD;
}

/*
 * "server: listening on ADDRESS port N", for people and for scripts; a
 * socket on "::" that takes no IPv4 clients says "IPv6 only".
 */
static void
log_listening(int lfd, const struct sockaddr_storage *addr)
{
	char where[INET6_ADDRSTRLEN + IF_NAMESIZE + 16];

	format_address((const struct sockaddr *)addr, where, sizeof where);
	log_printf(STDOUT_FILENO, prog, "listening on %s%s",
	    ipv6_only(lfd, addr) ? "IPv6 only, " : "", where);
}

/*
 * -c N: a process per client, the next step of every socket book after
 * the loop (Stevens' tcpserv01, Beej's server.c).  We accept, and fork:
 * the child serves the client as the loop would, logs its line and
 * exits; we close our copy of the connection and accept the next.  A
 * silent client then holds its own process, not the clients behind it,
 * and the kernel schedules the processes.  At N children we stop
 * accepting until one exits (clients wait in the backlog, as under
 * tcpserver -c).  SIGINT or SIGTERM: we close the listening socket, so
 * new clients are refused, and wait for every child, each of which ends
 * by its client's deadline; then exit 0.
 */
static int
serve_forking(int lfd, const struct options *o)
{
	struct sockaddr_storage peer;
	socklen_t len;
	sigset_t waiting;	/* the signal mask while we wait */
	long running = 0;	/* children not yet reaped */
	int cs, failing = 0, status = 0;	/* cs: the client's socket */
	pid_t pid;

	if (catch_children(&waiting) == -1) {
		say("sigaction SIGCHLD: %s", strerror(errno));
		return 1;
	}
	while (!stop) {
		reap(&running);
		if (wait_turn(lfd, running >= o->children, &waiting) == -1)
			continue;	/* a signal came: a child, or stop */
		len = sizeof peer;
		if ((cs = accept(lfd, (struct sockaddr *)&peer, &len)) == -1) {
			if (accept_failed(errno) == -1) {
				status = 1;
				break;
			}
			continue;
		}
		if (!copies_timeout(cs))
			set_timeout(cs, o->timeout);	/* the child's too */
		if ((pid = fork()) == 0)	/* the child; it exits */
			serve_child(lfd, cs, (struct sockaddr *)&peer, o);
		if (pid > 0) {
			close(cs);	/* the child's now */
			running++;
			failing = 0;
			continue;
		}
		/* Out of processes or memory: serve the client ourselves. */
		if (!failing)
			say("fork: %s: serving clients one at a time until it "
			    "works again", strerror(errno));
		failing = 1;
		serve_here(cs, (struct sockaddr *)&peer, o);
	}
	close(lfd);	/* from now on, clients are refused */
	for (reap(&running); running > 0; reap(&running))
		sigsuspend(&waiting);	/* until SIGCHLD */
	log_dropped(STDOUT_FILENO);
	log_dropped(STDERR_FILENO);
	return status;
}

/*
 * Wait for a client to accept, or at the cap (full) for a child to exit:
 * 0 when accept will not wait, -1 when a signal ended the wait.  SIGCHLD,
 * SIGINT and SIGTERM are blocked but here, where pselect and sigsuspend
 * let them in and wait in one step: so none can come between our test of
 * stop and the wait, and leave us waiting for the next client.
 */
static int
wait_turn(int lfd, int full, const sigset_t *waiting)
{
	fd_set readable;

	if (full)
		return sigsuspend(waiting);	/* always -1, EINTR */
	FD_ZERO(&readable);
	FD_SET(lfd, &readable);
	return pselect(lfd + 1, &readable, NULL, NULL, NULL, waiting) == 1 ?
	    0 : -1;
}

/*
 * The child: the listening socket is the parent's alone, so it closes
 * its copy; it serves the client and exits.  SIGINT and SIGTERM stay
 * blocked: it finishes its client, within the deadline, whatever comes.
 * Its log line goes in one write, as the loop's does: whole, never
 * merged with another child's.  A count of lines the parent had dropped
 * is the parent's to report, not each child's: the child starts from 0,
 * and its exit status says whether its own line was dropped (1) or not
 * (0); reap counts it in our log.
 */
static void
serve_child(int lfd, int conn, const struct sockaddr *peer,
    const struct options *o)
{
	close(lfd);
	logs[STDOUT_FILENO].dropped = 0;
	serve_here(conn, peer, o);
	_exit(logs[STDOUT_FILENO].dropped > 0 ? 1 : 0);
}

/* What the loop does for one client, once it is accepted. */
static void
serve_here(int fd, const struct sockaddr *peer, const struct options *o)
{
	struct exchange x;

	serve(fd, fd, o->timeout, &x);
	close(fd);
	if (!o->quiet)
		log_connection(STDOUT_FILENO, peer, &x);
}

/*
 * Reap the children that exited, after SIGCHLD, so that none stays a
 * zombie.  A child whose line was dropped (exit status 1) adds it to our
 * count, which we write as soon as the log takes it, or at exit.
 */
static void
reap(long *running)
{
	pid_t pid;
	int st;

	if (!exited)
		return;
	exited = 0;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		(*running)--;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
			logs[STDOUT_FILENO].dropped++;
	}
	if (pid == -1 && errno == ECHILD)
		*running = 0;	/* none left, whatever we counted */
	if (logs[STDOUT_FILENO].dropped > 0)
		log_dropped(STDOUT_FILENO);
}

/*
 * SIGCHLD: a child exited.  Catch it (a child stopped, SA_NOCLDSTOP, has
 * not), and block it, SIGINT and SIGTERM: wait_turn lets them in.
 * *waiting: the mask we had, to wait in.
 */
static int
catch_children(sigset_t *waiting)
{
	struct sigaction sa;
	sigset_t blocked;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	if (sigaction(SIGCHLD, &sa, NULL) == -1)
		return -1;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGCHLD);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGTERM);
	return sigprocmask(SIG_BLOCK, &blocked, waiting);
}

static void
on_child(int sig)
{
	(void)sig;
	exited = 1;
}

/*
 * open_listener failed: say what, why, and for the commonest causes what
 * fixes it.  With EAI_SYSTEM, getaddrinfo leaves its reason in errno.
 */
static void
listen_failed(const char *host, const char *port, int gai)
{
	const char *fix = "";
	int e = errno;

	if (gai != 0) {
		say("resolve %s port %s: %s", host ? host : "*", port,
		    gai == EAI_SYSTEM ? strerror(e) : gai_strerror(gai));
		return;
	}
	if (e == EADDRINUSE)
		fix = " (another process holds that port: ss -ltnp shows "
		    "which; stop it, or choose another port)";
	else if (e == EACCES && parse_number(port, 1, 1023) != -1)
		fix = " (a port below 1024 needs root or CAP_NET_BIND_SERVICE;"
		    " in a systemd unit, AmbientCapabilities="
		    "CAP_NET_BIND_SERVICE)";
	else if (e == EADDRNOTAVAIL && host != NULL)
		fix = " (no interface of this host has that address: "
		    "ip address lists them)";
	say("bind to %s%sport %s: %s%s", host ? host : "", host ? " " : "",
	    port, strerror(e), fix);
}

/*
 * Is lfd on "::" and yet IPv6 only?  We never make one (listen_on), but
 * systemd does, with BindIPv6Only=ipv6-only: the listening line says so.
 */
static int
ipv6_only(int lfd, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *sin6 = (const void *)ss;
	socklen_t len;
	int on = 0;

	len = sizeof on;
	return ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) &&
	    getsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &on, &len) == 0 && on;
}

/* A line for log fd (1 or 2): "name: " (none if NULL), fmt's text. */
static void
log_printf(int fd, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *line;
	size_t k;
	int n;

	k = name != NULL ? strlen(name) + 2 : 0;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (line = malloc(k + (size_t)n + 1)) == NULL) {
		logs[fd].dropped++;
		return;
	}
	snprintf(line, k + 1, "%s: ", name != NULL ? name : "");
	va_start(ap, fmt);
	vsnprintf(line + k, (size_t)n + 1, fmt, ap);
	va_end(ap);
	log_line(fd, line);
	free(line);
}

/*
 * Write one line to a log in one write, never waiting and never dying for
 * it (log_kind chose how).  A line that cannot go at once is dropped and
 * counted; the count goes before the next line that gets through, and an
 * empty line writes only the count.  A write that stopped inside its line
 * is ended with a newline first, so that no two lines share one.  A line
 * longer than a pipe takes whole (PIPE_BUF) keeps its end: a port, a reason.
 */
static void
log_line(int fd, const char *line)
{
	struct log *log = &logs[fd];
	struct pollfd pfd;
	char buf[PIPE_BUF];
	size_t len = 0, n, counted;
	ssize_t w;

	n = strlen(line);
	if (n == 0 && log->dropped == 0 && !log->cut)
		return;
	if (log->how == -1)
		log_kind(log);
	pfd.fd = log->fd;
	pfd.events = POLLOUT;
	if (log->how == LOG_POLL &&
	    (poll(&pfd, 1, 0) != 1 || pfd.revents != POLLOUT))
		goto drop;
	if (log->cut)
		buf[len++] = '\n';
	if (log->dropped > 0)
		len += (size_t)snprintf(buf + len, sizeof buf - len,
		    "%.64s: %lu log lines dropped (they could not be written)\n",
		    prog, log->dropped);
	counted = len;
	if (n > sizeof buf - len - 1) {
		line += n - (sizeof buf - len - 1);
		n = sizeof buf - len - 1;
	}
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): bytes to write */
	memcpy(buf + len, line, n);
	len += n;
	if (n > 0)
		buf[len++] = '\n';
	do
		w = log->how != LOG_SEND ? write(log->fd, buf, len) :
		    send(log->fd, buf, len, MSG_DONTWAIT);
	while (w == -1 && errno == EINTR);
	if (w > 0) {
		log->cut = buf[w - 1] != '\n';
		if ((size_t)w >= counted)
			log->dropped = 0;
		if ((size_t)w == len)
			return;
	}
drop:
	if (*line != '\0')
		log->dropped++;
}

/* At exit: the count of lines dropped since the last one written, if any. */
static void
log_dropped(int fd)
{
	log_line(fd, "");
}

/*
 * How a log writes without waiting, chosen at its first line, with no
 * change to an open file that others share.  A file: write, with SIGXFSZ
 * ignored, so that a size limit (ulimit -f) fails with EFBIG, not kills.
 * A socket: send with MSG_DONTWAIT.  A terminal: opened again by its name,
 * ours and non-blocking, and SIGTTOU ignored (stty tostop would stop us).
 * A pipe, or a terminal we may not open: poll, then one write <= PIPE_BUF.
 */
static void
log_kind(struct log *log)
{
	struct stat st;
	const char *tty;
	int fd;

	if (fstat(log->fd, &st) == -1)
		st.st_mode = 0;		/* unknown: written as a file */
	log->how = LOG_POLL;
	if (S_ISSOCK(st.st_mode))
		log->how = LOG_SEND;
	else if (!S_ISFIFO(st.st_mode) && !isatty(log->fd)) {
		log->how = LOG_WRITE;
		ignore(SIGXFSZ);
	} else if ((tty = ttyname(log->fd)) != NULL && (fd = open(tty,
	    O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) != -1) {
		log->how = LOG_WRITE;
		log->fd = fd;
		ignore(SIGTTOU);
	}
}
